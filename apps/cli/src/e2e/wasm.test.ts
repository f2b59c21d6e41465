import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComputeStateType, type Execution, type NodeState, shortId } from '@shoal/models';
import {
  createTestDatabase,
  describeWithServices,
  getFreePort,
  makeTempDir,
  serveBytes,
  startHttpFiles,
  startNatsServer,
  stopProcess,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import wabt from 'wabt';
import { runShoal } from '../testing/test-cluster.js';
import { getJson, type Proc, start, waitForJobState } from './cluster.js';

/**
 * End to end, without Docker: nats-server, Postgres, a `shoal serve --orchestrator` process and a
 * `shoal serve --compute --engines wasm,noop` process whose DOCKER_HOST leads nowhere, and
 * `shoal wasm run` submitting modules built here from their text form.
 */

/** Prints "hello from wasm", writes /outputs/out.txt, then exits with code 0. */
const WRITER = `
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "out.txt")
  (data (i32.const 96) "a published result\\n")
  (data (i32.const 128) "hello from wasm\\n")
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (local $errno i32)
    (call $write (i32.const 1) (i32.const 128) (i32.const 16))
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
      (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (call $write (i32.load (i32.const 32)) (i32.const 96) (i32.const 19))))`;

/** Exits with code 7. */
const SEVEN = `
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $proc_exit (i32.const 7))))`;

async function compile(text: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat('test.wat', text);
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

describeWithServices(['postgres', 'nats'], 'shoal wasm run on an agent without Docker', () => {
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let dir: TempDir;
  let orchestrator: Proc | undefined;
  let agent: Proc | undefined;
  let api: string;
  const shoal = (args: string[]) => runShoal(api, args);

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'shoal_wasm' });
    nats = await startNatsServer();
    dir = await makeTempDir('shoal-e2e-wasm-');
    const port = await getFreePort();
    api = `http://127.0.0.1:${port}`;
    const o = join(dir.path, 'orchestrator');
    orchestrator = start([
      '--orchestrator',
      '--api-port',
      String(port),
      '--db',
      db.url,
      '--data-dir',
      o,
      '--nats-url',
      nats.url,
    ]);
    await waitFor(() => orchestrator?.output().includes('listening on'), {
      timeoutMs: 60_000,
      message: () => `orchestrator did not start: ${orchestrator?.output()}`,
    });
    const a = join(dir.path, 'agent');
    const args = [
      '--compute',
      '--nats-url',
      nats.url,
      '--name',
      'wasm-1',
      '--data-dir',
      a,
      '--engines',
      'wasm,noop',
    ];
    agent = start([...args, '--cpu', '2', '--memory', '2Gi'], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    await waitFor(
      async () => {
        const { Nodes } = await getJson<{ Nodes: NodeState[] }>(`${api}/api/v1/orchestrator/nodes`);
        return Nodes.some((n) => n.Info.NodeID === 'wasm-1' && n.Connection === 'CONNECTED');
      },
      { timeoutMs: 60_000, message: () => `the wasm agent never connected: ${agent?.output()}` },
    );
  }, 120_000);

  afterAll(async () => {
    if (agent) await stopProcess(agent.child);
    if (orchestrator) await stopProcess(orchestrator.child);
    await nats?.stop();
    await db?.drop();
    await dir?.cleanup();
  });

  it('runs a local module with --wait: prints its stdout and ends with exit code 0', async () => {
    const file = join(dir.path, 'writer.wasm');
    await writeFile(file, await compile(WRITER));
    const run = await shoal(['wasm', 'run', '--wait', '--result-path', 'outputs:/outputs', file]);
    expect(run.stdout).toContain('hello from wasm');
    expect(run.code).toBe(0);
  }, 90_000);

  it('publishes what the module wrote to its ResultPath, with stdout and exitCode, and serves its logs', async () => {
    const file = join(dir.path, 'writer.wasm');
    await writeFile(file, await compile(WRITER));
    const run = await shoal([
      'wasm',
      'run',
      '--id-only',
      '--wait',
      '--result-path',
      'outputs:/outputs',
      file,
    ]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    const { Executions } = await getJson<{ Executions: Execution[] }>(
      `${api}/api/v1/orchestrator/jobs/${id}/executions`,
    );
    expect(Executions.map((e) => [e.NodeID, e.RunOutput?.exitCode, e.RunOutput?.stdout])).toEqual([
      ['wasm-1', 0, 'hello from wasm\n'],
    ]);
    const logs = await shoal(['job', 'logs', id]);
    expect(logs.stdout).toBe('hello from wasm\n');

    const out = join(dir.path, 'got');
    const got = await shoal(['job', 'get', id, '--output-dir', out]);
    expect(got.code).toBe(0);
    const root = join(out, `job-${shortId(id)}`);
    expect(await readFile(join(root, 'outputs', 'out.txt'), 'utf8')).toBe('a published result\n');
    expect(await readFile(join(root, 'stdout'), 'utf8')).toBe('hello from wasm\n');
    expect(await readFile(join(root, 'exitCode'), 'utf8')).toBe('0');
  }, 90_000);

  it('preopens an input given with -i, fetched by the node’s own inline provider', async () => {
    // The engine's test module that copies data.txt of its first preopened directory to stdout.
    const cat = new URL('../../../agent/src/executor/wasm/testdata/cat.wat', import.meta.url);
    const file = join(dir.path, 'cat.wasm');
    await writeFile(file, await compile(await readFile(cat, 'utf8')));
    const run = await shoal([
      'wasm',
      'run',
      '--wait',
      '-i',
      'data:,an%20input%20file,dst=/inputs/data.txt',
      file,
    ]);
    expect(run.stdout).toContain('an input file');
    expect(run.code).toBe(0);
  }, 90_000);

  it('runs a module by its URL, downloaded by the node from a real HTTP server', async () => {
    const server = await startHttpFiles({ '/modules/seven.wasm': serveBytes(await compile(SEVEN)) });
    try {
      const run = await shoal(['wasm', 'run', '--wait', server.url('/modules/seven.wasm')]);
      expect(run.code).toBe(7);
      expect(server.hits('/modules/seven.wasm')).toBe(1);
    } finally {
      await server.close();
    }
  }, 90_000);

  it('stops a module that would never end, when the job is stopped', async () => {
    const loop = new URL('../../../agent/src/executor/wasm/testdata/loop.wat', import.meta.url);
    const file = join(dir.path, 'loop.wasm');
    await writeFile(file, await compile(await readFile(loop, 'utf8')));
    const id = (await shoal(['wasm', 'run', '--id-only', '--wait=false', file])).stdout.trim();
    await waitFor(async () => (await shoal(['job', 'logs', id])).stdout.includes('looping'), {
      timeoutMs: 30_000,
      message: 'the module to print',
    });
    const stopped = await shoal(['job', 'stop', id]);
    expect(stopped.code).toBe(0);
    await waitForJobState(api, id, ['Stopped'], 30_000);
    await waitFor(
      async () => {
        const { Executions } = await getJson<{ Executions: Execution[] }>(
          `${api}/api/v1/orchestrator/jobs/${id}/executions`,
        );
        return Executions[0]?.ComputeState.StateType === ComputeStateType.Cancelled;
      },
      { timeoutMs: 30_000, message: 'the execution to be cancelled' },
    );
  }, 90_000);

  it('ends with the module’s exit code', async () => {
    const file = join(dir.path, 'seven.wasm');
    await writeFile(file, await compile(SEVEN));
    const run = await shoal(['wasm', 'run', '--wait', file]);
    expect(run.code).toBe(7);
  }, 90_000);

  it('runs without Docker: the node offers wasm and noop only', async () => {
    const { Nodes } = await getJson<{ Nodes: NodeState[] }>(`${api}/api/v1/orchestrator/nodes`);
    const node = Nodes.find((n) => n.Info.NodeID === 'wasm-1');
    expect(node?.Info.ComputeNodeInfo?.ExecutionEngines.sort()).toEqual(['noop', 'wasm']);
  });
});
