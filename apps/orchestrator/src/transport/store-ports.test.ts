import { manualClock } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { agentSeqTracker } from './store-ports.js';

describe('agentSeqTracker', () => {
  let store: Store;
  let reads = 0;
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
    };
  });
  afterAll(() => store.close());

  it('reads a cursor once, then remembers what it applied; a stale memory is refused and forgotten', async () => {
    const clock = manualClock(1n);
    const mine = agentSeqTracker(store, clock);
    const other = agentSeqTracker(store, clock); // another orchestrator on the same database
    const applied: string[] = [];
    const note = (what: string) => async () => {
      applied.push(what);
    };

    expect(await mine.lastApplied('n-1')).toBe(0n);
    expect(await mine.apply('n-1', 1n, note('mine 1'))).toBe(true);
    expect(await mine.applyRun?.('n-1', 2n, 3n, note('mine 2..3'))).toBe(true);
    expect(await mine.lastApplied('n-1')).toBe(3n);
    expect(reads).toBe(1);

    expect(await other.applyRun?.('n-1', 4n, 5n, note('other 4..5'))).toBe(true);
    expect(await mine.lastApplied('n-1')).toBe(3n); // behind the table, never ahead of it
    expect(await mine.apply('n-1', 4n, note('mine 4'))).toBe(false);
    expect(await mine.lastApplied('n-1')).toBe(5n);
    expect(applied).toEqual(['mine 1', 'mine 2..3', 'other 4..5']);
  });
});
