import type { Command } from 'commander';
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
import type { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { rootCommand } from './root-command.js';

export { withGoBooleans } from './go-booleans.js';
export { runCli, withoutStyle } from './run-cli.js';

/**
 * Builds the whole command tree, every command loaded (the root's help, docs:check's list of
 * flags). A run that names its command loads only that one: see command-loaders.ts. Nothing here
 * touches the process: main.ts does the wiring.
 */
export function buildProgram(io: CliIO, info: BuildInfo, setExit: (code: ExitCode) => void): Command {
  const program = rootCommand(io, info);
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
