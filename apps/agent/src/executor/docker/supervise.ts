import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { sleep, systemTimers } from '../../timers.js';
import { type ExecutorResult, timedOutError } from '../executor.js';
import { LogCapture } from './capture.js';
import { collect, ended, removeNow, stopAndCollect } from './endings.js';
import { type ExitStatus, type ExitWatch, watchExit } from './exit-watch.js';
import type { OutputFiles, OutputStream } from './log-stream.js';
import type { ResolvedDockerOptions } from './options.js';
import { reattach } from './reattach.js';

/**
 * Watches one started container to its end and turns that end into an ExecutorResult: an exit
 * (OOM-killed → failed, any code → completed), the execution timeout (SIGTERM, SIGKILL after the
 * grace, failed for good, with the output so far), a cancel (killed, output kept, removed,
 * cancelled), or the daemon going away (waited for, then failed: a broken wait is never an exit
 * code). Used alike for new and adopted runs.
 */

export interface Supervised {
  container: Docker.Container;
  files: OutputFiles;
  exit: ExitWatch;
  attached?: OutputStream | undefined;
  executionId: string;
  /** 0 = none. Counted from the container's start, so adoption keeps the original deadline. */
  timeoutSeconds: number;
  startedAtMs: number;
  memoryBytes: number;
  signal: AbortSignal;
  /** The executor is closing: let go of the container without touching it (as a killed agent). */
  closing: AbortSignal;
  /** Removes the container after the result is known; the executor tracks it. */
  removeLater(container: Docker.Container): void;
}

type Event =
  | { kind: 'exit'; status: ExitStatus }
  | { kind: 'lost'; error: unknown }
  | { kind: 'cancel' }
  | { kind: 'closing' }
  | { kind: 'timeout' }
  | { kind: 'broken'; reason: string };

export async function supervise(
  s: Supervised,
  o: ResolvedDockerOptions,
  logger: Logger,
): Promise<ExecutorResult> {
  const capture = new LogCapture(s.container, s.files, { callTimeoutMs: o.callTimeoutMs }, s.attached);
  const stopWaiting = new AbortController();
  const deadline = s.timeoutSeconds > 0 ? s.startedAtMs + s.timeoutSeconds * 1000 : undefined;
  let exit = s.exit;
  try {
    for (;;) {
      const event = await nextEvent(exit, s, capture, deadline, stopWaiting.signal);
      if (event.kind === 'closing') return { kind: 'failed', error: 'the docker executor was closed' };
      if (event.kind === 'cancel') {
        // No grace: the orchestrator decided, and it counts the resources until the run is gone.
        const runOutput = await stopAndCollect(s, exit, capture, o, logger, 0, '');
        return { kind: 'cancelled', runOutput };
      }
      if (event.kind === 'broken') {
        // Disk full: no point running on with nowhere to keep the output.
        const error = `the output could not be kept: ${event.reason}`;
        const runOutput = await collect(s.files, o, 137, error);
        await removeNow(s.container, o, logger, s.executionId);
        return { kind: 'failed', error, runOutput };
      }
      if (event.kind === 'timeout') {
        const error = timedOutError(s.timeoutSeconds);
        const runOutput = await stopAndCollect(s, exit, capture, o, logger, o.timeoutGraceMs, error);
        // Final: the task would time out on any node alike.
        return { kind: 'failed', error, runOutput, final: true };
      }
      if (event.kind === 'lost') {
        safeLog(
          logger,
          'warn',
          { executionId: s.executionId, err: errorMessage(event.error) },
          'lost the container',
        );
        const found = await reattach(s.container, o, s.signal, s.closing);
        if (found.kind === 'running') {
          exit = await watchExit(s.container, 'not-running', {
            callTimeoutMs: o.callTimeoutMs,
            signal: stopWaiting.signal,
          }).catch((error: unknown) => ({ exited: Promise.reject(error) }));
          continue;
        }
        if (found.kind !== 'stopped') return found.result;
      }
      return await ended(s, capture, event.kind === 'exit' ? event.status : undefined, o);
    }
  } finally {
    stopWaiting.abort();
    capture.stop();
    await capture.settled();
  }
}

async function nextEvent(
  exit: ExitWatch,
  s: Supervised,
  capture: LogCapture,
  deadline: number | undefined,
  stop: AbortSignal,
): Promise<Event> {
  const local = new AbortController();
  const both = AbortSignal.any([local.signal, stop]);
  const on = (signal: AbortSignal, event: Event) =>
    new Promise<Event>((resolve) => {
      if (signal.aborted) resolve(event);
      signal.addEventListener('abort', () => resolve(event), { once: true, signal: both });
    });
  const waits: Promise<Event>[] = [
    exit.exited.then(
      (status): Event => ({ kind: 'exit', status }),
      // An aborted watch is the cancel or the close, whichever listener happens to run second.
      (error: unknown): Event =>
        s.signal.aborted
          ? { kind: 'cancel' }
          : s.closing.aborted
            ? { kind: 'closing' }
            : { kind: 'lost', error },
    ),
    on(s.signal, { kind: 'cancel' }),
    on(s.closing, { kind: 'closing' }),
    capture.broken.then((reason): Event => ({ kind: 'broken', reason })),
  ];
  if (deadline !== undefined) {
    const due = sleep(systemTimers, Math.max(0, deadline - Date.now()), both);
    waits.push(due.then((how) => (how === 'elapsed' ? { kind: 'timeout' } : new Promise<Event>(() => {}))));
  }
  try {
    return await Promise.race(waits);
  } finally {
    local.abort();
  }
}
