import { Command } from 'commander';
import type { BuildInfo } from './build-info.js';
import type { CliIO } from './io.js';

/**
 * The `shoal` command before any subcommand is added: its own flags, help and error handling.
 * Shared by the whole command tree (program.ts) and the tree of one command (command-loaders.ts),
 * so both answer alike.
 */
export function rootCommand(io: CliIO, info: BuildInfo): Command {
  return new Command('shoal')
    .description('Shoal: run jobs on your own machines (Bacalhau v1 API compatible)')
    .version(`shoal v${info.version}`, '-V, --version', 'print the client version')
    .option('--no-style', 'plain output for scripts: no spinner or live status, table cells never cut')
    .showHelpAfterError('(run shoal --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
}
