import { shortId } from '@shoal/models';
import type { Command } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';

/** `shoal job stop ID`: asks the orchestrator to stop a job; its executions are cancelled. */

interface StopFlags extends ApiOptions {
  reason?: string;
  output: OutputFormat;
}

export function addJobStopCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('stop')
      .description('stop a job and cancel its executions')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .option('--reason <text>', 'why, recorded in the job’s history')
      .addOption(outputOption()),
  ).action(
    action(ctx, async (id: string, flags: StopFlags) => {
      const client = makeClient(ctx, flags);
      const answer = await client.jobs.stop(id, flags.reason);
      if (isStructured(flags.output)) {
        ctx.io.out(await formatData(flags.output, answer));
        return ExitCode.Ok;
      }
      ctx.io.out(
        answer.EvaluationID
          ? `Stopping job ${shortId(id)} (evaluation ${answer.EvaluationID})\n`
          : `Job ${shortId(id)} was already stopped\n`,
      );
      return ExitCode.Ok;
    }),
  );
}
