import { createIdGenerator, manualClock } from '@shoal/models';
import { PROTOCOL_VERSION } from '@shoal/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ResultUrls } from '../results/result-urls.js';
import { makeNode } from '../store/testing/fixtures.js';
import { useMemoryStore } from '../transport/testing/harness.js';
import type { NodeManagerDeps } from './deps.js';
import { handshake } from './handshake.js';

/** An accepted node learns its results key in the HandshakeReply; a refused one does not. */

describe('HandshakeReply.ResultsKey', () => {
  const db = useMemoryStore();
  const urls = new ResultUrls({ secret: Buffer.alloc(32, 3), clock: manualClock() });
  const deps = (resultKeys?: ResultUrls): NodeManagerDeps => ({
    store: db.store,
    clock: manualClock(),
    ids: createIdGenerator(),
    logger: pino({ level: 'silent' }),
    settings: { disconnectTimeoutMs: 60_000, gracePeriodMs: 0, autoApprove: true },
    streams: { resume: () => {}, drop: async () => {} },
    ...(resultKeys ? { resultKeys } : {}),
  });
  const request = (nodeId: string) => ({
    NodeInfo: makeNode({ id: nodeId }).Info,
    ProtocolVersion: PROTOCOL_VERSION,
    LastSeqReceived: 0n,
  });

  it('gives each accepted node its own key, in base64', async () => {
    const a = await handshake(deps(urls), 'n-key-a', request('n-key-a'));
    const b = await handshake(deps(urls), 'n-key-b', request('n-key-b'));
    expect(a).toMatchObject({ Accepted: true, ResultsKey: urls.nodeKey('n-key-a').toString('base64') });
    expect(b.ResultsKey).toBe(urls.nodeKey('n-key-b').toString('base64'));
    expect(a.ResultsKey).not.toBe(b.ResultsKey);
  });

  it('gives none to a refused node, nor without a key source', async () => {
    await handshake(deps(urls), 'n-key-r', request('n-key-r'));
    await db.store.nodes.setMembership('n-key-r', 'REJECTED', 1n);
    const refused = await handshake(deps(urls), 'n-key-r', request('n-key-r'));
    expect(refused).toMatchObject({ Accepted: false, Membership: 'REJECTED' });
    expect(refused).not.toHaveProperty('ResultsKey');
    const skewed = await handshake(deps(urls), 'n-key-v', { ...request('n-key-v'), ProtocolVersion: 99 });
    expect(skewed.Accepted).toBe(false);
    expect(skewed).not.toHaveProperty('ResultsKey');
    const keyless = await handshake(deps(), 'n-key-n', request('n-key-n'));
    expect(keyless.Accepted).toBe(true);
    expect(keyless).not.toHaveProperty('ResultsKey');
  });
});
