/**
 * One HTTP exchange, the whole answer read as text. node:http and node:https rather than fetch: a
 * `shoal` command is a short process, and loading fetch (undici, and the WebAssembly HTTP parser
 * it compiles) cost it about 45 ms of its start; node:http parses with Node's built-in parser.
 * TLS is node:https's: the system's CAs, NODE_EXTRA_CA_CERTS included.
 */

export interface SendRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** The whole exchange, connecting included; past it the request fails with a TimeoutError. */
  timeoutMs: number;
}

export interface SendResponse {
  status: number;
  statusText: string;
  text: string;
}

export type Send = (url: URL, request: SendRequest) => Promise<SendResponse>;

/** Named as AbortSignal.timeout's error is, which connectionReason words as "no answer within". */
function timeoutError(ms: number): Error {
  const error = new Error(`no answer within ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

export const sendWithNodeHttp: Send = async (url, { method, headers, body, timeoutMs }) => {
  // TLS is loaded only for an https:// API.
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const sized =
      body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    let timedOut = false;
    // Whatever error destroying the request then raises (it differs before and after the answer
    // began), the failure is the timeout.
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(timedOut ? timeoutError(timeoutMs) : error);
    };
    const req = request(url, { method, headers: sized }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text });
      });
      // An answer cut off by a closed connection: ECONNRESET.
      res.on('error', fail);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, timeoutMs);
    req.on('error', fail);
    req.end(body);
  });
};

/** The same exchange through a fetch function (ClientOptions.fetch). */
export function sendWithFetch(fetch: typeof globalThis.fetch): Send {
  return async (url, { method, headers, body, timeoutMs }) => {
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, statusText: response.statusText, text: await response.text() };
  };
}
