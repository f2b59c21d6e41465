import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { decodeJson, type JobHistory, shortId } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  makeTempDir,
  removeContainersByLabel,
  type S3Server,
  startS3Server,
  type TempDir,
  testImageName,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { getJson, waitForJobState } from './cluster.js';

/**
 * S3 end to end: a real orchestrator, an agent with the docker engine and the s3 publisher, and a
 * real S3 API (s3rver). A job reads its input from a bucket and publishes to one; `shoal job get`
 * fetches what it published. The agent's credentials come from its environment, as in production.
 */
describeWithServices(['nats', 'docker'], 's3 inputs and results', () => {
  const NODE = 's3-a';
  const payload = randomBytes(512 * 1024);
  let s3: S3Server;
  let cluster: TestCluster;
  let dir: TempDir;
  const saved = { ...process.env };

  const jobIdLabelled = async (suite: string) => {
    const listed = await cluster.cli(['job', 'list', '--labels', `suite=${suite}`, '--output', 'json']);
    const [job] = (decodeJson(listed.stdout) as { Jobs: Array<{ ID: string }> }).Jobs;
    return job?.ID ?? '';
  };
  const history = async (id: string) =>
    (
      await getJson<{ History: JobHistory[] }>(
        `${cluster.api}/api/v1/orchestrator/jobs/${id}/history?limit=1000`,
      )
    ).History.map((h) => h.Comment).join('\n');

  beforeAll(async () => {
    await ensureTestImage();
    s3 = await startS3Server();
    dir = await makeTempDir('shoal-e2e-s3-');
    await s3.createBucket('inputs', 'results');
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'inputs', Key: 'data/a.txt', Body: 'alpha\n' }));
    await client.send(new PutObjectCommand({ Bucket: 'inputs', Key: 'data/sub/b.bin', Body: payload }));
    // The agent runs in this process: its SDK default chain reads these.
    Object.assign(process.env, s3.env);
    cluster = await startTestCluster({
      agents: [{ name: NODE, labels: {}, engines: ['docker'] }],
      orchestrator: { maxAttempts: 1 },
      agentConfig: { publishers: ['local', 's3'], s3Endpoints: [s3.endpoint] },
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await removeContainersByLabel(`io.shoal.node-id=${NODE}`);
    await s3?.stop();
    await dir?.cleanup();
    process.env = saved;
  });

  it('a job copies an s3 prefix to its outputs, publishes them compressed to s3, and job get fetches them', async () => {
    const file = join(dir.path, 'copy.yaml');
    await writeFile(
      file,
      [
        'Type: batch',
        'Labels: { suite: s3-copy }',
        'Tasks:',
        '  - Name: main',
        '    Engine:',
        '      Type: docker',
        '      Params:',
        `        Image: ${testImageName()}`,
        '        Entrypoint: [sh, -c]',
        '        Parameters: ["cp -r /inputs/. /outputs/ && cat /inputs/a.txt"]',
        '    InputSources:',
        '      - Target: /inputs',
        '        Source:',
        '          Type: s3',
        `          Params: { Bucket: inputs, Key: data/, Endpoint: "${s3.endpoint}" }`,
        '    ResultPaths: [{ Name: outputs, Path: /outputs }]',
        '    Publisher:',
        '      Type: s3',
        `      Params: { Bucket: results, Key: "jobs/{jobID}", Endpoint: "${s3.endpoint}", Compress: true }`,
      ].join('\n'),
    );
    const run = await cluster.cli(['job', 'run', '--wait', file]);
    expect(run.stdout).toBe('alpha\n');
    expect(run.code).toBe(0);
    const id = await jobIdLabelled('s3-copy');
    const head = await s3
      .client()
      .send(new HeadObjectCommand({ Bucket: 'results', Key: `jobs/${id}.tar.gz` }));
    expect(head.ContentLength).toBeGreaterThan(0);

    const got = await cluster.cli(['job', 'get', shortId(id), '--output-dir', dir.path], { env: s3.env });
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const root = join(dir.path, `job-${shortId(id)}`);
    expect(await readFile(join(root, 'stdout'), 'utf8')).toBe('alpha\n');
    expect(await readFile(join(root, 'exitCode'), 'utf8')).toBe('0');
    expect(await readFile(join(root, 'outputs', 'a.txt'), 'utf8')).toBe('alpha\n');
    expect((await readFile(join(root, 'outputs', 'sub', 'b.bin'))).equals(payload)).toBe(true);
  }, 120_000);

  it('docker run -i s3://… -p s3://… publishes one object per file, and job get fetches them', async () => {
    const run = await cluster.cli([
      'docker',
      'run',
      '--wait',
      '-l',
      'suite=s3-plain',
      '-i',
      `s3://inputs/data/sub/b.bin,opt=endpoint=${s3.endpoint}`,
      '-p',
      `s3://results/plain/{jobID},opt=endpoint=${s3.endpoint}`,
      testImageName(),
      '--',
      'sh',
      '-c',
      'wc -c < /inputs/b.bin',
    ]);
    expect(run.stdout.trim()).toBe(String(payload.length));
    const id = await jobIdLabelled('s3-plain');
    const out = join(dir.path, 'plain');
    const got = await cluster.cli(['job', 'get', id, '--output-dir', out], { env: s3.env });
    expect(got.code).toBe(0);
    expect((await readFile(join(out, `job-${shortId(id)}`, 'stdout'), 'utf8')).trim()).toBe(
      String(payload.length),
    );
  }, 120_000);

  it('fails with the reason when publishing fails, and refuses in the bid endpoints the node does not allow', async () => {
    const task = (extra: Record<string, unknown>) => ({
      Name: 'main',
      Engine: { Type: 'docker', Params: { Image: testImageName(), Parameters: ['true'] } },
      Timeouts: { QueueTimeout: 3 },
      ...extra,
    });
    const submit = async (extra: Record<string, unknown>) => {
      const file = join(dir.path, `job-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, JSON.stringify({ Type: 'batch', Tasks: [task(extra)] }));
      const run = await cluster.cli(['job', 'run', '--id-only', '--wait=false', file]);
      return run.stdout.trim();
    };

    const noBucket = await submit({
      Publisher: { Type: 's3', Params: { Bucket: 'missing-bucket', Key: 'x/', Endpoint: s3.endpoint } },
    });
    await waitForJobState(cluster.api, noBucket, ['Failed'], 60_000);
    expect(await history(noBucket)).toMatch(
      /publishing results failed: upload to s3:\/\/missing-bucket\/x\/\S+ failed: bucket missing-bucket does not exist/,
    );

    const stranger = await submit({
      InputSources: [
        {
          Target: '/inputs',
          Source: {
            Type: 's3',
            Params: { Bucket: 'inputs', Key: 'data/', Endpoint: 'http://collector.example:9000' },
          },
        },
      ],
    });
    await waitForJobState(cluster.api, stranger, ['Failed'], 60_000);
    expect(await history(stranger)).toContain(
      'input 0: S3 endpoint http://collector.example:9000 is not allowed on this node',
    );

    const collector = await submit({
      Publisher: {
        Type: 's3',
        Params: { Bucket: 'results', Key: 'x/', Endpoint: 'http://collector.example:9000' },
      },
    });
    await waitForJobState(cluster.api, collector, ['Failed'], 60_000);
    expect(await history(collector)).toContain(
      'publisher s3: S3 endpoint http://collector.example:9000 is not allowed on this node',
    );
  }, 150_000);
});
