import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where the orchestrator looks for the nats-server it supervises, and what it says when there is none. */

const FALLBACK = '/usr/sbin/nats-server';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
}

/**
 * `NATS_SERVER_BIN`, else `nats-server` on PATH, else /usr/sbin/nats-server (Debian's package).
 * Throws a NatsServerNotFoundError that says how to get one, or how to do without.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env, fallbacks = [FALLBACK]): string {
  const fromEnv = env.NATS_SERVER_BIN;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new NatsServerNotFoundError(
      `NATS_SERVER_BIN=${fromEnv} is not an executable file: point it at a nats-server binary, ` +
        'or pass --nats-url to use a NATS server that is already running',
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  const found = fallbacks.find(isExecutable);
  if (found) return found;
  throw new NatsServerNotFoundError(
    'nats-server not found (NATS_SERVER_BIN unset, not on PATH): install it ' +
      '(`apt-get install nats-server`, or a release from https://github.com/nats-io/nats-server/releases), ' +
      'set NATS_SERVER_BIN to its path, or pass --nats-url to use a NATS server that is already running',
  );
}
