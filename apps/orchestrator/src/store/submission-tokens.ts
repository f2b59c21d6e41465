import { and, eq, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { insertRows, recordset } from './recordset.js';
import { submissionTokens } from './schema.js';
import type { SubmissionTokenRepo } from './types.js';

/**
 * IdempotencyTokens of submitted jobs. The primary key (namespace, token) is what makes a retried
 * PUT safe under races too: two submissions with one token cannot both commit, and the loser
 * finds the winner's row (JobService.submit).
 */
export function submissionTokenRepo(handle: Handle): SubmissionTokenRepo {
  const { db } = handle;
  return {
    async find(namespace, token) {
      const [row] = await db
        .select()
        .from(submissionTokens)
        .where(and(eq(submissionTokens.namespace, namespace), eq(submissionTokens.token, token)))
        .limit(1);
      return row;
    },

    async findMany(keys) {
      if (keys.length === 0) return [];
      const wanted = recordset(keys, 'namespace text, token text');
      return db
        .select()
        .from(submissionTokens)
        .where(
          sql`(${submissionTokens.namespace}, ${submissionTokens.token}) in (select v.namespace, v.token from ${wanted})`,
        );
    },

    async insertMany(tokens) {
      await insertRows(db, submissionTokens, tokens);
    },
  };
}
