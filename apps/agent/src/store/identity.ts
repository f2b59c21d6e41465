import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type Clock, isValidNodeId, nanosToIso } from '@shoal/models';
import { type Logger, safeLog } from '../logger.js';

/**
 * The node's identity: the same node id after a restart. It lives in its own small file,
 * `<dataDir>/node-id`, not in agent.db: a corrupt database is moved aside and started afresh
 * when it is found corrupt, and the node must come back as itself so the orchestrator can reconcile it.
 */

export const NODE_ID_FILE = 'node-id';

export class NodeIdentityError extends Error {
  override readonly name = 'NodeIdentityError';
}

export interface LoadNodeIdOptions {
  dataDir: string;
  /** The operator's `--name`; otherwise `n-<uuid>` is generated on first start. */
  name?: string | undefined;
  /** Generates `n-<uuid>` (models' IdGenerator.node). */
  newNodeId: () => string;
  clock: Clock;
  logger: Logger;
}

const NODE_ID_RULE = 'use 1-255 letters, digits, "-" or "_" (it is a NATS subject token: no dots or spaces)';

/** Returns the node id, creating and persisting it on first start. */
export function loadNodeId(options: LoadNodeIdOptions): string {
  const { dataDir, name, logger } = options;
  if (name !== undefined && !isValidNodeId(name)) {
    throw new NodeIdentityError(`invalid node name ${JSON.stringify(name)}: ${NODE_ID_RULE}`);
  }
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, NODE_ID_FILE);
  const stored = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;

  if (stored !== undefined && isValidNodeId(stored)) {
    if (name !== undefined && name !== stored) {
      // Renaming silently would orphan the executions and streams the orchestrator knows under the
      // old id; make the operator choose.
      throw new NodeIdentityError(
        `the data directory ${dataDir} belongs to node ${stored}, not ${name}: start with --name ${stored}, ` +
          `use another data directory, or delete ${file} to rename this node`,
      );
    }
    return stored;
  }
  if (stored !== undefined) {
    const aside = `${file}.corrupt-${nanosToIso(options.clock.now()).replace(/:/g, '-')}`;
    renameSync(file, aside);
    safeLog(
      logger,
      'error',
      { file, movedTo: aside },
      'the node id file is unreadable: moved aside, this node starts under a new identity',
    );
  }
  const id = name ?? options.newNodeId();
  if (!isValidNodeId(id)) throw new NodeIdentityError(`generated node id ${id} is invalid`);
  writeDurably(file, `${id}\n`);
  safeLog(logger, 'info', { nodeId: id, file }, 'node identity created');
  return id;
}

/** Write to a temporary file, fsync, rename: a crash leaves either the old file or the new one. */
function writeDurably(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
