import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeAgent } from './testing/fake-agent.js';
import { placeExecution, type SideHarness, startSide, useMemoryStore } from './testing/harness.js';

/**
 * nats-server restarts while both streams are busy. Both clients reconnect, the agent
 * handshakes again, and every message in both directions is applied exactly once, in order.
 */
describeWithServices(['nats'], 'a nats-server restart mid-stream', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  let h: SideHarness;
  let a: FakeAgent;
  beforeAll(async () => {
    h = await startSide({ url: nats.url, store: db.store });
    a = await FakeAgent.start({ url: nats.url });
    await a.handshake();
  });
  afterAll(async () => {
    await a?.close();
    await h?.stop();
  });

  it('loses nothing and applies nothing twice', async () => {
    const { job, execution } = await placeExecution(db.store, a.nodeId, {
      compute: C.BidAccepted,
      desired: D.Running,
    });
    const burst = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        a.report('ExecutionProgress', { ExecutionID: execution.ID, Message: `step ${i}` });
        await db.store.transaction((tx) =>
          tx.outbox.enqueue(
            a.nodeId,
            'CancelExecution',
            { ExecutionID: execution.ID, Reason: `cancel ${i}` },
            1n,
          ),
        );
        h.side.dispatcher.onCommitted([a.nodeId]);
      }
    };
    await burst(1, 20);
    await nats.restart();
    await burst(21, 40);
    await waitFor(() => a.handshake().then((r) => r.ok), {
      timeoutMs: 15_000,
      message: 'the agent to handshake again',
    });

    await waitFor(async () => (await db.store.agentCursors.lastApplied(a.nodeId)) === 40n, {
      timeoutMs: 20_000,
      message: 'all 40 reports to be applied',
    });
    await waitFor(async () => (await db.store.outbox.lastAcked(a.nodeId)) === 40n, {
      timeoutMs: 20_000,
      message: 'all 40 messages to be acknowledged',
    });
    const steps = Array.from({ length: 40 }, (_, i) => i + 1);
    const history = await db.store.history.list(job.ID, { since: 0n, eventType: 'execution', limit: 100 });
    expect(history.items.map((e) => e.Comment)).toEqual(steps.map((i) => `step ${i}`));
    expect(a.received.map((m) => (m.type === 'CancelExecution' ? m.payload.Reason : m.type))).toEqual(
      steps.map((i) => `cancel ${i}`),
    );
    expect((await db.store.executions.get(execution.ID)).Revision).toBe(41);
  });
});
