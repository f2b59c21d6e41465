import { encodeJson } from '@shoal/models';
import {
  type DecodeError,
  type DecodeOptions,
  type DecodeResult,
  decodeEnvelopeValue,
  parseMessageBytes,
} from './codec.js';
import { decodeReplyValue, parseReplyBytes, type Reply } from './replies.js';

/**
 * Frames: several consecutive messages of one stream in one NATS request, so that a busy stream
 * costs one request, one subscription callback and one reply per frame instead of per message.
 *
 *   request   [envelope, envelope, …]     each exactly the bytes it has on its own
 *   answer    [reply, reply, …]           one per envelope, in order ({Ack}, {Nack} or {Error})
 *
 * A receiver that cannot read the frame as a whole (too large, not JSON, too many messages)
 * answers with one plain Error reply, which stands for every message in it. A frame of one
 * message is sent as the plain envelope, and a sender frames only for a peer that said in its
 * handshake how many messages it takes per request (`MaxBatch`; absent: 1), so a peer of an older
 * release never sees one.
 */

/** The most messages a receiver takes in one frame, and what each side offers in its handshake. */
export const FRAME_MAX_MESSAGES = 64;

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/**
 * Splits messages of the given encoded sizes into frames of at most `maxMessages` messages and
 * `maxBytes` bytes, in order; each item is [start, end) into the sizes. A message too large to
 * share a frame travels alone.
 */
export function packFrames(
  sizes: readonly number[],
  maxMessages: number,
  maxBytes: number,
): [number, number][] {
  const frames: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    const count = i - start;
    // Two brackets and a comma between messages.
    if (count > 0 && (count >= maxMessages || bytes + size + 1 > maxBytes)) {
      frames.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += i === start ? size + 2 : size + 1;
  }
  if (start < sizes.length) frames.push([start, sizes.length]);
  return frames;
}

/** The bytes of a frame: its messages' own bytes, comma-separated in a JSON array. */
export function joinFrame(parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.byteLength, 0) + parts.length + 1;
  const frame = new Uint8Array(length);
  let at = 0;
  frame[at++] = OPEN;
  parts.forEach((part, i) => {
    if (i > 0) frame[at++] = COMMA;
    frame.set(part, at);
    at += part.byteLength;
  });
  frame[at] = CLOSE;
  return frame;
}

export type DecodedRequest =
  | { kind: 'one'; result: DecodeResult }
  | { kind: 'frame'; results: DecodeResult[] }
  | { kind: 'refused'; error: DecodeError };

/**
 * A stream request: one envelope or a frame of them, each decoded (and validated) as decodeMessage
 * would decode it alone. Never throws.
 */
export function decodeRequest(bytes: Uint8Array, options: DecodeOptions = {}): DecodedRequest {
  const parsed = parseMessageBytes(bytes, options.maxBytes);
  if (!parsed.ok) return { kind: 'refused', error: parsed.error };
  const raw = parsed.raw;
  if (!Array.isArray(raw)) return { kind: 'one', result: decodeEnvelopeValue(raw, options) };
  if (raw.length === 0 || raw.length > FRAME_MAX_MESSAGES) {
    const message = `a frame holds 1 to ${FRAME_MAX_MESSAGES} messages, not ${raw.length}`;
    return { kind: 'refused', error: { code: 'bad_envelope', message } };
  }
  return { kind: 'frame', results: raw.map((item) => decodeEnvelopeValue(item, options)) };
}

const encoder = new TextEncoder();

/** The answer to a frame: one reply per message, in order. */
export function encodeFrameReply(replies: readonly Reply[]): Uint8Array {
  return encoder.encode(encodeJson(replies));
}

export type FrameReplyDecodeResult =
  | { ok: true; replies: Reply[] }
  /** One plain reply: the receiver refused the frame as a whole. */
  | { ok: true; whole: Reply }
  | { ok: false; error: string };

/** The answer to a frame of `count` messages. Never throws. */
export function decodeFrameReply(bytes: Uint8Array, count: number): FrameReplyDecodeResult {
  const parsed = parseReplyBytes(bytes);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.raw)) {
    const one = decodeReplyValue(parsed.raw);
    return one.ok ? { ok: true, whole: one.reply } : one;
  }
  if (parsed.raw.length !== count) {
    return { ok: false, error: `${parsed.raw.length} replies to a frame of ${count} messages` };
  }
  const replies: Reply[] = [];
  for (const [i, item] of parsed.raw.entries()) {
    const one = decodeReplyValue(item);
    if (!one.ok) return { ok: false, error: `reply ${i}: ${one.error}` };
    replies.push(one.reply);
  }
  return { ok: true, replies };
}
