import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store, StoreCounts } from '../store/index.js';

/**
 * Gauges read from the store at scrape time: jobs by state and type, the queue's depth, pending
 * evaluations, nodes by membership and connection. One statement (store/counts.ts) serves them
 * all, at most once per `maxAgeMs` however many scrapers there are, and scrapes that arrive while
 * it runs share it: scraping cannot load the database. A failed read keeps the last values.
 */

export interface StoreGaugeOptions {
  registry: Registry;
  store: Pick<Store, 'counts'>;
  logger: Logger;
  /** Default 2 000 ms. */
  maxAgeMs?: number;
  /** Monotonic milliseconds; injected so tests can age the cache. */
  nowMs?: () => number;
}

export function registerStoreGauges(options: StoreGaugeOptions): void {
  const { registry, store, logger } = options;
  const maxAgeMs = options.maxAgeMs ?? 2_000;
  const nowMs = options.nowMs ?? (() => performance.now());
  const registers = [registry];
  // prom-client calls each gauge's collect on every scrape: the first refreshes, the others wait.
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers, collect: () => refresh() });
  const jobs = gauge('shoal_jobs', 'Jobs in the store, by state and type.', ['state', 'type']);
  const queueDepth = gauge('shoal_job_queue_depth', 'Jobs in state Queued: waiting for a node with room.');
  const pending = gauge('shoal_evaluations_pending', 'Evaluations waiting for a worker.');
  const nodes = gauge(
    'shoal_nodes',
    'Compute nodes known to the orchestrator, by membership (approval) and connection state.',
    ['membership', 'connection'],
  );
  const failures = new Counter({
    name: 'shoal_metrics_store_read_failures_total',
    help: 'Scrapes whose store counts could not be read (the gauges kept their last values).',
    registers,
  });

  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  const show = (counts: StoreCounts) => {
    jobs.reset();
    nodes.reset();
    let queued = 0;
    for (const { state, type, count } of counts.jobs) {
      jobs.set({ state, type }, count);
      if (state === 'Queued') queued += count;
    }
    for (const { membership, connection, count } of counts.nodes)
      nodes.set({ membership, connection }, count);
    queueDepth.set(queued);
    pending.set(counts.pendingEvaluations);
  };
  const refresh = (): Promise<void> => {
    if (nowMs() - readAt < maxAgeMs) return Promise.resolve();
    reading ??= store.counts
      .summary()
      .then(show, (error: unknown) => {
        failures.inc();
        logger.warn({ err: (error as Error).message }, 'metrics: could not read the store counts');
      })
      .finally(() => {
        readAt = nowMs();
        reading = undefined;
      });
    return reading;
  };
}
