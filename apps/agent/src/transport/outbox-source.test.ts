import { manualClock } from '@shoal/models';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { type AgentStore, openAgentStore } from '../store/index.js';
import { testUuid } from '../testing/fixtures.js';
import { outboxSource } from './outbox-source.js';

let dir: TempDir;
let store: AgentStore;
let writes: bigint[];

beforeEach(async () => {
  dir = await makeTempDir('shoal-agent-acks-');
  store = openAgentStore({ dataDir: dir.path, clock: manualClock(), logger: silentLogger, newId: testUuid });
  for (let i = 1; i <= 5; i++) {
    await store.transaction((tx) =>
      store.outbox.append(tx, {
        type: 'ExecutionProgress',
        payload: { ExecutionID: `e-${i}`, Message: 'm' },
      }),
    );
  }
  writes = [];
  const acked = store.outbox.acked.bind(store.outbox);
  store.outbox.acked = (seq) => {
    writes.push(seq);
    return acked(seq);
  };
});

afterEach(async () => {
  await store.close();
  await dir.cleanup();
});

it('holds acknowledgements in memory and writes the latest one once per interval', async () => {
  const source = outboxSource(store.outbox, 'n-1', 50);
  await source.acked(1n);
  await source.acked(3n);
  await source.acked(2n); // cumulative: a lower one changes nothing
  expect(writes).toEqual([]);
  expect(await source.lastAcked()).toBe(3n); // a restarted sender would not resend what it knows
  await waitFor(async () => (await store.outbox.lastAcked()) === 3n, { message: 'ack written' });
  expect(writes).toEqual([3n]);
  expect((await store.outbox.pending(0n, 10)).map((m) => m.seq)).toEqual([4n, 5n]);
});

it('writes what it holds at once when flushed (shutdown)', async () => {
  const source = outboxSource(store.outbox, 'n-1', 60_000);
  await source.acked(4n);
  await source.flushAcks();
  expect(writes).toEqual([4n]);
  expect(await store.outbox.lastAcked()).toBe(4n);
  await source.flushAcks(); // nothing held: nothing written
  expect(writes).toEqual([4n]);
});
