import type { ShoalClient } from '@shoal/client';
import {
  computeStateName,
  ErrorCode,
  type JobHistory,
  type ListJobHistoryResponse,
  matchIdPrefix,
  ShoalError,
  shortId,
} from '@shoal/models';
import { type Command, Option } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatData,
  isStructured,
  isWide,
  type OutputFormat,
  outputOption,
  wideOption,
} from '../output/format.js';
import { nextPageCommand } from '../output/next-page.js';
import { type Column, renderTable } from '../output/table.js';
import { formatIsoTime } from '../output/time.js';
import { allExecutions } from './job-wait.js';

/**
 * `shoal job history ID`: every event so far. The server keeps a NextToken while the job is not
 * finished (so clients can poll), so pages are read until one comes back empty. With `--limit` or
 * `--next-token`, one page instead, and on stderr the command for the next one.
 */

interface HistoryFlags extends ApiOptions {
  eventType?: 'job' | 'execution' | 'all';
  executionId?: string;
  nodeId?: string;
  since?: string;
  limit?: number;
  nextToken?: string;
  output: OutputFormat;
  wide?: boolean;
}

const MAX_PAGES = 100;

const change = (h: JobHistory): string => {
  if (h.JobState) return `${h.JobState.Previous} → ${h.JobState.New}`;
  if (h.ExecutionState)
    return `${computeStateName(h.ExecutionState.Previous)} → ${computeStateName(h.ExecutionState.New)}`;
  return '';
};

const COLUMNS: Column<JobHistory>[] = [
  { header: 'TIME', value: (h) => formatIsoTime(h.Time) },
  { header: 'EXACT TIME', value: (h) => h.Time, wide: true },
  { header: 'LEVEL', value: (h) => h.Type.replace('Level', '') },
  { header: 'REV', value: (h) => String(h.NewRevision) },
  { header: 'EXECUTION', value: (h) => (h.ExecutionID ? shortId(h.ExecutionID) : '') },
  { header: 'EXECUTION ID', value: (h) => h.ExecutionID ?? '', wide: true },
  { header: 'NODE', value: (h) => (h.NodeID ? shortId(h.NodeID) : ''), max: 24 },
  { header: 'NODE ID', value: (h) => h.NodeID ?? '', wide: true },
  { header: 'STATE', value: change },
  { header: 'COMMENT', value: (h) => h.Comment, max: 60 },
];

/**
 * The history filters take full ids only, so a short execution or node id (`e-1a2b3c4d`,
 * `node-a`) is resolved here against the job's own executions, which are all the events can name.
 */
async function resolveFilters(client: ShoalClient, id: string, flags: HistoryFlags): Promise<HistoryFlags> {
  const { executionId, nodeId } = flags;
  if (executionId === undefined && nodeId === undefined) return flags;
  const executions = await allExecutions(client, id);
  const resolve = (kind: 'execution' | 'node', value: string | undefined, candidates: string[]) => {
    if (value === undefined) return undefined;
    const match = matchIdPrefix(value, new Set(candidates));
    if (match.kind === 'exact' || match.kind === 'unique') return match.id;
    if (match.kind === 'ambiguous') {
      throw new ShoalError(
        ErrorCode.Ambiguous,
        `${kind} id ${value} is ambiguous: ${match.candidates.join(', ')}`,
        {
          component: 'CLI',
          hint: 'give more characters of the id',
        },
      );
    }
    throw new ShoalError(ErrorCode.NotFound, `no ${kind} of job ${shortId(id)} matches ${value}`, {
      component: 'CLI',
      hint: `see its executions with: shoal job executions ${shortId(id)}`,
    });
  };
  return {
    ...flags,
    executionId: resolve(
      'execution',
      executionId,
      executions.map((e) => e.ID),
    ),
    nodeId: resolve(
      'node',
      nodeId,
      executions.map((e) => e.NodeID),
    ),
  };
}

const historyPage = (
  client: ShoalClient,
  id: string,
  flags: HistoryFlags,
  limit: number,
  nextToken?: string,
) =>
  client.jobs.history(id, {
    eventType: flags.eventType,
    executionId: flags.executionId,
    nodeId: flags.nodeId,
    since: flags.since,
    limit,
    nextToken,
  });

async function allHistory(
  client: ShoalClient,
  id: string,
  flags: HistoryFlags,
): Promise<ListJobHistoryResponse> {
  const events: JobHistory[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await historyPage(client, id, flags, 1000, nextToken);
    events.push(...answer.History);
    nextToken = answer.NextToken;
    if (!nextToken || answer.History.length === 0) break;
  }
  return { NextToken: nextToken ?? '', History: events };
}

export function addJobHistoryCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('history')
      .description('list the state changes of a job and its executions')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .addOption(new Option('--event-type <type>', 'which events').choices(['job', 'execution', 'all']))
      .option('--execution-id <id>', 'only the events of this execution')
      .option('--node-id <id>', 'only the events on this node')
      .option('--since <time>', 'only events at or after this time: Unix seconds or RFC 3339')
      .option('--limit <n>', 'one page of at most n events (default: every event)', positiveInt)
      .option('--next-token <token>', 'continue from a previous page')
      .addOption(outputOption())
      .addOption(wideOption()),
  ).action(
    action(ctx, async (id: string, flags: HistoryFlags, command: Command) => {
      const client = makeClient(ctx, flags);
      const filters = await resolveFilters(client, id, flags);
      const paged = flags.limit !== undefined || flags.nextToken !== undefined;
      const history = paged
        ? await historyPage(client, id, filters, flags.limit ?? 100, flags.nextToken)
        : await allHistory(client, id, filters);
      if (isStructured(flags.output)) {
        ctx.io.out(await formatData(flags.output, history));
        return ExitCode.Ok;
      }
      ctx.io.out(renderTable(COLUMNS, history.History, { tty: ctx.io.isTTY, wide: isWide(flags) }));
      if (paged && history.NextToken && history.History.length > 0) {
        ctx.io.err(`More events: ${nextPageCommand(command, history.NextToken)}\n`);
      }
      return ExitCode.Ok;
    }),
  );
}
