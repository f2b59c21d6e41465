import { encodeMessage } from './codec.js';
import type { OutboxEnvelope } from './envelope.js';
import { errorMessage } from './logger.js';
import { decodeReply } from './replies.js';
import type { SendFailure } from './stream-metrics.js';

/**
 * One request of a stream and what its answer means for the sender. Everything that can go wrong
 * becomes an outcome, never an exception, so the sender's loop has a single place to decide.
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
}

export async function exchange(
  nc: Requester,
  subject: string,
  envelope: OutboxEnvelope,
  options: ExchangeOptions,
): Promise<Exchange> {
  const failed = (
    level: 'warn' | 'error',
    cause: Exclude<SendFailure, 'rewind'>,
    reason: string,
    fields: Record<string, unknown>,
  ): Exchange => ({ kind: 'failed', level, cause, reason, fields });
  let data: Uint8Array;
  try {
    const { encoded } = envelope;
    data =
      encoded !== undefined && !envelope.resync && encoded.byteLength <= options.maxBytes
        ? encoded
        : encodeMessage(envelope, { maxBytes: options.maxBytes });
  } catch (error) {
    // The outbox writer should have encoded it once already; until fixed, the stream is stuck.
    return failed('error', 'encode_failed', 'cannot encode an outbox message: the stream is blocked', {
      err: errorMessage(error),
    });
  }
  let raw: Uint8Array;
  try {
    raw = (await nc.request(subject, data, { timeout: options.timeoutMs })).data;
  } catch (error) {
    return failed('warn', 'request_failed', 'request failed', { err: describeNatsError(error) });
  }
  const decoded = decodeReply(raw);
  if (!decoded.ok)
    return failed('error', 'bad_reply', 'peer sent an unreadable reply', { err: decoded.error });
  const reply = decoded.reply;
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
