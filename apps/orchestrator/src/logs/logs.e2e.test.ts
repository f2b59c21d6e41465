import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LogsCluster, startLogsCluster } from './testing/logs-cluster.js';

/**
 * Logs end to end: nats-server, Postgres, the orchestrator (in process, with its real HTTP server
 * and WebSocket upgrade) and a real agent process (`shoal serve --compute`, noop engine). For a
 * running execution the test writes the output files itself, as the docker engine would.
 */

const NODE = 'n-logs-e2e';
const noop = (Params: Record<string, unknown>) => ({ Type: 'noop', Params });

describeWithServices(['postgres', 'nats'], 'job logs over a WebSocket, relayed from an agent process', () => {
  let c: LogsCluster;

  beforeAll(async () => {
    c = await startLogsCluster({ nodeId: NODE, engines: 'noop' });
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('streams a finished execution’s stdout and stderr, by short job id, with tail', async () => {
    const jobId = await c.submit(noop({ Stdout: 'hello\nworld\n', Stderr: 'oops\n' }));
    await c.executionIn(jobId, 7);
    const all = c.read(jobId.slice(0, 10));
    expect(await all.closed).toEqual({ code: 1000, reason: '' });
    expect(all.frames).toEqual([
      { Type: 1, Line: 'hello\n' },
      { Type: 1, Line: 'world\n' },
      { Type: 2, Line: 'oops\n' },
    ]);
    const tail = c.read(jobId, '?tail=1');
    expect(await tail.closed).toMatchObject({ code: 1000 });
    expect(tail.frames).toEqual([
      { Type: 1, Line: 'world\n' },
      { Type: 2, Line: 'oops\n' },
    ]);
  });

  it('answers an unknown job with the usual 404 JSON, without upgrading', async () => {
    const socket = new WebSocket(c.api('/jobs/j-ffffffff-0000/logs').replace('http:', 'ws:'));
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
    const plain = await fetch(c.api('/jobs/j-ffffffff-0000/logs'));
    expect(plain.status).toBe(404);
  });

  it('follows a running execution while its output grows, and ends when it completes', async () => {
    const jobId = await c.submit(noop({ Delay: '6s' }));
    const execution = await c.executionIn(jobId, 5);
    await c.writeOutput(execution.ID, 'stdout', 'line 1\n');
    const reading = c.read(jobId, '?follow=true');
    await waitFor(() => reading.frames.length === 1, { message: 'the first line' });
    await c.writeOutput(execution.ID, 'stdout', 'line 2\n');
    await c.writeOutput(execution.ID, 'stderr', 'warn\n');
    await waitFor(() => reading.frames.length === 3, { message: 'the lines written while following' });
    expect(await reading.closed).toEqual({ code: 1000, reason: '' });
    expect(reading.frames[0]).toEqual({ Type: 1, Line: 'line 1\n' });
    expect(reading.frames.slice(1)).toEqual(
      expect.arrayContaining([
        { Type: 1, Line: 'line 2\n' },
        { Type: 2, Line: 'warn\n' },
      ]),
    );
    // The stream ended because the execution did (the orchestrator hears of it a moment later).
    await c.executionIn(jobId, 7);
  }, 30_000);

  it('stops the agent’s streamer when the client goes away mid-stream', async () => {
    const jobId = await c.submit(noop({ Delay: '60s' }));
    const execution = await c.executionIn(jobId, 5);
    await c.writeOutput(execution.ID, 'stdout', 'tick\n');
    const reading = c.read(jobId, `?follow=true&execution_id=${execution.ID}`);
    await waitFor(() => reading.frames.length === 1);
    expect(c.agentLines('log stream opened').some((l) => l.executionId === execution.ID)).toBe(true);
    reading.socket.close();
    await waitFor(
      () =>
        c
          .agentLines('log stream closed')
          .some((l) => l.executionId === execution.ID && l.reason === 'cancelled' && l.active === 0),
      { message: () => `the agent to close the stream with no stream left; its output:\n${c.agentOutput()}` },
    );
    await fetch(c.api(`/jobs/${jobId}`), { method: 'DELETE' });
  });

  // Last: it stops the orchestrator.
  it('closes open streams with 1001 when the orchestrator stops, without holding the stop up', async () => {
    const jobId = await c.submit(noop({ Delay: '60s' }));
    const execution = await c.executionIn(jobId, 5);
    await c.writeOutput(execution.ID, 'stderr', 'working\n');
    const reading = c.read(jobId, '?follow=true');
    await waitFor(() => reading.frames.length === 1);
    const started = performance.now();
    await c.orchestrator.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await reading.closed).toEqual({ code: 1001, reason: 'the orchestrator is shutting down' });
    const closed = () => c.agentLines('log stream closed').filter((l) => l.executionId === execution.ID);
    await waitFor(() => closed().some((l) => l.reason === 'cancelled'), {
      message: () => `the agent to end the stream; its output:\n${c.agentOutput()}`,
    });
  });
});
