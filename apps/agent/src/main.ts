import { type Clock, createIdGenerator, type IdGenerator, systemClock } from '@shoal/models';
import { natsLoginOption, natsTlsOption } from '@shoal/protocol';
import { pino } from 'pino';
import {
  type AgentConfig,
  type AgentConfigInput,
  AgentConfigSchema,
  agentStateDir,
  type EngineName,
} from './config.js';
import { ExecutionManager } from './execution/execution-manager.js';
import { RetentionJanitor } from './execution/retention.js';
import { dockerOptionsFromConfig } from './executor/docker/config.js';
import { DockerExecutor } from './executor/docker/executor.js';
import type { Executor } from './executor/executor.js';
import { NoopExecutor } from './executor/noop.js';
import { WasmExecutor } from './executor/wasm/executor.js';
import { type Logger, type RootLogger, safeLog } from './logger.js';
import { startLogServer } from './logs/server.js';
import { agentMetrics } from './metrics/registry.js';
import { CapacityTracker } from './node/capacity.js';
import { type HostProbe, resolveCapacity } from './node/host-capacity.js';
import { LocalPublisher } from './publisher/local.js';
import { noopPublisher, type Publisher } from './publisher/publisher.js';
import { ResultsKey } from './publisher/results-key.js';
import { type ResultsServer, startResultsServer } from './publisher/results-server.js';
import { S3Publisher } from './publisher/s3.js';
import { InlineProvider } from './storage/inline.js';
import { describeRules, LocalDirectoryProvider } from './storage/local-directory.js';
import { StorageRegistry } from './storage/registry.js';
import { S3Provider } from './storage/s3.js';
import { S3Access } from './storage/s3-client.js';
import { InputStager } from './storage/staging.js';
import type { StageSource } from './storage/storage.js';
import { UrlDownloadProvider } from './storage/url-download.js';
import { loadNodeId, openAgentStore } from './store/index.js';
import { connectWhenReachable, redact } from './transport/connect.js';
import { JOINING_RETRY, natsLogin } from './transport/join.js';
import { agentVersion } from './transport/node-info.js';
import { startTransport } from './transport/transport.js';

/**
 * The one place where the agent's parts are built and connected:
 *
 *   node id → store → capacity → manager → recover() → NATS → transport → log server, janitor
 *
 * It also makes the loggers: one root (pino, or overrides.logger) and a child per area, each with
 * this node's `nodeId` and a `component`: `agent` (start and stop), `store`, `executor` (with
 * `engine`), `execution` (the manager, runs, recovery, retention), `transport` (the NATS
 * connection, .in/.out, the control session), `logs` (the log server).
 * Recovery runs before anything is received, so a command never meets a half-rebuilt state; it
 * may write reports (an interrupted run, failed) that wait in the outbox until the orchestrator
 * has been reached. Stop undoes it in reverse: no new work, runs aborted, reports flushed, goodbye.
 */

export interface AgentOverrides {
  /** The root logger; main.ts gives each part a child of it with its `component` and `nodeId`. */
  logger?: RootLogger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Engines to install instead of those config.engines names (tests). */
  executors?: readonly Executor[];
  probe?: HostProbe;
}

export interface RunningAgent {
  readonly nodeId: string;
  readonly config: AgentConfig;
  /** Where the local publisher's results are served; undefined without that publisher. */
  readonly resultsUrl: string | undefined;
  /** GET /metrics on the agent's HTTP listener, served whichever publishers the node has. */
  readonly metricsUrl: string;
  /** True while the orchestrator accepts this node (false until the first handshake and between). */
  readonly accepted: boolean;
  /** Log streams being served to the orchestrator right now. */
  readonly activeLogStreams: number;
  /**
   * Graceful stop: stop taking commands and heartbeating, let go of runs in flight without
   * stopping them (recorded nothing: the next start re-adopts what still runs; an in-process engine's
   * runs end with the process, and the next start reports them failed), flush reports for up to shutdownTimeoutMs, send the
   * shutdown notice, close NATS and the store. Idempotent.
   */
  stop(): Promise<void>;
}

