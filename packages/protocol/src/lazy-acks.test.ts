import { waitFor } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { lazyAcks } from './lazy-acks.js';
import type { OutboxSource } from './ports.js';

/** A source that only records the acknowledgements written to it. */
function recording() {
  const writes: bigint[] = [];
  let stored = 0n;
  const source: OutboxSource = {
    pending: async () => [],
    acked: async (seq) => {
      writes.push(seq);
      if (seq > stored) stored = seq;
    },
    lastAcked: async () => stored,
  };
  return { source, writes };
}

describe('lazyAcks', () => {
  it('holds acknowledgements and writes only the highest, once per interval', async () => {
    const { source, writes } = recording();
    const lazy = lazyAcks(source, 30);
    await lazy.acked(1n);
    await lazy.acked(3n);
    await lazy.acked(2n); // cumulative: a lower one changes nothing
    expect(writes).toEqual([]);
    expect(await lazy.lastAcked()).toBe(3n); // what the sender knows, though not written yet
    await waitFor(() => writes.length > 0, { message: 'the held ack written' });
    expect(writes).toEqual([3n]);
    await lazy.acked(5n);
    await waitFor(() => writes.length > 1, { message: 'the next one written' });
    expect(writes).toEqual([3n, 5n]);
  });

  it('writes what it holds at once when flushed, and nothing when it holds nothing', async () => {
    const { source, writes } = recording();
    const lazy = lazyAcks(source, 60_000);
    await lazy.acked(4n);
    await lazy.flushAcks();
    expect(writes).toEqual([4n]);
    await lazy.flushAcks();
    expect(writes).toEqual([4n]);
    expect(await lazy.lastAcked()).toBe(4n);
  });
});
