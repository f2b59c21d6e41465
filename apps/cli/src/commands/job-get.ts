import { join } from 'node:path';
import type { ShoalClient } from '@shoal/client';
import { ErrorCode, ShoalError, type SpecConfig, shortId } from '@shoal/models';
import type { Command } from 'commander';
import {
  type ApiOptions,
  action,
  addApiOption,
  type CommandContext,
  envOf,
  makeClient,
} from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import {
  downloadAndUnpack,
  ensureAbsent,
  removeQuietly,
  resultUrl,
  type UnpackReport,
} from './job-results.js';
import { downloadS3Result, s3ResultParams } from './job-results-s3.js';

/**
 * `shoal job get ID`: downloads what the job's executions published into
 * `<output-dir>/job-<short id>/` (one result), or one subdirectory per result when there are several.
 */

interface GetFlags extends ApiOptions {
  outputDir: string;
}

async function allResults(client: ShoalClient, id: string): Promise<SpecConfig[]> {
  const results: SpecConfig[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const answer = await client.jobs.results(id, { limit: 1000, nextToken });
    results.push(...answer.Results);
    if (!answer.NextToken || answer.Results.length === 0) break;
    nextToken = answer.NextToken;
  }
  return results;
}

/** Where each result goes: the job directory itself, or a subdirectory named after its execution. */
function placeOf(result: SpecConfig, index: number, count: number, root: string): string {
  if (count === 1) return root;
  const execution = result.Params?.ExecutionID;
  return join(root, typeof execution === 'string' && execution ? shortId(execution) : `result-${index + 1}`);
}

export function addJobGetCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('get')
      .description('download the results a job published (local or s3 publisher)')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .option('--output-dir <dir>', 'where job-<id>/ is created', '.'),
  ).action(
    action(ctx, async (id: string, flags: GetFlags) => {
      const client = makeClient(ctx, flags);
      const { Job: found } = await client.jobs.get(id);
      const results = await allResults(client, found.ID);
      if (results.length === 0) {
        throw new ShoalError(
          ErrorCode.NotFound,
          `job ${shortId(found.ID)} has no published results (state ${found.State.StateType})`,
          {
            component: 'CLI',
            hint: 'results exist once an execution with a publisher (e.g. --publisher local) has completed',
          },
        );
      }
      const origin = new URL(client.apiUrl).origin;
      const jobEndpoint = found.Tasks[0]?.Publisher.Params?.Endpoint;
      // Every result is checked before anything is downloaded.
      const downloads = results.map((result): ((dir: string) => Promise<UnpackReport>) => {
        if (result.Type === 's3') {
          const options = {
            jobEndpoint: typeof jobEndpoint === 'string' ? jobEndpoint : '',
            env: envOf(ctx),
          };
          s3ResultParams(result, options.jobEndpoint);
          return (dir) => downloadS3Result(result, dir, options);
        }
        const url = resultUrl(result);
        return (dir) => downloadAndUnpack(url, dir, { token: envOf(ctx).SHOAL_TOKEN, apiOrigin: origin });
      });
      const root = join(flags.outputDir, `job-${shortId(found.ID)}`);
      await ensureAbsent(root);
      try {
        for (const [i, download] of downloads.entries()) {
          const report = await download(placeOf(results[i] as SpecConfig, i, downloads.length, root));
          if (report.skipped.length > 0) {
            ctx.io.err(
              `Warning: skipped ${report.skipped.length} unsafe entries (links, absolute or .. paths): ${report.skipped.slice(0, 5).join(', ')}\n`,
            );
          }
        }
      } catch (error) {
        await removeQuietly(root);
        throw error;
      }
      ctx.io.out(`Results of job ${shortId(found.ID)} are in ${root}\n`);
      return ExitCode.Ok;
    }),
  );
}
