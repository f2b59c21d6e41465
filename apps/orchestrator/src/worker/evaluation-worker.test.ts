import { type Evaluation, EvaluationTrigger, systemClock } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { makeEvaluation, makeJob } from '../store/testing/fixtures.js';
import { type EvaluationHandler, startEvaluationWorker } from './evaluation-worker.js';

/** A handler that records what it saw, per batch, and fails the jobs it is told to. */
function recordingHandler(poisoned: ReadonlySet<string>) {
  const batches: string[][] = [];
  const committed: string[][] = [];
  const handler: EvaluationHandler = {
    triggers: [EvaluationTrigger.JobRegister],
    batch() {
      const seen: string[] = [];
      batches.push(seen);
      return {
        async handle(_tx, evaluation) {
          if (poisoned.has(evaluation.JobID)) throw new Error(`job ${evaluation.JobID} is poison`);
          seen.push(evaluation.JobID);
          return { status: 'complete', comment: `handled with ${seen.length - 1} before it` };
        },
        async complete() {
          return () => committed.push([...seen]);
        },
      };
    },
  };
  return { handler, batches, committed };
}

describe('evaluation worker', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => store.close());

  async function submit(count: number): Promise<Evaluation[]> {
    const out: Evaluation[] = [];
    for (let i = 0; i < count; i++) {
      const job = makeJob();
      await store.jobs.insert(job);
      const evaluation = makeEvaluation(job, { TriggeredBy: EvaluationTrigger.JobRegister, WaitUntil: 0n });
      await store.evaluations.insert(evaluation);
      out.push(evaluation);
    }
    return out;
  }

  const statuses = (evaluations: readonly Evaluation[]) =>
    Promise.all(evaluations.map(async (e) => (await store.evaluations.get(e.ID)).Status));

  /** Runs a worker with `handler` until every one of `done` is complete, then stops it. */
  async function runUntilComplete(
    handler: EvaluationHandler,
    done: readonly Evaluation[],
    options: { workerId: string; batchSize?: number; leaseMs?: number },
  ): Promise<void> {
    const worker = startEvaluationWorker({
      store,
      clock: systemClock(),
      logger: pino({ level: 'silent' }),
      handlers: [handler],
      pollMs: 20,
      ...options,
    });
    try {
      await waitFor(async () => (await statuses(done)).every((s) => s === 'complete'), {
        timeoutMs: 10_000,
        message: 'evaluations were not finished',
      });
    } finally {
      await worker.stop();
    }
  }

  it('handles claimed evaluations in batches, in job-id order, and finishes them all', async () => {
    const evaluations = await submit(5);
    const { handler, committed } = recordingHandler(new Set());
    await runUntilComplete(handler, evaluations, { workerId: 'w-batch', batchSize: 3 });
    // 5 evaluations with batches of at most 3: two transactions, each sorted by job id.
    expect(committed.map((b) => b.length)).toEqual([3, 2]);
    for (const batch of committed) expect(batch).toEqual([...batch].sort());
    expect(committed.flat().sort()).toEqual(evaluations.map((e) => e.JobID).sort());
    const comments = await Promise.all(
      evaluations.map(async (e) => (await store.evaluations.get(e.ID)).Comment),
    );
    expect(comments.some((c) => c === 'handled with 2 before it')).toBe(true);
  });

  it('serves a batch in queue order (priority, then age) when its handler locked the jobs up front', async () => {
    const at = (s: bigint) => 1_800_000_000_000_000_000n + s;
    const specs = [
      { created: at(3n), priority: 0 },
      { created: at(1n), priority: 0 },
      { created: at(4n), priority: 9 },
      { created: at(2n), priority: 0 },
    ];
    const queued: Evaluation[] = [];
    for (const spec of specs) {
      const job = makeJob({ Priority: spec.priority });
      await store.jobs.insert(job);
      const evaluation = makeEvaluation(job, {
        TriggeredBy: EvaluationTrigger.NodeUpdate,
        WaitUntil: 0n,
        CreateTime: spec.created,
        Priority: spec.priority,
      });
      await store.evaluations.insert(evaluation);
      queued.push(evaluation);
    }
    const order: string[] = [];
    const handler: EvaluationHandler = {
      triggers: [EvaluationTrigger.NodeUpdate],
      batch: () => ({
        prepare: async () => {},
        handle: async (_tx, evaluation) => {
          order.push(evaluation.ID);
          return { status: 'complete', comment: '' };
        },
        complete: async () => undefined,
      }),
    };
    await runUntilComplete(handler, queued, { workerId: 'w-queue' });
    const [third, first, urgent, second] = queued.map((e) => e.ID);
    expect(order).toEqual([urgent, first, second, third]);
  });

  it('retries a failed batch one evaluation at a time, so only the bad one is held up', async () => {
    const evaluations = await submit(4);
    const bad = evaluations[2] as Evaluation;
    const { handler, committed } = recordingHandler(new Set([bad.JobID]));
    const good = evaluations.filter((e) => e !== bad);
    await runUntilComplete(handler, good, { workerId: 'w-poison', batchSize: 10, leaseMs: 60_000 });
    // The batch of four never committed; each good one did alone; the bad one stays pending.
    expect(committed).toEqual(good.map((e) => [e.JobID]));
    expect((await store.evaluations.get(bad.ID)).Status).toBe('pending');
  });

  it('gives the event loop a turn between the evaluations of a batch, so I/O is not held up by planning', async () => {
    const evaluations = await submit(3);
    const order: string[] = [];
    const handler: EvaluationHandler = {
      triggers: [EvaluationTrigger.JobRegister],
      batch: () => ({
        async handle(_tx, evaluation) {
          // Stands for an answer waiting in the event loop (a timer or socket callback).
          if (order.length === 0) setImmediate(() => order.push('io'));
          order.push(evaluation.JobID);
          return { status: 'complete', comment: 'planned' };
        },
        async complete() {
          return undefined;
        },
      }),
    };
    await runUntilComplete(handler, evaluations, { workerId: 'w-yield', batchSize: 3 });
    const handled = order.filter((o) => o !== 'io');
    expect(handled).toHaveLength(3);
    // The callback ran after the first evaluation and before the second, not after the batch.
    expect(order.indexOf('io')).toBe(1);
  });
});
