import { noStreamMetrics, type StreamMetrics } from '@shoal/protocol';
import type { StoreCallTimer } from '../store/call-timer.js';

/**
 * What the orchestrator's parts count, as small interfaces: the parts call these and never see a
 * metrics library; main.ts hands them the Prometheus-backed ones (registry.ts), tests a real
 * registry or `noMetrics`.
 */

/** What one committed evaluation batch's plans did (lifecycle/plan-tally.ts fills it). */
export interface PlanCounts {
  /** Executions created: each is a placement on a node. */
  placed: number;
  /** Jobs the plans moved to Queued: no node had room. */
  queued: number;
  /** Jobs the plans moved to Failed (no node could ever fit, retries spent, a queue timeout). */
  failed: number;
  /** Seconds from submission to first placement, one per job placed for the first time. */
  queueWaits: readonly number[];
}

export interface SchedulingMetrics {
  /** Called once the batch committed: a rolled-back batch is retried and must not count twice. */
  planned(counts: PlanCounts): void;
}

export interface EvaluationMetrics {
  /** An evaluation was finished in a committed batch. */
  evaluated(trigger: string, status: string): void;
  /** A committed batch took this long, from claim to commit. */
  batchDone(seconds: number): void;
  /** A batch failed (a store error); its evaluations are retried. */
  batchFailed(): void;
}

export interface EndingMetrics {
  /** An agent's report ended an execution (`outcome`: completed, task-failed, …) after `seconds`. */
  executionEnded(outcome: string, seconds: number): void;
}

export interface NodeMetrics {
  /** A control request (Handshake, Heartbeat, …) was answered; `accepted` false when refused. */
  controlAnswered(type: string, accepted: boolean): void;
}

/** The endpoint's side: what /metrics serves. */
export interface MetricsEndpoint {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface OrchestratorMetrics {
  scheduling: SchedulingMetrics;
  evaluations: EvaluationMetrics;
  /** Reports in (`.out`) and commands out (`.in`). */
  streams: StreamMetrics;
  /** Handshakes and heartbeats (`.ctrl`). */
  nodes: NodeMetrics;
  /** Executions ended, as the agents' reports say. */
  endings: EndingMetrics;
  store: StoreCallTimer;
  endpoint: MetricsEndpoint;
}

/** Counts nothing and serves an empty page: for tests that do not look. */
export const noMetrics: OrchestratorMetrics = {
  scheduling: { planned: () => {} },
  evaluations: { evaluated: () => {}, batchDone: () => {}, batchFailed: () => {} },
  streams: noStreamMetrics,
  nodes: { controlAnswered: () => {} },
  endings: { executionEnded: () => {} },
  store: { recorder: () => () => {} },
  endpoint: { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => '' },
};
