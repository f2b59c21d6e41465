import type { Nanos } from '@shoal/models';
import type { NodeHeartbeat, Store } from '../store/index.js';

/**
 * Heartbeats written in groups. Thousands of nodes each beating every few seconds would otherwise
 * cost a statement and a commit each; here the heartbeats that arrive while a write is in flight
 * are written together, in one statement, as soon as it ends (no timer: an idle orchestrator
 * writes a lone heartbeat at once).
 */

export interface HeartbeatOutcome {
  /** False when the node is unknown or not CONNECTED: it must handshake. */
  connected: boolean;
  lastSeqApplied: bigint;
}

interface Waiting {
  id: string;
  report: NodeHeartbeat;
  resolve: (outcome: HeartbeatOutcome) => void;
  reject: (error: unknown) => void;
}

export class HeartbeatWriter {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly store: Pick<Store, 'nodeStatus'>,
    private readonly now: () => Nanos,
  ) {}

  record(id: string, report: NodeHeartbeat): Promise<HeartbeatOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, report, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          const outcomes = await this.store.nodeStatus.heartbeatMany(batch, this.now());
          for (const w of batch) w.resolve(outcomes.get(w.id) ?? { connected: false, lastSeqApplied: 0n });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
