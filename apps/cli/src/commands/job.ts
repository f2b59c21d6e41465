import type { Command } from 'commander';
import type { CommandContext } from '../api-options.js';
import { addJobDescribeCommand } from './job-describe.js';
import { addJobExecutionsCommand } from './job-executions.js';
import { addJobGetCommand } from './job-get.js';
import { addJobGroup } from './job-group.js';
import { addJobHistoryCommand } from './job-history.js';
import { addJobListCommand } from './job-list.js';
import { addJobLogsCommand } from './job-logs.js';
import { addJobRunCommand } from './job-run.js';
import { addJobStopCommand } from './job-stop.js';

/** `shoal job …`: the jobs API. Every ID argument takes a full id or a unique prefix. */
export function addJobCommand(program: Command, ctx: CommandContext): void {
  const job = addJobGroup(program);
  addJobRunCommand(job, ctx);
  addJobListCommand(job, ctx);
  addJobDescribeCommand(job, ctx);
  addJobExecutionsCommand(job, ctx);
  addJobHistoryCommand(job, ctx);
  addJobLogsCommand(job, ctx);
  addJobStopCommand(job, ctx);
  addJobGetCommand(job, ctx);
}
