import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

/**
 * `shoal devstack`: one orchestrator and N agents on this machine. The command line is final;
 * the cluster itself lands with the devstack issue, so for now it says so and fails.
 */
export function addDevstackCommand(program: Command, io: CliIO, setExit: (code: ExitCode) => void): void {
  program
    .command('devstack')
    .description('run a local cluster: one orchestrator and N compute agents (not yet implemented)')
    .option('--nodes <n>', 'number of compute agents', '3')
    .option('--api-port <port>', 'port of the orchestrator API', '1234')
    .option('--data-dir <dir>', 'where the cluster keeps its state', '.shoal/devstack')
    .option('--db <url>', 'postgres://… or pglite:<dir> (default: PGlite under --data-dir)')
    .option('--nats-url <url>', 'use this NATS server instead of starting one')
    .option('--engines <list>', 'engines the agents offer', 'docker,noop')
    .action(() => {
      io.err('shoal devstack: not yet implemented (it arrives with the devstack issue)\n');
      setExit(ExitCode.Failed);
    });
}
