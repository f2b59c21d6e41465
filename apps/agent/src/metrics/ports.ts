import type { ExecutorResult } from '../executor/executor.js';

/**
 * What the agent's parts count, as small interfaces: they never see the metrics library. main.ts
 * builds the Prometheus-backed ones (registry.ts); tests pass a real registry or nothing.
 */

export interface RunMetrics {
  /** A run ended with `result` after `seconds`; `engine` is the task's engine type as written. */
  runEnded(engine: string, result: ExecutorResult, seconds: number): void;
}

/** What GET /metrics serves. */
export interface MetricsEndpoint {
  readonly contentType: string;
  render(): Promise<string>;
}

/** How a run ended, as the duration histogram's `outcome` label says it. */
export function runOutcome(result: ExecutorResult): 'completed' | 'failed' | 'cancelled' {
  if (result.kind === 'completed') return result.runOutput.exitCode === 0 ? 'completed' : 'failed';
  return result.kind;
}
