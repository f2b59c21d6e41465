import { readFile } from 'node:fs/promises';
import { ErrorCode, type Job, prepareJobSubmission, ShoalError } from '@shoal/models';
import { parseDocument } from 'yaml';
import { type CommandContext, readStdin } from '../api-options.js';

/**
 * Reading a job from a file or stdin: YAML or JSON (JSON is YAML), a bare Job or `{Job: …}`.
 * Integers keep every digit: YAML reads them as bigint and those a double holds exactly become
 * numbers again. Every mistake is a usage error naming the file, and the line for a syntax error.
 */

const fileError = (message: string) => new ShoalError(ErrorCode.BadRequest, message, { component: 'CLI' });

/** bigint → number where exact, through arrays and objects. */
function narrowIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (Array.isArray(value)) return value.map(narrowIntegers);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrowIntegers(v)]));
  }
  return value;
}

export function parseJobText(text: string, name: string): unknown {
  const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    const first = problem.message.split('\n')[0]?.replace(/:$/, '') ?? problem.message;
    throw fileError(`invalid YAML/JSON in ${name}: ${first}`);
  }
  const value = narrowIntegers(doc.toJS({ maxAliasCount: 100 }));
  if (value === null || value === undefined) throw fileError(`${name} is empty: expected a job`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fileError(
      `${name} must hold one job (a mapping with Type and Tasks), not ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`,
    );
  }
  const record = value as Record<string, unknown>;
  // `{Job: …}` is the API's request body; a bare Job has Type and Tasks at the top. Keys match in
  // any case, as the server's decoder matches them (`job:` is `Job:`).
  const named = (field: string) => Object.keys(record).find((k) => k.toLowerCase() === field.toLowerCase());
  const job = named('Job');
  if (job !== undefined && named('Type') === undefined && named('Tasks') === undefined) {
    const keys = Object.keys(record).filter((k) => k !== job);
    if (keys.length > 0)
      throw fileError(`${name}: unknown key${keys.length > 1 ? 's' : ''} next to Job: ${keys.join(', ')}`);
    return record[job];
  }
  return record;
}

export async function readJobFile(ctx: CommandContext, file: string): Promise<unknown> {
  if (file === '-') return parseJobText(await readStdin(ctx), 'stdin');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code ?? error);
    throw fileError(`cannot read job file ${file}: ${why}`);
  }
  return parseJobText(text, file);
}

/** Fields the server sets; a dry run leaves them out so its output can be submitted as it is. */
const SERVER_FIELDS = ['ID', 'State', 'Version', 'Revision', 'CreateTime', 'ModifyTime'] as const;
export type NormalisedJob = Omit<Job, (typeof SERVER_FIELDS)[number] | 'Name'> & { Name?: string };

/**
 * `--dry-run`: the server's own checks (prepareJobSubmission), every problem at once, and the job
 * with every default applied. The server may also apply an operator policy (allowed images, host
 * paths) that the client cannot see.
 */
export function normaliseJob(input: unknown): { job: NormalisedJob; warnings: string[] } {
  const prepared = prepareJobSubmission(input, { id: '', now: 0n });
  if (!prepared.ok) throw ShoalError.validation(prepared.problems, 'JobSubmission');
  const job: Record<string, unknown> = { ...prepared.job };
  for (const key of SERVER_FIELDS) delete job[key];
  if (job.Name === '') delete job.Name;
  return { job: job as NormalisedJob, warnings: prepared.warnings };
}
