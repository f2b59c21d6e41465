import { systemClock } from '@shoal/models';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { heartbeatReport, makeNode, tick, unique } from '../store/testing/fixtures.js';
import { HeartbeatWriter } from './heartbeats.js';

const report = heartbeatReport();

let store: Store;
beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
});
afterAll(async () => {
  await store?.close();
});

/** The real store, counting the grouped writes it is asked for. */
function counted() {
  const batches: number[] = [];
  const nodeStatus = {
    ...store.nodeStatus,
    heartbeatMany: (beats: Parameters<Store['nodeStatus']['heartbeatMany']>[0], now: bigint) => {
      batches.push(beats.length);
      return store.nodeStatus.heartbeatMany(beats, now);
    },
  };
  return { batches, store: { nodeStatus } };
}

it('writes the heartbeats that arrive together in one statement, and later ones in the next', async () => {
  const ids = await Promise.all(
    [1, 2, 3, 4].map(async () => {
      const node = makeNode({ id: unique('n-hb-') });
      await store.nodes.upsert(node, tick());
      return node.Info.NodeID;
    }),
  );
  const { batches, store: spied } = counted();
  const writer = new HeartbeatWriter(spied, () => systemClock().now());
  const first = ids.slice(0, 3).map((id) => writer.record(id, report));
  // Arrives while the first group is being written: goes in the next one.
  await Promise.resolve();
  await Promise.resolve();
  const late = writer.record(ids[3] ?? '', report);
  const unknown = writer.record(unique('n-none-'), report);
  expect(await Promise.all(first)).toEqual([1, 2, 3].map(() => ({ connected: true, lastSeqApplied: 0n })));
  expect(await late).toEqual({ connected: true, lastSeqApplied: 0n });
  expect(await unknown).toEqual({ connected: false, lastSeqApplied: 0n });
  expect(batches).toEqual([3, 2]);
});
