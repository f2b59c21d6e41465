import { decodeJson } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  getFreePort,
  removeContainersByLabel,
  testImageName,
} from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShoal, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** `shoal docker run`: the job it builds (through --dry-run), its flag checks, and a real container. */

describe('shoal docker run: the job it builds', () => {
  const offline = { env: { SHOAL_API: '' } };
  beforeAll(async () => {
    offline.env.SHOAL_API = `http://127.0.0.1:${await getFreePort()}`;
  });
  const dryRun = async (args: string[]) => {
    const run = await runShoal(undefined, ['docker', 'run', '--dry-run', '-o', 'json', ...args], offline);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return decodeJson(run.stdout) as Record<string, unknown>;
  };

  it('maps every flag onto the job, IMAGE and the words after -- onto the docker task', async () => {
    const job = await dryRun([
      '--count',
      '3',
      '--cpu',
      '250m',
      '--memory',
      '64Mb',
      '--disk',
      '1Gi',
      '--env',
      'A=1',
      '-e',
      'B=x=y',
      '--label',
      'team=data',
      '-l',
      'env=dev',
      '--constraint',
      'zone=a',
      '--constraint',
      'gpu in (a100,h100),!legacy',
      '--timeout',
      '60',
      '--network',
      'host',
      '--publisher',
      'local',
      '--name',
      'hello',
      'busybox:1.36',
      '--',
      'sh',
      '-c',
      'echo "$A" --not-a-flag',
    ]);
    expect(job).toEqual({
      Name: 'hello',
      Namespace: 'default',
      Type: 'batch',
      Priority: 0,
      Count: 3,
      Constraints: [
        { Key: 'zone', Operator: '=', Values: ['a'] },
        { Key: 'gpu', Operator: 'in', Values: ['a100', 'h100'] },
        { Key: 'legacy', Operator: '!', Values: [] },
      ],
      Meta: {},
      Labels: { team: 'data', env: 'dev' },
      Tasks: [
        {
          Name: 'main',
          Engine: {
            Type: 'docker',
            Params: {
              Image: 'busybox:1.36',
              Entrypoint: [],
              Parameters: ['sh', '-c', 'echo "$A" --not-a-flag'],
              EnvironmentVariables: [],
              WorkingDirectory: '',
            },
          },
          Publisher: { Type: 'local', Params: {} },
          Env: { A: '1', B: 'x=y' },
          Meta: {},
          InputSources: [],
          ResultPaths: [],
          Resources: { CPU: '250m', Memory: '64Mb', Disk: '1Gi', GPU: '' },
          Network: { Type: 'Host' },
          Timeouts: { ExecutionTimeout: 60, QueueTimeout: 0, TotalTimeout: 0 },
        },
      ],
    });
  });

  it('leaves every default to the server’s rules when no flag is given', async () => {
    const job = (await dryRun(['busybox'])) as { Count: number; Tasks: Array<Record<string, unknown>> };
    expect(job.Count).toBe(1);
    expect(job.Tasks[0]).toMatchObject({
      Engine: { Type: 'docker', Params: { Image: 'busybox', Parameters: [] } },
      Publisher: { Type: '' },
      Resources: { CPU: '500m', Memory: '512Mb' },
      Network: { Type: 'None' },
      Timeouts: { ExecutionTimeout: 1800 },
    });
  });

  it('reads -o NAME:PATH or NAME=PATH as a result path, as Bacalhau’s docker run does, and -o FORMAT as the format', async () => {
    const job = (await dryRun(['-o', 'outputs:/outputs', '--output', 'logs=/var/log/app', 'busybox'])) as {
      Tasks: Array<Record<string, unknown>>;
    };
    expect(job.Tasks[0]).toMatchObject({
      ResultPaths: [
        { Name: 'outputs', Path: '/outputs' },
        { Name: 'logs', Path: '/var/log/app' },
      ],
      // Results need somewhere to go: the node's own results server unless -p says otherwise.
      Publisher: { Type: 'local' },
    });
    const yaml = await runShoal(
      undefined,
      ['docker', 'run', '--dry-run', '--result-path', 'o:/o', '-o', 'yaml', 'busybox'],
      offline,
    );
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/ResultPaths:\n\s+- Name: o\n\s+Path: \/o\n/);
  });

  it('takes --network http with the --domain list it needs, as Bacalhau’s docker run does', async () => {
    const job = (await dryRun([
      '--network',
      'http',
      '--domain',
      'example.com',
      '--domain',
      '.pypi.org',
      'busybox',
    ])) as {
      Tasks: Array<Record<string, unknown>>;
    };
    expect(job.Tasks[0]?.Network).toEqual({ Type: 'HTTP', Domains: ['example.com', '.pypi.org'] });
  });

  it.each([
    [['-o', 'outputs', 'busybox'], /option '-o, --output <format\|name:path>' argument 'outputs' is invalid/],
    [['--count', '0', 'busybox'], /option '--count <n>' argument '0' is invalid/],
    [
      ['--env', 'NOVALUE', 'busybox'],
      /option '-e, --env <K=V>' argument 'NOVALUE' is invalid\. expected KEY=VALUE/,
    ],
    [['--label', 'a=1', '--label', 'a=2', 'busybox'], /"a" is given twice/],
    [['--constraint', 'zone in (a', 'busybox'], /label selector "zone in \(a"/],
    [['--timeout', '-5', 'busybox'], /option '--timeout <seconds>' argument '-5' is invalid/],
    [[], /missing required argument 'image'/],
    [
      ['--network', 'bogus', '--cpu', 'lots', 'Bad Image'],
      /^Error: invalid request: .*Image: invalid image reference.*Resources\.CPU.*Network\.Type: unknown network type "bogus"/,
    ],
  ])('refuses %j with exit code 2 and a one-line reason', async (args, message) => {
    const run = await runShoal(undefined, ['docker', 'run', '--dry-run', ...args], offline);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
  });
});

