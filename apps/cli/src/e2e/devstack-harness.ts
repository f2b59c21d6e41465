import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killOnExit, waitFor } from '@shoal/testkit';

/** `./shoal devstack` as a user runs it, and what tests need to watch it and clean up after it. */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));

export interface RunningDevstack {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for the `ready:` line and returns the API URL it names. */
  ready(timeoutMs?: number): Promise<string>;
}

export function startDevstack(args: string[], env: NodeJS.ProcessEnv = process.env): RunningDevstack {
  const child = killOnExit(spawn(shoal, ['devstack', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    ready: async (timeoutMs = 240_000) =>
      waitFor(
        () => {
          if (ended) throw new Error('devstack exited');
          return /^ready: (\S+) with/m.exec(out)?.[1];
        },
        { timeoutMs, intervalMs: 200, message: () => `devstack ready line\nstdout: ${out}\nstderr: ${err}` },
      ),
  };
}

/** Pids of the processes whose command line mentions `dir` (devstack's children all do). */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(dir) && !cmd.includes('vitest')) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** Test cleanup when a devstack did not stop: its children run in their own process groups. */
export function killProcessesUsing(dir: string): void {
  for (const pid of processesUsing(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

export async function api<T>(url: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${url}/api/v1${path}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Submits `job` (the API's Job object) and returns its id. */
export async function submitJob(url: string, job: object): Promise<string> {
  const { JobID } = await api<{ JobID: string }>(url, '/orchestrator/jobs', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Job: job }),
  });
  return JobID;
}
