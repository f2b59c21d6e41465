import { countingStreamMetrics } from '@shoal/protocol';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { OrchestratorMetrics } from './ports.js';

/**
 * The orchestrator's Prometheus metrics on a registry of its own (never prom-client's global one,
 * so a test can run several orchestrators in one process), with Node's process metrics. Counters
 * and histograms are moved by the parts through the ports (ports.ts); the store's gauges are
 * added once the store is open (store-gauges.ts). Label values come from closed sets (triggers,
 * statuses, outcomes, message types, repository calls): never job or node ids.
 */

/** Store calls: most take a millisecond or two; a batch's transaction can take a second. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** From a job's submission to its placement: instant on an idle cluster, hours in a full queue. */
const QUEUE_WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400];
const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Executions last from milliseconds (noop) to hours (a batch container). */
const EXECUTION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400];

export type PrometheusMetrics = OrchestratorMetrics & { readonly registry: Registry };

export function orchestratorMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const placements = new Counter({
    name: 'shoal_placements_total',
    help: 'Scheduling outcomes: executions placed on nodes, jobs queued for lack of room, jobs failed.',
    labelNames: ['outcome'],
    registers,
  });
  const placed = placements.labels('placed');
  const queued = placements.labels('queued');
  const failed = placements.labels('failed');
  // At 0 from the start, so rate() has a first sample before the first placement.
  for (const outcome of [placed, queued, failed]) outcome.inc(0);
  const queueWait = new Histogram({
    name: 'shoal_job_queue_wait_seconds',
    help: 'Time from a job being submitted to its first execution being placed.',
    buckets: QUEUE_WAIT_BUCKETS,
    registers,
  });
  const evaluations = new Counter({
    name: 'shoal_evaluations_total',
    help: 'Evaluations finished by the workers, by trigger and status.',
    labelNames: ['trigger', 'status'],
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'shoal_evaluation_batch_duration_seconds',
    help: 'Time to handle and commit one batch of evaluations, retries included.',
    buckets: BATCH_BUCKETS,
    registers,
  });
  const batchFailures = new Counter({
    name: 'shoal_evaluation_batch_failures_total',
    help: 'Evaluation batches that failed (their evaluations are retried).',
    registers,
  });
  const storeCalls = new Histogram({
    name: 'shoal_store_call_duration_seconds',
    help: 'Duration of store calls: each repository method (repo.method) and each whole transaction.',
    labelNames: ['call'],
    buckets: STORE_BUCKETS,
    registers,
  });
  const storeRecorders = new Map<string, (seconds: number) => void>();
  const executionSeconds = new Histogram({
    name: 'shoal_execution_duration_seconds',
    help: 'From an execution being placed to the applied report of its end, by outcome.',
    labelNames: ['outcome'],
    buckets: EXECUTION_BUCKETS,
    registers,
  });
  const control = new Counter({
    name: 'shoal_node_control_requests_total',
    help: 'Control requests from agents answered (Handshake, Heartbeat, UpdateNodeInfo, ShutdownNotice), accepted or refused.',
    labelNames: ['type', 'result'],
    registers,
  });
  const controlChildren = new Map<string, { inc(): void }>();

  return {
    registry,
    scheduling: {
      planned(counts) {
        if (counts.placed > 0) placed.inc(counts.placed);
        if (counts.queued > 0) queued.inc(counts.queued);
        if (counts.failed > 0) failed.inc(counts.failed);
        for (const seconds of counts.queueWaits) queueWait.observe(seconds);
      },
    },
    evaluations: {
      evaluated: (trigger, status) => evaluations.inc({ trigger, status }),
      batchDone: (seconds) => batchSeconds.observe(seconds),
      batchFailed: () => batchFailures.inc(),
    },
    streams: countingStreamMetrics(
      ({ name, help, labelNames }) => new Counter({ name, help, labelNames: [...labelNames], registers }),
    ),
    endings: {
      executionEnded: (outcome, seconds) => executionSeconds.observe({ outcome }, seconds),
    },
    nodes: {
      controlAnswered(type, accepted) {
        const result = accepted ? 'accepted' : 'refused';
        const key = accepted ? type : `${type}/refused`;
        let child = controlChildren.get(key);
        if (child === undefined) {
          child = control.labels(type, result);
          controlChildren.set(key, child);
        }
        child.inc();
      },
    },
    store: {
      recorder(call) {
        let recorder = storeRecorders.get(call);
        if (recorder === undefined) {
          const child = storeCalls.labels(call);
          recorder = (seconds) => child.observe(seconds);
          storeRecorders.set(call, recorder);
        }
        return recorder;
      },
    },
    endpoint: {
      contentType: registry.contentType,
      render: () => registry.metrics(),
    },
  };
}
