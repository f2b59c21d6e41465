import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './main.js';
import { recordingLogger, testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk } from './testing/fixtures.js';

/**
 * The agent bids by the orchestrator's capacity rule, with the overcommit factor the handshake
 * reply carries: what the orchestrator planned onto the node is not refused for room it believes
 * is there, and a refusal for lack of room says that waiting may help.
 */

describeWithServices(['nats'], 'bidding with the orchestrator’s overcommit', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let agent: RunningAgent | undefined;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 200, overcommit: 1.5 });
    dir = await makeTempDir('shoal-agent-overcommit-');
  });
  afterEach(async () => {
    await agent?.stop();
    await fake.stop();
    await dir.cleanup();
  });

  /** A node advertising 1 CPU (and memory to spare), asked to bid on `count` 500m tasks. */
  async function bidOn(count: number): Promise<unknown[]> {
    // No queue here: this is about what the node books at once.
    const config = testAgentConfig(nats.url, dir.path, { cpu: '1', memory: '8Gi', queueFactor: 0 });
    const started = await startAgent(config, { logger: recordingLogger() });
    agent = started;
    await waitFor(() => started.accepted, { message: 'the handshake to be accepted' });
    const asks = Array.from({ length: count }, () => makeAsk({}, { WaitForApproval: true }));
    for (const ask of asks) fake.send(started.nodeId, 'AskForBid', ask);
    await waitFor(() => asks.every((ask) => fake.reportsOf(ask.ExecutionID).length === 1), {
      message: `${count} bid results`,
    });
    return asks.map((ask) => fake.reportsOf(ask.ExecutionID)[0]?.payload);
  }

  it('a node advertising 1 CPU takes three 500m tasks at 1.5, and refuses the fourth as out of room', async () => {
    const results = await bidOn(4);
    // What the node advertises does not change: the factor is the orchestrator's to apply.
    expect(fake.handshakes[0]?.payload.NodeInfo.ComputeNodeInfo?.MaxCapacity.CPU).toBe(1);
    expect(results.slice(0, 3)).toEqual([0, 1, 2].map(() => expect.objectContaining({ Accepted: true })));
    expect(results[3]).toEqual({
      ExecutionID: expect.any(String),
      Accepted: false,
      Reason: 'not enough CPU: needs 0.5 cores, 0 cores available',
      OutOfCapacity: true,
    });
    // Heartbeats count what is left to book: 1.5 cores booked of 1 × 1.5.
    await waitFor(() => fake.heartbeats.at(-1)?.payload.EnqueuedExecutions === 3);
    await waitFor(() => fake.heartbeats.at(-1)?.payload.AvailableCapacity.CPU === 0, {
      message: 'a heartbeat with no CPU left to book',
    });
  });

  it('without a factor from the orchestrator, books no more than it advertises', async () => {
    fake.settings.overcommit = undefined;
    const results = await bidOn(3);
    expect(results.map((r) => (r as { Accepted: boolean }).Accepted)).toEqual([true, true, false]);
  });
});
