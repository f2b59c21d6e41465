import { encodeJson } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import type { StreamEnvelope } from './envelope.js';
import type { SeqTracker } from './ports.js';
import { Receiver } from './receiver.js';
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

  it('acks a duplicate without applying it (case 11, 12)', async () => {
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

describe('Receiver refusals (bad input 22, 23): an error reply, a log line, no crash', () => {
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
