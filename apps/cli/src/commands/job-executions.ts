import { type Command, Option } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import { type OutputFormat, outputOption, wideOption } from '../output/format.js';
import { nextPageCommand } from '../output/next-page.js';
import { printPage } from '../output/page.js';
import { executionColumns } from './job-describe.js';

/** `shoal job executions ID`: a page of the job's executions. */

interface ExecutionsFlags extends ApiOptions {
  limit?: number;
  orderBy?: 'modify_time' | 'create_time' | 'id' | 'state';
  reverse?: boolean;
  nextToken?: string;
  output: OutputFormat;
  wide?: boolean;
}

export function addJobExecutionsCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('executions')
      .description('list the executions of a job')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .option('--limit <n>', 'how many executions to show', positiveInt, 100)
      .addOption(
        new Option('--order-by <key>', 'sort key').choices(['modify_time', 'create_time', 'id', 'state']),
      )
      .option('--reverse', 'reverse the order')
      .option('--next-token <token>', 'continue from a previous page')
      .addOption(outputOption())
      .addOption(wideOption()),
  ).action(
    action(ctx, async (id: string, flags: ExecutionsFlags, command: Command) => {
      const page = await makeClient(ctx, flags).jobs.executions(id, {
        limit: flags.limit,
        orderBy: flags.orderBy,
        reverse: flags.reverse,
        nextToken: flags.nextToken,
      });
      await printPage(ctx.io, flags, page, {
        columns: executionColumns(),
        rows: page.Executions,
        more: (token) => `More executions: ${nextPageCommand(command, token)}`,
      });
      return ExitCode.Ok;
    }),
  );
}
