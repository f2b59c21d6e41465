import {
  type Clock,
  type Evaluation,
  type EvaluationStatus,
  type EvaluationTrigger,
  inQueueOrder,
  isShoalError,
} from '@shoal/models';
import type { Logger } from 'pino';
import type { EvaluationMetrics } from '../metrics/ports.js';
import { monotonicSeconds } from '../store/call-timer.js';
import type { Repos, Store } from '../store/index.js';

/** What a handler decided; the evaluation is finished with it in the batch's transaction. */
export interface EvaluationOutcome {
  status: EvaluationStatus;
  comment: string;
}

/** The evaluations one worker claimed, handled in one transaction. */
export interface HandlerBatch {
  /** Called once, before `handle`, with every evaluation of the batch this handler will get. */
  prepare?(tx: Repos, evaluations: readonly Evaluation[]): Promise<void>;
  handle(tx: Repos, evaluation: Evaluation, now: bigint): Promise<EvaluationOutcome>;
  /** The batch's last writes, in its transaction; returns what to run once it committed. */
  complete(tx: Repos, now: bigint): Promise<(() => void) | undefined>;
}

export interface EvaluationHandler {
  readonly triggers: readonly EvaluationTrigger[];
  batch(): HandlerBatch;
}

export interface EvaluationWorkerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  handlers: readonly EvaluationHandler[];
  workerId: string;
  pollMs: number;
  /** How long a claim protects an evaluation from other workers if this one dies. */
  leaseMs?: number;
  /** Evaluations claimed and handled in one transaction. Default 64. */
  batchSize?: number;
  /** Told of each committed batch and its evaluations' outcomes, and of each failed batch. */
  metrics?: EvaluationMetrics;
}

export interface EvaluationWorker {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Job by job (a job's own evaluations oldest first): every batch locks job rows in id order, so two
 * batches that share jobs wait for each other instead of deadlocking.
 */
function inLockOrder(a: Evaluation, b: Evaluation): number {
  if (a.JobID !== b.JobID) return a.JobID < b.JobID ? -1 : 1;
  if (a.CreateTime !== b.CreateTime) return a.CreateTime < b.CreateTime ? -1 : 1;
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}
const CONFLICT_RETRIES = 3;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Takes due evaluations from the store in batches and hands them to the handler for their trigger,
 * all of a batch in one transaction: per-evaluation costs (a transaction, loading the nodes,
 * writing to each node's outbox) are paid once per batch, which is what placement throughput
 * needs. Claims are leased rows, so several workers (or orchestrators) can run side by side.
 * A batch that fails is retried one evaluation at a time, so one bad job holds up only itself.
 */
export function startEvaluationWorker(options: EvaluationWorkerOptions): EvaluationWorker {
  const { store, clock, logger, handlers, workerId, pollMs } = options;
  const lease = BigInt(options.leaseMs ?? 30_000) * 1_000_000n;
  const batchSize = options.batchSize ?? 64;
  const triggers = [...new Set(handlers.flatMap((h) => h.triggers))];
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let backoff = 0;

  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      wakeUp = () => {
        clearTimeout(timer);
        done();
      };
    });

  /** One transaction for the evaluations, each by the handler for its trigger. */
  async function runBatch(evaluations: readonly Evaluation[]): Promise<void> {
    const started = monotonicSeconds();
    for (let attempt = 1; ; attempt++) {
      const finished: Array<{ trigger: string; status: string }> = [];
      try {
        const afterCommit = await store.transaction(async (tx) => {
          const now = clock.now();
          const ordered = [...evaluations].sort(inLockOrder);
          const handlerOf = (e: Evaluation) => handlers.find((h) => h.triggers.includes(e.TriggeredBy));
          const batches = new Map<EvaluationHandler, HandlerBatch>();
          for (const handler of new Set(ordered.map(handlerOf))) {
            if (!handler) continue;
            const batch = handler.batch();
            batches.set(handler, batch);
            await batch.prepare?.(
              tx,
              ordered.filter((e) => handlerOf(e) === handler),
            );
          }
          // Handlers that locked their jobs up front (prepare) work in queue order: priority, then
          // age, as claimed; so a batch serves its queued jobs first come, first served. Others
          // lock as they go, so they go in lock order.
          const upFront = [...batches.values()].every((batch) => batch.prepare !== undefined);
          const outcomes = [];
          for (const evaluation of upFront ? [...evaluations].sort(inQueueOrder) : ordered) {
            // Planning is CPU work that resolves as microtasks: without a turn of the event loop
            // between evaluations, a batch among thousands of nodes held up every HTTP answer,
            // heartbeat and report for as long as it took (long enough for answers to miss
            // their deadline after their commit).
            if (outcomes.length > 0) await yieldToEventLoop();
            const handler = handlerOf(evaluation);
            const batch = handler && batches.get(handler);
            const outcome = batch
              ? await batch.handle(tx, evaluation, now)
              : { status: 'failed' as const, comment: `no handler for ${evaluation.TriggeredBy}` };
            outcomes.push({ id: evaluation.ID, ...outcome });
            finished.push({ trigger: evaluation.TriggeredBy, status: outcome.status });
          }
          // The batches' last writes and the outcomes are independent: sent together, awaited once.
          const [, ...hooks] = await Promise.all([
            tx.evaluations.finishMany(workerId, outcomes, now),
            ...[...batches.values()].map((batch) => batch.complete(tx, now)),
          ]);
          return hooks;
        });
        for (const hook of afterCommit) hook?.();
        if (options.metrics) {
          for (const { trigger, status } of finished) options.metrics.evaluated(trigger, status);
          options.metrics.batchDone(monotonicSeconds() - started);
        }
        logger.debug({ evaluations: evaluations.length }, 'evaluations processed');
        return;
      } catch (error) {
        // A lost compare-and-swap means a job moved under us: read it again and retry.
        const conflict = isShoalError(error) && error.code === 'Conflict';
        if (!conflict || attempt >= CONFLICT_RETRIES) {
          options.metrics?.batchFailed();
          throw error;
        }
      }
    }
  }

  async function processBatch(): Promise<boolean> {
    const claimed = await store.evaluations.claimBatch(workerId, clock.now(), lease, batchSize, triggers);
    if (claimed.length === 0) return false;
    try {
      await runBatch(claimed);
    } catch (error) {
      if (claimed.length === 1) throw error;
      logger.warn({ err: error, evaluations: claimed.length }, 'evaluation batch failed: one at a time');
      let failure: unknown;
      for (const evaluation of claimed) {
        await runBatch([evaluation]).catch((e: unknown) => {
          failure ??= e;
        });
      }
      if (failure !== undefined) throw failure;
    }
    return true;
  }

  const loop = (async () => {
    while (!stopping) {
      try {
        const worked = await processBatch();
        backoff = 0;
        if (!worked) await sleep(pollMs);
      } catch (error) {
        backoff = Math.min(MAX_BACKOFF_MS, Math.max(pollMs, backoff * 2));
        logger.warn({ err: error, retryInMs: backoff }, 'evaluation worker: store error, backing off');
        await sleep(backoff);
      }
    }
  })();

  return {
    wake: () => wakeUp?.(),
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
    },
  };
}
