import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import { makeEnvelope, type StreamEnvelope } from './envelope.js';
import { exchangeRun, type Requester } from './exchange.js';
import {
  decodeFrameReply,
  decodeRequest,
  encodeFrameReply,
  FRAME_MAX_MESSAGES,
  joinFrame,
  packFrames,
} from './frames.js';
import { Receiver } from './receiver.js';
import { encodeReply, errorReply } from './replies.js';
import { outSubject } from './subjects.js';
import { MemorySeqTracker } from './test-support/memory.js';
import { BIG_TIME, EXEC, NODE } from './test-support/stream.js';

const report = (seq: bigint, nodeId = NODE): StreamEnvelope =>
  makeEnvelope(
    'ExecutionProgress',
    { ExecutionID: EXEC, Message: `m${seq}` },
    { id: `m${seq}`, nodeId, time: BIG_TIME, seq },
  );
const frameOf = (envelopes: StreamEnvelope[]) => joinFrame(envelopes.map((e) => encodeMessage(e)));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('frames: several messages of a stream in one request', () => {
  it('packs by count and by bytes, in order, and lets an oversized message travel alone', () => {
    expect(packFrames([10, 10, 10, 10, 10], 2, 1_000)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    // [a,b] is 2 + 10 + 1 + 10 = 23 bytes; a third would make 34.
    expect(packFrames([10, 10, 10], 64, 30)).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(packFrames([10, 500, 10], 64, 100)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(packFrames([], 64, 100)).toEqual([]);
  });

  it('a frame is the JSON array of the messages, each decoded as it would be alone', () => {
    const frame = frameOf([report(1n), report(2n)]);
    expect(JSON.parse(text(frame))).toHaveLength(2);
    const decoded = decodeRequest(frame, { expectedNodeId: NODE, channel: 'out' });
    expect(decoded.kind).toBe('frame');
    if (decoded.kind !== 'frame') return;
    expect(decoded.results.map((r) => r.ok && r.envelope.seq)).toEqual([1n, 2n]);
    // One message alone is still the plain envelope.
    expect(decodeRequest(encodeMessage(report(3n))).kind).toBe('one');
  });

  it('checks every message of a frame: another node’s message is refused, its neighbours are not', () => {
    const decoded = decodeRequest(frameOf([report(1n), report(2n, 'n-intruder'), report(3n)]), {
      expectedNodeId: NODE,
      channel: 'out',
    });
    if (decoded.kind !== 'frame') throw new Error(decoded.kind);
    expect(decoded.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'wrong_node', 'ok']);
  });

  it('refuses an empty frame, one of more than FRAME_MAX_MESSAGES, and one over the size limit', () => {
    expect(decodeRequest(new TextEncoder().encode('[]'))).toMatchObject({
      kind: 'refused',
      error: { code: 'bad_envelope' },
    });
    const many = Array.from({ length: FRAME_MAX_MESSAGES + 1 }, (_, i) => report(BigInt(i + 1)));
    expect(decodeRequest(frameOf(many))).toMatchObject({ kind: 'refused', error: { code: 'bad_envelope' } });
    expect(decodeRequest(frameOf([report(1n), report(2n)]), { maxBytes: 100 })).toMatchObject({
      kind: 'refused',
      error: { code: 'too_large' },
    });
  });

  it('an answer must hold one reply per message; a single Error stands for the whole frame', () => {
    const two = encodeFrameReply([{ Ack: 1n }, { Nack: 1n }]);
    expect(decodeFrameReply(two, 2)).toEqual({ ok: true, replies: [{ Ack: 1n }, { Nack: 1n }] });
    expect(decodeFrameReply(two, 3)).toMatchObject({ ok: false });
    const whole = encodeReply(errorReply('too_large', 'no'));
    expect(decodeFrameReply(whole, 2)).toMatchObject({ ok: true, whole: { Error: { Code: 'too_large' } } });
    expect(decodeFrameReply(new TextEncoder().encode('[{"Ack":1,"Nack":1}]'), 1)).toMatchObject({
      ok: false,
    });
  });
});

describe('frames between a sender and a receiver', () => {
  function receiverRequester() {
    const applied: bigint[] = [];
    const receiver = new Receiver({
      tracker: new MemorySeqTracker(),
      channel: 'out',
      handle: async (e) => void applied.push(e.seq),
    });
    const requests: string[] = [];
    const nc: Requester = {
      async request(subject, data) {
        requests.push(text(data));
        return { data: await receiver.handleRequest(subject, data) };
      },
    };
    return { applied, requests, nc };
  }
  const options = { timeoutMs: 1_000, maxBytes: 1 << 20 };

  it('a run goes in frames of the peer’s size and every message is acknowledged once applied', async () => {
    const { nc, applied, requests } = receiverRequester();
    const run = Array.from({ length: 10 }, (_, i) => report(BigInt(i + 1)));
    const outcomes = await exchangeRun(nc, outSubject(NODE), run, { ...options, frameMessages: 4 });
    expect(outcomes.every((o) => o.kind === 'acked')).toBe(true);
    expect(applied).toEqual(run.map((e) => e.seq));
    expect(requests.map((r) => (r.startsWith('[') ? JSON.parse(r).length : 1))).toEqual([4, 4, 2]);
  });

  it('without frames (a peer that never asked for them) each message is its own request', async () => {
    const { nc, requests } = receiverRequester();
    const run = [report(1n), report(2n), report(3n)];
    await exchangeRun(nc, outSubject(NODE), run, options);
    expect(requests.every((r) => r.startsWith('{'))).toBe(true);
    expect(requests).toHaveLength(3);
  });

  it('a frame after a gap is nacked message by message, and the sender learns where to rewind', async () => {
    const { nc, applied } = receiverRequester();
    const outcomes = await exchangeRun(nc, outSubject(NODE), [report(3n), report(4n)], {
      ...options,
      frameMessages: 8,
    });
    expect(outcomes).toEqual([
      { kind: 'rewind', to: 1n },
      { kind: 'rewind', to: 1n },
    ]);
    expect(applied).toEqual([]);
  });

  it('a frame refused as a whole fails every message in it, so none is taken as delivered', async () => {
    const nc: Requester = {
      request: async () => ({ data: encodeReply(errorReply('too_large', 'frame too large')) }),
    };
    const outcomes = await exchangeRun(nc, outSubject(NODE), [report(1n), report(2n)], {
      ...options,
      frameMessages: 8,
    });
    expect(outcomes.map((o) => o.kind === 'failed' && o.cause)).toEqual(['refused', 'refused']);
  });
});
