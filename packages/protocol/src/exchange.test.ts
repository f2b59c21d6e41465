import { describe, expect, it } from 'vitest';
import { encodeMessage, encodeTrusted } from './codec.js';
import { makeEnvelope, type OutboxEnvelope, type StreamEnvelope } from './envelope.js';
import { exchange, type Requester } from './exchange.js';
import { encodeReply } from './replies.js';
import { BIG_TIME, EXEC, NODE } from './test-support/stream.js';

const envelope = makeEnvelope(
  'ExecutionProgress',
  { ExecutionID: EXEC, Message: 'pulling image' },
  { id: 'm-1', nodeId: NODE, time: BIG_TIME, seq: 7n },
) as StreamEnvelope;

/** Records what was sent and acks it. */
function recorder() {
  const sent: string[] = [];
  const nc: Requester = {
    async request(_subject, data) {
      sent.push(new TextDecoder().decode(data));
      return { data: encodeReply({ Ack: 7n }) };
    },
  };
  return { nc, sent };
}
const options = { timeoutMs: 1_000, maxBytes: 1 << 20 };

describe('exchange: an outbox message is serialized once', () => {
  it('encodes a trusted envelope to the bytes encodeMessage gives', () => {
    expect(encodeTrusted(envelope)).toEqual(encodeMessage(envelope));
    const resent = { ...envelope, resync: true };
    expect(encodeTrusted(resent)).toEqual(encodeMessage(resent));
  });

  it('sends the bytes an outbox kept as they are, without encoding the envelope again', async () => {
    const { nc, sent } = recorder();
    // Bytes that differ from the envelope's own encoding show which of the two went out.
    const kept = new TextEncoder().encode(
      new TextDecoder().decode(encodeMessage(envelope)).replace('pulling', 'PULLING'),
    );
    const outcome = await exchange(nc, 'subject', { ...envelope, encoded: kept } as OutboxEnvelope, options);
    expect(outcome).toEqual({ kind: 'acked' });
    expect(sent).toEqual([new TextDecoder().decode(kept)]);
  });

  it('encodes a resync resend (its header changed) and an envelope without kept bytes', async () => {
    const { nc, sent } = recorder();
    const kept = encodeMessage(envelope);
    await exchange(nc, 'subject', { ...envelope, encoded: kept, resync: true } as OutboxEnvelope, options);
    await exchange(nc, 'subject', envelope, options);
    expect(JSON.parse(sent[0] ?? '{}')).toMatchObject({ resync: true, seq: 7 });
    expect(sent[1]).toBe(new TextDecoder().decode(kept));
  });
});
