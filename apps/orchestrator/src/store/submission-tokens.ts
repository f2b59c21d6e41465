import { and, eq } from 'drizzle-orm';
import type { Handle } from './db.js';
import { insertRows } from './recordset.js';
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

    async insertMany(tokens) {
      await insertRows(db, submissionTokens, tokens);
    },
  };
}
