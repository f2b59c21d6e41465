import { ErrorCode, isValidIdQuery, likePrefixPattern, ShoalError } from '@shoal/models';
import { eq, like, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** More than this many candidates are not listed: the message says there are more. */
const MAX_CANDIDATES = 10;

export interface LookupTarget<Row> {
  /** `job`, `execution`, `node`: used in messages. */
  readonly what: string;
  readonly component: string;
  readonly idColumn: PgColumn;
  readonly idOf: (row: Row) => string;
  /** Rows matching `where`, at most `limit` (in any order: a lookup sorts what it reports). */
  readonly fetch: (where: SQL, limit: number) => Promise<Row[]>;
  /** A faster path for the combined exact-or-prefix query (a prepared statement), if there is one. */
  readonly fetchCandidates?: ((id: string, pattern: string, limit: number) => Promise<Row[]>) | undefined;
}

/**
 * Finds a row by full id or unique id prefix, in one round trip: the exact match and the prefix
 * match are asked together, and an exact hit wins so a full id is never ambiguous. The prefix side
 * uses the `text_pattern_ops` index and reads at most one row more than it can list.
 */
export async function findByIdOrPrefix<Row>(target: LookupTarget<Row>, query: string): Promise<Row> {
  const { what, component, idColumn, idOf, fetch } = target;
  // Such a query cannot name an id, and must not reach LIKE as a pattern.
  if (!isValidIdQuery(query)) throw ShoalError.notFound(what, query, component);
  const pattern = likePrefixPattern(query);
  const rows = target.fetchCandidates
    ? await target.fetchCandidates(query, pattern, MAX_CANDIDATES + 1)
    : await fetch(or(eq(idColumn, query), like(idColumn, pattern)) as SQL, MAX_CANDIDATES + 1);
  let exact = rows.find((row) => idOf(row) === query);
  // A truncated answer may have left the exact row out (named nodes: `node-1` vs `node-10…`).
  if (exact === undefined && rows.length > MAX_CANDIDATES) [exact] = await fetch(eq(idColumn, query), 1);
  if (exact !== undefined) return exact;
  const [first] = rows;
  if (first === undefined) throw ShoalError.notFound(what, query, component);
  if (rows.length === 1) return first;
  throw ambiguousIdError(what, query, rows.map(idOf), component);
}

/**
 * The 409 for a prefix that names several ids, listing them (sorted, at most MAX_CANDIDATES). A
 * query parameter's lookup names the parameter too, in the message and in Details.
 */
export function ambiguousIdError(
  what: string,
  query: string,
  matches: readonly string[],
  component: string,
  parameter?: string,
): ShoalError {
  const ids = [...matches].sort();
  const candidates = ids.slice(0, MAX_CANDIDATES);
  const more = ids.length > MAX_CANDIDATES ? ', …' : '';
  const named = parameter === undefined ? '' : `${parameter}: `;
  return new ShoalError(
    ErrorCode.Ambiguous,
    `${named}ambiguous ${what} ID prefix "${query}": matches ${candidates.join(', ')}${more}`,
    {
      component,
      details:
        parameter === undefined
          ? { Candidates: candidates }
          : { Parameter: parameter, Candidates: candidates },
      hint: 'use a longer prefix or the full ID',
    },
  );
}

/** How many candidates a lookup reads: one more than it lists, so it knows there are more. */
export const CANDIDATES_READ = MAX_CANDIDATES + 1;
