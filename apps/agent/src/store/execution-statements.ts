import { eq, type SQL, sql } from 'drizzle-orm';
import type { AgentDb } from './database.js';
import { setTo } from './prepared.js';
import { executions } from './schema.js';

/** The columns an ExecutionChange may set; revision and updatedAt change on every update. */
export const CHANGEABLE = [
  'localState',
  'desiredState',
  'message',
  'runOutput',
  'reserved',
  'waiting',
] as const;
export type Changeable = (typeof CHANGEABLE)[number];

/** ExecutionRepo's statements, prepared on one connection (see prepared.ts). */
export class ExecutionStatements {
  readonly get;
  /** A new row: revision 1, no run output, updatedAt = createdAt. */
  readonly insert;
  /** An update sets only the columns its change names: one statement per set of columns, made on first use. */
  private readonly updates = new Map<string, ReturnType<typeof prepareUpdate>>();

  constructor(private readonly db: AgentDb) {
    const p = sql.placeholder;
    this.get = db
      .select()
      .from(executions)
      .where(eq(executions.id, p('id')))
      .prepare();
    this.insert = db
      .insert(executions)
      .values({
        id: p('id'),
        jobId: p('jobId'),
        partition: p('partition'),
        job: p('job'),
        waitForApproval: p('waitForApproval'),
        localState: p('localState'),
        desiredState: p('desiredState'),
        message: p('message'),
        reserved: p('reserved'),
        waiting: p('waiting'),
        runOutput: null,
        revision: 1,
        createdAt: p('createdAt'),
        updatedAt: p('createdAt'),
      })
      .returning()
      .prepare();
  }

  /** Sets `columns`, `revision` and `updatedAt` of the row `id` from the same-named values; returns the row. */
  update(columns: readonly Changeable[]): ReturnType<typeof prepareUpdate> {
    const key = columns.join();
    let statement = this.updates.get(key);
    if (!statement) {
      statement = prepareUpdate(this.db, columns);
      this.updates.set(key, statement);
    }
    return statement;
  }
}

function prepareUpdate(db: AgentDb, columns: readonly Changeable[]) {
  const set: Partial<Record<Changeable | 'revision' | 'updatedAt', SQL>> = {
    revision: setTo('revision'),
    updatedAt: setTo('updatedAt'),
  };
  for (const column of columns) set[column] = setTo(column);
  return db
    .update(executions)
    .set(set)
    .where(eq(executions.id, sql.placeholder('id')))
    .returning()
    .prepare();
}
