import { encodeJson } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import type { StreamEnvelope } from './envelope.js';
import type { SeqTracker } from './ports.js';
import { Receiver } from './receiver.js';
import { MAX_RUN } from './receiver-run.js';
import { decodeReply, encodeReply, type Reply } from './replies.js';
import { inSubject, outSubject } from './subjects.js';
import { MemorySeqTracker, recordingLogger } from './test-support/memory.js';
import { NODE, sample } from './test-support/samples.js';

function setup(tracker: SeqTracker = new MemorySeqTracker()) {
  const applied: bigint[] = [];
  const logger = recordingLogger();
  let failNext: Error | undefined;
  const receiver = new Receiver({
    tracker,
    channel: 'out',
    logger,
    handle: async (envelope) => {
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      applied.push(envelope.seq);
    },
  });
  const send = (envelope: StreamEnvelope, subject = outSubject(NODE)) =>
    receiver.handleMessage(subject, encodeMessage(envelope));
  const failOnce = (error: Error) => {
    failNext = error;
  };
  return { receiver, applied, logger, send, failOnce };
}

const report = (seq: bigint) => sample('ExecutionProgress', seq);

describe('Receiver decisions', () => {
  it('applies in order and acks each', async () => {
    const { send, applied } = setup();
    expect(await send(report(1n))).toEqual({ Ack: 1n });
    expect(await send(report(2n))).toEqual({ Ack: 2n });
    expect(applied).toEqual([1n, 2n]);
  });

  it('acks a duplicate without applying it', async () => {
    const { send, applied, logger } = setup();
    await send(report(1n));
    await send(report(2n));
    expect(await send(report(2n))).toEqual({ Ack: 2n });
    expect(await send(report(1n))).toEqual({ Ack: 1n });
    expect(applied).toEqual([1n, 2n]);
    expect(logger.find('duplicate message acknowledged, not applied')).toHaveLength(2);
  });

  it('nacks a gap with the seq it expects, applying nothing', async () => {
    const { send, applied } = setup();
    await send(report(1n));
    expect(await send(report(5n))).toEqual({ Nack: 2n });
    expect(applied).toEqual([1n]);
  });

  it('skips ahead on resync: the sender no longer has the messages in between', async () => {
    const { send, applied, logger } = setup();
    expect(await send({ ...report(40n), resync: true })).toEqual({ Ack: 40n });
    expect(applied).toEqual([40n]);
    expect(
      logger.find('sender resynced past messages it no longer has: skipping ahead')[0]?.obj,
    ).toMatchObject({
      skipped: '1..39',
    });
    // resync never goes backwards: an old message stays a duplicate.
    expect(await send({ ...report(3n), resync: true })).toEqual({ Ack: 3n });
    expect(applied).toEqual([40n]);
  });

  it('answers apply_failed when the handler throws, and applies on the retry', async () => {
    const { send, applied, failOnce } = setup();
    failOnce(new Error('database is down'));
    const reply = await send(report(1n));
    expect(reply).toEqual({
      Error: { Code: 'apply_failed', Message: expect.stringContaining('database is down') },
    });
    expect(applied).toEqual([]);
    expect(await send(report(1n))).toEqual({ Ack: 1n });
    expect(applied).toEqual([1n]);
  });

  it('serialises concurrent deliveries of one peer: a resend racing its original applies once', async () => {
    const { send, applied } = setup();
    const replies = await Promise.all([
      send(report(1n)),
      send(report(1n)),
      send(report(2n)),
      send(report(2n)),
    ]);
    expect(replies).toEqual([{ Ack: 1n }, { Ack: 1n }, { Ack: 2n }, { Ack: 2n }]);
    expect(applied).toEqual([1n, 2n]);
  });

  it('treats a lost apply race (another process won) as a duplicate', async () => {
    const inner = new MemorySeqTracker();
    const racing: SeqTracker = {
      lastApplied: (peer) => inner.lastApplied(peer),
      // Another orchestrator commits the same seq between our read and our apply.
      apply: async (peer, seq) => {
        inner.reset(peer, seq);
        return false;
      },
    };
    const { send, applied } = setup(racing);
    expect(await send(report(1n))).toEqual({ Ack: 1n });
    expect(applied).toEqual([]);
  });
});

/**
 * A tracker with transactions: a handler writes to the ctx, which is committed to `committed`
 * with the cursor, or dropped when it throws. It counts what each path costs.
 */
