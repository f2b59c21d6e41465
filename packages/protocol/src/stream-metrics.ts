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
  /** A NATS request carrying `messages` stream messages went out (more than one: a frame). */
  requestSent(messages: number): void;
  /** A request came in and was answered; `code` is the refusal's code when refused. */
  received(type: string, result: ReceiveResult, code?: string): void;
  decided(decision: StreamDecision): void;
}

export const noStreamMetrics: StreamMetrics = {
  sent: () => {},
  sendFailed: () => {},
  requestSent: () => {},
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
  requests: {
    name: 'shoal_nats_stream_requests_sent_total',
    help: 'NATS requests that carried stream messages: single (one message) or frame (several).',
    labelNames: ['kind'],
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

export type StreamMetricDefinition = (typeof STREAM_METRICS)[keyof typeof STREAM_METRICS];

/**
 * StreamMetrics over one counter per STREAM_METRICS entry, each made by `counter` (a Prometheus
 * counter on the app's registry). Each label set's child is looked up once and kept in maps keyed
 * by its label values: a message costs a map lookup or two and an increment, no label hashing and
 * no allocation.
 */
export function countingStreamMetrics(
  counter: (definition: StreamMetricDefinition) => LabelledCounter,
): StreamMetrics {
  const byOne = (metric: keyof typeof STREAM_METRICS) => {
    const made = counter(STREAM_METRICS[metric]);
    const kept = new Map<string, Counter>();
    return (value: string): Counter => {
      let found = kept.get(value);
      if (found === undefined) {
        found = made.labels(value);
        kept.set(value, found);
      }
      return found;
    };
  };
  const sent = byOne('sent');
  const redelivered = byOne('redelivered');
  const sendFailures = byOne('sendFailures');
  const refused = byOne('refused');
  const decisions = byOne('decisions');
  const requests = byOne('requests');
  const receivedCounter = counter(STREAM_METRICS.received);
  const receivedByType = new Map<string, Map<string, Counter>>();
  const received = (type: string, result: string): Counter => {
    let byResult = receivedByType.get(type);
    if (byResult === undefined) {
      byResult = new Map();
      receivedByType.set(type, byResult);
    }
    let found = byResult.get(result);
    if (found === undefined) {
      found = receivedCounter.labels(type, result);
      byResult.set(result, found);
    }
    return found;
  };
  return {
    sent(type, resent) {
      sent(type).inc();
      if (resent) redelivered(type).inc();
    },
    sendFailed: (reason) => sendFailures(reason).inc(),
    requestSent: (messages) => requests(messages > 1 ? 'frame' : 'single').inc(),
    received(type, result, code) {
      received(type, result).inc();
      if (result === 'refused') refused(code ?? 'unknown').inc();
    },
    decided: (decision) => decisions(decision).inc(),
  };
}
