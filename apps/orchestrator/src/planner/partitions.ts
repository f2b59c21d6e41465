import { JobStateType } from '@shoal/models';
import { retryDueAt } from './backoff.js';
import { settleBids } from './bids.js';
import { errorOf, isFailedAttempt, isLive, outcomeOf } from './executions.js';
import type { NodeRejection } from './filter.js';
import { waitForNodes } from './job-state.js';
import { endedJobReason } from './lifecycle.js';
import { describeNoFit, isUnavailable, listed, nodeLabel, PARTITION_COMPLETED } from './messages.js';
import { placePartition, type SchedulingContext } from './placement.js';
import { triedNodes } from './rank.js';
import type { ScheduledExecution } from './types.js';

/**
 * batch and service: partitions 0..Count-1, each wanting one live execution. A batch partition is
 * done once an execution of it Completed; a service partition never is: whatever ends is replaced.
 */

export type PartitionMode = 'batch' | 'service';

/** How a partition stands after this evaluation. */
type PartitionResult =
  | { kind: 'done' | 'busy' | 'backoff' | 'placed' }
  | { kind: 'task-failed'; execution: ScheduledExecution }
  | { kind: 'exhausted'; attempts: ScheduledExecution[] }
  | { kind: 'no-fit'; reason: string };

/**
 * Attempts that count against maxAttempts. For a service, a completed run proves the partition
 * healthy, so only the failures since its latest completion count, and a task that exits non-zero
 * is restarted like any other failure (a batch task's exit is final instead).
 */
function countedAttempts(list: readonly ScheduledExecution[], mode: PartitionMode): ScheduledExecution[] {
  const lastCompleted = mode === 'service' ? list.findLastIndex((e) => outcomeOf(e) === 'completed') : -1;
  const counts = (e: ScheduledExecution) =>
    isFailedAttempt(e) || (mode === 'service' && outcomeOf(e) === 'task-failed');
  return list.slice(lastCompleted + 1).filter(counts);
}

function schedulePartition(
  ctx: SchedulingContext,
  mode: PartitionMode,
  partition: number,
  list: readonly ScheduledExecution[],
): PartitionResult {
  const { b, settings } = ctx;
  const subject = ctx.job.Count > 1 ? `partition ${partition}` : 'execution';
  if (mode === 'batch' && list.some((e) => outcomeOf(e) === 'completed')) {
    for (const e of list) if (isLive(e)) b.stop(e, PARTITION_COMPLETED);
    return { kind: 'done' };
  }
  // A batch task that ran and failed (non-zero exit, timeout) has given the job its answer.
  const answered = mode === 'batch' ? list.find((e) => outcomeOf(e) === 'task-failed') : undefined;
  if (answered) {
    for (const e of list) if (isLive(e)) b.stop(e, 'another execution of the partition failed');
    return { kind: 'task-failed', execution: answered };
  }
  const live = list.filter(isLive);
  if (live.length > 0) {
    settleBids(b, partition, live);
    return { kind: 'busy' };
  }
  const attempts = countedAttempts(list, mode);
  if (attempts.length >= settings.maxAttempts) return { kind: 'exhausted', attempts };
  const lastAttempt = attempts.at(-1);
  if (lastAttempt) {
    const due = retryDueAt(attempts, settings.retryBackoff);
    if (b.now < due) {
      b.wakeAt(due, 'retry', `retry ${subject} (attempt ${attempts.length + 1} of ${settings.maxAttempts})`);
      b.note(`${subject}: retry backoff after: ${errorOf(lastAttempt)}`);
      return { kind: 'backoff' };
    }
  }
  // A service replaces its ended run; either way the new execution links to what it follows.
  const previous = lastAttempt ?? list.findLast((e) => outcomeOf(e) === 'completed');
  const rejected = placePartition(ctx, {
    partition,
    tried: triedNodes(partition, attempts),
    asks: Math.min(settings.bidsPerPartition, settings.maxAttempts - attempts.length),
    ...(previous ? { previousExecutionId: previous.ID } : {}),
    ...(attempts.length > 0 ? { detail: `(attempt ${attempts.length + 1} of ${settings.maxAttempts})` } : {}),
  });
  if (!rejected) return { kind: 'placed' };
  // Every node that could run it already failed it or refused it: waiting for room will not help.
  if (attempts.length > 0 && noNodeLeftToTry(rejected)) return { kind: 'exhausted', attempts };
  return { kind: 'no-fit', reason: `${ctx.job.Count > 1 ? `${subject}: ` : ''}${describeNoFit(rejected)}` };
}

function noNodeLeftToTry(rejected: readonly NodeRejection[]): boolean {
  const able = rejected.filter((r) => !isUnavailable(r));
  return able.length > 0 && able.every((r) => r.code === 'excluded' && r.retryAt === undefined);
}

function exhaustedMessage(ctx: SchedulingContext, partition: number, attempts: ScheduledExecution[]): string {
  const subject = ctx.job.Count > 1 ? `partition ${partition}` : 'execution';
  const errors = attempts.slice(-3).map((e) => `${nodeLabel(e.NodeID)}: ${errorOf(e)}`);
  const times = attempts.length === 1 ? '1 attempt' : `${attempts.length} attempts`;
  return `${subject} failed after ${times}: ${listed(errors)}`;
}

function taskFailedMessage(ctx: SchedulingContext, partition: number, e: ScheduledExecution): string {
  const subject = ctx.job.Count > 1 ? `partition ${partition}` : 'execution';
  return `${subject} failed on ${nodeLabel(e.NodeID)}: ${errorOf(e)}`;
}

/** Returns true when the job is left waiting in the queue (the caller must not settle its state). */
export function schedulePartitions(ctx: SchedulingContext, mode: PartitionMode): boolean {
  const { b } = ctx;
  const count = Math.max(1, ctx.job.Count);
  const byPartition = new Map<number, ScheduledExecution[]>();
  for (const e of b.executions()) byPartition.set(e.partition, [...(byPartition.get(e.partition) ?? []), e]);
  for (const [partition, list] of byPartition) {
    if (partition >= 0 && partition < count) continue;
    for (const e of list) if (isLive(e)) b.stop(e, `partition ${partition} is out of range (Count ${count})`);
  }

  let done = 0;
  let noFit: string | undefined;
  for (let partition = 0; partition < count; partition++) {
    const result = schedulePartition(ctx, mode, partition, byPartition.get(partition) ?? []);
    if (result.kind === 'exhausted' || result.kind === 'task-failed') {
      const message =
        result.kind === 'exhausted'
          ? exhaustedMessage(ctx, partition, result.attempts)
          : taskFailedMessage(ctx, partition, result.execution);
      b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
      return false;
    }
    if (result.kind === 'done') done++;
    if (result.kind === 'no-fit') noFit ??= result.reason;
  }
  if (noFit !== undefined) return waitForNodes(ctx, noFit) === 'queued';
  if (mode === 'batch' && done === count) {
    b.finish(
      JobStateType.Completed,
      `${count} of ${count} partitions completed`,
      endedJobReason(JobStateType.Completed, ''),
    );
  }
  return false;
}
