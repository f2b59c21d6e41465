import { NodeMembershipSchema } from '@shoal/models';
import { z } from 'zod';
import { RESULTS_KEY_BYTES } from '../results-url.js';
import { SeqSchema, WireCapacitySchema, WireNodeInfoSchema } from './fields.js';

/**
 * Control messages: agent → orchestrator request/reply on `shoal.compute.<nodeId>.ctrl`. They are
 * not sequenced (envelope seq 0): each is answered at once, and a lost one is simply sent again on
 * the next tick. They carry `LastSeqReceived` so each side learns where to resume its stream.
 */

const count = z.int().nonnegative();
/** Any positive number: a sender uses at most what it supports itself (FRAME_MAX_MESSAGES). */
const maxBatch = z.int().positive().optional();

/** First message on every (re)connect. Refused with a readable Reason on version skew. */
export const HandshakeSchema = z.object({
  NodeInfo: WireNodeInfoSchema,
  ProtocolVersion: z.int().nonnegative(),
  /** Last seq the agent applied from the orchestrator's `.in` stream (0: none). */
  LastSeqReceived: SeqSchema,
  /** The most `.in` messages the agent takes in one request (frames.ts). Absent: 1. */
  MaxBatch: maxBatch,
});

export const HandshakeReplySchema = z.object({
  Accepted: z.boolean(),
  Reason: z.string().optional(),
  HeartbeatIntervalMs: z.int().positive(),
  /** Last seq the orchestrator applied from this agent's `.out` stream (0: none). */
  LastSeqReceived: SeqSchema,
  Membership: NodeMembershipSchema,
  /** The most `.out` messages the orchestrator takes in one request (frames.ts). Absent: 1. */
  MaxBatch: maxBatch,
  /**
   * How far the orchestrator lets CPU, memory and disk use exceed the node's advertised capacity
   * (1.5: half as much again; GPUs never). The agent bids by the same rule, so a bid the
   * orchestrator planned is not refused for room it believes is there. Absent: 1.
   */
  Overcommit: z.number().min(1).max(100).optional(),
  /**
   * This node's key for result download URLs (RESULTS_KEY_BYTES bytes, base64; see
   * results-url.ts): the agent's results server opens only URLs signed with it. Sent only in an
   * accepted reply, which goes to this node alone (its own reply inbox). Absent: the agent keeps
   * no key and serves no downloads.
   */
  ResultsKey: z
    .base64()
    .refine((key) => Buffer.from(key, 'base64').length === RESULTS_KEY_BYTES, {
      error: `ResultsKey must be ${RESULTS_KEY_BYTES} bytes`,
    })
    .optional(),
});

export const HeartbeatSchema = z.object({
  AvailableCapacity: WireCapacitySchema,
  RunningExecutions: count,
  EnqueuedExecutions: count,
  Healthy: z.boolean(),
  HealthReason: z.string().optional(),
  LastSeqReceived: SeqSchema,
});

/** `Ok: false` with UNKNOWN_NODE_REASON tells the agent to handshake again (orchestrator restart). */
export const HeartbeatReplySchema = z.object({
  Ok: z.boolean(),
  LastSeqReceived: SeqSchema,
  Reason: z.string().optional(),
});

export const UNKNOWN_NODE_REASON = 'unknown node: handshake first';

export const UpdateNodeInfoSchema = z.object({ NodeInfo: WireNodeInfoSchema });

/** Graceful shutdown: the orchestrator marks the node DISCONNECTED at once. */
export const ShutdownNoticeSchema = z.object({ Reason: z.string() });

/** The answer to UpdateNodeInfo and ShutdownNotice, which need nothing but a yes or a why-not. */
export const ControlAckSchema = z.object({ Ok: z.boolean(), Reason: z.string().optional() });
