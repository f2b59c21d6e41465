import { appendFile, mkdir } from 'node:fs/promises';
import type { RunOutput } from '@shoal/models';
import type { LogFrame } from '@shoal/protocol';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionDir, outputPath } from '../execution/execution-files.js';
import { ExecutionOutput, type ExecutionState, type OutputBatch } from './source.js';

let dir: TempDir;
let n = 0;
beforeAll(async () => {
  dir = await makeTempDir('shoal-logs-source-');
});
afterAll(async () => {
  await dir.cleanup();
});

const runOutput = (stdout: string, stderr: string): RunOutput => ({
  stdout,
  stdouttruncated: false,
  stderr,
  stderrtruncated: false,
  exitCode: 0,
  runnerError: '',
});

/** An execution whose store state the test sets, and its output reader. */
function setup(options: { follow?: boolean; tail?: number | null; state?: ExecutionState | undefined } = {}) {
  const executionId = `e-${++n}`;
  const initial = 'state' in options ? options.state : { terminal: false, runOutput: null };
  const holder = { state: initial } as {
    state: ExecutionState | undefined;
  };
  const output = new ExecutionOutput({
    stateDir: dir.path,
    executionId,
    follow: options.follow ?? false,
    tail: options.tail ?? null,
    readState: async () => holder.state,
    maxLineBytes: 1024,
    pollMs: 10,
  });
  const write = async (stream: 'stdout' | 'stderr', text: string) => {
    await mkdir(executionDir(dir.path, executionId), { recursive: true });
    await appendFile(outputPath(dir.path, executionId, stream), text);
  };
  return { executionId, holder, output, write };
}

const lines = (frames: LogFrame[]) => frames.map((f) => `${f.Type}:${f.Line}`);

/** Every batch until done (or until `max` batches), frames concatenated. */
async function drain(
  output: ExecutionOutput,
  maxBytes = 64 * 1024,
): Promise<OutputBatch & { batches: number }> {
  const frames: LogFrame[] = [];
  for (let batches = 1; batches < 10_000; batches++) {
    const batch = await output.next(maxBytes, new AbortController().signal);
    frames.push(...batch.frames);
    if (batch.done) return { frames, done: true, batches };
  }
  throw new Error('never done');
}

describe('ExecutionOutput without files (noop engine): the stored RunOutput', () => {
  it('serves a finished run’s stdout then stderr, each line with its newline', async () => {
    const { output } = setup({ state: { terminal: true, runOutput: runOutput('a\nb\nc', 'oops\n') } });
    const { frames } = await drain(output);
    expect(lines(frames)).toEqual(['1:a\n', '1:b\n', '1:c\n', '2:oops\n']);
  });

  it('applies the tail to each stream', async () => {
    const { output } = setup({
      tail: 1,
      state: { terminal: true, runOutput: runOutput('a\nb\nc\n', 'x\ny\n') },
    });
    expect(lines((await drain(output)).frames)).toEqual(['1:c\n', '2:y\n']);
  });

  it('has nothing yet for a run in progress when not following', async () => {
    const { output } = setup();
    expect(await drain(output)).toMatchObject({ frames: [], done: true, batches: 1 });
  });

  it('while following, waits for the run to end and then serves its RunOutput', async () => {
    const { output, holder } = setup({ follow: true });
    const next = output.next(1024, new AbortController().signal);
    let settled = false;
    void next.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    holder.state = { terminal: true, runOutput: runOutput('done\n', '') };
    expect(await next).toEqual({ frames: [{ Type: 1, Line: 'done\n' }], done: true });
  });

  it('ends a wait when the reader goes away', async () => {
    const { output } = setup({ follow: true });
    const abort = new AbortController();
    const next = output.next(1024, abort.signal);
    abort.abort();
    expect(await next).toEqual({ frames: [], done: false });
  });

  it('ends for an execution the store forgot', async () => {
    const { output } = setup({ follow: true, state: undefined });
    expect(await drain(output)).toMatchObject({ frames: [], done: true });
  });
});

