import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * @hono/node-server answers a refused WebSocket upgrade with the status line and headers only,
 * dropping the body. A refused logs request (unknown job: 404) must still carry the usual JSON
 * error body, so this wrapper around the app's fetch writes such answers to the socket itself,
 * whole, and closes it; node-server then sees the socket destroyed and leaves it alone.
 */

type Fetch = (request: Request, env: unknown) => Promise<unknown> | unknown;

/** node-server's env for an upgrade request: the IncomingMessage, and no ServerResponse. */
function upgradeSocket(request: Request, env: unknown): Duplex | undefined {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return undefined;
  const e = env as { incoming?: IncomingMessage; outgoing?: unknown } | undefined;
  if (!e?.incoming || e.outgoing !== undefined) return undefined;
  return e.incoming.socket;
}

export function withUpgradeRejections<F extends Fetch>(fetch: F): F {
  return (async (request: Request, env: unknown) => {
    const response = await fetch(request, env);
    const socket = upgradeSocket(request, env);
    // 2xx is node-server's own "upgrade accepted" answer (or a route that does not upgrade).
    if (!socket || !(response instanceof Response) || response.status < 300 || socket.destroyed)
      return response;
    const body = Buffer.from(await response.arrayBuffer());
    const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
    response.headers.forEach((value, key) => {
      if (!['content-length', 'connection', 'transfer-encoding'].includes(key))
        lines.push(`${key}: ${value}`);
    });
    lines.push(`Content-Length: ${body.length}`, 'Connection: close');
    await new Promise<void>((resolve) => {
      socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]), () => resolve());
      // A client that vanished never drains: do not wait for it.
      socket.once('error', () => resolve());
      socket.once('close', () => resolve());
    });
    socket.destroy();
    return response;
  }) as F;
}
