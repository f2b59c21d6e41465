import { z } from 'zod';

/**
 * The one error type. Every failure that reaches a client is a ShoalError; its code decides the
 * HTTP status and whether a retry can help, so the mapping lives here and nowhere else.
 */

export const ErrorCode = {
  BadRequest: 'BadRequest',
  Validation: 'ValidationError',
  NotFound: 'NotFound',
  Ambiguous: 'AmbiguousID',
  Conflict: 'Conflict',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  PayloadTooLarge: 'PayloadTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  RateLimited: 'TooManyRequests',
  Unavailable: 'ServiceUnavailable',
  Timeout: 'Timeout',
  Internal: 'InternalError',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const STATUS: Record<ErrorCode, { status: number; retryable: boolean }> = {
  BadRequest: { status: 400, retryable: false },
  ValidationError: { status: 400, retryable: false },
  NotFound: { status: 404, retryable: false },
  AmbiguousID: { status: 409, retryable: false },
  Conflict: { status: 409, retryable: true },
  Unauthorized: { status: 401, retryable: false },
  Forbidden: { status: 403, retryable: false },
  PayloadTooLarge: { status: 413, retryable: false },
  UnsupportedMediaType: { status: 415, retryable: false },
  TooManyRequests: { status: 429, retryable: true },
  ServiceUnavailable: { status: 503, retryable: true },
  Timeout: { status: 504, retryable: true },
  InternalError: { status: 500, retryable: false },
};

export function statusForCode(code: ErrorCode): number {
  return STATUS[code].status;
}

/** One problem with an input, named by its field path (`Job.Tasks[0].Engine.Params.Image`). */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface ShoalErrorOptions {
  hint?: string;
  component?: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  cause?: unknown;
}

export class ShoalError extends Error {
  override readonly name = 'ShoalError';
  readonly status: number;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly component: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ShoalErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = STATUS[code].status;
    this.retryable = options.retryable ?? STATUS[code].retryable;
    this.hint = options.hint;
    this.component = options.component ?? 'Shoal';
    this.details = options.details;
  }

  static validation(problems: FieldProblem[], component = 'Validation', hint?: string): ShoalError {
    const summary = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
    return new ShoalError(ErrorCode.Validation, `invalid request: ${summary}`, {
      component,
      details: { Problems: problems.map((p) => ({ Field: p.path, Message: p.message })) },
      ...(hint === undefined ? {} : { hint }),
    });
  }

  static notFound(what: string, id: string, component: string): ShoalError {
    return new ShoalError(ErrorCode.NotFound, `${what} not found: ${id}`, { component });
  }
}

export function isShoalError(error: unknown): error is ShoalError {
  return error instanceof ShoalError;
}

/** The error body of every non-2xx answer, as Bacalhau shapes it. */
export const ErrorBodySchema = z.object({
  Status: z.int(),
  Message: z.string(),
  RequestID: z.string(),
  Code: z.string(),
  Component: z.string(),
  Hint: z.string().optional(),
  Details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function toErrorBody(error: ShoalError, requestId: string): ErrorBody {
  return {
    Status: error.status,
    Message: error.message,
    RequestID: requestId,
    Code: error.code,
    Component: error.component,
    ...(error.hint === undefined ? {} : { Hint: error.hint }),
    ...(error.details === undefined ? {} : { Details: error.details }),
  };
}

/** Rebuilds a ShoalError from a body a server sent (used by the client). */
export function fromErrorBody(body: ErrorBody): ShoalError {
  const known = Object.values(ErrorCode).includes(body.Code as ErrorCode);
  const code = known ? (body.Code as ErrorCode) : codeForStatus(body.Status);
  return new ShoalError(code, body.Message, {
    component: body.Component,
    ...(body.Hint === undefined ? {} : { hint: body.Hint }),
    ...(body.Details === undefined ? {} : { details: body.Details }),
  });
}

export function codeForStatus(status: number): ErrorCode {
  const match = (Object.entries(STATUS) as Array<[ErrorCode, { status: number }]>).find(
    ([, v]) => v.status === status,
  );
  if (match) return match[0];
  return status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest;
}
