import { countingStreamMetrics, type StreamMetrics } from '@shoal/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CapacityTracker, ResourceRequest } from '../node/capacity.js';
import { type MetricsEndpoint, type RunMetrics, runOutcome } from './ports.js';

/**
 * The agent's Prometheus metrics on a registry of its own (never prom-client's global one, so a
 * test can run several agents in one process), with Node's process metrics: run durations by
 * engine and outcome, the capacity it offers and has booked, the runs in flight and those waiting for room, and its NATS
 * streams (reports out, commands in). The gauges are read from the live objects at scrape time.
 */

/** Runs last from milliseconds (noop) to hours (a batch container). */
const RUN_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400];

export interface AgentMetricsOptions {
  /** The engines installed: a task naming another is counted under `none`. */
  engines: readonly string[];
  capacity: Pick<CapacityTracker, 'total' | 'allocated' | 'overcommit' | 'waitingCount'>;
  /** Runs in flight in this process. */
  runningExecutions: () => number;
}

export interface AgentMetrics {
  readonly registry: Registry;
  readonly runs: RunMetrics;
  /** Commands in (`.in`) and reports out (`.out`). */
  readonly streams: StreamMetrics;
  readonly endpoint: MetricsEndpoint;
}

/** Each resource in its base unit, as Prometheus names want it. */
const RESOURCES: ReadonlyArray<[keyof ResourceRequest, string, string, number]> = [
  ['cpuMillis', 'cpu_cores', 'CPU cores', 1000],
  ['memoryBytes', 'memory_bytes', 'memory in bytes', 1],
  ['diskBytes', 'disk_bytes', 'disk in bytes', 1],
  ['gpu', 'gpus', 'GPUs', 1],
];

export function agentMetrics(options: AgentMetricsOptions): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const engines = new Set(options.engines);
  const { capacity } = options;

  for (const [key, unit, what, per] of RESOURCES) {
    new Gauge({
      name: `shoal_agent_capacity_${unit}`,
      help: `What this node offers to executions: ${what}.`,
      registers,
      collect() {
        this.set(capacity.total[key] / per);
      },
    });
    new Gauge({
      name: `shoal_agent_allocated_${unit}`,
      help: `What this node has booked for its executions: ${what}.`,
      registers,
      collect() {
        this.set(capacity.allocated()[key] / per);
      },
    });
  }
  new Gauge({
    name: 'shoal_agent_overcommit_ratio',
    help: 'How far bookings may exceed the capacity offered (the orchestrator sets it; 1 is none).',
    registers,
    collect() {
      this.set(capacity.overcommit);
    },
  });
  new Gauge({
    name: 'shoal_agent_executions_running',
    help: 'Executions running on this node now.',
    registers,
    collect() {
      this.set(options.runningExecutions());
    },
  });
  new Gauge({
    name: 'shoal_agent_executions_waiting',
    help: 'Executions accepted and due to run, waiting on this node for room (its queue).',
    registers,
    collect() {
      this.set(capacity.waitingCount);
    },
  });
  const runSeconds = new Histogram({
    name: 'shoal_agent_execution_duration_seconds',
    help: 'How long runs took, from starting to the engine reporting their end, by engine and outcome.',
    labelNames: ['engine', 'outcome'],
    buckets: RUN_BUCKETS,
    registers,
  });

  return {
    registry,
    runs: {
      runEnded(engine, result, seconds) {
        runSeconds.observe(
          { engine: engines.has(engine) ? engine : 'none', outcome: runOutcome(result) },
          seconds,
        );
      },
    },
    streams: countingStreamMetrics(
      ({ name, help, labelNames }) => new Counter({ name, help, labelNames: [...labelNames], registers }),
    ),
    endpoint: { contentType: registry.contentType, render: () => registry.metrics() },
  };
}
