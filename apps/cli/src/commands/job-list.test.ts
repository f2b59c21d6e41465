import { decodeJson } from '@shoal/models';
import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** `shoal job list` against a real orchestrator: order, filters, pages and their hints. */

const noopJob = (labels: Record<string, string>) =>
  JSON.stringify({
    Type: 'batch',
    Labels: labels,
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }],
  });

/** The ID column of a job list table. */
const idsIn = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s{2,}/)[1]);

describeWithServices(['nats'], 'shoal job list', () => {
  let cluster: TestCluster;
  const ids: string[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster({ agents: [{ name: 'list-a', labels: { zone: 'a' } }] });
    for (const tier of ['gold', 'silver']) {
      const run = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
        stdin: noopJob({ suite: 'list', tier }),
      });
      expect(run.code).toBe(0);
      ids.push(run.stdout.trim());
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const short = (id: string | undefined) => (id ?? '').slice(0, 10);

  it('shows the newest first, --reverse the oldest first, filtered by labels', async () => {
    const all = await cluster.cli(['job', 'list', '--labels', 'suite=list']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CREATED\s+ID\s+NAME\s+TYPE\s+ENGINE\s+STATE\s+LABELS$/);
    expect(idsIn(all.stdout)).toEqual([short(ids[1]), short(ids[0])]);
    expect(lines[2]).toMatch(/batch\s+noop\s+Completed\s+suite=list, tier=gold$/);

    const oldest = await cluster.cli(['job', 'list', '--labels', 'suite=list', '--reverse']);
    expect(idsIn(oldest.stdout)).toEqual([short(ids[0]), short(ids[1])]);

    const gold = await cluster.cli(['job', 'list', '--labels', 'tier in (gold)', '--wide']);
    expect(gold.stdout).toContain(ids[0]);
    expect(gold.stdout).not.toContain(short(ids[1]));
    expect(gold.stdout.split('\n')[0]).toMatch(/JOB ID\s+NAME\s+NAMESPACE/);
  });

  it('the next-page hint repeats every flag given; following it shows the next page', async () => {
    // The hint lists the flags in the command's own order, whatever order they were typed in.
    for (const [order, repeated, first, second] of [
      [[], '', ids[1], ids[0]],
      [['--reverse', '--order-by', 'create_time'], ' --order-by create_time --reverse', ids[0], ids[1]],
    ] as const) {
      const page = await cluster.cli(['job', 'list', '--labels', 'suite=list', '--limit', '1', ...order]);
      expect(idsIn(page.stdout)).toEqual([short(first)]);
      const hint = /^More jobs: (shoal .+)\n$/.exec(page.stderr)?.[1] ?? '';
      const flags = `--labels suite=list --limit 1${repeated}`;
      expect(hint).toMatch(new RegExp(`^shoal job list ${flags} --next-token \\S+$`));
      // Nothing in this hint needs quoting, so splitting on spaces reads it as a shell would.
      const next = await cluster.cli(hint.split(' ').slice(1));
      expect(next.code).toBe(0);
      expect(idsIn(next.stdout)).toEqual([short(second)]);
    }
    const quoted = await cluster.cli(['job', 'list', '--labels', 'tier in (gold,silver)', '--limit', '1']);
    expect(quoted.stderr).toMatch(
      /^More jobs: shoal job list --labels 'tier in \(gold,silver\)' --limit 1 --next-token \S+\n$/,
    );
  });

  it('--output json is the API’s own page, in the same order', async () => {
    const json = await cluster.cli(['job', 'list', '--labels', 'suite=list', '-o', 'json']);
    const res = await fetch(`${cluster.api}/api/v1/orchestrator/jobs?labels=suite%3Dlist&reverse=true`);
    expect(decodeJson(json.stdout)).toEqual(decodeJson(await res.text()));
    expect((decodeJson(json.stdout) as { Jobs: Array<{ ID: string }> }).Jobs.map((j) => j.ID)).toEqual([
      ids[1],
      ids[0],
    ]);
  });
});
