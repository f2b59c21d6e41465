import { decodeJson } from '@shoal/models';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** describe, executions, history and stop against a real orchestrator and a noop agent. */

const noopJob = (stdout: string, labels: Record<string, string>) =>
  JSON.stringify({
    Type: 'batch',
    Labels: labels,
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: stdout } } }],
  });

async function api(cluster: TestCluster, path: string): Promise<unknown> {
  const res = await fetch(`${cluster.api}/api/v1/orchestrator${path}`);
  expect(res.status).toBe(200);
  return decodeJson(await res.text());
}

describeWithServices(['nats'], 'shoal job describe|executions|history|stop', () => {
  let cluster: TestCluster;
  const ids: string[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster({ agents: [{ name: 'inspect-a', labels: { zone: 'a' } }] });
    for (const [stdout, tier] of [
      ['first\n', 'gold'],
      ['second\n', 'silver'],
    ] as const) {
      const run = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
        stdin: noopJob(stdout, { suite: 'inspect', tier }),
      });
      expect(run.code).toBe(0);
      ids.push(run.stdout.trim());
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const short = (id: string) => id.slice(0, 10);

  it('--output json and yaml print the API’s own objects, int64 times exact', async () => {
    const describe = await cluster.cli(['job', 'describe', short(ids[0] ?? ''), '--output', 'json']);
    expect(decodeJson(describe.stdout)).toEqual(await api(cluster, `/jobs/${ids[0]}?include=executions`));

    expect(describe.stdout).toMatch(/"CreateTime": \d{19},/);

    const yaml = await cluster.cli(['job', 'describe', short(ids[0] ?? ''), '--output', 'yaml']);
    const fromYaml = parseYaml(yaml.stdout, { intAsBigInt: true }) as {
      Job: { ID: string; CreateTime: bigint };
    };
    const view = (await api(cluster, `/jobs/${ids[0]}`)) as { Job: { CreateTime: bigint } };
    expect(fromYaml.Job.ID).toBe(ids[0]);
    expect(fromYaml.Job.CreateTime).toBe(view.Job.CreateTime);

    const executions = await cluster.cli(['job', 'executions', short(ids[0] ?? ''), '-o', 'json']);
    expect(decodeJson(executions.stdout)).toEqual(await api(cluster, `/jobs/${ids[0]}/executions`));

    const history = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '-o', 'json']);
    expect(decodeJson(history.stdout)).toEqual(await api(cluster, `/jobs/${ids[0]}/history?limit=1000`));
  });

  it('describes a job by its short id: fields, executions and their output', async () => {
    const run = await cluster.cli(['job', 'describe', short(ids[1] ?? '')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ID\\s+= ${ids[1]}\\n`));
    expect(run.stdout).toMatch(/^State\s+= Completed$/m);
    expect(run.stdout).toMatch(/^Labels\s+= suite=inspect, tier=silver$/m);
    expect(run.stdout).toMatch(/^Executions\nID\s+NODE\s+STATE\s+DESIRED\s+EXIT/m);
    expect(run.stdout).toMatch(/e-[0-9a-f]{8}\s+inspect-a\s+Completed\s+Stopped\s+0/);
    expect(run.stdout).toMatch(/Standard output of e-[0-9a-f]{8}\n {2}second\n$/);
  });

  it('lists executions and history as tables, with filters', async () => {
    const executions = await cluster.cli(['job', 'executions', short(ids[0] ?? '')]);
    expect(executions.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(executions.stdout).toMatch(/inspect-a\s+Completed/);

    const history = await cluster.cli(['job', 'history', short(ids[0] ?? '')]);
    expect(history.stdout).toMatch(/Job\s+1\s+Pending → Pending\s+Job created/);
    expect(history.stdout).toMatch(/Execution\s+\d+\s+e-[0-9a-f]{8}\s+inspect-a\s+BidAccepted → Completed/);
    expect(history.stdout).toMatch(/Running → Completed/);

    const executionId = /e-[0-9a-f]{8}/.exec(history.stdout)?.[0] ?? '';
    const byExecution = await cluster.cli([
      'job',
      'history',
      short(ids[0] ?? ''),
      '--execution-id',
      executionId,
    ]);
    const executionLines = byExecution.stdout.trimEnd().split('\n').slice(1);
    expect(executionLines.length).toBeGreaterThanOrEqual(3);
    expect(executionLines.every((l) => l.includes(executionId))).toBe(true);
    const byNode = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '--node-id', 'inspect']);
    expect(byNode.stdout.trimEnd().split('\n').slice(1)).toEqual(executionLines);
    const noSuch = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '--execution-id', 'e-00000000']);
    expect(noSuch.code).toBe(2);
    expect(noSuch.stderr).toMatch(/^Error: no execution of job j-[0-9a-f]{8} matches e-00000000 \(hint: /);

    const jobOnly = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '--event-type', 'job']);
    expect(jobOnly.stdout).not.toMatch(/Execution\s/);
    expect(jobOnly.stdout.trimEnd().split('\n').length).toBeGreaterThanOrEqual(3);
  });

  it('pages history with --limit and --next-token, and the hint repeats the command', async () => {
    const all = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '-o', 'wide', '--no-style']);
    // Column widths follow each page's own rows: compare the cells, not the padding.
    const rows = (stdout: string) =>
      stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.replace(/ {2,}/g, '|'));
    const allRows = rows(all.stdout);
    expect(allRows.length).toBeGreaterThan(3);
    const first = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '--limit', '2', '-o', 'wide']);
    expect(rows(first.stdout)).toEqual(allRows.slice(0, 2));
    const hint = /^More events: (shoal job history .*--next-token (\S+))$/m.exec(first.stderr);
    expect(hint?.[1]).toContain('--limit 2');
    const second = await cluster.cli([
      'job',
      'history',
      short(ids[0] ?? ''),
      '--limit',
      '2',
      '-o',
      'wide',
      '--next-token',
      hint?.[2] ?? '',
    ]);
    expect(rows(second.stdout)).toEqual(allRows.slice(2, 4));
    const yaml = await cluster.cli(['job', 'history', short(ids[0] ?? ''), '--limit', '1', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^NextToken: \S+\nHistory:\n {2}- /);
  });

  it('prints every column with -o wide, as with --wide', async () => {
    const wide = await cluster.cli(['job', 'executions', short(ids[0] ?? ''), '-o', 'wide']);
    const flag = await cluster.cli(['job', 'executions', short(ids[0] ?? ''), '--wide']);
    expect(wide.stdout).toMatch(/EXECUTION ID/);
    expect(wide.stdout).toBe(flag.stdout);
    const bad = await cluster.cli(['job', 'executions', short(ids[0] ?? ''), '-o', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--output.*must be one of table, wide, json, yaml/);
  });

  it('stops a running job; a finished one is refused with the server’s message and hint', async () => {
    const started = await cluster.cli(['job', 'run', '-', '--id-only', '--wait=false'], {
      stdin: JSON.stringify({
        Type: 'batch',
        Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Delay: '10m' } } }],
      }),
    });
    const id = started.stdout.trim();
    const stop = await cluster.cli(['job', 'stop', short(id), '--reason', 'enough']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`^Stopping job ${short(id)} \\(evaluation [0-9a-f-]{36}\\)\\n$`));
    const state = await waitFor(
      async () => {
        const view = (await api(cluster, `/jobs/${id}`)) as {
          Job: { State: { StateType: string; Message: string } };
        };
        return view.Job.State.StateType === 'Stopped' ? view.Job.State : undefined;
      },
      { timeoutMs: 20_000, message: 'the job to stop' },
    );
    expect(state.Message).toContain('enough');

    const finished = await cluster.cli(['job', 'stop', short(ids[0] ?? '')]);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toMatch(/^Error: job j-[0-9a-f-]{36} is already Completed \(hint: .+\)\n$/);
  });

  it('job get says so when a job published nothing', async () => {
    const run = await cluster.cli(['job', 'get', short(ids[0] ?? ''), '--output-dir', '/nonexistent']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^Error: job j-[0-9a-f]{8} has no published results \(state Completed\) \(hint: .*--publisher local.*\)\n$/,
    );
  });

  it('an unknown or ambiguous id is one line and exit 2', async () => {
    for (const args of [
      ['job', 'describe', 'j-00000000'],
      ['job', 'executions', 'j-00000000'],
      ['job', 'history', 'j-00000000'],
      ['job', 'stop', 'j-00000000'],
      ['job', 'logs', 'j-00000000'],
      ['job', 'get', 'j-00000000'],
    ]) {
      const run = await cluster.cli(args);
      expect([args, run.code, run.stderr]).toEqual([args, 2, 'Error: job not found: j-00000000\n']);
    }
    const ambiguous = await cluster.cli(['job', 'describe', 'j-']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/^Error: .*j-/);
    expect(ambiguous.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
