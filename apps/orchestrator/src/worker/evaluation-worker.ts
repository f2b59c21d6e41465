import {
  type Clock,
  type Evaluation,
  type EvaluationStatus,
  type EvaluationTrigger,
  isShoalError,
} from '@shoal/models';
import type { Logger } from 'pino';
import type { Repos, Store } from '../store/index.js';

/** What a handler decided; the evaluation is finished with it in the handler's transaction. */
export interface EvaluationOutcome {
  status: EvaluationStatus;
  comment: string;
  /** Runs once the transaction committed (e.g. wake the senders of nodes that got messages). */
  afterCommit?: () => void;
}

export interface EvaluationHandler {
  readonly triggers: readonly EvaluationTrigger[];
  /** Runs inside one transaction together with finishing the evaluation. */
  handle(tx: Repos, evaluation: Evaluation, now: bigint): Promise<EvaluationOutcome>;
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
}

export interface EvaluationWorker {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;
const CONFLICT_RETRIES = 3;

/**
 * Takes due evaluations from the store one at a time and hands each to the handler for its
 * trigger. Claims are leased rows, so several workers (or orchestrators) can run side by side.
 */
export function startEvaluationWorker(options: EvaluationWorkerOptions): EvaluationWorker {
  const { store, clock, logger, handlers, workerId, pollMs } = options;
  const lease = BigInt(options.leaseMs ?? 30_000) * 1_000_000n;
  const byTrigger = new Map(handlers.flatMap((h) => h.triggers.map((t) => [t, h] as const)));
  const triggers = [...byTrigger.keys()];
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

  async function processOne(): Promise<boolean> {
    const evaluation = await store.evaluations.claimNext(workerId, clock.now(), lease, triggers);
    if (!evaluation) return false;
    const handler = byTrigger.get(evaluation.TriggeredBy);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await store.transaction(async (tx): Promise<EvaluationOutcome> => {
          const now = clock.now();
          const result = handler
            ? await handler.handle(tx, evaluation, now)
            : { status: 'failed' as const, comment: `no handler for ${evaluation.TriggeredBy}` };
          await tx.evaluations.finish(evaluation.ID, workerId, result.status, result.comment, now);
          return result;
        });
        outcome.afterCommit?.();
        logger.debug({ evaluation: evaluation.ID, job: evaluation.JobID }, 'evaluation processed');
        return true;
      } catch (error) {
        // A lost compare-and-swap means the job moved under us: read it again and retry.
        const conflict = isShoalError(error) && error.code === 'Conflict';
        if (!conflict || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }

  const loop = (async () => {
    while (!stopping) {
      try {
        const worked = await processOne();
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
