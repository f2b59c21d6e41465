import {
  ComputeStateType as C,
  type ComputeStateType,
  type ExecutionOutcome,
  type Nanos,
} from '@shoal/models';
import { schedule } from '../schedule.js';
import type { NodeCandidate, Plan, ScheduledExecution, SchedulerSnapshot } from '../types.js';
import { applyPlan, withUsage } from './apply-plan.js';
import { makeSnapshot, type SnapshotSpec, T0 } from './fixtures.js';
import { disconnected, reconnected, reported, runPhase } from './reports.js';

/**
 * A job's life in memory: schedule and apply plans, let agents report, move the clock, and change
 * nodes. Tests read like the sequence of events they describe.
 */
export class Scenario {
  snapshot: SchedulerSnapshot;
  now: Nanos;
  readonly plans: Plan[] = [];

  constructor(spec: SnapshotSpec = {}, now: Nanos = T0) {
    this.snapshot = makeSnapshot(spec);
    this.now = now;
  }

  at(now: Nanos): this {
    this.now = now;
    return this;
  }

  after(nanos: Nanos): this {
    this.now += nanos;
    return this;
  }

  /** The plan for the current snapshot, not applied. */
  plan(): Plan {
    return schedule(this.snapshot, this.now);
  }

  /** Schedules and applies; returns the plan. */
  step(): Plan {
    const plan = this.plan();
    this.plans.push(plan);
    this.snapshot = applyPlan(this.snapshot, plan, this.now);
    return plan;
  }

  get job() {
    return this.snapshot.job;
  }

  get executions(): readonly ScheduledExecution[] {
    return this.snapshot.executions;
  }

  /** The n-th execution ever created (ids are assigned in order). */
  exec(n: number): ScheduledExecution {
    const e = this.snapshot.executions[n];
    if (!e) throw new Error(`no execution #${n}`);
    return e;
  }

  /**
   * An agent report, as the report handler writes it (`reported`): with an `outcome` when it ends
   * the execution, without one as a row from before outcomes were kept. Returns false (and
   * changes nothing) when the transition is illegal, like a stale report being dropped.
   */
  tryReport(
    n: number | ScheduledExecution,
    compute: ComputeStateType,
    message = '',
    outcome?: ExecutionOutcome,
  ): boolean {
    const target = typeof n === 'number' ? this.exec(n) : n;
    const after = reported(target, compute, message, outcome, this.now);
    if (!after) return false;
    const executions = this.snapshot.executions.map((e) => (e.ID === target.ID ? after : e));
    this.snapshot = { ...this.snapshot, executions, nodes: withUsage(this.snapshot, executions) };
    return true;
  }

  /** Like tryReport, but an illegal report is a broken test. */
  report(
    n: number | ScheduledExecution,
    compute: ComputeStateType,
    message = '',
    outcome?: ExecutionOutcome,
  ): this {
    const target = typeof n === 'number' ? this.exec(n) : n;
    if (!this.tryReport(target, compute, message, outcome)) {
      throw new Error(`illegal report ${target.ComputeState.StateType} -> ${compute} for ${target.ID}`);
    }
    return this;
  }

  /** The node says execution #n waits for room, or starts now (ExecutionProgress with a Phase). */
  phase(n: number, phase: 'Waiting' | 'Started'): this {
    const target = this.exec(n);
    const after = runPhase(target, phase, this.now);
    const executions = this.snapshot.executions.map((e) => (e.ID === target.ID ? after : e));
    this.snapshot = { ...this.snapshot, executions };
    return this;
  }

  /**
   * The agent receives the ask and answers it: AskForBid, then accepted (3) or rejected (4); a
   * refusal may say why it ended (`rejected`, or `busy` for lack of room).
   */
  bid(n: number, accept: boolean, message = '', outcome?: ExecutionOutcome): this {
    this.report(n, C.AskForBid);
    return accept
      ? this.report(n, C.AskForBidAccepted, message)
      : this.report(n, C.AskForBidRejected, message, outcome);
  }

  /** Replaces a node (or adds one); usage is kept unless the replacement brings its own. */
  setNode(node: NodeCandidate): this {
    const id = node.Info.NodeID;
    const exists = this.snapshot.nodes.some((n) => n.Info.NodeID === id);
    const nodes = exists
      ? this.snapshot.nodes.map((n) => (n.Info.NodeID === id ? { ...node, usage: n.usage } : n))
      : [...this.snapshot.nodes, node];
    this.snapshot = { ...this.snapshot, nodes };
    return this;
  }

  patchNode(id: string, patch: Partial<Pick<NodeCandidate, 'Connection' | 'Membership' | 'healthy'>>): this {
    return this.#mapNode(id, (n) => ({ ...n, ...patch }));
  }

  /** The node stops being heard from; with `lostAt`, its executions are kept until then. */
  disconnect(id: string, lostAt?: Nanos): this {
    return this.#mapNode(id, (n) => disconnected(n, lostAt));
  }

  /** The node is back (a connected node has no grace deadline). */
  reconnect(id: string): this {
    return this.#mapNode(id, reconnected);
  }

  #mapNode(id: string, change: (node: NodeCandidate) => NodeCandidate): this {
    const nodes = this.snapshot.nodes.map((n) => (n.Info.NodeID === id ? change(n) : n));
    this.snapshot = { ...this.snapshot, nodes };
    return this;
  }

  removeNode(id: string): this {
    this.snapshot = { ...this.snapshot, nodes: this.snapshot.nodes.filter((n) => n.Info.NodeID !== id) };
    return this;
  }

  /** What the job-stop handler does: the job goes Stopped with the reason. */
  stopJob(reason: string): this {
    const job = this.snapshot.job;
    this.snapshot = {
      ...this.snapshot,
      job: {
        ...job,
        State: { StateType: 'Stopped', Message: reason },
        Revision: job.Revision + 1,
        ModifyTime: this.now,
      },
    };
    return this;
  }
}
