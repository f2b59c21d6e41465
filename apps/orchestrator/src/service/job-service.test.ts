import type { IdGenerator } from '@shoal/models';
import { createIdGenerator, ErrorCode, isShoalError, manualClock, ShoalError } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { JobService } from './job-service.js';

/** The job logic against the real store: what is written, together, and what stop decides. */

let store: Store;
const clock = manualClock(1_700_000_000_123_456_789n);
const job = (extra: Record<string, unknown> = {}) => ({
  Type: 'batch',
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } } }],
  ...extra,
});

beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
});
afterAll(async () => {
  await store.close();
});

const service = (ids: IdGenerator = createIdGenerator()) => new JobService({ store, clock, ids });

async function rejection(promise: Promise<unknown>): Promise<ShoalError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isShoalError(error)) throw new Error(`expected a ShoalError, got ${String(error)}`);
  return error;
}

describe('submit', () => {
  it('writes the job, its first history event and its evaluation', async () => {
    const { JobID, EvaluationID, Warnings } = await service().submit(job({ Priority: 5 }));
    expect(Warnings).toEqual([]);
    expect(await store.jobs.get(JobID)).toMatchObject({
      State: { StateType: 'Pending' },
      Revision: 1,
      Version: 0,
    });
    expect(await store.evaluations.get(EvaluationID)).toMatchObject({
      JobID,
      TriggeredBy: 'job-register',
      Status: 'pending',
      Type: 'batch',
      Priority: 5,
      WaitUntil: 0n,
      CreateTime: clock.now(),
    });
    const history = await store.history.list(JobID, { since: 0n, eventType: 'all', limit: 10 });
    expect(history.items.map((e) => [e.Type, e.JobState, e.NewRevision])).toEqual([
      ['JobLevel', { Previous: 'Pending', New: 'Pending' }, 1],
    ]);
  });

  it('writes nothing when any part fails: one transaction', async () => {
    // The second submission reuses an evaluation id, so its last insert fails.
    const base = createIdGenerator();
    const ids: IdGenerator = { ...base, evaluation: () => '11111111-1111-4111-8111-111111111111' };
    await service(ids).submit(job());
    const secondJobId = base.job();
    const second = service({ ...ids, job: () => secondJobId });
    expect((await rejection(second.submit(job()))).code).toBe(ErrorCode.Conflict);
    expect((await rejection(store.jobs.get(secondJobId))).code).toBe(ErrorCode.NotFound);
  });

  it('reports every problem and stores nothing for an invalid job', async () => {
    const error = await rejection(service().submit(job({ Count: -1, Type: 'cron' })));
    expect(error.code).toBe(ErrorCode.Validation);
    expect(error.component).toBe('JobSubmission');
    const fields = ((error.details?.Problems ?? []) as Array<{ Field: string }>).map((p) => p.Field);
    expect(fields).toEqual(expect.arrayContaining(['Job.Type']));
  });
});

describe('stop', () => {
  async function jobIn(state: 'Pending' | 'Completed' | 'Failed' | 'Stopped' | 'Running') {
    const { JobID } = await service().submit(job());
    if (state !== 'Pending')
      await store.jobs.updateState(JobID, 1, { StateType: state, Message: '' }, clock.now());
    return JobID;
  }

  it('asks for a stop with the reason, or the default for a blank one', async () => {
    for (const [reason, comment] of [
      ['maintenance', 'maintenance'],
      ['  ', 'job stopped by user'],
      [undefined, 'job stopped by user'],
    ] as const) {
      const id = await jobIn('Running');
      const { EvaluationID } = await service().stop(id, reason);
      expect(await store.evaluations.get(EvaluationID)).toMatchObject({
        JobID: id,
        TriggeredBy: 'job-stop',
        Comment: comment,
      });
      // The job itself is left to the evaluation worker.
      expect((await store.jobs.get(id)).State.StateType).toBe('Running');
    }
  });

  it('refuses a finished job, not retryably', async () => {
    for (const state of ['Completed', 'Failed'] as const) {
      const id = await jobIn(state);
      const error = await rejection(service().stop(id));
      expect([error.code, error.status, error.retryable, error.message]).toEqual([
        ErrorCode.Conflict,
        409,
        false,
        `job ${id} is already ${state}`,
      ]);
    }
  });

  it('is a no-op for a stopped job', async () => {
    expect(await service().stop(await jobIn('Stopped'))).toEqual({ EvaluationID: '' });
  });
});

describe('reads', () => {
  it('resolve a prefix once and answer in the wire shapes', async () => {
    const { JobID } = await service().submit(job());
    const prefix = JobID.slice(0, 14);
    const described = await service().describe(prefix, ['history', 'executions']);
    expect(described.Job.ID).toBe(JobID);
    expect(described.History?.History).toHaveLength(1);
    expect(described.Executions).toEqual({ NextToken: '', Executions: [] });
    expect(await service().executions(prefix, { limit: 5, orderBy: 'id', reverse: false })).toEqual({
      NextToken: '',
      Executions: [],
    });
    expect(await service().results(prefix, 5)).toEqual({ NextToken: '', Results: [] });
    expect((await service().history(prefix, { since: 0n, eventType: 'job', limit: 5 })).History).toHaveLength(
      1,
    );
    expect(await rejection(service().describe('j-00000000-dead'))).toBeInstanceOf(ShoalError);
  });
});
