#!/usr/bin/env node
import { readBuildInfo } from './build-info.js';
import { installDeferredCa } from './deferred-ca.js';
import { processIO } from './io.js';
import { runCli } from './run-cli.js';

// Only what every command needs is imported here: runCli loads the command that runs (see
// command-loaders.ts), so a short command starts without compiling the rest of the CLI.
await installDeferredCa();
process.exitCode = await runCli(process.argv.slice(2), processIO(), readBuildInfo());