interface EngineContext {
  config: AgentConfig;
  nodeId: string;
  stateDir: string;
  logger: Logger;
  /** Fetches an engine's own inputs (the wasm EntryModule) with this node's input-source providers. */
  stageSource: StageSource;
}

/** Each name config.ts accepts has its engine here; the type makes a missing one a compile error. */
const ENGINES: Record<EngineName, (c: EngineContext) => Executor | Promise<Executor>> = {
  noop: ({ config }) => new NoopExecutor({ maxInlineOutputBytes: config.maxInlineOutput }),
  // `new Docker()` finds the daemon as the docker CLI does: DOCKER_HOST, else the local socket.
  // Loaded only for an agent that offers docker: the client is a large module to hold idle.
  docker: async ({ config, nodeId, stateDir, logger }) =>
    new DockerExecutor({
      docker: new (await import('dockerode')).default(),
      nodeId,
      stateDir,
      logger,
      ...dockerOptionsFromConfig(config),
    }),
  // In-process: needs no daemon, so an agent without Docker can run wasm tasks.
  wasm: ({ config, stateDir, stageSource }) =>
    new WasmExecutor({
      stateDir,
      stageSource,
      maxInlineOutputBytes: config.maxInlineOutput,
      maxOutputFileBytes: config.maxOutputFile,
    }),
};

