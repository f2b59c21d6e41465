import { waitFor } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { makeEnvelope, type StreamEnvelope } from './envelope.js';
import type { Requester } from './exchange.js';
import type { OutboxSource } from './ports.js';
import { Receiver } from './receiver.js';
import { encodeReply, type Reply } from './replies.js';
import { Sender } from './sender.js';
import { outSubject } from './subjects.js';
import { MemoryOutbox, MemorySeqTracker, recordingLogger } from './test-support/memory.js';
import { BIG_TIME, EXEC, NODE, seqs } from './test-support/stream.js';

/**
 * The sender's loop against an in-process receiver (no NATS): the edge cases that are hard to
 * provoke over a real server. Delivery over real NATS is in delivery.test.ts.
 */

const report = (seq: bigint): StreamEnvelope =>
  makeEnvelope(
    'ExecutionProgress',
    { ExecutionID: EXEC, Message: `m${seq}` },
    { id: `m${seq}`, nodeId: NODE, time: BIG_TIME, seq },
  );

function inProcess(override?: (seq: bigint, real: () => Promise<Reply>) => Promise<Reply>) {
  const applied: bigint[] = [];
  const receiver = new Receiver({
    tracker: new MemorySeqTracker(),
    channel: 'out',
    handle: async (e) => void applied.push(e.seq),
  });
  const requester: Requester = {
    async request(subject, data) {
      const real = () => receiver.handleMessage(subject, data);
      const seq = BigInt(/"seq":(\d+)/.exec(new TextDecoder().decode(data))?.[1] ?? '0');
      return { data: encodeReply(await (override ? override(seq, real) : real())) };
    },
  };
  return { applied, requester };
}

function sender(source: OutboxSource, nc: Requester) {
  const logger = recordingLogger();
  const s = new Sender({
    nc,
    subject: outSubject(NODE),
    source,
    logger,
    backoff: { initialMs: 5, maxMs: 40 },
    idlePollMs: 20,
  });
  return { sender: s, logger };
}

function fill(outbox: MemoryOutbox, n: number) {
  for (let i = 0; i < n; i++) outbox.write(report);
}

