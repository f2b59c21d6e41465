import { encodeJson } from '../codec.js';
import { ErrorCode, ShoalError } from '../errors.js';
import { utf8Bytes } from './limits.js';

/**
 * The job spec's size limit (see DEFAULT_MAX_JOB_BYTES in limits.ts). It is a 413, not one more
 * field problem, and is checked before the fields: a job too large to ever reach an agent is refused
 * without validating megabytes of it.
 */

/** The job as it travels to an agent: compact JSON, UTF-8, `bigint` times as bare literals. */
export function jobBytes(job: unknown): number {
  return utf8Bytes(encodeJson(job));
}

/** A 413 naming the field and the limit, or undefined when the job fits. */
export function jobSizeError(job: unknown, maxBytes: number): ShoalError | undefined {
  const bytes = jobBytes(job);
  if (bytes <= maxBytes) return undefined;
  const message = `the job spec is ${bytes} bytes; the limit is ${maxBytes} bytes`;
  return new ShoalError(ErrorCode.PayloadTooLarge, `Job: ${message}`, {
    component: 'JobSubmission',
    hint: 'keep data out of the spec: mount it with InputSources instead of inlining it',
    details: { Problems: [{ Field: 'Job', Message: message }] },
  });
}