describe('ExecutionOutput from the engine’s files', () => {
  it('reads the files rather than the RunOutput, flushes a last line, passes the cap marker', async () => {
    const { output, write } = setup({ state: { terminal: true, runOutput: runOutput('inline only\n', '') } });
    await write('stdout', 'one\ntwo\n[shoal: stdout capped at 100 MB, the rest was dropped]\n');
    await write('stderr', 'warn\nno newline');
    const { frames } = await drain(output);
    expect(lines(frames)).toEqual([
      '1:one\n',
      '1:two\n',
      '1:[shoal: stdout capped at 100 MB, the rest was dropped]\n',
      '2:warn\n',
      '2:no newline\n',
    ]);
  });

  it('takes the last N lines of each file', async () => {
    const { output, write } = setup({ tail: 2 });
    await write('stdout', Array.from({ length: 100 }, (_, i) => `out ${i}\n`).join(''));
    await write('stderr', 'e1\ne2\ne3\n');
    expect(lines((await drain(output)).frames)).toEqual(['1:out 98\n', '1:out 99\n', '2:e2\n', '2:e3\n']);
  });

  it('reads a large file in bounded batches', async () => {
    const { output, write } = setup();
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join('');
    await write('stdout', text);
    const result = await drain(output, 1024);
    expect(result.frames.map((f) => f.Line).join('')).toBe(text);
    expect(result.batches).toBeGreaterThan(10);
  });

  it('follows growing files until the run is over and the files are drained', async () => {
    const { output, write, holder } = setup({ follow: true });
    const signal = new AbortController().signal;
    await write('stdout', 'first\n');
    expect(await output.next(4096, signal)).toEqual({ frames: [{ Type: 1, Line: 'first\n' }], done: false });

    const pending = output.next(4096, signal);
    await write('stderr', 'err 1\n');
    expect(await pending).toEqual({ frames: [{ Type: 2, Line: 'err 1\n' }], done: false });

    // Written just before the end is recorded, and a last line without its newline.
    await write('stdout', 'second\nlast');
    holder.state = { terminal: true, runOutput: runOutput('ignored\n', '') };
    const rest = await drain(output);
    expect(lines(rest.frames)).toEqual(['1:second\n', '1:last\n']);
  });

  it('while following, picks up files that appear after the stream started', async () => {
    const { output, write, holder } = setup({ follow: true, tail: 10 });
    const pending = output.next(4096, new AbortController().signal);
    await write('stdout', 'hello\n');
    await waitFor(async () => {
      const batch = await Promise.race([pending, new Promise((r) => setTimeout(r, 20, undefined))]);
      return batch !== undefined;
    });
    expect(await pending).toEqual({ frames: [{ Type: 1, Line: 'hello\n' }], done: false });
    holder.state = { terminal: true, runOutput: null };
    expect(await drain(output)).toMatchObject({ frames: [], done: true });
  });

  it('with tail 0 and follow, serves only what is written from now on', async () => {
    const { output, write, holder } = setup({ follow: true, tail: 0 });
    await write('stdout', 'old\n');
    const pending = output.next(4096, new AbortController().signal);
    // Until the reader has opened the file, a write may land before or after its start: keep
    // writing `new` until it answers; `old` must never come.
    await waitFor(async () => {
      await write('stdout', 'new\n');
      return Promise.race([pending.then(() => true), new Promise((r) => setTimeout(r, 20, false))]);
    });
    const { frames } = await pending;
    expect(frames.length).toBeGreaterThan(0);
    expect(new Set(lines(frames))).toEqual(new Set(['1:new\n']));
    holder.state = { terminal: true, runOutput: null };
    expect(lines((await drain(output)).frames).every((l) => l === '1:new\n')).toBe(true);
  });
});