class TransactionalTracker implements SeqTracker<bigint[]> {
  readonly committed: bigint[] = [];
  readonly runs: Array<[bigint, bigint]> = [];
  reads = 0;
  applies = 0;
  /** Holds every applyRun until released, to queue messages behind a transaction. */
  gate: Promise<void> | undefined;
  /** Another process applies up to here just before our next applyRun (a lost race). */
  raceTo: bigint | undefined;
  private last = 0n;

  async lastApplied(_peer: string): Promise<bigint> {
    this.reads++;
    return this.last;
  }

  async apply(_peer: string, seq: bigint, fn: (tx: bigint[]) => Promise<void>): Promise<boolean> {
    this.applies++;
    return this.commit(seq, seq, fn);
  }

  async applyRun(
    _peer: string,
    firstSeq: bigint,
    lastSeq: bigint,
    fn: (tx: bigint[]) => Promise<void>,
  ): Promise<boolean> {
    this.runs.push([firstSeq, lastSeq]);
    await this.gate;
    if (this.raceTo !== undefined) [this.last, this.raceTo] = [this.raceTo, undefined];
    return this.commit(firstSeq, lastSeq, fn);
  }

  private async commit(below: bigint, seq: bigint, fn: (tx: bigint[]) => Promise<void>) {
    if (this.last >= below) return false;
    const tx: bigint[] = [];
    await fn(tx);
    this.committed.push(...tx);
    this.last = seq;
    return true;
  }
}

function groupSetup(tracker: SeqTracker<bigint[]>) {
  const logger = recordingLogger();
  const failing = new Set<bigint>();
  const handle = async (envelope: StreamEnvelope, tx: bigint[]) => {
    if (failing.has(envelope.seq)) throw new Error(`seq ${envelope.seq}: database is down`);
    tx.push(envelope.seq);
  };
  const runSizes: number[] = [];
  const receiver = new Receiver<bigint[]>({
    tracker,
    channel: 'out',
    logger,
    handle,
    handleRun: async (envelopes, tx) => {
      runSizes.push(envelopes.length);
      for (const envelope of envelopes) await handle(envelope, tx);
    },
  });
  const send = (envelope: StreamEnvelope) =>
    receiver.handleMessage(outSubject(NODE), encodeMessage(envelope));
  /** Delivers all at once, in this order, as a window of the sender arrives. */
  const deliver = (...envelopes: StreamEnvelope[]) => Promise.all(envelopes.map(send));
  return { logger, failing, runSizes, send, deliver };
}

const reports = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => report(BigInt(from + i)));
const acks = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ Ack: BigInt(from + i) }));

