import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionDir } from '../../execution/execution-files.js';
import { WasmExecutor } from './executor.js';
import { inlineStageSource, wasmRunSpec as spec } from './testing.js';

/** What a module sees of the host: its inputs and result directories, preopened, and no more. */

let tmp: TempDir;
let executor: WasmExecutor;
beforeEach(async () => {
  tmp = await makeTempDir('shoal-wasm-files-');
  executor = new WasmExecutor({ stateDir: tmp.path, stageSource: inlineStageSource });
});
afterEach(() => tmp.cleanup());

describe('WasmExecutor preopens', () => {
  it('preopens a file input at its target directory', async () => {
    const source = join(tmp.path, 'staged', 'input.txt');
    await mkdir(join(tmp.path, 'staged'), { recursive: true });
    await writeFile(source, 'the input file\n');
    const result = await executor.run(
      await spec('cat', { inputs: [{ hostPath: source, target: '/inputs/data.txt', readOnly: true }] }),
    );
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'the input file\n', exitCode: 0 },
    });
  });

  it('preopens a directory input at its target, a read-only host directory as a copy', async () => {
    const dir = join(tmp.path, 'host-dir');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data.txt'), 'from a directory\n');
    const result = await executor.run(
      await spec('cat', { inputs: [{ hostPath: dir, target: '/data', readOnly: true }] }),
    );
    expect(result).toMatchObject({ kind: 'completed', runOutput: { stdout: 'from a directory\n' } });
  });

  it('copies a read-only host directory without its symlinks, so none leads out of the preopen', async () => {
    const dir = join(tmp.path, 'host-with-link');
    await mkdir(dir, { recursive: true });
    await symlink('/etc/hostname', join(dir, 'data.txt'));
    const result = await executor.run(
      await spec('cat', { inputs: [{ hostPath: dir, target: '/data', readOnly: true }] }),
    );
    // cat exits with path_open's errno: 44, ENOENT.
    expect(result).toMatchObject({ kind: 'completed', runOutput: { stdout: '', exitCode: 44 } });
  });

  it('refuses to create symlinks (ENOTSUP), even ones that stay inside a preopen', async () => {
    const s = await spec('symlink', { task: { ResultPaths: [{ Name: 'outputs', Path: '/outputs' }] } });
    expect(await executor.run(s)).toMatchObject({ kind: 'completed', runOutput: { exitCode: 58 } });
  });

  it('writes results into <execution dir>/results/<Name>, as the docker engine does', async () => {
    const s = await spec('write-result', { task: { ResultPaths: [{ Name: 'outputs', Path: '/outputs' }] } });
    expect(await executor.run(s)).toMatchObject({ kind: 'completed', runOutput: { exitCode: 0 } });
    const written = join(executionDir(tmp.path, s.executionId), 'results', 'outputs', 'out.txt');
    expect(await readFile(written, 'utf8')).toBe('written by wasm\n');
  });
});
