import { decodeJson, encodeJson } from '@shoal/models';
import { z } from 'zod';
import { type DecodeErrorCode, formatIssues } from './codec.js';
import { SeqSchema } from './messages/fields.js';

/**
 * What a stream receiver answers to each request (NATS request/reply):
 *
 *   {Ack: seq}                  seq is delivered (applied now, or before: a duplicate). Advance.
 *   {Nack: expectedSeq}         the receiver needs expectedSeq next (gap, or it lost its state).
 *                               Rewind to it.
 *   {Error: {Code, Message}}    not applied. The sender retries the same message with backoff.
 *
 * Replies are not enveloped: they are the transport's, answered on the request's inbox, and kept
 * minimal so an old sender can read a new receiver's answer.
 */

/** Why a receiver refused: a decode error, or its own apply failed (a transient, e.g. DB down). */
export type ReplyErrorCode = DecodeErrorCode | 'apply_failed';

export type Reply =
  | { Ack: bigint }
  | { Nack: bigint }
  | { Error: { Code: ReplyErrorCode | string; Message: string } };

export const AckReplySchema = z.object({ Ack: SeqSchema });
export const NackReplySchema = z.object({ Nack: SeqSchema });
export const ErrorReplySchema = z.object({ Error: z.object({ Code: z.string(), Message: z.string() }) });

export const ack = (seq: bigint): Reply => ({ Ack: seq });
export const nack = (expectedSeq: bigint): Reply => ({ Nack: expectedSeq });
export const errorReply = (code: ReplyErrorCode, message: string): Reply => ({
  Error: { Code: code, Message: message },
});

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeReply(reply: Reply): Uint8Array {
  return encoder.encode(encodeJson(reply));
}

export type ReplyDecodeResult = { ok: true; reply: Reply } | { ok: false; error: string };

/** Never throws. Exactly one of Ack, Nack and Error must be present. */
export function decodeReply(bytes: Uint8Array): ReplyDecodeResult {
  const parsed = parseReplyBytes(bytes);
  return parsed.ok ? decodeReplyValue(parsed.raw) : parsed;
}

/** The JSON value of an answer, or why it has none. Never throws. */
export function parseReplyBytes(
  bytes: Uint8Array,
): { ok: true; raw: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, raw: decodeJson(decoder.decode(bytes)) };
  } catch (error) {
    return {
      ok: false,
      error: `reply is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** One reply from its parsed JSON value. Never throws. */
export function decodeReplyValue(raw: unknown): ReplyDecodeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'reply is not a JSON object' };
  }
  const keys = ['Ack', 'Nack', 'Error'].filter((k) => k in raw);
  if (keys.length !== 1) {
    return {
      ok: false,
      error: `reply must have exactly one of Ack, Nack, Error (got ${keys.join(', ') || 'none'})`,
    };
  }
  const schema = keys[0] === 'Ack' ? AckReplySchema : keys[0] === 'Nack' ? NackReplySchema : ErrorReplySchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: `bad reply: ${formatIssues(parsed.error.issues)}` };
  return { ok: true, reply: parsed.data };
}
