import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ShoalError } from '@shoal/models';

/**
 * The secret every node's results key is derived from (result-urls.ts). Random, made on the
 * first start and kept in the state dir, so keys and the URLs signed with them outlive a restart;
 * mode 0600, since whoever reads it can sign downloads of any node's results.
 */

export const RESULTS_SECRET_FILE = 'results-secret';
const SECRET_BYTES = 32;
const HEX = /^[0-9a-f]{64}$/;

export function loadResultsSecret(stateDir: string): Buffer {
  const file = join(stateDir, RESULTS_SECRET_FILE);
  const existing = read(file);
  if (existing !== undefined) return parse(existing, file);
  try {
    // `wx`: another orchestrator starting on the same dir may have just written one; keep theirs.
    writeFileSync(file, `${randomBytes(SECRET_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parse(read(file) ?? '', file);
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A damaged file is not replaced: a new secret would silently void every node's key. */
function parse(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!HEX.test(hex)) {
    throw new ShoalError(ErrorCode.Internal, `${file} does not hold a results secret (64 hex digits)`, {
      component: 'ResultsSecret',
      hint: 'remove it to have a new one made (agents get new keys at their next handshake)',
    });
  }
  return Buffer.from(hex, 'hex');
}
