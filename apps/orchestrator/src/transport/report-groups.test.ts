import { manualClock } from '@shoal/models';
import type { StreamEnvelope } from '@shoal/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { type ApplyReports, groupedReportTracker, type ReportCollector } from './report-groups.js';

/** Just what the tracker passes along: the envelopes are opaque to it. */
const report = (nodeId: string, seq: bigint) =>
  ({ nodeId, seq, type: 'RunResult' }) as unknown as StreamEnvelope;
const hand =
  (...envelopes: StreamEnvelope[]) =>
  async (c: ReportCollector) =>
    c.add(envelopes);
const label = (e: StreamEnvelope) => `${e.nodeId}#${e.seq}`;

describe('groupedReportTracker', () => {
  let store: Store;
  let reads = 0;
  let transactions = 0;
  beforeAll(async () => {
    const inner = await openStore({ url: 'pglite:memory' });
    store = {
      ...inner,
      agentCursors: {
        ...inner.agentCursors,
        lastApplied: (peer) => {
          reads++;
          return inner.agentCursors.lastApplied(peer);
        },
      },
      transaction: (fn) => {
        transactions++;
        return inner.transaction(fn);
      },
    };
  });
  afterAll(() => store.close());

  it('reads a cursor once, then remembers what it applied; a stale memory is refused and forgotten', async () => {
    const clock = manualClock(1n);
    const applied: string[] = [];
    const apply: ApplyReports = async (envelopes) => {
      applied.push(envelopes.map(label).join(','));
    };
    const mine = groupedReportTracker(store, clock, apply);
    const other = groupedReportTracker(store, clock, apply); // another orchestrator, same database
    reads = 0;

    expect(await mine.lastApplied('n-1')).toBe(0n);
    expect(await mine.apply('n-1', 1n, hand(report('n-1', 1n)))).toBe(true);
    expect(await mine.applyRun?.('n-1', 2n, 3n, hand(report('n-1', 2n), report('n-1', 3n)))).toBe(true);
    expect(await mine.lastApplied('n-1')).toBe(3n);
    expect(reads).toBe(1);

    expect(await other.applyRun?.('n-1', 4n, 5n, hand(report('n-1', 4n), report('n-1', 5n)))).toBe(true);
    expect(await mine.lastApplied('n-1')).toBe(3n); // behind the table, never ahead of it
    expect(await mine.apply('n-1', 4n, hand(report('n-1', 4n)))).toBe(false);
    expect(await mine.lastApplied('n-1')).toBe(5n);
    expect(applied).toEqual(['n-1#1', 'n-1#2,n-1#3', 'n-1#4,n-1#5']);
  });

  it('applies the runs of agents that arrive together in one transaction and one call', async () => {
    const calls: string[][] = [];
    const tracker = groupedReportTracker(store, manualClock(1n), async (envelopes) => {
      calls.push(envelopes.map(label));
    });
    transactions = 0;
    const results = await Promise.all([
      tracker.applyRun?.('g-1', 1n, 2n, hand(report('g-1', 1n), report('g-1', 2n))),
      tracker.apply('g-2', 1n, hand(report('g-2', 1n))),
      tracker.applyRun?.('g-3', 1n, 1n, hand(report('g-3', 1n))),
    ]);
    expect(results).toEqual([true, true, true]);
    expect(transactions).toBe(1);
    expect(calls).toEqual([['g-1#1', 'g-1#2', 'g-2#1', 'g-3#1']]);
    expect(await store.agentCursors.lastApplied('g-1')).toBe(2n);
  });

  it('retries a failed group run by run: only the bad run fails, and nothing of it is kept', async () => {
    const applied: string[] = [];
    const tracker = groupedReportTracker(store, manualClock(1n), async (envelopes) => {
      if (envelopes.some((e) => e.nodeId === 'bad')) throw new Error('poison');
      applied.push(...envelopes.map(label));
    });
    const [good, bad, late] = await Promise.allSettled([
      tracker.apply('ok-1', 1n, hand(report('ok-1', 1n))),
      tracker.apply('bad', 1n, hand(report('bad', 1n))),
      tracker.apply('ok-2', 1n, hand(report('ok-2', 1n))),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: true });
    expect(late).toEqual({ status: 'fulfilled', value: true });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('poison') });
    expect(applied.sort()).toEqual(['ok-1#1', 'ok-2#1']);
    expect(await store.agentCursors.lastApplied('bad')).toBe(0n);
    expect(await tracker.lastApplied('bad')).toBe(0n);
  });

  it('leaves a run whose reports another delivery applied meanwhile unapplied (lost)', async () => {
    const applied: string[] = [];
    const tracker = groupedReportTracker(store, manualClock(1n), async (envelopes) => {
      applied.push(...envelopes.map(label));
    });
    await store.agentCursors.advance('l-1', 2n, 1n);
    const [lost, fresh] = await Promise.all([
      tracker.applyRun?.('l-1', 2n, 3n, hand(report('l-1', 2n), report('l-1', 3n))),
      tracker.apply('l-2', 1n, hand(report('l-2', 1n))),
    ]);
    expect([lost, fresh]).toEqual([false, true]);
    expect(applied).toEqual(['l-2#1']);
  });
});
