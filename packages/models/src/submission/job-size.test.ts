import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { jobBytes, jobSizeError } from './job-size.js';
import { DEFAULT_MAX_JOB_BYTES, MAX_JOB_BYTES_CEILING } from './limits.js';

describe('job size', () => {
  it('measures the job as it travels: compact JSON in UTF-8, bigint times as literals', () => {
    expect(jobBytes({ Name: 'é' })).toBe('{"Name":"é"}'.length + 1);
    expect(jobBytes({ CreateTime: 1695883778909107178n })).toBe('{"CreateTime":1695883778909107178}'.length);
  });

  it('accepts a job of exactly the limit and refuses one byte more with a 413 naming the limit', () => {
    const job = (bytes: number) => ({ Name: 'x'.repeat(bytes - '{"Name":""}'.length) });
    expect(jobSizeError(job(1000), 1000)).toBeUndefined();
    const error = jobSizeError(job(1001), 1000);
    expect(error?.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error?.status).toBe(413);
    expect(error?.message).toBe('Job: the job spec is 1001 bytes; the limit is 1000 bytes');
    expect(error?.details).toEqual({ Problems: [{ Field: 'Job', Message: expect.any(String) }] });
  });

  it('defaults below the ceiling, which leaves room in a 1 MiB NATS message', () => {
    expect(DEFAULT_MAX_JOB_BYTES).toBe(768 * 1024);
    expect(DEFAULT_MAX_JOB_BYTES).toBeLessThan(MAX_JOB_BYTES_CEILING);
    expect(MAX_JOB_BYTES_CEILING).toBeLessThanOrEqual(1024 * 1024 - 64 * 1024);
  });
});
