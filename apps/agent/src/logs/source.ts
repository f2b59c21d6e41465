import type { RunOutput } from '@shoal/models';
import { type LogFrame, LogStreamType } from '@shoal/protocol';
import { outputPath } from '../execution/execution-files.js';
import { sleep, systemTimers, type Timers } from '../timers.js';
import { splitText } from './lines.js';
import { OutputFile } from './output-file.js';
import { tailLines } from './tail.js';

/**
 * One execution's output as a sequence of frames, from wherever it is:
 *
 * - the engine's files (`executions/<id>/stdout|stderr`), read as they grow when following;
 * - else, once the run is over, the stdout and stderr of the RunOutput in the agent's store (the
 *   noop engine writes no files);
 * - else nothing yet: without follow the stream ends; with follow it waits for either.
 *
 * Following ends when the store says the execution is terminal AND the files are drained. The
 * order of those two checks matters: an engine finishes writing before its result is recorded,
 * so whatever is read after seeing the terminal state is everything.
 */

export interface ExecutionState {
  terminal: boolean;
  runOutput: RunOutput | null;
}

export interface ExecutionOutputOptions {
  stateDir: string;
  executionId: string;
  follow: boolean;
  /** Last N lines of each stream; null for all. */
  tail: number | null;
  /** The execution as the agent's store has it now; undefined once it is forgotten. */
  readState: () => Promise<ExecutionState | undefined>;
  maxLineBytes: number;
  /** How often a follower looks for new output. */
  pollMs: number;
  timers?: Timers;
}

export interface OutputBatch {
  frames: LogFrame[];
  /** Nothing will follow these frames. */
  done: boolean;
}

type Mode = 'start' | 'files' | 'done';

export class ExecutionOutput {
  private mode: Mode = 'start';
  /** The run is over: read to the end of the files, then stop. */
  private draining = false;
  private readonly files: OutputFile[];
  private readonly timers: Timers;

  constructor(private readonly o: ExecutionOutputOptions) {
    this.timers = o.timers ?? systemTimers;
    this.files = (['stdout', 'stderr'] as const).map(
      (stream) =>
        new OutputFile(
          outputPath(o.stateDir, o.executionId, stream),
          stream === 'stdout' ? LogStreamType.Stdout : LogStreamType.Stderr,
          o.tail,
          o.maxLineBytes,
        ),
    );
  }

  /**
   * The next frames, about `maxBytes` of output at most. While following it waits (polling) until
   * there is something to say; `signal` ends the wait with an empty, unfinished batch.
   */
  async next(maxBytes: number, signal: AbortSignal): Promise<OutputBatch> {
    for (;;) {
      if (this.mode === 'done' || signal.aborted) return { frames: [], done: this.mode === 'done' };
      if (this.mode === 'start') {
        const started = await this.begin();
        if (started) return started;
      } else {
        const batch = await this.fromFiles(maxBytes);
        if (batch) return batch;
      }
      await sleep(this.timers, this.o.pollMs, signal);
    }
  }

  async close(): Promise<void> {
    this.mode = 'done';
    await Promise.all(this.files.map((f) => f.close()));
  }

  /** Files if there are any, else the stored RunOutput of a finished run; undefined: wait. */
  private async begin(): Promise<OutputBatch | undefined> {
    const found = await Promise.all(this.files.map((f) => f.exists()));
    if (found.some(Boolean)) {
      this.mode = 'files';
      return undefined;
    }
    const state = await this.o.readState();
    if (state === undefined || state.terminal) return this.finish(this.fromRunOutput(state?.runOutput));
    if (!this.o.follow) return this.finish([]);
    return undefined;
  }

  /**
   * Frames from the files; at their end, done (not following, or the run is over and what it
   * wrote is drained) or undefined: wait for more.
   */
  private async fromFiles(maxBytes: number): Promise<OutputBatch | undefined> {
    for (;;) {
      const { frames, bytes } = await this.readFiles(maxBytes);
      if (frames.length > 0) return { frames, done: false };
      // Bytes without a frame: the middle of a long line. Keep reading, do not wait.
      if (bytes === 0) break;
    }
    if (this.draining || !this.o.follow) return this.finish(this.files.flatMap((f) => f.flush()));
    const state = await this.o.readState();
    if (state !== undefined && !state.terminal) return undefined;
    // Over: one more pass reads whatever was written before the end was recorded.
    this.draining = true;
    return this.fromFiles(maxBytes);
  }

  /** Up to maxBytes in total, about half each: interleaving between the two is by arrival. */
  private async readFiles(maxBytes: number): Promise<{ frames: LogFrame[]; bytes: number }> {
    const [stdout, stderr] = this.files as [OutputFile, OutputFile];
    const first = await stdout.read(Math.ceil(maxBytes / 2));
    const second = await stderr.read(maxBytes - first.bytes);
    return { frames: [...first.frames, ...second.frames], bytes: first.bytes + second.bytes };
  }

  private async finish(frames: LogFrame[]): Promise<OutputBatch> {
    await this.close();
    return { frames, done: true };
  }

  private fromRunOutput(output: RunOutput | null | undefined): LogFrame[] {
    if (!output) return [];
    const frames = (text: string, Type: LogFrame['Type']): LogFrame[] =>
      tailLines(splitText(text, this.o.maxLineBytes), this.o.tail).map((Line) => ({ Type, Line }));
    return [...frames(output.stdout, LogStreamType.Stdout), ...frames(output.stderr, LogStreamType.Stderr)];
  }
}
