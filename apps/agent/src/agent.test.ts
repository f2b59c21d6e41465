import { connectNats, encodeReply, errorReply, inSubject, ORCHESTRATOR_SUBSCRIPTIONS } from '@shoal/protocol';
import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AgentConfigInput } from './config.js';
import { type RunningAgent, startAgent } from './main.js';
import { recordingLogger, testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk, makeJob } from './testing/fixtures.js';

/** The agent process as main.ts wires it, against a real nats-server and a fake orchestrator. */

const GiB = 1024 ** 3;

describeWithServices(['nats'], 'agent over NATS', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  const agents: RunningAgent[] = [];

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 200 });
    dir = await makeTempDir('shoal-agent-');
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await fake.stop();
    await dir.cleanup();
  });

  async function start(extra: Partial<AgentConfigInput> = {}, logger = recordingLogger()) {
    const agent = await startAgent(testAgentConfig(nats.url, dir.path, extra), { logger });
    agents.push(agent);
    await waitFor(() => agent.accepted, { message: 'the handshake to be accepted' });
    return agent;
  }

  const reportTypes = (id: string) => fake.reportsOf(id).map((r) => r.type);

  it('handshakes with its labels, engines and capacity', async () => {
    const agent = await start({ labels: 'zone=eu-1,tier=gold', name: 'n-test-1' });
    expect(agent.nodeId).toBe('n-test-1');
    expect(fake.handshakes).toHaveLength(1);
    const { nodeId, payload } = fake.handshakes[0] ?? expect.unreachable();
    expect(nodeId).toBe('n-test-1');
    expect(payload.ProtocolVersion).toBe(1);
    expect(payload.LastSeqReceived).toBe(0n);
    const capacity = { CPU: 2, Memory: 4 * GiB, Disk: 20 * GiB, GPU: 0 };
    expect(payload.NodeInfo).toMatchObject({
      NodeID: 'n-test-1',
      NodeType: 'Compute',
      Labels: { zone: 'eu-1', tier: 'gold' },
      ComputeNodeInfo: {
        ExecutionEngines: ['noop'],
        MaxCapacity: capacity,
        AvailableCapacity: capacity,
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
      },
      Version: { GitVersion: 'v0.1.0' },
    });
  });

  it('serves /metrics also without the local publisher, and no results there', async () => {
    const agent = await start({ publishers: 'noop' });
    expect(agent.resultsUrl).toBeUndefined();
    const page = await fetch(agent.metricsUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('shoal_agent_capacity_cpu_cores 2');
    const results = await fetch(agent.metricsUrl.replace('/metrics', '/results/e-1.tar.gz'));
    expect(results.status).toBe(404);
    expect(await results.text()).toContain('does not publish results locally');
  });

  it('bids, waits for approval, then runs and reports the noop result exactly', async () => {
    const agent = await start();
    const ask = makeAsk({ Stdout: 'hello\n', Stderr: 'warn\n', ExitCode: 3 }, { WaitForApproval: true });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => reportTypes(ask.ExecutionID).length === 1);
    expect(fake.reportsOf(ask.ExecutionID)).toEqual([
      { type: 'BidResult', payload: { ExecutionID: ask.ExecutionID, Accepted: true, Reason: '' } },
    ]);
    // Held for approval: the heartbeat counts it as enqueued, and nothing runs.
    await waitFor(() => fake.heartbeats.at(-1)?.payload.EnqueuedExecutions === 1);
    expect(reportTypes(ask.ExecutionID)).toEqual(['BidResult']);

    fake.send(agent.nodeId, 'BidAccepted', { ExecutionID: ask.ExecutionID });
    await waitFor(() => reportTypes(ask.ExecutionID).length === 2);
    expect(fake.reportsOf(ask.ExecutionID)[1]).toEqual({
      type: 'RunResult',
      payload: {
        ExecutionID: ask.ExecutionID,
        RunOutput: {
          stdout: 'hello\n',
          stdouttruncated: false,
          stderr: 'warn\n',
          stderrtruncated: false,
          exitCode: 3,
          runnerError: '',
        },
        PublishedResult: { Type: '', Params: null },
      },
    });
  });

  it('runs at once when no approval is asked for', async () => {
    const agent = await start();
    const ask = makeAsk({ Stdout: 'now' }, { WaitForApproval: false });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => reportTypes(ask.ExecutionID).length === 2);
    expect(reportTypes(ask.ExecutionID)).toEqual(['BidResult', 'RunResult']);
  });

  it('rejects a job for an engine it does not have, saying why', async () => {
    const agent = await start();
    const job = makeJob({ Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04' } } });
    const ask = makeAsk({}, { Job: job });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => reportTypes(ask.ExecutionID).length === 1);
    expect(fake.reportsOf(ask.ExecutionID)).toEqual([
      {
        type: 'BidResult',
        payload: {
          ExecutionID: ask.ExecutionID,
          Accepted: false,
          Reason: 'engine docker is not supported by this node (supported: noop)',
        },
      },
    ]);
  });

  it('stops a run cancelled during its Delay, answers ExecutionCancelled, and reports nothing more', async () => {
    const agent = await start();
    const ask = makeAsk({ Delay: '1s', Stdout: 'too late' }, { WaitForApproval: false });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => fake.heartbeats.at(-1)?.payload.RunningExecutions === 1);
    fake.send(agent.nodeId, 'CancelExecution', { ExecutionID: ask.ExecutionID, Reason: 'job stopped' });
    await waitFor(() => reportTypes(ask.ExecutionID).length === 2);
    expect(fake.reportsOf(ask.ExecutionID)[1]).toEqual({
      type: 'ExecutionCancelled',
      payload: { ExecutionID: ask.ExecutionID, Message: 'job stopped' },
    });
    await waitFor(() => fake.heartbeats.at(-1)?.payload.RunningExecutions === 0);
    // Past the Delay: the stopped run's own result never comes.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(reportTypes(ask.ExecutionID)).toEqual(['BidResult', 'ExecutionCancelled']);
    // Its capacity is free again.
    expect(fake.heartbeats.at(-1)?.payload.AvailableCapacity.CPU).toBe(2);
  });

  it('heartbeats at the interval the handshake reply gave', async () => {
    const agent = await start();
    const since = fake.heartbeats.length;
    await waitFor(() => fake.heartbeats.length >= since + 6, { message: 'six heartbeats' });
    const beats = fake.heartbeats.slice(since);
    const gaps = beats.slice(1).map((b, i) => b.at - (beats[i]?.at ?? 0));
    // Gaps are measured where the beats arrive, so one late beat makes the next gap short: judge
    // the average, and only refuse gaps far below the interval (the 15 s default would show).
    for (const gap of gaps) expect(gap).toBeGreaterThan(100);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(170);
    expect(mean).toBeLessThan(300);
    expect(beats[0]).toMatchObject({
      nodeId: agent.nodeId,
      payload: {
        AvailableCapacity: { CPU: 2, Memory: 4 * GiB, Disk: 20 * GiB, GPU: 0 },
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
        Healthy: true,
        LastSeqReceived: 0n,
      },
    });
  });

  it('handshakes again when a heartbeat reply says the node is unknown', async () => {
    const agent = await start();
    fake.forget(agent.nodeId);
    await waitFor(() => fake.handshakes.length === 2, { message: 'a second handshake' });
    await waitFor(() => agent.accepted);
  });

  it('retries a refused handshake with backoff, loudly, until it is accepted', async () => {
    fake.settings.refuse = 'node n-x was rejected by an operator';
    const logger = recordingLogger();
    const agent = await startAgent(testAgentConfig(nats.url, dir.path, { handshakeRetryMaxMs: 5_000 }), {
      logger,
    });
    agents.push(agent);
    await waitFor(() => fake.handshakes.length >= 4, { message: 'repeated handshakes' });
    expect(agent.accepted).toBe(false);
    // 250 ms, 500 ms, 1 s (±20 %): each wait clearly longer than the one before.
    const at = fake.handshakes.slice(0, 4).map((h) => h.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    expect(gaps[0]).toBeGreaterThan(180);
    // Timers fire late on a busy machine, never early: assert each wait's lower bound.
    expect(gaps[1]).toBeGreaterThan(380);
    expect(gaps[2]).toBeGreaterThan(780);
    const refusals = logger.lines.filter((l) => l.msg.startsWith('handshake refused'));
    expect(refusals[0]).toMatchObject({
      level: 'error',
      msg: expect.stringMatching(/rejected by an operator/),
    });
    fake.settings.refuse = undefined;
    await waitFor(() => agent.accepted, { message: 'acceptance once the operator relents' });
  });

  it('answers a malformed message with an error and keeps working', async () => {
    const agent = await start();
    const nc = await connectNats({ servers: nats.url, name: 'intruder' });
    try {
      const garbage = await nc.request(inSubject(agent.nodeId), new TextEncoder().encode('{not json'), {
        timeout: 2_000,
      });
      expect(new TextDecoder().decode(garbage.data)).toMatch(/"Code":"bad_json"/);
      const reply = await nc.request(inSubject(agent.nodeId), encodeReply({ Ack: 1n }), { timeout: 2_000 });
      expect(new TextDecoder().decode(reply.data)).toMatch(/"Error"/);
    } finally {
      await nc.close();
    }
    const ask = makeAsk({}, { WaitForApproval: false });
    fake.send(agent.nodeId, 'AskForBid', ask);
    await waitFor(() => reportTypes(ask.ExecutionID).length === 2);
  });

  it('sends a shutdown notice when stopped gracefully, and nothing after', async () => {
    const agent = await start();
    await agent.stop();
    expect(fake.notices).toEqual([
      { nodeId: agent.nodeId, payload: { Reason: 'agent shutting down' }, at: expect.any(Number) },
    ]);
    const beats = fake.heartbeats.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.heartbeats.length).toBe(beats);
  });

  it('waits for a slow answer to its shutdown notice within the shutdown budget', async () => {
    // An orchestrator just restarted, or busy, may take more than a second to answer; what the
    // flush left of the budget is the notice's.
    fake.settings.noticeDelayMs = 1_500;
    const logger = recordingLogger();
    const agent = await start({ shutdownTimeoutMs: 3_000 }, logger);
    await agent.stop();
    expect(fake.notices.map((n) => n.nodeId)).toEqual([agent.nodeId]);
    expect(logger.lines.find((l) => l.msg === 'shutdown notice sent')?.obj.noticed).toBe(true);
  });
});

