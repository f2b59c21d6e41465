import { describe, expect, it } from 'vitest';
import { makeTask } from '../testing/fixtures.js';
import { manualTimers } from '../testing/manual-timers.js';
import type { RunSpec } from './executor.js';
import { NoopExecutor } from './noop.js';
import { capText, makeRunOutput } from './output.js';

function spec(params: Record<string, unknown> | null, signal = new AbortController().signal): RunSpec {
  return {
    executionId: 'e-1',
    jobId: 'j-1',
    task: makeTask({ Engine: { Type: 'noop', Params: params } }),
    resources: { cpuMillis: 500, memoryBytes: 1, diskBytes: 0, gpu: 0 },
    signal,
    onProgress: () => {},
  };
}

describe('NoopExecutor', () => {
  it('completes at once with the scripted output; a non-zero exit code is still completed', async () => {
    const result = await new NoopExecutor().run(spec({ Stdout: 'hello\n', Stderr: 'warn', ExitCode: 3 }));
    expect(result).toEqual({
      kind: 'completed',
      runOutput: {
        stdout: 'hello\n',
        stdouttruncated: false,
        stderr: 'warn',
        stderrtruncated: false,
        exitCode: 3,
        runnerError: '',
      },
    });
  });

  it('treats null Params as none', async () => {
    expect(await new NoopExecutor().run(spec(null))).toMatchObject({
      kind: 'completed',
      runOutput: { exitCode: 0 },
    });
  });

  it('fails with the scripted Error', async () => {
    const result = await new NoopExecutor().run(spec({ Error: 'boom', Stdout: 'partial' }));
    expect(result).toMatchObject({
      kind: 'failed',
      error: 'boom',
      runOutput: { stdout: 'partial', runnerError: 'boom' },
    });
  });

  it('fails on invalid params, naming the field', async () => {
    expect(await new NoopExecutor().run(spec({ Delay: 'soon' }))).toEqual({
      kind: 'failed',
      error: expect.stringMatching(
        /^invalid noop parameters: Engine\.Params\.Delay: invalid duration "soon"/,
      ),
    });
    expect(await new NoopExecutor().run(spec({ Privileged: true }))).toMatchObject({
      kind: 'failed',
      error: expect.stringContaining('Privileged'),
    });
  });

  it('waits for Delay on the injected timers', async () => {
    const timers = manualTimers();
    const running = new NoopExecutor({ timers }).run(spec({ Delay: '40s', Stdout: 'done' }));
    let finished = false;
    void running.then(() => {
      finished = true;
    });
    await Promise.resolve();
    timers.advance(39_999);
    await Promise.resolve();
    expect(finished).toBe(false);
    timers.advance(1);
    expect(await running).toMatchObject({ kind: 'completed', runOutput: { stdout: 'done' } });
  });

  it('stops at once when cancelled during the Delay', async () => {
    const timers = manualTimers();
    const controller = new AbortController();
    const running = new NoopExecutor({ timers }).run(spec({ Delay: '1h' }, controller.signal));
    await Promise.resolve();
    expect(timers.pending()).toBe(1);
    controller.abort();
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(timers.pending()).toBe(0);
  });

  it('times out, for good, when the Delay outlasts the task timeout; a shorter Delay completes', async () => {
    const timers = manualTimers();
    const slow = { ...spec({ Delay: '1h', Stdout: 'never' }) };
    slow.task = { ...slow.task, Timeouts: { ExecutionTimeout: 2 } };
    const running = new NoopExecutor({ timers }).run(slow);
    await Promise.resolve();
    timers.advance(2_000);
    expect(await running).toEqual({ kind: 'failed', error: 'execution timed out after 2s', final: true });

    const quick = { ...spec({ Delay: '1s', Stdout: 'in time' }) };
    quick.task = { ...quick.task, Timeouts: { ExecutionTimeout: 2 } };
    const done = new NoopExecutor({ timers }).run(quick);
    await Promise.resolve();
    timers.advance(1_000);
    expect(await done).toMatchObject({ kind: 'completed', runOutput: { stdout: 'in time' } });
  });

  it('really waits with real timers', async () => {
    const started = Date.now();
    expect(await new NoopExecutor().run(spec({ Delay: '30ms' }))).toMatchObject({ kind: 'completed' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('caps inline output and sets the truncated flags', async () => {
    const result = await new NoopExecutor({ maxInlineOutputBytes: 4 }).run(
      spec({ Stdout: 'abcdef', Stderr: 'ab' }),
    );
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'abcd', stdouttruncated: true, stderr: 'ab', stderrtruncated: false },
    });
  });
});

describe('output capping', () => {
  it('never splits a UTF-8 character', () => {
    expect(capText('ééé', 3)).toEqual({ text: 'é', truncated: true });
    expect(capText('a😀b', 4)).toEqual({ text: 'a', truncated: true });
    expect(capText('a😀b', 5)).toEqual({ text: 'a😀', truncated: true });
    expect(capText('abc', 3)).toEqual({ text: 'abc', truncated: false });
  });

  it('caps at 64 KiB by default', () => {
    const out = makeRunOutput({ stdout: 'x'.repeat(100_000) });
    expect(out.stdout.length).toBe(64 * 1024);
    expect(out.stdouttruncated).toBe(true);
  });
});
