import type { ShoalClient } from '@shoal/client';
import type { CommandContext } from '../api-options.js';
import type { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat } from '../output/format.js';
import { printJobLogs } from './job-log-streams.js';
import { jobOutcome, outcomeText } from './job-outcome.js';
import { isTerminal, waitForJob } from './job-wait.js';

/**
 * `--follow` on the run commands: streams the logs of every execution until the job ends, then
 * says how it ended and exits with the task's code (see job-outcome.ts). Quiet (--id-only,
 * -o json|yaml): nothing of the logs is shown, so only the end is waited for, within the wait's
 * timeout; the streamed logs themselves end with the job.
 */
export async function followJob(
  ctx: CommandContext,
  client: ShoalClient,
  id: string,
  flags: { output: OutputFormat; idOnly?: boolean },
  options: { quiet: boolean; timeoutMs: number | undefined },
): Promise<ExitCode> {
  const { io } = ctx;
  if (!options.quiet) {
    try {
      await printJobLogs(client, io, id, { follow: true });
    } catch (error) {
      // A job that ended without running (no node fits) has no logs: its state says why.
      if (!isTerminal((await client.jobs.get(id)).Job)) throw error;
    }
  }
  const { job, executions } = await waitForJob(
    client,
    id,
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  const outcome = jobOutcome(job, executions);
  if (!options.quiet) io.err(`${outcomeText(job, outcome)}\n`);
  if (isStructured(flags.output) && !flags.idOnly)
    io.out(
      await formatData(flags.output, { Job: job, Executions: { NextToken: '', Executions: executions } }),
    );
  return outcome.code;
}
