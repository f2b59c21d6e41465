import { decodeJson, type Execution } from '@shoal/models';
import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * `shoal job logs` and `--follow` of jobs with several executions, against a real orchestrator
 * and two noop agents. Each execution asks for more than half an agent's CPU, so the two of a
 * Count=2 job run on different nodes and their lines carry different prefixes.
 */

const twoParts = (params: Record<string, unknown>) =>
  JSON.stringify({
    Type: 'batch',
    Count: 2,
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'noop', Params: params },
        Resources: { CPU: '1500m' },
      },
    ],
  });

const sorted = (text: string) => text.trimEnd().split('\n').sort();

describeWithServices(['nats'], 'shoal job logs: every execution, prefixed by its node', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({
      agents: [
        { name: 'logs-a', labels: { zone: 'a' } },
        { name: 'logs-b', labels: { zone: 'b' } },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const executionsOf = async (id: string): Promise<Execution[]> =>
    (
      decodeJson((await cluster.cli(['job', 'executions', id, '-o', 'json'])).stdout) as {
        Executions: Execution[];
      }
    ).Executions;

  it('prints the lines of both executions, each with its node; --execution picks one, bare', async () => {
    const started = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
      stdin: twoParts({ Stdout: 'one\ntwo\n', Stderr: 'warn\n' }),
    });
    expect(started.code).toBe(0);
    const id = started.stdout.trim();

    const all = await cluster.cli(['job', 'logs', id.slice(0, 10)]);
    expect(all.code).toBe(0);
    expect(sorted(all.stdout)).toEqual(['logs-a | one', 'logs-a | two', 'logs-b | one', 'logs-b | two']);
    // Each execution's own lines keep their order.
    expect(all.stdout).toMatch(/logs-a \| one\n(.*\n)*logs-a \| two\n/);
    expect(sorted(all.stderr)).toEqual(['logs-a | warn', 'logs-b | warn']);

    const onB = (await executionsOf(id)).find((e) => e.NodeID === 'logs-b');
    const one = await cluster.cli(['job', 'logs', id, '--execution', (onB?.ID ?? '').slice(0, 10)]);
    expect(one).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: 'warn\n' });

    const tail = await cluster.cli(['job', 'logs', id, '--tail', '1']);
    expect(sorted(tail.stdout)).toEqual(['logs-a | two', 'logs-b | two']);
  });

  it('--follow streams both executions as they run, then the state', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--follow'], {
      stdin: twoParts({ Stdout: 'late\n', Delay: '400ms' }),
    });
    expect(run.code).toBe(0);
    expect(sorted(run.stdout)).toEqual(['logs-a | late', 'logs-b | late']);
    expect(run.stderr).toMatch(/^Job j-[0-9a-f]{8} Completed \(exit code 0\)\n$/);
  });

  it('job logs --follow of a running job waits for both executions to end', async () => {
    const started = await cluster.cli(['job', 'run', '-', '--id-only', '--wait=false'], {
      stdin: twoParts({ Stdout: 'first\nlast\n', Delay: '500ms' }),
    });
    const id = started.stdout.trim();
    const follow = await cluster.cli(['job', 'logs', id, '--follow']);
    expect(follow.code).toBe(0);
    expect(sorted(follow.stdout)).toEqual([
      'logs-a | first',
      'logs-a | last',
      'logs-b | first',
      'logs-b | last',
    ]);
    const executions = await executionsOf(id);
    expect(executions.map((e) => e.ComputeState.StateType)).toEqual([7, 7]);
  });

  it('a job that never ran has no logs: one line saying why, exit 2', async () => {
    const failed = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
      stdin: JSON.stringify({
        Type: 'batch',
        Constraints: [{ Key: 'zone', Operator: '=', Values: ['nowhere'] }],
        // No node has zone=nowhere: the job fails once its 1 s queue timeout is over.
        Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} }, Timeouts: { QueueTimeout: 1 } }],
      }),
    });
    const logs = await cluster.cli(['job', 'logs', failed.stdout.trim()]);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toMatch(
      /^Error: job j-[0-9a-f]{8} has no execution that ran \(hint: the job is Failed: .*no node satisfies/,
    );
  });
});
