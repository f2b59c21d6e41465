import { ErrorCode, isValidNodeId, ShoalError } from '@shoal/models';

/**
 * NATS subjects. Every node has its own, so that NATS permissions can confine an agent to them,
 * and the orchestrator needs just two wildcard subscriptions (plus one per open log stream).
 *
 *   shoal.compute.<nodeId>.in    orchestrator → agent, sequenced: AskForBid, BidAccepted, BidRejected,
 *                                CancelExecution
 *   shoal.compute.<nodeId>.out   agent → orchestrator, sequenced: BidResult, RunResult, ComputeError,
 *                                ExecutionProgress
 *   shoal.compute.<nodeId>.ctrl  agent → orchestrator request/reply, unsequenced: Handshake,
 *                                Heartbeat, UpdateNodeInfo, ShutdownNotice
 *   shoal.compute.<nodeId>.logs  orchestrator → agent, unsequenced: LogStreamOpen and LogStreamAck
 *                                (request/reply), LogStreamCancel (published)
 *   shoal.compute.<nodeId>.logs.<streamId>
 *                                agent → orchestrator, published: LogChunk, for one open stream
 *
 * Permissions: an agent user may publish only to `shoal.compute.<self>.out|ctrl` and
 * `shoal.compute.<self>.logs.*`, and subscribe only to `shoal.compute.<self>.in|logs` (plus
 * `_INBOX.>` for its own requests' replies, and the right to answer requests made to it). The
 * orchestrator publishes to `shoal.compute.*.in|logs` and subscribes to `shoal.compute.*.out|ctrl`
 * and `shoal.compute.*.logs.*`.
 */

export const SUBJECT_PREFIX = 'shoal.compute';

export const SUBJECT_CHANNELS = ['in', 'out', 'ctrl'] as const;
export type SubjectChannel = (typeof SUBJECT_CHANNELS)[number];

/** What the orchestrator subscribes to: every node's reports and control requests. */
export const ORCHESTRATOR_SUBSCRIPTIONS = {
  out: `${SUBJECT_PREFIX}.*.out`,
  ctrl: `${SUBJECT_PREFIX}.*.ctrl`,
} as const;

/**
 * The subject of a node's channel. A node id that is not a single NATS token (dots, spaces,
 * wildcards) would address other nodes' subjects, so it is refused rather than escaped.
 */
export function nodeSubject(nodeId: string, channel: SubjectChannel | 'logs'): string {
  checkToken(nodeId, 'node id');
  return `${SUBJECT_PREFIX}.${nodeId}.${channel}`;
}

function checkToken(token: string, what: string): void {
  if (!isValidNodeId(token)) {
    throw new ShoalError(
      ErrorCode.BadRequest,
      `invalid ${what} ${JSON.stringify(token.slice(0, 80))}: use 1-255 letters, digits, '-' or '_'`,
      { component: 'Protocol' },
    );
  }
}

export const inSubject = (nodeId: string): string => nodeSubject(nodeId, 'in');
export const outSubject = (nodeId: string): string => nodeSubject(nodeId, 'out');
export const ctrlSubject = (nodeId: string): string => nodeSubject(nodeId, 'ctrl');

/** Where an agent takes log requests. Not one of SUBJECT_CHANNELS: parseSubject leaves it alone. */
export const logsSubject = (nodeId: string): string => nodeSubject(nodeId, 'logs');

/**
 * Where an agent publishes the chunks of one log stream. Under the node's own prefix, so a
 * permission `shoal.compute.<self>.logs.*` keeps an agent from writing into another node's stream.
 */
export function logStreamSubject(nodeId: string, streamId: string): string {
  checkToken(streamId, 'log stream id');
  return `${logsSubject(nodeId)}.${streamId}`;
}

export interface ParsedSubject {
  nodeId: string;
  channel: SubjectChannel;
}

function isChannel(value: string): value is SubjectChannel {
  return (SUBJECT_CHANNELS as readonly string[]).includes(value);
}

/** Splits a concrete subject; undefined for anything that is not exactly one of ours. */
export function parseSubject(subject: string): ParsedSubject | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4) return undefined;
  const [shoal, compute, nodeId, channel] = parts as [string, string, string, string];
  if (`${shoal}.${compute}` !== SUBJECT_PREFIX) return undefined;
  if (!isValidNodeId(nodeId) || !isChannel(channel)) return undefined;
  return { nodeId, channel };
}

/** The node a message was addressed to or sent by, judged from the subject alone. */
export function nodeIdFromSubject(subject: string): string | undefined {
  return parseSubject(subject)?.nodeId;
}
