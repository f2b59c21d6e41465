import { natsGreets } from '@shoal/nats-server';
import { describeWithServices, makeTempDir, type TempDir } from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningOrchestrator, startOrchestrator } from '../main.js';
import { FakeAgent } from './testing/fake-agent.js';

/** The whole orchestrator: it runs its own nats-server, and an agent joins through it. */
describeWithServices(['nats'], 'orchestrator with its own nats-server', () => {
  let dir: TempDir;
  let orchestrator: RunningOrchestrator;
  beforeAll(async () => {
    dir = await makeTempDir('shoal-orchestrator-nats-');
    orchestrator = await startOrchestrator(
      { apiHost: '127.0.0.1', apiPort: 0, dataDir: dir.path, db: 'pglite:memory', natsPort: 0 },
      { logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await orchestrator?.stop();
    await dir?.cleanup();
  });

  it('takes agents on the nats-server it supervises, lists them, and stops it', async () => {
    expect(orchestrator.natsUrl).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    const joinToken = orchestrator.joinToken ?? '';
    const agent = await FakeAgent.start({ url: orchestrator.natsUrl, labels: { zone: 'x' }, joinToken });
    try {
      const reply = await agent.handshake();
      expect(reply.ok && reply.envelope.payload).toMatchObject({ Accepted: true, Membership: 'APPROVED' });
      const res = await fetch(`${orchestrator.url}/api/v1/orchestrator/nodes?labels=zone%3Dx`);
      const body = (await res.json()) as { Nodes: Array<{ Info: { NodeID: string }; Connection: string }> };
      expect(body.Nodes.map((n) => [n.Info.NodeID, n.Connection])).toEqual([[agent.nodeId, 'CONNECTED']]);
      const config = (await (await fetch(`${orchestrator.url}/api/v1/agent/config`)).json()) as Record<
        string,
        unknown
      >;
      expect(JSON.stringify(config)).toContain('"NATS"');
    } finally {
      await agent.close();
    }
    const port = Number(new URL(orchestrator.natsUrl.replace('nats:', 'http:')).port);
    await orchestrator.stop();
    expect(await natsGreets('127.0.0.1', port)).toBe(false);
  });
});