describeWithServices(['nats', 'docker'], 'shoal docker run with the docker engine', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    await ensureTestImage();
    cluster = await startTestCluster({
      agents: [{ name: 'docker-cli-a', labels: { zone: 'a' }, engines: ['docker', 'noop'] }],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await removeContainersByLabel('io.shoal.node-id=docker-cli-a');
  });

  it('runs a container with --wait and prints what it printed', async () => {
    const run = await cluster.cli([
      'docker',
      'run',
      '--wait',
      testImageName(),
      '--',
      'echo',
      'hello',
      'world',
    ]);
    expect(run.stdout).toBe('hello world\n');
    expect(run.stderr).toMatch(/Completed \(exit code 0\)\n$/);
    expect(run.code).toBe(0);
  }, 60_000);

  it('exits with the container’s exit code, after printing its output', async () => {
    const run = await cluster.cli([
      'docker',
      'run',
      '--wait',
      testImageName(),
      '--',
      'sh',
      '-c',
      'echo partial; echo bad >&2; exit 7',
    ]);
    expect(run.stdout).toBe('partial\n');
    expect(run.stderr).toMatch(/Job j-[0-9a-f]{8} Failed \(exit code 7\).*\n(.*\n)*bad\n/);
    expect(run.code).toBe(7);
  }, 60_000);

  it('with --wait=false prints the job id and how to follow it; --id-only just the id', async () => {
    const run = await cluster.cli(['docker', 'run', '--wait=false', testImageName(), '--', 'true']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Job successfully submitted\. Job ID: j-[0-9a-f-]{36}\n/);
    expect(run.stdout).toMatch(/shoal job logs --follow j-[0-9a-f]{8}/);
    const idOnly = await cluster.cli([
      'docker',
      'run',
      '--id-only',
      '--wait=false',
      testImageName(),
      '--',
      'true',
    ]);
    expect(idOnly.code).toBe(0);
    expect(idOnly.stdout).toMatch(/^j-[0-9a-f-]{36}\n$/);
  });
});
