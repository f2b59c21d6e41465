import { z } from 'zod';
import type { MessageType, Payload, StreamMessageType } from './messages/catalog.js';
import { IdSchema, NanosWireSchema, NodeIdSchema, SeqSchema } from './messages/fields.js';

/**
 * The envelope every message travels in:
 *
 *   {v, type, id, seq, nodeId, time, payload}        (+ `resync` on the rare rewind, see below)
 *
 * - `v`: protocol version. A breaking change (a field removed, renamed or re-meant, a new required
 *   field or message type) bumps it; additive optional fields do not, because decoders ignore
 *   unknown keys (tolerant reader).
 * - `id`: unique per message, for logs and tracing; deduplication is by `seq`.
 * - `seq`: position in the sender's stream to this node (`.in`/`.out`), from 1 and without gaps.
 *   Control messages (`.ctrl` and their replies) are not sequenced and carry 0.
 * - `nodeId`: the agent the stream belongs to, in both directions. It must equal the node in the
 *   subject, which is how an agent is kept from speaking for another.
 * - `time`: the sender's clock in Unix nanoseconds (bigint). Informational only: liveness and
 *   timeouts use the receiver's clock, since agents' clocks may be skewed.
 * - `resync`: set by a sender that was asked to rewind to messages it no longer has (they were
 *   acknowledged and pruned). It means "nothing before this seq will ever come": the receiver may
 *   accept it although it skips ahead.
 */

export const PROTOCOL_VERSION = 1;
export type ProtocolVersion = typeof PROTOCOL_VERSION;

export interface EnvelopeOf<T extends MessageType> {
  v: ProtocolVersion;
  type: T;
  id: string;
  seq: bigint;
  nodeId: string;
  time: bigint;
  resync?: boolean;
  payload: Payload<T>;
}

/** A union over message types, so `switch (env.type)` narrows `env.payload`. */
export type Envelope<T extends MessageType = MessageType> = { [K in T]: EnvelopeOf<K> }[T];
export type StreamEnvelope = Envelope<StreamMessageType>;

/**
 * A stream envelope as an outbox hands it to its sender: with the bytes it was encoded to when it
 * was written (and validated), which are sent as they are. Validating and serializing a message
 * again on every send was a large part of the CPU behind each message. A resync resend, which
 * changes the header, is encoded again.
 */
export type OutboxEnvelope = StreamEnvelope & { readonly encoded?: Uint8Array };

/** The envelope without its payload, validated before the payload is looked at. */
export const EnvelopeHeaderSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.string(),
  id: IdSchema,
  seq: SeqSchema,
  nodeId: NodeIdSchema,
  time: NanosWireSchema,
  resync: z.boolean().optional(),
  payload: z.unknown(),
});

export interface EnvelopeFields {
  id: string;
  nodeId: string;
  time: bigint;
  /** Stream messages: the outbox's seq. Control messages: omit (0). */
  seq?: bigint;
}

/** Builds an envelope; nothing is checked until encodeMessage. */
export function makeEnvelope<T extends MessageType>(
  type: T,
  payload: Payload<T>,
  fields: EnvelopeFields,
): EnvelopeOf<T> {
  return {
    v: PROTOCOL_VERSION,
    type,
    id: fields.id,
    seq: fields.seq ?? 0n,
    nodeId: fields.nodeId,
    time: fields.time,
    payload,
  };
}

/**
 * What a side says when the other speaks another version: both numbers and what to do,
 * never a garbled decode error.
 */
export function versionMismatchReason(theirs: unknown): string {
  const shown =
    typeof theirs === 'number' || typeof theirs === 'bigint' ? String(theirs) : JSON.stringify(theirs);
  return (
    `protocol version ${shown ?? 'undefined'} is not supported: this side speaks version ${PROTOCOL_VERSION}; ` +
    'run the same Shoal release on the orchestrator and its agents'
  );
}
