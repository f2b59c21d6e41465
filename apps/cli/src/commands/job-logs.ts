import type { LogStreamOptions, ShoalClient } from '@shoal/client';
import { LogStreamType } from '@shoal/client';
import type { Command } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

/** `shoal job logs ID`: an execution's stdout and stderr, to stdout and stderr, as they come. */

export async function streamLogs(
  client: ShoalClient,
  io: CliIO,
  id: string,
  options: LogStreamOptions,
  display: { quiet: boolean } = { quiet: false },
): Promise<void> {
  for await (const frame of client.jobs.logs(id, options)) {
    if (display.quiet) continue;
    // Line keeps its newline (the server's contract), so output is reproduced byte for byte.
    if (frame.Type === LogStreamType.Stderr) io.err(frame.Line);
    else io.out(frame.Line);
  }
}

interface LogsFlags extends ApiOptions {
  follow?: boolean;
  execution?: string;
  tail?: number;
}

export function addJobLogsCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('logs')
      .description('print the logs of a job’s execution (stdout to stdout, stderr to stderr)')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .option('-f, --follow', 'keep streaming until the execution ends')
      .option('--execution <id>', 'the execution to read (default: the server picks the job’s latest)')
      .option('--tail <n>', 'only the last N lines', positiveInt),
  ).action(
    action(ctx, async (id: string, flags: LogsFlags) => {
      const client = makeClient(ctx, flags);
      await streamLogs(client, ctx.io, id, {
        ...(flags.follow ? { follow: true } : {}),
        ...(flags.execution ? { executionId: flags.execution } : {}),
        ...(flags.tail === undefined ? {} : { tail: flags.tail }),
      });
      return ExitCode.Ok;
    }),
  );
}
