import type { NatsConnection } from '@nats-io/transport-node';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connection.js';
import { FRAME_MAX_MESSAGES } from './frames.js';
import { recordingLogger } from './test-support/memory.js';
import { seqs, streamHarness } from './test-support/stream.js';

// Each case runs with one message per request and with frames of up to FRAME_MAX_MESSAGES.
describe.each([1, FRAME_MAX_MESSAGES])('%i message(s) per request', (frames) => {
  describeWithServices(['nats'], 'ordered at-least-once delivery over real NATS', () => {
    const server = useNatsServer();
    const natsLog = recordingLogger();
    const connections = {} as { sender: NatsConnection; receiver: NatsConnection };
    const open: Array<{ close(): Promise<void> }> = [];
    let node = 0;

    const harness = (overrides?: Parameters<typeof streamHarness>[2]) => {
      node++;
      const h = streamHarness(`n-delivery-${node}`, connections, overrides);
      h.sender.useFrames(frames);
      open.push(h);
      return h;
    };

    beforeAll(async () => {
      const options = { servers: server.url, reconnectTimeWaitMs: 50, reconnectJitterMs: 50 };
      connections.sender = await connectNats({ ...options, name: 'test-agent' }, natsLog);
      connections.receiver = await connectNats({ ...options, name: 'test-orchestrator' });
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((h) => h.close()));
    });

    afterAll(async () => {
      await connections.sender?.close();
      await connections.receiver?.close();
    });

    it('500 messages arrive in order, applied exactly once although some are resent', async () => {
      // Long enough that only the swallowed replies time out, even on a loaded machine: a slow
      // reply would be resent too, and the check below is that nothing else was.
      const h = harness({ requestTimeoutMs: 2_000 });
      await h.listen();
      for (const seq of [7n, 97n, 250n, 499n, 500n]) h.dropFirstReply.add(seq);
      h.sender.start();
      h.write(500);
      await waitFor(async () => (await h.outbox.lastAcked()) === 500n, {
        timeoutMs: 15_000,
        message: 'all acked',
      });
      expect(h.applied).toEqual(seqs(1, 500));
      // A swallowed reply is covered by a later ack in the same window (acks are cumulative), or the
      // message is resent and acked without being applied again. Nothing covers the last one.
      const resent = h.receiverLog.find('duplicate message acknowledged, not applied').map((r) => r.obj.seq);
      expect(resent).toContain(500n);
      for (const seq of resent) expect(h.swallowed).toContain(seq);
      expect(h.sender.status()).toMatchObject({ cursor: 501n, lastAcked: 500n, failures: 0 });
    });

    it('a receiver away for a while: the sender backs off with growing gaps, then delivers everything', async () => {
      const h = harness();
      await h.listen();
      h.sender.start();
      h.write(10);
      await waitFor(() => h.applied.length === 10, { message: 'first 10 applied' });

      h.unlisten();
      await connections.receiver.flush();
      h.write(10);
      // The first five retries (50 … 800 ms) are below the 1 s cap, so each must wait longer than the last.
      const attempts = await waitFor(
        () => {
          const failed = h.senderLog.find('request failed');
          return failed.length >= 5 && failed.slice(0, 5);
        },
        { message: 'five failed attempts' },
      );
      expect(attempts[0]?.obj.err).toMatch(/no responders/i);

      // Each gap is the announced delay (plus a request's latency), and the delays grow.
      const delays = attempts.map((a) => Number(a.obj.delayMs));
      for (let i = 0; i + 1 < attempts.length; i++) {
        const gap = (attempts[i + 1]?.at ?? 0) - (attempts[i]?.at ?? 0);
        // Timers fire late on a busy machine, never early: the announced delay bounds the gap below,
        // and a generous bound above catches a sender that stalls instead of retrying.
        expect(gap).toBeGreaterThanOrEqual((delays[i] ?? 0) - 2);
        expect(gap).toBeLessThan((delays[i] ?? 0) + 2_000);
        expect(delays[i + 1]).toBeGreaterThan(delays[i] ?? 0);
      }
      expect(delays[0]).toBeGreaterThanOrEqual(40);
      expect(delays[0]).toBeLessThanOrEqual(60);
      expect(delays[4]).toBeGreaterThan(5 * (delays[0] ?? 0));

      await h.listen();
      await waitFor(() => h.applied.length === 20, { timeoutMs: 5_000, message: 'all 20 applied' });
      expect(h.applied).toEqual(seqs(1, 20));
      // The sender reads a window's answers after the receiver applied them: wait for its line.
      await waitFor(() => h.senderLog.find('delivery resumed').length > 0, { message: 'delivery resumed' });
      expect(h.senderLog.find('delivery resumed')).toHaveLength(1);
    });

    it('nats-server restarts mid-stream: clients reconnect, nothing lost, nothing applied twice', async () => {
      const h = harness();
      await h.listen();
      h.sender.start();
      h.write(300);
      await waitFor(() => h.applied.length >= 50, { message: '50 applied' });
      const restarting = server.restart();
      // Written during the outage: these are mid-stream however fast the first 300 went through.
      h.write(100);
      await restarting;
      await waitFor(async () => (await h.outbox.lastAcked()) === 400n, {
        timeoutMs: 15_000,
        message: 'all acked',
      });
      expect(h.applied).toEqual(seqs(1, 400));
      expect(h.senderLog.find('request failed').length).toBeGreaterThan(0);
      expect(natsLog.find('disconnected from NATS: reconnecting').length).toBeGreaterThan(0);
      expect(natsLog.find('reconnected to NATS').length).toBeGreaterThan(0);
    });

    it('a receiver that lost its state nacks; the sender rewinds and redelivers what it still has', async () => {
      const h = harness();
      await h.listen();
      h.sender.start();
      h.write(20);
      await waitFor(() => h.applied.length === 20, { message: '20 applied' });

      h.tracker.reset(h.subject.split('.')[2] ?? '');
      h.write(5);
      await waitFor(() => h.applied.length === 45, { message: 'redelivery' });
      expect(h.applied).toEqual([...seqs(1, 20), ...seqs(1, 25)]);
      expect(h.senderLog.find('peer asked to rewind')[0]?.obj).toMatchObject({ seq: 21n, expected: 1n });
    });

    it('… and when those messages were acked and pruned, it resyncs from its oldest one', async () => {
      const h = harness();
      await h.listen();
      h.sender.start();
      h.write(50);
      await waitFor(async () => (await h.outbox.lastAcked()) === 50n, { message: '50 acked' });
      h.outbox.prune();

      h.tracker.reset(h.subject.split('.')[2] ?? '');
      h.write(10);
      await waitFor(() => h.applied.length === 60, { message: 'resync' });
      expect(h.applied).toEqual(seqs(1, 60));
      // The sender's whole window meets the gap (one nack each), and one rewind follows.
      const gaps = h.receiverLog.find('gap in the stream: asking the sender to rewind');
      expect(gaps.length).toBeGreaterThanOrEqual(1);
      expect(gaps.map((g) => g.obj.seq)).toEqual(seqs(51, 50 + gaps.length));
      expect(h.senderLog.find('peer asked to rewind')).toHaveLength(1);
      const resync = h.receiverLog.find('sender resynced past messages it no longer has: skipping ahead');
      expect(resync.map((r) => r.obj)).toMatchObject([{ seq: 51n, skipped: '1..50' }]);
    });

    it('resume() after a handshake skips what the peer already has, without resending it', async () => {
      const h = harness();
      await h.listen();
      h.write(15); // an outbox whose acks were never persisted (crash before the write)
      h.tracker.reset(h.subject.split('.')[2] ?? '', 10n); // the peer applied 1..10
      h.sender.resume(11n); // what the handshake reply's LastSeqReceived says
      h.sender.start();
      await waitFor(async () => (await h.outbox.lastAcked()) === 15n, { message: 'all acked' });
      expect(h.applied).toEqual(seqs(11, 15));
      expect(h.receiverLog.find('duplicate message acknowledged, not applied')).toHaveLength(0);
    });

    it('an agent publishing as another node on its own subject is refused and nothing is applied', async () => {
      const h = harness();
      await h.listen();
      h.write(1, 'n-someone-else');
      h.sender.start();
      const refused = await waitFor(() => h.senderLog.find('peer refused the message')[0], {
        message: 'refusal',
      });
      expect(refused.level).toBe('error');
      expect(refused.obj).toMatchObject({ code: 'wrong_node' });
      expect(h.receiverLog.find('message refused')[0]).toMatchObject({
        level: 'error',
        obj: { error: { code: 'wrong_node' } },
      });
      expect(h.applied).toEqual([]);
      expect(await h.tracker.lastApplied('n-someone-else')).toBe(0n);
    });
  });
});
