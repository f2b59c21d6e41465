import { decodeJson, type Job } from '@shoal/models';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShoal, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * The run commands wait by default, as Bacalhau's CLI does; `--wait=false` returns at once and
 * `--wait-timeout-secs` bounds the wait, leaving the job running. Against a real orchestrator and
 * a noop agent, whose Delay keeps a job running as long as a test needs.
 */

const noop = (params: Record<string, unknown>) =>
  JSON.stringify({ Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: params } }] });

describeWithServices(['nats'], 'shoal job run: waiting by default', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ agents: [{ name: 'default-wait-a', labels: {} }] });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const state = async (id: string) => {
    const res = await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}`);
    return (decodeJson(await res.text()) as { Job: Job }).Job.State.StateType;
  };
  /** Long-running jobs are stopped, and seen stopped, before the next test and the cluster's stop. */
  const stop = async (id: string) => {
    expect((await cluster.cli(['job', 'stop', id])).code).toBe(0);
    await waitFor(async () => (await state(id)) === 'Stopped', {
      timeoutMs: 30_000,
      message: `${id} to stop`,
    });
  };

  it('without flags waits for the end: its state, the final one with the exit code, the output', async () => {
    const run = await cluster.cli(['job', 'run', '-'], {
      stdin: noop({ Stdout: 'waited\n', Delay: '300ms' }),
    });
    expect(run.stderr).toMatch(/^Job j-[0-9a-f]{8} (Pending|Queued|Running)\n/);
    expect(run.stderr).toMatch(/\nJob (j-[0-9a-f]{8}) Completed \(exit code 0\)\n$/);
    expect([run.code, run.stdout]).toEqual([0, 'waited\n']);
  });

  it('--wait=false returns at once with the id, the job still running', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait=false'], { stdin: noop({ Delay: '60s' }) });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const id = /^Job successfully submitted\. Job ID: (j-[0-9a-f-]{36})\n/.exec(run.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(['Pending', 'Queued', 'Running']).toContain(await state(id));
    await stop(id);
  });

  it('--wait-timeout-secs gives up with a message and exit 1; the job keeps running', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--id-only', '--wait-timeout-secs', '1'], {
      stdin: noop({ Delay: '60s' }),
    });
    const id = run.stdout.trim();
    expect(id).toMatch(/^j-[0-9a-f-]{36}$/);
    expect(run.stderr).toMatch(
      /^Error: gave up waiting after 1s \(--wait-timeout-secs\): job j-[0-9a-f]{8} is still (Pending|Queued|Running) and keeps running; see it with: shoal job describe j-[0-9a-f]{8}\n$/,
    );
    expect(run.code).toBe(1);
    await waitFor(async () => (await state(id)) === 'Running', {
      timeoutMs: 10_000,
      message: `${id} to run`,
    });
    await stop(id);
  });

  it('--wait-timeout-secs bounds a wait with its status line too, and takes Go’s --flag=value', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait-timeout-secs=1'], {
      stdin: noop({ Delay: '60s' }),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /\nError: gave up waiting after 1s .* keeps running; see it with: shoal job describe (j-[0-9a-f]{8})\n$/,
    );
    const short = /shoal job describe (j-[0-9a-f]{8})\n$/.exec(run.stderr)?.[1] ?? '';
    const described = await cluster.cli(['job', 'describe', short, '-o', 'json']);
    const id = (decodeJson(described.stdout) as { Job: Job }).Job.ID;
    expect(await state(id)).toBe('Running');
    await stop(id);
  });
});

it('the run commands list --wait-timeout-secs (default 600, as Bacalhau’s) and refuse a bad value', async () => {
  for (const command of [
    ['job', 'run'],
    ['docker', 'run'],
    ['wasm', 'run'],
  ]) {
    const help = await runShoal(undefined, [...command, '--help']);
    expect(help.stdout).toMatch(/--wait-timeout-secs <n>[^-]*\(default:\s+600\)/);
  }
  const bad = await runShoal('http://127.0.0.1:9', [
    'docker',
    'run',
    'busybox',
    '--wait-timeout-secs',
    'soon',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--wait-timeout-secs.*must be a whole number/);
});
