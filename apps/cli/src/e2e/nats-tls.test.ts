import { join } from 'node:path';
import { connectNats } from '@shoal/protocol';
import {
  describeWithServices,
  makeCa,
  makeServerCertificate,
  makeTempDir,
  type TempDir,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { submit, waitForJobState } from './cluster.js';

/**
 * The orchestrator's own nats-server over TLS, as between machines: it serves a certificate for
 * its address signed by a CA the agents trust (--nats-tls-cert/--nats-tls-key on the orchestrator,
 * --nats-tls-ca on the agents). Agents join and run work over it; a client that does not speak
 * TLS, or does not trust the CA, gets nowhere.
 */
describeWithServices(['nats'], 'the orchestrator’s NATS over TLS', () => {
  let dir: TempDir;
  let cluster: TestCluster;
  let ca: { cert: string; key: string };
  beforeAll(async () => {
    dir = await makeTempDir('shoal-nats-tls-');
    ca = makeCa(join(dir.path, 'ca'), 'shoal test CA');
    const server = makeServerCertificate(dir.path, ca);
    cluster = await startTestCluster({
      orchestrator: { natsTlsCert: server.cert, natsTlsKey: server.key, natsTlsCa: ca.cert },
      agentConfig: { natsTlsCa: ca.cert },
      agents: [{ name: 'tls-agent', labels: { over: 'tls' } }],
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  it('takes agents that trust its CA, and runs their jobs', async () => {
    expect(cluster.orchestrator.natsUrl).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const id = await submit(cluster.api, {
      Type: 'batch',
      Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'over tls' } } }],
    });
    await waitForJobState(cluster.api, id, ['Completed']);
  });

  it('refuses a plain-text client and one that does not trust the CA', async () => {
    const plain = cluster.orchestrator.natsUrl.replace(/^tls:/, 'nats:');
    const token = cluster.orchestrator.joinToken ?? '';
    const login = { name: 'eve', user: 'join', password: token };
    await expect(connectNats({ servers: plain, ...login, timeoutMs: 2_000 })).rejects.toThrow();
    await expect(
      connectNats({ servers: cluster.orchestrator.natsUrl, ...login, timeoutMs: 2_000 }),
    ).rejects.toThrow(/certificate/i);
    const trusted = await connectNats({
      servers: cluster.orchestrator.natsUrl,
      ...login,
      tls: { caFile: ca.cert },
    });
    await trusted.close();
  });
});
