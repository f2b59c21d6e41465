import { codeForStatus, decodeJson, ErrorCode, ShoalError } from '@shoal/models';
import type { WebSocket } from 'ws';
import { ApiConnectionError, connectionReason, errorFromResponse } from './errors.js';
import type { HttpTransport } from './http.js';

/**
 * The consumer of `GET /jobs/:id/logs`, a WebSocket that sends one JSON text frame per line,
 * `{"Type":1|2,"Line":"…"}` (1 stdout, 2 stderr), and closes when the logs end. It is exposed as
 * an async iterable; a refused upgrade (unknown job: 404) becomes the server's own ShoalError.
 */

export const LogStreamType = { Stdout: 1, Stderr: 2 } as const;
export type LogStreamType = (typeof LogStreamType)[keyof typeof LogStreamType];

export interface LogFrame {
  Type: LogStreamType;
  Line: string;
}

export interface LogStreamOptions {
  /** Keep streaming until the execution ends instead of stopping at what is there now. */
  follow?: boolean;
  /** Only the last N lines of what is there now. */
  tail?: number;
  /** The execution to read; the server picks one when absent. */
  executionId?: string;
  /** Aborting closes the stream quietly (the iteration just ends). */
  signal?: AbortSignal;
}

export interface LogStream extends AsyncIterable<LogFrame> {
  close(): void;
}

/** Above this many unread frames the socket is paused, so a slow consumer cannot exhaust memory. */
const HIGH_WATER = 1000;
const HANDSHAKE_TIMEOUT_MS = 30_000;
/** Close codes that end a stream normally: 1000 (normal) and 1005 (closed without a code). */
const NORMAL_CLOSE = new Set([1000, 1005]);

export function parseLogFrame(text: string): LogFrame | undefined {
  try {
    const frame = decodeJson(text) as { Type?: unknown; Line?: unknown } | null;
    if (typeof frame !== 'object' || frame === null) return undefined;
    if ((frame.Type !== 1 && frame.Type !== 2) || typeof frame.Line !== 'string') return undefined;
    return { Type: frame.Type, Line: frame.Line };
  } catch {
    return undefined;
  }
}

/** A close with an error code: 4xxx carries an HTTP status in its last three digits (4404 → 404). */
function closeError(code: number, reason: string): ShoalError {
  const text = reason || (code === 1006 ? 'the connection was lost' : `closed with code ${code}`);
  const status = code >= 4000 && code < 5000 ? code - 4000 : code === 1008 ? 400 : 500;
  const errorCode = code === 1006 ? ErrorCode.Unavailable : codeForStatus(status);
  return new ShoalError(errorCode, `log stream ended: ${text}`, { component: 'Logs' });
}

export function openLogStream(http: HttpTransport, path: string, options: LogStreamOptions): LogStream {
  const url = http.url(path, {
    follow: options.follow ? 'true' : undefined,
    tail: options.tail,
    execution_id: options.executionId,
  });
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const what = `GET ${url.pathname}`;
  let socket: WebSocket | undefined;
  const queue: LogFrame[] = [];
  let finished = false;
  let failure: ShoalError | undefined;
  let wake: (() => void) | undefined;
  let paused = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finish = (error?: ShoalError) => {
    if (error && !finished && !failure) failure = error;
    finished = true;
    notify();
  };
  const close = () => {
    // Before ws is loaded there is no socket yet, and finishing keeps one from being opened.
    if (socket && socket.readyState === socket.CONNECTING) socket.terminate();
    else if (socket && socket.readyState === socket.OPEN) socket.close(1000);
    finish();
  };
  const listenTo = (socket: WebSocket) => {
    socket.on('message', (data, isBinary) => {
      if (finished) return;
      const frame = isBinary ? undefined : parseLogFrame(data.toString());
      if (!frame) {
        finish(
          new ShoalError(
            ErrorCode.Internal,
            `malformed log frame from ${what}: ${data.toString().slice(0, 120)}`,
            {
              component: 'Logs',
            },
          ),
        );
        socket.terminate();
        return;
      }
      queue.push(frame);
      if (queue.length >= HIGH_WATER && !paused) {
        paused = true;
        socket.pause();
      }
      notify();
    });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on('end', () => {
        finish(errorFromResponse(res.statusCode ?? 500, res.statusMessage ?? '', body, what));
        socket.terminate();
      });
    });
    socket.on('error', (error) =>
      finish(new ApiConnectionError(http.apiUrl, connectionReason(error, HANDSHAKE_TIMEOUT_MS), error)),
    );
    socket.on('close', (code, reason) =>
      finish(NORMAL_CLOSE.has(code) ? undefined : closeError(code, reason.toString())),
    );
  };
  // ws (and the zlib and crypto it loads) only when a stream is opened: most commands never do.
  import('ws').then(
    ({ WebSocket }) => {
      if (finished) return;
      socket = new WebSocket(url, { headers: http.headers(), handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
      listenTo(socket);
    },
    (error: unknown) =>
      finish(new ShoalError(ErrorCode.Internal, `cannot load ws: ${String(error)}`, { component: 'Logs' })),
  );
  options.signal?.addEventListener('abort', close, { once: true });

  return {
    close,
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const frame = queue.shift();
          if (frame) {
            if (paused && queue.length < HIGH_WATER / 2) {
              paused = false;
              socket?.resume();
            }
            yield frame;
            continue;
          }
          if (finished) {
            if (failure) throw failure;
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        close();
        options.signal?.removeEventListener('abort', close);
      }
    },
  };
}
