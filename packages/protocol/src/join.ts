import { createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import { isValidNodeId } from '@shoal/models';
import { z } from 'zod';
import { formatIssues } from './codec.js';
import { connectNats } from './connection.js';
import { SUBJECT_PREFIX } from './subjects.js';

/**
 * Joining: how a node gets credentials of its own on an authenticated NATS.
 *
 * A node holds an nkey (an ed25519 key pair; the seed never leaves the node). It connects once as
 * the `join` user, whose password is the cluster's join token and whose only rights are to send a
 * JoinRequest and read its reply, and asks to be known by its public key. The orchestrator adds an
 * nkey user for that key to the NATS server, with permissions to the node's own subjects only
 * (`nodePermissions`), and answers. From then on the node connects with its nkey, and the subject
 * a message arrives on proves which node sent it.
 */

export const JOIN_SUBJECT = 'shoal.join';
export const JOIN_USER = 'join';
/** Replies to joiners: other joiners may read them, so they carry nothing secret. */
export const JOIN_INBOX_PREFIX = '_INBOX_join';

/** A node's own inbox prefix: only it may subscribe there, so only it reads its replies. */
export function nodeInboxPrefix(nodeId: string): string {
  return `_INBOX_N_${nodeId}`;
}

export const JoinRequestSchema = z.strictObject({
  NodeID: z.string().refine(isValidNodeId, { error: "use 1-255 letters, digits, '-' or '_'" }),
  /** The node's public nkey (`U…`). */
  PublicKey: z.string().refine(isUserPublicKey, { error: 'must be an nkey user public key (U…)' }),
});
export type JoinRequest = z.infer<typeof JoinRequestSchema>;

export const JoinReplySchema = z.strictObject({
  Accepted: z.boolean(),
  /** Why a join was refused, for the node's operator. */
  Message: z.string().optional(),
});
export type JoinReply = z.infer<typeof JoinReplySchema>;

const MAX_JOIN_BYTES = 4_096;

/** Decoded and checked, or a reason; never throws (the bytes come from an unauthenticated peer). */
export function decodeJoinRequest(data: Uint8Array): JoinRequest | { refused: string } {
  return decodeSmall(data, JoinRequestSchema);
}

export function decodeJoinReply(data: Uint8Array): JoinReply | { refused: string } {
  return decodeSmall(data, JoinReplySchema);
}

function decodeSmall<T>(data: Uint8Array, schema: z.ZodType<T>): T | { refused: string } {
  if (data.byteLength > MAX_JOIN_BYTES) return { refused: `larger than ${MAX_JOIN_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { refused: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : { refused: formatIssues(parsed.error.issues) };
}

export function encodeJoinMessage(message: JoinRequest | JoinReply): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

/**
 * Asks to join, over a connection logged in as the join user, and throws with the orchestrator's
 * reason if it says no.
 */
export async function requestJoin(
  nc: {
    request(subject: string, data: Uint8Array, opts: { timeout: number }): Promise<{ data: Uint8Array }>;
  },
  nodeId: string,
  publicKey: string,
  timeoutMs = 15_000,
): Promise<void> {
  let data: Uint8Array;
  try {
    ({ data } = await nc.request(JOIN_SUBJECT, encodeJoinMessage({ NodeID: nodeId, PublicKey: publicKey }), {
      timeout: timeoutMs,
    }));
  } catch (error) {
    if (/no responders/i.test(String(error))) {
      throw new Error('no orchestrator answered the join request (is it running on this NATS server?)');
    }
    throw error;
  }
  const reply = decodeJoinReply(data);
  if ('refused' in reply) throw new Error(`the answer to joining was malformed: ${reply.refused}`);
  if (!reply.Accepted)
    throw new Error(`the orchestrator refused to let node ${nodeId} join: ${reply.Message ?? ''}`);
}

/**
 * Joins in one go: a connection of its own as the join user (for tools and tests; the agent
 * waits for an unreachable server first), the request, and the connection closed again.
 */
export async function joinWithToken(
  connection: { servers: string; name: string; tls?: { caFile?: string } },
  token: string,
  nodeId: string,
  publicKey: string,
): Promise<void> {
  const nc = await connectNats({
    ...connection,
    user: JOIN_USER,
    password: token,
    inboxPrefix: JOIN_INBOX_PREFIX,
  });
  try {
    await requestJoin(nc, nodeId, publicKey);
  } finally {
    await nc.close();
  }
}

/** The NATS permissions of a node's user: its own subjects, nothing else. */
export function nodePermissions(nodeId: string): NatsPermissions {
  if (!isValidNodeId(nodeId)) throw new Error(`invalid node id ${JSON.stringify(nodeId)}`);
  const own = `${SUBJECT_PREFIX}.${nodeId}`;
  return {
    publish: { allow: [`${own}.out`, `${own}.ctrl`, `${own}.logs.*`] },
    subscribe: { allow: [`${own}.in`, `${own}.logs`, `${nodeInboxPrefix(nodeId)}.>`] },
    // Answers to requests made to it (acks of `.in`, log stream requests), and only those.
    allow_responses: true,
  };
}

/** The join user's permissions: ask to join, read the answer. */
export const JOIN_PERMISSIONS: NatsPermissions = {
  publish: { allow: [JOIN_SUBJECT] },
  subscribe: { allow: [`${JOIN_INBOX_PREFIX}.>`] },
};

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  allow_responses?: boolean;
}

/** A new nkey user key pair's seed (`SU…`). */
export function createNkeySeed(): string {
  return new TextDecoder().decode(createUser().getSeed());
}

/** The public key (`U…`) of a seed; throws on anything that is not a user seed. */
export function nkeyPublicKey(seed: string): string {
  return fromSeed(new TextEncoder().encode(seed.trim())).getPublicKey();
}

function isUserPublicKey(key: string): boolean {
  if (!key.startsWith('U')) return false;
  try {
    fromPublic(key);
    return true;
  } catch {
    return false;
  }
}