describeWithServices(['nats'], 'agent against an orchestrator of another protocol version', () => {
  const nats = useNatsServer();

  it('logs the refusal loudly and keeps trying, without crashing', async () => {
    // A newer orchestrator refuses our envelopes before reading them, with a readable reason.
    const reason =
      'protocol version 1 is not supported: this side speaks version 2; run the same Shoal release on the orchestrator and its agents';
    const nc = await connectNats({ servers: nats.url, name: 'orchestrator-v2' });
    let asked = 0;
    nc.subscribe(ORCHESTRATOR_SUBSCRIPTIONS.ctrl, {
      callback: (_error, msg) => {
        asked++;
        msg.respond(encodeReply(errorReply('bad_version', reason)));
      },
    });
    const dir = await makeTempDir('shoal-agent-');
    const logger = recordingLogger();
    const agent = await startAgent(testAgentConfig(nats.url, dir.path), { logger });
    try {
      await waitFor(() => asked >= 3, { message: 'repeated handshakes' });
      expect(agent.accepted).toBe(false);
      const refusals = logger.lines.filter((l) => l.msg.startsWith('handshake refused'));
      expect(refusals[0]).toMatchObject({
        level: 'error',
        msg: `handshake refused by the orchestrator: bad_version: ${reason}`,
      });
      // Said loudly once; the same reason again is not an error each time.
      expect(refusals.filter((l) => l.level === 'error')).toHaveLength(1);
    } finally {
      await agent.stop();
      await nc.close();
      await dir.cleanup();
    }
  });
});
