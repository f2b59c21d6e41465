import { createServer } from 'node:net';

/**
 * Choosing ports: the orchestrator's own nats-server, and devstack's API and NATS. Defaults (1234,
 * 4222) are often taken on a developer machine, so a taken port is replaced by a free one and the
 * caller says so. Another program may still take the port before it is bound: callers retry on
 * "already in use".
 */

/** True when nothing listens on host:port (we could bind it ourselves right now). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free on `host` right now. */
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

export interface PortChoice {
  port: number;
  /** The preferred port was taken and `port` replaces it. */
  replaced: boolean;
}

/** `preferred` when it is free (0 means any), else a free port, flagged as a replacement. */
export async function choosePort(host: string, preferred: number): Promise<PortChoice> {
  if (preferred !== 0 && (await isPortFree(host, preferred))) return { port: preferred, replaced: false };
  return { port: await freePort(host), replaced: preferred !== 0 };
}
