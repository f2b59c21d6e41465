import { connect, createServer } from 'node:net';

/** Small TCP probes for supervising nats-server: is a port free, and is NATS answering on it. */

/** True when nothing listens on host:port (we could bind it ourselves right now). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free on `host`. Someone may take it before it is used: callers retry. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not find a free port on ${host}`));
      });
    });
  });
}

/**
 * True when a NATS server on host:port greets a new connection with its INFO line: the port being
 * open is not enough, another program may hold it.
 */
export function natsGreets(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('INFO ')));
  });
}

/** The host clients on this machine use for a server listening on `host` (wildcards: loopback). */
export function clientHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/** `nats://host:port`, with an IPv6 host in brackets. */
export function natsUrl(host: string, port: number): string {
  const h = clientHost(host);
  return `nats://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
