import {
  addCapacities,
  type Capacity,
  capacityShortfalls,
  capacityUnits,
  NO_CAPACITY,
  taskCapacity,
} from '@shoal/models';
import {
  type InMessageType,
  makeEnvelope,
  type OutMessageType,
  type Payload,
  type StreamEnvelope,
} from '@shoal/protocol';
import { runOutput } from '../../store/testing/fixtures.js';

/**
 * A compute agent as the protocol asks it to behave, in memory (apps/agent's ExecutionManager,
 * stop-requests.ts and run-results.ts, without Docker or a store): it bids by the models' one
 * capacity rule with the planner's overcommit, holds a reservation from its yes until the run is
 * gone, and confirms every stop with ExecutionCancelled once nothing of it runs. Its reports wait
 * in its own sequenced stream until the orchestrator applies them.
 */

/** offered: a bid awaiting approval; stopping: asked to stop, the run not gone yet. */
export type LocalState = 'offered' | 'running' | 'stopping' | 'ended';

export interface LocalExecution {
  id: string;
  jobId: string;
  state: LocalState;
  /** Held from the yes until the execution ends here (null: never held, or released). */
  reserved: Capacity | null;
  /** Why it was asked to stop (the answer's Message). */
  stopNote: string;
}

/** How a running task ends. */
export type RunEnd = 'exit-0' | 'exit-3' | 'timeout' | 'engine-error';

export type Report = { [T in OutMessageType]: { type: T; payload: Payload<T> } }[OutMessageType];

export class SimAgent {
  readonly executions = new Map<string, LocalExecution>();
  /** Reports written and not yet applied by the orchestrator, in seq order. */
  readonly stream: StreamEnvelope[] = [];
  /** The last orchestrator message applied (the handshake's LastSeqReceived). */
  lastInSeq = 0n;
  private outSeq = 0n;
  /** Reachable: it heartbeats and its streams flow. */
  linked = true;

  constructor(
    readonly nodeId: string,
    readonly max: Capacity,
    private readonly now: () => bigint,
  ) {}

  /** The orchestrator's overcommit, from the last accepted handshake (absent: 1). */
  overcommit = 1;

  /** Sum of the reservations held. */
  held(): Capacity {
    let sum: Capacity = NO_CAPACITY;
    for (const e of this.executions.values()) if (e.reserved) sum = addCapacities(sum, e.reserved);
    return sum;
  }

  holding(): LocalExecution[] {
    return [...this.executions.values()].filter((e) => e.reserved !== null);
  }

  inState(state: LocalState): LocalExecution[] {
    return [...this.executions.values()].filter((e) => e.state === state);
  }

  /** One orchestrator message, applied as the real agent applies it. */
  receive(envelope: StreamEnvelope): void {
    if (envelope.seq <= this.lastInSeq) return;
    this.lastInSeq = envelope.seq;
    const message = envelope as { type: InMessageType; payload: Payload<InMessageType> };
    switch (message.type) {
      case 'AskForBid':
        this.onAsk(message.payload as Payload<'AskForBid'>);
        break;
      case 'BidAccepted':
        this.onAccepted(message.payload.ExecutionID);
        break;
      case 'BidRejected':
      case 'CancelExecution': {
        const { ExecutionID, Reason } = message.payload as Payload<'CancelExecution'>;
        this.onStop(ExecutionID, Reason || 'cancelled by the orchestrator');
        break;
      }
    }
  }

  private onAsk(ask: Payload<'AskForBid'>): void {
    const id = ask.ExecutionID;
    if (this.executions.has(id)) return; // a duplicate ask is a no-op
    const request = taskCapacity(ask.Job.Tasks[0]?.Resources);
    const short = capacityShortfalls(request, this.held(), this.max, this.overcommit);
    if (short.length > 0) {
      const reason = short
        .map((s) => `not enough ${s.resource}: needs ${s.needs}, ${s.free} free`)
        .join('; ');
      this.executions.set(id, { id, jobId: ask.JobID, state: 'ended', reserved: null, stopNote: '' });
      const outOfCapacity = short.every((s) => !s.never);
      this.report({
        type: 'BidResult',
        payload: {
          ExecutionID: id,
          Accepted: false,
          Reason: reason,
          ...(outOfCapacity ? { OutOfCapacity: true } : {}),
        },
      });
      return;
    }
    const state = ask.WaitForApproval ? 'offered' : 'running';
    this.executions.set(id, { id, jobId: ask.JobID, state, reserved: request, stopNote: '' });
    this.report({ type: 'BidResult', payload: { ExecutionID: id, Accepted: true, Reason: '' } });
  }

