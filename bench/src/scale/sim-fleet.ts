import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats } from '@shoal/protocol';
import { type NatsConnection, type SimCounters, SimNode } from './sim-node.js';

/**
 * Many simulated nodes in one process, `perConnection` of them on each NATS connection: 10,000
 * nodes then need 40 sockets rather than 10,000. Each node still subscribes to its own
 * `shoal.compute.<id>.in` and requests on its own `.ctrl` and `.out`, so the orchestrator and
 * nats-server see the subjects, messages and subscriptions of 10,000 agents; what differs is only
 * that a NATS reconnect moves a connection's nodes together, where real agents would reconnect
 * each on its own jittered schedule.
 */

export interface FleetOptions {
  url: string;
  nodes: number;
  perConnection: number;
  /** Node ids are `<prefix>-<index>`. */
  prefix: string;
  /** Nodes that start handshaking per second; 0: all at once. */
  joinPerSecond: number;
}

export interface FleetStats {
  nodes: number;
  connections: number;
  /** Nodes whose handshake is accepted now. */
  accepted: number;
  /** Nodes whose last accepted handshake came after `mark()`. */
  acceptedSinceMark: number;
  handshakes: number;
  handshakeFailures: number;
  heartbeats: number;
  heartbeatFailures: number;
  /** NATS reconnects, over all connections, since the start. */
  reconnects: number;
}

interface Group {
  nc: NatsConnection;
  nodes: SimNode[];
}

export class SimFleet {
  private readonly counters: SimCounters = {
    handshakes: 0,
    handshakeFailures: 0,
    heartbeats: 0,
    heartbeatFailures: 0,
    runs: new Map(),
  };
  private groups: Group[] = [];
  private reconnects = 0;
  private markAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  static async start(options: FleetOptions): Promise<SimFleet> {
    const fleet = new SimFleet();
    const count = Math.ceil(options.nodes / options.perConnection);
    for (let k = 0; k < count; k++) {
      const nc = await connectNats({ servers: options.url, name: `${options.prefix}-conn-${k}` });
      const group: Group = { nc, nodes: [] };
      fleet.groups.push(group);
      void fleet.watch(group);
      const end = Math.min(options.nodes, (k + 1) * options.perConnection);
      for (let i = k * options.perConnection; i < end; i++) {
        const labels = { sim: 'true', zone: `z${i % 4}` };
        group.nodes.push(new SimNode(nc, `${options.prefix}-${i}`, labels, fleet.counters));
      }
    }
    // Every node subscribes first, then all handshake: none is asked for a bid it cannot hear.
    for (const node of fleet.nodes()) node.subscribe();
    await Promise.all(fleet.groups.map((g) => g.nc.flush()));
    void fleet.join(options.joinPerSecond);
    return fleet;
  }

  /** From now on `acceptedSinceMark` counts only handshakes accepted after this call. */
  mark(): void {
    this.markAt = performance.now();
  }

  stats(): FleetStats {
    let accepted = 0;
    let acceptedSinceMark = 0;
    for (const node of this.nodes()) {
      if (node.isAccepted) accepted++;
      if (node.isAccepted && node.acceptedAt >= this.markAt) acceptedSinceMark++;
    }
    const { runs: _, ...counts } = this.counters;
    const connections = this.groups.length;
    const nodes = this.groups.reduce((n, g) => n + g.nodes.length, 0);
    return { nodes, connections, accepted, acceptedSinceMark, reconnects: this.reconnects, ...counts };
  }

  /** Runs started per job id, over every node. */
  runs(): Map<string, number> {
    return this.counters.runs;
  }

  /** Keeps the first `keep` nodes; the others leave with a ShutdownNotice, and empty connections close. */
  async shrink(keep: number): Promise<void> {
    let seen = 0;
    const kept: Group[] = [];
    for (const group of this.groups) {
      const stay = group.nodes.slice(0, Math.max(0, keep - seen));
      const leave = group.nodes.slice(stay.length);
      seen += group.nodes.length;
      await Promise.all(leave.map((node) => node.leave()));
      group.nodes = stay;
      if (stay.length > 0) kept.push(group);
      else await group.nc.close();
    }
    this.groups = kept;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.nodes().map((node) => node.stop()));
    await Promise.all(this.groups.map((g) => g.nc.close()));
    this.groups = [];
  }

  /** Starts the nodes, all at once or a tenth of `perSecond` every 100 ms. */
  private async join(perSecond: number): Promise<void> {
    const nodes = this.nodes();
    const step = perSecond > 0 ? Math.ceil(perSecond / 10) : nodes.length;
    for (let i = 0; i < nodes.length && !this.stopped; i += step) {
      if (i > 0) await sleep(100);
      for (const node of nodes.slice(i, i + step)) node.start();
    }
  }

  private nodes(): SimNode[] {
    return this.groups.flatMap((g) => g.nodes);
  }

  /** A reconnected connection's nodes handshake again, as every real agent does after its own. */
  private async watch(group: Group): Promise<void> {
    for await (const status of group.nc.status()) {
      if (status.type !== 'reconnect') continue;
      this.reconnects++;
      for (const node of group.nodes) node.rehandshake();
    }
  }
}
