import { ComputeStateType as C } from '@shoal/models';
import { type AdoptOutcome, AGENT_RESTARTED, type Executor } from '../executor/executor.js';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import {
  type CapacityTracker,
  NO_RESOURCES,
  type ResourceRequest,
  requestFromResources,
} from '../node/capacity.js';
import { NOTHING_PUBLISHED } from '../publisher/publisher.js';
import type { AgentStore, ExecutionRecord } from '../store/index.js';
import { isStopRequested, recordOutcome } from './run-results.js';
import type { RunTracker } from './runs.js';

export interface RecoverySummary {
  /** Runs an engine re-attached to (docker; never noop). */
  adopted: number;
  /** Runs nothing could re-attach to: reported failed (or cancelled, if they were being stopped). */
  failed: number;
  /** Executions still waiting for the orchestrator's approval, with their capacity held again. */
  awaitingApproval: number;
  /** Runs that had completed and were publishing their results: published again, then reported. */
  republished: number;
  /** Runs waiting for room on the node, never started: back in line, in their order. */
  waiting: number;
}

export interface RecoveryDeps {
  store: AgentStore;
  executors: ReadonlyMap<string, Executor>;
  capacity: CapacityTracker;
  runs: RunTracker;
  logger: Logger;
}

/**
 * After a start: rebuild what lived only in memory from what the store says. Running executions
 * are adopted by their engine or reported failed, once (the failure is a terminal state, so a
 * second recovery finds nothing); executions awaiting approval keep their reservation.
 */
export async function recoverExecutions(deps: RecoveryDeps): Promise<RecoverySummary> {
  const { store, capacity, runs, logger } = deps;
  const live = await store.transaction((tx) =>
    store.executions.listInStates(tx, [C.AskForBidAccepted, C.BidAccepted]),
  );
  const summary: RecoverySummary = {
    adopted: 0,
    failed: 0,
    awaitingApproval: 0,
    republished: 0,
    waiting: 0,
  };
  for (const record of live) {
    if (runs.has(record.id)) continue;
    const request = record.reserved ?? requestOf(record);
    if (record.localState === C.AskForBidAccepted) {
      // Held even if the node shrank since: the bid was promised, and the orchestrator decides.
      // Approved, it waits its turn if others wait or it does not fit beside what runs.
      capacity.hold(record.id, request, !capacity.canStartNow(request));
      summary.awaitingApproval++;
      continue;
    }
    // Never started: it waits its turn again (the store lists in the order they came). One asked
    // to stop meanwhile goes on below, to the answer its stop is owed.
    if (record.waiting && !isStopRequested(record)) {
      capacity.hold(record.id, request, true);
      runs.start(record);
      summary.waiting++;
      continue;
    }
    const controller = new AbortController();
    // The task had completed, and its results were being published (runs.ts records its output
    // first): what it wrote is still in its directory, so the publishing starts over. Its engine
    // let go of it already (a docker container is removed once it has exited).
    if (record.runOutput !== null && !isStopRequested(record)) {
      capacity.hold(record.id, request);
      runs.track(record, controller, Promise.resolve({ kind: 'completed', runOutput: record.runOutput }));
      summary.republished++;
      safeLog(logger, 'info', { executionId: record.id }, 'publishing the results of a completed run again');
      continue;
    }
    const outcome = await tryAdopt(deps, record, controller.signal);
    if (outcome.adopted) {
      capacity.hold(record.id, request);
      runs.track(record, controller, outcome.result);
      // Asked to stop before the restart: stop it now; its end brings the answer owed.
      if (isStopRequested(record)) runs.abort(record.id, record.message);
      summary.adopted++;
      continue;
    }
    // Nothing runs any more. A run that was being stopped gets its ExecutionCancelled (recordOutcome
    // sees the stop request); any other is failed, not final: another node may run it.
    const error = outcome.reason === '' ? AGENT_RESTARTED : `${AGENT_RESTARTED} (${outcome.reason})`;
    const reported = await store.transaction((tx) => {
      if (store.executions.get(tx, record.id)?.localState !== C.BidAccepted) return false;
      recordOutcome(tx, deps, record.id, { kind: 'failed', error }, NOTHING_PUBLISHED);
      return true;
    });
    if (reported) {
      summary.failed++;
      safeLog(logger, 'warn', { executionId: record.id }, error);
    }
  }
  // What the failed runs held is free again: the first in line may start.
  runs.admitWaiting();
  const stillLive = new Set(
    live
      .filter((r) => runs.has(r.id) || r.localState === C.AskForBidAccepted || capacity.isWaiting(r.id))
      .map((r) => r.id),
  );
  for (const executor of new Set(deps.executors.values())) {
    try {
      await executor.recover?.(stillLive);
    } catch (error) {
      safeLog(logger, 'error', { err: errorMessage(error) }, 'engine recovery failed');
    }
  }
  return summary;
}

async function tryAdopt(
  deps: RecoveryDeps,
  record: ExecutionRecord,
  signal: AbortSignal,
): Promise<AdoptOutcome> {
  const executor = deps.executors.get(record.job.Tasks[0]?.Engine.Type ?? '');
  if (executor?.adopt === undefined) return { adopted: false, reason: '' };
  const spec = deps.runs.spec(record, signal);
  if (spec === undefined) return { adopted: false, reason: 'its task could not be read back' };
  try {
    return await executor.adopt(spec);
  } catch (error) {
    return { adopted: false, reason: `adopting failed: ${errorMessage(error)}` };
  }
}

/** Rows written by this code always have `reserved`; older or odd rows fall back to the task. */
function requestOf(record: ExecutionRecord): ResourceRequest {
  try {
    return requestFromResources(record.job.Tasks[0]?.Resources);
  } catch {
    return NO_RESOURCES;
  }
}
