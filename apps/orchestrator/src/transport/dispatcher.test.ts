import { createIdGenerator } from '@shoal/models';
import { connectNats, FRAME_MAX_MESSAGES, inSubject, type Payload } from '@shoal/protocol';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../store/index.js';
import { FakeAgent } from './testing/fake-agent.js';
import { FAST_SENDER, type SideHarness, startSide, useMemoryStore } from './testing/harness.js';

const ids = createIdGenerator();
const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const cancel = (n: number): Payload<'CancelExecution'> => ({ ExecutionID: `e-${n}`, Reason: `reason ${n}` });

/** Enqueues `count` cancels for a node in one transaction, as a plan applier would. */
async function enqueue(store: Store, nodeId: string, from: number, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = from; i < from + count; i++)
      await tx.outbox.enqueue(nodeId, 'CancelExecution', cancel(i), nowNs());
  });
}

const reasons = (agent: FakeAgent) =>
  agent.received.map((m) => (m.type === 'CancelExecution' ? m.payload.Reason : m.type));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `reason ${from + i}`);

describeWithServices(['nats'], 'dispatcher: outboxes to agents', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const side = async (): Promise<SideHarness> => {
    const started = await startSide({ url: nats.url, store: db.store });
    cleanup.push(() => started.stop());
    return started;
  };
  const agent = async () => {
    const started = await FakeAgent.start({ url: nats.url, nodeId: ids.node() });
    cleanup.push(() => started.close());
    return started;
  };
  const delivered = (store: Store, nodeId: string, seq: bigint) =>
    waitFor(async () => (await store.outbox.lastAcked(nodeId)) === seq, {
      timeoutMs: 10_000,
      message: `the outbox of ${nodeId} to be acknowledged up to ${seq}`,
    });

  it('delivers what transactions enqueue to the agent in order, exactly once', async () => {
    const h = await side();
    const a = await agent();
    await a.handshake();
    await enqueue(db.store, a.nodeId, 1, 5);
    h.side.dispatcher.onCommitted([a.nodeId]);
    await enqueue(db.store, a.nodeId, 6, 15);
    h.side.dispatcher.onCommitted([a.nodeId, a.nodeId]);
    await delivered(db.store, a.nodeId, 20n);
    expect(reasons(a)).toEqual(range(1, 20));
    expect(a.received.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(await db.store.outbox.undelivered()).not.toContain(a.nodeId);
  });

  it('sends an agent that takes frames many commands per request, and one per request to one that does not', async () => {
    const h = await side();
    const requestsOn = async (nodeId: string) => {
      const monitor = await connectNats({ servers: nats.url, name: 'test-monitor' });
      cleanup.push(() => monitor.close());
      const counted = { requests: 0 };
      monitor.subscribe(inSubject(nodeId), { callback: () => void counted.requests++ });
      await monitor.flush();
      return counted;
    };
    const framed = await agent();
    const plain = await agent();
    const framedRequests = await requestsOn(framed.nodeId);
    const plainRequests = await requestsOn(plain.nodeId);
    await framed.handshake({ MaxBatch: FRAME_MAX_MESSAGES });
    await plain.handshake();
    await enqueue(db.store, framed.nodeId, 1, 40);
    await enqueue(db.store, plain.nodeId, 1, 40);
    h.side.dispatcher.onCommitted([framed.nodeId, plain.nodeId]);
    await delivered(db.store, framed.nodeId, 40n);
    await delivered(db.store, plain.nodeId, 40n);
    expect(reasons(framed)).toEqual(range(1, 40));
    expect(reasons(plain)).toEqual(range(1, 40));
    expect(framedRequests.requests).toBeLessThanOrEqual(3);
    expect(plainRequests.requests).toBeGreaterThanOrEqual(40);
  });

  it('delivers what another orchestrator wrote, found by one sweep for all nodes, not by each sender polling', async () => {
    // Senders that poll only every 10 minutes: what arrives in time came through the sweep.
    const started = await startSide({
      url: nats.url,
      store: db.store,
      sender: { ...FAST_SENDER, idlePollMs: 600_000 },
      sweepEveryMs: 100,
    });
    cleanup.push(() => started.stop());
    const a = await agent();
    await a.handshake();
    await enqueue(db.store, a.nodeId, 1, 1);
    started.side.dispatcher.onCommitted([a.nodeId]);
    await delivered(db.store, a.nodeId, 1n);
    await enqueue(db.store, a.nodeId, 2, 2); // no onCommitted: written elsewhere
    await delivered(db.store, a.nodeId, 3n);
    expect(reasons(a)).toEqual(range(1, 3));
  });

  it('resumes after what a restarted agent says it has', async () => {
    const h = await side();
    const a = await agent();
    await a.handshake();
    await enqueue(db.store, a.nodeId, 1, 3);
    h.side.dispatcher.onCommitted([a.nodeId]);
    await delivered(db.store, a.nodeId, 3n);
    // The agent restarts having kept only seq 1: the orchestrator must resend from 2.
    await a.restart(1n);
    const reply = await a.handshake();
    expect(reply.ok && reply.envelope.payload.Accepted).toBe(true);
    await waitFor(() => a.received.length === 2, { message: 'seq 2 and 3 to be resent' });
    await enqueue(db.store, a.nodeId, 4, 1);
    h.side.dispatcher.onCommitted([a.nodeId]);
    await delivered(db.store, a.nodeId, 4n);
    await waitFor(() => a.received.length === 3, { message: 'seq 4' });
    expect(a.received.map((m) => m.seq)).toEqual([2n, 3n, 4n]);
    expect(reasons(a)).toEqual(range(2, 4));
  });

  it('sends at start what an earlier run committed but never sent', async () => {
    const a = await agent();
    // Committed while no orchestrator was running, e.g. one that crashed right after its commit.
    await enqueue(db.store, a.nodeId, 1, 3);
    const h = await side();
    expect(h.side.dispatcher.nodes()).toContain(a.nodeId);
    await delivered(db.store, a.nodeId, 3n);
    expect(reasons(a)).toEqual(range(1, 3));
  });

  it('keeps messages for an absent agent and delivers them when it handshakes', async () => {
    const h = await side();
    const a = await agent();
    await a.handshake();
    await a.close();
    await enqueue(db.store, a.nodeId, 1, 2);
    h.side.dispatcher.onCommitted([a.nodeId]);
    const back = await FakeAgent.start({ url: nats.url, nodeId: a.nodeId });
    cleanup.push(() => back.close());
    await back.handshake();
    await delivered(db.store, a.nodeId, 2n);
    expect(reasons(back)).toEqual(range(1, 2));
  });
});
