import { formatBytes } from '@shoal/models';
import type Docker from 'dockerode';
import { bounded, daemonMessage, statusCodeOf } from './calls.js';

/**
 * Image preparation: a local image is used as it is; anything else is pulled, with the progress
 * in the execution's state message and the whole pull bounded in time (a registry that trickles
 * bytes must not hold a reservation forever). It happens before the execution timeout starts.
 */

export type ImageOutcome = { ok: true } | { ok: false; error: string } | { ok: false; aborted: true };

export interface ImageOptions {
  callTimeoutMs: number;
  pullTimeoutMs: number;
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
      error: `image ${image} is not available on this node and could not be pulled: ${reason(error)}`,
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

function reason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'the pull took too long';
  }
  return daemonMessage(error);
}

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

async function pull(docker: Docker, image: string, o: ImageOptions): Promise<void> {
  const abortSignal = AbortSignal.any([AbortSignal.timeout(o.pullTimeoutMs), o.signal]);
  const stream = (await docker.pull(image, { abortSignal })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: (e: Error) => void }).destroy?.(abortSignal.reason as Error);
      reject(abortSignal.reason);
    };
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
