import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  type Clock,
  createIdGenerator,
  type IdGenerator,
  type NodeInfo,
  nanosFromMillis,
  systemClock,
} from '@shoal/models';
import { type Logger, pino } from 'pino';
import { createApp } from './api/app.js';
import { closeServer, listen } from './api/http-server.js';
import {
  maskUrl,
  type OrchestratorConfig,
  type OrchestratorConfigInput,
  OrchestratorConfigSchema,
  publicConfig,
  storeUrl,
} from './config.js';
import { heapGrowingPercentFor, limitHeapGrowth } from './heap-growth.js';
import { schedulingHandler } from './lifecycle/handler.js';
import { LogRelay } from './logs/relay.js';
import { withUpgradeRejections } from './logs/upgrade.js';
import { orchestratorMetrics } from './metrics/registry.js';
import { registerStoreGauges } from './metrics/store-gauges.js';
import { persistentNodeId } from './node-identity.js';
import { serveJoins } from './nodes/join.js';
import { type NodeManager, startNodeManager } from './nodes/node-manager.js';
import { resolveSettings } from './planner/index.js';
import { ResultUrls } from './results/result-urls.js';
import { loadResultsSecret } from './results/results-secret.js';
import { JobService } from './service/job-service.js';
import { NodeService } from './service/node-service.js';
import { boundedCalls } from './store/bounded.js';
import { Deadline, STORE_ANSWER_MS, systemTimers, type Timers } from './store/deadline.js';
import { openStore, type Store } from './store/index.js';
import { Dispatcher, type OutboxNotifier } from './transport/dispatcher.js';
import { type NatsLink, ORCHESTRATOR_QUEUE, openNats } from './transport/nats-link.js';
import { serveReports } from './transport/reports.js';
import { buildVersion } from './version.js';
import { signallingStore } from './worker/evaluation-signal.js';
import { startEvaluationWorker } from './worker/evaluation-worker.js';

/** The one place where the orchestrator's parts are built and connected. */

export interface OrchestratorOverrides {
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** The monotonic clock and timers the API's store deadlines run on. */
  timers?: Timers;
}

export interface RunningOrchestrator {
  readonly config: OrchestratorConfig;
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly nodeId: string;
  /** The NATS server agents connect to: --nats-url, or the nats-server this orchestrator supervises. */
  readonly natsUrl: string;
  /** What a node needs to join the NATS server this orchestrator runs (none with --nats-url). */
  readonly joinToken: string | undefined;
  /** For whoever enqueues outbox messages: call `onCommitted(nodeIds)` after the commit. */
  readonly outbox: OutboxNotifier;
  /** Stops taking requests, drains those in flight (up to the grace period), closes the store. */
  stop(): Promise<void>;
}

