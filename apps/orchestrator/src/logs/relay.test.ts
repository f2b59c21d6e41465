import { ComputeStateType, createIdGenerator, systemClock } from '@shoal/models';
import {
  connectNats,
  encodeMessage,
  type LogFrame,
  type LogRequest,
  logStreamSubject,
  makeEnvelope,
  serveLogRequests,
} from '@shoal/protocol';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, makeJob } from '../store/testing/fixtures.js';
import { placeExecution, recordingLogger, useMemoryStore } from '../transport/testing/harness.js';
import { LogRelay } from './relay.js';
import type { LogSocket } from './session.js';
import { resolveLogTarget } from './target.js';

type Nats = Awaited<ReturnType<typeof connectNats>>;

/** A socket that records what the session does to it. */
function recordingSocket(bufferedAmount = 0) {
  const frames: LogFrame[] = [];
  const closed: { code: number; reason: string }[] = [];
  let terminated = false;
  const socket: LogSocket = {
    send: (text) => frames.push(JSON.parse(text) as LogFrame),
    close: (code, reason) => closed.push({ code, reason }),
    bufferedAmount,
    terminate: () => {
      terminated = true;
    },
  };
  return { socket, frames, closed, terminated: () => terminated };
}

const FAST = {
  openTimeoutMs: 300,
  keepaliveMs: 50,
  unresponsiveMs: 400,
  pollMs: 20,
  waitForExecutionMs: 2_000,
};

describeWithServices(['nats'], 'the orchestrator’s log relay over real NATS', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  const log = recordingLogger();
  let orchestratorNc: Nats;
  let agentNc: Nats;
  let relay: LogRelay;

  beforeAll(async () => {
    orchestratorNc = await connectNats({ servers: nats.url, name: 'orchestrator' });
    agentNc = await connectNats({ servers: nats.url, name: 'agent' });
    relay = new LogRelay({
      nc: orchestratorNc,
      store: db.store,
      clock: systemClock(),
      ids: createIdGenerator(),
      logger: log.logger,
      settings: FAST,
    });
  });
  afterAll(async () => {
    relay?.stop();
    await orchestratorNc?.close();
    await agentNc?.close();
  });

  /** A scripted agent: answers opens and acks, and publishes `chunks` for an accepted stream. */
  async function fakeAgent(
    nodeId: string,
    behaviour: {
      accept?: (request: Extract<LogRequest, { type: 'LogStreamOpen' }>) => boolean;
      chunks?: Array<{ Seq: number; Frames: LogFrame[]; Done: boolean }>;
      answerAcks?: () => boolean;
    },
  ) {
    const requests: LogRequest[] = [];
    const fields = () => ({
      id: `m-${requests.length}-${Math.random().toString(36).slice(2)}`,
      nodeId,
      time: 1n,
    });
    const sub = serveLogRequests(agentNc, nodeId, (request) => {
      requests.push(request);
      if (request.type === 'LogStreamOpen') {
        const accepted = behaviour.accept?.(request) ?? true;
        if (accepted) {
          setImmediate(() => {
            for (const chunk of behaviour.chunks ?? []) {
              const payload = { StreamID: request.payload.StreamID, ...chunk };
              agentNc.publish(
                logStreamSubject(nodeId, request.payload.StreamID),
                encodeMessage(makeEnvelope('LogChunk', payload, fields())),
              );
            }
          });
          return makeEnvelope('LogStreamOpenReply', { Accepted: true }, fields());
        }
        return makeEnvelope(
          'LogStreamOpenReply',
          { Accepted: false, Code: 'unknown_execution', Reason: 'no such execution here' },
          fields(),
        );
      }
      if (request.type === 'LogStreamAck') {
        if (behaviour.answerAcks && !behaviour.answerAcks()) return new Promise<undefined>(() => {});
        return makeEnvelope('LogStreamAckReply', { Active: true }, fields());
      }
      return undefined;
    });
    await agentNc.flush();
    return { requests, stop: () => sub.unsubscribe() };
  }

  const out = (text: string): LogFrame => ({ Type: 1, Line: text });
  const err = (text: string): LogFrame => ({ Type: 2, Line: text });

  it('relays frames in order, drops a duplicate and a chunk after a gap, and closes with 1000', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-1', {
      compute: ComputeStateType.Completed,
    });
    const agent = await fakeAgent('n-relay-1', {
      chunks: [
        { Seq: 1, Frames: [out('a\n'), err('b\n')], Done: false },
        { Seq: 1, Frames: [out('a\n'), err('b\n')], Done: false },
        { Seq: 3, Frames: [out('lost before me\n')], Done: true },
        { Seq: 2, Frames: [out('c\n')], Done: false },
        { Seq: 3, Frames: [out('d\n')], Done: true },
      ],
    });
    const s = recordingSocket();
    relay.attach(s.socket, { job, execution }, { follow: false, tail: 5 });
    await waitFor(() => s.closed.length > 0);
    expect(s.frames).toEqual([out('a\n'), err('b\n'), out('c\n'), out('d\n')]);
    expect(s.closed).toEqual([{ code: 1000, reason: '' }]);
    const open = agent.requests.find((r) => r.type === 'LogStreamOpen');
    expect(open?.payload).toMatchObject({ ExecutionID: execution.ID, Follow: false, Tail: 5, Window: 8 });
    await waitFor(() => relay.active === 0);
    agent.stop();
  });

  it('closes with 4503 when nothing answers for the node on NATS', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-gone');
    const s = recordingSocket();
    relay.attach(s.socket, { job, execution }, { follow: true, tail: null });
    await waitFor(() => s.closed.length > 0);
    expect(s.closed[0]?.code).toBe(4503);
    expect(s.closed[0]?.reason).toMatch(/node n-relay-gone is not connected/);
  });

  it('closes with 4504 when the node does not answer the open request', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-mute');
    const mute = agentNc.subscribe('shoal.compute.n-relay-mute.logs', { callback: () => {} });
    await agentNc.flush();
    const s = recordingSocket();
    relay.attach(s.socket, { job, execution }, { follow: false, tail: null });
    await waitFor(() => s.closed.length > 0);
    expect(s.closed[0]).toEqual({ code: 4504, reason: 'node n-relay-mute did not answer within 300 ms' });
    mute.unsubscribe();
  });

  it('closes with 4504 when the node stops answering keepalives mid-stream', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-hang');
    const agent = await fakeAgent('n-relay-hang', {
      chunks: [{ Seq: 1, Frames: [out('still here\n')], Done: false }],
      answerAcks: () => false,
    });
    const s = recordingSocket();
    relay.attach(s.socket, { job, execution }, { follow: true, tail: null });
    await waitFor(() => s.closed.length > 0, { timeoutMs: 5_000 });
    expect(s.frames).toEqual([out('still here\n')]);
    expect(s.closed[0]?.code).toBe(4504);
    expect(s.closed[0]?.reason).toMatch(/node n-relay-hang stopped answering/);
    agent.stop();
  });

  it('closes with 4404 when the node does not know the execution (not following)', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-amnesia');
    const agent = await fakeAgent('n-relay-amnesia', { accept: () => false });
    const s = recordingSocket();
    relay.attach(s.socket, { job, execution }, { follow: false, tail: null });
    await waitFor(() => s.closed.length > 0);
    expect(s.closed[0]?.code).toBe(4404);
    expect(s.closed[0]?.reason).toContain(`has no output of execution ${execution.ID}`);
    agent.stop();
  });

  it('tells the agent when the reader goes away, and gives no credit while the socket is backed up', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-bye');
    const agent = await fakeAgent('n-relay-bye', { chunks: [{ Seq: 1, Frames: [out('x\n')], Done: false }] });
    const s = recordingSocket(10 * 1024 * 1024);
    const attached = relay.attach(s.socket, { job, execution }, { follow: true, tail: null });
    await waitFor(() => agent.requests.some((r) => r.type === 'LogStreamAck'));
    const acks = agent.requests.flatMap((r) => (r.type === 'LogStreamAck' ? [r.payload] : []));
    expect(acks.every((a) => a.Until === a.Received)).toBe(true);
    attached.clientGone();
    await waitFor(() => agent.requests.some((r) => r.type === 'LogStreamCancel'));
    expect(relay.active).toBe(0);
    agent.stop();
  });

  it('with follow, waits for the job’s first execution', async () => {
    const job = makeJob();
    await db.store.jobs.insert(job);
    const target = await resolveLogTarget(db.store, job.ID, { follow: true });
    expect(target.execution).toBeUndefined();
    const agent = await fakeAgent('n-relay-late', {
      chunks: [{ Seq: 1, Frames: [out('late\n')], Done: true }],
    });
    const s = recordingSocket();
    relay.attach(s.socket, target, { follow: true, tail: null });
    await db.store.executions.insert(makeExecution(job, { NodeID: 'n-relay-late' }));
    await waitFor(() => s.closed.length > 0);
    expect(s.frames).toEqual([out('late\n')]);
    expect(s.closed[0]?.code).toBe(1000);
    agent.stop();
  });

  it('closes every stream with 1001 when it stops', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-relay-stop');
    const agent = await fakeAgent('n-relay-stop', { chunks: [] });
    const other = new LogRelay({
      nc: orchestratorNc,
      store: db.store,
      clock: systemClock(),
      ids: createIdGenerator(),
      logger: log.logger,
      settings: FAST,
    });
    const s = recordingSocket();
    other.attach(s.socket, { job, execution }, { follow: true, tail: null });
    await waitFor(() => agent.requests.some((r) => r.type === 'LogStreamAck'));
    other.stop();
    expect(s.closed[0]?.code).toBe(1001);
    await waitFor(() => agent.requests.some((r) => r.type === 'LogStreamCancel'));
    await waitFor(() => s.terminated(), { message: 'a client that does not answer the close is cut' });
    agent.stop();
  });
});

