import { EvaluationTrigger, systemClock } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../metrics/ports.js';
import { openStore, type Store } from '../store/index.js';
import { makeEvaluation, makeJob } from '../store/testing/fixtures.js';
import { type EvaluationHandler, startEvaluationWorker } from './evaluation-worker.js';

/** The worker tells its metrics of committed batches and their outcomes, and of failed batches. */

describe('evaluation worker metrics', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => store.close());

  it('counts each evaluation of a committed batch once, and each batch that failed', async () => {
    const poison = makeJob();
    const jobs = [makeJob(), makeJob(), poison];
    for (const job of jobs) {
      await store.jobs.insert(job);
      await store.evaluations.insert(
        makeEvaluation(job, { TriggeredBy: EvaluationTrigger.JobRegister, WaitUntil: 0n }),
      );
    }
    const handler: EvaluationHandler = {
      triggers: [EvaluationTrigger.JobRegister],
      batch: () => ({
        async handle(_tx, evaluation) {
          if (evaluation.JobID === poison.ID) throw new Error('poison');
          return { status: 'complete', comment: '' };
        },
        complete: async () => undefined,
      }),
    };
    const evaluated: string[] = [];
    let batches = 0;
    let failures = 0;
    const metrics: EvaluationMetrics = {
      evaluated: (trigger, status) => evaluated.push(`${trigger}/${status}`),
      batchDone: (seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        batches++;
      },
      batchFailed: () => failures++,
    };
    const worker = startEvaluationWorker({
      store,
      clock: systemClock(),
      logger: pino({ level: 'silent' }),
      handlers: [handler],
      workerId: 'metrics-worker',
      pollMs: 20,
      metrics,
    });
    try {
      // The batch of three fails on the poison, then each is retried alone: two commit, one fails.
      await waitFor(() => evaluated.length === 2 && failures >= 2, { timeoutMs: 10_000 });
    } finally {
      await worker.stop();
    }
    expect(evaluated).toEqual(['job-register/complete', 'job-register/complete']);
    expect(batches).toBe(2);
  });
});
