import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir } from '@shoal/testkit';
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

  it('runs the bundle only while no file it was built from is newer than it', async () => {
    // A checkout of its own: a bundle and a TypeScript loader that each say which one ran.
    const dir = await makeTempDir('shoal-script-');
    try {
      const files = {
        'apps/cli/bundle/main.js': "console.log('bundle')",
        'apps/cli/bundle/inputs.txt': 'packages/models/src/ids.ts\n',
        'apps/cli/src/main.ts': '',
        'node_modules/tsx/package.json': '{}',
        'node_modules/tsx/dist/loader.mjs': "console.log('sources'); process.exit(0);",
        'packages/models/src/ids.ts': '',
        'packages/models/src/ids.test.ts': '',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir.path, path)), { recursive: true });
        await writeFile(join(dir.path, path), text);
      }
      await copyFile(script, join(dir.path, 'shoal'));
      const ran = async () => (await run(join(dir.path, 'shoal'), [], { cwd: '/' })).stdout.trim();
      const age = (path: string, seconds: number) =>
        utimes(join(dir.path, path), new Date(), new Date(Date.now() + seconds * 1000));
      for (const path of Object.keys(files)) await age(path, -60);
      await age('apps/cli/bundle/main.js', 0);
      expect(await ran()).toBe('bundle');
      await age('packages/models/src/ids.test.ts', 10);
      expect(await ran()).toBe('bundle');
      await age('packages/models/src/ids.ts', 10);
      expect(await ran()).toBe('sources');
      // A bundle without its list of inputs is never taken for fresh.
      await age('packages/models/src/ids.ts', -60);
      expect(await ran()).toBe('bundle');
      await rm(join(dir.path, 'apps/cli/bundle/inputs.txt'));
      expect(await ran()).toBe('sources');
    } finally {
      await dir.cleanup();
    }
  });

  it('starts client commands from the startup snapshot built for this checkout and node', async () => {
    const dir = await makeTempDir('shoal-script-snapshot-');
    try {
      const bundle = join(dir.path, 'apps/cli/bundle');
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'main.js'), "console.log('bundle')");
      await writeFile(join(bundle, 'inputs.txt'), '');
      // A real snapshot, as scripts/snapshot.mjs builds one, that says what it was given.
      await writeFile(
        join(bundle, 'client.cjs'),
        "require('v8').startupSnapshot.setDeserializeMainFunction(() => console.log(JSON.stringify(process.argv.slice(1))))",
      );
      await run(process.execPath, ['--snapshot-blob', 'client.blob', '--build-snapshot', 'client.cjs'], {
        cwd: bundle,
      });
      const builtFor = (root: string, node: string) =>
        writeFile(join(bundle, 'snapshot-for.txt'), `${root}\n${node}\n`);
      await copyFile(script, join(dir.path, 'shoal'));
      const ran = async (args: string[]) =>
        (await run(join(dir.path, 'shoal'), args, { cwd: '/' })).stdout.trim();

      await builtFor(dir.path, process.execPath);
      expect(await ran(['job', 'list'])).toBe('["job","list"]');
      // Every argument reaches the CLI, flags and `--` included, none is taken by node.
      expect(await ran(['--no-such', '--', '-x'])).toBe('["--no-such","--","-x"]');
      // The server side runs from the bundle.
      expect(await ran(['serve'])).toBe('bundle');
      expect(await ran(['devstack', '--help'])).toBe('bundle');
      // Built elsewhere (a moved checkout) or by another node: the bundle.
      await builtFor('/elsewhere', process.execPath);
      expect(await ran(['job', 'list'])).toBe('bundle');
      await builtFor(dir.path, '/bin/true');
      expect(await ran(['job', 'list'])).toBe('bundle');
    } finally {
      await dir.cleanup();
    }
  });

  it("runs node with Shoal's memory settings, which the caller's override", async () => {
    const dir = await makeTempDir('shoal-script-env-');
    try {
      const files = {
        'apps/cli/bundle/main.js':
          'console.log(JSON.stringify([process.env.MALLOC_MMAP_THRESHOLD_, process.execArgv]))',
        'apps/cli/bundle/inputs.txt': '',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir.path, path)), { recursive: true });
        await writeFile(join(dir.path, path), text);
      }
      await copyFile(script, join(dir.path, 'shoal'));
      const settings = async (env: NodeJS.ProcessEnv, args: string[] = ['serve']) =>
        JSON.parse((await run(join(dir.path, 'shoal'), args, { cwd: '/', env })).stdout);
      const { MALLOC_MMAP_THRESHOLD_: _unset, SHOAL_NODE_ARGS: _none, ...env } = process.env;
      // glibc's mmap threshold fixed; V8's young generation capped for the long-running commands
      // only (a V8 flag costs a short command node's code cache), and not with Postgres.
      expect(await settings(env)).toEqual(['131072', ['--max-semi-space-size=8']]);
      expect(await settings(env, ['devstack'])).toEqual(['131072', ['--max-semi-space-size=8']]);
      expect(await settings(env, ['job', 'list'])).toEqual(['131072', []]);
      // An orchestrator on an external Postgres keeps node's young generation: throughput wins.
      expect(await settings(env, ['serve', '--db', 'postgres://db/shoal'])).toEqual(['131072', []]);
      // The caller's come last, so they win.
      expect(
        await settings({
          ...env,
          MALLOC_MMAP_THRESHOLD_: '65536',
          SHOAL_NODE_ARGS: '--max-semi-space-size=16',
        }),
      ).toEqual(['65536', ['--max-semi-space-size=8', '--max-semi-space-size=16']]);
    } finally {
      await dir.cleanup();
    }
  });
});
