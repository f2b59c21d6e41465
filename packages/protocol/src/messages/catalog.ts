import type { z } from 'zod';
import {
  BidResultSchema,
  ComputeErrorSchema,
  ExecutionCancelledSchema,
  ExecutionProgressSchema,
  RunResultSchema,
} from './agent.js';
import {
  ControlAckSchema,
  HandshakeReplySchema,
  HandshakeSchema,
  HeartbeatReplySchema,
  HeartbeatSchema,
  ShutdownNoticeSchema,
  UpdateNodeInfoSchema,
} from './control.js';
import {
  LogChunkSchema,
  LogStreamAckReplySchema,
  LogStreamAckSchema,
  LogStreamCancelSchema,
  LogStreamOpenReplySchema,
  LogStreamOpenSchema,
} from './logs.js';
import {
  AskForBidSchema,
  BidAcceptedSchema,
  BidRejectedSchema,
  CancelExecutionSchema,
} from './orchestrator.js';

/**
 * Every message type, its payload schema, and the channel it travels on. The channel matters to
 * the decoder: an AskForBid arriving on an agent's `.out` subject is as unknown as a made-up type.
 */

export const MESSAGE_SCHEMAS = {
  // orchestrator → agent (.in)
  AskForBid: AskForBidSchema,
  BidAccepted: BidAcceptedSchema,
  BidRejected: BidRejectedSchema,
  CancelExecution: CancelExecutionSchema,
  // agent → orchestrator (.out)
  BidResult: BidResultSchema,
  RunResult: RunResultSchema,
  ComputeError: ComputeErrorSchema,
  ExecutionCancelled: ExecutionCancelledSchema,
  ExecutionProgress: ExecutionProgressSchema,
  // agent → orchestrator requests (.ctrl) …
  Handshake: HandshakeSchema,
  Heartbeat: HeartbeatSchema,
  UpdateNodeInfo: UpdateNodeInfoSchema,
  ShutdownNotice: ShutdownNoticeSchema,
  // … and the orchestrator's replies to them
  HandshakeReply: HandshakeReplySchema,
  HeartbeatReply: HeartbeatReplySchema,
  UpdateNodeInfoReply: ControlAckSchema,
  ShutdownNoticeReply: ControlAckSchema,
  // orchestrator → agent log requests (.logs), their replies, and the agent's chunks
  LogStreamOpen: LogStreamOpenSchema,
  LogStreamAck: LogStreamAckSchema,
  LogStreamCancel: LogStreamCancelSchema,
  LogStreamOpenReply: LogStreamOpenReplySchema,
  LogStreamAckReply: LogStreamAckReplySchema,
  LogChunk: LogChunkSchema,
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
/** A payload as the receiver sees it (after parsing: bigint times and seqs). */
export type Payload<T extends MessageType> = z.output<(typeof MESSAGE_SCHEMAS)[T]>;

/**
 * Where a message travels. `ctrl-reply` and `logs-reply` answer a request (no subject of their
 * own); `logs-data` is a stream's own subject, `shoal.compute.<nodeId>.logs.<streamId>`.
 */
export type MessageChannel = 'in' | 'out' | 'ctrl' | 'ctrl-reply' | 'logs' | 'logs-reply' | 'logs-data';

export const MESSAGE_CHANNEL = {
  AskForBid: 'in',
  BidAccepted: 'in',
  BidRejected: 'in',
  CancelExecution: 'in',
  BidResult: 'out',
  RunResult: 'out',
  ComputeError: 'out',
  ExecutionCancelled: 'out',
  ExecutionProgress: 'out',
  Handshake: 'ctrl',
  Heartbeat: 'ctrl',
  UpdateNodeInfo: 'ctrl',
  ShutdownNotice: 'ctrl',
  HandshakeReply: 'ctrl-reply',
  HeartbeatReply: 'ctrl-reply',
  UpdateNodeInfoReply: 'ctrl-reply',
  ShutdownNoticeReply: 'ctrl-reply',
  LogStreamOpen: 'logs',
  LogStreamAck: 'logs',
  LogStreamCancel: 'logs',
  LogStreamOpenReply: 'logs-reply',
  LogStreamAckReply: 'logs-reply',
  LogChunk: 'logs-data',
} as const satisfies Record<MessageType, MessageChannel>;

type TypesOn<C extends MessageChannel> = {
  [K in MessageType]: (typeof MESSAGE_CHANNEL)[K] extends C ? K : never;
}[MessageType];

export type InMessageType = TypesOn<'in'>;
export type OutMessageType = TypesOn<'out'>;
export type ControlRequestType = TypesOn<'ctrl'>;
export type ControlReplyType = TypesOn<'ctrl-reply'>;
export type LogRequestType = TypesOn<'logs'>;
/** Types that go through the ordered, acknowledged streams (and so carry seq ≥ 1). */
export type StreamMessageType = InMessageType | OutMessageType;

/** Which reply answers which control request. */
export const CONTROL_REPLY_TYPE = {
  Handshake: 'HandshakeReply',
  Heartbeat: 'HeartbeatReply',
  UpdateNodeInfo: 'UpdateNodeInfoReply',
  ShutdownNotice: 'ShutdownNoticeReply',
} as const satisfies Record<ControlRequestType, ControlReplyType>;

/** Which reply answers which log request (a LogStreamCancel is published and gets none). */
export const LOG_REPLY_TYPE = {
  LogStreamOpen: 'LogStreamOpenReply',
  LogStreamAck: 'LogStreamAckReply',
} as const satisfies Partial<Record<LogRequestType, MessageType>>;

export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(MESSAGE_SCHEMAS, value);
}

export function isStreamType(type: MessageType): type is StreamMessageType {
  const channel: MessageChannel = MESSAGE_CHANNEL[type];
  return channel === 'in' || channel === 'out';
}

export function typesOn(channel: MessageChannel): MessageType[] {
  return MESSAGE_TYPES.filter((type) => MESSAGE_CHANNEL[type] === channel);
}
