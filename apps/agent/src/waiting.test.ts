import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './main.js';
import { recordingLogger, testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk } from './testing/fixtures.js';

/**
 * Work that waits on the node: beyond what it can run at once, a node with a queue accepts work
 * that waits for room, says so in its bid, starts it in order the moment running work ends
 * (reporting the start, from which its timeout counts), answers a stop of it at once, and keeps
 * it waiting across a restart.
 */

type Report = { type: string; payload: Record<string, unknown> };

describeWithServices(['nats'], 'work that waits on the node for room', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let agent: RunningAgent | undefined;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 100 });
    dir = await makeTempDir('shoal-agent-waiting-');
  });
  afterEach(async () => {
    await agent?.stop();
    await fake.stop();
    await dir.cleanup();
  });

  /** A node of 1 CPU with a queue as large (factor 1), no overcommit: two 500m tasks run, two wait. */
  async function start(): Promise<RunningAgent> {
    const config = testAgentConfig(nats.url, dir.path, { cpu: '1', memory: '8Gi', queueFactor: 1 });
    const started = await startAgent(config, { logger: recordingLogger() });
    agent = started;
    await waitFor(() => started.accepted, { message: 'the handshake to be accepted' });
    return started;
  }

  const reports = (id: string) => fake.reportsOf(id) as Report[];
  const typesOf = (id: string) => reports(id).map((r) => r.type);
  /** Where in the node's one ordered stream of reports the first of `type` for `id` came. */
  const positionOf = (id: string, type: string) =>
    fake.reports.findIndex(
      (r) => r.type === type && (r.payload as { ExecutionID?: string }).ExecutionID === id,
    );

  function ask(delay: string) {
    return makeAsk({ Delay: delay }, { WaitForApproval: false });
  }

  it('accepts waiting work up to its queue, and starts each in order as a run ends', async () => {
    const node = await start();
    expect(fake.handshakes[0]?.payload.NodeInfo.ComputeNodeInfo?.QueueCapacity?.CPU).toBe(1);
    const asks = [ask('400ms'), ask('400ms'), ask('10ms'), ask('10ms'), ask('10ms')];
    for (const a of asks) fake.send(node.nodeId, 'AskForBid', a);
    const ids = asks.map((a) => a.ExecutionID);
    await waitFor(() => ids.every((id) => reports(id).length >= 1), { message: 'five bid results' });
    const bids = ids.map((id) => reports(id)[0]?.payload);
    expect(bids.slice(0, 2).map((b) => [b?.Accepted, b?.Waiting])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(bids.slice(2, 4).map((b) => [b?.Accepted, b?.Waiting])).toEqual([
      [true, true],
      [true, true],
    ]);
    // Running and queue are full: refused for room, which the orchestrator may wait for.
    expect(bids[4]).toMatchObject({ Accepted: false, OutOfCapacity: true });
    await waitFor(() => fake.heartbeats.at(-1)?.payload.EnqueuedExecutions === 2, {
      message: 'a heartbeat counting the two waiting',
    });
    expect(fake.heartbeats.at(-1)?.payload.RunningExecutions).toBe(2);

    const [first, second, third, fourth] = ids as [string, string, string, string];
    await waitFor(() => typesOf(third).includes('RunResult') && typesOf(fourth).includes('RunResult'), {
      message: 'the waiting runs to complete',
    });
    for (const id of [third, fourth]) {
      expect(typesOf(id)).toEqual(['BidResult', 'ExecutionProgress', 'RunResult']);
      expect(reports(id)[1]?.payload).toMatchObject({ Phase: 'Started' });
    }
    // Each waiting run started only after a running one had ended, and in the order they came.
    const firstEnd = Math.min(positionOf(first, 'RunResult'), positionOf(second, 'RunResult'));
    expect(positionOf(third, 'ExecutionProgress')).toBeGreaterThan(firstEnd);
    expect(positionOf(fourth, 'ExecutionProgress')).toBeGreaterThan(positionOf(third, 'ExecutionProgress'));
  });

  it('answers a stop of a waiting run at once, and the next in line takes its turn', async () => {
    const node = await start();
    const asks = [ask('300ms'), ask('300ms'), ask('10ms'), ask('10ms')];
    for (const a of asks) fake.send(node.nodeId, 'AskForBid', a);
    const [, , third, fourth] = asks.map((a) => a.ExecutionID) as [string, string, string, string];
    await waitFor(() => reports(fourth).length === 1, { message: 'the bids' });
    fake.send(node.nodeId, 'CancelExecution', { ExecutionID: third, Reason: 'job stopped by user' });
    await waitFor(() => typesOf(third).includes('ExecutionCancelled'), { message: 'the cancel answer' });
    // Answered before any run ended: nothing of it ever ran.
    expect(typesOf(third)).toEqual(['BidResult', 'ExecutionCancelled']);
    expect(fake.reports.some((r) => r.type === 'RunResult')).toBe(false);
    await waitFor(() => typesOf(fourth).includes('RunResult'), { message: 'the fourth to run' });
    expect(typesOf(fourth)).toEqual(['BidResult', 'ExecutionProgress', 'RunResult']);
  });

  it('keeps waiting work across a restart, and runs it then', async () => {
    const node = await start();
    const asks = [ask('30s'), ask('30s'), ask('10ms')];
    for (const a of asks) fake.send(node.nodeId, 'AskForBid', a);
    const waiting = asks[2]?.ExecutionID as string;
    await waitFor(() => reports(waiting).length === 1, { message: 'the bids' });
    expect(reports(waiting)[0]?.payload).toMatchObject({ Accepted: true, Waiting: true });
    await node.stop();
    agent = undefined;

    // The noop engine's runs do not survive a restart (they are reported failed); the waiting one
    // never started, so it is put back in line and runs.
    await start();
    await waitFor(() => typesOf(waiting).includes('RunResult'), { message: 'the waiting run to complete' });
    expect(typesOf(waiting)).toEqual(['BidResult', 'ExecutionProgress', 'RunResult']);
    expect(reports(waiting)[1]?.payload).toMatchObject({ Phase: 'Started' });
  });
});
