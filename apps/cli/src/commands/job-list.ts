import { type Job, shortId } from '@shoal/models';
import { type Command, Option } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { collect, positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import { type OutputFormat, outputOption, wideOption } from '../output/format.js';
import { nextPageCommand } from '../output/next-page.js';
import { printPage } from '../output/page.js';
import { type Column, formatMap } from '../output/table.js';
import { formatTime } from '../output/time.js';

/**
 * `shoal job list`: one page of jobs, filtered by labels and namespace, the newest first (as
 * `docker ps` shows them); `--reverse` shows the oldest first. The API's own order is the
 * opposite (oldest first unless `reverse`), so the flag is sent inverted.
 */

interface ListFlags extends ApiOptions {
  labels?: string[];
  namespace?: string;
  limit?: number;
  orderBy?: 'id' | 'create_time' | 'modify_time';
  reverse?: boolean;
  nextToken?: string;
  output: OutputFormat;
  wide?: boolean;
}

const engineOf = (job: Job): string => {
  const task = job.Tasks[0];
  if (!task) return '';
  const image = task.Engine.Params?.Image;
  return typeof image === 'string' ? `${task.Engine.Type} ${image}` : task.Engine.Type;
};

const COLUMNS: Column<Job>[] = [
  { header: 'CREATED', value: (j) => formatTime(j.CreateTime) },
  { header: 'ID', value: (j) => shortId(j.ID) },
  { header: 'JOB ID', value: (j) => j.ID, wide: true },
  { header: 'NAME', value: (j) => (j.Name === j.ID ? shortId(j.ID) : j.Name), max: 30 },
  { header: 'NAMESPACE', value: (j) => j.Namespace, wide: true },
  { header: 'TYPE', value: (j) => j.Type },
  { header: 'ENGINE', value: engineOf, max: 30 },
  { header: 'COUNT', value: (j) => String(j.Count), wide: true },
  { header: 'STATE', value: (j) => j.State.StateType },
  { header: 'LABELS', value: (j) => formatMap(j.Labels), max: 40 },
  { header: 'MODIFIED', value: (j) => formatTime(j.ModifyTime), wide: true },
];

export function addJobListCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('list')
      .description('list jobs, newest first (--reverse for oldest first)')
      .option('--labels <selector>', 'label selector, e.g. "env in (prod,dev),!legacy"; repeatable', collect)
      .option('--namespace <ns>', 'namespace to list (default: every namespace, as Bacalhau lists)')
      .option('--limit <n>', 'how many jobs to show', positiveInt, 10)
      .addOption(new Option('--order-by <key>', 'sort key').choices(['id', 'create_time', 'modify_time']))
      .option('--reverse', 'oldest first')
      .option('--next-token <token>', 'continue from a previous page')
      .addOption(outputOption())
      .addOption(wideOption()),
  ).action(
    action(ctx, async (flags: ListFlags, command: Command) => {
      const page = await makeClient(ctx, flags).jobs.list({
        labels: flags.labels,
        namespace: flags.namespace,
        limit: flags.limit,
        orderBy: flags.orderBy,
        reverse: !flags.reverse,
        nextToken: flags.nextToken,
      });
      await printPage(ctx.io, flags, page, {
        columns: COLUMNS,
        rows: page.Jobs,
        more: (token) => `More jobs: ${nextPageCommand(command, token)}`,
      });
      return ExitCode.Ok;
    }),
  );
}
