import { connect } from 'node:net';

/** Small TCP helpers for supervising nats-server: is NATS answering on a port, and where to ask. */

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
