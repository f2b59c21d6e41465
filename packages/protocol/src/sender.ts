import { Alarm } from './alarm.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './codec.js';
import type { OutboxEnvelope } from './envelope.js';
import { exchangeRun, type Requester } from './exchange.js';
import { FRAME_MAX_MESSAGES } from './frames.js';
import { errorMessage, type Logger, safeLog, silentLogger } from './logger.js';
import type { OutboxSource } from './ports.js';
import { noStreamMetrics, type StreamMetrics } from './stream-metrics.js';

const DEFAULT_WINDOW = 32;

/**
 * The sending half of a stream, one per peer and direction. It sends the outbox in seq order, a
 * window of requests at a time, and moves past a message only when the peer acknowledges it:
 *
 *   {Ack: seq}          persist it (source.acked), send the next
 *   {Nack: n}           the peer has everything below n and nothing from n on: rewind to n
 *   Error, timeout,     retry the same message after an exponential backoff with jitter
 *   no responders       (100 ms … 5 s), forever, until stopped
 *
 * Rewinding into messages the outbox has pruned (they were acked, then the peer lost its state)
 * sends the oldest one still there with `resync`, so the peer skips ahead instead of asking for
 * the unavailable ones again. A hole among unacknowledged messages breaks the outbox contract
 * (seq gap-free); the sender waits for it to fill rather than risk skipping a message.
 */

export interface SenderOptions {
  /** A NatsConnection. */
  nc: Requester;
  /** The peer's subject: `inSubject(nodeId)` on the orchestrator, `outSubject(self)` on an agent. */
  subject: string;
  source: OutboxSource;
  logger?: Logger;
  /** Per request. Default 3 000 ms: long enough for the peer's database write. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Messages read from the outbox at a time. Default 100. */
  batchSize?: number;
  /**
   * Messages sent before waiting for their answers. Default 32: a stream then moves at the peer's
   * apply rate, not at one round trip plus one apply per message. 1 is stop-and-wait.
   */
  window?: number;
  /** Re-read the outbox this often even without notify(). Default 2 000 ms. */
  idlePollMs?: number;
  maxBytes?: number;
  /** Jitter source, for tests. */
  random?: () => number;
  /** Counts sends, redeliveries and failed attempts. */
  metrics?: StreamMetrics;
}

export interface SenderStatus {
  running: boolean;
  /** The next seq to send. */
  cursor: bigint;
  lastAcked: bigint;
  /** Failed attempts since the last acknowledgement. */
  failures: number;
}

export class Sender {
  private readonly logger: Logger;
  private readonly alarm = new Alarm();
  private loop: Promise<void> | undefined;
  private stopped = false;
  private initialised = false;
  private cursor = 1n;
  private lastAcked = 0n;
  private failures = 0;
  private rewinds = 0;
  private requestedRewind: bigint | undefined;
  /** The highest seq this process has sent: sending it or one below again is a redelivery. */
  private highestSent = 0n;
  /** Messages per request the peer takes (frames.ts); 1 until its handshake says more. */
  private frameMessages = 1;
  private readonly metrics: StreamMetrics;

  constructor(private readonly options: SenderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noStreamMetrics;
  }

  /** Starts the loop (idempotent). It never rejects; stop() ends it. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  /** Ends the loop after the request in flight, if any (at most requestTimeoutMs). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.alarm.close();
    await this.loop;
  }

  /** New messages were committed to the outbox: look now instead of at the next poll. */
  notify(): void {
    this.alarm.nudge();
  }

  /**
   * The peer reported (in a handshake) that it has applied everything below `fromSeq`: continue
   * from there, at once and without backoff, since the peer has just been heard from.
   */
  resume(fromSeq: bigint): void {
    this.requestedRewind = fromSeq;
    this.failures = 0;
    this.rewinds = 0;
    this.alarm.ring();
  }

  /**
   * The peer takes up to `maxMessages` messages per request (its handshake's MaxBatch; absent or 1:
   * one per request, as a peer that knows no frames expects). Applies from the next send.
   */
  useFrames(maxMessages: number | undefined): void {
    this.frameMessages = Math.max(1, Math.min(FRAME_MAX_MESSAGES, Math.floor(maxMessages ?? 1)));
  }

