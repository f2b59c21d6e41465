import type { Clock, IdGenerator } from '@shoal/models';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/ports.js';
import type { Store } from '../store/index.js';
import type { NodeSettings } from './settings.js';

/** The orchestrator's side of each node's `.in` stream, as the node manager drives it. */
export interface NodeStreams {
  /**
   * The agent has applied everything before `fromSeq` and takes up to `maxBatch` messages per
   * request (its handshake said so; undefined: one).
   */
  resume(nodeId: string, fromSeq: bigint, maxBatch?: number): void;
  /** The node is gone: stop sending until it returns. */
  drop(nodeId: string): Promise<void>;
}

export interface NodeManagerDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  settings: NodeSettings;
  streams: NodeStreams;
  /** Gives an accepted node the key its results server checks download URLs with (ResultUrls). */
  resultKeys?: { nodeKey(nodeId: string): Uint8Array };
  /** Counts the control requests answered, accepted or refused. */
  metrics?: NodeMetrics;
}
