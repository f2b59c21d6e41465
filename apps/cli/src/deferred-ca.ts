import { readFileSync } from 'node:fs';
import type tlsModule from 'node:tls';

/**
 * NODE_EXTRA_CA_CERTS, read when a TLS connection needs it rather than at every start.
 *
 * Node reads and parses that file before a process runs its first line, whatever the process
 * does: with a whole CA bundle there (as some machines set it for every process), that is about
 * 50 ms of each `shoal` command, most of which never open a TLS connection. So `./shoal` hands
 * the variable to client commands as SHOAL_DEFERRED_EXTRA_CA_CERTS instead, and the command
 * installs it here: a TLS context made without its own `ca` trusts Node's bundled roots plus the
 * file, as NODE_EXTRA_CA_CERTS would have made it, and the file is read when the first such
 * context is made. The variable is put back for any process the command starts. Returns what
 * undoes the installation.
 */
export const DEFERRED_CA_VARIABLE = 'SHOAL_DEFERRED_EXTRA_CA_CERTS';

type CreateSecureContext = typeof tlsModule.createSecureContext;

export async function installDeferredCa(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (message) => process.emitWarning(message),
): Promise<() => void> {
  const file = env[DEFERRED_CA_VARIABLE];
  delete env[DEFERRED_CA_VARIABLE];
  if (!file) return () => {};
  // Loaded here, not at the top: the startup snapshot cannot hold node:tls (scripts/snapshot.mjs),
  // and a command without the variable does not need it. The module object itself, which can be
  // patched, not its namespace.
  const tls = (await import('node:tls')).default;
  env.NODE_EXTRA_CA_CERTS = file;
  let roots: string[] | undefined;
  const defaultRoots = (): string[] => {
    if (roots) return roots;
    let extra: string[] = [];
    try {
      extra = [readFileSync(file, 'utf8')];
    } catch (error) {
      // What node itself says, and does, when the file cannot be read: the bundled roots alone.
      warn(`Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}`);
    }
    roots = [...tls.rootCertificates, ...extra];
    return roots;
  };
  const create: CreateSecureContext = tls.createSecureContext;
  tls.createSecureContext = ((options) =>
    create(options?.ca === undefined ? { ...options, ca: defaultRoots() } : options)) as CreateSecureContext;
  // For tests, which share node:tls with every other test of their worker.
  return () => {
    tls.createSecureContext = create;
  };
}
