import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComputeStateType, DesiredStateType, manualClock } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logger.js';
import { makeJob, testUuid } from '../testing/fixtures.js';
import {
  type AgentStore,
  DB_FILE,
  loadNodeId,
  NODE_ID_FILE,
  NodeIdentityError,
  openAgentStore,
} from './index.js';
import { WalSync } from './wal-sync.js';

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string | undefined }> } {
  const lines: Array<{ level: string; msg: string | undefined }> = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

let dir: TempDir;
let store: AgentStore;
const clock = manualClock();
const open = (logger: Logger = recordingLogger()) =>
  openAgentStore({ dataDir: dir.path, clock, logger, newId: testUuid });
const report = (n: number) => ({
  type: 'ExecutionProgress' as const,
  payload: { ExecutionID: `e-${n}`, Message: `m${n}` },
});

beforeEach(async () => {
  dir = await makeTempDir('shoal-agent-store-');
  store = open();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await store.close().catch(() => {});
  await dir.cleanup();
});

describe('outbox', () => {
  it('numbers reports from 1 without gaps, survives a reopen, and never re-sends acked ones', async () => {
    for (let n = 1; n <= 5; n++) await store.transaction((tx) => store.outbox.append(tx, report(n)));
    // A rolled-back transaction leaves no row and no hole.
    await expect(
      store.transaction((tx) => {
        store.outbox.append(tx, report(99));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await store.outbox.acked(2n);
    await store.outbox.acked(1n); // lower: changes nothing
    await store.close();

    store = open();
    expect(await store.outbox.lastAcked()).toBe(2n);
    const pending = await store.outbox.pending(await store.outbox.lastAcked(), 100);
    expect(pending.map((m) => [m.seq, m.type, m.payload])).toEqual([
      [3n, 'ExecutionProgress', { ExecutionID: 'e-3', Message: 'm3' }],
      [4n, 'ExecutionProgress', { ExecutionID: 'e-4', Message: 'm4' }],
      [5n, 'ExecutionProgress', { ExecutionID: 'e-5', Message: 'm5' }],
    ]);
    expect(pending[0]?.createdAt).toBe(clock.now());
    expect(await store.outbox.pending(3n, 1)).toHaveLength(1);
    // Acked rows are pruned, yet the counter keeps going: seqs are never reused.
    await store.outbox.acked(5n);
    expect(await store.outbox.pending(0n, 100)).toEqual([]);
    expect(await store.transaction((tx) => store.outbox.append(tx, report(6)))).toBe(6n);
  });

  it('keeps message ids stable across reads', async () => {
    await store.transaction((tx) => store.outbox.append(tx, report(1)));
    const [a] = await store.outbox.pending(0n, 10);
    const [b] = await store.outbox.pending(0n, 10);
    expect(a?.id).toBeDefined();
    expect(a?.id).toBe(b?.id);
  });

  it('refuses an invalid report at write time', async () => {
    const bad = { type: 'ComputeError' as const, payload: { ExecutionID: 'has space', Error: 'x' } };
    await expect(store.transaction((tx) => store.outbox.append(tx, bad))).rejects.toThrow();
    expect(await store.outbox.lastSeq()).toBe(0n);
  });

  it('ignores an ack beyond what was written', async () => {
    await store.transaction((tx) => store.outbox.append(tx, report(1)));
    await store.outbox.acked(10n);
    expect(await store.outbox.lastAcked()).toBe(1n);
  });

  it('renumbers unsent reports above the floor a peer reports after our state was lost', async () => {
    await store.transaction((tx) => store.outbox.append(tx, report(1)));
    await store.transaction((tx) => store.outbox.append(tx, report(2)));
    await store.outbox.raiseSeqFloor(40n);
    expect((await store.outbox.pending(40n, 10)).map((m) => [m.seq, m.payload.ExecutionID])).toEqual([
      [41n, 'e-1'],
      [42n, 'e-2'],
    ]);
    expect(await store.outbox.lastAcked()).toBe(40n);
    await store.outbox.raiseSeqFloor(3n); // lower: no change
    expect(await store.outbox.lastSeq()).toBe(42n);
  });

  it('tells listeners after the commit, not before, and not on rollback', async () => {
    const seen: bigint[] = [];
    store.outbox.onAppend(() => void store.outbox.lastSeq().then((s) => seen.push(s)));
    await store.transaction((tx) => store.outbox.append(tx, report(1)));
    await store
      .transaction((tx) => {
        store.outbox.append(tx, report(2));
        throw new Error('no');
      })
      .catch(() => {});
    await store.outbox.lastSeq();
    expect(seen).toEqual([1n]);
  });
});

describe('inbound seq tracker', () => {
  it('commits fn and the seq together, and skips what it has applied', async () => {
    expect(await store.inbound.lastApplied('n-1')).toBe(0n);
    const applied = await store.inbound.apply('n-1', 1n, (tx) => {
      store.outbox.append(tx, report(1));
    });
    expect(applied).toBe(true);
    expect(await store.inbound.apply('n-1', 1n, () => expect.unreachable())).toBe(false);
    expect(await store.inbound.lastApplied('n-1')).toBe(1n);
    expect(await store.inbound.lastApplied('n-2')).toBe(0n);
  });

  it('a throw inside apply leaves lastApplied and fn writes unchanged', async () => {
    await store.inbound.apply('n-1', 1n, () => {});
    await expect(
      store.inbound.apply('n-1', 2n, async (tx) => {
        store.outbox.append(tx, report(2));
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('transient');
      }),
    ).rejects.toThrow('transient');
    expect(await store.inbound.lastApplied('n-1')).toBe(1n);
    expect(await store.outbox.pending(0n, 10)).toEqual([]);
    expect(await store.outbox.lastSeq()).toBe(0n);
  });

  it('refuses a nested transaction instead of hanging, and allows one after the commit', async () => {
    let later: Promise<bigint> = Promise.resolve(0n);
    await expect(
      store.inbound.apply('n-1', 1n, async (tx) => {
        store.outbox.append(tx, report(1));
        later = Promise.resolve().then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return store.outbox.lastSeq(); // runs after the commit: fine
        });
        await store.outbox.lastSeq(); // inside: would wait for itself
      }),
    ).rejects.toThrow(/nested transaction/);
    expect(await later).toBe(0n);
  });

  it('keeps other transactions out while an async apply is open', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const applying = store.inbound.apply('n-1', 1n, async (tx) => {
      store.outbox.append(tx, report(1));
      await gate;
    });
    const read = store.outbox.pending(0n, 10);
    let readDone = false;
    void read.then(() => {
      readDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readDone).toBe(false); // it would otherwise see the uncommitted row
    release();
    await applying;
    expect(await read).toHaveLength(1);
  });
});

describe('executions', () => {
  it('round-trips the job with its int64 times digit for digit', async () => {
    const job = makeJob();
    const saved = await store.transaction((tx) =>
      store.executions.insert(tx, {
        id: 'e-1',
        jobId: job.ID,
        partition: 2,
        job,
        waitForApproval: true,
        localState: ComputeStateType.AskForBidAccepted,
        desiredState: DesiredStateType.Pending,
        message: '',
        reserved: { cpuMillis: 500, memoryBytes: 512e6, diskBytes: 0, gpu: 0 },
      }),
    );
    await store.close();
    store = open();
    const loaded = await store.transaction((tx) => store.executions.get(tx, 'e-1'));
    expect(loaded).toEqual(saved);
    expect(loaded?.job.CreateTime).toBe(1695883778909107178n);
    expect(loaded?.createdAt).toBe(clock.now());
    await expect(
      store.transaction((tx) => {
        if (loaded) store.executions.update(tx, loaded, { localState: ComputeStateType.New });
      }),
    ).rejects.toThrow(/illegal local transition of e-1: AskForBidAccepted → New/);
  });
});

describe('opening', () => {
  it('uses WAL, and fsyncs it itself, off the event loop, before a commit is heard', async () => {
    const pragma = (name: string) =>
      store.transaction((tx) => tx.db.get<Record<string, unknown>>(sql.raw(`PRAGMA ${name}`)));
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('synchronous')).toEqual({ synchronous: 1n }); // NORMAL: COMMIT does not fsync
    const order: string[] = [];
    const realSync = WalSync.prototype.sync;
    vi.spyOn(WalSync.prototype, 'sync').mockImplementation(async function (this: WalSync) {
      order.push('sync');
      await realSync.call(this);
      order.push('synced');
    });
    await store.transaction((tx) => {
      store.outbox.append(tx, report(1));
      tx.afterCommit(() => order.push('heard'));
    });
    expect(order).toEqual(['sync', 'synced', 'heard']);
    // The descriptor it syncs is the WAL's.
    const descriptors = readdirSync('/proc/self/fd').map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(descriptors).toContain(`${join(dir.path, DB_FILE)}-wal`);
  });

  it('moves aside a database whose pages are damaged', async () => {
    for (let n = 1; n <= 200; n++) await store.transaction((tx) => store.outbox.append(tx, report(n)));
    await store.close();
    const file = join(dir.path, DB_FILE);
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 4096, bytes.length); // every page after the first
    writeFileSync(file, bytes);
    store = open();
    expect(store.movedAside).toBeDefined();
    expect(await store.outbox.lastSeq()).toBe(0n);
  });

  it('moves a corrupt database aside, logs it loudly, and starts empty', async () => {
    await store.transaction((tx) => store.outbox.append(tx, report(1)));
    await store.close();
    for (const suffix of ['-wal', '-shm']) writeFileSync(join(dir.path, DB_FILE + suffix), '');
    writeFileSync(join(dir.path, DB_FILE), 'this is not a database, just garbage '.repeat(200));
    const logger = recordingLogger();
    store = open(logger);
    // The time as the API writes times (RFC 3339, a fraction only when it is not whole seconds).
    expect(store.movedAside).toMatch(/agent\.db\.corrupt-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(\.\d{1,9})?Z$/);
    expect(readFileSync(store.movedAside ?? '', 'utf8')).toMatch(/^this is not a database/);
    expect(logger.lines).toContainEqual({
      level: 'error',
      msg: expect.stringMatching(/database is corrupt/),
    });
    expect(await store.outbox.lastSeq()).toBe(0n);
    expect(readdirSync(dir.path).filter((f) => f.includes('corrupt')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('node identity', () => {
  const load = (name?: string) =>
    loadNodeId({
      dataDir: dir.path,
      name,
      newNodeId: () => `n-${testUuid()}`,
      clock,
      logger: recordingLogger(),
    });

  it('generates n-<uuid> once and keeps it across restarts', () => {
    const id = load();
    expect(id).toMatch(/^n-[0-9a-f-]{36}$/);
    expect(load()).toBe(id);
    expect(readFileSync(join(dir.path, NODE_ID_FILE), 'utf8')).toBe(`${id}\n`);
  });

  it('uses and keeps the operator name', () => {
    expect(load('edge-1')).toBe('edge-1');
    expect(load()).toBe('edge-1');
    expect(load('edge-1')).toBe('edge-1');
  });

  it('refuses invalid names and a name that differs from the stored one', () => {
    expect(() => load('a.b')).toThrow(NodeIdentityError);
    expect(() => load('has space')).toThrow(/invalid node name "has space"/);
    load('edge-1');
    expect(() => load('edge-2')).toThrow(/belongs to node edge-1, not edge-2/);
  });

  it('moves an unreadable id file aside and starts under a new identity', () => {
    writeFileSync(join(dir.path, NODE_ID_FILE), 'not.a valid*id\n');
    const id = load();
    expect(id).toMatch(/^n-/);
    expect(readdirSync(dir.path).some((f) => f.startsWith(`${NODE_ID_FILE}.corrupt-`))).toBe(true);
  });
});