describe('Receiver group apply (handleRun + applyRun)', () => {
  it('applies messages waiting together in one transaction, in seq order, each acked once', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, runSizes } = groupSetup(tracker);
    expect(await deliver(...reports(1, 10))).toEqual(acks(1, 10));
    expect(tracker.committed).toEqual(reports(1, 10).map((r) => r.seq));
    expect(tracker.runs).toEqual([[1n, 10n]]);
    expect(runSizes).toEqual([10]);
    expect({ reads: tracker.reads, applies: tracker.applies }).toEqual({ reads: 1, applies: 0 });
  });

  it(`takes at most ${MAX_RUN} messages into one transaction`, async () => {
    const tracker = new TransactionalTracker();
    const { deliver } = groupSetup(tracker);
    expect(await deliver(...reports(1, 100))).toEqual(acks(1, 100));
    expect(tracker.runs).toEqual([
      [1n, BigInt(MAX_RUN)],
      [BigInt(MAX_RUN + 1), 100n],
    ]);
    expect(tracker.committed).toHaveLength(100);
  });

  it('gathers the messages that arrive while a run is being applied into the next run', async () => {
    const tracker = new TransactionalTracker();
    const { send, deliver } = groupSetup(tracker);
    let release = () => {};
    tracker.gate = new Promise((done) => {
      release = done;
    });
    const first = send(report(1n));
    await waitFor(() => tracker.runs.length === 1, { message: 'the first run to start' });
    const rest = deliver(...reports(2, 6));
    release();
    expect(await first).toEqual({ Ack: 1n });
    expect(await rest).toEqual(acks(2, 6));
    expect(tracker.runs).toEqual([
      [1n, 1n],
      [2n, 6n],
    ]);
    expect(tracker.committed).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it('acks resends inside a run without applying them again', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, send, logger } = groupSetup(tracker);
    await send(report(1n));
    const replies = await deliver(report(2n), report(1n), report(3n), report(2n), report(4n));
    expect(replies).toEqual([{ Ack: 2n }, { Ack: 1n }, { Ack: 3n }, { Ack: 2n }, { Ack: 4n }]);
    expect(tracker.committed).toEqual([1n, 2n, 3n, 4n]);
    expect(tracker.runs).toEqual([
      [1n, 1n],
      [2n, 4n],
    ]);
    expect(logger.find('duplicate message acknowledged, not applied').map((r) => r.obj.seq)).toEqual([
      1n,
      2n,
    ]);
  });

  it('applies the contiguous prefix of a gap and nacks the rest with the next expected seq', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, logger } = groupSetup(tracker);
    const replies = await deliver(...reports(1, 3), report(5n), report(6n));
    expect(replies).toEqual([...acks(1, 3), { Nack: 4n }, { Nack: 4n }]);
    expect(tracker.committed).toEqual([1n, 2n, 3n]);
    expect(tracker.runs).toEqual([[1n, 3n]]);
    expect(logger.find('gap in the stream: asking the sender to rewind')).toHaveLength(2);
    // The rewind fills the gap.
    expect(await deliver(...reports(4, 6))).toEqual(acks(4, 6));
    expect(tracker.committed).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it('decides a message after a gap against the run before it, as one at a time would', async () => {
    const tracker = new TransactionalTracker();
    const { deliver } = groupSetup(tracker);
    expect(await deliver(report(1n), report(2n), report(4n), report(3n))).toEqual([
      { Ack: 1n },
      { Ack: 2n },
      { Nack: 3n },
      { Ack: 3n },
    ]);
    expect(tracker.committed).toEqual([1n, 2n, 3n]);
  });

  it('skips ahead on resync only at the start of a run', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, logger } = groupSetup(tracker);
    const replies = await deliver(report(1n), report(2n), { ...report(10n), resync: true }, report(11n));
    expect(replies).toEqual([{ Ack: 1n }, { Ack: 2n }, { Ack: 10n }, { Ack: 11n }]);
    expect(tracker.runs).toEqual([
      [1n, 2n],
      [10n, 11n],
    ]);
    expect(tracker.committed).toEqual([1n, 2n, 10n, 11n]);
    const skipped = logger.find('sender resynced past messages it no longer has: skipping ahead');
    expect(skipped.map((r) => r.obj.skipped)).toEqual(['3..9']);
  });

  it('when a run’s handler throws, applies its messages one at a time: the failing one gets apply_failed', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, failing, logger } = groupSetup(tracker);
    failing.add(3n);
    const replies = await deliver(...reports(1, 5));
    expect(replies).toEqual([
      { Ack: 1n },
      { Ack: 2n },
      { Error: { Code: 'apply_failed', Message: expect.stringContaining('seq 3: database is down') } },
      { Nack: 3n },
      { Nack: 3n },
    ]);
    // The run rolled back whole; 1 and 2 were then applied on their own.
    expect(tracker.committed).toEqual([1n, 2n]);
    expect(tracker.runs).toEqual([[1n, 5n]]);
    expect(logger.find('applying a run failed: applying its messages one at a time')).toHaveLength(1);
    failing.clear();
    expect(await deliver(...reports(3, 5))).toEqual(acks(3, 5));
    expect(tracker.committed).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('after losing the race to another process, decides again: what it applied is a duplicate', async () => {
    const tracker = new TransactionalTracker();
    const { deliver, logger } = groupSetup(tracker);
    tracker.raceTo = 3n;
    expect(await deliver(...reports(1, 5))).toEqual(acks(1, 5));
    // 1..3 came from the other process; 4..5 were left to apply, as a run of their own.
    expect(tracker.committed).toEqual([4n, 5n]);
    expect(tracker.runs).toEqual([
      [1n, 5n],
      [4n, 5n],
    ]);
    expect(tracker.applies).toBe(0);
    expect(logger.find('duplicate message acknowledged, not applied').map((r) => r.obj.seq)).toEqual([
      1n,
      2n,
      3n,
    ]);
  });

  it('keeps deciding again while other processes take the head of each run', async () => {
    const tracker = new TransactionalTracker();
    const applyRun = tracker.applyRun.bind(tracker);
    tracker.applyRun = async (peer, firstSeq, lastSeq, fn) => {
      tracker.raceTo = firstSeq;
      return applyRun(peer, firstSeq, lastSeq, fn);
    };
    const { deliver } = groupSetup(tracker);
    expect(await deliver(...reports(1, 4))).toEqual(acks(1, 4));
    expect(tracker.runs).toEqual([
      [1n, 4n],
      [2n, 4n],
      [3n, 4n],
      [4n, 4n],
    ]);
    expect(tracker.committed).toEqual([]);
  });

  it('decides one at a time when a run loses twice without the cursor moving', async () => {
    const tracker = new TransactionalTracker();
    tracker.applyRun = async (_peer, firstSeq, lastSeq) => {
      tracker.runs.push([firstSeq, lastSeq]);
      return false;
    };
    const { deliver } = groupSetup(tracker);
    expect(await deliver(...reports(1, 4))).toEqual(acks(1, 4));
    expect(tracker.runs).toEqual([
      [1n, 4n],
      [1n, 4n],
    ]);
    expect({ applies: tracker.applies, committed: tracker.committed }).toEqual({
      applies: 4,
      committed: [1n, 2n, 3n, 4n],
    });
  });

  it('answers apply_failed to every waiting message when the last applied seq cannot be read', async () => {
    const tracker = new TransactionalTracker();
    const { deliver } = groupSetup(tracker);
    tracker.lastApplied = async () => {
      throw new Error('database is down');
    };
    const replies = await deliver(...reports(1, 3));
    expect(replies).toEqual(
      Array(3).fill({
        Error: { Code: 'apply_failed', Message: expect.stringContaining('database is down') },
      }),
    );
    expect(tracker.committed).toEqual([]);
  });

  it('applies one at a time with a tracker that has no applyRun', async () => {
    const inner = new TransactionalTracker();
    const plain: SeqTracker<bigint[]> = {
      lastApplied: (peer) => inner.lastApplied(peer),
      apply: (peer, seq, fn) => inner.apply(peer, seq, fn),
    };
    const { deliver, runSizes } = groupSetup(plain);
    expect(await deliver(...reports(1, 3), report(2n), report(5n))).toEqual([
      ...acks(1, 3),
      { Ack: 2n },
      { Nack: 4n },
    ]);
    expect(inner.committed).toEqual([1n, 2n, 3n]);
    expect({ reads: inner.reads, applies: inner.applies, runs: runSizes.length }).toEqual({
      reads: 5,
      applies: 3,
      runs: 0,
    });
  });
});

