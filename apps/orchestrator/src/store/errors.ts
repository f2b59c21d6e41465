import { ErrorCode, isShoalError, ShoalError } from '@shoal/models';
import { monotonicSeconds, type StoreCallTimer } from './call-timer.js';

/**
 * Turns what the drivers throw into ShoalErrors, so callers (the API, the workers) only ever see
 * the port's error codes: a dead database is a retryable 503, never a 500, and a duplicate key is a
 * 409. Errors that did not come from the database (a caller's own error thrown inside
 * `transaction`) pass through untouched.
 */

/** Node socket errors and postgres.js connection errors. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);
/**
 * admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, and query_canceled:
 * a statement_timeout, or the commit guard refusing a commit after its deadline (commit-guard.ts).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
/** What a connection error means, in the words an operator would use. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection lost',
  EPIPE: 'connection lost',
  CONNECTION_CLOSED: 'connection lost',
  CONNECTION_ENDED: 'connection closed',
  CONNECTION_DESTROYED: 'connection closed',
  CONNECT_TIMEOUT: 'no answer while connecting',
  ETIMEDOUT: 'host unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};
/** serialization_failure, deadlock_detected: the transaction lost a race; retrying can succeed. */
const RACE_STATES = new Set(['40001', '40P01']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

interface DriverErrorFields {
  code?: unknown;
  severity?: unknown;
  detail?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The innermost error with a code, else the innermost error (drizzle wraps driver errors). */
function rootCause(error: unknown): { root: DriverErrorFields; wrapped: boolean } {
  let current: unknown = error;
  let innermost: DriverErrorFields = (error ?? {}) as DriverErrorFields;
  let wrapped = false;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    innermost = current as DriverErrorFields;
    if (current.name === 'DrizzleQueryError') wrapped = true;
    if (typeof innermost.code === 'string') break;
    // Node reports every refused address of a host name at once.
    if (current instanceof AggregateError && current.errors[0] instanceof Error) {
      innermost = current.errors[0] as DriverErrorFields;
      break;
    }
    current = innermost.cause;
  }
  return { root: innermost, wrapped };
}

function isUnavailable(e: DriverErrorFields): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return true;
  // A FATAL error ends the session (e.g. the database refuses connections); PGlite once closed.
  return e.severity === 'FATAL' || e.severity === 'PANIC' || e.message === 'PGlite is closed';
}

export function unavailable(reason: string, cause?: unknown): ShoalError {
  return new ShoalError(ErrorCode.Unavailable, `store unavailable: ${reason}`, {
    hint: 'the database is not reachable; retry later',
    component: 'Store',
    cause,
  });
}

export function toStoreError(error: unknown): unknown {
  if (isShoalError(error)) return error;
  const { root, wrapped } = rootCause(error);
  const code = typeof root.code === 'string' ? root.code : '';
  const message = typeof root.message === 'string' && root.message !== '' ? root.message : code;
  if (isUnavailable(root)) return unavailable(REASONS[code] ?? message, error);
  // Server errors carry a severity; anything else that drizzle did not wrap is the caller's own.
  const fromServer = typeof root.severity === 'string' && SQLSTATE.test(code);
  if (!wrapped && !fromServer) return error;
  if (code === '23505') {
    const detail = typeof root.detail === 'string' ? root.detail : message;
    return new ShoalError(ErrorCode.Conflict, `conflict: ${detail}`, {
      component: 'Store',
      cause: error,
    });
  }
  if (RACE_STATES.has(code)) {
    return new ShoalError(ErrorCode.Conflict, `concurrent update: ${message}`, {
      component: 'Store',
      cause: error,
    });
  }
  const state = SQLSTATE.test(code) ? ` (SQLSTATE ${code})` : '';
  return new ShoalError(ErrorCode.Internal, `store error: ${message}${state}`, {
    component: 'Store',
    cause: error,
  });
}

type AsyncMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? T[K] : never };

/**
 * Wraps every method so that no driver error escapes a repository and, with a timer, so that each
 * call's duration is recorded under `<repo>.<method>` (the recorder is looked up on first use).
 */
export function guard<T extends AsyncMethods<T>>(
  repo: T,
  timing?: { repo: string; timer: StoreCallTimer },
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repo) as Array<
    [string, (...args: unknown[]) => Promise<unknown>]
  >) {
    if (timing === undefined) {
      wrapped[name] = async (...args: unknown[]) => {
        try {
          return await method(...args);
        } catch (error) {
          throw toStoreError(error);
        }
      };
      continue;
    }
    let record: ((seconds: number) => void) | undefined;
    wrapped[name] = async (...args: unknown[]) => {
      const started = monotonicSeconds();
      try {
        return await method(...args);
      } catch (error) {
        throw toStoreError(error);
      } finally {
        record ??= timing.timer.recorder(`${timing.repo}.${name}`);
        record(monotonicSeconds() - started);
      }
    };
  }
  return wrapped as T;
}
