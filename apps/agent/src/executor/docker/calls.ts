import { ErrorCode, ShoalError } from '@shoal/models';

/**
 * Every Docker call is bounded (a hung daemon must not hang the agent). dockerode passes
 * an `abortSignal` option down to the HTTP request, so a deadline is an AbortSignal that fires;
 * what it throws then is turned into a ShoalError that says which call and how long it waited.
 */

export class DockerCallError extends ShoalError {
  constructor(
    readonly call: string,
    message: string,
    /** The daemon's HTTP status, when it answered at all. */
    readonly statusCode: number | undefined,
    cause: unknown,
  ) {
    super(statusCode === undefined ? ErrorCode.Unavailable : ErrorCode.Internal, message, {
      component: 'DockerExecutor',
      cause,
    });
  }
}

export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof DockerCallError) return error.statusCode;
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** docker-modem's `(HTTP code 404) no such container - No such container: x ` → the daemon's words. */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (typeof json?.message === 'string') return json.message.trim();
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/**
 * Runs `call` with a deadline. `signal` (optional) cancels it early, e.g. an execution's abort;
 * the rejection then is the plain abort so callers can tell "cancelled" from "daemon too slow".
 */
export async function bounded<T>(
  call: string,
  timeoutMs: number,
  fn: (abortSignal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([deadline, signal]);
  // Raced as well: a dockerode method that ignores the signal must not hang the caller.
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(combined.reason);
    if (combined.aborted) onAbort();
    combined.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(combined), aborted]);
  } catch (error) {
    throw asCallError(call, timeoutMs, error, deadline.aborted && !signal?.aborted);
  } finally {
    combined.removeEventListener('abort', onAbort);
  }
}

export function asCallError(call: string, timeoutMs: number, error: unknown, timedOut: boolean): Error {
  if (error instanceof DockerCallError) return error;
  if (timedOut) {
    return new DockerCallError(call, `docker ${call}: no answer within ${timeoutMs} ms`, undefined, error);
  }
  if (isAbort(error)) return error as Error;
  const status = statusCodeOf(error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' && status === undefined ? ` (${code})` : '';
  return new DockerCallError(call, `docker ${call}: ${daemonMessage(error)}${detail}`, status, error);
}

/** Cleanup calls: a container already gone (404) or already being removed (409) is success. */
export async function ignoringGone(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const status = statusCodeOf(error);
    if (status !== 404 && status !== 409 && status !== 304) throw error;
  }
}