describe('which execution a logs request reads', () => {
  const db = useMemoryStore();

  it('takes the latest execution, a chosen one by prefix, and refuses one of another job', async () => {
    const { job, execution: first } = await placeExecution(db.store, 'n-t');
    const second = makeExecution(job, { NodeID: 'n-t', CreateTime: first.CreateTime + 10n });
    await db.store.executions.insert(second);
    expect((await resolveLogTarget(db.store, job.ID.slice(0, 12), { follow: false })).execution?.ID).toBe(
      second.ID,
    );
    const chosen = await resolveLogTarget(db.store, job.ID, { executionId: first.ID, follow: false });
    expect(chosen.execution?.ID).toBe(first.ID);
    const { execution: foreign } = await placeExecution(db.store, 'n-t');
    await expect(
      resolveLogTarget(db.store, job.ID, { executionId: foreign.ID, follow: false }),
    ).rejects.toMatchObject({
      status: 404,
      message: `execution_id: no execution of job ${job.ID} matches ${foreign.ID}`,
    });
  });

  it('answers 404 for a job without executions unless following', async () => {
    const job = makeJob();
    await db.store.jobs.insert(job);
    await expect(resolveLogTarget(db.store, job.ID, { follow: false })).rejects.toMatchObject({
      status: 404,
      message: `job ${job.ID} has no execution yet`,
    });
    await expect(resolveLogTarget(db.store, 'j-ffffffff-nope', { follow: true })).rejects.toMatchObject({
      status: 404,
    });
  });
});
