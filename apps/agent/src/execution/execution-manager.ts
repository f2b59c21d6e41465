import {
  ComputeStateType as C,
  type Clock,
  type ComputeNodeInfo,
  DesiredStateType as D,
  type Job,
} from '@shoal/models';
import {
  AskForBidSchema,
  BidAcceptedSchema,
  BidRejectedSchema,
  CancelExecutionSchema,
} from '@shoal/protocol';
import type { Executor } from '../executor/executor.js';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { RunMetrics } from '../metrics/ports.js';
import type { CapacityTracker } from '../node/capacity.js';
import { type ExecutionCounts, NodeStatus } from '../node/node-status.js';
import { noopPublisher, type Publisher } from '../publisher/publisher.js';
import type { InputStager } from '../storage/staging.js';
import type { AgentStore, Tx } from '../store/index.js';
import { systemTimers, type Timers } from '../timers.js';
import { type BidDecision, decideBid } from './bidder.js';
import { describeIssues, salvageExecutionId } from './invalid-input.js';
import { type RecoverySummary, recoverExecutions } from './recovery.js';
import { RunTracker, WAITING_FOR_ROOM } from './runs.js';
import { applyStop, type StopDeps } from './stop-requests.js';

export interface ExecutionManagerOptions {
  store: AgentStore;
  /** Installed engines; each is found by `capabilities().engine`. */
  executors: readonly Executor[];
  capacity: CapacityTracker;
  clock: Clock;
  logger: Logger;
  /** Installed publishers, found by `type`. Default noop only; a task naming none gets noop. */
  publishers?: readonly Publisher[];
  /** Input source types this node can mount, when no `inputs` stager says. Default none. */
  storageSources?: readonly string[];
  /** Fetches inputs before runs; its registry gives the node's source types and bid refusals. */
  inputs?: InputStager;
  /** Node-level health (a full disk, say). Default healthy. */
  health?: () => { healthy: boolean; reason?: string | undefined };
  timers?: Timers;
  /** At most one ExecutionProgress per execution per interval. Default 1 000 ms. */
  progressIntervalMs?: number;
  /** Told how each run ended and how long it took. */
  metrics?: RunMetrics;
}

/**
 * The agent-side life of each execution. Inbound commands and executor results change the local
 * state and append the matching report to the outbox in ONE transaction; anything that touches
 * the outside world (start or abort a run, free capacity) happens only after that commit.
 *
 * Each command takes the raw payload (validated here, so a bad message is logged and answered,
 * never thrown) and an optional Tx: the transport passes the SeqTracker's, so the command's effect
 * commits together with its inbound seq. Only storage failures reject, so the sender retries.
 */
export class ExecutionManager {
  private readonly executors: ReadonlyMap<string, Executor>;
  private readonly runs: RunTracker;
  private readonly store: AgentStore;
  private readonly node: NodeStatus;
  private readonly stopDeps: StopDeps;

  constructor(private readonly o: ExecutionManagerOptions) {
    this.store = o.store;
    this.executors = new Map(o.executors.map((e) => [e.capabilities().engine, e]));
    const publishers = new Map((o.publishers ?? [noopPublisher]).map((p) => [p.type, p]));
    const registry = o.inputs?.registry;
    this.node = new NodeStatus({
      ...o,
      executors: this.executors,
      publishers: [...publishers.keys()],
      refusePublisher: (spec) => publishers.get(spec.Type)?.refuse?.(spec),
      ...(registry ? { storageSources: registry.types, refuseInput: (s) => registry.refuse(s) } : {}),
    });
    this.runs = new RunTracker({
      store: o.store,
      executors: this.executors,
      publishers,
      capacity: o.capacity,
      clock: o.clock,
      timers: o.timers ?? systemTimers,
      logger: o.logger,
      progressIntervalMs: o.progressIntervalMs ?? 1000,
      inputs: o.inputs,
      metrics: o.metrics,
    });
    this.stopDeps = { store: o.store, capacity: o.capacity, runs: this.runs, logger: o.logger };
  }