describe('Sender (in process)', () => {
  it('sends a window of messages before the first answer, and persists the ack once per window', async () => {
    const outbox = new MemoryOutbox();
    fill(outbox, 10);
    let inFlight = 0;
    let most = 0;
    const { applied, requester } = inProcess(async (_seq, real) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Hold every answer until the next macrotask, so the requests of one window overlap.
      await new Promise((done) => setImmediate(done));
      inFlight--;
      return real();
    });
    const persisted: bigint[] = [];
    const source: OutboxSource = {
      pending: (after, limit) => outbox.pending(after, limit),
      acked: async (seq) => {
        persisted.push(seq);
        await outbox.acked(seq);
      },
      lastAcked: () => outbox.lastAcked(),
    };
    const s = new Sender({ nc: requester, subject: outSubject(NODE), source, window: 4, idlePollMs: 20 });
    s.start();
    await waitFor(() => applied.length === 10);
    await s.stop();
    expect(applied).toEqual(seqs(1, 10));
    expect(most).toBe(4);
    expect(persisted).toEqual([4n, 8n, 10n]);
  });

  it('survives an outbox that throws, and a source.acked that throws', async () => {
    const outbox = new MemoryOutbox();
    fill(outbox, 3);
    let pendingFailures = 2;
    const flaky: OutboxSource = {
      pending: async (after, limit) => {
        if (pendingFailures-- > 0) throw new Error('database is down');
        return outbox.pending(after, limit);
      },
      acked: async () => {
        throw new Error('disk full');
      },
      lastAcked: () => outbox.lastAcked(),
    };
    const { applied, requester } = inProcess();
    const { sender: s, logger } = sender(flaky, requester);
    s.start();
    await waitFor(() => applied.length === 3);
    await s.stop();
    expect(applied).toEqual(seqs(1, 3));
    expect(logger.find('sender step failed').map((r) => r.obj.err)).toEqual([
      'database is down',
      'database is down',
    ]);
    // Persisted once per window of messages sent together: at least once, at most once per message.
    const persisted = logger.find('could not persist an acknowledgement').length;
    expect(persisted).toBeGreaterThanOrEqual(1);
    expect(persisted).toBeLessThanOrEqual(3);
    expect(s.status()).toMatchObject({ lastAcked: 3n, cursor: 4n, running: false });
  });

  it('waits at a hole among unacknowledged messages instead of skipping it', async () => {
    const messages = [report(1n), report(3n)];
    const source: OutboxSource = {
      pending: async (after) => messages.filter((m) => m.seq > after).sort((a, b) => Number(a.seq - b.seq)),
      acked: async () => {},
      lastAcked: async () => 0n,
    };
    const { applied, requester } = inProcess();
    const { sender: s, logger } = sender(source, requester);
    s.start();
    await waitFor(() => logger.find('outbox has a hole before its next message: waiting for it').length >= 2);
    expect(applied).toEqual([1n]);
    messages.push(report(2n)); // the slow writer commits
    s.notify();
    await waitFor(() => applied.length === 3);
    await s.stop();
    expect(applied).toEqual(seqs(1, 3));
  });

  it('backs off when a peer keeps nacking, instead of spinning', async () => {
    const outbox = new MemoryOutbox();
    fill(outbox, 2);
    let nacks = 0;
    const { requester } = inProcess(async (seq, real) => {
      if (seq === 2n) {
        nacks++;
        return { Nack: 2n }; // a confused peer: asks again for what it was just sent
      }
      return real();
    });
    const { sender: s, logger } = sender(outbox, requester);
    s.start();
    await waitFor(() => nacks >= 5);
    const rewinds = logger.find('peer asked to rewind').map((r) => r.at);
    await s.stop();
    const gaps = rewinds.slice(1).map((at, i) => at - (rewinds[i] ?? 0));
    // First rewind immediate, then the backoff: 5, 10, 20 ms (±20 %). Timers fire late on a busy
    // machine but never early, so only the lower bounds are asserted.
    expect(gaps[1]).toBeGreaterThanOrEqual(3);
    expect(gaps[2]).toBeGreaterThanOrEqual(7);
    expect(gaps[3]).toBeGreaterThanOrEqual(15);
  });

  it('treats an Ack for another seq as a failure and retries', async () => {
    const outbox = new MemoryOutbox();
    fill(outbox, 1);
    let first = true;
    const { applied, requester } = inProcess(async (_seq, real) => {
      if (first) {
        first = false;
        return { Ack: 99n };
      }
      return real();
    });
    const { sender: s, logger } = sender(outbox, requester);
    s.start();
    await waitFor(() => applied.length === 1);
    await s.stop();
    expect(logger.find('peer answered with a seq that does not fit the message sent')).toHaveLength(1);
    expect(await outbox.lastAcked()).toBe(1n);
  });

  it('stop() ends a long backoff at once', async () => {
    const outbox = new MemoryOutbox();
    fill(outbox, 1);
    const down: Requester = { request: async () => Promise.reject(new Error('no responders')) };
    const s = new Sender({
      nc: down,
      subject: outSubject(NODE),
      source: outbox,
      backoff: { initialMs: 60_000 },
    });
    s.start();
    await waitFor(() => s.status().failures === 1);
    const started = performance.now();
    await s.stop();
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a message the peer would refuse is never sent: the stream blocks loudly', async () => {
    const outbox = new MemoryOutbox();
    outbox.write((seq) =>
      makeEnvelope(
        'ExecutionProgress',
        { ExecutionID: 'bad id', Message: 'x' },
        { id: 'm', nodeId: NODE, time: 1n, seq },
      ),
    );
    let requests = 0;
    const counting: Requester = {
      request: async () => {
        requests++;
        throw new Error('unreachable');
      },
    };
    const { sender: s, logger } = sender(outbox, counting);
    s.start();
    const line = await waitFor(
      () => logger.find('cannot encode an outbox message: the stream is blocked')[0],
    );
    await s.stop();
    expect(line.level).toBe('error');
    expect(requests).toBe(0);
  });
});