describe('Receiver refusals: an error reply, a log line, no crash', () => {
  const raw = (value: unknown) => new TextEncoder().encode(encodeJson(value));

  it.each<[string, Uint8Array, string]>([
    ['invalid JSON', new TextEncoder().encode('{"v":1,'), 'bad_json'],
    ['unknown type', raw({ ...report(1n), type: 'Reboot' }), 'unknown_type'],
    ['another version', raw({ ...report(1n), v: 7 }), 'bad_version'],
    ['missing fields', raw({ ...report(1n), payload: {} }), 'bad_payload'],
    ['an orchestrator message on .out', encodeMessage(sample('AskForBid', 1n)), 'unknown_type'],
    ['a control message on .out', encodeMessage(sample('Heartbeat')), 'unknown_type'],
    [
      'oversize',
      raw({ ...report(1n), payload: { ExecutionID: 'e-1', Message: 'x'.repeat(1_100_000) } }),
      'too_large',
    ],
  ])('%s', async (_what, data, code) => {
    const { receiver, applied, logger } = setup();
    const reply = await receiver.handleMessage(outSubject(NODE), data);
    expect(reply).toEqual({ Error: { Code: code, Message: expect.any(String) } });
    expect(applied).toEqual([]);
    expect(logger.find('message refused')).toHaveLength(1);
  });

  it('another node speaking on this node’s subject is logged as an error and not applied', async () => {
    const { send, applied, logger } = setup();
    const reply = await send(sample('RunResult', 1n, 'n-other'), outSubject(NODE));
    expect(reply).toMatchObject({ Error: { Code: 'wrong_node' } });
    expect(applied).toEqual([]);
    expect(logger.find('message refused')[0]?.level).toBe('error');
  });

  it('refuses a subject of the wrong channel', async () => {
    const { send } = setup();
    expect(await send(report(1n), inSubject(NODE))).toMatchObject({ Error: { Code: 'bad_envelope' } });
  });
});

describe('replies', () => {
  it.each<Reply>([
    { Ack: 1695883778909107178n },
    { Nack: 3n },
    { Error: { Code: 'bad_json', Message: 'x' } },
  ])('round-trip %o', (reply) => {
    expect(decodeReply(encodeReply(reply))).toEqual({ ok: true, reply });
  });

  it.each(['', 'null', '[]', '{}', '{"Ack":1,"Nack":2}', '{"Ack":-1}', '{"Error":"x"}'])(
    'refuses %j',
    (input) => {
      expect(decodeReply(new TextEncoder().encode(input)).ok).toBe(false);
    },
  );
});
