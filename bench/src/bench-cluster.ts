import { type RunningAgent, startAgent } from '@shoal/agent';
import type { Capacity } from '@shoal/models';
import { createTestDatabase, makeTempDir, startNatsServer, waitFor } from '@shoal/testkit';
import { type CpuPart, systemParts } from './cpu.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

/** A node as the benchmarks read it from the nodes API. */
export interface NodeRow {
  Info: { NodeID: string; ComputeNodeInfo?: { MaxCapacity: Capacity; QueueCapacity?: Capacity } };
  Connection: string;
}

export interface BenchCluster {
  /** The orchestrator's base URL. */
  api: string;
  /** Its Postgres database, for benchmarks that write or count rows directly. */
  dbUrl: string;
  /** Its nodes, once every agent is connected. */
  nodes: NodeRow[];
  /** The processes whose CPU the benchmark accounts for. */
  cpuParts(): CpuPart[];
  stop(): Promise<void>;
}

/**
 * What the placement benchmarks run on: a fresh database, a nats-server, one orchestrator process
 * and `agents` agents in this process (each with its own NATS connection and SQLite store), ready
 * once every agent is connected.
 *
 * `capacity: 'roomy'` (the default) gives each agent 1,000 CPUs so capacity never limits a
 * placement benchmark; `'host'` leaves the agent's own default (a share of this machine), where
 * jobs wait for one another as they would on a real cluster.
 */
export async function startBenchCluster(options: {
  name: string;
  agents: number;
  capacity?: 'roomy' | 'host';
  orchestratorArgs?: readonly string[];
}): Promise<BenchCluster> {
  const room = options.capacity === 'host' ? {} : { cpu: '1000', memory: '1000Gi', disk: '1000Gi' };
  const db = await createTestDatabase({ prefix: `shoal_bench_${options.name}` });
  const nats = await startNatsServer();
  const dir = await makeTempDir(`shoal-bench-${options.name}-`);
  const agents: RunningAgent[] = [];
  let orchestrator: Awaited<ReturnType<typeof startOrchestratorProcess>> | undefined;
  const stop = async () => {
    for (const agent of agents) await agent.stop();
    await orchestrator?.stop();
    await nats.stop();
    await db.drop();
    await dir.cleanup();
  };
  try {
    orchestrator = await startOrchestratorProcess({
      dbUrl: db.url,
      dataDir: `${dir.path}/o`,
      natsUrl: nats.url,
      ...(options.orchestratorArgs ? { args: options.orchestratorArgs } : {}),
    });
    const api = orchestrator.url;
    for (let i = 0; i < options.agents; i++) {
      const where = { natsUrl: nats.url, name: `${options.name}-${i}`, dataDir: `${dir.path}/a${i}` };
      agents.push(await startAgent({ ...where, ...room, logLevel: 'warn' }));
    }
    const nodes = await waitFor(
      async () => {
        const res = await fetch(`${api}/api/v1/orchestrator/nodes?limit=1000`);
        const all = ((await res.json()) as { Nodes: NodeRow[] }).Nodes;
        const connected = all.filter((n) => n.Connection === 'CONNECTED');
        return connected.length === options.agents ? connected : undefined;
      },
      { timeoutMs: 60_000, message: 'agents did not connect' },
    );
    const pid = orchestrator.pid;
    const database = new URL(db.url).pathname.slice(1);
    return { api, dbUrl: db.url, nodes, cpuParts: () => systemParts(pid, database, nats.port), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves once the orchestrator at `api` lists a CONNECTED node: a benchmark's one agent is ready. */
export async function waitForConnectedNode(api: string, message: string): Promise<void> {
  await waitFor(
    async () => {
      const nodes = (await (await fetch(`${api}/api/v1/orchestrator/nodes`)).json()) as {
        Nodes: Array<{ Connection: string }>;
      };
      return nodes.Nodes.some((n) => n.Connection === 'CONNECTED');
    },
    { timeoutMs: 60_000, message },
  );
}
