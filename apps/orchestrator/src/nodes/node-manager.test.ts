import { setTimeout as delay } from 'node:timers/promises';
import {
  ComputeStateType as C,
  DesiredStateType as D,
  EvaluationTrigger,
  manualClock,
  parseSelector,
} from '@shoal/models';
import { UNKNOWN_NODE_REASON } from '@shoal/protocol';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { expect, it } from 'vitest';
import { placeExecution, takeEvaluations, useMemoryStore } from '../transport/testing/harness.js';
import { useSides } from '../transport/testing/suite.js';

describeWithServices(['nats'], 'node manager over NATS', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  const { side, agent } = useSides(nats, db);
  const connection = async (nodeId: string) => (await db.store.nodeStatus.find(nodeId))?.state.Connection;
  const nowNs = () => BigInt(Date.now()) * 1_000_000n;

  it('registers a node on handshake: CONNECTED, APPROVED, with its labels', async () => {
    const h = await side({ disconnectTimeoutMs: 1_000 });
    const a = await agent({ labels: { zone: 'b', disk: 'ssd' } });
    const reply = await a.handshake();
    expect(reply).toMatchObject({
      ok: true,
      envelope: {
        type: 'HandshakeReply',
        nodeId: a.nodeId,
        payload: { Accepted: true, HeartbeatIntervalMs: 250, LastSeqReceived: 0n, Membership: 'APPROVED' },
      },
    });
    expect(await db.store.nodes.get(a.nodeId)).toEqual({
      Info: a.info(),
      Membership: 'APPROVED',
      Connection: 'CONNECTED',
    });
    const page = await db.store.nodes.list({
      selector: parseSelector('zone=b,disk=ssd'),
      connection: 'CONNECTED',
      limit: 100,
      orderBy: 'id',
      reverse: false,
    });
    expect(page.items.map((n) => n.Info.NodeID)).toEqual([a.nodeId]);
    expect(h.side.dispatcher.nodes()).toContain(a.nodeId);
  });

  it('keeps the queue a node offers (QueueCapacity) from its handshake, across heartbeats', async () => {
    await side({ disconnectTimeoutMs: 1_000 });
    const a = await agent();
    const queue = { CPU: 2, Memory: 4 * 1024 ** 3, Disk: 0, GPU: 0 };
    const { ComputeNodeInfo: compute, ...info } = a.info();
    if (!compute) throw new Error('a compute node has ComputeNodeInfo');
    const NodeInfo = { ...info, ComputeNodeInfo: { ...compute, QueueCapacity: queue } };
    const reply = await a.handshake({ NodeInfo });
    expect(reply.ok && reply.envelope.payload.Accepted).toBe(true);
    expect((await db.store.nodes.get(a.nodeId)).Info.ComputeNodeInfo?.QueueCapacity).toEqual(queue);
    await a.heartbeat({ RunningExecutions: 2, EnqueuedExecutions: 1 });
    expect((await db.store.nodes.get(a.nodeId)).Info.ComputeNodeInfo).toMatchObject({
      QueueCapacity: queue,
      EnqueuedExecutions: 1,
    });
  });

  it('keeps a heartbeating node connected by the orchestrator’s clock, whatever the agent’s', async () => {
    await side({ disconnectTimeoutMs: 2_000 }); // ten heartbeats per timeout: load cannot make it flaky
    const a = await agent({ clockSkewNs: -600_000_000_000n });
    await a.handshake();
    const capacity = { CPU: 1.5, Memory: 1024 ** 3, Disk: 0, GPU: 0 };
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const before = nowNs();
      const reply = await a.heartbeat({
        AvailableCapacity: capacity,
        RunningExecutions: 3,
        Healthy: false,
        HealthReason: 'docker does not answer',
      });
      expect(reply.ok && reply.envelope.payload).toEqual({ Ok: true, LastSeqReceived: 0n });
      const record = await db.store.nodeStatus.find(a.nodeId);
      expect(record?.state.Connection).toBe('CONNECTED');
      expect(record?.lastHeartbeat).toBeGreaterThanOrEqual(before);
      await delay(200); // the agent's heartbeat interval, not a synchronisation
    }
    const record = await db.store.nodeStatus.find(a.nodeId);
    expect(record).toMatchObject({ healthy: false, healthReason: 'docker does not answer' });
    expect(record?.state.Info.ComputeNodeInfo).toMatchObject({
      AvailableCapacity: capacity,
      RunningExecutions: 3,
    });
  });

  it('disconnects a silent node after the timeout and evaluates the jobs it holds', async () => {
    const h = await side({ disconnectTimeoutMs: 1_000 });
    const a = await agent();
    const heardAt = Date.now(); // no later than the orchestrator's receive time
    await a.handshake();
    const live = await placeExecution(db.store, a.nodeId, { compute: C.BidAccepted, desired: D.Running });
    await placeExecution(db.store, a.nodeId, { compute: C.Completed, desired: D.Running });
    await waitFor(async () => (await connection(a.nodeId)) === 'DISCONNECTED', {
      timeoutMs: 5_000,
      message: 'the silent node to be disconnected',
    });
    // Not before the timeout (a little slack: the orchestrator's clock is hrtime-based, Date.now is not).
    expect(Date.now() - heardAt).toBeGreaterThanOrEqual(980);
    const evaluations = (await takeEvaluations(db.store, EvaluationTrigger.NodeUpdate)).filter((e) =>
      [live.job.ID].includes(e.JobID),
    );
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]?.Comment).toMatch(/disconnected: not heard from for 1s$/);
    expect(h.side.dispatcher.nodes()).not.toContain(a.nodeId);
    // Back through a handshake only: a heartbeat is told to handshake first.
    const beat = await a.heartbeat();
    expect(beat.ok && beat.envelope.payload).toMatchObject({ Ok: false, Reason: UNKNOWN_NODE_REASON });
    expect((await a.handshake()).ok).toBe(true);
    expect(await connection(a.nodeId)).toBe('CONNECTED');
    const back = await takeEvaluations(db.store, EvaluationTrigger.NodeUpdate);
    expect(back.filter((e) => e.JobID === live.job.ID).map((e) => e.Comment)).toEqual([
      expect.stringMatching(/reconnected$/),
    ]);
  });

  it('judges nobody during the grace period after start', async () => {
    const clock = manualClock(nowNs());
    const h = await side({ disconnectTimeoutMs: 1_000, gracePeriodMs: 30_000, checkEveryMs: 60_000 }, clock);
    const a = await agent();
    await a.handshake();
    clock.advance(5_000_000_000n);
    await h.side.nodes.liveness.check();
    expect(await connection(a.nodeId)).toBe('CONNECTED');
    clock.advance(26_000_000_000n);
    await h.side.nodes.liveness.check();
    expect(await connection(a.nodeId)).toBe('DISCONNECTED');
  });

  it('marks a node DISCONNECTED at once on a shutdown notice', async () => {
    await side({ disconnectTimeoutMs: 60_000 });
    const a = await agent();
    await a.handshake();
    const live = await placeExecution(db.store, a.nodeId, {
      compute: C.AskForBidAccepted,
      desired: D.Pending,
    });
    const reply = await a.control('ShutdownNotice', { Reason: 'SIGTERM' });
    expect(reply.ok && reply.envelope.payload).toEqual({ Ok: true });
    expect(await connection(a.nodeId)).toBe('DISCONNECTED');
    const evaluations = await takeEvaluations(db.store, EvaluationTrigger.NodeUpdate);
    expect(evaluations.filter((e) => e.JobID === live.job.ID).map((e) => e.Comment)).toEqual([
      expect.stringMatching(/shut down: SIGTERM$/),
    ]);
  });

  it('under manual approval, accepts a new node as PENDING until an operator approves it', async () => {
    await side({ autoApprove: false });
    const a = await agent();
    const first = await a.handshake();
    expect(first.ok && first.envelope.payload).toMatchObject({ Accepted: true, Membership: 'PENDING' });
    expect(await db.store.nodes.get(a.nodeId)).toMatchObject({
      Membership: 'PENDING',
      Connection: 'CONNECTED',
    });
    await db.store.nodes.setMembership(a.nodeId, 'APPROVED', nowNs());
    const again = await a.handshake();
    expect(again.ok && again.envelope.payload).toMatchObject({ Accepted: true, Membership: 'APPROVED' });
  });

  it('asks an unknown node to handshake, and re-registers a deleted one', async () => {
    await side();
    const a = await agent();
    const unknown = await a.heartbeat();
    expect(unknown.ok && unknown.envelope.payload).toMatchObject({ Ok: false, Reason: UNKNOWN_NODE_REASON });
    await a.handshake();
    await db.store.nodes.delete(a.nodeId);
    const deleted = await a.heartbeat();
    expect(deleted.ok && deleted.envelope.payload).toMatchObject({ Ok: false, Reason: UNKNOWN_NODE_REASON });
    const reply = await a.handshake();
    expect(reply.ok && reply.envelope.payload).toMatchObject({ Accepted: true, Membership: 'APPROVED' });
    expect(await connection(a.nodeId)).toBe('CONNECTED');
  });

  it('updates a node’s info and labels', async () => {
    await side();
    const a = await agent();
    await a.handshake();
    const reply = await a.control('UpdateNodeInfo', { NodeInfo: a.info({ Labels: { zone: 'c' } }) });
    expect(reply.ok && reply.envelope.payload).toEqual({ Ok: true });
    expect((await db.store.nodes.get(a.nodeId)).Info.Labels).toEqual({ zone: 'c' });
  });
});