export async function startOrchestrator(
  input: OrchestratorConfigInput,
  overrides: OrchestratorOverrides = {},
): Promise<RunningOrchestrator> {
  const config = OrchestratorConfigSchema.parse(input);
  // A burst of submissions would otherwise leave the process holding several times its live heap.
  limitHeapGrowth();
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { component: 'orchestrator' } });
  const clock = overrides.clock ?? systemClock();
  const ids = overrides.ids ?? createIdGenerator();
  const stateDir = join(resolve(config.dataDir), 'orchestrator');
  mkdirSync(stateDir, { recursive: true });
  const nodeId = persistentNodeId(stateDir, ids);
  // Agents get their results keys at handshake and the API signs with the same: one secret for both.
  const resultUrls = new ResultUrls({ secret: loadResultsSecret(stateDir), clock });

  // One registry for this orchestrator (served at /metrics); the parts count through its ports.
  const metrics = orchestratorMetrics();
  // Workers are woken by every committed evaluation insert; they exist only further down.
  const wakeWorkers: Array<() => void> = [];
  const store = signallingStore(await openStore({ url: storeUrl(config), timer: metrics.store }), () => {
    for (const wake of wakeWorkers) wake();
  });
  limitHeapGrowth(heapGrowingPercentFor(store.driver));
  const startedAt = clock.now();
  const scheduler = resolveSettings({
    maxAttempts: config.maxAttempts,
    defaultQueueTimeoutSeconds: Math.floor(config.defaultQueueTimeout / 1000),
  });
  let nats: NatsLink | undefined;
  let dispatcher: Dispatcher | undefined;
  let nodeManager: NodeManager;
  let reports: { unsubscribe(): void };
  let joins: { unsubscribe(): void } | undefined;
  try {
    nats = await openNats(config, { workDir: stateDir, logger, name: `shoal-orchestrator-${nodeId}` });
    const nc = nats.nc;
    // Everything over NATS shares one connection: node membership (`.ctrl`), the agents' reports
    // (`.out`) and one sender per node (`.in`).
    dispatcher = new Dispatcher({
      nc,
      store,
      clock,
      logger: logger.child({ component: 'dispatcher' }),
      metrics: metrics.streams,
    });
    await dispatcher.start();
    nodeManager = startNodeManager({
      nc,
      store,
      clock,
      ids,
      logger: logger.child({ component: 'nodes' }),
      settings: {
        disconnectTimeoutMs: config.nodeDisconnectTimeout,
        gracePeriodMs: config.nodeGracePeriod ?? config.nodeDisconnectTimeout,
        autoApprove: config.nodeApproval === 'token',
        overcommit: scheduler.overcommit,
      },
      streams: dispatcher,
      queue: ORCHESTRATOR_QUEUE,
      resultKeys: resultUrls,
      metrics: metrics.nodes,
    });
    reports = serveReports({
      nc,
      store,
      clock,
      ids,
      logger: logger.child({ component: 'reports' }),
      queue: ORCHESTRATOR_QUEUE,
      metrics: metrics.streams,
      endings: metrics.endings,
    });
    const { credentials, server: natsServer } = nats;
    if (credentials && natsServer) {
      joins = serveJoins({
        nc,
        credentials,
        reload: () => natsServer.reload(),
        logger: logger.child({ component: 'nodes' }),
        queue: ORCHESTRATOR_QUEUE,
      });
    }
    // The server knows our subscriptions before anyone is told the orchestrator is up.
    await nc.flush();
  } catch (error) {
    await dispatcher?.stop();
    await nats?.close();
    await store.close();
    throw error;
  }
  const stopNatsSide = async () => {
    joins?.unsubscribe();
    reports.unsubscribe();
    await nodeManager.stop();
    await dispatcher?.stop();
  };
  const outbox = dispatcher;
  const natsLink = nats;
  const version = buildVersion();
  const nodeInfo: NodeInfo = { NodeID: nodeId, NodeType: 'Requester', Labels: {}, Version: version };
  // The API answers within STORE_ANSWER_MS whatever the database does (store/bounded.ts): a
  // service call has one deadline for all its store work, other API reads one per call. The
  // workers, the dispatcher and the node manager use the store itself: no client waits on them.
  const timers = overrides.timers ?? systemTimers;
  const apiStore = boundedCalls(store, STORE_ANSWER_MS, timers);
  const deadline = () => Deadline.after(STORE_ANSWER_MS, timers);
  // Through the API's deadline: a scrape answers even when the database does not.
  registerStoreGauges({
    registry: metrics.registry,
    store: apiStore,
    logger: logger.child({ component: 'metrics' }),
  });
  const logs = new LogRelay({
    nc: natsLink.nc,
    store: apiStore,
    clock,
    ids,
    logger: logger.child({ component: 'logs' }),
  });
  const app = createApp({
    jobs: new JobService({ store, clock, ids, resultUrls, deadline }),
    nodes: new NodeService({
      store,
      deadline,
      clock,
      ids,
      logger: logger.child({ component: 'api' }),
      revokeCredentials: async (nodeId) => {
        if (natsLink.credentials?.remove(nodeId)) await natsLink.server?.reload();
      },
    }),
    store: apiStore,
    ids,
    logger: logger.child({ component: 'api' }),
    logs,
    metrics: metrics.endpoint,
    config: {
      nodeInfo,
      version,
      maxJobBytes: config.maxJobBytes,
      publicConfig: publicConfig(config),
      auth: { full: config.apiToken, read: config.apiReadToken },
    },
  });
  let server: Server;
  try {
    server = await listen(withUpgradeRejections(app.fetch), config);
  } catch (error) {
    await stopNatsSide();
    await natsLink.close();
    await store.close();
    throw error;
  }
  const handler = schedulingHandler({
    ids,
    settings: scheduler,
    // A disconnected node keeps its executions for the disconnect timeout before they count as lost.
    nodeLoss: { startedAt, graceNanos: nanosFromMillis(config.nodeDisconnectTimeout) },
    onCommitted: (nodeIds) => outbox.onCommitted(nodeIds),
    metrics: metrics.scheduling,
  });
  const workers = Array.from({ length: config.evaluationWorkers }, (_, i) =>
    startEvaluationWorker({
      store,
      clock,
      logger: logger.child({ component: 'worker' }),
      handlers: [handler],
      workerId: `${nodeId}/${process.pid}/${i}`,
      pollMs: config.evaluationPollMs,
      metrics: metrics.evaluations,
    }),
  );
  // One worker per commit, in turn: waking all of them for one evaluation only makes them contend
  // for it (the others find nothing, at a query each); a busy one picks it up when it loops anyway.
  let nextWorker = 0;
  wakeWorkers.push(() => workers[nextWorker++ % workers.length]?.wake());

  const port = (server.address() as AddressInfo).port;
  const host = config.apiHost === '0.0.0.0' || config.apiHost === '::' ? '127.0.0.1' : config.apiHost;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = config.apiToken !== undefined || config.apiReadToken !== undefined;
  logger.info(
    { url, store: store.driver, nodeId, nats: maskUrl(natsLink.url), auth },
    'orchestrator listening',
  );
  const storeLog = logger.child({ component: 'store' });
  for (const warning of store.warnings) storeLog.warn({ store: store.driver }, warning);

  let stopped: Promise<void> | undefined;
  return {
    config,
    url,
    port,
    store,
    nodeId,
    natsUrl: natsLink.url,
    joinToken: natsLink.credentials?.joinToken,
    outbox,
    stop: () => {
      stopped ??= (async () => {
        // Upgraded sockets are not the HTTP server's to drain: close them first, or close() waits.
        logs.stop();
        await closeServer(server, config.shutdownGraceMs);
        await Promise.all(workers.map((w) => w.stop()));
        await stopNatsSide();
        await natsLink.close();
        await store.close();
        logger.info('orchestrator stopped');
      })();
      return stopped;
    },
  };
}
