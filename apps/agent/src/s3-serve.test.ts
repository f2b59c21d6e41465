import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  describeWithServices,
  killOnExit,
  makeTempDir,
  startS3Server,
  type TempDir,
  useNatsServer,
  waitFor,
} from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk, makeJob } from './testing/fixtures.js';

/**
 * S3 from the real `./shoal serve --compute` process, which runs the bundle of built JavaScript
 * when it is up to date (as in CI and after setup): an s3 input is fetched and the results go to
 * an s3 publisher. The S3 SDK is loaded with a dynamic import, which the bundle answers
 * differently from node (its exports under `default` only): the in-process tests never saw that.
 */

const shoal = fileURLToPath(new URL('../../../shoal', import.meta.url));

describeWithServices(['nats'], 'shoal serve --compute with S3 in and out', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 500 });
    dir = await makeTempDir('shoal-agent-s3-');
    s3 = await startS3Server();
    await s3.createBucket('inputs', 'results');
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await fake.stop();
    await s3.stop();
    await dir.cleanup();
  });

  it('fetches an s3 input and publishes the results to s3', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'inputs', Key: 'data/x.txt', Body: 'hello s3' }));
    const args = ['serve', '--compute', '--nats-url', nats.url, '--data-dir', dir.path, '--name', 'n-s3'];
    const node = ['--engines', 'noop', '--publishers', 's3', '--s3-endpoint', s3.endpoint];
    const capacity = ['--cpu', '2', '--memory', '4Gi', '--disk', '1Gi', '--log-level', 'warn'];
    child = killOnExit(
      spawn(shoal, [...args, ...node, ...capacity], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...s3.env },
      }),
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => fake.handshakes.length === 1, {
      timeoutMs: 60_000,
      message: () => `the handshake; agent said: ${stderr}`,
    });
    const Endpoint = s3.endpoint;
    const Job = makeJob({
      Engine: { Type: 'noop', Params: { Stdout: 'published' } },
      InputSources: [
        {
          Source: { Type: 's3', Params: { Bucket: 'inputs', Key: 'data/x.txt', Endpoint } },
          Alias: '',
          Target: '/in',
        },
      ],
      Publisher: { Type: 's3', Params: { Bucket: 'results', Key: 'job/', Endpoint } },
    });
    const ask = makeAsk({}, { WaitForApproval: false, Job });
    fake.send('n-s3', 'AskForBid', ask);
    const ended = await waitFor(
      () => fake.reportsOf(ask.ExecutionID).find((r) => r.type === 'RunResult' || r.type === 'ComputeError'),
      { timeoutMs: 60_000, message: () => `the run's end; agent said: ${stderr}` },
    );
    expect(ended).toMatchObject({
      type: 'RunResult',
      payload: { RunOutput: { exitCode: 0 }, PublishedResult: { Type: 's3', Params: { Bucket: 'results' } } },
    });
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: 'results', Prefix: 'job/' }));
    expect((listed.Contents ?? []).map((o) => o.Key?.split('/').at(-1))).toContain('stdout');
  });
});
