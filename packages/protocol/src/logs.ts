import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { type DecodeError, decodeMessage, encodeMessage } from './codec.js';
import type { Envelope, EnvelopeOf } from './envelope.js';
import type { Requester } from './exchange.js';
import { errorMessage, type Logger, safeLog, silentLogger } from './logger.js';
import { LOG_REPLY_TYPE, type LogRequestType } from './messages/catalog.js';
import { decodeReply, encodeReply, errorReply } from './replies.js';
import { logsSubject } from './subjects.js';

/**
 * The request side of log streaming (see messages/logs.ts for the messages and docs/protocol.md
 * for the sequence). The agent serves `shoal.compute.<self>.logs`; a request it cannot decode is
 * answered with the streams' `{Error: {Code, Message}}`, like a control request, and never
 * reaches the handler.
 */

type RepliedType = keyof typeof LOG_REPLY_TYPE;
export type LogReplyFor<T extends RepliedType> = EnvelopeOf<(typeof LOG_REPLY_TYPE)[T]>;

export type LogRequestResult<T extends RepliedType> =
  | { ok: true; envelope: LogReplyFor<T> }
  | { ok: false; error: { code: string; message: string } };

/**
 * Sends a LogStreamOpen or LogStreamAck and decodes the answer. Transport failures (timeout, no
 * responders) throw, as nats.js does; `describeRequestFailure` says which it was.
 */
export async function requestLogs<T extends RepliedType>(
  nc: Requester,
  envelope: EnvelopeOf<T>,
  options: { timeoutMs: number },
): Promise<LogRequestResult<T>> {
  const msg = await nc.request(logsSubject(envelope.nodeId), encodeMessage(envelope as Envelope), {
    timeout: options.timeoutMs,
  });
  const asError = decodeReply(msg.data);
  if (asError.ok && 'Error' in asError.reply) {
    return { ok: false, error: { code: asError.reply.Error.Code, message: asError.reply.Error.Message } };
  }
  const decoded = decodeMessage(msg.data, { expectedNodeId: envelope.nodeId, channel: 'logs-reply' });
  if (!decoded.ok) return { ok: false, error: decoded.error };
  const expected = LOG_REPLY_TYPE[envelope.type];
  if (decoded.envelope.type !== expected) {
    return {
      ok: false,
      error: { code: 'unknown_type', message: `expected ${expected}, got ${decoded.envelope.type}` },
    };
  }
  return { ok: true, envelope: decoded.envelope as LogReplyFor<T> };
}

export type RequestFailure = 'timeout' | 'no_responders' | 'closed' | 'other';

/** What a thrown request error means: nobody subscribed, nobody answered in time, or else. */
export function describeRequestFailure(error: unknown): { kind: RequestFailure; message: string } {
  const message = errorMessage(error);
  const chain: unknown[] = [error, error instanceof Error ? error.cause : undefined];
  const has = (test: (e: Error) => boolean) => chain.some((e) => e instanceof Error && test(e));
  if (has((e) => 'isNoResponders' in e && (e as { isNoResponders(): boolean }).isNoResponders())) {
    return { kind: 'no_responders', message };
  }
  if (has((e) => e.name === 'NoRespondersError' || /no responders/i.test(e.message))) {
    return { kind: 'no_responders', message };
  }
  if (has((e) => e.name === 'TimeoutError' || /timeout/i.test(e.message)))
    return { kind: 'timeout', message };
  if (has((e) => e.name === 'ClosedConnectionError' || /closed/i.test(e.message))) {
    return { kind: 'closed', message };
  }
  return { kind: 'other', message };
}

export type LogRequest = Envelope<LogRequestType>;
/** The reply to send, or undefined for a message that takes none (LogStreamCancel). */
export type LogRequestHandler = (request: LogRequest) => Envelope | undefined | Promise<Envelope | undefined>;

/**
 * The agent's side: subscribes to its own `.logs`, decodes each request (it must name this node)
 * and answers with what `handle` returns. Never throws; a handler that throws is answered
 * `apply_failed`.
 */
export function serveLogRequests(
  nc: Pick<NatsConnection, 'subscribe'>,
  nodeId: string,
  handle: LogRequestHandler,
  options: { logger?: Logger; maxBytes?: number } = {},
): Subscription {
  const logger = options.logger ?? silentLogger;
  const respond = (msg: Msg, data: Uint8Array) => {
    if (!msg.reply) return;
    try {
      msg.respond(data);
    } catch (error) {
      safeLog(logger, 'warn', { err: errorMessage(error) }, 'could not answer a log request');
    }
  };
  const refuse = (msg: Msg, error: Pick<DecodeError, 'code' | 'message'>) => {
    safeLog(logger, 'warn', { subject: msg.subject, error }, 'log request refused');
    respond(msg, encodeReply(errorReply(error.code, error.message)));
  };
  const answer = async (msg: Msg): Promise<void> => {
    const decoded = decodeMessage(msg.data, {
      expectedNodeId: nodeId,
      channel: 'logs',
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
    if (!decoded.ok) {
      refuse(msg, decoded.error);
      return;
    }
    const request = decoded.envelope as LogRequest;
    try {
      const reply = await handle(request);
      if (reply !== undefined) respond(msg, encodeMessage(reply));
    } catch (error) {
      safeLog(logger, 'error', { type: request.type, err: errorMessage(error) }, 'log request failed');
      respond(msg, encodeReply(errorReply('apply_failed', `${request.type} failed: ${errorMessage(error)}`)));
    }
  };
  return nc.subscribe(logsSubject(nodeId), {
    callback: (error, msg) => {
      if (error) safeLog(logger, 'error', { err: error.message }, 'log request subscription error');
      else void answer(msg);
    },
  });
}
