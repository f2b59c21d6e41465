import type { Requirement, Selector } from '@shoal/models';
import { and, inArray, not, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Label selectors as SQL over a jsonb `labels` column, every key and value a bound parameter.
 * The positive operators use `@>` and `?`, which the GIN index on `labels` answers; the negative
 * ones hold when the key is absent (Kubernetes semantics), as `requirementMatches` in models does.
 */
export function selectorSql(labels: PgColumn, selector: Selector): SQL | undefined {
  return and(...selector.requirements.map((requirement) => requirementSql(labels, requirement)));
}

function requirementSql(labels: PgColumn, r: Requirement): SQL | undefined {
  const has = sql`${labels} ? ${r.key}`;
  const value = sql`${labels} ->> ${r.key}`;
  switch (r.op) {
    case 'eq':
      return contains(labels, r.key, r.values[0]);
    case 'neq':
      return not(contains(labels, r.key, r.values[0]));
    case 'in':
      return and(has, inArray(value, [...r.values]));
    case 'notin':
      return or(not(has), notInArray(value, [...r.values]));
    case 'exists':
      return has;
    case 'notexists':
      return not(has);
  }
}

function contains(labels: PgColumn, key: string, value: string): SQL {
  return sql`${labels} @> ${JSON.stringify({ [key]: value })}::jsonb`;
}
