import type { Command } from 'commander';
import type { CommandContext } from './api-options.js';
import { rootCommand } from './root-command.js';

/**
 * Each top-level command, registered from a module imported only when that command runs: the
 * modules behind `job` (the client, zod and the models' schemas) or `serve` cost more to compile
 * than a short command takes to run, so `shoal version` loads none of them, and `shoal job list`
 * loads the list command but not `job run`'s. program.ts registers the same commands eagerly for
 * the full tree (program.test.ts checks that the two agree).
 */

type Register = (parent: Command, ctx: CommandContext) => Promise<void>;

interface LazyCommand {
  /** Registers the command with all of its subcommands. */
  all: Register;
  /** For a group: creates it empty, and registers any one subcommand alone. */
  group?: { create(parent: Command): Promise<Command>; subcommands: Readonly<Record<string, Register>> };
}

const JOB_SUBCOMMANDS: Readonly<Record<string, Register>> = {
  run: async (j, c) => (await import('./commands/job-run.js')).addJobRunCommand(j, c),
  list: async (j, c) => (await import('./commands/job-list.js')).addJobListCommand(j, c),
  describe: async (j, c) => (await import('./commands/job-describe.js')).addJobDescribeCommand(j, c),
  executions: async (j, c) => (await import('./commands/job-executions.js')).addJobExecutionsCommand(j, c),
  history: async (j, c) => (await import('./commands/job-history.js')).addJobHistoryCommand(j, c),
  logs: async (j, c) => (await import('./commands/job-logs.js')).addJobLogsCommand(j, c),
  stop: async (j, c) => (await import('./commands/job-stop.js')).addJobStopCommand(j, c),
  get: async (j, c) => (await import('./commands/job-get.js')).addJobGetCommand(j, c),
};

const COMMANDS: Readonly<Record<string, LazyCommand>> = {
  version: {
    all: async (p, c) => (await import('./commands/version.js')).addVersionCommand(p, c.io, c.info),
  },
  serve: { all: async (p, c) => (await import('./commands/serve.js')).addServeCommand(p, c.io, c.setExit) },
  devstack: {
    all: async (p, c) => (await import('./commands/devstack.js')).addDevstackCommand(p, c.io, c.setExit),
  },
  job: {
    all: async (p, c) => (await import('./commands/job.js')).addJobCommand(p, c),
    group: {
      create: async (p) => (await import('./commands/job-group.js')).addJobGroup(p),
      subcommands: JOB_SUBCOMMANDS,
    },
  },
  docker: { all: async (p, c) => (await import('./commands/docker.js')).addDockerCommand(p, c) },
  wasm: { all: async (p, c) => (await import('./commands/wasm.js')).addWasmCommand(p, c) },
  node: { all: async (p, c) => (await import('./commands/node.js')).addNodeCommand(p, c) },
  agent: { all: async (p, c) => (await import('./commands/agent.js')).addAgentCommand(p, c) },
};

const own = <T>(table: Readonly<Record<string, T>>, name: string | undefined): T | undefined =>
  name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;

/** The names that load on demand, subcommands as `job list`; for the test against the full tree. */
export const LAZY_COMMAND_NAMES: readonly string[] = Object.entries(COMMANDS).flatMap(([name, c]) => [
  name,
  ...Object.keys(c.group?.subcommands ?? {}).map((sub) => `${name} ${sub}`),
]);

/**
 * The command tree that `argv` needs. When it starts with a command's name (and a subcommand's),
 * the root holds only that command: its parsing, help and errors are the same as in the full
 * tree. Anything else (`--help`, `help`, an unknown command, nothing) gets the full tree, so the
 * root's help lists every command and a typo gets commander's suggestion.
 */
export async function programFor(argv: readonly string[], ctx: CommandContext): Promise<Command> {
  const command = own(COMMANDS, argv[0]);
  if (command === undefined) {
    const { buildProgram } = await import('./program.js');
    return buildProgram(ctx.io, ctx.info, ctx.setExit);
  }
  const program = rootCommand(ctx.io, ctx.info);
  const sub = command.group && own(command.group.subcommands, argv[1]);
  if (command.group && sub) await sub(await command.group.create(program), ctx);
  else await command.all(program, ctx);
  return program;
}
