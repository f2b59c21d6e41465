import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChildEvent, describeExit, SupervisedChild } from './supervisor.js';

/** Real child processes (small node scripts), real signals, real log files. */

let dir: TempDir;
const children: SupervisedChild[] = [];
beforeEach(async () => {
  dir = await makeTempDir('shoal-supervisor-');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill();
  await dir.cleanup();
});

function child(script: string, events: ChildEvent[] = [], initialMs = 50): SupervisedChild {
  const c = new SupervisedChild(
    {
      name: 'worker',
      command: process.execPath,
      args: () => ['-e', script],
      logFile: join(dir.path, 'worker.log'),
    },
    (e) => events.push(e),
    { initialMs, maxMs: 400, stableMs: 60_000 },
  );
  children.push(c);
  return c;
}

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('SupervisedChild', () => {
  it('sends the output of each run to the log file, and output() shows the current run only', async () => {
    const c = child('console.log("out"); console.error("err")');
    c.start();
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(c.output()).toBe('out\nerr\n');
    c.start();
    await c.exited;
    const log = readFileSync(join(dir.path, 'worker.log'), 'utf8');
    expect(log.match(/devstack starts worker/g)).toHaveLength(2);
    expect(c.output()).toBe('out\nerr\n');
  });

  it('runs the child in its own process group, so a terminal Ctrl-C reaches devstack alone', async () => {
    const c = child('setInterval(() => {}, 1000)');
    c.start();
    const pid = c.pid as number;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(pgrp).toBe(pid);
    expect(await c.stop(5_000)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('does not restart before supervise(): a start-up failure is the caller’s to report', async () => {
    const events: ChildEvent[] = [];
    const c = child('process.exit(3)', events);
    c.start();
    expect(describeExit(await c.exited)).toBe('exit code 3');
    expect(c.pid).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('restarts a crashing child with growing delays, capped', async () => {
    const events: ChildEvent[] = [];
    const c = child('process.exit(1)', events);
    c.supervise();
    c.start();
    await waitFor(() => events.filter((e) => e.type === 'exited').length >= 5, {
      timeoutMs: 20_000,
      message: 'five restarts',
    });
    await c.stop(1_000);
    const delays = events.flatMap((e) => (e.type === 'exited' ? [e.restartInMs] : []));
    expect(delays.slice(0, 5)).toEqual([50, 100, 200, 400, 400]);
    expect(events.filter((e) => e.type === 'restarted').length).toBeGreaterThanOrEqual(4);
  });

  it('restarts a child killed from outside, with a new pid', async () => {
    const events: ChildEvent[] = [];
    const c = child('setInterval(() => {}, 1000)', events);
    c.supervise();
    c.start();
    const first = c.pid as number;
    process.kill(first, 'SIGKILL');
    const second = await waitFor(() => (c.pid !== first ? c.pid : undefined), { message: 'a new pid' });
    expect(alive(second)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'exited', exit: { signal: 'SIGKILL' }, restartInMs: 50 });
    expect(events[1]).toEqual({ type: 'restarted', name: 'worker', pid: second });
  });

  it('restart() replaces the run at once, without counting a failure', async () => {
    const events: ChildEvent[] = [];
    const c = child('setInterval(() => {}, 1000)', events, 60_000);
    c.supervise();
    c.start();
    const first = c.pid as number;
    await c.restart(5_000);
    const second = await waitFor(() => c.pid, { message: 'the next run' });
    expect(second).not.toBe(first);
    expect(events).toEqual([{ type: 'restarted', name: 'worker', pid: second }]);
  });

  it('stop() escalates to SIGKILL for a child that ignores SIGTERM, and never restarts it', async () => {
    const events: ChildEvent[] = [];
    const c = child(
      'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000)',
      events,
    );
    c.supervise();
    c.start();
    await waitFor(() => c.output().includes('up'), { message: 'the child to install its handler' });
    const pid = c.pid;
    expect(await c.stop(300)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(pid)).toBe(false);
    expect(events).toEqual([]);
  });

  it('reports a command that cannot be started', async () => {
    const c = new SupervisedChild({
      name: 'ghost',
      command: join(dir.path, 'no-such-binary'),
      args: () => [],
      logFile: join(dir.path, 'ghost.log'),
    });
    c.start();
    expect(describeExit(await c.exited)).toMatch(/^could not start: .*ENOENT/);
  });
});
