import { ComputeStateType as C, type ComputeNodeInfo, type SpecConfig } from '@shoal/models';
import type { BidderContext } from '../execution/bidder.js';
import type { Executor } from '../executor/executor.js';
import type { AgentStore } from '../store/index.js';
import { type CapacityTracker, type ResourceRequest, toCapacity } from './capacity.js';

/**
 * What this node has and offers right now: the bidder's view of it, and the numbers the
 * handshake and heartbeats carry (ComputeNodeInfo). One place, so both always agree.
 */

export interface NodeStatusOptions {
  store: AgentStore;
  executors: ReadonlyMap<string, Executor>;
  capacity: CapacityTracker;
  /** Default `['noop']`: publishing nothing needs nothing. */
  publishers?: readonly string[] | undefined;
  storageSources?: readonly string[] | undefined;
  /** Why this node will not take an input (a local path it does not allow), at bid time. */
  refuseInput?: ((source: SpecConfig) => string | undefined) | undefined;
  /** Why this node will not publish where a task asks, at bid time. */
  refusePublisher?: ((publisher: SpecConfig) => string | undefined) | undefined;
  health?: (() => { healthy: boolean; reason?: string | undefined }) | undefined;
}

export interface ExecutionCounts {
  /** Running on this node now. */
  running: number;
  /** Accepted by this node and not running: awaiting the orchestrator's approval, or room. */
  enqueued: number;
  /** What may still be booked: advertised capacity × the orchestrator's overcommit, minus reservations. */
  available: ResourceRequest;
}

export class NodeStatus {
  constructor(private readonly o: NodeStatusOptions) {}

  get publishers(): readonly string[] {
    return this.o.publishers ?? ['noop'];
  }

  get storageSources(): readonly string[] {
    return this.o.storageSources ?? [];
  }

  /** Engines' health is read now: a hung Docker daemon must stop the very next bid. */
  bidderContext(): BidderContext {
    return {
      engines: [...this.o.executors.values()].map((e) => e.capabilities()),
      publishers: this.publishers,
      storageSources: this.storageSources,
      ...(this.o.refuseInput ? { refuseInput: this.o.refuseInput } : {}),
      ...(this.o.refusePublisher ? { refusePublisher: this.o.refusePublisher } : {}),
      health: this.o.health?.() ?? { healthy: true },
      total: this.o.capacity.total,
      allocated: this.o.capacity.allocated(),
      overcommit: this.o.capacity.overcommit,
      queue: this.o.capacity.queue,
    };
  }

  async counts(): Promise<ExecutionCounts> {
    const { store } = this.o;
    const byState = await store.transaction((tx) => store.executions.countByState(tx));
    // The waiting line is counted in memory: a count of the store's flag would cost a statement.
    const waiting = this.o.capacity.waitingCount;
    const approved = byState.get(C.BidAccepted) ?? 0;
    return {
      running: Math.max(0, approved - waiting),
      enqueued: (byState.get(C.AskForBidAccepted) ?? 0) + waiting,
      available: this.o.capacity.available(),
    };
  }

  async computeNodeInfo(): Promise<ComputeNodeInfo> {
    const counts = await this.counts();
    const max = toCapacity(this.o.capacity.total);
    const queue = toCapacity(this.o.capacity.queue);
    return {
      ExecutionEngines: [...this.o.executors.keys()],
      Publishers: [...this.publishers],
      StorageSources: [...this.storageSources],
      MaxCapacity: max,
      AvailableCapacity: toCapacity(counts.available),
      // One task may take the whole node.
      MaxJobRequirements: max,
      RunningExecutions: counts.running,
      EnqueuedExecutions: counts.enqueued,
      // Only a node that has a queue says so: the field is Shoal's, and absent means none.
      ...(Object.values(this.o.capacity.queue).some((units) => units > 0) ? { QueueCapacity: queue } : {}),
    };
  }
}
