import { formatBytes, type RunOutput } from '@shoal/models';
import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { sleep, systemTimers } from '../../timers.js';
import type { ExecutorResult } from '../executor.js';
import { bounded, ignoringGone } from './calls.js';
import { LogCapture } from './capture.js';
import { type ExitStatus, type ExitWatch, watchExit } from './exit-watch.js';
import type { OutputFiles, OutputStream } from './log-stream.js';
import type { ResolvedDockerOptions } from './options.js';
import { reattach } from './reattach.js';

/**
 * Watches one started container to its end and turns that end into an ExecutorResult: an exit
 * (OOM-killed → failed, any code → completed), the execution timeout (SIGTERM, SIGKILL after the
 * grace, failed), a cancel (killed and removed, cancelled), or the daemon going away (waited for,
 * then failed: a broken wait is never an exit code). Used alike for new and adopted runs.
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
  | { kind: 'timeout' };

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
      const event = await nextEvent(exit, s, deadline, stopWaiting.signal);
      if (event.kind === 'closing') return { kind: 'failed', error: 'the docker executor was closed' };
      if (event.kind === 'cancel') {
        await removeNow(s.container, o, logger, s.executionId);
        return { kind: 'cancelled' };
      }
      if (event.kind === 'timeout') {
        const error = `execution timed out after ${s.timeoutSeconds}s`;
        const status = await stopGracefully(s, exit, o);
        await capture.finish(o.callTimeoutMs);
        const runOutput = await collect(s.files, o, status?.StatusCode ?? 137, error);
        await removeNow(s.container, o, logger, s.executionId);
        return { kind: 'failed', error, runOutput };
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

/** The container stopped by itself: its output, its exit code, and whether the kernel killed it. */
async function ended(
  s: Supervised,
  capture: LogCapture,
  status: ExitStatus | undefined,
  o: ResolvedDockerOptions,
): Promise<ExecutorResult> {
  const incomplete = await capture.finish(o.daemonLostTimeoutMs);
  let state: { ExitCode?: number; OOMKilled?: boolean } | undefined;
  let inspectError = '';
  try {
    const info = await bounded('inspect', o.callTimeoutMs, (abortSignal) =>
      s.container.inspect({ abortSignal }),
    );
    state = info.State;
  } catch (error) {
    inspectError = errorMessage(error);
  }
  const exitCode = state?.ExitCode ?? status?.StatusCode;
  if (exitCode === undefined) {
    return { kind: 'failed', error: `the container stopped but its exit code is unknown: ${inspectError}` };
  }
  const runOutput = await collect(s.files, o, exitCode, '');
  s.removeLater(s.container);
  if (state?.OOMKilled) {
    const error = `the container ran out of memory and was killed (OOMKilled; memory limit ${formatBytes(s.memoryBytes)})`;
    return { kind: 'failed', error, runOutput: { ...runOutput, runnerError: error } };
  }
  if (incomplete !== undefined) {
    return { kind: 'failed', error: incomplete, runOutput: { ...runOutput, runnerError: incomplete } };
  }
  return { kind: 'completed', runOutput };
}

/** SIGTERM, then SIGKILL once the grace is over, as `docker stop` does, and the exit awaited. */
async function stopGracefully(
  s: Supervised,
  exit: ExitWatch,
  o: ResolvedDockerOptions,
): Promise<ExitStatus | undefined> {
  let status: ExitStatus | undefined;
  const exited = exit.exited.then(
    (value) => {
      status = value;
      return true;
    },
    () => true,
  );
  const kill = (signal: string) =>
    ignoringGone(
      bounded('kill', o.callTimeoutMs, (abortSignal) => s.container.kill({ signal, abortSignal })),
    ).catch(() => undefined);
  await kill('SIGTERM');
  const graceful = await Promise.race([exited, sleep(systemTimers, o.stopTimeoutMs).then(() => false)]);
  if (!graceful) {
    await kill('SIGKILL');
    await Promise.race([exited, sleep(systemTimers, o.callTimeoutMs)]);
  }
  return status;
}

/** Removes the container now (cancel, timeout); if Docker cannot, the orphan sweep will. */
export async function removeNow(
  container: Docker.Container,
  o: Pick<ResolvedDockerOptions, 'callTimeoutMs'>,
  logger: Logger,
  executionId: string,
): Promise<void> {
  try {
    await ignoringGone(
      bounded('remove', o.callTimeoutMs, (abortSignal) =>
        container.remove({ force: true, v: true, abortSignal }),
      ),
    );
  } catch (error) {
    safeLog(logger, 'warn', { executionId, err: errorMessage(error) }, 'could not remove the container');
  }
}

/** RunOutput from the files: the first bytes of each stream, and whether there was more. */
export async function collect(
  files: OutputFiles,
  o: Pick<ResolvedDockerOptions, 'maxInlineOutputBytes'>,
  exitCode: number,
  runnerError: string,
): Promise<RunOutput> {
  const stdout = await files.stdout.head(o.maxInlineOutputBytes);
  const stderr = await files.stderr.head(o.maxInlineOutputBytes);
  return {
    stdout: stdout.text,
    stdouttruncated: stdout.truncated,
    stderr: stderr.text,
    stderrtruncated: stderr.truncated,
    exitCode,
    runnerError,
  };
}