  onAskForBid(message: unknown, tx?: Tx): Promise<void> {
    const parsed = AskForBidSchema.safeParse(message);
    return this.within(tx, (tx) => {
      if (!parsed.success) return this.refuse(tx, 'AskForBid', message, describeIssues(parsed.error));
      const ask = parsed.data;
      const id = ask.ExecutionID;
      if (this.store.executions.get(tx, id)) return this.log('debug', id, 'duplicate AskForBid ignored');
      const bid = this.bid(tx, id, ask.Job);
      const accepted = bid.accept;
      const runNow = accepted && !ask.WaitForApproval;
      const waits = runNow && bid.waits === true;
      // An accepted bid's reason is what the execution's state message shows: why it has not started.
      const reason = bid.accept ? (waits ? WAITING_FOR_ROOM : '') : bid.reason;
      const record = this.store.executions.insert(tx, {
        id,
        jobId: ask.JobID,
        partition: ask.Partition,
        job: ask.Job,
        waitForApproval: ask.WaitForApproval,
        localState: !accepted ? C.AskForBidRejected : runNow ? C.BidAccepted : C.AskForBidAccepted,
        desiredState: !accepted ? D.Stopped : runNow ? D.Running : D.Pending,
        message: reason,
        reserved: bid.accept ? bid.request : null,
        waiting: waits,
      });
      const outOfCapacity = !bid.accept && bid.outOfCapacity === true;
      this.store.outbox.append(tx, {
        type: 'BidResult',
        payload: {
          ExecutionID: id,
          Accepted: accepted,
          Reason: reason,
          ...(outOfCapacity ? { OutOfCapacity: true } : {}),
          ...(waits ? { Waiting: true } : {}),
        },
      });
      const said = waits ? 'bid accepted: waiting for room' : 'bid accepted';
      this.log('info', id, accepted ? said : `bid rejected: ${reason}`);
      if (runNow) tx.afterCommit(() => this.runs.start(record));
      else if (accepted) tx.afterCommit(() => this.runs.prepare(record));
    });
  }

  onBidAccepted(message: unknown, tx?: Tx): Promise<void> {
    const parsed = BidAcceptedSchema.safeParse(message);
    return this.within(tx, (tx) => {
      if (!parsed.success) return this.refuse(tx, 'BidAccepted', message, describeIssues(parsed.error));
      const id = parsed.data.ExecutionID;
      const current = this.store.executions.get(tx, id);
      if (current === undefined) {
        // Our local store was lost or the message is not for us: tell the orchestrator to move on.
        this.log('warn', id, 'BidAccepted for an unknown execution');
        this.store.outbox.append(tx, {
          type: 'ComputeError',
          payload: { ExecutionID: id, Error: 'unknown execution' },
        });
        return;
      }
      if (current.localState !== C.AskForBidAccepted) {
        return this.log('debug', id, 'BidAccepted ignored: already running or finished');
      }
      // Room was held at the ask; what runs meanwhile may still make it wait its turn.
      const waits = this.o.capacity.isWaiting(id);
      const running = this.store.executions.update(tx, current, {
        localState: C.BidAccepted,
        desiredState: D.Running,
        ...(waits ? { waiting: true } : {}),
      });
      if (waits) {
        this.store.outbox.append(tx, {
          type: 'ExecutionProgress',
          payload: { ExecutionID: id, Message: WAITING_FOR_ROOM, Phase: 'Waiting' },
        });
      }
      tx.afterCommit(() => this.runs.start(running));
    });
  }

  /** A bid taken back: answered with ExecutionCancelled once nothing of it runs (stop-requests.ts). */
  onBidRejected(message: unknown, tx?: Tx): Promise<void> {
    const parsed = BidRejectedSchema.safeParse(message);
    return this.within(tx, (tx) => {
      if (!parsed.success)
        return this.log('warn', salvageExecutionId(message), 'invalid BidRejected ignored');
      applyStop(tx, this.stopDeps, 'BidRejected', parsed.data.ExecutionID, parsed.data.Reason);
    });
  }

