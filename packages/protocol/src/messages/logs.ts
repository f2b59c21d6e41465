import { z } from 'zod';
import { IdSchema } from './fields.js';

/**
 * Log streaming, outside the ordered streams: the orchestrator asks an agent for an execution's
 * output on `shoal.compute.<nodeId>.logs` (request/reply), and the agent publishes chunks of
 * frames on `shoal.compute.<nodeId>.logs.<streamId>`. NATS core has no back-pressure, so the
 * orchestrator grants credit (`Until`) in its acks and the agent never has more than a window of
 * unacknowledged chunks in flight; the acks double as keepalives, so a stream nobody reads any
 * more stops on the agent by itself after `IdleTimeoutMs`. See docs/protocol.md.
 */

/** The bounds a request is checked against: what an agent will hold in memory per stream. */
export const LOG_STREAM_LIMITS = {
  /** Chunks in flight (sent, not acknowledged) per stream. */
  maxWindow: 64,
  minChunkBytes: 1024,
  maxChunkBytes: 256 * 1024,
  /** Lines per stream for `Tail`; more is a typo, and whole outputs need no tail. */
  maxTail: 1_000_000,
  minIdleTimeoutMs: 100,
  maxIdleTimeoutMs: 300_000,
  /** Frames per chunk, so that a flood of empty lines still makes bounded messages. */
  maxFramesPerChunk: 4096,
} as const;

/** Bacalhau's ExecutionLogType: 1 stdout, 2 stderr. */
export const LogStreamType = { Stdout: 1, Stderr: 2 } as const;
export type LogStreamType = (typeof LogStreamType)[keyof typeof LogStreamType];

/**
 * One line of output, as Bacalhau's `models.ExecutionLog` has it: `Line` keeps its newline (a
 * final line without one gets one), so a client prints frames back to back.
 */
export const LogFrameSchema = z.object({
  Type: z.union([z.literal(LogStreamType.Stdout), z.literal(LogStreamType.Stderr)]),
  Line: z.string(),
});
export type LogFrame = z.output<typeof LogFrameSchema>;

const L = LOG_STREAM_LIMITS;

/** Orchestrator → agent: open a stream of one execution's output. */
export const LogStreamOpenSchema = z.object({
  /** Chosen by the orchestrator; names the subject the chunks come back on. */
  StreamID: IdSchema,
  ExecutionID: IdSchema,
  /** Keep streaming what is written until the execution ends (and its output is drained). */
  Follow: z.boolean(),
  /** The last N lines of each of stdout and stderr; null for everything. */
  Tail: z.int().min(0).max(L.maxTail).nullable(),
  /** Credit before the first ack: the agent may send chunks 1..Window. */
  Window: z.int().min(1).max(L.maxWindow),
  MaxChunkBytes: z.int().min(L.minChunkBytes).max(L.maxChunkBytes),
  /** The agent stops the stream when no ack arrives for this long. */
  IdleTimeoutMs: z.int().min(L.minIdleTimeoutMs).max(L.maxIdleTimeoutMs),
});

/** Why an agent refused a stream; `Reason` says it in words. */
export const LOG_REFUSALS = [
  'unknown_execution',
  'too_many_streams',
  'duplicate_stream',
  'stopping',
  'cancelled',
] as const;

export const LogStreamOpenReplySchema = z.object({
  Accepted: z.boolean(),
  Code: z.enum(LOG_REFUSALS).optional(),
  Reason: z.string().optional(),
});

/**
 * Orchestrator → agent, request/reply, at least every keepalive interval and after each chunk:
 * everything up to `Received` arrived (cumulative, so a lost ack is repaired by the next), and
 * chunks up to `Until` may be sent. `Until = Received` holds the agent back while the WebSocket
 * client is slow. The agent resends unacknowledged chunks when acks stop advancing.
 */
export const LogStreamAckSchema = z.object({
  StreamID: IdSchema,
  Received: z.int().nonnegative(),
  Until: z.int().nonnegative(),
});

/** `Active: false`: the agent has no such stream (it ended, was abandoned, or the agent restarted). */
export const LogStreamAckReplySchema = z.object({ Active: z.boolean() });

/** Orchestrator → agent, published without a reply: the reader went away. */
export const LogStreamCancelSchema = z.object({ StreamID: IdSchema, Reason: z.string().max(1024) });

/** Agent → orchestrator on the stream's subject. The last one has `Done`, and `Error` if it failed. */
export const LogChunkSchema = z.object({
  StreamID: IdSchema,
  Seq: z.int().min(1),
  Frames: z.array(LogFrameSchema).max(L.maxFramesPerChunk),
  Done: z.boolean(),
  Error: z.object({ Code: z.string(), Message: z.string() }).optional(),
});
export type LogChunk = z.output<typeof LogChunkSchema>;
