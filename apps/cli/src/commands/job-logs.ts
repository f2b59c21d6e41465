import type { Command } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import { printJobLogs, printStream } from './job-log-streams.js';

/**
 * `shoal job logs ID`: the stdout and stderr of every execution of the job, to stdout and stderr,
 * each line prefixed with its node when there can be several (see job-log-streams.ts).
 * `--execution E` reads that one execution only, its bytes as they are.
 */

interface LogsFlags extends ApiOptions {
  follow?: boolean;
  execution?: string;
  tail?: number;
}

export function addJobLogsCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('logs')
      .description('print the logs of a job’s executions (stdout to stdout, stderr to stderr)')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .option('-f, --follow', 'keep streaming until the job and its executions end')
      .option('--execution <id>', 'only this execution (full id or unique prefix), without prefixes')
      .option('--tail <n>', 'only the last N lines of each execution', positiveInt),
  ).action(
    action(ctx, async (id: string, flags: LogsFlags) => {
      const client = makeClient(ctx, flags);
      const follow = Boolean(flags.follow);
      if (flags.execution !== undefined) {
        const stream = client.jobs.logs(id, {
          executionId: flags.execution,
          ...(follow ? { follow: true } : {}),
          ...(flags.tail === undefined ? {} : { tail: flags.tail }),
        });
        await printStream(ctx.io, stream);
        return ExitCode.Ok;
      }
      return printJobLogs(client, ctx.io, id, { follow, tail: flags.tail });
    }),
  );
}
