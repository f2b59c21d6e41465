import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { encodeJson } from '@shoal/models';
import { describeWithServices, useNatsServer } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connection.js';
import { makeEnvelope } from './envelope.js';
import { describeRequestFailure, type LogRequest, requestLogs, serveLogRequests } from './logs.js';
import { LogChunkSchema, LogStreamAckSchema, LogStreamOpenSchema } from './messages/logs.js';
import { decodeReply } from './replies.js';
import { logStreamSubject, logsSubject } from './subjects.js';
import { recordingLogger } from './test-support/memory.js';
import { EXEC, NODE, SAMPLE_PAYLOADS, sample } from './test-support/samples.js';

const OPEN = SAMPLE_PAYLOADS.LogStreamOpen;

describe('log message schemas', () => {
  it('names every problem of a bad open request at once', () => {
    const parsed = LogStreamOpenSchema.safeParse({
      ...OPEN,
      StreamID: 'a.b',
      Tail: -1,
      Window: 0,
      MaxChunkBytes: 10 * 1024 * 1024,
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['MaxChunkBytes', 'StreamID', 'Tail', 'Window']);
  });

  it('accepts a null Tail (everything) and refuses an absurd one', () => {
    expect(LogStreamOpenSchema.safeParse({ ...OPEN, Tail: null }).success).toBe(true);
    expect(LogStreamOpenSchema.safeParse({ ...OPEN, Tail: 10_000_000 }).success).toBe(false);
  });

  it('knows only stdout (1) and stderr (2) frames, and chunks count from 1', () => {
    const chunk = SAMPLE_PAYLOADS.LogChunk;
    expect(LogChunkSchema.safeParse(chunk).success).toBe(true);
    expect(LogChunkSchema.safeParse({ ...chunk, Frames: [{ Type: 3, Line: 'x' }] }).success).toBe(false);
    expect(LogChunkSchema.safeParse({ ...chunk, Seq: 0 }).success).toBe(false);
    expect(LogStreamAckSchema.safeParse({ StreamID: 's', Received: 1.5, Until: 2 }).success).toBe(false);
  });

  it('builds per-node subjects and refuses ids that would reach other subjects', () => {
    expect(logsSubject('n-1')).toBe('shoal.compute.n-1.logs');
    expect(logStreamSubject('n-1', 'ls-9')).toBe('shoal.compute.n-1.logs.ls-9');
    expect(() => logStreamSubject('n-1', '*')).toThrow(/invalid log stream id/);
    expect(() => logsSubject('a.b')).toThrow(/invalid node id/);
  });
});

describeWithServices(['nats'], 'log requests over real NATS', () => {
  const server = useNatsServer();
  const log = recordingLogger();
  const seen: LogRequest[] = [];
  let agent: NatsConnection;
  let orchestrator: NatsConnection;
  let subscription: Subscription;

  beforeAll(async () => {
    agent = await connectNats({ servers: server.url, name: 'test-agent' });
    orchestrator = await connectNats({ servers: server.url, name: 'test-orchestrator' });
    subscription = serveLogRequests(
      agent,
      NODE,
      (request) => {
        seen.push(request);
        const fields = { id: `r-${request.id}`, nodeId: NODE, time: 1n };
        if (request.type === 'LogStreamOpen') {
          if (request.payload.ExecutionID === 'boom') throw new Error('disk on fire');
          return makeEnvelope('LogStreamOpenReply', { Accepted: true }, fields);
        }
        if (request.type === 'LogStreamAck')
          return makeEnvelope('LogStreamAckReply', { Active: false }, fields);
        return undefined;
      },
      { logger: log },
    );
    await agent.flush();
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await agent?.close();
    await orchestrator?.close();
  });

  it('answers an open request with the agent’s decision', async () => {
    const result = await requestLogs(orchestrator, sample('LogStreamOpen'), { timeoutMs: 2_000 });
    expect(result).toMatchObject({
      ok: true,
      envelope: { type: 'LogStreamOpenReply', payload: { Accepted: true } },
    });
    const ack = await requestLogs(orchestrator, sample('LogStreamAck'), { timeoutMs: 2_000 });
    expect(ack.ok && ack.envelope.payload).toEqual({ Active: false });
  });

  it('answers malformed requests with an error reply, and keeps serving', async () => {
    const cases: Array<[unknown, string]> = [
      ['not json at all', 'bad_json'],
      [{ ...sample('LogStreamOpen'), payload: { ...OPEN, Window: 0, ExecutionID: '../x' } }, 'bad_payload'],
      [{ ...sample('LogStreamOpen'), v: 2 }, 'bad_version'],
      [sample('LogStreamOpen', 0n, 'n-someone-else'), 'wrong_node'],
      [sample('BidAccepted', 1n), 'unknown_type'],
    ];
    for (const [body, code] of cases) {
      const data = new TextEncoder().encode(typeof body === 'string' ? body : encodeJson(body));
      const reply = decodeReply(
        (await orchestrator.request(logsSubject(NODE), data, { timeout: 2_000 })).data,
      );
      expect(reply.ok && 'Error' in reply.reply && reply.reply.Error.Code, JSON.stringify(reply)).toBe(code);
    }
    const bad = decodeReply(
      (
        await orchestrator.request(
          logsSubject(NODE),
          new TextEncoder().encode(
            encodeJson({ ...sample('LogStreamOpen'), payload: { ...OPEN, Window: 0 } }),
          ),
          { timeout: 2_000 },
        )
      ).data,
    );
    expect(bad.ok && 'Error' in bad.reply && bad.reply.Error.Message).toMatch(/Window/);
    expect(seen.every((r) => r.nodeId === NODE)).toBe(true);
    // Still alive after all that.
    const result = await requestLogs(orchestrator, sample('LogStreamOpen'), { timeoutMs: 2_000 });
    expect(result.ok).toBe(true);
  });

  it('turns a handler that throws into apply_failed', async () => {
    const envelope = makeEnvelope(
      'LogStreamOpen',
      { ...OPEN, ExecutionID: 'boom' },
      { id: 'm-boom', nodeId: NODE, time: 1n },
    );
    const result = await requestLogs(orchestrator, envelope, { timeoutMs: 2_000 });
    expect(result).toEqual({
      ok: false,
      error: { code: 'apply_failed', message: 'LogStreamOpen failed: disk on fire' },
    });
  });

  it('delivers a cancel, which gets no reply', async () => {
    const before = seen.length;
    orchestrator.publish(logsSubject(NODE), new TextEncoder().encode(encodeJson(sample('LogStreamCancel'))));
    await orchestrator.flush();
    await expect.poll(() => seen.length).toBe(before + 1);
    expect(seen.at(-1)?.type).toBe('LogStreamCancel');
  });

  it('tells no responders from a timeout', async () => {
    const nobody = makeEnvelope(
      'LogStreamOpen',
      { ...OPEN, ExecutionID: EXEC },
      {
        id: 'm-1',
        nodeId: 'n-nobody-home',
        time: 1n,
      },
    );
    const failure = await requestLogs(orchestrator, nobody, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(describeRequestFailure(failure).kind).toBe('no_responders');

    const silent = agent.subscribe(logsSubject('n-silent'), { callback: () => {} });
    await agent.flush();
    const quiet = { ...nobody, nodeId: 'n-silent' };
    const timeout = await requestLogs(orchestrator, quiet, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(describeRequestFailure(timeout).kind).toBe('timeout');
    silent.unsubscribe();
  });
});