  /** Answered with ExecutionCancelled once the run has stopped and its resources are free. */
  onCancel(message: unknown, tx?: Tx): Promise<void> {
    const parsed = CancelExecutionSchema.safeParse(message);
    return this.within(tx, (tx) => {
      if (!parsed.success)
        return this.log('warn', salvageExecutionId(message), 'invalid CancelExecution ignored');
      applyStop(tx, this.stopDeps, 'CancelExecution', parsed.data.ExecutionID, parsed.data.Reason);
    });
  }

  /** The orchestrator's overcommit factor, from each accepted handshake (absent: 1). */
  setOvercommit(factor: number | undefined): void {
    this.o.capacity.setOvercommit(factor);
    // More room to run: after a restart (factor 1 until the handshake) nothing else would wake a
    // run that waits for it if nothing runs.
    this.runs.admitWaiting();
  }

  /** Call once at start, before the transport delivers commands. */
  async recover(): Promise<RecoverySummary> {
    const summary = await recoverExecutions({ ...this.o, executors: this.executors, runs: this.runs });
    // Inputs fetched for runs that did not survive the restart (an adopted run keeps its own).
    await this.o.inputs
      ?.sweep((id) => this.runs.has(id))
      .catch((error: unknown) => {
        this.log('warn', undefined, `could not sweep fetched inputs: ${errorMessage(error)}`);
      });
    return summary;
  }

  /** Running and enqueued executions and the free capacity, for heartbeats. */
  counts(): Promise<ExecutionCounts> {
    return this.node.counts();
  }

  /** The ComputeNodeInfo a handshake or heartbeat carries. */
  computeNodeInfo(): Promise<ComputeNodeInfo> {
    return this.node.computeNodeInfo();
  }

  /** Runs in flight in this process (for tests and diagnostics). */
  get activeRuns(): number {
    return this.runs.size;
  }

  /** Aborts runs without recording them: the next start's recover() decides their fate. */
  shutdown(): Promise<void> {
    return this.runs.shutdown('abort');
  }

  /**
   * Stops watching runs WITHOUT stopping them (`closeEngines` lets go of the containers), recording
   * nothing: a restarted agent re-adopts what still runs, and reports what ended meanwhile.
   */
  letGo(closeEngines: () => Promise<unknown>): Promise<void> {
    return this.runs.shutdown('letGo', closeEngines);
  }

  /** Decides and, on yes, reserves: one step, so two asks can never both take the last core. */
  private bid(tx: Tx, id: string, job: Job): BidDecision {
    const decision = decideBid(job, this.node.bidderContext());
    if (!decision.accept) return decision;
    const reserved = this.o.capacity.tryReserve(id, decision.request);
    if (!reserved.ok)
      return { accept: false, reason: reserved.reason, outOfCapacity: reserved.outOfCapacity };
    tx.onRollback(() => this.o.capacity.release(id));
    return { ...decision, waits: reserved.waits };
  }

  /** An invalid command that names an execution still gets an answer, so nobody waits forever. */
  private refuse(tx: Tx, what: string, message: unknown, problems: string): void {
    const id = salvageExecutionId(message);
    this.log('warn', id, `invalid ${what}: ${problems}`);
    if (id === undefined || this.store.executions.get(tx, id)) return;
    const error = `invalid ${what}: ${problems}`;
    if (what === 'AskForBid') {
      this.store.outbox.append(tx, {
        type: 'BidResult',
        payload: { ExecutionID: id, Accepted: false, Reason: error },
      });
    } else {
      this.store.outbox.append(tx, { type: 'ComputeError', payload: { ExecutionID: id, Error: error } });
    }
  }

  private within(tx: Tx | undefined, fn: (tx: Tx) => void): Promise<void> {
    return tx ? Promise.resolve().then(() => fn(tx)) : this.store.transaction(fn);
  }

  private log(level: 'debug' | 'info' | 'warn', executionId: string | undefined, msg: string): void {
    safeLog(this.o.logger, level, { executionId }, msg);
  }
}
