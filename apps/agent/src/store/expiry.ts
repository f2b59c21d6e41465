import { COMPUTE_STATES, isTerminalComputeState } from '@shoal/models';
import { and, asc, eq, gt, inArray, lt, notExists, or, type SQL, sql } from 'drizzle-orm';
import type { AgentDb, Tx } from './database.js';
import { executions, outbox, outboxState } from './schema.js';

/**
 * The retention janitor's statements (see ../retention.ts). Built per call, not prepared: they run
 * a few times an hour. Every condition is checked again by the delete, so a row that stopped
 * qualifying between the list and the delete stays.
 */

/** From the models' table, so a terminal state added there is pruned here too. */
const TERMINAL = COMPUTE_STATES.filter(isTerminalComputeState);

/** A place in (updatedAt, id) order: each round continues after the last row the previous one saw. */
export interface ExpiryCursor {
  id: string;
  updatedAt: bigint;
}

/**
 * Finished before `cutoff`, and the orchestrator acknowledged every report about it: until then
 * it may still act on the execution (a late cancel, a re-sent report) and must find it as it was.
 * Acknowledged reports are pruned, but a row above lastAcked is what "unacknowledged" means.
 */
function expired(db: AgentDb, cutoff: bigint): SQL | undefined {
  const lastAcked = db
    .select({ lastAcked: outboxState.lastAcked })
    .from(outboxState)
    .where(eq(outboxState.id, 1));
  const unacknowledged = db
    .select({ seq: outbox.seq })
    .from(outbox)
    .where(and(eq(outbox.executionId, executions.id), gt(outbox.seq, sql`coalesce((${lastAcked}), 0)`)));
  return and(
    inArray(executions.localState, TERMINAL),
    lt(executions.updatedAt, cutoff),
    notExists(unacknowledged),
  );
}

/** Up to `limit` expired executions after `after`, oldest first. */
export function listExpired(
  tx: Tx,
  cutoff: bigint,
  after: ExpiryCursor | undefined,
  limit: number,
): ExpiryCursor[] {
  const past =
    after === undefined
      ? undefined
      : or(
          gt(executions.updatedAt, after.updatedAt),
          and(eq(executions.updatedAt, after.updatedAt), gt(executions.id, after.id)),
        );
  return tx.db
    .select({ id: executions.id, updatedAt: executions.updatedAt })
    .from(executions)
    .where(and(expired(tx.db, cutoff), past))
    .orderBy(asc(executions.updatedAt), asc(executions.id))
    .limit(limit)
    .all();
}

/** Deletes those of `ids` that are still expired; returns how many went. */
export function deleteExpired(tx: Tx, cutoff: bigint, ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  const result = tx.db
    .delete(executions)
    .where(and(inArray(executions.id, [...ids]), expired(tx.db, cutoff)))
    .run();
  return Number(result.changes);
}
