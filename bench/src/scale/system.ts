import { type RunningOrchestrator, startOrchestrator } from '@shoal/orchestrator';
import {
  createTestDatabase,
  makeTempDir,
  type NatsServer,
  startNatsServer,
  type TempDir,
  type TestDatabase,
} from '@shoal/testkit';
import { OrchestratorLog } from './orchestrator-log.js';
import { SimRemote } from './sim-remote.js';

/**
 * What bench:scale runs on: a fresh database on DATABASE_URL's server, an open nats-server (no
 * authentication) started here, the orchestrator in this process, and the node simulator in a
 * child process.
 *
 * Why an external, open nats-server: the one the orchestrator supervises makes each node join
 * with the join token and then reloads its user list for every join, so 10,000 nodes would
 * measure 10,000 server reloads (and need 10,000 nkeys) rather than the orchestrator. With
 * `natsUrl` the orchestrator leaves NATS security to whoever runs the server, as in production
 * with an operator-managed NATS.
 */

export interface ScaleSystem {
  /** The orchestrator's API base URL. */
  api: string;
  nats: NatsServer;
  orchestrator: RunningOrchestrator;
  sim: SimRemote;
  /** The orchestrator's log lines, counted. */
  log: OrchestratorLog;
  /** Postgres server processes of this run's database, for CPU accounting. */
  database: string;
  stop(): Promise<void>;
}

export interface ScaleSystemOptions {
  /** The orchestrator's nodeDisconnectTimeout; nodes heartbeat every quarter of it. */
  disconnectTimeoutMs: number;
  logLevel: string;
}

export async function startScaleSystem(options: ScaleSystemOptions): Promise<ScaleSystem> {
  let db: TestDatabase | undefined;
  let nats: NatsServer | undefined;
  let dir: TempDir | undefined;
  let orchestrator: RunningOrchestrator | undefined;
  let sim: SimRemote | undefined;
  const log = new OrchestratorLog(options.logLevel);
  const stop = async () => {
    await sim?.close();
    await orchestrator?.stop();
    await nats?.stop();
    await db?.drop();
    await dir?.cleanup();
  };
  try {
    db = await createTestDatabase({ prefix: 'shoal_bench_scale' });
    nats = await startNatsServer();
    dir = await makeTempDir('shoal-bench-scale-');
    const config = {
      apiHost: '127.0.0.1',
      apiPort: 0,
      dataDir: dir.path,
      db: db.url,
      natsUrl: nats.url,
      nodeDisconnectTimeout: options.disconnectTimeoutMs,
    };
    orchestrator = await startOrchestrator(config, { logger: log.logger });
    sim = SimRemote.spawn();
    const database = new URL(db.url).pathname.slice(1);
    return { api: orchestrator.url, nats, orchestrator, sim, log, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
