import { sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import type { Deadline } from './deadline.js';
import type { CommitGuardRepo, Repos } from './types.js';

/**
 * The commit guard: a write the API answered with an error must never be committed afterwards.
 *
 * The API stops waiting at its deadline and answers 503, but a server that stalled (SIGSTOP, a
 * frozen disk) still holds the transaction, and may hold its COMMIT too, sent just before the
 * stall: when it resumes it would commit a job whose client was told it failed, and the client's
 * retry would make a second one. So a transaction the API runs first sets a deadline measured on
 * the server's own clock, and deferred constraint triggers (drizzle/0004_commit_guard.sql) check
 * `clock_timestamp()` against it at COMMIT: a server that resumes after it rolls back instead.
 *
 * The server's deadline must pass before the API answers. It is set when the server runs
 * `setDeadline`, which is no later than when its answer arrives here; so it lies at most one
 * round trip after `deadline.at - margin`, and a round trip of `margin` or more abandons the
 * transaction. PGlite runs in-process and cannot stall apart from the orchestrator, but the guard
 * costs it one in-process statement and keeps one code path.
 *
 * What remains: a server that passes the check at COMMIT and then stalls for longer than the
 * margin (flushing the commit record, sending the answer) commits after the API answered 503. A
 * client that retries with its IdempotencyToken still gets that one job, not a second.
 */

/** How much earlier than the API's answer the server's deadline falls: a quarter, at most 500 ms. */
export function commitMarginMs(budgetMs: number): number {
  return Math.min(500, budgetMs / 4);
}

export function commitGuardRepo(handle: Handle): CommitGuardRepo {
  return {
    async setDeadline(withinMs) {
      if (!handle.inTransaction) throw new Error('a commit deadline belongs to a transaction');
      await handle.db.execute(
        sql`select set_config('shoal.commit_deadline',
              (clock_timestamp() + ${Math.floor(withinMs)}::int * interval '1 millisecond')::text, true)`,
      );
    },
  };
}

/** Sets the transaction's server-side deadline for `deadline`, or fails as `deadline` would. */
export async function armCommitGuard(tx: Repos, deadline: Deadline): Promise<void> {
  const margin = commitMarginMs(deadline.budgetMs);
  const sentAt = deadline.timers.now();
  const withinMs = deadline.at - margin - sentAt;
  // Too little time left to commit before the server's deadline: do not start.
  if (withinMs < 1) throw deadline.error();
  await tx.commitGuard.setDeadline(withinMs);
  if (deadline.timers.now() - sentAt >= margin) throw deadline.error();
}
