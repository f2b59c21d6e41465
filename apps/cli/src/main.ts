#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { readBuildInfo } from './build-info.js';
import { processIO } from './io.js';
import { runCli } from './run-cli.js';

const args = process.argv.slice(2);
// A client command lives a fraction of a second. Node's fetch parses HTTP with WebAssembly, which
// V8 recompiles in the background, and the process waited ~200 ms at exit for that compile to end.
// Only the baseline compiler for those: not for servers, whose PGlite is WebAssembly that must run fast.
if (!['serve', 'devstack'].includes(args.find((a) => !a.startsWith('-')) ?? '')) {
  setFlagsFromString('--liftoff-only');
}
process.exitCode = await runCli(args, processIO(), readBuildInfo());
