import { shortId } from '@shoal/models';
import type { Command } from 'commander';
import { type ApiOptions, type CommandContext, makeClient } from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';
import { normaliseJob } from './job-file.js';
import { printJobLogs } from './job-log-streams.js';
import { jobOutcome, outcomeText } from './job-outcome.js';
import { isTerminal, waitAndReport, waitForJob } from './job-wait.js';
import { outputOrResultOption } from './result-paths.js';

/**
 * What `job run` and `docker run` do once they have a job. Without --wait, --follow or --id-only
 * they behave like Bacalhau's: print the job id and the commands that follow it, and return at
 * once. --wait shows the state until the job ends (a daemon or service job: until it is up, see
 * job-ready.ts) and then prints each execution's output; --follow streams the logs of every
 * execution instead; --id-only prints only the id (and waits quietly with --wait). Both end with
 * the task's exit code (see job-outcome.ts).
 * --dry-run checks the job with the server's rules and prints it normalised, submitting nothing.
 */

export interface RunFlags extends ApiOptions {
  wait?: boolean;
  follow?: boolean;
  idOnly?: boolean;
  dryRun?: boolean;
  output: OutputFormat;
}

/** `resultPaths`: the command builds its task (docker run, wasm run), so -o also takes a result path. */
export function addRunFlags(command: Command, options: { resultPaths?: boolean } = {}): Command {
  return command
    .option('--wait', 'wait for the job to end (daemon, service: to be up), then print its output')
    .option('-f, --follow', 'stream the job’s logs until it ends')
    .option('--id-only', 'print only the job id')
    .option('--dry-run', 'check the job and print it normalised, without submitting it')
    .addOption(options.resultPaths ? outputOrResultOption(command) : outputOption());
}

export async function runJob(ctx: CommandContext, input: unknown, flags: RunFlags): Promise<ExitCode> {
  const { io } = ctx;
  if (flags.dryRun) {
    const { job, warnings } = normaliseJob(input);
    for (const w of warnings) io.err(`Warning: ${w}\n`);
    io.out(await formatData(flags.output === 'json' ? 'json' : 'yaml', job));
    return ExitCode.Ok;
  }
  const client = makeClient(ctx, flags);
  const submitted = await client.jobs.submit(input);
  for (const w of submitted.Warnings) io.err(`Warning: ${w}\n`);
  const id = submitted.JobID;
  const structured = isStructured(flags.output);

  if (flags.idOnly || structured) {
    if (flags.idOnly) io.out(`${id}\n`);
    if (!flags.wait && !flags.follow) {
      if (!flags.idOnly && isStructured(flags.output)) io.out(await formatData(flags.output, submitted));
      return ExitCode.Ok;
    }
  }
  if (flags.follow) {
    const quiet = Boolean(flags.idOnly) || structured;
    // Quiet: nothing of the logs is shown, so only the end is waited for.
    if (!quiet) {
      try {
        await printJobLogs(client, io, id, { follow: true });
      } catch (error) {
        // A job that ended without running (no node fits) has no logs: its state says why.
        if (!isTerminal((await client.jobs.get(id)).Job)) throw error;
      }
    }
    const { job, executions } = await waitForJob(client, id);
    const outcome = jobOutcome(job, executions);
    if (!quiet) io.err(`${outcomeText(job, outcome)}\n`);
    if (structured && !flags.idOnly)
      io.out(
        await formatData(flags.output as 'json' | 'yaml', {
          Job: job,
          Executions: { NextToken: '', Executions: executions },
        }),
      );
    return outcome.code;
  }
  if (flags.wait) {
    const quiet = Boolean(flags.idOnly) || structured;
    const { code, final } = await waitAndReport(client, io, id, { quiet });
    if (structured && !flags.idOnly) io.out(await formatData(flags.output as 'json' | 'yaml', final));
    return code;
  }
  const short = shortId(id);
  io.out(
    [
      `Job successfully submitted. Job ID: ${id}`,
      '',
      `To get its state:    shoal job describe ${short}`,
      `To follow its logs:  shoal job logs --follow ${short}`,
      `To get its results:  shoal job get ${short}`,
      '',
    ].join('\n'),
  );
  return ExitCode.Ok;
}
