import type { Command } from 'commander';
import { action, addApiOption, type CommandContext } from '../api-options.js';
import { readJobFile } from './job-file.js';
import { addRunFlags, type RunFlags, runJob } from './job-submit.js';

/** `shoal job run FILE|-`: submit a job written in YAML or JSON (a bare Job or `{Job: …}`). */
export function addJobRunCommand(job: Command, ctx: CommandContext): void {
  const run = job
    .command('run')
    .description('submit a job from a YAML or JSON file (- reads stdin)')
    .argument('<file>', 'job spec: a Job, or {Job: …}; - for stdin');
  addApiOption(addRunFlags(run)).action(
    action(ctx, async (file: string, flags: RunFlags) => runJob(ctx, await readJobFile(ctx, file), flags)),
  );
}
