import {
  ComputeStateType as C,
  type Capacity,
  canTransitionJob,
  DesiredStateType as D,
  isTerminalComputeState,
  isTerminalJobState,
  type Job,
  JobStateType,
  type Nanos,
} from '@shoal/models';
import { addCapacity, allocationOf, subtractCapacity, ZERO_CAPACITY } from './capacity.js';
import { byAge, isLive, plannedExecution } from './executions.js';
import { messageFor } from './send.js';
import type {
  ExecutionUpdate,
  FollowUp,
  NewExecution,
  Plan,
  PlannedJobState,
  ScheduledExecution,
} from './types.js';

const NEW_PREFIX = 'new:';

type Change = Pick<ExecutionUpdate, 'desiredState' | 'computeState' | 'outcome' | 'comment'>;
export type Placement = Omit<NewExecution, 'computeState'>;

/**
 * Collects a plan while keeping a "view": the job's executions as they will be once the plan is
 * applied. Each step of a scheduler reads the view, so later steps see earlier decisions (a lost
 * execution is terminal for the placement step; a new execution is live for the job-state step).
 */
export class PlanBuilder {
  readonly #original: ReadonlyMap<string, ScheduledExecution>;
  readonly #view = new Map<string, ScheduledExecution>();
  readonly #updates = new Map<string, Change>();
  readonly #placements = new Map<string, Placement>();
  #placed = 0;
  #jobState: PlannedJobState | undefined;
  #followUp: FollowUp | undefined;
  readonly #wakesWhileLive: Array<{ id: string; waitUntil: Nanos; comment: string }> = [];
  readonly #notes: string[] = [];

  constructor(
    readonly job: Job,
    executions: readonly ScheduledExecution[],
    readonly now: Nanos,
  ) {
    const sorted = [...executions].sort(byAge);
    this.#original = new Map(sorted.map((e) => [e.ID, e]));
    for (const e of sorted) this.#view.set(e.ID, e);
  }

  /** The job's executions as the plan leaves them, oldest first, new ones last. */
  executions(): ScheduledExecution[] {
    return [...this.#view.values()];
  }

  isNew(e: ScheduledExecution): boolean {
    return this.#placements.has(e.ID);
  }

  /** The job's state type once the plan is applied. */
  jobStateType(): JobStateType {
    return this.#jobState?.StateType ?? this.job.State.StateType;
  }

  isJobTerminal(): boolean {
    return isTerminalJobState(this.jobStateType());
  }

  /**
   * How this plan changes what the job holds on a node: new executions add their allocation, and
   * executions that stop being live (failed server-side) release theirs. Node usage counts live
   * executions, so this keeps the plan's view of usage equal to the one after it is applied.
   */
  usageChange(nodeId: string): Capacity {
    let change: Capacity = ZERO_CAPACITY;
    for (const e of this.#view.values()) {
      if (e.NodeID === nodeId && isLive(e))
        change = addCapacity(change, allocationOf(e.AllocatedResources.Tasks));
    }
    for (const e of this.#original.values()) {
      if (e.NodeID === nodeId && isLive(e))
        change = subtractCapacity(change, allocationOf(e.AllocatedResources.Tasks));
    }
    return change;
  }

  place(p: Placement): void {
    // A counter, not the map's size: dropped placements must not free an id for reuse.
    const id = `${NEW_PREFIX}${this.#placed++}`;
    this.#placements.set(id, p);
    this.#view.set(id, plannedExecution(this.job, id, p, this.now));
  }

  /** Changes an existing execution; several changes to one execution merge into one update. */
  update(e: ScheduledExecution, change: Change): void {
    if (this.isNew(e)) throw new Error(`scheduler bug: update of unsaved execution ${e.ID}`);
    const merged = { ...this.#updates.get(e.ID), ...change };
    const previous = this.#updates.get(e.ID)?.comment;
    if (previous !== undefined && previous !== change.comment)
      merged.comment = `${previous}; ${change.comment}`;
    this.#updates.set(e.ID, merged);
    const current = this.#view.get(e.ID) ?? e;
    // The applier stamps ModifyTime with `now`; backoff is measured from it, so the view does too.
    this.#view.set(e.ID, {
      ...current,
      DesiredState: change.desiredState ?? current.DesiredState,
      ComputeState: change.computeState ?? current.ComputeState,
      outcome: change.outcome ?? current.outcome,
      ModifyTime: this.now,
    });
  }

