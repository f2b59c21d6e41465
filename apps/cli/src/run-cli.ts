import { CommanderError } from 'commander';
import type { BuildInfo } from './build-info.js';
import { programFor } from './command-loaders.js';
import { ExitCode } from './exit-codes.js';
import { withGoBooleans } from './go-booleans.js';
import type { CliIO } from './io.js';

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
  const styled = withoutStyle(givenArgv, givenIo);
  const { io } = styled;
  const argv = withGoBooleans(styled.argv);
  let code: ExitCode = ExitCode.Ok;
  const setExit = (c: ExitCode) => {
    code = c;
  };
  try {
    const program = await programFor(argv, { io, info, setExit });
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
