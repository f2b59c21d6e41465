import { waitFor } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import { makeEnvelope, type StreamEnvelope } from './envelope.js';
import type { Requester } from './exchange.js';
import { Receiver } from './receiver.js';
import { encodeReply, errorReply } from './replies.js';
import { Sender } from './sender.js';
import { countingStreamMetrics, type LabelledCounter, type StreamMetrics } from './stream-metrics.js';
import { outSubject } from './subjects.js';
import { MemoryOutbox, MemorySeqTracker } from './test-support/memory.js';
import { BIG_TIME, EXEC, NODE } from './test-support/stream.js';

/** What a stream's two halves count, over the in-process wiring of sender.test.ts. */

const report = (seq: bigint): StreamEnvelope =>
  makeEnvelope(
    'ExecutionProgress',
    { ExecutionID: EXEC, Message: `m${seq}` },
    { id: `m${seq}`, nodeId: NODE, time: BIG_TIME, seq },
  );

/** Counts by "metric label…", the way a registry would show them. */
function tally(): { metrics: StreamMetrics; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const metrics = countingStreamMetrics(
    ({ name }): LabelledCounter => ({
      labels: (...values) => ({
        inc: (by = 1) => {
          const key = [name, ...values].join(' ');
          counts.set(key, (counts.get(key) ?? 0) + by);
        },
      }),
    }),
  );
  return { metrics, counts };
}

describe('stream metrics', () => {
  it('count sends, a redelivery, its failed attempt, and the duplicate it made on the receiver', async () => {
    const senderSide = tally();
    const receiverSide = tally();
    const applied: bigint[] = [];
    const receiver = new Receiver({
      tracker: new MemorySeqTracker(),
      channel: 'out',
      handle: async (e) => void applied.push(e.seq),
      metrics: receiverSide.metrics,
    });
    let failedOnce = false;
    const requester: Requester = {
      async request(subject, data) {
        const reply = await receiver.handleMessage(subject, data);
        // Seq 3 is applied, but its first answer says otherwise: the sender must send it again.
        if ('Ack' in reply && reply.Ack === 3n && !failedOnce) {
          failedOnce = true;
          return { data: encodeReply(errorReply('apply_failed', 'try again')) };
        }
        return { data: encodeReply(reply) };
      },
    };
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 3; i++) outbox.write(report);
    const sender = new Sender({
      nc: requester,
      subject: outSubject(NODE),
      source: outbox,
      backoff: { initialMs: 5, maxMs: 20 },
      idlePollMs: 20,
      metrics: senderSide.metrics,
    });
    sender.start();
    await waitFor(() => sender.status().lastAcked === 3n);
    await sender.stop();

    expect(applied).toEqual([1n, 2n, 3n]);
    expect(Object.fromEntries(senderSide.counts)).toEqual({
      'shoal_nats_messages_sent_total ExecutionProgress': 4,
      'shoal_nats_messages_redelivered_total ExecutionProgress': 1,
      'shoal_nats_send_failures_total apply_failed': 1,
      'shoal_nats_stream_requests_sent_total single': 4,
    });
    expect(Object.fromEntries(receiverSide.counts)).toEqual({
      'shoal_nats_messages_received_total ExecutionProgress acked': 4,
      'shoal_nats_stream_decisions_total duplicate': 1,
    });
  });

  it('count the requests that carried a framed stream: messages ÷ requests is the batching', async () => {
    const senderSide = tally();
    const receiver = new Receiver({
      tracker: new MemorySeqTracker(),
      channel: 'out',
      handle: async () => {},
    });
    const requester: Requester = {
      request: async (subject, data) => ({ data: await receiver.handleRequest(subject, data) }),
    };
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 10; i++) outbox.write(report);
    const sender = new Sender({
      nc: requester,
      subject: outSubject(NODE),
      source: outbox,
      idlePollMs: 20,
      metrics: senderSide.metrics,
    });
    sender.useFrames(4);
    sender.start();
    await waitFor(() => sender.status().lastAcked === 10n);
    await sender.stop();
    expect(senderSide.counts.get('shoal_nats_messages_sent_total ExecutionProgress')).toBe(10);
    expect(senderSide.counts.get('shoal_nats_stream_requests_sent_total frame')).toBe(3);
    expect(senderSide.counts.get('shoal_nats_stream_requests_sent_total single')).toBeUndefined();
  });

  it('count a refused message by its code, and a gap the receiver answers with a rewind', async () => {
    const { metrics, counts } = tally();
    const receiver = new Receiver({
      tracker: new MemorySeqTracker(),
      channel: 'out',
      handle: async () => {},
      metrics,
    });
    await receiver.handleMessage(outSubject(NODE), new TextEncoder().encode('not json'));
    await receiver.handleMessage('shoal.compute.n-1.in', new Uint8Array());
    await receiver.handleMessage(outSubject(NODE), encodeMessage(report(5n)));

    expect(Object.fromEntries(counts)).toEqual({
      'shoal_nats_messages_received_total unknown refused': 2,
      'shoal_nats_messages_refused_total bad_json': 1,
      'shoal_nats_messages_refused_total bad_envelope': 1,
      'shoal_nats_messages_received_total ExecutionProgress nacked': 1,
      'shoal_nats_stream_decisions_total gap': 1,
    });
  });
});
