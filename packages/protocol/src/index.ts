/**
 * @shoal/protocol: the orchestrator ↔ agent wire protocol over NATS. See README.md for the
 * subjects, the envelope, the messages and the delivery rules.
 */
export * from './backoff.js';
export * from './codec.js';
export * from './connection.js';
export * from './control.js';
export * from './envelope.js';
export type { Requester } from './exchange.js';
export * from './frames.js';
export * from './join.js';
export * from './lazy-acks.js';
export * from './logger.js';
export * from './logs.js';
export * from './messages/index.js';
export * from './ports.js';
export * from './receiver.js';
export * from './replies.js';
export * from './results-url.js';
export * from './sender.js';
export * from './shedding-queue.js';
export * from './stream-metrics.js';
export * from './subjects.js';
