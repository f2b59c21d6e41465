import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  describeWithServices,
  getFreePort,
  killOnExit,
  makeTempDir,
  stopProcess,
  waitFor,
} from '@shoal/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/** `./shoal serve --orchestrator` as a user runs it: a real process, real HTTP, real signals. */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));
const createRequest = readFileSync(
  fileURLToPath(
    new URL('../../../../packages/models/src/test-data/create-job-request.json', import.meta.url),
  ),
  'utf8',
);

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function serve(args: string[]): Promise<Served> {
  const port = await getFreePort();
  const child = killOnExit(
    spawn(
      shoal,
      [
        'serve',
        '--orchestrator',
        '--api-port',
        String(port),
        '--log-level',
        'warn',
        '--default-queue-timeout',
        '0',
        ...args,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => stderr.includes('listening on'), {
    timeoutMs: 60_000,
    message: () => `no start: ${stderr}`,
  });
  return { child, url, stderr: () => stderr, exited };
}

async function submit(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/orchestrator/jobs`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: createRequest,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { JobID: string; Warnings: string[] };
  expect(body.Warnings).toEqual(['job create time is ignored when submitting a job']);
  return body.JobID;
}

async function describeJob(url: string, id: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/api/v1/orchestrator/jobs/${id}`);
  return { status: res.status, text: await res.text() };
}

function restartSurvival(dbArgs: () => Promise<string[]>) {
  return async () => {
    const args = await dbArgs();
    const first = await serve(args);
    const id = await submit(first.url);
    // With no agents and QueueTimeout 0, the scheduler fails the job at once, naming the reason.
    const before = await waitFor(
      async () => {
        const view = await describeJob(first.url, id);
        return view.text.includes('"StateType":"Failed"') ? view : undefined;
      },
      { timeoutMs: 30_000, message: 'the job was never evaluated' },
    );
    expect(before.status).toBe(200);
    expect(before.text).toContain('no nodes are connected');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/shutting down/);

    const second = await serve(args);
    try {
      const after = await describeJob(second.url, id.slice(0, 10));
      expect(after.status).toBe(200);
      // The same document, int64 times digit for digit.
      expect(after.text).toBe(before.text);
      expect(after.text).toMatch(/"State":\{"StateType":"Failed"/);
    } finally {
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
  };
}

describe('shoal serve --orchestrator (PGlite)', () => {
  const dirs: Array<{ cleanup(): Promise<void> }> = [];
  afterAll(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it(
    'serves the create-job example and keeps the job across a restart',
    restartSurvival(async () => {
      const dir = await makeTempDir('shoal-serve-');
      dirs.push(dir);
      return ['--data-dir', dir.path];
    }),
    120_000,
  );

  it('refuses bad flags with exit code 2 and names them', async () => {
    const child = spawn(shoal, ['serve', '--orchestrator', '--api-port', 'eighty'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--api-port/);
    expect(stderr).toMatch(/integer from 0 to 65535/);
  });

  it('says which node to run when --orchestrator is missing', async () => {
    const child = spawn(shoal, ['serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await new Promise((done) => child.once('exit', done))).toBe(2);
    expect(stderr).toMatch(/--orchestrator/);
  });

  it('fails with a clear message when the port is taken', async () => {
    const dir = await makeTempDir('shoal-serve-');
    dirs.push(dir);
    const first = await serve(['--data-dir', dir.path]);
    const port = new URL(first.url).port;
    const clash = spawn(shoal, ['serve', '--orchestrator', '--api-port', port, '--db', 'pglite:memory'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    clash.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await new Promise((done) => clash.once('exit', done))).toBe(1);
    expect(stderr).toMatch(/already in use/);
    await stopProcess(first.child);
  }, 120_000);
});

describeWithServices(['postgres'], 'shoal serve --orchestrator (Postgres)', () => {
  const dbs: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it(
    'keeps the job across a restart',
    restartSurvival(async () => {
      const db = await createTestDatabase({ prefix: 'shoal_serve' });
      dbs.push(db);
      const dir = await makeTempDir('shoal-serve-');
      return ['--db', db.url, '--data-dir', dir.path];
    }),
    120_000,
  );
});
