import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectNats,
  createNkeySeed,
  decodeJoinReply,
  JOIN_SUBJECT,
  nkeyPublicKey,
  requestJoin,
} from '@shoal/protocol';
import { describeWithServices, makeTempDir, startNatsServer, type TempDir } from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NatsCredentials } from '../transport/nats-credentials.js';
import { recordingLogger } from '../transport/testing/harness.js';
import { serveJoins } from './join.js';

/** Join requests against a real nats-server; the server reload is counted, not performed. */
describeWithServices(['nats'], 'joining with the join token', () => {
  let dir: TempDir;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  let credentials: NatsCredentials;
  let reloads = 0;
  let failReload = false;
  const log = recordingLogger();
  beforeAll(async () => {
    dir = await makeTempDir('shoal-join-');
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'test' });
    credentials = new NatsCredentials(join(dir.path, 'nats'));
    serveJoins({
      nc,
      credentials,
      logger: log.logger,
      reload: async () => {
        reloads++;
        if (failReload) throw new Error('reload refused');
      },
    });
    await nc.flush();
  });
  afterEach(() => {
    failReload = false;
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
    await dir?.cleanup();
  });

  it('registers a node key, reloads once, and accepts the same key again without a reload', async () => {
    const key = nkeyPublicKey(createNkeySeed());
    const before = reloads;
    await requestJoin(nc, 'n-join-1', key);
    expect(reloads).toBe(before + 1);
    await requestJoin(nc, 'n-join-1', key);
    expect(reloads).toBe(before + 1);
    expect(credentials.nodeKey('n-join-1')).toBe(key);
    const users = (credentials.authorization() as { users: Array<{ nkey?: string; permissions?: unknown }> })
      .users;
    expect(users.find((u) => u.nkey === key)?.permissions).toMatchObject({
      publish: {
        allow: ['shoal.compute.n-join-1.out', 'shoal.compute.n-join-1.ctrl', 'shoal.compute.n-join-1.logs.*'],
      },
    });
  });

  it('refuses another key for a taken node id, and malformed requests, and keeps serving', async () => {
    await requestJoin(nc, 'n-join-2', nkeyPublicKey(createNkeySeed()));
    await expect(requestJoin(nc, 'n-join-2', nkeyPublicKey(createNkeySeed()))).rejects.toThrow(
      /already joined with another key/,
    );
    for (const body of ['not json', '{"NodeID":"a.b","PublicKey":"UX"}', '{"NodeID":"n-1"}']) {
      const msg = await nc.request(JOIN_SUBJECT, new TextEncoder().encode(body), { timeout: 2_000 });
      expect(decodeJoinReply(msg.data)).toMatchObject({ Accepted: false, Message: /malformed join request/ });
    }
    await requestJoin(nc, 'n-join-3', nkeyPublicKey(createNkeySeed()));
  });

  it('says no when the server cannot load the new node, and lets it try again', async () => {
    failReload = true;
    const key = nkeyPublicKey(createNkeySeed());
    await expect(requestJoin(nc, 'n-join-4', key)).rejects.toThrow(/could not load the new node/);
    expect(log.find('join: NATS server did not reload')).toHaveLength(1);
    failReload = false;
    const before = reloads;
    await requestJoin(nc, 'n-join-4', key);
    expect(reloads).toBe(before + 1);
  });

  it('keeps its keys and token in private files that a restart reads back', () => {
    const again = new NatsCredentials(join(dir.path, 'nats'));
    expect(again.joinToken).toBe(credentials.joinToken);
    expect(again.nodeKey('n-join-1')).toBe(credentials.nodeKey('n-join-1'));
    for (const file of ['join-token', 'orchestrator.nk', 'nodes.json']) {
      expect(statSync(join(dir.path, 'nats', file)).mode & 0o777).toBe(0o600);
    }
    expect(again.remove('n-join-1')).toBe(true);
    expect(new NatsCredentials(join(dir.path, 'nats')).nodeKey('n-join-1')).toBeUndefined();
  });
});
