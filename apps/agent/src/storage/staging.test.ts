import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputSource } from '@shoal/models';
import { type HttpFiles, makeTempDir, serveBytes, startHttpFiles, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputsDir } from '../execution/execution-files.js';
import { makeTask } from '../testing/fixtures.js';
import { InlineProvider } from './inline.js';
import { LocalDirectoryProvider } from './local-directory.js';
import { StorageRegistry } from './registry.js';
import { describeSource, InputStager } from './staging.js';
import { UrlDownloadProvider } from './url-download.js';

let tmp: TempDir;
let http: HttpFiles;
let stager: InputStager;
let data: string;
const signal = new AbortController().signal;

const input = (Type: string, Params: Record<string, unknown>, Target: string): InputSource => ({
  Source: { Type, Params },
  Alias: '',
  Target,
});
const exists = (path: string) =>
  readdir(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  tmp = await makeTempDir('shoal-staging-');
  data = join(tmp.path, 'data');
  await mkdir(data);
  await writeFile(join(data, 'x.txt'), 'local');
  http = await startHttpFiles({
    '/a.csv': serveBytes(Buffer.from('a,b\n1,2\n')),
    '/slow': (_req, res) => {
      res.writeHead(200);
      res.write('a');
    },
  });
  const registry = new StorageRegistry([
    new InlineProvider(),
    new UrlDownloadProvider({ maxBytes: 1024 * 1024, timeoutMs: 30_000 }),
    new LocalDirectoryProvider([{ path: data, readWrite: false }]),
  ]);
  stager = new InputStager({ stateDir: join(tmp.path, 'state'), registry });
});

afterAll(async () => {
  await http?.close();
  await tmp?.cleanup();
});

describe('InputStager', () => {
  it('stages every input into the execution dir, in order, with its target, and cleans up', async () => {
    const task = makeTask({
      InputSources: [
        input('inline', { URL: 'data:,hi' }, '/inputs/hi.txt'),
        input('urlDownload', { URL: http.url('/a.csv') }, '/inputs/csv'),
        input('localDirectory', { SourcePath: data, ReadWrite: false }, '/data'),
      ],
    });
    const progress: string[] = [];
    const staged = await stager.stage('e-1', task, signal, (m) => progress.push(m));
    const dir = inputsDir(join(tmp.path, 'state'), 'e-1');
    expect(staged).toEqual([
      { hostPath: join(dir, '0'), target: '/inputs/hi.txt', readOnly: true },
      { hostPath: join(dir, '1'), target: '/inputs/csv', readOnly: true },
      { hostPath: data, target: '/data', readOnly: true },
    ]);
    expect(await readFile(join(dir, '0'), 'utf8')).toBe('hi');
    expect(await readFile(join(dir, '1', 'a.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(progress[1]).toBe(`fetching inputs (2 of 3: urlDownload ${http.url('/a.csv')})`);
    await stager.cleanup('e-1');
    expect(await exists(dir)).toBe(false);
    expect(await readFile(join(data, 'x.txt'), 'utf8')).toBe('local');
  });

  it('fails naming the input, and leaves nothing fetched behind', async () => {
    const task = makeTask({
      InputSources: [
        input('inline', { URL: 'data:,hi' }, '/in/a'),
        input('urlDownload', { URL: http.url('/missing.csv') }, '/in/b'),
      ],
    });
    await expect(stager.stage('e-2', task, signal)).rejects.toThrow(
      `input 1 (urlDownload ${http.url('/missing.csv')}): 404 Not Found`,
    );
    expect(await exists(inputsDir(join(tmp.path, 'state'), 'e-2'))).toBe(false);
  });

  it('stops promptly on abort, with the abort reason, and removes what it fetched', async () => {
    const controller = new AbortController();
    const task = makeTask({ InputSources: [input('urlDownload', { URL: http.url('/slow') }, '/in')] });
    const pending = stager.stage('e-3', task, controller.signal);
    setTimeout(() => controller.abort(new Error('execution stopped')), 100);
    await expect(pending).rejects.toThrow('execution stopped');
    expect(await exists(inputsDir(join(tmp.path, 'state'), 'e-3'))).toBe(false);
  });

  it('sweeps the inputs of executions that no longer run, after a restart', async () => {
    const task = makeTask({ InputSources: [input('inline', { URL: 'data:,x' }, '/in')] });
    await stager.stage('e-live', task, signal);
    await stager.stage('e-dead', task, signal);
    expect(await stager.sweep((id) => id === 'e-live')).toBe(1);
    expect(await exists(inputsDir(join(tmp.path, 'state'), 'e-live'))).toBe(true);
    expect(await exists(inputsDir(join(tmp.path, 'state'), 'e-dead'))).toBe(false);
  });

  it('describes sources briefly, never repeating an inline payload', () => {
    expect(describeSource({ Type: 'inline', Params: { URL: 'data:text/plain;base64,aGVsbG8=' } })).toBe(
      'inline data:text/plain;base64,…',
    );
    expect(describeSource({ Type: 's3', Params: { Bucket: 'b', Key: 'k/x' } })).toBe('s3 s3://b/k/x');
  });
});
