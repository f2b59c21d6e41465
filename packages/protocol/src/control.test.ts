import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { encodeJson } from '@shoal/models';
import { describeWithServices, useNatsServer } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats } from './connection.js';
import { decodeControlReply, requestControl, serveControl } from './control.js';
import { makeEnvelope, PROTOCOL_VERSION, versionMismatchReason } from './envelope.js';
import { UNKNOWN_NODE_REASON } from './messages/control.js';
import { ctrlSubject } from './subjects.js';
import { recordingLogger } from './test-support/memory.js';
import { NODE, nodeInfo, sample } from './test-support/samples.js';

describeWithServices(['nats'], 'control request/reply over real NATS', () => {
  const server = useNatsServer();
  const log = recordingLogger();
  const known = new Set<string>();
  let agent: NatsConnection;
  let orchestrator: NatsConnection;
  let subscription: Subscription;

  beforeAll(async () => {
    agent = await connectNats({ servers: server.url, name: 'test-agent' });
    orchestrator = await connectNats({ servers: server.url, name: 'test-orchestrator' });
    // A toy orchestrator: enough to show what the protocol decides and what the app decides.
    subscription = serveControl(
      orchestrator,
      async (request) => {
        const fields = { id: `r-${request.id}`, nodeId: request.nodeId, time: 1n };
        switch (request.type) {
          case 'Handshake': {
            const ok = request.payload.ProtocolVersion === PROTOCOL_VERSION;
            if (ok) known.add(request.nodeId);
            const reason = ok ? {} : { Reason: versionMismatchReason(request.payload.ProtocolVersion) };
            const payload = { Accepted: ok, ...reason, HeartbeatIntervalMs: 15_000, LastSeqReceived: 42n };
            return makeEnvelope('HandshakeReply', { ...payload, Membership: 'APPROVED' }, fields);
          }
          case 'Heartbeat':
            return makeEnvelope(
              'HeartbeatReply',
              known.has(request.nodeId)
                ? { Ok: true, LastSeqReceived: 42n }
                : { Ok: false, LastSeqReceived: 0n, Reason: UNKNOWN_NODE_REASON },
              fields,
            );
          case 'UpdateNodeInfo':
            throw new Error('store unavailable');
          case 'ShutdownNotice':
            return makeEnvelope('ShutdownNoticeReply', { Ok: true }, fields);
        }
      },
      { logger: log },
    );
    await orchestrator.flush();
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await agent?.close();
    await orchestrator?.close();
  });

  it('heartbeat before handshake is told to handshake; then handshake and heartbeat succeed', async () => {
    const early = await requestControl(agent, ctrlSubject(NODE), sample('Heartbeat'));
    expect(early.ok && early.envelope.payload).toEqual({
      Ok: false,
      LastSeqReceived: 0n,
      Reason: UNKNOWN_NODE_REASON,
    });

    const hello = await requestControl(agent, ctrlSubject(NODE), sample('Handshake'));
    if (!hello.ok) throw new Error(hello.error.message);
    expect(hello.envelope.type).toBe('HandshakeReply');
    expect(hello.envelope.payload).toMatchObject({
      Accepted: true,
      LastSeqReceived: 42n,
      Membership: 'APPROVED',
    });

    const beat = await requestControl(agent, ctrlSubject(NODE), sample('Heartbeat'));
    expect(beat.ok && beat.envelope.payload).toEqual({ Ok: true, LastSeqReceived: 42n });
  });

  it('version skew in the handshake payload is refused with a readable reason', async () => {
    const hs = sample('Handshake');
    const reply = await requestControl(agent, ctrlSubject(NODE), {
      ...hs,
      payload: { ...hs.payload, ProtocolVersion: 2 },
    });
    expect(reply.ok && reply.envelope.payload).toMatchObject({
      Accepted: false,
      Reason:
        'protocol version 2 is not supported: this side speaks version 1; run the same Shoal release on the orchestrator and its agents',
    });
  });

  it('an envelope of another version gets an Error reply the agent can read', async () => {
    const data = new TextEncoder().encode(encodeJson({ ...sample('Handshake'), v: 2 }));
    const msg = await agent.request(ctrlSubject(NODE), data, { timeout: 2_000 });
    const reply = decodeControlReply(msg.data, 'Handshake');
    expect(reply).toEqual({
      ok: false,
      error: { code: 'bad_version', message: expect.stringContaining('protocol version 2 is not supported') },
    });
  });

  it('a handshake for another node on this node’s subject is refused as wrong_node', async () => {
    const envelope = makeEnvelope(
      'Handshake',
      { ...sample('Handshake').payload, NodeInfo: nodeInfo('n-victim') },
      {
        id: 'x',
        nodeId: 'n-victim',
        time: 1n,
      },
    );
    const reply = await requestControl(agent, ctrlSubject(NODE), envelope);
    expect(reply).toMatchObject({ ok: false, error: { code: 'wrong_node' } });
    expect(known.has('n-victim')).toBe(false);
    expect(log.find('control request refused').at(-1)?.level).toBe('error');
  });

  it('a failing handler is answered, not left to time out', async () => {
    const reply = await requestControl(agent, ctrlSubject(NODE), sample('UpdateNodeInfo'));
    expect(reply).toEqual({
      ok: false,
      error: { code: 'apply_failed', message: 'UpdateNodeInfo failed: store unavailable' },
    });
  });

  it('garbage is answered with an error and the subscription lives on', async () => {
    const msg = await agent.request(ctrlSubject(NODE), new TextEncoder().encode('}{'), { timeout: 2_000 });
    expect(decodeControlReply(msg.data, 'Heartbeat')).toMatchObject({
      ok: false,
      error: { code: 'bad_json' },
    });
    const after = await requestControl(agent, ctrlSubject(NODE), sample('ShutdownNotice'));
    expect(after.ok && after.envelope.payload).toEqual({ Ok: true });
  });
});

describeWithServices(['nats'], 'control requests under overload', () => {
  const server = useNatsServer();
  const log = recordingLogger();

  it('handles a few at a time and drops those that waited past their requester’s timeout', async () => {
    const agent = await connectNats({ servers: server.url, name: 'test-agent' });
    const orchestrator = await connectNats({ servers: server.url, name: 'test-orchestrator' });
    let handled = 0;
    const subscription = serveControl(
      orchestrator,
      async (request) => {
        handled++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return makeEnvelope(
          'ShutdownNoticeReply',
          { Ok: true },
          { id: `r-${request.id}`, nodeId: request.nodeId, time: 1n },
        );
      },
      { logger: log, concurrency: { limit: 1, staleAfterMs: 100 } },
    );
    await orchestrator.flush();
    try {
      const ask = (i: number) =>
        requestControl(
          agent,
          ctrlSubject(NODE),
          makeEnvelope(
            'ShutdownNotice',
            { Reason: 'bye' },
            { id: `m-${i}`, nodeId: NODE, time: 1n, seq: 0n },
          ),
          { timeoutMs: 1_000 },
        ).then(
          (result) => (result.ok ? 'answered' : 'refused'),
          () => 'timed out',
        );
      const outcomes = await Promise.all([0, 1, 2].map(ask));
      // The first is answered after 300 ms; the others waited that long, past 100 ms: dropped.
      expect(outcomes).toEqual(['answered', 'timed out', 'timed out']);
      expect(handled).toBe(1);
      expect(log.find('control requests dropped: they waited past their timeout')).toHaveLength(1);
    } finally {
      subscription.unsubscribe();
      await agent.close();
      await orchestrator.close();
    }
  });
});
