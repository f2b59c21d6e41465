import { encodeMessage } from './codec.js';
import type { OutboxEnvelope } from './envelope.js';
import { decodeFrameReply, joinFrame, packFrames } from './frames.js';
import { errorMessage } from './logger.js';
import { decodeReply, type Reply } from './replies.js';
import type { SendFailure } from './stream-metrics.js';

/**
 * The requests of a stream and what their answers mean for the sender. Everything that can go
 * wrong becomes an outcome per message, never an exception, so the sender's loop has a single
 * place to decide.
 */

export type Exchange =
  | { kind: 'acked' }
  | { kind: 'rewind'; to: bigint }
  | {
      kind: 'failed';
      level: 'warn' | 'error';
      /** What went wrong, for counting; `reason` says it for the log. */
      cause: Exclude<SendFailure, 'rewind'>;
      reason: string;
      fields: Record<string, unknown>;
    };

/** The part of a NatsConnection a sender uses (a NatsConnection is one). */
export interface Requester {
  request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<{ data: Uint8Array }>;
}

export interface ExchangeOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Counts each request with the number of messages it carried. */
  onRequest?: (messages: number) => void;
  /** The most messages the peer takes in one request (its handshake's MaxBatch). Default 1. */
  frameMessages?: number;
}

const failed = (
  level: 'warn' | 'error',
  cause: Exclude<SendFailure, 'rewind'>,
  reason: string,
  fields: Record<string, unknown>,
): Exchange => ({ kind: 'failed', level, cause, reason, fields });

/**
 * Sends a run of consecutive messages, framed as the peer allows, all requests at once (the peer
 * applies them in order: one connection, one subject, one chain per peer). One outcome per
 * message, in order.
 */
export async function exchangeRun(
  nc: Requester,
  subject: string,
  run: readonly OutboxEnvelope[],
  options: ExchangeOptions,
): Promise<Exchange[]> {
  const frameMessages = options.frameMessages ?? 1;
  let encoded: Uint8Array[];
  try {
    encoded = run.map((envelope) => bytesOf(envelope, options.maxBytes));
  } catch {
    // Sent one by one, the message that cannot be encoded gets its own outcome and log line.
    encoded = [];
  }
  if (frameMessages <= 1 || encoded.length !== run.length) {
    return Promise.all(run.map((envelope) => exchange(nc, subject, envelope, options)));
  }
  const frames = packFrames(
    encoded.map((bytes) => bytes.byteLength),
    frameMessages,
    options.maxBytes,
  );
  const outcomes = await Promise.all(
    frames.map(async ([start, end]) => {
      const envelopes = run.slice(start, end);
      if (envelopes.length === 1) {
        return [
          await requestOne(
            nc,
            subject,
            envelopes[0] as OutboxEnvelope,
            encoded[start] as Uint8Array,
            options,
          ),
        ];
      }
      return requestFrame(nc, subject, envelopes, joinFrame(encoded.slice(start, end)), options);
    }),
  );
  return outcomes.flat();
}

/** One message in one request. */
export async function exchange(
  nc: Requester,
  subject: string,
  envelope: OutboxEnvelope,
  options: ExchangeOptions,
): Promise<Exchange> {
  let data: Uint8Array;
  try {
    data = bytesOf(envelope, options.maxBytes);
  } catch (error) {
    // The outbox writer should have encoded it once already; until fixed, the stream is stuck.
    return failed('error', 'encode_failed', 'cannot encode an outbox message: the stream is blocked', {
      err: errorMessage(error),
    });
  }
  return requestOne(nc, subject, envelope, data, options);
}

/** The bytes the outbox stored for the message, or a fresh encoding (a resync changes the header). */
function bytesOf(envelope: OutboxEnvelope, maxBytes: number): Uint8Array {
  const { encoded } = envelope;
  return encoded !== undefined && !envelope.resync && encoded.byteLength <= maxBytes
    ? encoded
    : encodeMessage(envelope, { maxBytes });
}

async function requestOne(
  nc: Requester,
  subject: string,
  envelope: OutboxEnvelope,
  data: Uint8Array,
  options: ExchangeOptions,
): Promise<Exchange> {
  let raw: Uint8Array;
  try {
    options.onRequest?.(1);
    raw = (await nc.request(subject, data, { timeout: options.timeoutMs })).data;
  } catch (error) {
    return failed('warn', 'request_failed', 'request failed', { err: describeNatsError(error) });
  }
  const decoded = decodeReply(raw);
  if (!decoded.ok)
    return failed('error', 'bad_reply', 'peer sent an unreadable reply', { err: decoded.error });
  return outcomeOf(decoded.reply, envelope);
}

async function requestFrame(
  nc: Requester,
  subject: string,
  envelopes: readonly OutboxEnvelope[],
  data: Uint8Array,
  options: ExchangeOptions,
): Promise<Exchange[]> {
  const all = (outcome: Exchange) => envelopes.map(() => outcome);
  let raw: Uint8Array;
  try {
    options.onRequest?.(envelopes.length);
    raw = (await nc.request(subject, data, { timeout: options.timeoutMs })).data;
  } catch (error) {
    return all(failed('warn', 'request_failed', 'request failed', { err: describeNatsError(error) }));
  }
  const decoded = decodeFrameReply(raw, envelopes.length);
  if (!decoded.ok)
    return all(failed('error', 'bad_reply', 'peer sent an unreadable reply', { err: decoded.error }));
  if ('whole' in decoded) {
    // The frame was refused as a whole: nothing in it was applied, so no ack can stand for it.
    const reply = decoded.whole;
    if ('Error' in reply) return all(outcomeOf(reply, envelopes[0] as OutboxEnvelope));
    return all(failed('error', 'bad_reply', 'peer answered a frame with one ack or nack', {}));
  }
  return decoded.replies.map((reply, i) => outcomeOf(reply, envelopes[i] as OutboxEnvelope));
}

/** What a reply to one message means. */
function outcomeOf(reply: Reply, envelope: OutboxEnvelope): Exchange {
  if ('Ack' in reply && reply.Ack === envelope.seq) return { kind: 'acked' };
  // A receiver nacks with last + 1 ≤ seq; anything above would skip messages it never had.
  if ('Nack' in reply && reply.Nack <= envelope.seq) return { kind: 'rewind', to: reply.Nack };
  if ('Error' in reply) {
    // apply_failed is the peer's transient trouble; anything else means the message is refused.
    const transient = reply.Error.Code === 'apply_failed';
    return failed(
      transient ? 'warn' : 'error',
      transient ? 'apply_failed' : 'refused',
      'peer refused the message',
      { code: reply.Error.Code, err: reply.Error.Message },
    );
  }
  return failed('error', 'bad_reply', 'peer answered with a seq that does not fit the message sent', {
    reply: String(Object.values(reply)[0]),
  });
}

/** NATS wraps "no responders" in a RequestError; say which it was. */
function describeNatsError(error: unknown): string {
  const message = errorMessage(error);
  const cause = error instanceof Error && error.cause !== undefined ? errorMessage(error.cause) : undefined;
  return cause && cause !== message ? `${message}: ${cause}` : message;
}
