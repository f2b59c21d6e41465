import { decodeJson, ErrorCode, encodeJson, ShoalError } from '@shoal/models';
import type { z } from 'zod';
import { type Envelope, EnvelopeHeaderSchema, PROTOCOL_VERSION, versionMismatchReason } from './envelope.js';
import {
  isMessageType,
  isStreamType,
  MESSAGE_CHANNEL,
  MESSAGE_SCHEMAS,
  type MessageChannel,
  type MessageType,
  typesOn,
} from './messages/catalog.js';

/**
 * Bytes ⇄ envelopes. Decoding is the trust boundary: it never throws, and every way a message can
 * be wrong has its own code, so the receiver can log it, answer with an error reply and carry on
 * Encoding validates too, so a message that the peer would refuse is caught where
 * it is made instead of blocking a stream later.
 */

/** NATS' own default max_payload: a bigger message would not even be accepted by the server. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export type DecodeErrorCode =
  | 'too_large'
  | 'bad_json'
  | 'bad_envelope'
  | 'unknown_type'
  | 'bad_version'
  | 'bad_payload'
  | 'wrong_node';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** Whatever could be read of the header, for log lines and replies; not validated. */
  type?: string;
  id?: string;
  nodeId?: string;
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; error: DecodeError };

export interface DecodeOptions {
  /** The node named by the subject the message came on; a different envelope nodeId is refused. */
  expectedNodeId?: string;
  /** Accept only the message types of this channel. */
  channel?: MessageChannel;
  /** Default DEFAULT_MAX_MESSAGE_BYTES. */
  maxBytes?: number;
}

const MAX_ISSUES = 10;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** `Job.Tasks[0].Name: expected string` for every issue (up to ten), for logs and replies. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, key) =>
        typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
      '',
    );
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : '';
  return `${lines.join('; ')}${more}`;
}

/** Short, printable, safe to log: peeked header values come from an untrusted peer. */
function peekString(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 100) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type DecodeFailure = { ok: false; error: DecodeError };

function failure(code: DecodeErrorCode, message: string, raw?: Record<string, unknown>): DecodeFailure {
  return {
    ok: false,
    error: {
      code,
      message,
      ...(peekString(raw?.type) === undefined ? {} : { type: peekString(raw?.type) }),
      ...(peekString(raw?.id) === undefined ? {} : { id: peekString(raw?.id) }),
      ...(peekString(raw?.nodeId) === undefined ? {} : { nodeId: peekString(raw?.nodeId) }),
    },
  };
}

/**
 * The JSON value of a request, or why it has none. The size is checked before anything is parsed,
 * so a flood costs nothing but this comparison.
 */
export function parseMessageBytes(
  bytes: Uint8Array,
  maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
): { ok: true; raw: unknown } | DecodeFailure {
  if (bytes.byteLength > maxBytes) {
    const message = `message of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes} bytes`;
    return failure('too_large', message);
  }
  try {
    return { ok: true, raw: decodeJson(utf8.decode(bytes)) };
  } catch (error) {
    const reason = error instanceof TypeError ? 'not valid UTF-8' : (error as Error).message;
    return failure('bad_json', `message is not JSON: ${reason}`.slice(0, 300));
  }
}

export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const parsed = parseMessageBytes(bytes, options.maxBytes);
  return parsed.ok ? decodeEnvelopeValue(parsed.raw, options) : parsed;
}

