/**
 * What a stream's Sender and Receiver count: messages sent and resent, failed attempts, messages
 * received and how they were answered. The apps back it with Prometheus counters (each has its own
 * registry); this package only defines the port and the metrics' names, so it needs no metrics
 * library and both sides of the wire describe their traffic in the same words.
 */

/** Why an attempt to deliver a message did not move the stream on. */
export type SendFailure =
  /** No answer: a timeout, no responders, the connection closed. */
  | 'request_failed'
  /** The peer refused the message (it could not decode it, or it is for another node). */
  | 'refused'
  /** The peer could not apply it now (its database, say): retried. */
  | 'apply_failed'
  /** The answer could not be read, or acknowledged another seq. */
  | 'bad_reply'
  /** The message could not be encoded: the stream is stuck until the outbox is fixed. */
  | 'encode_failed'
  /** The peer asked for an earlier seq (it lost state, or saw a gap). */
  | 'rewind';

/** A decision other than a plain apply (receiver-run.ts `logDecision`). */
export type StreamDecision = 'duplicate' | 'gap' | 'resync';

export type ReceiveResult = 'acked' | 'nacked' | 'refused';

export interface StreamMetrics {
  /** A request went out; `resent` when this process had sent that seq before. */
  sent(type: string, resent: boolean): void;
  sendFailed(reason: SendFailure): void;
  /** A request came in and was answered; `code` is the refusal's code when refused. */
  received(type: string, result: ReceiveResult, code?: string): void;
  decided(decision: StreamDecision): void;
}

export const noStreamMetrics: StreamMetrics = {
  sent: () => {},
  sendFailed: () => {},
  received: () => {},
  decided: () => {},
};

/** The metrics both apps register, in Prometheus' words: one definition for both sides. */
export const STREAM_METRICS = {
  sent: {
    name: 'shoal_nats_messages_sent_total',
    help: 'Stream messages sent to a peer (first sends and redeliveries), by message type.',
    labelNames: ['type'],
  },
  redelivered: {
    name: 'shoal_nats_messages_redelivered_total',
    help: 'Stream messages sent again after a failed attempt or a rewind, by message type.',
    labelNames: ['type'],
  },
  sendFailures: {
    name: 'shoal_nats_send_failures_total',
    help: 'Delivery attempts that did not move a stream on, by reason.',
    labelNames: ['reason'],
  },
  received: {
    name: 'shoal_nats_messages_received_total',
    help: 'Stream messages received, by message type and answer (acked, nacked, refused).',
    labelNames: ['type', 'result'],
  },
  refused: {
    name: 'shoal_nats_messages_refused_total',
    help: 'Stream messages answered with an error, by error code.',
    labelNames: ['code'],
  },
  decisions: {
    name: 'shoal_nats_stream_decisions_total',
    help: 'Received messages that were not simply applied: duplicate (a redelivery), gap, resync.',
    labelNames: ['decision'],
  },
} as const;

/** A labelled counter as prom-client's Counter is one: this package need not depend on it. */
export interface LabelledCounter {
  labels(...values: string[]): { inc(value?: number): void };
}

type Counter = { inc(value?: number): void };

/**
 * StreamMetrics over one counter per STREAM_METRICS entry. Each label set's child is looked up
 * once and kept: a message costs a map lookup and an increment, not a label hash.
 */
export function countingStreamMetrics(
  counters: Record<keyof typeof STREAM_METRICS, LabelledCounter>,
): StreamMetrics {
  const children = new Map<string, Counter>();
  const child = (metric: keyof typeof STREAM_METRICS, ...values: string[]): Counter => {
    const key = `${metric}\u0000${values.join('\u0000')}`;
    let found = children.get(key);
    if (found === undefined) {
      found = counters[metric].labels(...values);
      children.set(key, found);
    }
    return found;
  };
  return {
    sent(type, resent) {
      child('sent', type).inc();
      if (resent) child('redelivered', type).inc();
    },
    sendFailed: (reason) => child('sendFailures', reason).inc(),
    received(type, result, code) {
      child('received', type, result).inc();
      if (result === 'refused') child('refused', code ?? 'unknown').inc();
    },
    decided: (decision) => child('decisions', decision).inc(),
  };
}