export async function startAgent(
  input: AgentConfigInput,
  overrides: AgentOverrides = {},
): Promise<RunningAgent> {
  const config = AgentConfigSchema.parse(input);
  const root: RootLogger = overrides.logger ?? pino({ level: config.logLevel, base: { component: 'agent' } });
  const clock = overrides.clock ?? systemClock();
  const ids = overrides.ids ?? createIdGenerator();
  const dataDir = agentStateDir(config);
  // The identity is read before the node id is known: its lines carry the id in their fields.
  const nodeId = loadNodeId({
    dataDir,
    name: config.name,
    newNodeId: ids.node,
    clock,
    logger: root.child({ component: 'store' }),
  });
  const node = root.child({ nodeId });
  const part = (component: string, fields: Record<string, unknown> = {}): Logger =>
    node.child({ component, ...fields });
  const logger = part('agent');

  const store = openAgentStore({ dataDir, clock, logger: part('store'), newId: ids.requestId });
  // Input sources, one provider per type; engines that fetch their own inputs use storage.stageSource.
  // S3 clients sign with this agent's own credentials (the SDK's default chain), never a job's.
  const s3 = new S3Access({ endpoints: config.s3Endpoints, region: config.s3Region });
  const storage = new StorageRegistry([
    new InlineProvider(),
    new UrlDownloadProvider({ maxBytes: config.downloadMaxSize, timeoutMs: config.downloadTimeout }),
    new LocalDirectoryProvider(config.allowLocalPaths),
    new S3Provider(s3),
  ]);
  const executors =
    overrides.executors ??
    (await Promise.all(
      config.engines.map((name) =>
        ENGINES[name]({
          config,
          nodeId,
          stateDir: dataDir,
          logger: part('executor', { engine: name }),
          stageSource: storage.stageSource,
        }),
      ),
    ));
  const closeEngines = () => Promise.allSettled(executors.map((e) => e.close?.()));
  let manager: ExecutionManager | undefined;
  let http: ResultsServer | undefined;
  // Filled in by each accepted handshake; until the first, the results server refuses everything.
  const resultsKey = new ResultsKey();
  try {
    const total = resolveCapacity({
      dataDir,
      fraction: config.capacityFraction,
      cpu: config.cpu,
      memory: config.memory,
      disk: config.disk,
      gpu: config.gpu,
      ...(overrides.probe ? { probe: overrides.probe } : {}),
    });
    const capacity = new CapacityTracker(total, config.queueFactor);
    // One registry for this agent, served at /metrics by the results server.
    const metrics = agentMetrics({
      engines: executors.map((e) => e.capabilities().engine),
      capacity,
      runningExecutions: () => manager?.activeRuns ?? 0,
    });
    // The agent's one HTTP listener: /metrics always, the local publisher's archives with it.
    const publishesLocally = config.publishers.includes('local');
    http = await startResultsServer({
      stateDir: dataDir,
      host: config.resultsHost,
      port: config.resultsPort,
      publicUrl: config.resultsPublicUrl,
      key: resultsKey,
      clock,
      metrics: { endpoint: metrics.endpoint, token: config.metricsToken },
      archives: publishesLocally,
    });
    const results = publishesLocally ? http : undefined;
    const publishers: Publisher[] = [noopPublisher];
    if (results) publishers.push(new LocalPublisher({ stateDir: dataDir, baseUrl: results.url }));
    if (config.publishers.includes('s3'))
      publishers.push(
        new S3Publisher({
          access: s3,
          stateDir: dataDir,
          nodeId,
          clock,
          uploadCutoff: config.s3UploadCutoff,
        }),
      );
    manager = new ExecutionManager({
      store,
      executors,
      publishers,
      capacity,
      metrics: metrics.runs,
      clock,
      logger: part('execution'),
      inputs: new InputStager({ stateDir: dataDir, registry: storage }),
    });
    const recovered = await manager.recover();
    safeLog(logger, 'info', { ...recovered, dataDir }, 'local state recovered');
    const transportLog = part('transport');
    const base = { servers: config.natsUrl, name: `shoal-agent-${nodeId}`, ...natsTlsOption(config) };
    const login = await natsLogin({
      stateDir: dataDir,
      nodeId,
      base,
      joinToken: config.joinToken,
      configured: natsLoginOption(config),
      logger: transportLog,
    });
    // Just joined: the server answered a moment ago, so an attempt left unanswered (nats-server
    // reloading its users for another node's join) is given up on sooner than the 5 s timeout.
    const retry = login.how === 'joined' ? JOINING_RETRY : undefined;
    const nc = await connectWhenReachable({ ...base, ...login.options }, transportLog, retry);
    const transport = startTransport({
      nc,
      store,
      node: { nodeId, labels: config.labels, manager, executors, version: agentVersion() },
      clock,
      newId: ids.requestId,
      logger: transportLog,
      controlTimeoutMs: config.controlTimeoutMs,
      handshakeRetryMaxMs: config.handshakeRetryMaxMs,
      resultsKey,
      metrics: metrics.streams,
    });
    const logs = startLogServer({
      nc,
      nodeId,
      stateDir: dataDir,
      store,
      clock,
      newId: ids.requestId,
      logger: part('logs'),
    });
    const janitor = new RetentionJanitor({
      store,
      stateDir: dataDir,
      retentionMs: config.retention,
      clock,
      logger: part('execution'),
    });
    janitor.start();
    const running = manager;
    const started = {
      nats: redact(config.natsUrl),
      natsLogin: login.how,
      engines: config.engines,
      results: results?.url,
      metrics: `${http.url}/metrics`,
      retentionMs: config.retention,
      // What tasks may mount from this machine, in the flag's own syntax (`none; see …` when nothing).
      localPaths: describeRules(config.allowLocalPaths),
    };
    safeLog(logger, 'info', started, 'agent started');

    let stopped: Promise<void> | undefined;
    return {
      nodeId,
      config,
      get accepted() {
        return transport.accepted;
      },
      resultsUrl: results?.url,
      metricsUrl: `${http.url}/metrics`,
      get activeLogStreams() {
        return logs.active;
      },
      stop: () => {
        stopped ??= (async () => {
          safeLog(logger, 'info', {}, 'agent stopping');
          await transport.quiesce();
          await janitor.stop();
          // Before the store closes: streams read it, and readers hear why their stream ended.
          await logs.stop('agent shutting down');
          // Containers keep running: the next start re-adopts them (a restart loses no work).
          await running.letGo(closeEngines);
          await http?.close();
          s3.close();
          await transport.close('agent shutting down', config.shutdownTimeoutMs);
          await store.close();
          safeLog(logger, 'info', {}, 'agent stopped');
        })();
        return stopped;
      },
    };
  } catch (error) {
    await manager?.shutdown();
    await closeEngines();
    await http?.close();
    s3.close();
    await store.close();
    throw error;
  }
}
