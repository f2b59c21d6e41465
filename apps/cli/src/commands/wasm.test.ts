import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJson } from '@shoal/models';
import { getFreePort, makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShoal } from '../testing/test-cluster.js';

/** `shoal wasm run`: the job it builds (through --dry-run, no server) and its refusals. */

/** The smallest valid module: the header alone. */
const EMPTY_MODULE = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

describe('shoal wasm run: the job it builds', () => {
  const offline = { env: { SHOAL_API: '' } };
  let dir: TempDir;
  let module: string;
  beforeAll(async () => {
    offline.env.SHOAL_API = `http://127.0.0.1:${await getFreePort()}`;
    dir = await makeTempDir('shoal-wasm-cli-');
    module = join(dir.path, 'hello.wasm');
    await writeFile(module, EMPTY_MODULE);
  });
  afterAll(() => dir.cleanup());
  const shoal = (args: string[]) => runShoal(undefined, ['wasm', 'run', ...args], offline);
  const dryRun = async (args: string[]) => {
    const run = await shoal(['--dry-run', '-o', 'json', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return decodeJson(run.stdout) as { Tasks: Array<Record<string, unknown>> };
  };

  it('sends a local module inline, the words after -- as Parameters, -e as EnvironmentVariables, -i as inputs', async () => {
    const job = await dryRun([
      '--entry-point',
      'main',
      '-e',
      'GREETING=hi',
      '--memory',
      '64Mb',
      '--timeout',
      '30',
      '--result-path',
      'outputs:/outputs',
      '-i',
      'data:,hello,dst=/inputs/hello.txt',
      module,
      '--',
      'one',
      '--two',
    ]);
    expect(job.Tasks[0]).toMatchObject({
      Engine: {
        Type: 'wasm',
        Params: {
          EntryModule: {
            Source: { Type: 'inline', Params: { URL: 'data:application/wasm;base64,AGFzbQEAAAA=' } },
            Alias: 'hello.wasm',
          },
          Entrypoint: 'main',
          Parameters: ['one', '--two'],
          EnvironmentVariables: { GREETING: 'hi' },
          ImportModules: [],
        },
      },
      Publisher: { Type: 'local' },
      ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
      InputSources: [
        { Source: { Type: 'inline', Params: { URL: 'data:,hello' } }, Target: '/inputs/hello.txt' },
      ],
      Resources: { Memory: '64Mb' },
      Timeouts: { ExecutionTimeout: 30 },
    });
  });

  it('runs a module by its URL: each node downloads it', async () => {
    const job = await dryRun(['https://example.com/modules/tool.wasm']);
    expect(job.Tasks[0]).toMatchObject({
      Engine: {
        Params: {
          EntryModule: {
            Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/modules/tool.wasm' } },
            Alias: 'tool.wasm',
          },
          Entrypoint: '_start',
          Parameters: [],
        },
      },
    });
  });

  it('refuses what is not a module, a missing file, and a module too large to inline', async () => {
    const text = join(dir.path, 'script.sh');
    await writeFile(text, '#!/bin/sh\n');
    const notWasm = await shoal(['--dry-run', text]);
    expect([notWasm.code, notWasm.stderr]).toEqual([
      2,
      expect.stringContaining('is not a WebAssembly module'),
    ]);

    const missing = await shoal(['--dry-run', join(dir.path, 'nothing.wasm')]);
    expect(missing.stderr).toMatch(/cannot read module .*nothing\.wasm: no such file/);

    const big = join(dir.path, 'big.wasm');
    await writeFile(big, Buffer.concat([EMPTY_MODULE, Buffer.alloc(700 * 1024)]));
    const tooBig = await shoal(['--dry-run', big]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(
      /big\.wasm is too large to send inline: the job would be \d+ bytes, and a job spec may be at most 786432 bytes\. Serve the module over HTTP\(S\)/,
    );
  });

  it('refuses a malformed --result-path as a usage error naming the flag', async () => {
    const run = await shoal(['--result-path', 'outputs', module]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--result-path.*expected NAME:\/absolute\/path/);
  });
});