  /** Asks a live execution to stop. An execution this plan created is simply not created. */
  stop(e: ScheduledExecution, message: string): void {
    if (this.isNew(e)) {
      this.#drop(e);
      return;
    }
    if (e.DesiredState.StateType === D.Stopped) return;
    this.update(e, { desiredState: { StateType: D.Stopped, Message: message }, comment: message });
  }

  /** Moves the job to a new state. Same state: nothing. An illegal move is a scheduler bug. */
  setJobState(state: JobStateType, message: string, comment: string): void {
    const from = this.jobStateType();
    if (from === state) return;
    if (!canTransitionJob(from, state)) throw new Error(`scheduler bug: job state ${from} -> ${state}`);
    this.#jobState =
      this.job.State.StateType === state
        ? undefined
        : { StateType: state, Message: message, Comment: comment };
  }

  /** Ends the job: nothing new is created, and every live execution is told to stop. */
  finish(
    state: typeof JobStateType.Completed | typeof JobStateType.Failed,
    message: string,
    why: string,
  ): void {
    // A completed job's state carries no message, as Bacalhau's does; the history says why.
    const stateMessage = state === JobStateType.Completed ? '' : message;
    this.setJobState(state, stateMessage, `Job ${state.toLowerCase()}: ${message}`);
    for (const e of this.executions()) if (isLive(e)) this.stop(e, why);
  }

  /** Keeps the earliest instant at which the job must be looked at again. */
  wakeAt(waitUntil: Nanos, trigger: FollowUp['trigger'], comment: string): void {
    if (waitUntil <= this.now) return;
    if (!this.#followUp || waitUntil < this.#followUp.waitUntil)
      this.#followUp = { waitUntil, trigger, comment };
  }

  /**
   * Come back at `waitUntil` if the execution is still unfinished once the plan is applied (a node in
   * its grace): a plan that ends it anyway proposes no such follow-up, so scheduling again agrees.
   */
  wakeWhileLive(e: ScheduledExecution, waitUntil: Nanos, comment: string): void {
    this.#wakesWhileLive.push({ id: e.ID, waitUntil, comment });
  }

  note(text: string): void {
    this.#notes.push(text);
  }

  build(): Plan {
    // A terminal job has nothing left to wait for but its executions on a node in its grace, which
    // end when the grace does.
    const terminal = this.isJobTerminal();
    if (terminal) this.#followUp = undefined;
    for (const wake of this.#wakesWhileLive) {
      const e = this.#view.get(wake.id);
      if (e && !isTerminalComputeState(e.ComputeState.StateType))
        this.wakeAt(wake.waitUntil, 'retry', wake.comment);
    }
    return {
      jobRevision: this.job.Revision,
      ...(this.#jobState ? { jobState: this.#jobState } : {}),
      newExecutions: [...this.#placements.values()].map((p) => ({ ...p, computeState: C.New })),
      executionUpdates: [...this.#updates].map(([id, change]) => this.#toUpdate(id, change)),
      ...(this.#followUp ? { followUp: this.#followUp } : {}),
      notes: [...this.#notes],
    };
  }

  #drop(e: ScheduledExecution): void {
    this.#placements.delete(e.ID);
    this.#view.delete(e.ID);
  }

  #toUpdate(id: string, change: Change): ExecutionUpdate {
    const before = this.#original.get(id);
    if (!before) throw new Error(`scheduler bug: update of unknown execution ${id}`);
    const send = messageFor(before, change);
    return { executionId: id, expectedRevision: before.Revision, ...change, ...(send ? { send } : {}) };
  }
}
