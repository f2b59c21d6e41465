import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Execution, NodeState } from '@shoal/models';
import {
  describeWithServices,
  dockerClient,
  getFreePort,
  makeTempDir,
  type TempDir,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  api,
  killProcessesUsing,
  processesUsing,
  type RunningDevstack,
  startDevstack,
} from './devstack-harness.js';

/**
 * `./shoal devstack` end to end: the real command, its real children (an orchestrator with its
 * nats-server, three agents), on ports that are taken on purpose, then stopped with SIGINT.
 */
describeWithServices(['nats'], 'shoal devstack', () => {
  let dir: TempDir;
  let devstack: RunningDevstack;
  let url: string;
  const squatters: Server[] = [];
  let takenApi = 0;
  let takenNats = 0;

  /** A port someone else listens on, so devstack must pick another. */
  async function squat(): Promise<number> {
    const port = await getFreePort();
    const server = createServer();
    squatters.push(server);
    await new Promise<void>((done) => server.listen({ host: '127.0.0.1', port }, done));
    return port;
  }

  beforeAll(async () => {
    dir = await makeTempDir('shoal-devstack-');
    takenApi = await squat();
    takenNats = await squat();
    devstack = startDevstack([
      ...['--nodes', '3', '--engines', 'noop', '--data-dir', dir.path],
      ...['--api-port', String(takenApi), '--nats-port', String(takenNats)],
      ...['--node-labels', 'tier=gold,zone=a'],
    ]);
    url = await devstack.ready();
  }, 300_000);

  afterAll(async () => {
    killProcessesUsing(dir.path);
    for (const s of squatters) s.close();
    await dir.cleanup();
  });

  const nodes = async () => (await api<{ Nodes: NodeState[] }>(url, '/orchestrator/nodes')).Nodes;

  it('moves off taken ports and says so', () => {
    expect(devstack.stderr()).toContain(`API port ${takenApi} is taken: the API listens on`);
    expect(devstack.stderr()).toContain(`NATS port ${takenNats} is taken: nats-server listens on`);
    expect(new URL(url).port).not.toBe(String(takenApi));
    const natsPort = /^NATS +nats:\/\/127\.0\.0\.1:(\d+)$/m.exec(devstack.stdout())?.[1];
    expect(natsPort).toBeDefined();
    expect(natsPort).not.toBe(String(takenNats));
  });

  it('prints each node with its labels and lists three connected nodes with distinct labels', async () => {
    for (const [name, labels] of [
      ['node-1', 'name=node-1,tier=gold,zone=a'],
      ['node-2', 'name=node-2,zone=b'],
      ['node-3', 'name=node-3,zone=c'],
    ]) {
      expect(devstack.stdout()).toMatch(new RegExp(`^${name} +${name} +${labels} +.* noop +\\d+$`, 'm'));
    }
    const listed = (await nodes()).filter((n) => n.Info.NodeType === 'Compute');
    expect(listed.map((n) => [n.Info.NodeID, n.Connection, n.Info.Labels]).sort()).toEqual([
      ['node-1', 'CONNECTED', { zone: 'a', name: 'node-1', tier: 'gold' }],
      ['node-2', 'CONNECTED', { zone: 'b', name: 'node-2' }],
      ['node-3', 'CONNECTED', { zone: 'c', name: 'node-3' }],
    ]);
    expect(devstack.stdout()).toContain(`child logs in ${join(dir.path, 'logs')}`);
    expect(readFileSync(join(dir.path, 'logs', 'node-2.log'), 'utf8')).toContain('handshake accepted');
  });

  it('divides the host between the nodes instead of counting it once per node', async () => {
    const listed = (await nodes()).filter((n) => n.Info.NodeType === 'Compute');
    const cpus = listed.map((n) => n.Info.ComputeNodeInfo?.MaxCapacity.CPU ?? 0);
    const memory = listed.map((n) => n.Info.ComputeNodeInfo?.MaxCapacity.Memory ?? 0);
    // Together they offer what one agent alone would (80% of the host), each a third of it.
    expect(cpus.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(availableParallelism() * 0.8 + 0.001);
    expect(memory.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(totalmem() * 0.8);
    for (const m of memory) expect(m).toBeGreaterThan(totalmem() * 0.26);
    expect(devstack.stdout()).toMatch(/^The nodes offer .* in all; this host has \d+ CPU/m);
    expect(devstack.stdout()).toMatch(/^Dashboard +http:\/\/127\.0\.0\.1:\d+\/ui$/m);
  });

  const submitNoop = async (stdout: string, zone?: string) =>
    (
      await api<{ JobID: string }>(url, '/orchestrator/jobs', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          Job: {
            Type: 'batch',
            Constraints: zone ? [{ Key: 'zone', Operator: '=', Values: [zone] }] : [],
            Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: stdout } } }],
          },
        }),
      })
    ).JobID;
  const jobState = async (id: string) =>
    (await api<{ Job: { State: { StateType: string } } }>(url, `/orchestrator/jobs/${id}`)).Job.State
      .StateType;

  it('runs a noop job to completion through the API', async () => {
    const id = await submitNoop('from devstack\n', 'c');
    await waitFor(async () => (await jobState(id)) === 'Completed', {
      timeoutMs: 60_000,
      message: 'the noop job to complete',
    });
    const { Executions } = await api<{ Executions: Execution[] }>(url, `/orchestrator/jobs/${id}/executions`);
    expect(Executions.map((e) => [e.NodeID, e.RunOutput?.stdout])).toEqual([['node-3', 'from devstack\n']]);
  }, 90_000);

  it('refuses a second devstack on the same data dir, and the first keeps running', async () => {
    const second = startDevstack([
      '--nodes',
      '1',
      '--engines',
      'noop',
      '--data-dir',
      dir.path,
      '--api-port',
      '0',
    ]);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr()).toContain(`${dir.path} is in use by another devstack (pid ${devstack.child.pid}`);
    expect(second.stdout()).toBe('');
    expect(devstack.child.exitCode).toBeNull();
    expect((await nodes()).filter((n) => n.Connection === 'CONNECTED')).toHaveLength(3);
    expect(existsSync(join(dir.path, 'devstack.lock'))).toBe(true);
  }, 60_000);

  it('restarts an agent that dies, which then joins again', async () => {
    const pid = Number(/^node-2 .* (\d+)$/m.exec(devstack.stdout())?.[1]);
    const handshakes = () =>
      readFileSync(join(dir.path, 'logs', 'node-2.log'), 'utf8').split('handshake accepted').length - 1;
    const before = handshakes();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => /node-2 restarted \(pid \d+\)/.test(devstack.stderr()), {
      timeoutMs: 30_000,
      message: () => `node-2 to be restarted: ${devstack.stderr()}`,
    });
    expect(devstack.stderr()).toMatch(
      /node-2 exited unexpectedly \(killed by SIGKILL\); restarting it in 0\.5s/,
    );
    await waitFor(() => handshakes() > before, { timeoutMs: 120_000, message: 'node-2 to handshake again' });
    expect((await nodes()).find((n) => n.Info.NodeID === 'node-2')?.Connection).toBe('CONNECTED');
  }, 180_000);

  it('restarts the orchestrator when it dies; the cluster runs jobs again', async () => {
    const pid = Number(/^orchestrator .* (\d+)$/m.exec(devstack.stdout())?.[1]);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => /orchestrator restarted \(pid \d+\)/.test(devstack.stderr()), {
      timeoutMs: 30_000,
      message: () => `the orchestrator to be restarted: ${devstack.stderr()}`,
    });
    expect(devstack.stderr()).toMatch(/orchestrator exited unexpectedly \(killed by SIGKILL\)/);
    // Same API address, same NATS port: the agents follow without being restarted.
    await waitFor(() => submitNoop('after the restart\n'), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'the restarted orchestrator to take a job',
    });
    const id = await submitNoop('after the restart\n');
    await waitFor(async () => (await jobState(id)) === 'Completed', {
      timeoutMs: 90_000,
      message: 'a job to complete after the restart',
    });
    // Usually the new orchestrator's nats-server takes the old port again. If the killed one has
    // not let go of it in time (seen once in CI, under load), NATS moves and devstack restarts
    // the agents on it, which the job above has just shown to work.
    const moved = /NATS moved to (\S+): restarting the agents on it/.exec(devstack.stderr());
    if (moved) {
      const after = devstack.stderr().slice(moved.index);
      for (const node of ['node-1', 'node-2', 'node-3']) expect(after).toContain(`${node} restarted`);
    }
  }, 240_000);

  it('stops everything on SIGINT and exits 0, leaving no process and no lock behind', async () => {
    expect(processesUsing(dir.path).length).toBeGreaterThanOrEqual(6); // devstack, 4 children, nats-server
    // The orchestrator's restart above cut every agent off NATS; each must be back (its handshake
    // after its last disconnect) before its goodbye can be heard.
    const logOf = (node: string) => readFileSync(join(dir.path, 'logs', `${node}.log`), 'utf8');
    await waitFor(
      () =>
        ['node-1', 'node-2', 'node-3'].every(
          (node) =>
            logOf(node).lastIndexOf('handshake accepted') > logOf(node).lastIndexOf('disconnected from NATS'),
        ),
      {
        timeoutMs: 60_000,
        // The end of each agent's log says why one is not back (a refused handshake, say).
        message: () => {
          const tails = ['node-1', 'node-2', 'node-3'].map(
            (n) => `${n}:\n${logOf(n).split('\n').slice(-12).join('\n')}`,
          );
          return `every agent to be back on NATS\n${tails.join('\n')}`;
        },
      },
    );
    devstack.child.kill('SIGINT');
    expect(await devstack.exited).toEqual({ code: 0, signal: null });
    expect(devstack.stderr()).toContain('devstack: stopped');
    expect(processesUsing(dir.path)).toEqual([]);
    expect(existsSync(join(dir.path, 'devstack.lock'))).toBe(false);
    // Each agent said goodbye before the orchestrator went.
    for (const node of ['node-1', 'node-2', 'node-3']) expect(logOf(node)).toContain('"noticed":true');
  }, 90_000);
});

