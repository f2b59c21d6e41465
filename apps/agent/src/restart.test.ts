import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AGENT_RESTARTED } from './executor/executor.js';
import { type RunningAgent, startAgent } from './main.js';
import { recordingLogger, testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk } from './testing/fixtures.js';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.js';

/**
 * Restarts and outages (the agent cut off NATS and restarted, nats-server restarted): the agent
 * comes back as itself, resumes both streams where they were, and every report reaches the
 * orchestrator once, in order.
 */

describeWithServices(['nats'], 'agent restarts and NATS outages', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let proxy: TcpProxy;
  const agents: RunningAgent[] = [];

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 200 });
    dir = await makeTempDir('shoal-agent-');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: nats.port });
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await proxy.close();
    await fake.stop();
    await dir.cleanup();
  });

  const summary = () => fake.reports.map((r) => [r.seq, r.type, r.payload.ExecutionID]);

  it('comes back as itself after a restart, and delivers what it wrote while cut off, once, in order', async () => {
    // The agent reaches NATS through the proxy only, so it alone can be cut off.
    const config = testAgentConfig(proxy.url, dir.path, { shutdownTimeoutMs: 300 });
    const first = await startAgent(config, { logger: recordingLogger() });
    agents.push(first);
    await waitFor(() => first.accepted);
    const done = makeAsk({ Stdout: 'one' }, { WaitForApproval: false });
    const interrupted = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    const late = makeAsk({ Delay: '700ms', Stdout: 'three' }, { WaitForApproval: false });
    for (const ask of [done, interrupted, late]) fake.send(first.nodeId, 'AskForBid', ask);
    await waitFor(() => fake.reports.length === 4, { message: 'three bids and one result' });

    proxy.cut();
    // `late` finishes while the agent cannot reach NATS; then the agent stops (aborting
    // `interrupted`) and starts again, still cut off: recovery reports `interrupted` as failed.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await first.stop();
    agents.splice(0);
    const logger = recordingLogger();
    const starting = startAgent(config, { logger });
    await waitFor(() => logger.has('local state recovered'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.reports).toHaveLength(4);
    const handshakesBefore = fake.handshakes.length;

    proxy.restore();
    const second = await starting;
    agents.push(second);
    expect(second.nodeId).toBe(first.nodeId);
    await waitFor(() => fake.reports.length === 6, { message: 'the reports written while cut off' });
    const rehandshake = fake.handshakes[handshakesBefore];
    expect(rehandshake?.nodeId).toBe(first.nodeId);
    expect(rehandshake?.payload.LastSeqReceived).toBe(3n);
    // Seqs 1..6 once each, in order. The first four went out before the cut, in whichever order the
    // three asks (applied together) and `done`'s run produced them; the last two were written
    // while cut off.
    expect(fake.reports.map((r) => r.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    const types = (id: string) => fake.reportsOf(id).map((r) => r.type);
    expect(types(done.ExecutionID)).toEqual(['BidResult', 'RunResult']);
    expect(types(interrupted.ExecutionID)).toEqual(['BidResult', 'ComputeError']);
    expect(types(late.ExecutionID)).toEqual(['BidResult', 'RunResult']);
    expect(summary().slice(4)).toEqual([
      [5n, 'RunResult', late.ExecutionID],
      [6n, 'ComputeError', interrupted.ExecutionID],
    ]);
    expect(fake.reportsOf(interrupted.ExecutionID)[1]?.payload).toEqual({
      ExecutionID: interrupted.ExecutionID,
      Error: AGENT_RESTARTED,
    });
    // Nothing else trickles in afterwards.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.reports).toHaveLength(6);
  });

  it('handshakes again after nats-server restarts, and loses no report across it', async () => {
    const agent = await startAgent(testAgentConfig(nats.url, dir.path), { logger: recordingLogger() });
    agents.push(agent);
    await waitFor(() => agent.accepted);
    const ask = makeAsk({ Delay: '500ms', Stdout: 'survived' }, { WaitForApproval: false });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => fake.reports.length === 1);
    const handshakes = fake.handshakes.length;

    await nats.restart();
    await waitFor(() => fake.handshakes.length > handshakes, {
      timeoutMs: 15_000,
      message: 'a handshake after the reconnect',
    });
    expect(fake.handshakes.at(-1)?.payload.LastSeqReceived).toBe(1n);
    await waitFor(() => fake.reports.length === 2, { timeoutMs: 15_000 });
    expect(summary()).toEqual([
      [1n, 'BidResult', ask.ExecutionID],
      [2n, 'RunResult', ask.ExecutionID],
    ]);
    await waitFor(() => agent.accepted);
  });
});