  status(): SenderStatus {
    const { cursor, lastAcked, failures } = this;
    return { running: this.loop !== undefined && !this.stopped, cursor, lastAcked, failures };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step();
      } catch (error) {
        // The outbox threw (database down) or something unforeseen: never let it end the loop.
        await this.fail('error', 'sender step failed', { err: errorMessage(error) });
      }
    }
  }

  private async step(): Promise<void> {
    const { source, batchSize = 100, idlePollMs = 2_000 } = this.options;
    if (!this.initialised) {
      this.lastAcked = await source.lastAcked();
      this.cursor = this.lastAcked + 1n;
      this.initialised = true;
    }
    if (this.requestedRewind !== undefined) {
      const to = this.requestedRewind;
      this.requestedRewind = undefined;
      await this.rewindTo(to);
    }
    this.alarm.clearNudge();
    const batch = await source.pending(this.cursor - 1n, batchSize);
    if (batch.length === 0) return this.alarm.sleep(idlePollMs, true);
    for (let i = 0; i < batch.length; ) {
      if (this.stopped || this.requestedRewind !== undefined) return;
      const envelope = batch[i] as OutboxEnvelope;
      if (envelope.seq < this.cursor) {
        i++;
        continue;
      }
      if (envelope.seq > this.cursor) {
        // Only acknowledged messages may have been pruned: skip those, never unacknowledged ones.
        if (this.cursor > this.lastAcked || envelope.seq > this.lastAcked + 1n) {
          const fields = { cursor: this.cursor, next: envelope.seq };
          return this.fail('warn', 'outbox has a hole before its next message: waiting for it', fields);
        }
        i++;
        if (!(await this.deliver([{ ...envelope, resync: true }]))) return;
        continue;
      }
      const run = this.contiguousRun(batch, i);
      i += run.length;
      if (!(await this.deliver(run))) return;
    }
  }

  /** Up to `window` requests' worth of messages from `batch[start]` on, with consecutive seqs. */
  private contiguousRun(batch: readonly OutboxEnvelope[], start: number): OutboxEnvelope[] {
    const window = Math.max(1, this.options.window ?? DEFAULT_WINDOW) * this.frameMessages;
    const first = batch[start] as OutboxEnvelope;
    const run = [first];
    for (let next = batch[start + 1]; run.length < window && next?.seq === first.seq + BigInt(run.length); ) {
      run.push(next);
      next = batch[start + run.length];
    }
    return run;
  }

  /**
   * Sends a run of consecutive messages without waiting between them, in frames when the peer
   * takes them (the peer applies them in order: one connection, one subject, one chain per peer)
   * and reads the answers in seq order.
   * Acks are cumulative: a receiver acks seq n only once everything up to n is applied, so a lost
   * answer is covered by any later ack. True when the whole run was acknowledged. The ack is
   * persisted once per run.
   */
  private async deliver(run: readonly OutboxEnvelope[]): Promise<boolean> {
    const { nc, subject, requestTimeoutMs = 3_000, maxBytes = DEFAULT_MAX_MESSAGE_BYTES } = this.options;
    for (const envelope of run) {
      this.metrics.sent(envelope.type, envelope.seq <= this.highestSent);
      if (envelope.seq > this.highestSent) this.highestSent = envelope.seq;
    }
    const outcomes = await exchangeRun(nc, subject, run, {
      timeoutMs: requestTimeoutMs,
      maxBytes,
      frameMessages: this.frameMessages,
      onRequest: (messages) => this.metrics.requestSent(messages),
    });
    const lastAck = outcomes.findLastIndex((o) => o.kind === 'acked');
    if (lastAck >= 0) {
      const envelope = run[lastAck] as OutboxEnvelope;
      this.cursor = envelope.seq + 1n;
      if (this.failures > 0) {
        const fields = { seq: envelope.seq, type: envelope.type, id: envelope.id };
        safeLog(this.logger, 'info', { ...fields, subject, attempts: this.failures }, 'delivery resumed');
      }
      this.failures = 0;
      this.rewinds = 0;
      await this.markAcked(envelope.seq);
    }
    const failedAt = lastAck + 1;
    const outcome = outcomes[failedAt];
    const envelope = run[failedAt];
    if (outcome === undefined || envelope === undefined || outcome.kind === 'acked') return true;
    const fields = { seq: envelope.seq, type: envelope.type, id: envelope.id };
    this.metrics.sendFailed(outcome.kind === 'rewind' ? 'rewind' : outcome.cause);
    if (outcome.kind === 'rewind') {
      safeLog(this.logger, 'info', { ...fields, subject, expected: outcome.to }, 'peer asked to rewind');
      await this.rewindTo(outcome.to);
      // The first rewind is immediate; repeated ones back off, so a confused peer cannot spin us.
      this.rewinds++;
      if (this.rewinds > 1) await this.alarm.sleep(this.delay(this.rewinds - 1), false);
    } else {
      await this.fail(outcome.level, outcome.reason, { ...fields, ...outcome.fields });
    }
    return false;
  }

  /** The peer has everything below `seq` and nothing from `seq` on. */
  private async rewindTo(seq: bigint): Promise<void> {
    const next = seq < 1n ? 1n : seq;
    if (next - 1n > this.lastAcked) await this.markAcked(next - 1n);
    this.cursor = next;
  }

  private async markAcked(seq: bigint): Promise<void> {
    if (seq > this.lastAcked) this.lastAcked = seq;
    try {
      await this.options.source.acked(seq);
    } catch (error) {
      // Acks are cumulative: the next successful one covers this; a restart merely resends.
      safeLog(this.logger, 'warn', { seq, err: errorMessage(error) }, 'could not persist an acknowledgement');
    }
  }

  private delay(attempt: number): number {
    return backoffDelay(attempt, this.options.backoff, this.options.random);
  }

  /** Counts a failed attempt, logs it (loudly on the first and every tenth) and backs off. */
  private async fail(level: 'warn' | 'error', msg: string, fields: object): Promise<void> {
    this.failures++;
    const attempt = this.failures;
    const delayMs = this.delay(attempt);
    const loud = attempt === 1 || attempt % 10 === 0;
    const line = { ...fields, subject: this.options.subject, attempt, delayMs };
    safeLog(this.logger, loud ? level : 'debug', line, msg);
    await this.alarm.sleep(delayMs, false);
  }
}
