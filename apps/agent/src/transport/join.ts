import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNkeySeed,
  JOIN_INBOX_PREFIX,
  JOIN_USER,
  type NatsOptions,
  nkeyPublicKey,
  nodeInboxPrefix,
  requestJoin,
} from '@shoal/protocol';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import { connectWhenReachable } from './connect.js';

/**
 * How an agent logs in to NATS. On the orchestrator's own NATS server a node has an nkey of its
 * own, kept in its state dir (`nats.nk`, mode 0600; the seed never leaves the machine). It makes
 * itself known once with the join token (see @shoal/protocol's join.ts), and from then on logs in
 * with the key alone, also after a restart without the token.
 */

export interface NatsLogin {
  /** Options for the agent's connection: its key and own inbox, or what the operator gave. */
  options: Partial<NatsOptions>;
  /** How, for the start log line (never the secret). */
  how: 'joined' | 'nkey' | 'configured';
}

export interface JoinSettings {
  stateDir: string;
  nodeId: string;
  /** Connection options without credentials: servers, name, TLS. */
  base: NatsOptions;
  joinToken: string | undefined;
  /** Credentials from the operator (token, user, nkey file, creds file), for an external NATS. */
  configured: Partial<NatsOptions>;
  logger: Logger;
}

/** How the join and the login right after it retry (ConnectRetry.firstAttemptMs). */
export const JOINING_RETRY = { maxMs: 5_000, firstAttemptMs: 1_000 } as const;

export async function natsLogin(settings: JoinSettings): Promise<NatsLogin> {
  const { stateDir, nodeId, joinToken } = settings;
  const keyFile = join(stateDir, 'nats.nk');
  const joined = join(stateDir, 'nats-joined');
  if (joinToken !== undefined) {
    const seed = readOrCreateSeed(keyFile);
    await joinWithToken(settings, joinToken, nkeyPublicKey(seed));
    writeFileSync(joined, `${new Date().toISOString()}\n`);
    return { options: { nkeySeed: seed, inboxPrefix: nodeInboxPrefix(nodeId) }, how: 'joined' };
  }
  if (existsSync(joined) && existsSync(keyFile)) {
    const seed = readFileSync(keyFile, 'utf8').trim();
    return { options: { nkeySeed: seed, inboxPrefix: nodeInboxPrefix(nodeId) }, how: 'nkey' };
  }
  // Its own inbox also here, so an operator's NATS can confine each node with the same
  // permissions the orchestrator's own server gives (nodePermissions).
  return { options: { ...settings.configured, inboxPrefix: nodeInboxPrefix(nodeId) }, how: 'configured' };
}

async function joinWithToken(settings: JoinSettings, token: string, publicKey: string): Promise<void> {
  const { base, nodeId, logger } = settings;
  // Nodes that join together each have nats-server reload its users, and a connection opened
  // during a reload may never be answered: each attempt gets 1 s, doubling, not the whole timeout.
  const nc = await connectWhenReachable(
    { ...base, name: `${base.name}-join`, user: JOIN_USER, password: token, inboxPrefix: JOIN_INBOX_PREFIX },
    logger,
    JOINING_RETRY,
  ).catch((error: unknown) => {
    const refused = /refused the agent's credentials/.test(errorMessage(error));
    throw refused
      ? new Error('NATS refused the join token (see `shoal node token` on the orchestrator)')
      : error;
  });
  try {
    await requestJoin(nc, nodeId, publicKey);
    safeLog(logger, 'info', { nodeId, key: publicKey }, 'joined the cluster: logging in with the node key');
  } finally {
    await nc.close();
  }
}

function readOrCreateSeed(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const seed = createNkeySeed();
  // Written aside and renamed: a crash never leaves half a key.
  writeFileSync(`${file}.next`, `${seed}\n`, { mode: 0o600 });
  renameSync(`${file}.next`, file);
  return seed;
}
