import { createHash, randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Execution, JobHistory } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  type HttpFiles,
  makeTempDir,
  redirectTo,
  removeContainersByLabel,
  serveBytes,
  startHttpFiles,
  type TempDir,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { getJson, submit, waitForJobState } from './cluster.js';

/**
 * Input sources end to end: a real orchestrator, an agent with the docker engine, a local HTTP
 * server. Data round-trips into containers; every failure lands in the job's history with the input
 * named, and leaves nothing behind (no fetched files, no execution short of a terminal state).
 */
describeWithServices(['nats', 'docker'], 'input sources', () => {
  const NODE = 'inputs-a';
  const payload = randomBytes(256 * 1024);
  let cluster: TestCluster;
  let http: HttpFiles;
  let data: TempDir;

  const executionsDir = () => join(cluster.agents[0]?.config.dataDir ?? '', 'agent', 'executions');
  /** Every execution dir of the agent, and whether it still holds fetched inputs. */
  const leftovers = async () => {
    const ids = await readdir(executionsDir()).catch(() => [] as string[]);
    const left: string[] = [];
    for (const id of ids) if ((await readdir(join(executionsDir(), id))).includes('inputs')) left.push(id);
    return left;
  };
  const executions = async (id: string) =>
    (await getJson<{ Executions: Execution[] }>(`${cluster.api}/api/v1/orchestrator/jobs/${id}/executions`))
      .Executions;
  const task = (InputSources: unknown[], script = 'true') => ({
    Name: 'main',
    Engine: { Type: 'docker', Params: { Image: testImageName(), Parameters: ['sh', '-c', script] } },
    InputSources,
    Timeouts: { QueueTimeout: 3 },
  });
  const url = (path: string) => ({
    Source: { Type: 'urlDownload', Params: { URL: http.url(path) } },
    Target: '/inputs',
  });

  /** Submits, waits for Failed, and returns every comment of its history and its final message. */
  const failure = async (inputs: unknown[]) => {
    const id = await submit(cluster.api, { Type: 'batch', Tasks: [task(inputs)] });
    const view = await waitForJobState(cluster.api, id, ['Failed'], 60_000);
    const { History } = await getJson<{ History: JobHistory[] }>(
      `${cluster.api}/api/v1/orchestrator/jobs/${id}/history?limit=1000`,
    );
    // Nothing stuck: every execution ended (failed, or its bid rejected), no fetched file is left.
    for (const e of await executions(id)) expect([4, 6, 8, 9]).toContain(e.ComputeState.StateType);
    expect(await leftovers()).toEqual([]);
    return [...History.map((h) => h.Comment), view.Job.State.Message].join('\n');
  };

  beforeAll(async () => {
    await ensureTestImage();
    data = await makeTempDir('shoal-inputs-data-');
    await writeFile(join(data.path, 'x.txt'), 'from the host\n');
    const chain: Record<string, ReturnType<typeof redirectTo>> = {};
    for (let i = 0; i < 6; i++) chain[`/hop/${i}`] = redirectTo(`/hop/${i + 1}`);
    http = await startHttpFiles({
      '/files/data.bin': serveBytes(payload),
      '/big': serveBytes(Buffer.alloc(2 * 1024 * 1024)),
      '/to-ftp': redirectTo('ftp://example.com/x'),
      '/late.bin': (req, res) => {
        const timer = setTimeout(() => serveBytes(payload)(req, res), 4_000);
        res.on('close', () => clearTimeout(timer));
      },
      '/hang': (_req, res) => {
        res.writeHead(200);
        res.write('a');
      },
      ...chain,
    });
    cluster = await startTestCluster({
      agents: [{ name: NODE, labels: {}, engines: ['docker'] }],
      orchestrator: { maxAttempts: 1 },
      agentConfig: { allowLocalPaths: [`${data.path}:ro`], downloadMaxSize: '1MiB', downloadTimeout: '20s' },
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await removeContainersByLabel(`io.shoal.node-id=${NODE}`);
    await http?.close();
    await data?.cleanup();
  });

  it('downloads a URL into the container: the bytes round-trip, and the inputs are gone after', async () => {
    const run = await cluster.cli([
      'docker',
      'run',
      '--wait',
      '-i',
      http.url('/files/data.bin'),
      testImageName(),
      '--',
      'sha256sum',
      '/inputs/data.bin',
    ]);
    expect(run.stderr).toMatch(/Completed \(exit code 0\)\n$/);
    expect(run.stdout).toBe(`${createHash('sha256').update(payload).digest('hex')}  /inputs/data.bin\n`);
    expect(await leftovers()).toEqual([]);
  }, 60_000);

  it('mounts inline data and an allowed local directory, read-only', async () => {
    const run = await cluster.cli([
      'docker',
      'run',
      '--wait',
      '-i',
      'data:,hello%20inline%0A,dst=/inputs/hello.txt',
      '-i',
      `file://${data.path}:/data`,
      testImageName(),
      '--',
      'sh',
      '-c',
      'cat /inputs/hello.txt /data/x.txt; touch /data/new 2>/dev/null || echo read-only',
    ]);
    expect(run.stdout).toBe('hello inline\nfrom the host\nread-only\n');
    expect(run.code).toBe(0);
    expect(await readdir(data.path)).toEqual(['x.txt']);
  }, 60_000);

  it('fails a 404 naming the input', async () => {
    expect(await failure([url('/missing.csv')])).toContain(
      `input 0 (urlDownload ${http.url('/missing.csv')}): 404 Not Found`,
    );
  }, 90_000);

  it('fails a download over the node’s cap', async () => {
    expect(await failure([url('/big')])).toContain(
      `input 0 (urlDownload ${http.url('/big')}): the download is larger than this node allows (1 MiB)`,
    );
  }, 90_000);

  it('fails a redirect to another scheme, and too many redirects', async () => {
    expect(await failure([url('/to-ftp')])).toContain(
      'redirected to ftp://example.com/x: only http and https URLs can be downloaded, not ftp',
    );
    expect(await failure([url('/hop/0')])).toContain('too many redirects (more than 5)');
  }, 90_000);

  it('refuses a local path the node does not allow, in the bid', async () => {
    const comments = await failure([
      { Source: { Type: 'localDirectory', Params: { SourcePath: '/srv/private' } }, Target: '/data' },
    ]);
    expect(comments).toContain(
      `input 0: local path /srv/private is not allowed on this node (allowed: ${data.path}:ro)`,
    );
  }, 90_000);

  it('refuses a URL that is not http(s) on submission, naming the field', async () => {
    const ftp = { Source: { Type: 'urlDownload', Params: { URL: 'file:///etc/passwd' } }, Target: '/inputs' };
    await expect(submit(cluster.api, { Type: 'batch', Tasks: [task([ftp])] })).rejects.toThrow(
      /^submit: 400 .*Job\.Tasks\[0\]\.InputSources\[0\]\.Source\.Params\.URL/,
    );
  });

  it('does not count fetching toward the execution timeout', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Tasks: [{ ...task([url('/late.bin')], 'test -s /inputs/late.bin'), Timeouts: { ExecutionTimeout: 3 } }],
    });
    const view = await waitForJobState(cluster.api, id, ['Completed', 'Failed'], 60_000);
    expect(view.Job.State.StateType).toBe('Completed');
  }, 90_000);

  it('stops a fetch promptly when the job is stopped, and removes what it fetched', async () => {
    const id = await submit(cluster.api, { Type: 'batch', Tasks: [task([url('/hang')])] });
    await waitFor(async () => (await leftovers()).length > 0, {
      timeoutMs: 30_000,
      message: 'fetch to start',
    });
    const stop = await cluster.cli(['job', 'stop', id]);
    expect(stop.code).toBe(0);
    await waitForJobState(cluster.api, id, ['Stopped'], 30_000);
    await waitFor(async () => (await executions(id)).every((e) => e.ComputeState.StateType === 9), {
      timeoutMs: 10_000,
      message: 'execution to be cancelled',
    });
    expect(await leftovers()).toEqual([]);
  }, 90_000);

  it('leaves no execution running', async () => {
    await waitFor(async () => (await leftovers()).length === 0, { timeoutMs: 5_000, message: 'inputs left' });
  });
});
