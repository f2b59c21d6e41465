import { JobType } from '../enums.js';
import type { TimeoutConfig } from '../schemas/task.js';

/**
 * What Bacalhau's orchestrator applies to a job it accepts, applied the same here so that a job
 * means the same on either: timeout defaults, the meta keys it owns, per-node counts.
 */

/** Batch and ops tasks that name no ExecutionTimeout get 30 minutes; daemon and service none. */
export const DEFAULT_EXECUTION_TIMEOUT_SECONDS = 1800;

/** Meta keys under this prefix are Bacalhau's: the orchestrator writes them, clients cannot. */
export const BACALHAU_META_PREFIX = 'bacalhau.org/';
/** The node that accepted the job, as Bacalhau records it. */
export const REQUESTER_ID_META = 'bacalhau.org/requester.id';

export function defaultTimeouts(type: JobType, timeouts: Required<TimeoutConfig>): Required<TimeoutConfig> {
  const bounded = type === JobType.Batch || type === JobType.Ops;
  if (!bounded || timeouts.ExecutionTimeout > 0) return timeouts;
  // A TotalTimeout the client set still holds: the default never makes the job invalid.
  const room = timeouts.TotalTimeout > 0 ? timeouts.TotalTimeout - timeouts.QueueTimeout : Infinity;
  const execution = Math.min(DEFAULT_EXECUTION_TIMEOUT_SECONDS, room);
  return execution > 0 ? { ...timeouts, ExecutionTimeout: execution } : timeouts;
}

/** The job's Meta without Bacalhau's keys, which the orchestrator sets; each dropped key is told. */
export function reserveBacalhauMeta(
  meta: Record<string, string>,
  requesterId: string | undefined,
): { meta: Record<string, string>; warnings: string[] } {
  const kept: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(meta)) {
    if (key.startsWith(BACALHAU_META_PREFIX)) {
      warnings.push(`meta key ${key} is set by the orchestrator; the submitted value was ignored`);
    } else kept[key] = value;
  }
  if (requesterId) kept[REQUESTER_ID_META] = requesterId;
  return { meta: kept, warnings };
}

/** `bacalhau job run` sends Count 1 for ops and daemon jobs; they run once per matching node. */
export function perNodeCountWarning(type: JobType, count: number | undefined): string | undefined {
  const perNode = type === JobType.Ops || type === JobType.Daemon;
  return perNode && count !== undefined && count > 1
    ? `Count ${count} is ignored for ${type} jobs: they run on every matching node`
    : undefined;
}
