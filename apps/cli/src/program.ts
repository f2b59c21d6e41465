import { Command, CommanderError } from 'commander';
import type { CommandContext } from './api-options.js';
import type { BuildInfo } from './build-info.js';
import { addAgentCommand } from './commands/agent.js';
import { addDevstackCommand } from './commands/devstack.js';
import { addDockerCommand } from './commands/docker.js';
import { addJobCommand } from './commands/job.js';
import { addNodeCommand } from './commands/node.js';
import { addServeCommand } from './commands/serve.js';
import { addVersionCommand } from './commands/version.js';
import { addWasmCommand } from './commands/wasm.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';

/** Builds the command tree. Nothing here touches the process: main.ts does the wiring. */
export function buildProgram(io: CliIO, info: BuildInfo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('shoal')
    .description('Shoal: run jobs on your own machines (Bacalhau v1 API compatible)')
    .version(`shoal v${info.version}`, '-V, --version', 'print the client version')
    .option('--no-style', 'plain output for scripts: no spinner or live status, table cells never cut')
    .showHelpAfterError('(run shoal --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  addVersionCommand(program, io, info);
  addServeCommand(program, io, setExit);
  addDevstackCommand(program, io, setExit);
  // The API commands: they talk to an orchestrator through @shoal/client.
  const ctx: CommandContext = { io, info, setExit };
  addJobCommand(program, ctx);
  addDockerCommand(program, ctx);
  addWasmCommand(program, ctx);
  addNodeCommand(program, ctx);
  addAgentCommand(program, ctx);
  return program;
}

/**
 * `--no-style`, wherever it is given before `--`: every command then writes as it does to a pipe.
 * Taken out before commander parses, so that each command needs nothing of its own for it.
 */
export function withoutStyle(argv: readonly string[], io: CliIO): { argv: string[]; io: CliIO } {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  if (!flags.includes('--no-style')) return { argv: [...argv], io };
  const rest = end === -1 ? [] : argv.slice(end);
  return { argv: [...flags.filter((a) => a !== '--no-style'), ...rest], io: { ...io, isTTY: false } };
}

/** Runs the CLI and returns its exit code; usage mistakes are 2, never a stack trace. */
export async function runCli(
  givenArgv: readonly string[],
  givenIo: CliIO,
  info: BuildInfo,
): Promise<ExitCode> {
  const { argv, io } = withoutStyle(givenArgv, givenIo);
  let code: ExitCode = ExitCode.Ok;
  const program = buildProgram(io, info, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    io.err(`shoal: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Failed;
  }
}