describeWithServices(['nats'], 'shoal devstack after a SIGKILL', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('shoal-devstack-killed-');
  });
  afterAll(async () => {
    killProcessesUsing(dir.path);
    await dir.cleanup();
  });

  it('lets the next devstack on the data dir kill the orphans and take over', async () => {
    const args = ['--nodes', '2', '--engines', 'noop', '--data-dir', dir.path, '--api-port', '0'];
    const first = startDevstack(args);
    await first.ready();
    const pid = first.child.pid as number;
    first.child.kill('SIGKILL');
    await first.exited;
    // Its children run in their own process groups: they outlive it.
    const orphans = processesUsing(dir.path);
    expect(orphans.length).toBeGreaterThanOrEqual(4);
    const second = startDevstack(args);
    await second.ready();
    expect(second.stderr()).toMatch(
      new RegExp(
        `a previous devstack \\(pid ${pid}\\) on this data dir did not stop cleanly; killed its leftover`,
      ),
    );
    const survivors = processesUsing(dir.path).filter((p) => orphans.includes(p));
    expect(survivors).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(processesUsing(dir.path)).toEqual([]);
  }, 300_000);
});

/**
 * With Docker: the hello-world job in a container, and no container left after Ctrl-C, even one
 * stopped mid-run. Runs once the agent build has the docker engine (AVAILABLE_ENGINES).
 */
