import { access, link, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOutput, SpecConfig, Task } from '@shoal/models';
import { create } from 'tar';
import { executionDir } from '../execution/execution-files.js';
import type { Publisher, PublishRequest } from './publisher.js';

/**
 * The `local` publisher: the run's results become one tar.gz on this agent, served over HTTP by
 * the results server. The archive holds what `shoal job get` unpacks:
 *
 *   stdout  stderr  exitCode  <ResultPath.Name>/…
 *
 * stdout and stderr are the engine's full output files when it wrote them (hard links: no copy),
 * else the RunOutput text. The staged tree lives in `<execution dir>/published`, so publishing
 * again after a crash finds what was already moved there and ends with the same archive.
 */

const RESERVED = new Set(['stdout', 'stderr', 'exitCode', 'published', 'results']);
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface LocalPublisherOptions {
  /** The agent's state dir (`<dataDir>/agent`). */
  stateDir: string;
  /** How clients reach the results server, e.g. `http://10.0.0.5:6001`. */
  baseUrl: string;
}

export function archivePath(stateDir: string, executionId: string): string {
  return join(stateDir, 'results', `${executionId}.tar.gz`);
}

export class LocalPublisher implements Publisher {
  readonly type = 'local';

  constructor(private readonly options: LocalPublisherOptions) {}

  async publish({ executionId, task, runOutput }: PublishRequest): Promise<SpecConfig> {
    const { dir: staged, names } = await stageResults(this.options.stateDir, executionId, task, runOutput);
    const archive = archivePath(this.options.stateDir, executionId);
    await mkdir(join(this.options.stateDir, 'results'), { recursive: true });
    const partial = `${archive}.partial`;
    // Symlinks a task left are archived as links, never followed: they could point at host files.
    await create({ gzip: true, cwd: staged, file: partial, portable: true }, names);
    await rename(partial, archive);
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/results/${executionId}.tar.gz`;
    return { Type: 'local', Params: { URL: url } };
  }
}

/**
 * The run's results gathered in `<execution dir>/published` (stdout, stderr, exitCode and one
 * directory per ResultPath), and the names at its top, in archive order. Every publisher packs or
 * uploads this same tree, so `shoal job get` finds the same layout whichever one ran.
 */
export async function stageResults(
  stateDir: string,
  executionId: string,
  task: Pick<Task, 'ResultPaths'>,
  runOutput: RunOutput,
): Promise<{ dir: string; names: string[] }> {
  const dir = executionDir(stateDir, executionId);
  const staged = join(dir, 'published');
  await mkdir(staged, { recursive: true });
  await stageStream(dir, staged, 'stdout', runOutput.stdout);
  await stageStream(dir, staged, 'stderr', runOutput.stderr);
  await writeFile(join(staged, 'exitCode'), String(runOutput.exitCode));
  const names = ['exitCode', 'stderr', 'stdout'];
  for (const { Name } of task.ResultPaths) {
    if (!SAFE_NAME.test(Name) || RESERVED.has(Name)) {
      throw new Error(`result path name ${JSON.stringify(Name)} cannot be published (reserved or unsafe)`);
    }
    const target = join(staged, Name);
    if (!(await exists(target))) {
      const source = join(dir, 'results', Name);
      if (await exists(source)) await rename(source, target);
      else await mkdir(target);
    }
    names.push(Name);
  }
  return { dir: staged, names };
}

async function stageStream(dir: string, staged: string, name: 'stdout' | 'stderr', text: string) {
  const target = join(staged, name);
  if (await exists(target)) return;
  const full = join(dir, name);
  if (await exists(full)) await link(full, target);
  else await writeFile(target, text);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
