import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { DEFAULT_MAX_JOB_BYTES, ErrorCode, encodeDataUri, jobBytes, ShoalError } from '@shoal/models';
import { buildDockerJob, type DockerRunFlags } from './docker-job.js';

/**
 * The job `shoal wasm run` submits: the batch job `docker run` builds from the same flags, with a
 * wasm task instead. The module is a local file sent inline (a base64 `data:` URI, so the job
 * carries it and no node needs the file) or an http(s) URL each node downloads. Words after `--`
 * are the module's Parameters (argv after its name), `-e` its EnvironmentVariables, as Bacalhau's
 * `wasm run` has them.
 */

export interface WasmRunFlags extends Omit<DockerRunFlags, 'entrypoint' | 'workdir' | 'network'> {
  entryPoint?: string;
}

const usage = (message: string) => new ShoalError(ErrorCode.BadRequest, message, { component: 'CLI' });

/** The EntryModule for a local file (inline) or an http(s) URL (urlDownload). */
export async function entryModuleFor(module: string): Promise<Record<string, unknown>> {
  if (/^https?:\/\//i.test(module)) {
    const name = basename(new URL(module).pathname) || 'module.wasm';
    return { Source: { Type: 'urlDownload', Params: { URL: module } }, Alias: name };
  }
  const info = await stat(module).catch((error: NodeJS.ErrnoException) => {
    throw usage(`cannot read module ${module}: ${error.code === 'ENOENT' ? 'no such file' : error.code}`);
  });
  if (!info.isFile()) throw usage(`module ${module} must be a file`);
  const bytes = new Uint8Array(await readFile(module));
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (magic.some((b, i) => bytes[i] !== b))
    throw usage(`${module} is not a WebAssembly module (no \\0asm header)`);
  return {
    Source: { Type: 'inline', Params: { URL: encodeDataUri(bytes, 'application/wasm') } },
    Alias: basename(module),
  };
}

export function buildWasmJob(
  entryModule: Record<string, unknown>,
  parameters: readonly string[],
  flags: WasmRunFlags,
): Record<string, unknown> {
  const { env, entryPoint, ...common } = flags;
  const job = buildDockerJob('', [], common);
  const [task] = job.Tasks as Array<Record<string, unknown>>;
  if (task === undefined) throw new Error('the job has no task');
  task.Engine = {
    Type: 'wasm',
    Params: {
      EntryModule: entryModule,
      ...(entryPoint === undefined ? {} : { Entrypoint: entryPoint }),
      Parameters: [...parameters],
      ...(env ? { EnvironmentVariables: env } : {}),
    },
  };
  return job;
}

/** Refuses a module too large to travel inline in a job spec, saying what to do instead. */
export function checkInlineSize(job: unknown, module: string, maxBytes = DEFAULT_MAX_JOB_BYTES): void {
  const bytes = jobBytes(job);
  if (bytes <= maxBytes) return;
  throw usage(
    `${module} is too large to send inline: the job would be ${bytes} bytes, and a job spec may be ` +
      `at most ${maxBytes} bytes. Serve the module over HTTP(S) and run it by its URL instead.`,
  );
}
