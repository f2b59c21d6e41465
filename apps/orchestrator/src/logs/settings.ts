/**
 * The orchestrator's side of log streaming: its timeouts and the flow control it asks agents
 * for. Every wait is bounded, so a node that vanishes or stops answering ends the stream with a
 * reason instead of a hang.
 */
export interface LogRelaySettings {
  /** How long an agent has to answer a LogStreamOpen. */
  openTimeoutMs: number;
  /** Acks go at least this often; they are the agent's proof that someone still reads. */
  keepaliveMs: number;
  /** No answer to any ack for this long: the node is declared unresponsive. */
  unresponsiveMs: number;
  /** Chunks the agent may have in flight. */
  window: number;
  maxChunkBytes: number;
  /** The agent ends a stream that has had no ack for this long (the WebSocket went away silently). */
  idleTimeoutMs: number;
  /** With follow: how long to wait for the job's first execution to appear and start. */
  waitForExecutionMs: number;
  /** How often the store is polled while waiting for an execution. */
  pollMs: number;
  /** Above this many bytes queued on the WebSocket, no more credit is given to the agent. */
  highWaterBytes: number;
}

export const DEFAULT_LOG_RELAY_SETTINGS: LogRelaySettings = {
  openTimeoutMs: 5_000,
  keepaliveMs: 1_000,
  unresponsiveMs: 5_000,
  window: 8,
  maxChunkBytes: 64 * 1024,
  idleTimeoutMs: 15_000,
  waitForExecutionMs: 5 * 60_000,
  pollMs: 500,
  highWaterBytes: 1024 * 1024,
};

/**
 * How a stream ends on the WebSocket: 1000 when the output is over, 1001 when the orchestrator
 * stops, else 4000 + the HTTP status the failure would have had (4404, 4503, 4504, 4500), with
 * the message as the close reason.
 */
export interface StreamEnd {
  code: number;
  reason: string;
}

export const NORMAL_END: StreamEnd = { code: 1000, reason: '' };

export function failure(status: number, message: string): StreamEnd {
  return { code: 4000 + status, reason: message };
}

/** A close reason is at most 123 bytes of UTF-8; cut longer messages at a character boundary. */
export function closeReason(message: string): string {
  if (Buffer.byteLength(message) <= 123) return message;
  let cut = message.slice(0, 120);
  while (Buffer.byteLength(`${cut}…`) > 123) cut = cut.slice(0, -1);
  return `${cut}…`;
}
