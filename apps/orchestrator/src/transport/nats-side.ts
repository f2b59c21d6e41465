import type { Clock, IdGenerator } from '@shoal/models';
import type { connectNats } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { NodeManager } from '../nodes/node-manager.js';
import { startNodeManager } from '../nodes/node-manager.js';
import type { NodeSettings } from '../nodes/settings.js';
import type { Store } from '../store/index.js';
import { Dispatcher, type SenderTuning } from './dispatcher.js';
import { serveReports } from './reports.js';

/**
 * Everything the orchestrator does over NATS, on one connection: node membership (`.ctrl`), the
 * agents' reports (`.out`) and one sender per node (`.in`).
 */

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/** Every orchestrator joins these queue groups, so each request is handled by exactly one of them. */
export const ORCHESTRATOR_QUEUE = 'shoal-orchestrators';

export interface NatsSideOptions {
  nc: NatsConnection;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  nodes: NodeSettings;
  sender?: SenderTuning;
}

export interface NatsSide {
  readonly dispatcher: Dispatcher;
  readonly nodes: NodeManager;
  stop(): Promise<void>;
}

export async function startNatsSide(options: NatsSideOptions): Promise<NatsSide> {
  const { nc, store, clock, ids, logger } = options;
  const dispatcher = new Dispatcher({
    nc,
    store,
    clock,
    logger: logger.child({ component: 'dispatcher' }),
    ...(options.sender ? { sender: options.sender } : {}),
  });
  await dispatcher.start();
  const nodes = startNodeManager({
    nc,
    store,
    clock,
    ids,
    logger: logger.child({ component: 'nodes' }),
    settings: options.nodes,
    streams: dispatcher,
    queue: ORCHESTRATOR_QUEUE,
  });
  const reports = serveReports({
    nc,
    store,
    clock,
    ids,
    logger: logger.child({ component: 'reports' }),
    queue: ORCHESTRATOR_QUEUE,
  });
  // The server knows our subscriptions before anyone is told the orchestrator is up.
  await nc.flush();
  return {
    dispatcher,
    nodes,
    async stop() {
      reports.unsubscribe();
      await nodes.stop();
      await dispatcher.stop();
    },
  };
}
