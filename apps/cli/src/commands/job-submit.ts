import { shortId } from '@shoal/models';
import { type Command, Option } from 'commander';
import { type ApiOptions, type CommandContext, makeClient } from '../api-options.js';
import { nonNegativeInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';
import { normaliseJob } from './job-file.js';
import { followJob } from './job-follow.js';
import { WaitTimedOut, waitAndReport } from './job-wait.js';
import { outputOrResultOption } from './result-paths.js';

/**
 * What `job run`, `docker run` and `wasm run` do once they have a job. As Bacalhau's CLI does,
 * they wait by default: a status line until the job ends (a daemon or service job: until it is
 * up, see job-ready.ts), then each execution's output; --follow streams the logs of every
 * execution instead; --id-only prints the id first and waits quietly. Both end with the task's
 * exit code (see job-outcome.ts). --wait-timeout-secs bounds the wait: past it the command gives
 * up (exit 1) and the job keeps running. --wait=false returns at once, printing the job id and
 * the commands that follow it (only the id with --id-only, the submit answer with -o json|yaml).
 * --dry-run checks the job with the server's rules and prints it normalised, submitting nothing.
 */

/** As Bacalhau's CLI: ten minutes. */
export const DEFAULT_WAIT_TIMEOUT_SECS = 600;

export interface RunFlags extends ApiOptions {
  /** Undefined unless given: waiting is the default, `--wait=false` (`--no-wait`) turns it off. */
  wait?: boolean;
  waitTimeoutSecs: number;
  follow?: boolean;
  idOnly?: boolean;
  dryRun?: boolean;
  output: OutputFormat;
}

/** `resultPaths`: the command builds its task (docker run, wasm run), so -o also takes a result path. */
export function addRunFlags(command: Command, options: { resultPaths?: boolean } = {}): Command {
  return command
    .option(
      '--wait',
      'wait for the job to end (daemon, service: to be up), then print its output (default; --wait=false returns at once)',
    )
    .addOption(new Option('--no-wait', 'return as soon as the job is submitted').hideHelp())
    .option(
      '--wait-timeout-secs <n>',
      'give up waiting after this many seconds (the job keeps running); 0: no limit',
      nonNegativeInt,
      DEFAULT_WAIT_TIMEOUT_SECS,
    )
    .option('-f, --follow', 'stream the job’s logs until it ends')
    .option('--id-only', 'print only the job id (and wait quietly)')
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
  // Nothing but the id (--id-only) or the data (-o json|yaml) goes to stdout, and no status.
  const quiet = Boolean(flags.idOnly) || structured;
  if (flags.idOnly) io.out(`${id}\n`);
  if (flags.wait === false) {
    if (flags.idOnly) return ExitCode.Ok;
    io.out(structured ? await formatData(flags.output as 'json' | 'yaml', submitted) : submittedText(id));
    return ExitCode.Ok;
  }
  const timeoutMs = flags.waitTimeoutSecs > 0 ? flags.waitTimeoutSecs * 1000 : undefined;
  try {
    if (flags.follow) return await followJob(ctx, client, id, flags, { quiet, timeoutMs });
    const { code, final } = await waitAndReport(client, io, id, { quiet, timeoutMs });
    if (structured && !flags.idOnly) io.out(await formatData(flags.output as 'json' | 'yaml', final));
    return code;
  } catch (error) {
    if (!(error instanceof WaitTimedOut)) throw error;
    io.err(`${timedOutText(error)}\n`);
    return ExitCode.Failed;
  }
}

/** What --wait=false prints: the id and the commands that follow the job. */
function submittedText(id: string): string {
  const short = shortId(id);
  return [
    `Job successfully submitted. Job ID: ${id}`,
    '',
    `To get its state:    shoal job describe ${short}`,
    `To follow its logs:  shoal job logs --follow ${short}`,
    `To get its results:  shoal job get ${short}`,
    '',
  ].join('\n');
}

function timedOutText(error: WaitTimedOut): string {
  const short = shortId(error.job.ID);
  return (
    `Error: gave up waiting after ${error.timeoutMs / 1000}s (--wait-timeout-secs): job ${short} is still ` +
    `${error.job.State.StateType} and keeps running; see it with: shoal job describe ${short}`
  );
}
