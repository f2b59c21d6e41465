import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { createAccount, createOperator, createUser } from '@nats-io/nkeys';
import { connectNats, nodePermissions } from '@shoal/protocol';
import { describeWithServices, makeTempDir, startNatsServer, type TempDir } from '@shoal/testkit';
import { afterEach, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { submit, waitForJobState } from './cluster.js';

/**
 * An operator's own NATS (--nats-url), locked down the way the orchestrator's own server is: the
 * orchestrator and each node log in with credentials of their own (--nats-nkey, --nats-creds), and
 * each node's permissions are `nodePermissions(its id)`. The cluster runs work over it, and an
 * anonymous client is refused.
 */
describeWithServices(['nats'], 'an external NATS with credentials', () => {
  let dir: TempDir | undefined;
  let nats: Awaited<ReturnType<typeof startNatsServer>> | undefined;
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    await nats?.stop();
    await dir?.cleanup();
  });

  const runJob = async (c: TestCluster) => {
    await expect(connectNats({ servers: c.orchestrator.natsUrl, name: 'anonymous' })).rejects.toThrow(
      /authorization/i,
    );
    const id = await submit(c.api, {
      Type: 'batch',
      Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'external' } } }],
    });
    await waitForJobState(c.api, id, ['Completed']);
  };
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('works with nkey users (--nats-nkey seed files)', async () => {
    dir = await makeTempDir('shoal-nats-nkey-');
    const orchestrator = createUser();
    const node = createUser();
    const config = join(dir.path, 'nats.json');
    const users = [
      { nkey: orchestrator.getPublicKey() },
      { nkey: node.getPublicKey(), permissions: nodePermissions('ext-nkey') },
    ];
    writeFileSync(config, JSON.stringify({ authorization: { users } }));
    nats = await startNatsServer({ args: ['-c', config] });
    const seedFile = (name: string, seed: Uint8Array) => {
      const file = join(dir?.path ?? '', name);
      writeFileSync(file, text(seed), { mode: 0o600 });
      return file;
    };
    cluster = await startTestCluster({
      orchestrator: { natsUrl: nats.url, natsNkey: seedFile('orchestrator.nk', orchestrator.getSeed()) },
      agentConfig: { natsNkey: seedFile('node.nk', node.getSeed()) },
      agents: [{ name: 'ext-nkey', labels: {} }],
    });
    expect(cluster.orchestrator.joinToken).toBeUndefined();
    await runJob(cluster);
  });

  it('works with JWT credentials files (--nats-creds)', async () => {
    dir = await makeTempDir('shoal-nats-creds-');
    const operator = createOperator();
    const account = createAccount();
    // Unset limits are 0 in an account JWT: nothing could connect. -1 is unlimited.
    const unlimited = { conn: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, leaf: -1 };
    const accountJwt = await encodeAccount(
      'shoal',
      account,
      { limits: { ...unlimited, wildcards: true } },
      { signer: operator },
    );
    const config = join(dir.path, 'nats.json');
    writeFileSync(
      config,
      JSON.stringify({
        operator: await encodeOperator('op', operator),
        resolver: 'MEMORY',
        resolver_preload: { [account.getPublicKey()]: accountJwt },
      }),
    );
    nats = await startNatsServer({ args: ['-c', config] });
    const creds = async (name: string, permissions?: ReturnType<typeof nodePermissions>) => {
      const user = createUser();
      const claims = permissions && {
        pub: { allow: permissions.publish.allow },
        sub: { allow: permissions.subscribe.allow },
        resp: { max: 1 },
      };
      const jwt = await encodeUser(name, user, account, { subs: -1, data: -1, payload: -1, ...claims });
      const file = join(dir?.path ?? '', `${name}.creds`);
      writeFileSync(file, fmtCreds(jwt, user), { mode: 0o600 });
      return file;
    };
    cluster = await startTestCluster({
      orchestrator: { natsUrl: nats.url, natsCreds: await creds('orchestrator') },
      agentConfig: { natsCreds: await creds('ext-creds', nodePermissions('ext-creds')) },
      agents: [{ name: 'ext-creds', labels: {} }],
    });
    await runJob(cluster);
  });
});
