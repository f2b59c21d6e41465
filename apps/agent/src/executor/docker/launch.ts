import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { errorMessage, type Logger } from '../../logger.js';
import type { ExecutorResult, RunSpec } from '../executor.js';
import { bounded, statusCodeOf } from './calls.js';
import type { ContainerPlan } from './container-spec.js';
import { removeNow } from './endings.js';
import { type ExitWatch, watchExit } from './exit-watch.js';
import { ensureImage } from './image.js';
import { attachOutput, type OutputFiles, type OutputStream } from './log-stream.js';
import type { ResolvedDockerOptions } from './options.js';
import { OutputFile } from './output-file.js';

/**
 * From a plan to a running container: the execution's directory and output files, the image, the
 * container (created once: a stale one of the same execution is replaced), the exit watch
 * registered BEFORE start, then start. Anything that goes wrong is a `failed` result with the
 * reason, and leaves no container behind.
 */

export interface Launched {
  container: Docker.Container;
  files: OutputFiles;
  exit: ExitWatch;
  startedAtMs: number;
  /** The output attached before start (new runs); adopted runs read the log instead. */
  attached?: OutputStream;
}

export type LaunchOutcome = { ok: true; launched: Launched } | { ok: false; result: ExecutorResult };

export async function openFiles(
  dir: string,
  o: Pick<ResolvedDockerOptions, 'maxOutputFileBytes'>,
  fresh: boolean,
): Promise<OutputFiles> {
  const stdout = await OutputFile.open(join(dir, 'stdout'), 'stdout', o.maxOutputFileBytes, fresh);
  try {
    const stderr = await OutputFile.open(join(dir, 'stderr'), 'stderr', o.maxOutputFileBytes, fresh);
    return { stdout, stderr };
  } catch (error) {
    await stdout.close();
    throw error;
  }
}

export async function closeFiles(files: OutputFiles): Promise<void> {
  await Promise.allSettled([files.stdout.close(), files.stderr.close()]);
}

export async function launch(
  spec: RunSpec,
  plan: ContainerPlan,
  dir: string,
  o: ResolvedDockerOptions,
  logger: Logger,
  /** Ends the exit watch's request; the caller aborts it once the run is over. */
  watchSignal: AbortSignal,
  /** A container `prepare` created for this run while its bid awaited approval, if any. */
  prepared?: Promise<Docker.Container | undefined>,
): Promise<LaunchOutcome> {
  const fail = (error: string): LaunchOutcome => ({ ok: false, result: { kind: 'failed', error } });
  const cancelled: LaunchOutcome = { ok: false, result: { kind: 'cancelled' } };

  let files: OutputFiles;
  try {
    await mkdir(dir, { recursive: true });
    for (const result of plan.results) {
      await mkdir(result.hostPath, { recursive: true });
      // The task may run as any user: its result directories must be writable by it.
      await chmod(result.hostPath, 0o777);
    }
    files = await openFiles(dir, o, true);
  } catch (error) {
    return fail(`cannot prepare the execution directory ${dir}: ${errorMessage(error)}`);
  }

  // Preparation has its own limit: the execution timeout starts with the container, so a slow pull
  // neither eats the task's time nor holds the node's resources forever.
  const deadline = AbortSignal.timeout(o.prepareTimeoutMs);
  const image = await ensureImage(o.docker, plan.image, {
    ...o,
    signal: AbortSignal.any([spec.signal, deadline]),
    onProgress: spec.onProgress,
  });
  if (!image.ok || spec.signal.aborted) {
    await closeFiles(files);
    if (image.ok || spec.signal.aborted) return cancelled;
    // Aborted without a cancel: the deadline. Another node may pull faster, so it is not final.
    if ('aborted' in image) return fail(preparationTooLong(o.prepareTimeoutMs, plan.image));
    return fail(image.error);
  }

  let container: Docker.Container | undefined;
  try {
    // Create and start are not cut short by a cancel: an abandoned request may still take effect
    // in the daemon, and a container started after its removal would be an orphan. A cancel
    // waits for the call (bounded) and is then handled with the container known.
    container = (await prepared) ?? (await create(o.docker, plan, o));
    const call = { callTimeoutMs: o.callTimeoutMs, signal: watchSignal };
    // Both registered before start, so neither the first byte nor the exit can be missed.
    const attached = await attachOutput(container, call);
    const exit = await watchExit(container, 'next-exit', call);
    const started = container;
    await bounded('start', o.callTimeoutMs, (abortSignal) => started.start({ abortSignal }));
    return { ok: true, launched: { container, files, exit, startedAtMs: Date.now(), attached } };
  } catch (error) {
    await closeFiles(files);
    if (container !== undefined) await removeNow(container, o, logger, spec.executionId);
    if (spec.signal.aborted) return cancelled;
    const what = container === undefined ? 'create' : 'start';
    return fail(`cannot ${what} the container: ${errorMessage(error)}`);
  }
}

/**
 * Creates the container. A 409 means one of this name exists: left by an earlier attempt whose
 * create timed out or by a run the agent could not adopt. It is not ours to keep, so it
 * goes, once, and the create is retried.
 */
export async function create(
  docker: Docker,
  plan: ContainerPlan,
  o: ResolvedDockerOptions,
): Promise<Docker.Container> {
  const attempt = () =>
    bounded('create', o.callTimeoutMs, (abortSignal) =>
      docker.createContainer({ ...plan.create, abortSignal }),
    );
  try {
    return await attempt();
  } catch (error) {
    if (statusCodeOf(error) !== 409 || plan.create.name === undefined) throw error;
    await bounded('remove', o.callTimeoutMs, (abortSignal) =>
      docker.getContainer(plan.create.name as string).remove({ force: true, abortSignal }),
    );
    return attempt();
  }
}

export function preparationTooLong(limitMs: number, image: string): string {
  return `preparing the run took longer than ${Math.round(limitMs / 1000)}s (pulling image ${image})`;
}
