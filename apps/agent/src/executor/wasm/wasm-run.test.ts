import { readFile } from 'node:fs/promises';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputPath } from '../../execution/execution-files.js';
import { WasmExecutor } from './executor.js';
import { inlineStageSource, wasmRunSpec as spec } from './testing.js';

/** The wasm engine against real node:wasi workers, with modules built from testdata/*.wat. */

let tmp: TempDir;
let executor: WasmExecutor;
beforeEach(async () => {
  tmp = await makeTempDir('shoal-wasm-');
  executor = new WasmExecutor({ stateDir: tmp.path, stageSource: inlineStageSource });
});
afterEach(() => tmp.cleanup());

describe('WasmExecutor', () => {
  it('says it is the healthy wasm engine, with no network', () => {
    expect(executor.capabilities()).toEqual({ engine: 'wasm', healthy: true, networks: ['None'] });
  });

  it('captures stdout and stderr in RunOutput and in the execution files, exit code 0', async () => {
    const s = await spec('hello');
    const result = await executor.run(s);
    expect(result).toEqual({
      kind: 'completed',
      runOutput: {
        stdout: 'hello from wasm\n',
        stdouttruncated: false,
        stderr: 'a line on stderr\n',
        stderrtruncated: false,
        exitCode: 0,
        runnerError: '',
      },
    });
    expect(await readFile(outputPath(tmp.path, s.executionId, 'stdout'), 'utf8')).toBe('hello from wasm\n');
    expect(await readFile(outputPath(tmp.path, s.executionId, 'stderr'), 'utf8')).toBe('a line on stderr\n');
  });

  it('calls another exported function as the Entrypoint', async () => {
    const result = await executor.run(await spec('hello', { params: { Entrypoint: 'greet' } }));
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'greetings from another entry point\n' },
    });
    const missing = await executor.run(await spec('hello', { params: { Entrypoint: 'nothing' } }));
    expect(missing).toMatchObject({
      kind: 'failed',
      error: expect.stringContaining('exports no function "nothing"'),
    });
  });

  it('passes argv (the module name first) and the environment, engine variables winning', async () => {
    const s = await spec('echo', {
      params: { Parameters: ['one', 'two words'], EnvironmentVariables: { SHARED: 'engine', ONLY: 'x' } },
      task: { Env: { SHARED: 'task', FROM_TASK: 'y' } },
    });
    const result = await executor.run(s);
    expect(result.kind).toBe('completed');
    if (result.kind !== 'completed') return;
    expect(result.runOutput.stdout).toBe('main.wasm\none\ntwo words\n');
    expect(result.runOutput.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'FROM_TASK=y',
      'ONLY=x',
      'SHARED=engine',
    ]);
  });

  it('reports proc_exit(n) as exit code n, with the output printed before', async () => {
    expect(await executor.run(await spec('exit'))).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'leaving with 3\n', exitCode: 3 },
    });
  });

  it('fails a trap for good, exit code 134, keeping what was printed', async () => {
    expect(await executor.run(await spec('trap'))).toMatchObject({
      kind: 'failed',
      final: true,
      error: expect.stringMatching(/^the module trapped: .*unreachable/),
      runOutput: { stdout: 'about to trap\n', exitCode: 134 },
    });
  });

  it('bounds memory.grow by the reserved memory: 1 MiB is 16 pages, so 15 more than the first', async () => {
    expect(await executor.run(await spec('grow', { memoryBytes: 1024 * 1024 }))).toMatchObject({
      kind: 'completed',
      runOutput: { exitCode: 15 },
    });
    expect(await executor.run(await spec('grow', { memoryBytes: 4 * 1024 * 1024 }))).toMatchObject({
      kind: 'completed',
      runOutput: { exitCode: 63 },
    });
  });

  it('hands a module that imports its memory one bounded alike', async () => {
    expect(await executor.run(await spec('grow-imported', { memoryBytes: 1024 * 1024 }))).toMatchObject({
      kind: 'completed',
      runOutput: { exitCode: 15 },
    });
  });

  it('refuses a module whose initial memory is over the reservation', async () => {
    expect(await executor.run(await spec('big-memory', { memoryBytes: 1024 * 1024 }))).toMatchObject({
      kind: 'failed',
      final: true,
      error: expect.stringMatching(/starts at 100 pages .* more than the task's memory allows \(16 pages/),
    });
  });

  it('ends a module that outlives its ExecutionTimeout, for good, with its output so far', async () => {
    const started = Date.now();
    const result = await executor.run(await spec('loop', { task: { Timeouts: { ExecutionTimeout: 1 } } }));
    expect(result).toMatchObject({
      kind: 'failed',
      final: true,
      error: 'execution timed out after 1s',
      runOutput: { stdout: 'looping\n', exitCode: 137 },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops a running module promptly when the run is cancelled', async () => {
    const stop = new AbortController();
    const s = await spec('loop', { signal: stop.signal });
    const running = executor.run(s);
    await waitFor(
      async () =>
        (await readFile(outputPath(tmp.path, s.executionId, 'stdout'), 'utf8').catch(() => '')) !== '',
      {
        message: 'the module to print',
      },
    );
    const stoppedAt = Date.now();
    stop.abort();
    expect(await running).toMatchObject({ kind: 'cancelled', runOutput: { stdout: 'looping\n' } });
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
  });

  it('ends its running modules when it is closed, as the agent process ending would', async () => {
    const s = await spec('loop');
    const running = executor.run(s);
    await waitFor(
      async () =>
        (await readFile(outputPath(tmp.path, s.executionId, 'stdout'), 'utf8').catch(() => '')) !== '',
      { message: 'the module to print' },
    );
    await executor.close();
    expect(await running).toMatchObject({
      kind: 'failed',
      error: 'the wasm executor was closed',
      runOutput: { stdout: 'looping\n' },
    });
    expect(await executor.run(await spec('hello'))).toEqual({
      kind: 'failed',
      error: 'the wasm executor was closed',
    });
  });

  it('truncates RunOutput at the inline cap and the file at its cap, as the docker engine', async () => {
    const small = new WasmExecutor({
      stateDir: tmp.path,
      stageSource: inlineStageSource,
      maxInlineOutputBytes: 5,
      maxOutputFileBytes: 1024,
    });
    expect(await small.run(await spec('hello'))).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'hello', stdouttruncated: true, stderr: 'a lin', stderrtruncated: true },
    });
  });

  it('refuses a module larger than the node compiles', async () => {
    const small = new WasmExecutor({
      stateDir: tmp.path,
      stageSource: inlineStageSource,
      maxModuleBytes: 64,
    });
    expect(await small.run(await spec('hello'))).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/^the module is .*; this node runs modules of at most 64 B/),
    });
  });

  it('fails bad params and networked tasks with a reason, before running anything', async () => {
    const bad = await spec('hello', { params: { ImportModules: [{}] } });
    expect(await executor.run(bad)).toMatchObject({
      kind: 'failed',
      error: expect.stringContaining('Engine.Params.ImportModules'),
    });
    const networked = await spec('hello', { task: { Network: { Type: 'Full' } } });
    expect(await executor.run(networked)).toMatchObject({
      kind: 'failed',
      error: 'network type Full is not supported by the wasm engine',
    });
  });
});