const { AVAILABLE_ENGINES } = await import('@shoal/agent');
const hasDockerEngine = (AVAILABLE_ENGINES as readonly string[]).includes('docker');

describeWithServices(['nats', 'docker'], 'shoal devstack with Docker', () => {
  let dir: TempDir;
  let devstack: RunningDevstack;
  let url = '';
  const startedAt = Math.floor(Date.now() / 1000) - 1;

  beforeAll(async () => {
    dir = await makeTempDir('shoal-devstack-docker-');
    if (!hasDockerEngine) return;
    devstack = startDevstack([
      ...['--nodes', '2', '--engines', 'docker', '--hello', '--hello-image', testImageName()],
      ...['--data-dir', dir.path, '--api-port', '0', '--nats-port', '0'],
    ]);
    url = await devstack.ready();
  }, 300_000);

  afterAll(async () => {
    killProcessesUsing(dir.path);
    await dir.cleanup();
  });

  const ourContainers = async () =>
    (await dockerClient().listContainers({ all: true, filters: { label: ['io.shoal.managed'] } })).filter(
      (c) => ['node-1', 'node-2'].includes(c.Labels['io.shoal.node-id'] ?? '') && c.Created >= startedAt,
    );

  it.skipIf(!hasDockerEngine)(
    'runs the hello-world job in a container and prints its output',
    async () => {
      expect(devstack.stdout()).toMatch(/^node-1 +node-1 +name=node-1,zone=a +.* docker/m);
      await waitFor(
        () => /^hello-world: job \S+ on node-\d: Completed\nhello world\n/m.test(devstack.stdout()),
        {
          timeoutMs: 180_000,
          message: () => `the hello-world output\n${devstack.stdout()}\n${devstack.stderr()}`,
        },
      );
    },
    200_000,
  );

  it.skipIf(!hasDockerEngine)(
    'leaves no container behind after SIGINT, even of a running job',
    async () => {
      const { JobID } = await api<{ JobID: string }>(url, '/orchestrator/jobs', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          Job: {
            Type: 'batch',
            Tasks: [
              {
                Name: 'main',
                Engine: { Type: 'docker', Params: { Image: testImageName(), Entrypoint: ['sleep', '300'] } },
              },
            ],
          },
        }),
      });
      await waitFor(async () => (await ourContainers()).some((c) => c.State === 'running'), {
        timeoutMs: 120_000,
        message: `a container of job ${JobID} to run`,
      });
      devstack.child.kill('SIGINT');
      expect(await devstack.exited).toEqual({ code: 0, signal: null });
      expect(await ourContainers()).toEqual([]);
      expect(processesUsing(dir.path)).toEqual([]);
    },
    200_000,
  );
});
