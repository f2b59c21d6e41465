import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { type DecodeOptions, type DecodeResult, decodeMessage } from './codec.js';
import type { StreamEnvelope } from './envelope.js';
import { decodeRequest, encodeFrameReply } from './frames.js';
import { errorMessage, type Logger, safeLog, silentLogger } from './logger.js';
import { isStreamType } from './messages/catalog.js';
import type { SeqTracker } from './ports.js';
import { logDecision, RunQueues, type StreamRunHandler } from './receiver-run.js';
import { ack, encodeReply, errorReply, nack, type Reply, type ReplyErrorCode } from './replies.js';
import { noStreamMetrics, type StreamMetrics } from './stream-metrics.js';
import { parseSubject } from './subjects.js';

/**
 * The receiving half of a stream: decides, for each request, whether to apply it and what to
 * answer. Per peer, with `last` the last applied seq:
 *
 *   seq ≤ last                  duplicate (a resend): Ack, apply nothing
 *   seq = last + 1              apply, then Ack
 *   seq > last + 1              a gap, or this side lost its state: Nack(last + 1)
 *     … with `resync`           the sender no longer has the messages in between: apply, Ack
 *   undecodable or wrong node   Error reply and a log line, apply nothing
 *   the handler throws          Error `apply_failed`; the sender retries with backoff
 *
 * With `handleRun` and a tracker with `applyRun`, the messages queued for a peer are decided
 * together and each contiguous run is applied in one transaction (receiver-run.ts), with the same
 * replies.
 */

export type { StreamRunHandler } from './receiver-run.js';

export type StreamHandler<Ctx> = (envelope: StreamEnvelope, ctx: Ctx) => Promise<void>;

export interface ReceiverOptions<Ctx> {
  tracker: SeqTracker<Ctx>;
  /** Applies one message; runs inside `tracker.apply` so its effect commits with the seq. */
  handle: StreamHandler<Ctx>;
  /**
   * Applies a run of one peer's messages in one `tracker.applyRun` (group commit). Without it, or
   * without `applyRun`, each message is applied on its own; `handle` also applies, one at a time,
   * the messages of a run that could not commit.
   */
  handleRun?: StreamRunHandler<Ctx>;
  /** `in` on an agent, `out` on the orchestrator: other message types are refused. */
  channel: 'in' | 'out';
  logger?: Logger;
  maxBytes?: number;
  /** Counts what arrives and how it is answered. */
  metrics?: StreamMetrics;
}

export class Receiver<Ctx = void> {
  private readonly logger: Logger;
  /** One promise chain per peer: a resend must not race the delivery it duplicates. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly runs: RunQueues<Ctx> | undefined;
  private readonly metrics: StreamMetrics;

  constructor(private readonly options: ReceiverOptions<Ctx>) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noStreamMetrics;
    const { tracker, handleRun } = options;
    if (handleRun && tracker.applyRun) {
      this.runs = new RunQueues({
        lastApplied: (peer) => tracker.lastApplied(peer),
        applyRun: tracker.applyRun.bind(tracker),
        handleRun,
        decideOne: (envelope) => this.decide(envelope),
        logger: this.logger,
        metrics: this.metrics,
      });
    }
  }

  /** Decodes a one-message request that arrived on `subject`, then `receive`s it. Never throws. */
  async handleMessage(subject: string, data: Uint8Array): Promise<Reply> {
    const options = this.decodeOptions(subject);
    if (!options) return this.wrongSubject(subject);
    return this.receive(decodeMessage(data, options));
  }

  /**
   * A request as it comes off NATS, one message or a frame of them (frames.ts), to the encoded
   * answer: one reply, or one per message of the frame. Never throws.
   */
  async handleRequest(subject: string, data: Uint8Array): Promise<Uint8Array> {
    const options = this.decodeOptions(subject);
    if (!options) return encodeReply(this.wrongSubject(subject));
    const request = decodeRequest(data, options);
    if (request.kind === 'one') return encodeReply(await this.receive(request.result));
    if (request.kind === 'refused')
      return encodeReply(await this.receive({ ok: false, error: request.error }));
    // Queued in order within this tick, so the messages of a frame join one run (one transaction).
    return encodeFrameReply(await Promise.all(request.results.map((result) => this.receive(result))));
  }

  private decodeOptions(subject: string): DecodeOptions | undefined {
    const parsed = parseSubject(subject);
    if (parsed?.channel !== this.options.channel) return undefined;
    return {
      expectedNodeId: parsed.nodeId,
      channel: this.options.channel,
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
    };
  }

