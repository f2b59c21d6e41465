import { decodeJoinRequest, encodeJoinMessage, JOIN_SUBJECT, type JoinReply } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { NatsCredentials } from '../transport/nats-credentials.js';
import type { NatsConnection } from '../transport/nats-link.js';

/**
 * Answers JoinRequests (`shoal.join`). Only holders of the join token can send them: the `join`
 * user may publish nowhere else. A node is answered once the NATS server has loaded its new user,
 * so its next connect, with its own key, is accepted. Approval is separate: the node's handshake
 * goes through the node manager like any other (approved at once, or Pending for an operator).
 */

export interface JoinServiceOptions {
  nc: Pick<NatsConnection, 'subscribe'>;
  credentials: NatsCredentials;
  /** Has the server load the current users (the supervisor's reload). */
  reload: () => Promise<void>;
  logger: Logger;
  queue?: string;
}

export function serveJoins(options: JoinServiceOptions): { unsubscribe(): void } {
  const { nc, credentials, reload, logger } = options;
  return nc.subscribe(JOIN_SUBJECT, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error, msg) => {
      if (error) {
        logger.error({ err: error.message }, 'join subscription failed');
        return;
      }
      void answer(msg.data)
        .catch((error: unknown): JoinReply => {
          // A failure to save the key (a full disk): the joiner is told, the process carries on.
          logger.error({ err: (error as Error).message }, 'join failed');
          return { Accepted: false, Message: 'the orchestrator could not record the node: try again' };
        })
        .then((reply) => {
          if (msg.reply) msg.respond(encodeJoinMessage(reply));
        });
    },
  });

  async function answer(data: Uint8Array): Promise<JoinReply> {
    const request = decodeJoinRequest(data);
    if ('refused' in request) {
      logger.warn({ reason: request.refused }, 'join refused: malformed request');
      return { Accepted: false, Message: `malformed join request: ${request.refused}` };
    }
    const { NodeID: nodeId, PublicKey: key } = request;
    const registered = credentials.register(nodeId, key);
    if ('refused' in registered) {
      logger.warn({ nodeId, reason: registered.refused }, 'join refused');
      return { Accepted: false, Message: registered.refused };
    }
    try {
      if (registered.added) await reload();
    } catch (error) {
      // Forgotten again, so that the node's retry reloads instead of being told yes at once.
      credentials.remove(nodeId);
      logger.error({ nodeId, err: (error as Error).message }, 'join: NATS server did not reload');
      return { Accepted: false, Message: 'the NATS server could not load the new node yet: try again' };
    }
    logger.info({ nodeId, key, new: registered.added }, 'node joined');
    return { Accepted: true };
  }
}
