import { EvaluationTrigger } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { makeEvaluation, makeJob } from '../store/testing/fixtures.js';
import { signallingStore } from './evaluation-signal.js';

describe('signallingStore', () => {
  let inner: Store;
  beforeAll(async () => {
    inner = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => inner.close());

  it('signals once a transaction that inserted evaluations commits, never for a rollback', async () => {
    const signals: string[] = [];
    let phase = 'before';
    const store = signallingStore(inner, () => signals.push(phase));
    const job = makeJob();
    await store.jobs.insert(job);
    const evaluation = () => makeEvaluation(job, { TriggeredBy: EvaluationTrigger.ExecutionUpdate });

    await store.transaction(async (tx) => {
      await tx.evaluations.insert(evaluation());
      await tx.evaluations.insertMany([evaluation(), evaluation()]);
      expect(signals).toEqual([]); // not before the commit
      phase = 'committed';
    });
    expect(signals).toEqual(['committed']);

    phase = 'rolled back';
    await expect(
      store.transaction(async (tx) => {
        await tx.evaluations.insert(evaluation());
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await store.transaction(async (tx) => tx.evaluations.insertMany([]));
    expect(signals).toEqual(['committed']);

    phase = 'outside';
    await store.evaluations.insert(evaluation());
    expect(signals).toEqual(['committed', 'outside']);
  });
});
