import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import type { OrchestratorConfig } from '../config.js';

/** The API's HTTP server: listening with a clear error for a taken port, and closing with a grace. */

export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  config: OrchestratorConfig,
): Promise<Server> {
  return new Promise((ready, fail) => {
    // The logs route upgrades to a WebSocket through this ws server (node-server drives it).
    const websocket = { server: new WebSocketServer({ noServer: true }) };
    const server = serve({ fetch, port: config.apiPort, hostname: config.apiHost, websocket }) as Server;
    server.once('listening', () => ready(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? `port ${config.apiPort} is already in use` : error.message;
      fail(new Error(`cannot listen on ${config.apiHost}:${config.apiPort}: ${reason}`));
    });
  });
}

export async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
