import { describe, expect, it } from 'vitest';
import {
  ErrorBodySchema,
  ErrorCode,
  fromErrorBody,
  ShoalError,
  statusForCode,
  toErrorBody,
} from './errors.js';

describe('ShoalError', () => {
  it('maps every code to a status, and client mistakes are never 5xx', () => {
    const clientCodes = [
      ErrorCode.BadRequest,
      ErrorCode.Validation,
      ErrorCode.NotFound,
      ErrorCode.Ambiguous,
      ErrorCode.Conflict,
      ErrorCode.Unauthorized,
      ErrorCode.Forbidden,
      ErrorCode.PayloadTooLarge,
      ErrorCode.UnsupportedMediaType,
      ErrorCode.RateLimited,
    ];
    for (const code of clientCodes) expect(statusForCode(code)).toBeLessThan(500);
    expect(statusForCode(ErrorCode.Unavailable)).toBe(503);
    expect(statusForCode(ErrorCode.Ambiguous)).toBe(409);
    expect(statusForCode(ErrorCode.PayloadTooLarge)).toBe(413);
  });

  it('lists every validation problem with its field', () => {
    const error = ShoalError.validation([
      { path: 'Job.Type', message: 'missing job type' },
      { path: 'Job.Tasks[0].Engine.Params.Image', message: 'required' },
    ]);
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'invalid request: Job.Type: missing job type; Job.Tasks[0].Engine.Params.Image: required',
    );
    const body = toErrorBody(error, 'req-1');
    expect(ErrorBodySchema.parse(body)).toEqual(body);
    expect(body.Details).toEqual({
      Problems: [
        { Field: 'Job.Type', Message: 'missing job type' },
        { Field: 'Job.Tasks[0].Engine.Params.Image', Message: 'required' },
      ],
    });
  });

  it('shapes the body as Bacalhau does, omitting an absent hint', () => {
    const error = ShoalError.notFound('job', 'j-abc', 'JobStore');
    expect(toErrorBody(error, 'r')).toEqual({
      Status: 404,
      Message: 'job not found: j-abc',
      RequestID: 'r',
      Code: 'NotFound',
      Component: 'JobStore',
    });
  });

  it('round-trips through a body, and unknown codes fall back to the status', () => {
    const error = new ShoalError(ErrorCode.Unavailable, 'store unreachable', { hint: 'retry later' });
    const back = fromErrorBody(toErrorBody(error, 'r'));
    expect(back.code).toBe(ErrorCode.Unavailable);
    expect(back.retryable).toBe(true);
    expect(back.hint).toBe('retry later');
    const odd = fromErrorBody({ Status: 404, Message: 'x', RequestID: '', Code: 'Weird', Component: 'c' });
    expect(odd.code).toBe(ErrorCode.NotFound);
  });
});
