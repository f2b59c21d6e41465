import { ambiguousIdError, CANDIDATES_READ } from '../store/lookup.js';
import type { Repos } from '../store/types.js';

/** What each job-scoped id names, in messages. */
const WHAT = { id: 'execution', nodeId: 'node' } as const;

/**
 * An execution or node id given in a query parameter of a job's route (history's `execution_id`
 * and `node_id`, the logs' `execution_id`), as a full id or a unique prefix. It is resolved against
 * that job's own executions, the only ones its history and logs can name: a prefix shared with
 * another job's execution is no ambiguity here. A full id always wins over longer ids it prefixes.
 *
 * Answers the full id, or undefined when none of the job's executions match (the caller decides
 * what that means: an empty history, a 404 for logs). Several matches are an AmbiguousID (409)
 * naming the parameter and listing the candidates.
 */
export async function resolveIdInJob(
  store: Pick<Repos, 'executions'>,
  jobId: string,
  field: keyof typeof WHAT,
  query: string,
  parameter: string,
): Promise<string | undefined> {
  const matches = await store.executions.idsInJob(jobId, field, query, CANDIDATES_READ);
  const [first] = matches;
  if (first === undefined) return undefined;
  if (first === query || matches.length === 1) return first;
  throw ambiguousIdError(WHAT[field], query, matches, 'JobService', parameter);
}