  private onAccepted(id: string): void {
    const e = this.executions.get(id);
    if (!e) {
      this.report({ type: 'ComputeError', payload: { ExecutionID: id, Error: 'unknown execution' } });
      return;
    }
    if (e.state === 'offered') e.state = 'running';
  }

  private onStop(id: string, note: string): void {
    const e = this.executions.get(id);
    if (!e) {
      this.report({ type: 'ExecutionCancelled', payload: { ExecutionID: id, Message: 'unknown execution' } });
      return;
    }
    if (e.state === 'ended' || e.state === 'stopping') return; // its own report is the answer
    if (e.state === 'running') {
      // The run is being killed: the answer (and the room) comes once it is gone.
      e.state = 'stopping';
      e.stopNote = note;
      return;
    }
    this.end(e);
    this.report({ type: 'ExecutionCancelled', payload: { ExecutionID: id, Message: note } });
  }

  /** A running task says how it is doing (State.Message and history; no state change). */
  progress(id: string, message: string): void {
    if (this.executions.get(id)?.state !== 'running')
      throw new Error(`${id} is not running on ${this.nodeId}`);
    this.report({ type: 'ExecutionProgress', payload: { ExecutionID: id, Message: message } });
  }

  /** A running task ends on its own. */
  finish(id: string, how: RunEnd): void {
    const e = this.executions.get(id);
    if (e?.state !== 'running') throw new Error(`${id} is not running on ${this.nodeId}`);
    this.end(e);
    if (how === 'exit-0' || how === 'exit-3') {
      const output = runOutput('done\n', { exitCode: how === 'exit-0' ? 0 : 3 });
      this.report({
        type: 'RunResult',
        payload: { ExecutionID: id, RunOutput: output, PublishedResult: { Type: '', Params: null } },
      });
      return;
    }
    const error = how === 'timeout' ? 'execution timed out after 60s' : 'docker: container vanished';
    this.report({
      type: 'ComputeError',
      payload: { ExecutionID: id, Error: error, ...(how === 'timeout' ? { Final: true } : {}) },
    });
  }

  /** A run being stopped is gone: room free, stop confirmed. */
  stopped(id: string): void {
    const e = this.executions.get(id);
    if (e?.state !== 'stopping') throw new Error(`${id} is not stopping on ${this.nodeId}`);
    this.end(e);
    this.report({ type: 'ExecutionCancelled', payload: { ExecutionID: id, Message: e.stopNote } });
  }

  /**
   * The agent process restarted (recovery.ts with an engine that cannot re-attach, like noop):
   * runs are gone, reported failed (not final), or cancelled when a stop was asked; bids awaiting
   * approval keep their reservation.
   */
  restart(): void {
    for (const e of this.executions.values()) {
      if (e.state === 'running') {
        this.end(e);
        this.report({ type: 'ComputeError', payload: { ExecutionID: e.id, Error: 'agent restarted' } });
      } else if (e.state === 'stopping') {
        this.end(e);
        this.report({ type: 'ExecutionCancelled', payload: { ExecutionID: e.id, Message: e.stopNote } });
      }
    }
  }

  /** Reports up to `seq` were applied by the orchestrator: they leave the stream. */
  appliedUpTo(seq: bigint): void {
    while (this.stream.length > 0 && (this.stream[0] as StreamEnvelope).seq <= seq) this.stream.shift();
  }

  private end(e: LocalExecution): void {
    e.state = 'ended';
    e.reserved = null;
  }

  private report(r: Report): void {
    this.outSeq += 1n;
    const fields = {
      id: `r-${this.nodeId}-${this.outSeq}`,
      nodeId: this.nodeId,
      time: this.now(),
      seq: this.outSeq,
    };
    this.stream.push(makeEnvelope(r.type, r.payload as never, fields) as StreamEnvelope);
  }
}

/** Whole units, so 0.5 + 0.5 + 0.5 cores compare equal to 1.5. */
export function sameCapacity(a: Capacity, b: Capacity): boolean {
  return (['CPU', 'Memory', 'Disk', 'GPU'] as const).every(
    (r) => capacityUnits(a, r) === capacityUnits(b, r),
  );
}
