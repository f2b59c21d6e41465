import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  describeWithServices,
  killOnExit,
  makeTempDir,
  type TempDir,
  useNatsServer,
  waitFor,
} from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AGENT_RESTARTED } from './executor/executor.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk } from './testing/fixtures.js';

/**
 * An agent killed mid-run (SIGKILL: no chance to clean up), with the noop engine, on the real
 * `./shoal serve --compute` process: restarted on the same data directory, it reports the
 * interrupted execution failed, exactly once.
 */

const shoal = fileURLToPath(new URL('../../../shoal', import.meta.url));

interface Agent {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

describeWithServices(['nats'], 'shoal serve --compute, SIGKILLed mid-run', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 500 });
    dir = await makeTempDir('shoal-agent-kill-');
  });
  afterEach(async () => {
    await fake.stop();
    await dir.cleanup();
  });

  function serve(): Agent {
    const args = ['serve', '--compute', '--nats-url', nats.url, '--data-dir', dir.path, '--name', 'n-kill'];
    const capacity = ['--cpu', '2', '--memory', '4Gi', '--disk', '1Gi', '--log-level', 'warn'];
    const child = killOnExit(spawn(shoal, [...args, ...capacity], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return { child, exited, stderr: () => stderr };
  }

  it('reports the interrupted execution as failed exactly once after a restart', async () => {
    const first = serve();
    await waitFor(() => fake.handshakes.length === 1, {
      timeoutMs: 60_000,
      message: () => `the first handshake; agent said: ${first.stderr()}`,
    });
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    fake.send('n-kill', 'AskForBid', ask);
    await waitFor(() => fake.heartbeats.at(-1)?.payload.RunningExecutions === 1, { message: 'the run' });

    first.child.kill('SIGKILL');
    await first.exited;
    expect(fake.notices).toEqual([]);

    const second = serve();
    try {
      await waitFor(() => fake.reportsOf(ask.ExecutionID).length === 2, {
        timeoutMs: 60_000,
        message: () => `the failure report; agent said: ${second.stderr()}`,
      });
      expect(fake.handshakes[1]?.payload.LastSeqReceived).toBe(1n);
      // Give a duplicate every chance to show up before asserting there is none.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(fake.reportsOf(ask.ExecutionID)).toEqual([
        { type: 'BidResult', payload: { ExecutionID: ask.ExecutionID, Accepted: true, Reason: '' } },
        { type: 'ComputeError', payload: { ExecutionID: ask.ExecutionID, Error: AGENT_RESTARTED } },
      ]);
      expect(fake.heartbeats.at(-1)?.payload.RunningExecutions).toBe(0);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    expect(fake.notices.map((n) => n.nodeId)).toEqual(['n-kill']);
  }, 120_000);
});
