import {
  createIdGenerator,
  DEFAULT_MAX_JOB_BYTES,
  ErrorCode,
  type Job,
  jobBytes,
  MAX_CONSTRAINTS,
  MAX_INPUT_SOURCES,
  MAX_JOB_BYTES_CEILING,
  prepareJobSubmission,
  ShoalError,
} from '@shoal/models';
import { DEFAULT_MAX_MESSAGE_BYTES, encodeMessage, INT64_MAX, makeEnvelope } from '@shoal/protocol';
import { describe, expect, it } from 'vitest';

/**
 * Why the job spec has a size limit below NATS's: an accepted job travels whole in one AskForBid,
 * after normalising (which adds defaults) and inside an envelope. A job of the largest configurable
 * size, built to grow as much as normalising can make it, must still fit one message.
 */

const ids = createIdGenerator();
const now = 1_695_883_778_909_107_178n;

/** Every constraint gains `"Values":[]` and every input an Alias: the most normalising adds. */
function submitted(bytes: number): Record<string, unknown> {
  const job = (padding: string) => ({
    Type: 'batch',
    Constraints: Array.from({ length: MAX_CONSTRAINTS }, (_, i) => ({ Key: `k${i}`, Operator: 'exists' })),
    Tasks: [
      {
        Name: 't',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', Parameters: [padding] } },
        InputSources: Array.from({ length: MAX_INPUT_SOURCES }, (_, i) => ({
          Source: { Type: 'localDirectory', Params: { SourcePath: `/data/${i}` } },
          Target: `/in/${i}`,
        })),
      },
    ],
  });
  return job('x'.repeat(bytes - jobBytes(job(''))));
}

function prepared(bytes: number): Job {
  const input = submitted(bytes);
  expect(jobBytes(input)).toBe(bytes);
  const result = prepareJobSubmission(input, {
    id: ids.job(),
    now,
    policy: { allowedHostPaths: [{ path: '/data', readWrite: false }] },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.job;
}

function askForBid(job: Job): Uint8Array {
  const payload = {
    ExecutionID: ids.execution(),
    JobID: job.ID,
    Partition: 0,
    WaitForApproval: false,
    Job: job,
  };
  // The widest seq, as the outbox checks it.
  const fields = { id: `m-${crypto.randomUUID()}`, nodeId: 'n-worker-1', time: now, seq: INT64_MAX };
  return encodeMessage(makeEnvelope('AskForBid', payload, fields));
}

describe('a job at the size limit reaches an agent', () => {
  it.each([DEFAULT_MAX_JOB_BYTES, MAX_JOB_BYTES_CEILING])(
    '%i bytes: its AskForBid fits one message',
    (bytes) => {
      const job = prepared(bytes);
      const growth = jobBytes(job) - bytes;
      expect(growth).toBeGreaterThan(0);
      expect(growth).toBeLessThan(8 * 1024);
      expect(askForBid(job).byteLength).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);
    },
  );

  it('one of 1 MiB would not: the outbox refuses its AskForBid, and the job would wait for ever', () => {
    const error = (() => {
      try {
        askForBid(prepared(1024 * 1024));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ShoalError);
    expect((error as ShoalError).code).toBe(ErrorCode.PayloadTooLarge);
  });
});
