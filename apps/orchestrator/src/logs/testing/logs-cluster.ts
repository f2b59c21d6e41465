import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Execution, NodeState } from '@shoal/models';
import {
  createTestDatabase,
  killOnExit,
  makeTempDir,
  startNatsServer,
  stopProcess,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import { pino } from 'pino';
import WebSocket from 'ws';
import { type RunningOrchestrator, startOrchestrator } from '../../main.js';

/**
 * For the logs end-to-end tests: nats-server, Postgres, the orchestrator in this process (its
 * real HTTP server and WebSocket upgrade) and one real agent process (`shoal serve --compute`),
 * plus a WebSocket reader and a way to write an execution's output files as an engine would.
 */

const shoal = fileURLToPath(new URL('../../../../../shoal', import.meta.url));

export interface Frame {
  Type: number;
  Line: string;
}

export interface Reading {
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  socket: WebSocket;
}

export interface AgentLogLine {
  executionId?: string;
  reason?: string;
  active?: number;
}

export async function startLogsCluster(options: { nodeId: string; engines: string }) {
  const db: TestDatabase = await createTestDatabase({ prefix: 'shoal_logs' });
  const nats = await startNatsServer();
  const dirs: TempDir[] = [await makeTempDir('shoal-logs-o-'), await makeTempDir('shoal-logs-a-')];
  const [orchestratorDir, agentDir] = dirs as [TempDir, TempDir];
  const orchestrator: RunningOrchestrator = await startOrchestrator(
    { apiHost: '127.0.0.1', apiPort: 0, dataDir: orchestratorDir.path, db: db.url, natsUrl: nats.url },
    { logger: pino({ level: 'silent' }) },
  );
  const args = ['serve', '--compute', '--nats-url', nats.url, '--name', options.nodeId];
  const agent: ChildProcess = killOnExit(
    spawn(
      shoal,
      [...args, '--data-dir', agentDir.path, '--engines', options.engines, '--log-level', 'info'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let agentOutput = '';
  const collect = (d: Buffer) => {
    agentOutput += d.toString();
  };
  agent.stdout?.on('data', collect);
  agent.stderr?.on('data', collect);
  const api = (path: string) => `${orchestrator.url}/api/v1/orchestrator${path}`;
  const stop = async () => {
    await stopProcess(agent);
    await orchestrator.stop();
    await nats.stop();
    await db.drop();
    for (const dir of dirs) await dir.cleanup();
  };
  try {
    await waitFor(
      async () => {
        const { Nodes } = (await (await fetch(api('/nodes'))).json()) as { Nodes: NodeState[] };
        return Nodes.some((n) => n.Info.NodeID === options.nodeId && n.Connection === 'CONNECTED');
      },
      { timeoutMs: 60_000, message: () => `the agent to connect; its output:\n${agentOutput}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    orchestrator,
    api,
    agentOutput: () => agentOutput,

    /** The agent's log lines (pino JSON) with this message. */
    agentLines: (msg: string): AgentLogLine[] =>
      agentOutput
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(`"msg":"${msg}"`))
        .map((l) => JSON.parse(l) as AgentLogLine),

    async submit(engine: { Type: string; Params: Record<string, unknown> }): Promise<string> {
      const res = await fetch(api('/jobs'), {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: engine }] } }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`submit: ${res.status} ${text}`);
      return (JSON.parse(text) as { JobID: string }).JobID;
    },

    /** The job's execution once it has reached `state` (5 running, 7 completed). */
    executionIn(jobId: string, state: number): Promise<Execution> {
      return waitFor(
        async () => {
          const { Executions } = (await (await fetch(api(`/jobs/${jobId}/executions`))).json()) as {
            Executions: Execution[];
          };
          return Executions.find((e) => e.ComputeState.StateType === state);
        },
        { timeoutMs: 30_000, message: `an execution of ${jobId} in state ${state}` },
      );
    },

    read(jobId: string, query = ''): Reading {
      const socket = new WebSocket(`${api(`/jobs/${jobId}/logs`).replace('http:', 'ws:')}${query}`);
      const frames: Frame[] = [];
      socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
      const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        socket.on('error', reject);
      });
      return { frames, closed, socket };
    },

    /** Appends to an execution's output file, as the docker engine does while it runs. */
    async writeOutput(executionId: string, stream: 'stdout' | 'stderr', text: string) {
      const dir = join(agentDir.path, 'agent', 'executions', executionId);
      await mkdir(dir, { recursive: true });
      await appendFile(join(dir, stream), text);
    },

    stop,
  };
}

export type LogsCluster = Awaited<ReturnType<typeof startLogsCluster>>;
