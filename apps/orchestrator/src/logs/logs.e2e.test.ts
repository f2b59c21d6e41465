import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Execution, NodeState } from '@shoal/models';
import {
  createTestDatabase,
  describeWithServices,
  killOnExit,
  makeTempDir,
  startNatsServer,
  stopProcess,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningOrchestrator, startOrchestrator } from '../main.js';

/**
 * Logs end to end: nats-server, Postgres, the orchestrator (in process, with its real HTTP server
 * and WebSocket upgrade) and a real agent process (`shoal serve --compute`, noop engine). For a
 * running execution the test writes the output files itself, as the docker engine would.
 */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));
const NODE = 'n-logs-e2e';

interface Frame {
  Type: number;
  Line: string;
}

interface Reading {
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  socket: WebSocket;
}

describeWithServices(['postgres', 'nats'], 'job logs over a WebSocket, relayed from an agent process', () => {
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let dirs: TempDir[] = [];
  let agentDir: TempDir;
  let agent: ChildProcess;
  let agentOutput = '';
  let orchestrator: RunningOrchestrator;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'shoal_logs' });
    nats = await startNatsServer();
    const orchestratorDir = await makeTempDir('shoal-logs-o-');
    agentDir = await makeTempDir('shoal-logs-a-');
    dirs = [orchestratorDir, agentDir];
    orchestrator = await startOrchestrator(
      { apiHost: '127.0.0.1', apiPort: 0, dataDir: orchestratorDir.path, db: db.url, natsUrl: nats.url },
      { logger: pino({ level: 'silent' }) },
    );
    const args = ['serve', '--compute', '--nats-url', nats.url, '--name', NODE, '--data-dir', agentDir.path];
    agent = killOnExit(spawn(shoal, [...args, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const collect = (d: Buffer) => {
      agentOutput += d.toString();
    };
    agent.stdout?.on('data', collect);
    agent.stderr?.on('data', collect);
    await waitFor(
      async () => {
        const res = await fetch(`${orchestrator.url}/api/v1/orchestrator/nodes`);
        const { Nodes } = (await res.json()) as { Nodes: NodeState[] };
        return Nodes.some((n) => n.Info.NodeID === NODE && n.Connection === 'CONNECTED');
      },
      { timeoutMs: 60_000, message: () => `the agent to connect; its output:\n${agentOutput}` },
    );
  }, 120_000);

  afterAll(async () => {
    if (agent) await stopProcess(agent);
    await orchestrator?.stop();
    await nats?.stop();
    await db?.drop();
    for (const dir of dirs) await dir.cleanup();
  });

  const api = (path: string) => `${orchestrator.url}/api/v1/orchestrator${path}`;

  async function submit(params: Record<string, unknown>): Promise<string> {
    const res = await fetch(api('/jobs'), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: params } }] },
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { JobID: string }).JobID;
  }

  /** The job's execution once it has reached `state` (5 running, 7 completed). */
  async function executionIn(jobId: string, state: number): Promise<Execution> {
    return waitFor(
      async () => {
        const res = await fetch(api(`/jobs/${jobId}/executions`));
        const { Executions } = (await res.json()) as { Executions: Execution[] };
        return Executions.find((e) => e.ComputeState.StateType === state);
      },
      { timeoutMs: 30_000, message: `an execution of ${jobId} in state ${state}` },
    );
  }

  function read(jobId: string, query = ''): Reading {
    const socket = new WebSocket(`${api(`/jobs/${jobId}/logs`).replace('http:', 'ws:')}${query}`);
    const frames: Frame[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on('error', reject);
    });
    return { frames, closed, socket };
  }

  /** The agent's log lines (pino JSON) with this message. */
  const agentLines = (msg: string) =>
    agentOutput
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes(`"msg":"${msg}"`))
      .map((l) => JSON.parse(l) as { executionId?: string; reason?: string; active?: number });

  async function writeOutput(executionId: string, stream: 'stdout' | 'stderr', text: string) {
    const dir = join(agentDir.path, 'agent', 'executions', executionId);
    await mkdir(dir, { recursive: true });
    await appendFile(join(dir, stream), text);
  }

  it('streams a finished execution’s stdout and stderr, by short job id, with tail', async () => {
    const jobId = await submit({ Stdout: 'hello\nworld\n', Stderr: 'oops\n' });
    await executionIn(jobId, 7);
    const all = read(jobId.slice(0, 10));
    expect(await all.closed).toEqual({ code: 1000, reason: '' });
    expect(all.frames).toEqual([
      { Type: 1, Line: 'hello\n' },
      { Type: 1, Line: 'world\n' },
      { Type: 2, Line: 'oops\n' },
    ]);
    const tail = read(jobId, '?tail=1');
    expect(await tail.closed).toMatchObject({ code: 1000 });
    expect(tail.frames).toEqual([
      { Type: 1, Line: 'world\n' },
      { Type: 2, Line: 'oops\n' },
    ]);
  });

  it('answers an unknown job with the usual 404 JSON, without upgrading', async () => {
    const socket = new WebSocket(api('/jobs/j-ffffffff-0000/logs').replace('http:', 'ws:'));
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      socket.on('open', () => reject(new Error('upgraded for an unknown job')));
      socket.on('error', () => undefined);
    });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ Status: 404, Code: 'NotFound', Component: 'JobStore' });
    const plain = await fetch(api('/jobs/j-ffffffff-0000/logs'));
    expect(plain.status).toBe(404);
  });

  it('follows a running execution while its output grows, and ends when it completes', async () => {
    const jobId = await submit({ Delay: '6s' });
    const execution = await executionIn(jobId, 5);
    await writeOutput(execution.ID, 'stdout', 'line 1\n');
    const reading = read(jobId, '?follow=true');
    await waitFor(() => reading.frames.length === 1, { message: 'the first line' });
    await writeOutput(execution.ID, 'stdout', 'line 2\n');
    await writeOutput(execution.ID, 'stderr', 'warn\n');
    await waitFor(() => reading.frames.length === 3, { message: 'the lines written while following' });
    expect(await reading.closed).toEqual({ code: 1000, reason: '' });
    expect(reading.frames[0]).toEqual({ Type: 1, Line: 'line 1\n' });
    expect(reading.frames.slice(1)).toEqual(
      expect.arrayContaining([
        { Type: 1, Line: 'line 2\n' },
        { Type: 2, Line: 'warn\n' },
      ]),
    );
    // The stream ended because the execution did.
    const res = await fetch(api(`/jobs/${jobId}/executions`));
    const { Executions } = (await res.json()) as { Executions: Execution[] };
    expect(Executions[0]?.ComputeState.StateType).toBe(7);
  }, 30_000);

  it('stops the agent’s streamer when the client goes away mid-stream', async () => {
    const jobId = await submit({ Delay: '60s' });
    const execution = await executionIn(jobId, 5);
    await writeOutput(execution.ID, 'stdout', 'tick\n');
    const reading = read(jobId, `?follow=true&execution_id=${execution.ID}`);
    await waitFor(() => reading.frames.length === 1);
    expect(agentLines('log stream opened').some((l) => l.executionId === execution.ID)).toBe(true);
    reading.socket.close();
    await waitFor(
      () =>
        agentLines('log stream closed').some(
          (l) => l.executionId === execution.ID && l.reason === 'cancelled' && l.active === 0,
        ),
      { message: () => `the agent to close the stream with no stream left; its output:\n${agentOutput}` },
    );
    await fetch(api(`/jobs/${jobId}`), { method: 'DELETE' });
  });

  // Last: it stops the orchestrator.
  it('closes open streams with 1001 when the orchestrator stops, without holding the stop up', async () => {
    const jobId = await submit({ Delay: '60s' });
    const execution = await executionIn(jobId, 5);
    await writeOutput(execution.ID, 'stderr', 'working\n');
    const reading = read(jobId, '?follow=true');
    await waitFor(() => reading.frames.length === 1);
    const started = performance.now();
    await orchestrator.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await reading.closed).toEqual({ code: 1001, reason: 'the orchestrator is shutting down' });
    const closed = () => agentLines('log stream closed').filter((l) => l.executionId === execution.ID);
    await waitFor(() => closed().some((l) => l.reason === 'cancelled'), {
      message: () => `the agent to end the stream; its output:\n${agentOutput}`,
    });
  });
});