/** An envelope from its parsed JSON value: every check of decodeMessage but the size. */
export function decodeEnvelopeValue(raw: unknown, options: DecodeOptions = {}): DecodeResult {
  if (!isRecord(raw)) return failure('bad_envelope', 'message is not an envelope: expected a JSON object');
  // The version first: a peer of another version may have changed everything else.
  if (!('v' in raw)) return failure('bad_envelope', 'envelope has no protocol version (v)', raw);
  if (raw.v !== PROTOCOL_VERSION) return failure('bad_version', versionMismatchReason(raw.v), raw);

  const header = EnvelopeHeaderSchema.safeParse(raw);
  if (!header.success)
    return failure('bad_envelope', `bad envelope: ${formatIssues(header.error.issues)}`, raw);
  const env = header.data;
  if (!isMessageType(env.type)) {
    return failure('unknown_type', `unknown message type ${JSON.stringify(env.type.slice(0, 100))}`, raw);
  }
  if (options.channel !== undefined && MESSAGE_CHANNEL[env.type] !== options.channel) {
    const allowed = typesOn(options.channel).join(', ');
    return failure(
      'unknown_type',
      `${env.type} is not expected on ${options.channel} (expected ${allowed})`,
      raw,
    );
  }
  if (isStreamType(env.type) && env.seq < 1n) {
    return failure('bad_envelope', `bad envelope: seq: ${env.type} is sequenced, seq must be ≥ 1`, raw);
  }
  if (options.expectedNodeId !== undefined && env.nodeId !== options.expectedNodeId) {
    return failure(
      'wrong_node',
      `envelope nodeId ${env.nodeId} does not match node ${options.expectedNodeId} of the subject`,
      raw,
    );
  }
  const payload = MESSAGE_SCHEMAS[env.type].safeParse(env.payload);
  if (!payload.success) {
    return failure('bad_payload', `invalid ${env.type} payload: ${formatIssues(payload.error.issues)}`, raw);
  }
  const nodeInfoId = embeddedNodeId(payload.data);
  if (nodeInfoId !== undefined && nodeInfoId !== env.nodeId) {
    return failure(
      'wrong_node',
      `NodeInfo.NodeID ${nodeInfoId} does not match envelope nodeId ${env.nodeId}`,
      raw,
    );
  }
  const envelope = { ...env, type: env.type, payload: payload.data } as Envelope;
  if (envelope.resync === undefined) delete envelope.resync;
  return { ok: true, envelope };
}

/** Handshake and UpdateNodeInfo describe a node: it must be the sender's own. */
function embeddedNodeId(payload: unknown): string | undefined {
  if (!isRecord(payload) || !isRecord(payload.NodeInfo)) return undefined;
  return typeof payload.NodeInfo.NodeID === 'string' ? payload.NodeInfo.NodeID : undefined;
}

/**
 * Encodes an envelope whose header and payload were validated when they were written (an outbox
 * row), without validating them again: the same bytes encodeMessage gives for a valid envelope.
 */
export function encodeTrusted(envelope: Envelope): Uint8Array {
  const { resync, ...rest } = envelope;
  return encoder.encode(encodeJson({ ...rest, ...(resync ? { resync: true } : {}) }));
}

/**
 * Validates and encodes. Throws a ShoalError (Validation, or PayloadTooLarge) naming every problem:
 * call it when a message is written to an outbox, so one the peer would refuse never gets in.
 */
export function encodeMessage(envelope: Envelope, options: { maxBytes?: number } = {}): Uint8Array {
  const header = EnvelopeHeaderSchema.safeParse(envelope);
  const type: MessageType | undefined = isMessageType(envelope.type) ? envelope.type : undefined;
  const problems: string[] = [];
  if (!header.success) problems.push(formatIssues(header.error.issues));
  if (type === undefined) problems.push(`unknown message type ${JSON.stringify(envelope.type)}`);
  if (type !== undefined && isStreamType(type) && envelope.seq < 1n) problems.push('seq must be ≥ 1');
  const payload = type === undefined ? undefined : MESSAGE_SCHEMAS[type].safeParse(envelope.payload);
  if (payload && !payload.success) problems.push(`payload: ${formatIssues(payload.error.issues)}`);
  if (problems.length > 0 || !header.success || !payload?.success) {
    throw new ShoalError(ErrorCode.Validation, `cannot encode ${envelope.type}: ${problems.join('; ')}`, {
      component: 'Protocol',
    });
  }
  const { resync, ...rest } = header.data;
  const bytes = encoder.encode(
    encodeJson({ ...rest, ...(resync ? { resync: true } : {}), payload: payload.data }),
  );
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.byteLength > maxBytes) {
    throw new ShoalError(
      ErrorCode.PayloadTooLarge,
      `cannot encode ${envelope.type}: ${bytes.byteLength} bytes exceeds the limit of ${maxBytes} bytes`,
      { component: 'Protocol' },
    );
  }
  return bytes;
}
