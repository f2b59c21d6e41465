import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreCallTimer } from './call-timer.js';
import { openStore, type Store } from './index.js';
import { makeJob } from './testing/fixtures.js';

/** Every repository call and every transaction is timed once, under its own name. */

describe('a store opened with a timer', () => {
  const calls: Array<[string, number]> = [];
  const asked: string[] = [];
  const timer: StoreCallTimer = {
    recorder(call) {
      asked.push(call);
      return (seconds) => calls.push([call, seconds]);
    },
  };
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory', timer });
  });
  afterAll(() => store.close());

  it('records each call, failed ones too, and each transaction with the calls inside it', async () => {
    calls.length = 0;
    const job = makeJob();
    await store.jobs.insert(job);
    await store.jobs.get(job.ID);
    await expect(store.jobs.get('j-does-not-exist')).rejects.toThrow();
    await store.transaction(async (tx) => {
      await tx.jobs.get(job.ID);
      await tx.executions.listResults(job.ID, 10);
    });

    expect(calls.map(([call]) => call)).toEqual([
      'jobs.insert',
      'jobs.get',
      'jobs.get',
      'jobs.get',
      'executions.listResults',
      'transaction',
    ]);
    for (const [, seconds] of calls) expect(seconds).toBeGreaterThanOrEqual(0);
    // Recorders are asked for once per call site and repository set, on first use.
    expect(asked.filter((call) => call === 'jobs.get')).toHaveLength(2);
  });
});
