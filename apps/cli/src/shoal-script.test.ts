import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../shoal', import.meta.url));

/** The `./shoal` entry at the repo root, run as a user would, from another directory. */
describe('./shoal', () => {
  it('prints help without a build step', async () => {
    const { stdout } = await run(script, ['--help'], { cwd: '/' });
    expect(stdout).toMatch(/Usage: shoal/);
  });

  it('prints the version from package.json', async () => {
    const { stdout } = await run(script, ['version'], { cwd: '/' });
    expect(stdout).toMatch(/^shoal v0\.1\.0 \(node v\d+/);
  });

  it('exits 2 on a usage error', async () => {
    await expect(run(script, ['--no-such-flag'], { cwd: '/' })).rejects.toMatchObject({ code: 2 });
  });
});
