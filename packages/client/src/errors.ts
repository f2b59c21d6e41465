import {
  codeForStatus,
  decodeJson,
  ErrorBodySchema,
  ErrorCode,
  fromErrorBody,
  ShoalError,
} from '@shoal/models';

/**
 * How the client turns transport failures and error answers into ShoalErrors. A server's error
 * body keeps its code, message and hint; anything else (a proxy's HTML page, a refused
 * connection) becomes a ShoalError that says what happened in one line.
 */

/** Socket error codes and what to call them in a message. */
const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  EPIPE: 'connection closed by the server',
};

/** The API could not be reached at all: nothing answered, so there is no error body. */
export class ApiConnectionError extends ShoalError {
  constructor(
    /** The API's base URL, as configured. */
    readonly apiUrl: string,
    /** `connection refused`, `host not found`, `timed out after 30s`, … */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(ErrorCode.Unavailable, `cannot reach the Shoal API at ${apiUrl}: ${reason}`, {
      component: 'Client',
      hint: 'start an orchestrator with `shoal serve --orchestrator` (or `shoal devstack`), or point the client at a running one',
      details: { URL: apiUrl, Reason: reason },
      cause,
    });
  }
}

export function isApiConnectionError(error: unknown): error is ApiConnectionError {
  return error instanceof ApiConnectionError;
}

/** fetch() wraps socket errors (`fetch failed`, cause ECONNREFUSED): walk the chain for a code. */
export function connectionReason(error: unknown, timeoutMs: number): string {
  let current: unknown = error;
  let innermost = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return CONNECTION_REASONS[code] ?? code;
    innermost = current.message;
    current = current.cause;
  }
  // `fetch failed` says nothing; the innermost cause (`bad port`, …) does.
  return innermost;
}

/** The ShoalError for a non-2xx answer: the server's own when the body is an error body. */
export function errorFromResponse(
  status: number,
  statusText: string,
  body: string,
  what: string,
): ShoalError {
  try {
    const parsed = ErrorBodySchema.safeParse(decodeJson(body));
    if (parsed.success) return fromErrorBody(parsed.data);
  } catch {
    // Not JSON: a proxy or something else answered; fall through and quote it.
  }
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const message = `${what}: HTTP ${status}${statusText ? ` ${statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
  return new ShoalError(codeForStatus(status), message, { component: 'Client' });
}

/** A 2xx answer the client cannot use: the server and the client disagree about the contract. */
export function unexpectedResponse(what: string, problem: string): ShoalError {
  return new ShoalError(ErrorCode.Internal, `unexpected answer to ${what}: ${problem}`, {
    component: 'Client',
    hint: 'the server and this client may be different versions',
  });
}
