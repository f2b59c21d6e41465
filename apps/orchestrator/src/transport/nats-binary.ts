import { findNatsServerBin } from '@shoal/nats-server';

/** The nats-server the orchestrator supervises (found by @shoal/nats-server), and what it says when there is none. */

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
}

/**
 * `NATS_SERVER_BIN`, else `nats-server` on PATH, else /usr/sbin/nats-server (Debian's package).
 * Throws a NatsServerNotFoundError that says how to get one, or how to do without.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env, fallbacks?: string[]): string {
  const found = findNatsServerBin(env, fallbacks);
  if (found) return found;
  const fromEnv = env.NATS_SERVER_BIN;
  if (fromEnv) {
    throw new NatsServerNotFoundError(
      `NATS_SERVER_BIN=${fromEnv} is not an executable file: point it at a nats-server binary, ` +
        'or pass --nats-url to use a NATS server that is already running',
    );
  }
  throw new NatsServerNotFoundError(
    'nats-server not found (NATS_SERVER_BIN unset, not on PATH): install it ' +
      '(`apt-get install nats-server`, or a release from https://github.com/nats-io/nats-server/releases), ' +
      'set NATS_SERVER_BIN to its path, or pass --nats-url to use a NATS server that is already running',
  );
}