  private wrongSubject(subject: string): Reply {
    this.metrics.received('unknown', 'refused', 'bad_envelope');
    return this.refuse({
      code: 'bad_envelope',
      message: `not a .${this.options.channel} subject: ${subject}`,
    });
  }

  /** Decides for an already decoded message and returns the reply to send. Never throws. */
  async receive(decoded: DecodeResult): Promise<Reply> {
    const reply = await this.answer(decoded);
    const type = decoded.ok ? decoded.envelope.type : 'unknown';
    if ('Ack' in reply) this.metrics.received(type, 'acked');
    else if ('Nack' in reply) this.metrics.received(type, 'nacked');
    else this.metrics.received(type, 'refused', reply.Error.Code);
    return reply;
  }

  private async answer(decoded: DecodeResult): Promise<Reply> {
    if (!decoded.ok) return this.refuse(decoded.error);
    const envelope = decoded.envelope;
    if (!isStreamType(envelope.type)) {
      return this.refuse({ code: 'unknown_type', message: `${envelope.type} is not a stream message` });
    }
    const stream = envelope as StreamEnvelope;
    // Both keep a peer's messages in arrival order: a resend must not race the delivery it duplicates.
    if (this.runs) return this.runs.enqueue(stream);
    return this.serialised(stream.nodeId, () => this.decide(stream));
  }

  private async decide(envelope: StreamEnvelope): Promise<Reply> {
    const { tracker, handle } = this.options;
    const peer = envelope.nodeId;
    const fields = { peer, seq: envelope.seq, type: envelope.type, id: envelope.id };
    try {
      // Twice at most: losing the apply race to a concurrent delivery makes the message a duplicate.
      for (let round = 0; round < 2; round++) {
        const last = await tracker.lastApplied(peer);
        if (envelope.seq <= last) {
          logDecision(this.logger, 'duplicate', envelope, last, this.metrics);
          return ack(envelope.seq);
        }
        if (envelope.seq > last + 1n) {
          logDecision(this.logger, envelope.resync ? 'resync' : 'gap', envelope, last, this.metrics);
          if (!envelope.resync) return nack(last + 1n);
        }
        if (await tracker.apply(peer, envelope.seq, (ctx) => handle(envelope, ctx))) return ack(envelope.seq);
      }
      return errorReply('apply_failed', `seq ${envelope.seq} lost two races with concurrent deliveries`);
    } catch (error) {
      safeLog(this.logger, 'warn', { ...fields, err: errorMessage(error) }, 'applying a message failed');
      return errorReply(
        'apply_failed',
        `applying ${envelope.type} seq ${envelope.seq} failed: ${errorMessage(error)}`,
      );
    }
  }

  private refuse(error: { code: ReplyErrorCode; message: string }): Reply {
    // Someone speaking for another node is a security event, not just a bad message.
    const level = error.code === 'wrong_node' ? 'error' : 'warn';
    safeLog(this.logger, level, { error }, 'message refused');
    return errorReply(error.code, error.message);
  }

  private serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(fn);
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }
}

/**
 * Subscribes a receiver: each request is decided and answered on its reply inbox. The callback
 * never throws, so a bad message cannot end the subscription. Several orchestrator processes
 * should share a `queue` group so that each request is handled once (the tracker's atomic apply
 * keeps it correct without one, at the cost of double work).
 */
export function serveReceiver<Ctx>(
  nc: Pick<NatsConnection, 'subscribe'>,
  subject: string,
  receiver: Receiver<Ctx>,
  options: { logger?: Logger; queue?: string } = {},
): Subscription {
  const logger = options.logger ?? silentLogger;
  return nc.subscribe(subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error: Error | null, msg: Msg) => {
      if (error) {
        safeLog(logger, 'error', { subject, err: error.message }, 'stream subscription error');
        return;
      }
      void receiver.handleRequest(msg.subject, msg.data).then((reply) => {
        try {
          if (!msg.respond(reply)) {
            safeLog(
              logger,
              'warn',
              { subject: msg.subject },
              'stream message without a reply subject: no answer sent',
            );
          }
        } catch (respondError) {
          safeLog(
            logger,
            'warn',
            { subject: msg.subject, err: errorMessage(respondError) },
            'could not reply',
          );
        }
      });
    },
  });
}
