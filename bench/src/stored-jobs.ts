/**
 * Jobs written straight into an orchestrator's Postgres database, many in one statement, as copies
 * of a job that orchestrator stored itself. Submitting 100,000 jobs through the API would take
 * minutes and measure the submit path instead; copying a real job's rows keeps every column as
 * the orchestrator writes it (tasks, meta, an execution's resources and result), so the store's
 * queries meet rows of the real shape and size. The orchestrator's own migrations made the schema,
 * and its trigger writes each copy's job_labels rows.
 *
 * Used by bench:lists (jobs only, in many namespaces and states) and bench:placement-stored
 * (terminal jobs with what running them left behind).
 */
import type pg from 'pg';

/**
 * SQL expressions for columns of the copied jobs, over `i` (the copy's number, 1..count) and the
 * template's row `t`; a column not named here is the template's (its times shifted, below).
 */
export type JobColumns = Partial<Record<'name' | 'namespace' | 'state' | 'labels' | 'modify_time', string>>;

export interface CopyOptions {
  /** The id of the job whose rows are copied. */
  template: string;
  count: number;
  /**
   * Copy i is created at `firstCreateTime + (i - 1)` ms (ns since the epoch); each of its other
   * times keeps its distance from the template's create time.
   */
  firstCreateTime: bigint;
  columns?: JobColumns;
  /**
   * Also copy what the store kept of the template's run: its evaluations, executions, history and
   * submission token. Each copy's executions go to one of `nodeIds` in turn, so that per-node
   * queries meet the stored executions of a real cluster rather than all on one node.
   */
  runs?: { nodeIds: readonly string[] };
}

/** The tables a job's rows are in, parents first (the foreign keys point at jobs). */
const RUN_TABLES = ['evaluations', 'executions', 'job_history', 'submission_tokens'] as const;
/** Columns that hold a job, evaluation or execution id (or '' for none). */
const ID_COLUMNS = new Set([
  'id',
  'job_id',
  'eval_id',
  'evaluation_id',
  'execution_id',
  'previous_execution',
  'next_execution',
  'followup_eval_id',
]);
const TIME_COLUMNS = new Set(['create_time', 'modify_time', 'time']);
/** Times that are 0 when unset (no wait, no lease): shifted only when set. */
const OPTIONAL_TIME_COLUMNS = new Set(['wait_until', 'lease_until']);

/**
 * A copy's id is the template's with its last 36 characters (its uuid) replaced by md5(id:i) in
 * the uuid's shape: each table's statement derives the same ids as the others, so an execution's
 * job id, its history's execution id and so on agree without looking anything up. '' (no id)
 * stays ''. (left() rather than a regular expression: a third of the cost, over millions of ids.)
 */
const copiedId = (column: string) =>
  `case when t.${column} = '' then '' else left(t.${column}, -36) || md5(t.${column} || ':' || i)::uuid::text end`;

/** Writes `count` copies of the template job (and, with `runs`, of its run) in one statement per table. */
export async function copyJobs(client: pg.Client, options: CopyOptions): Promise<void> {
  const found = await client.query<{ create_time: string }>(
    'select create_time::text from jobs where id = $1',
    [options.template],
  );
  const templateCreate = found.rows[0]?.create_time;
  if (templateCreate === undefined) throw new Error(`no job ${options.template} to copy`);
  const shift = `(${options.firstCreateTime - BigInt(templateCreate)}::bigint + (i - 1)::bigint * 1000000)`;
  const nodes = `array[${(options.runs?.nodeIds ?? []).map((n) => client.escapeLiteral(n)).join(', ')}]::text[]`;
  const nodeOf = `coalesce((${nodes})[1 + i % greatest(cardinality(${nodes}), 1)], t.node_id)`;

  const expression = (table: string, column: string): string => {
    const given = table === 'jobs' ? options.columns?.[column as keyof JobColumns] : undefined;
    if (given !== undefined) return given;
    if (table === 'submission_tokens' && column === 'token') return `t.token || ':' || i`;
    if (ID_COLUMNS.has(column)) return copiedId(column);
    if (TIME_COLUMNS.has(column)) return `t.${column} + ${shift}`;
    if (OPTIONAL_TIME_COLUMNS.has(column))
      return `case when t.${column} = 0 then 0 else t.${column} + ${shift} end`;
    if (column === 'node_id') return `case when t.node_id = '' then '' else ${nodeOf} end`;
    return `t.${column}`;
  };
  const tables = options.runs ? ['jobs', ...RUN_TABLES] : ['jobs'];
  for (const table of tables) {
    // After the jobs (whose trigger writes job_labels, and which replica mode would skip), foreign
    // keys are not checked: every row copies one that passed the checks, which took a third of the
    // time here. Only a superuser may; where that is refused, the checks run.
    if (table === RUN_TABLES[0]) await client.query('set session_replication_role = replica').catch(() => {});
    // Every column the migrations made, so a column added later is copied without a change here.
    const columns = await client.query<{ column_name: string }>(
      `select column_name from information_schema.columns
       where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
      [table],
    );
    const names = columns.rows.map((r) => r.column_name);
    await client.query(
      `insert into ${table} (${names.map((n) => `"${n}"`).join(', ')})
       select ${names.map((n) => expression(table, n)).join(', ')}
       from generate_series(1, $2::int) as i, ${table} t
       where t.${table === 'jobs' ? 'id' : 'job_id'} = $1`,
      [options.template, options.count],
    );
  }
  await client.query('reset session_replication_role');
}

/** Rows in each of `tables`, counted exactly (the benchmark prints what the store held). */
export async function countRows<T extends string>(
  client: pg.Client,
  tables: readonly T[],
): Promise<Record<T, number>> {
  const counts = {} as Record<T, number>;
  for (const table of tables) {
    const result = await client.query<{ n: string }>(`select count(*)::text as n from ${table}`);
    counts[table] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}
