import { formatBytes } from '@shoal/models';
import type Docker from 'dockerode';
import { bounded, daemonMessage, statusCodeOf } from './calls.js';

/**
 * Image preparation: a local image is used as it is; anything else is pulled, with the progress
 * in the execution's state message. It happens before the execution timeout starts; the caller
 * bounds it with the run's preparation limit through `signal` (a registry that trickles bytes must
 * not hold a reservation forever), and tells that deadline apart from a cancel.
 */

export type ImageOutcome = { ok: true } | { ok: false; error: string } | { ok: false; aborted: true };

export interface ImageOptions {
  callTimeoutMs: number;
  /** A cancel, or the end of the preparation time: the pull stops either way. */
  signal: AbortSignal;
  onProgress(message: string): void;
}

export async function ensureImage(docker: Docker, image: string, o: ImageOptions): Promise<ImageOutcome> {
  try {
    await bounded(
      'image inspect',
      o.callTimeoutMs,
      (abortSignal) => inspectImage(docker, image, abortSignal),
      o.signal,
    );
    return { ok: true };
  } catch (error) {
    if (o.signal.aborted) return { ok: false, aborted: true };
    if (statusCodeOf(error) !== 404)
      return { ok: false, error: `cannot inspect image ${image}: ${(error as Error).message}` };
  }
  o.onProgress(`pulling image ${image}`);
  try {
    await pull(docker, image, o);
    return { ok: true };
  } catch (error) {
    if (o.signal.aborted) return { ok: false, aborted: true };
    return {
      ok: false,
      error: `image ${image} is not available on this node and could not be pulled: ${daemonMessage(error)}`,
    };
  }
}

/** `GET /images/{name}/json`, dialled directly: dockerode's Image.inspect drops the abort signal. */
export function inspectImage(docker: Docker, image: string, abortSignal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        // Unencoded, as dockerode does: the daemon routes `/images/{name:.*}/json`.
        path: `/images/${image}/json`,
        method: 'GET',
        abortSignal,
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)),
    );
  });
}

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

async function pull(docker: Docker, image: string, o: ImageOptions): Promise<void> {
  const abortSignal = o.signal;
  const stream = (await docker.pull(image, { abortSignal })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: (e: Error) => void }).destroy?.(abortSignal.reason as Error);
      reject(abortSignal.reason);
    };
    // The deadline may have passed while the pull was being opened.
    if (abortSignal.aborted) return onAbort();
    abortSignal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: PullEvent[]) => {
        abortSignal.removeEventListener('abort', onAbort);
        // The daemon reports a failed pull inside the stream, with HTTP 200.
        const failed = events?.find((e) => e.error !== undefined);
        if (error) reject(error);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
      (event: PullEvent) => {
        const { current, total } = event.progressDetail ?? {};
        const amount = current !== undefined && total ? ` ${formatBytes(current)}/${formatBytes(total)}` : '';
        if (event.status) o.onProgress(`pulling image ${image}: ${event.status}${amount}`);
      },
    );
  });
}
