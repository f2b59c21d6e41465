import { formatBytes, type RunOutput } from '@shoal/models';
import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { sleep, systemTimers } from '../../timers.js';
import type { ExecutorResult } from '../executor.js';
import { bounded, ignoringGone } from './calls.js';
import type { LogCapture } from './capture.js';
import type { ExitStatus, ExitWatch } from './exit-watch.js';
import type { OutputFiles } from './log-stream.js';
import type { ResolvedDockerOptions } from './options.js';
import type { Supervised } from './supervise.js';

/** How a supervised container's end becomes a result, and the cleanup that goes with it. */

/** The container stopped by itself: its output, its exit code, and whether the kernel killed it. */
export async function ended(
  s: Supervised,
  capture: LogCapture,
  status: ExitStatus | undefined,
  o: ResolvedDockerOptions,
): Promise<ExecutorResult> {
  const incomplete = await capture.finish(o.daemonLostTimeoutMs);
  let state: { ExitCode?: number; OOMKilled?: boolean } | undefined;
  let inspectError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const info = await bounded('inspect', o.callTimeoutMs, (abortSignal) =>
        s.container.inspect({ abortSignal }),
      );
      state = info.State;
    } catch (error) {
      inspectError = errorMessage(error);
    }
    // Docker records the OOM kill from its own event, which can trail the exit by a moment: a
    // SIGKILL exit (137) is looked at again before it is taken for anything but an OOM kill.
    if (state?.ExitCode !== 137 || state.OOMKilled) break;
    await sleep(systemTimers, 200);
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

/**
 * SIGTERM, then SIGKILL once `graceMs` is over, as `docker stop` does, and the exit awaited (at
 * most one call's time after the SIGKILL). No grace: SIGKILL at once.
 */
export async function stopContainer(
  s: Pick<Supervised, 'container'>,
  exit: ExitWatch,
  o: Pick<ResolvedDockerOptions, 'callTimeoutMs'>,
  graceMs: number,
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
  // Ends the waits below once the container has exited, so no timer outlives the stop.
  const over = new AbortController();
  try {
    let graceful = false;
    if (graceMs > 0) {
      await kill('SIGTERM');
      graceful = await Promise.race([exited, sleep(systemTimers, graceMs, over.signal).then(() => false)]);
    }
    if (!graceful) {
      await kill('SIGKILL');
      await Promise.race([exited, sleep(systemTimers, o.callTimeoutMs, over.signal)]);
    }
    return status;
  } finally {
    over.abort();
  }
}

/**
 * Stops a running container (a cancel: SIGKILL at once; a timeout: after the grace), keeps what
 * it printed up to then, and removes it: once this resolves the run holds nothing on the node.
 */
export async function stopAndCollect(
  s: Supervised,
  exit: ExitWatch,
  capture: LogCapture,
  o: ResolvedDockerOptions,
  logger: Logger,
  graceMs: number,
  runnerError: string,
): Promise<RunOutput> {
  const status = await stopContainer(s, exit, o, graceMs);
  // The output flows until the container dies: read it to its end before the container goes.
  await capture.finish(o.callTimeoutMs);
  const runOutput = await collect(s.files, o, status?.StatusCode ?? 137, runnerError);
  await removeNow(s.container, o, logger, s.executionId);
  return runOutput;
}

/** Removes the container once a cancel or a timeout stopped it; if Docker cannot, the sweep will. */
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
