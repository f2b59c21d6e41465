import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { type DecodeError, type DecodeOptions, decodeMessage, encodeMessage } from './codec.js';
import type { Envelope, EnvelopeOf } from './envelope.js';
import type { Requester } from './exchange.js';
import { errorMessage, type Logger, safeLog, silentLogger } from './logger.js';
import { CONTROL_REPLY_TYPE, type ControlReplyType, type ControlRequestType } from './messages/catalog.js';
import { decodeReply, encodeReply, errorReply } from './replies.js';
import { SheddingQueue } from './shedding-queue.js';
import { ORCHESTRATOR_SUBSCRIPTIONS, parseSubject } from './subjects.js';

/**
 * Control request/reply (agent → orchestrator on `.ctrl`). A request is answered with the matching
 * reply envelope (Handshake → HandshakeReply, …). One that cannot be decoded is answered with the
 * streams' `{Error: {Code, Message}}`, so the agent can say *why* (e.g. "protocol version 2 is
 * not supported …") instead of failing to parse an answer it does not understand.
 */

export type ControlReplyFor<T extends ControlRequestType> = EnvelopeOf<(typeof CONTROL_REPLY_TYPE)[T]>;

export type ControlResult<T extends ControlRequestType> =
  | { ok: true; envelope: ControlReplyFor<T> }
  | { ok: false; error: { code: string; message: string } };

/** Never throws: an Error reply, a reply of the wrong type or an undecodable one is `ok: false`. */
export function decodeControlReply<T extends ControlRequestType>(
  bytes: Uint8Array,
  requestType: T,
  options: Omit<DecodeOptions, 'channel'> = {},
): ControlResult<T> {
  const asError = decodeReply(bytes);
  if (asError.ok && 'Error' in asError.reply) {
    return { ok: false, error: { code: asError.reply.Error.Code, message: asError.reply.Error.Message } };
  }
  const decoded = decodeMessage(bytes, { ...options, channel: 'ctrl-reply' });
  if (!decoded.ok) return { ok: false, error: decoded.error };
  const expected = CONTROL_REPLY_TYPE[requestType];
  if (decoded.envelope.type !== expected) {
    return {
      ok: false,
      error: { code: 'unknown_type', message: `expected ${expected}, got ${decoded.envelope.type}` },
    };
  }
  return { ok: true, envelope: decoded.envelope as ControlReplyFor<T> };
}

/**
 * Sends a control request and decodes the answer. Transport failures (timeout, no responders)
 * throw, as nats.js does: the caller's loop decides when to try again.
 */
export async function requestControl<T extends ControlRequestType>(
  nc: Requester,
  subject: string,
  envelope: EnvelopeOf<T>,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<ControlResult<T>> {
  const maxBytes = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  const msg = await nc.request(subject, encodeMessage(envelope as Envelope, maxBytes), {
    timeout: options.timeoutMs ?? 5_000,
  });
  return decodeControlReply(msg.data, envelope.type, { expectedNodeId: envelope.nodeId, ...maxBytes });
}

export type ControlHandler = (request: Envelope<ControlRequestType>) => Promise<Envelope<ControlReplyType>>;

export interface ServeControlOptions {
  logger?: Logger;
  maxBytes?: number;
  subject?: string;
  queue?: string;
  /**
   * At most this many requests handled at once; the rest wait, and one that waited past
   * `staleAfterMs` (its requester's timeout) is dropped unanswered (see SheddingQueue).
   */
  concurrency?: { limit: number; staleAfterMs: number };
}

/**
 * The orchestrator's side: subscribes to every node's `.ctrl`, checks that each request comes
 * from the node its subject names, and answers with what `handle` returns. Never throws.
 */
export function serveControl(
  nc: Pick<NatsConnection, 'subscribe'>,
  handle: ControlHandler,
  options: ServeControlOptions = {},
): Subscription {
  const logger = options.logger ?? silentLogger;
  const shedding = options.concurrency && sheddingFor(options.concurrency, logger);
  const respond = (msg: Msg, data: Uint8Array) => {
    try {
      msg.respond(data);
    } catch (error) {
      safeLog(
        logger,
        'warn',
        { subject: msg.subject, err: errorMessage(error) },
        'could not answer a control request',
      );
    }
  };
  const refuse = (msg: Msg, error: Pick<DecodeError, 'code' | 'message'>) => {
    safeLog(
      logger,
      error.code === 'wrong_node' ? 'error' : 'warn',
      { subject: msg.subject, error },
      'control request refused',
    );
    respond(msg, encodeReply(errorReply(error.code, error.message)));
  };
  const answer = async (msg: Msg): Promise<void> => {
    const nodeId = parseSubject(msg.subject)?.nodeId;
    if (nodeId === undefined)
      return refuse(msg, { code: 'bad_envelope', message: `bad subject ${msg.subject}` });
    const decoded = decodeMessage(msg.data, {
      expectedNodeId: nodeId,
      channel: 'ctrl',
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
    if (!decoded.ok) return refuse(msg, decoded.error);
    const request = decoded.envelope as Envelope<ControlRequestType>;
    try {
      respond(msg, encodeMessage(await handle(request)));
    } catch (error) {
      safeLog(
        logger,
        'error',
        { type: request.type, nodeId, err: errorMessage(error) },
        'control handler failed',
      );
      respond(msg, encodeReply(errorReply('apply_failed', `${request.type} failed: ${errorMessage(error)}`)));
    }
  };
  return nc.subscribe(options.subject ?? ORCHESTRATOR_SUBSCRIPTIONS.ctrl, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error, msg) => {
      if (error) safeLog(logger, 'error', { err: error.message }, 'control subscription error');
      else if (shedding) shedding.push(() => answer(msg));
      else void answer(msg);
    },
  });
}

/** A SheddingQueue that logs its drops at most once a second, as a count. */
function sheddingFor(concurrency: { limit: number; staleAfterMs: number }, logger: Logger): SheddingQueue {
  let dropped = 0;
  let loggedAt = 0;
  return new SheddingQueue({
    ...concurrency,
    onDrop: (waitedMs) => {
      dropped++;
      const now = Date.now();
      if (now - loggedAt < 1_000) return;
      safeLog(
        logger,
        'warn',
        { dropped, waitedMs },
        'control requests dropped: they waited past their timeout',
      );
      dropped = 0;
      loggedAt = now;
    },
  });
}
