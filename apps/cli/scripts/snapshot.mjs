// Builds the client commands' V8 startup snapshot (bundle/client.blob) beside the ES module bundle.
// `./shoal` starts every command but `serve` and `devstack` from it: the modules a client command
// needs (commander, zod, the models' schemas, the client, the commands) were evaluated when the
// snapshot was built, so a command no longer compiles and evaluates them at each start.
// `shoal job list` took about 190-210 ms from the bundle and 120 ms from the snapshot here.
//
// Node's user-land snapshot takes one CommonJS script that requires only Node's built-ins while it
// is built; so the client side is bundled again as one script, minified (the snapshot holds its
// source text), and what it loads later (the S3 SDK for `job get`) is required at run time
// through a require made in the main function. The snapshot is tied to the node binary that
// built it and to this checkout's place: bundle/snapshot-for.txt says which, and `./shoal` uses
// the snapshot only while both still hold.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { zodEnglishOnly } from './zod-english-only.mjs';

/** Loaded only when a command needs it, from the checkout's node_modules at run time. */
const AT_RUN_TIME = ['@aws-sdk/client-s3'];
/** The server side: `./shoal` runs `serve` and `devstack` from the ES module bundle. */
const SERVER_SIDE = /^@shoal\/(orchestrator|agent)$|devstack\/devstack\.js$/;

/**
 * Builds client.cjs and client.blob into `staging`. Returns the files the script was built from
 * (relative to the metafile's working directory), or undefined when this node cannot build a
 * snapshot: `./shoal` then runs the ES module bundle for every command.
 */
export async function buildSnapshot({ cliDir, staging, root, log }) {
  const script = resolve(staging, 'client.cjs');
  const result = await build({
    entryPoints: [resolve(cliDir, 'src/snapshot-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: script,
    conditions: ['@shoal/source'],
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    metafile: true,
    define: { __shoalPackageJson: JSON.stringify(resolve(cliDir, 'package.json')) },
    plugins: [runTimeRequires(), builtinDynamicImports(), zodEnglishOnly],
  });
  const blob = resolve(staging, 'client.blob');
  const made = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], {
    cwd: staging,
    encoding: 'utf8',
  });
  if (made.status !== 0) {
    log(
      `shoal: no startup snapshot (client commands run the bundle): ${made.stderr.trim().split('\n').at(-1)}`,
    );
    return undefined;
  }
  await writeFile(resolve(staging, 'snapshot-for.txt'), `${root}\n${process.execPath}\n`);
  return Object.keys(result.metafile.inputs);
}

/**
 * A package in AT_RUN_TIME becomes a module that requires it through the require the main
 * function sets up: while the snapshot is built, require() takes Node's built-ins only.
 */
function runTimeRequires() {
  return {
    name: 'run-time-requires',
    setup(b) {
      b.onResolve({ filter: /^@|devstack\.js$/ }, (args) => {
        if (AT_RUN_TIME.includes(args.path)) return { path: args.path, namespace: 'run-time-require' };
        if (SERVER_SIDE.test(args.path)) return { path: args.path, namespace: 'server-side' };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'run-time-require' }, (args) => ({
        contents: `module.exports = globalThis.__shoalRunTimeRequire(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'server-side' }, () => ({
        contents:
          'throw new Error("serve and devstack run from the ES module bundle: start them with ./shoal");',
        loader: 'js',
      }));
    },
  };
}

/** `await import('node:http')`: a snapshot has no dynamic import, so it becomes a require. */
function builtinDynamicImports() {
  return {
    name: 'builtin-dynamic-imports',
    setup(b) {
      b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        if (args.kind !== 'dynamic-import' || !builtinModules.includes(args.path.replace(/^node:/, ''))) {
          return undefined;
        }
        return { path: args.path, namespace: 'builtin-require' };
      });
      b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}
