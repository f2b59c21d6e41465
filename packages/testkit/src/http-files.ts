import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on a free port for tests that download (input sources): each route is a handler; `url(path)`
 * names it. Requests are counted per path, so a test can see how far a redirect chain went.
 */
export interface HttpFiles {
  readonly base: string;
  url(path: string): string;
  hits(path: string): number;
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export async function startHttpFiles(routes: Record<string, Route>): Promise<HttpFiles> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404, 'Not Found').end('no such file');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (path) => `${base}${path}`,
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `bytes` with a Content-Length. */
export const serveBytes =
  (bytes: Uint8Array): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(bytes);
  };

/** Streams `total` bytes of a repeating pattern in chunks, without a Content-Length (chunked). */
export const streamBytes =
  (total: number, chunk = 1024 * 1024): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const block = Buffer.alloc(chunk, 0x61);
    let sent = 0;
    const write = () => {
      while (sent < total) {
        const piece = block.subarray(0, Math.min(chunk, total - sent));
        sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', write);
      }
      res.end();
    };
    res.on('close', () => {
      sent = total;
    });
    write();
  };

export const redirectTo =
  (location: string, status = 302): Route =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };
