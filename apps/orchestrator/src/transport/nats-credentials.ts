import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNkeySeed, JOIN_PERMISSIONS, JOIN_USER, nkeyPublicKey, nodePermissions } from '@shoal/protocol';

/**
 * The credentials of the NATS server this orchestrator supervises, kept in its state dir (each
 * file mode 0600):
 *   orchestrator.nk  the orchestrator's own nkey seed: the one user allowed everything;
 *   join-token       the password of the `join` user, given to whoever may add nodes;
 *   nodes.json       each joined node's public nkey, by node id.
 * From these comes the server's `authorization` block. There is no anonymous user: a client
 * without credentials is refused at connect.
 */

export type Registration = { added: boolean } | { refused: string };

export class NatsCredentials {
  readonly orchestratorSeed: string;
  readonly joinToken: string;
  private readonly nodes: Map<string, string>;

  constructor(
    private readonly dir: string,
    options: { joinToken?: string | undefined } = {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.orchestratorSeed = readOrCreate(join(dir, 'orchestrator.nk'), createNkeySeed);
    this.joinToken = options.joinToken ?? readOrCreate(join(dir, 'join-token'), newJoinToken);
    this.nodes = new Map(Object.entries(readNodes(join(dir, 'nodes.json'))));
  }

  /** The key a node is known by, if it has joined. */
  nodeKey(nodeId: string): string | undefined {
    return this.nodes.get(nodeId);
  }

  /**
   * Records a node's key. A node id belongs to the first key that joined with it: another key
   * asking for it is refused, so a join token cannot be used to take over a running node.
   */
  register(nodeId: string, publicKey: string): Registration {
    const known = this.nodes.get(nodeId);
    if (known === publicKey) return { added: false };
    if (known !== undefined) {
      return {
        refused: `node id ${nodeId} already joined with another key; remove it (shoal node delete) to let a new key join under that id`,
      };
    }
    this.nodes.set(nodeId, publicKey);
    this.save();
    return { added: true };
  }

  /** Forgets a node: after the server reloads, its key no longer logs in. */
  remove(nodeId: string): boolean {
    const removed = this.nodes.delete(nodeId);
    if (removed) this.save();
    return removed;
  }

  /** The server's `authorization` block. */
  authorization(): Record<string, unknown> {
    return {
      users: [
        { nkey: nkeyPublicKey(this.orchestratorSeed) },
        { user: JOIN_USER, password: this.joinToken, permissions: JOIN_PERMISSIONS },
        ...[...this.nodes].map(([nodeId, key]) => ({ nkey: key, permissions: nodePermissions(nodeId) })),
      ],
    };
  }

  private save(): void {
    writePrivate(
      join(this.dir, 'nodes.json'),
      `${JSON.stringify(Object.fromEntries(this.nodes), null, 2)}\n`,
    );
  }
}

/** 32 random bytes: long enough that guessing is hopeless, short enough to paste. */
export function newJoinToken(): string {
  return `shoal-join-${randomBytes(32).toString('base64url')}`;
}

function readOrCreate(file: string, create: () => string): string {
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = create();
  writePrivate(file, `${value}\n`);
  return value;
}

function readNodes(file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${file} is not a JSON object of node ids to keys`);
    }
    return parsed as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** Written aside and renamed: a crash never leaves half a file of credentials. */
function writePrivate(file: string, text: string): void {
  writeFileSync(`${file}.next`, text, { mode: 0o600 });
  renameSync(`${file}.next`, file);
}
