import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where a nats-server binary is looked for. */

const FALLBACK = '/usr/sbin/nats-server';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `NATS_SERVER_BIN` (when set, it alone counts), else `nats-server` on PATH, else the first
 * executable fallback (/usr/sbin/nats-server, Debian's package); undefined when there is none.
 */
export function findNatsServerBin(
  env: NodeJS.ProcessEnv = process.env,
  fallbacks = [FALLBACK],
): string | undefined {
  const fromEnv = env.NATS_SERVER_BIN;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return fallbacks.find(isExecutable);
}
