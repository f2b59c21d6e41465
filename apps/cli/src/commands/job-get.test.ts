import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shortId } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  makeTempDir,
  removeContainersByLabel,
  type TempDir,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * Results end to end: a docker task writes into its ResultPath, the agent's local publisher packs
 * it with stdout, stderr and exitCode, `/results` names the URL (signed by the orchestrator, which
 * the agent's results server insists on), and `shoal job get` unpacks it.
 */
describeWithServices(['nats', 'docker'], 'shoal job get with the local publisher', () => {
  let cluster: TestCluster;
  let dir: TempDir;
  beforeAll(async () => {
    await ensureTestImage();
    dir = await makeTempDir('shoal-job-get-');
    cluster = await startTestCluster({
      agents: [{ name: 'results-a', labels: { zone: 'a' }, engines: ['docker'] }],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
    await removeContainersByLabel('io.shoal.node-id=results-a');
  });

  async function runJob(publisher: string): Promise<string> {
    const file = join(dir.path, `${publisher}.yaml`);
    await writeFile(
      file,
      [
        'Type: batch',
        'Tasks:',
        '  - Name: main',
        '    Engine:',
        '      Type: docker',
        '      Params:',
        `        Image: ${testImageName()}`,
        '        Entrypoint: [sh, -c]',
        '        Parameters: ["mkdir -p /outputs/deep && echo 42 > /outputs/deep/answer && echo done"]',
        `    Publisher: { Type: ${publisher} }`,
        '    ResultPaths: [{ Name: outputs, Path: /outputs }]',
      ].join('\n'),
    );
    const submitted = await cluster.cli(['job', 'run', '--id-only', '--wait=false', file]);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^j-/);
    const waited = await cluster.cli(['job', 'logs', id, '--follow']);
    expect(waited.stdout).toBe('done\n');
    // The log stream ends with the run; the report that completes the job may follow it.
    await waitFor(
      async () => {
        const view = (await (await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}`)).json()) as {
          Job: { State: { StateType: string } };
        };
        return view.Job.State.StateType === 'Completed';
      },
      { timeoutMs: 30_000, message: `job ${id} to complete` },
    );
    return id;
  }

  it('downloads and unpacks what the task left in its ResultPath, with stdout, stderr and exitCode', async () => {
    const id = await runJob('local');
    const results = (await (await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}/results`)).json()) as {
      Results: unknown[];
    };
    const signed = /^http:\/\/127\.0\.0\.1:\d+\/results\/e-[^/?]+\.tar\.gz\?expires=\d+&sig=[0-9a-f]{64}$/;
    expect(results.Results).toEqual([{ Type: 'local', Params: { URL: expect.stringMatching(signed) } }]);
    const url = new URL(String((results.Results[0] as { Params: { URL: string } }).Params.URL));
    // The signature is what opens it: the bare URL, or this one for another execution, is refused.
    const bare = await fetch(`${url.origin}${url.pathname}`);
    expect([bare.status, ((await bare.json()) as { Message: string }).Message]).toEqual([
      403,
      expect.stringMatching(/^unsigned result URL/),
    ]);
    const other = await fetch(
      `${url.origin}/results/e-00000000-0000-0000-0000-000000000000.tar.gz${url.search}`,
    );
    expect(other.status).toBe(403);
    await other.body?.cancel();

    const got = await cluster.cli(['job', 'get', id, '--output-dir', dir.path]);
    expect(got.code).toBe(0);
    const root = join(dir.path, `job-${shortId(id)}`);
    expect(await readFile(join(root, 'outputs', 'deep', 'answer'), 'utf8')).toBe('42\n');
    expect(await readFile(join(root, 'stdout'), 'utf8')).toBe('done\n');
    expect(await readFile(join(root, 'exitCode'), 'utf8')).toBe('0');
    expect(await readFile(join(root, 'stderr'), 'utf8')).toBe('');
  }, 90_000);

  it('publishes nothing with the noop publisher: /results is empty', async () => {
    const id = await runJob('noop');
    const results = (await (await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}/results`)).json()) as {
      Results: unknown[];
    };
    expect(results.Results).toEqual([]);
  }, 90_000);
});
