/**
 * The client commands' start from a V8 startup snapshot (`node --snapshot-blob`): the bundle's
 * modules (commander, zod, the models' schemas, the client, every client command) are evaluated
 * once, when the snapshot is built, and a command starts from that heap instead of compiling and
 * evaluating them again. `./shoal` runs it for every command but `serve` and `devstack`, which stay
 * with the ES module bundle (they load native and WebAssembly packages the snapshot cannot hold).
 *
 * Nothing read from the environment may be evaluated here at build time: the argv, the
 * environment, the terminal and the clock are read when the main function runs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startupSnapshot } from 'node:v8';
import type { BuildInfo } from './build-info.js';
import { installDeferredCa } from './deferred-ca.js';
import { processIO } from './io.js';
// Evaluated now, so that it is in the snapshot: every client command's module, as the full tree
// imports them.
import './program.js';
import { runCli } from './run-cli.js';

/** The CLI's package.json, where the snapshot was built (scripts/snapshot.mjs defines it). */
declare const __shoalPackageJson: string;
declare global {
  /** What the bundle's run-time requires go through (scripts/snapshot.mjs). */
  var __shoalRunTimeRequire: NodeJS.Require | undefined;
}

// The version is the package's when the snapshot was built; `./shoal` rebuilds it when
// package.json changes (it is among the bundle's inputs).
const version = (JSON.parse(readFileSync(__shoalPackageJson, 'utf8')) as { version: string }).version;

if (!startupSnapshot.isBuildingSnapshot()) {
  throw new Error('snapshot-main runs only as a startup snapshot (node --snapshot-blob)');
}
startupSnapshot.setDeserializeMainFunction(() => {
  // Packages loaded only by some commands (the S3 SDK) resolve from the CLI's own node_modules.
  globalThis.__shoalRunTimeRequire = createRequire(__shoalPackageJson);
  const info: BuildInfo = { version, node: process.version, platform: `${process.platform}/${process.arch}` };
  // `node --snapshot-blob BLOB -- ARGS` leaves the command's own arguments from argv[1] on.
  void installDeferredCa()
    .then(() => runCli(process.argv.slice(1), processIO(), info))
    .then((code) => {
      process.exitCode = code;
    });
});
