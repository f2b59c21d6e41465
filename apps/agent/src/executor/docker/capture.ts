import type Docker from 'dockerode';
import { errorMessage } from '../../logger.js';
import { sleep, systemTimers } from '../../timers.js';
import { drain, followLogs, type OutputFiles, type OutputStream } from './log-stream.js';
import { OutputWriteError } from './output-file.js';

/**
 * Keeps a container's output flowing into its files for as long as the container runs: from the
 * attach made before start when there is one, otherwise (adoption) and after any break (the daemon
 * restarted, a blip on the socket) from Docker's log, re-read from the start with what the files
 * hold skipped, so a hiccup loses nothing and duplicates nothing. A followed log can end as the
 * container stops before its last bytes reach it (Docker writes an output's final line that has no
 * newline only when the container's stdio closes, racing the follower's end), so once the
 * container is known to have stopped the log, complete by then, is read once more. A file that
 * cannot be written (disk full) ends the capture for good: the run's failure, not a retry.
 */
export class LogCapture {
  private readonly stopper = new AbortController();
  private lastError: unknown;
  private fatal: OutputWriteError | undefined;
  private readonly done: Promise<void>;
  private onBroken: (reason: string) => void = () => {};
  /** Set by finish(): the container has stopped, so its log is complete. */
  private stopped = false;
  private onStopped: () => void = () => {};
  private readonly stoppedKnown = new Promise<void>((resolve) => {
    this.onStopped = resolve;
  });
  /** Resolves with the reason if the files cannot be written: the run cannot succeed any more. */
  readonly broken = new Promise<string>((resolve) => {
    this.onBroken = resolve;
  });

  constructor(
    private readonly container: Docker.Container,
    private readonly files: OutputFiles,
    private readonly o: { callTimeoutMs: number; retryMs?: number },
    attached?: OutputStream,
  ) {
    this.done = this.loop(attached);
  }

  private async loop(attached: OutputStream | undefined): Promise<void> {
    const signal = this.stopper.signal;
    const call = { callTimeoutMs: this.o.callTimeoutMs, signal };
    let first = attached;
    if (attached !== undefined) signal.addEventListener('abort', () => destroy(attached), { once: true });
    while (!signal.aborted) {
      try {
        // The attach carries every byte; a log read only counts as the last once the container stopped.
        const complete = first !== undefined || this.stopped;
        const output = first ?? (await followLogs(this.container, call));
        first = undefined;
        await drain(output, this.files);
        if (complete) return;
        await this.stoppedKnown;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof OutputWriteError) {
          this.fatal = error;
          this.onBroken(error.message);
          return;
        }
        this.lastError = error;
        await sleep(systemTimers, this.o.retryMs ?? 1_000, signal);
      }
    }
  }

  /**
   * After the container stopped: waits for the output to be read to its end, at most `timeoutMs`.
   * Resolves with why the output is incomplete, or undefined when it is all there.
   */
  async finish(timeoutMs: number): Promise<string | undefined> {
    this.stopped = true;
    this.onStopped();
    const expired = new AbortController();
    const outcome = await Promise.race([
      this.done.then(() => 'done' as const),
      sleep(systemTimers, timeoutMs, expired.signal).then(() => 'late' as const),
    ]);
    expired.abort();
    if (outcome === 'late') {
      this.stop();
      const why = this.lastError === undefined ? 'no end of the log' : errorMessage(this.lastError);
      return `could not read the whole output within ${timeoutMs} ms (${why})`;
    }
    return this.fatal?.message;
  }

  /** Stops reading at once (cancel, agent closing); the files keep what they have. */
  stop(): void {
    this.stopper.abort(new Error('capture stopped'));
    this.onStopped();
  }

  /** Resolves once the capture has let go of the files (safe to close them). */
  settled(): Promise<void> {
    return this.done;
  }
}

function destroy(output: OutputStream | undefined): void {
  (output?.stream as { destroy?: () => void } | undefined)?.destroy?.();
}
