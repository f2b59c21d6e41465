import { encodeJson } from '@shoal/models';
import { ctrlSubject, decodeControlReply, encodeMessage, versionMismatchReason } from '@shoal/protocol';
import { describeWithServices, useNatsServer } from '@shoal/testkit';
import { expect, it } from 'vitest';
import { useMemoryStore } from '../transport/testing/harness.js';
import { useSides } from '../transport/testing/suite.js';

/** Handshakes the orchestrator must refuse, each with a reason the agent can show. */
describeWithServices(['nats'], 'handshake refusals', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  const { side, agent } = useSides(nats, db);
  const nowNs = () => BigInt(Date.now()) * 1_000_000n;

  it('refuses a node an operator rejected, saying so', async () => {
    await side();
    const a = await agent();
    await a.handshake();
    await db.store.nodes.setMembership(a.nodeId, 'REJECTED', nowNs());
    const reply = await a.handshake();
    expect(reply.ok && reply.envelope.payload).toMatchObject({
      Accepted: false,
      Membership: 'REJECTED',
      Reason: expect.stringContaining('rejected by an operator'),
    });
  });

  it('refuses protocol version skew with a readable reason', async () => {
    await side();
    const a = await agent();
    const reply = await a.handshake({ ProtocolVersion: 2 });
    expect(reply.ok && reply.envelope.payload).toMatchObject({
      Accepted: false,
      Reason: versionMismatchReason(2),
    });
    const raw = encodeJson({
      ...a.envelope('Handshake', { NodeInfo: a.info(), ProtocolVersion: 2, LastSeqReceived: 0n }),
      v: 2,
    });
    const answer = await a.nc.request(ctrlSubject(a.nodeId), new TextEncoder().encode(raw), {
      timeout: 5_000,
    });
    expect(decodeControlReply(answer.data, 'Handshake')).toEqual({
      ok: false,
      error: { code: 'bad_version', message: versionMismatchReason(2) },
    });
    expect(await db.store.nodeStatus.find(a.nodeId)).toBeUndefined();
  });

  it('refuses absurd capacities', async () => {
    await side();
    const a = await agent();
    const info = a.info();
    const compute = info.ComputeNodeInfo;
    if (!compute) throw new Error('a compute node has ComputeNodeInfo');
    const huge = {
      ...info,
      ComputeNodeInfo: { ...compute, MaxCapacity: { ...compute.MaxCapacity, CPU: 1e12 } },
    };
    const raw = encodeJson(
      a.envelope('Handshake', { NodeInfo: huge, ProtocolVersion: 1, LastSeqReceived: 0n }),
    );
    const answer = await a.nc.request(ctrlSubject(a.nodeId), new TextEncoder().encode(raw), {
      timeout: 5_000,
    });
    const refused = decodeControlReply(answer.data, 'Handshake');
    expect(refused.ok || refused.error).toMatchObject({
      code: 'bad_payload',
      message: expect.stringContaining('is absurd'),
    });
    const more = {
      ...compute,
      AvailableCapacity: { ...compute.MaxCapacity, Memory: compute.MaxCapacity.Memory + 1 },
    };
    const reply = await a.handshake({ NodeInfo: { ...info, ComputeNodeInfo: more } });
    expect(reply.ok && reply.envelope.payload).toMatchObject({
      Accepted: false,
      Reason: expect.stringContaining('AvailableCapacity.Memory'),
    });
    expect(await db.store.nodeStatus.find(a.nodeId)).toBeUndefined();
  });

  it('refuses an agent that speaks for another node, and logs it', async () => {
    const h = await side();
    const a = await agent();
    const victim = `n-victim-${a.nodeId.slice(2, 10)}`;
    const request = a.envelope('Handshake', { NodeInfo: a.info(), ProtocolVersion: 1, LastSeqReceived: 0n });
    const answer = await a.nc.request(ctrlSubject(victim), encodeMessage(request), { timeout: 5_000 });
    const refused = decodeControlReply(answer.data, 'Handshake');
    expect(refused.ok || refused.error.code).toBe('wrong_node');
    expect(await db.store.nodeStatus.find(a.nodeId)).toBeUndefined();
    expect(await db.store.nodeStatus.find(victim)).toBeUndefined();
    expect(h.log.find('control request refused').map((l) => l.level)).toContain(50);
  });
});
