import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isShoalError } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE, type ProcessTable, parseLockFile, systemProcesses } from './lock.js';

/** A process table where `alive` maps pids to their command lines. */
function table(pid: number, alive: Record<number, string>, killed: number[] = []): ProcessTable {
  return {
    pid,
    isAlive: (p) => p in alive,
    commandLine: (p) => alive[p],
    kill: (p) => {
      killed.push(p);
    },
    now: () => new Date('2024-05-01T10:00:00Z'),
  };
}

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('shoal-lock-');
});
afterEach(async () => {
  await dir.cleanup();
});

describe('the data directory lock', () => {
  it('is exclusive: a second devstack is refused, naming the holder', () => {
    const first = acquireLock(dir.path, table(100, { 100: 'node main.ts devstack' }));
    const refusal = (() => {
      try {
        acquireLock(dir.path, table(200, { 100: 'node main.ts devstack', 200: 'node main.ts devstack' }));
      } catch (error) {
        return error;
      }
    })();
    expect(isShoalError(refusal) && refusal.code).toBe('Conflict');
    expect((refusal as Error).message).toContain('in use by another devstack (pid 100');
    first.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).toBe(false);
    acquireLock(dir.path, table(200, {})).release();
  });

  it('takes over from a dead holder and kills only the children it left on this data dir', () => {
    const killed: number[] = [];
    const old = acquireLock(dir.path, table(100, {}));
    old.recordChildren([101, 102, 103]);
    const alive = {
      101: `node main.ts serve --orchestrator --data-dir ${dir.path}`,
      103: 'vim notes.txt', // pid 103 was reused by an unrelated program
    };
    const next = acquireLock(dir.path, table(200, alive, killed));
    expect(next.takenOver).toEqual({ pid: 100, killed: [101] });
    expect(killed).toEqual([101]);
    expect(parseLockFile(readFileSync(join(dir.path, LOCK_FILE), 'utf8'))?.pid).toBe(200);
  });

  it('does not count a live process that is no devstack (a reused pid) as the holder', () => {
    acquireLock(dir.path, table(100, {}));
    const next = acquireLock(dir.path, table(200, { 100: 'sleep 1000' }));
    expect(next.takenOver?.pid).toBe(100);
  });

  it('replaces an unreadable lock file', () => {
    writeFileSync(join(dir.path, LOCK_FILE), '{"pid": "nope"');
    expect(acquireLock(dir.path, table(200, {})).takenOver).toEqual({ pid: 0, killed: [] });
  });

  it('records children atomically and releases only its own lock', () => {
    const lock = acquireLock(dir.path, table(100, {}));
    lock.recordChildren([7, 8]);
    const file = join(dir.path, LOCK_FILE);
    expect(parseLockFile(readFileSync(file, 'utf8'))).toMatchObject({ pid: 100, children: [7, 8] });
    writeFileSync(file, JSON.stringify({ pid: 300, startedAt: 'x', children: [] }));
    lock.release();
    expect(existsSync(file)).toBe(true);
  });

  it('rejects lock files that are not what it writes', () => {
    expect(parseLockFile('{"pid":1,"startedAt":"t","children":[2]}')).toEqual({
      pid: 1,
      startedAt: 't',
      children: [2],
    });
    for (const bad of ['', 'null', '{"pid":0,"startedAt":"t","children":[]}', '{"pid":1,"children":[]}']) {
      expect(parseLockFile(bad)).toBeUndefined();
    }
    expect(parseLockFile('{"pid":1,"startedAt":"t","children":[-1]}')).toBeUndefined();
  });

  it('sees this process as alive and reads its command line', () => {
    expect(systemProcesses.isAlive(process.pid)).toBe(true);
    expect(systemProcesses.commandLine(process.pid)).toContain('node');
    expect(systemProcesses.isAlive(2 ** 22 + 1)).toBe(false);
  });
});
