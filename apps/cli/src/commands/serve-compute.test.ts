import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  describeWithServices,
  getFreePort,
  killOnExit,
  makeTempDir,
  type TempDir,
  waitFor,
} from '@shoal/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../io.js';
import { runCli } from '../program.js';

/** `shoal serve --compute` and `--orchestrator --compute`: flags, and the combined process for real. */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));
const info = { version: '0.1.0', node: process.version, platform: 'linux/x64' };
const NATS = ['--nats-url', 'nats://127.0.0.1:4222'];

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const io = bufferIO();
  const code = await runCli(['serve', ...args], io, info);
  return { code, stderr: io.stderr };
}

describe('shoal serve --compute flags', () => {
  it.each([
    [
      ['--compute', ...NATS, '--labels', 'bad key=x'],
      /--labels: label "bad key=x": the name must use letters/,
    ],
    [['--compute', ...NATS, '--labels', 'zone'], /--labels: "zone" is not key=value/],
    [
      ['--compute', ...NATS, '--engines', 'firecracker'],
      /--engines: unknown engine firecracker: available engines are noop,docker,wasm/,
    ],
    [['--compute', ...NATS, '--max-inline-output', 'lots'], /--max-inline-output: invalid size "lots"/],
    [['--compute', ...NATS, '--max-output-file', '10'], /--max-output-file: must be a size from 1024/],
    [['--compute', ...NATS, '--timeout-grace', 'soon'], /--timeout-grace: invalid duration "soon"/],
    [['--compute', ...NATS, '--prepare-timeout', '1ms'], /--prepare-timeout: must be from 1000 ms/],
    [['--compute', ...NATS, '--cpu', 'lots'], /--cpu: CPU capacity: invalid CPU "lots"/],
    [['--compute', ...NATS, '--memory', '0'], /--memory: /],
    [['--compute', ...NATS, '--gpu', '2000'], /--gpu: .*GPU must be a whole number from 0 to 1024/],
    [['--compute', ...NATS, '--capacity-fraction', '1.5'], /--capacity-fraction: /],
    [['--compute', ...NATS, '--capacity-fraction', 'half'], /--capacity-fraction.*must be a number/],
    [['--compute', ...NATS, '--name', 'n.1'], /--name: use 1-255 letters/],
    [['--compute', '--nats-url', 'http://x/y'], /--nats-url: must look like nats:\/\/host:4222/],
    [
      ['--compute', ...NATS, '--nats-token', 't', '--nats-user', 'u', '--nats-password', 'p'],
      /--nats-token: /,
    ],
    [['--compute'], /--nats-url is required with --compute/],
  ])('refuses %j with exit code 2, naming the flag', async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('lists every bad flag at once, and starts nothing in combined mode', async () => {
    const { code, stderr } = await cli([
      '--orchestrator',
      '--compute',
      '--labels',
      '=x',
      '--engines',
      'docker,firecracker',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--labels: /);
    expect(stderr).toMatch(/--engines: unknown engine firecracker/);
    expect(stderr).not.toMatch(/listening on/);
  });

  it('exits 2 from the real process too', async () => {
    const child = spawn(shoal, ['serve', '--compute', '--engines', 'firecracker'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await new Promise((done) => child.once('exit', done))).toBe(2);
    expect(stderr).toMatch(/--nats-url is required/);
  });
});

interface ListedNode {
  Info: { NodeID: string; Labels: Record<string, string> };
  Connection: string;
}

describeWithServices(['nats'], 'shoal serve --orchestrator --compute', () => {
  const dirs: TempDir[] = [];
  afterAll(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('runs both in one process: the agent joins the orchestrator’s NATS and leaves on SIGTERM', async () => {
    const dir = await makeTempDir('shoal-serve-both-');
    dirs.push(dir);
    const port = await getFreePort();
    const args = ['serve', '--orchestrator', '--compute', '--data-dir', dir.path, '--api-port', String(port)];
    const extra = [
      '--name',
      'n-both',
      '--labels',
      'zone=lab',
      '--cpu',
      '2',
      '--memory',
      '4Gi',
      '--disk',
      '1Gi',
    ];
    const child: ChildProcess = killOnExit(
      spawn(shoal, [...args, ...extra, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    await waitFor(() => stderr.includes('compute agent n-both started'), {
      timeoutMs: 60_000,
      message: () => `no start: ${stderr}`,
    });
    const nodes = async (): Promise<ListedNode[]> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/orchestrator/nodes`);
      return ((await res.json()) as { Nodes: ListedNode[] }).Nodes;
    };
    const node = await waitFor(async () => (await nodes()).find((n) => n.Info.NodeID === 'n-both'), {
      timeoutMs: 20_000,
      message: 'the agent to be listed',
    });
    expect(node.Info.Labels).toEqual({ zone: 'lab' });
    expect(node.Connection).toBe('CONNECTED');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/shutting down/);
  }, 120_000);
});
