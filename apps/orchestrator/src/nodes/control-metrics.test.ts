import { createIdGenerator, systemClock } from '@shoal/models';
import { type ControlRequestType, type Envelope, makeEnvelope, PROTOCOL_VERSION } from '@shoal/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { makeNode } from '../store/testing/fixtures.js';
import { controlHandler } from './node-manager.js';

/** The node manager counts each control request it answers, and whether it said yes. */

describe('control request metrics', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => store.close());

  it('counts an accepted handshake, then a heartbeat; a heartbeat from a stranger as refused', async () => {
    const answered: string[] = [];
    const ids = createIdGenerator();
    const clock = systemClock();
    const handle = controlHandler({
      store,
      clock,
      ids,
      logger: pino({ level: 'silent' }),
      settings: { disconnectTimeoutMs: 10_000, gracePeriodMs: 0, autoApprove: true },
      streams: { resume: () => {}, drop: async () => {} },
      metrics: { controlAnswered: (type, accepted) => answered.push(`${type} ${accepted}`) },
    });
    const node = makeNode({ id: 'n-control-metrics' }).Info;
    const request = (type: ControlRequestType, payload: unknown, nodeId = node.NodeID) =>
      makeEnvelope(type, payload as never, { id: ids.requestId(), nodeId, time: clock.now() }) as Envelope<
        typeof type
      >;
    const beat = {
      AvailableCapacity: { CPU: 1, Memory: 1_000, Disk: 0, GPU: 0 },
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      Healthy: true,
      LastSeqReceived: 0n,
    };

    await handle(
      request('Handshake', { NodeInfo: node, ProtocolVersion: PROTOCOL_VERSION, LastSeqReceived: 0n }),
    );
    await handle(request('Heartbeat', beat));
    await handle(request('Heartbeat', beat, 'n-never-handshook'));

    expect(answered).toEqual(['Handshake true', 'Heartbeat true', 'Heartbeat false']);
  });
});
