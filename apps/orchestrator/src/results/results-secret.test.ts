import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isShoalError } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadResultsSecret, RESULTS_SECRET_FILE } from './results-secret.js';

/** The orchestrator's results secret: made once, private, kept across restarts, never replaced. */

describe('results secret', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.cleanup();
  });

  it('is made on first start, readable by the owner only, and the same on the next', async () => {
    dir = await makeTempDir('shoal-results-secret-');
    const first = loadResultsSecret(dir.path);
    expect(first).toHaveLength(32);
    const info = await stat(join(dir.path, RESULTS_SECRET_FILE));
    expect(info.mode & 0o777).toBe(0o600);
    expect(loadResultsSecret(dir.path).equals(first)).toBe(true);

    const other = await makeTempDir('shoal-results-secret-');
    try {
      expect(loadResultsSecret(other.path).equals(first)).toBe(false);
    } finally {
      await other.cleanup();
    }
  });

  it('refuses a damaged file instead of silently voiding every key', async () => {
    dir = await makeTempDir('shoal-results-secret-');
    await writeFile(join(dir.path, RESULTS_SECRET_FILE), 'not a secret\n');
    let refused: unknown;
    try {
      loadResultsSecret(dir.path);
    } catch (error) {
      refused = error;
    }
    expect(isShoalError(refused) && refused.message).toMatch(/does not hold a results secret/);
  });
});
