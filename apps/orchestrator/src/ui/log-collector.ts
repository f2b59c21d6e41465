import { type LogFrame, LogFrameSchema } from '@shoal/protocol';
import type { LogRelay } from '../logs/relay.js';
import type { LogSocket } from '../logs/session.js';
import type { LogTarget } from '../logs/target.js';

/**
 * The dashboard reads logs through the same relay as the logs WebSocket: it attaches a socket
 * that keeps the frames in memory instead of sending them, asks for what exists now (no follow)
 * and renders the lot. Polling that every 2 s is the live view; each read is bounded in lines,
 * bytes and time, so a chatty job or a silent node cannot hold a request or its memory.
 */

export interface LogLimits {
  /** The last this many lines of each of stdout and stderr. */
  tail: number;
  /** Frames beyond this many bytes are dropped, and the view says it is cut. */
  maxBytes: number;
  /** Give up on a node that has not finished sending by then. */
  timeoutMs: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { tail: 500, maxBytes: 256 * 1024, timeoutMs: 5_000 };

export interface CollectedLogs {
  frames: LogFrame[];
  truncated: boolean;
  /** Why the stream ended early, when it did. */
  problem?: string | undefined;
}

export function collectLogs(relay: LogRelay, target: LogTarget, limits: LogLimits): Promise<CollectedLogs> {
  return new Promise((resolve) => {
    const frames: LogFrame[] = [];
    let bytes = 0;
    let truncated = false;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (problem?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ frames, truncated, problem });
    };
    const socket: LogSocket = {
      send: (text) => {
        const frame = LogFrameSchema.safeParse(JSON.parse(text));
        if (!frame.success) return;
        bytes += frame.data.Line.length;
        if (bytes > limits.maxBytes) truncated = true;
        else frames.push(frame.data);
      },
      close: (code, reason) => finish(code === 1000 ? undefined : reason || `stream ended (${code})`),
      bufferedAmount: 0,
      terminate: () => finish('the orchestrator is shutting down'),
    };
    const attached = relay.attach(socket, target, { follow: false, tail: limits.tail });
    if (done) return;
    timer = setTimeout(() => {
      attached.clientGone();
      finish(`the node did not send the logs within ${limits.timeoutMs / 1000} s`);
    }, limits.timeoutMs);
  });
}
