/**
 * Which SQL statements got slower between two runs of the same load, read from
 * pg_stat_statements: the answer to "why is placement slower with a large store" is usually one
 * statement whose cost grows with the rows stored. Counted for the benchmark's own database
 * only (other work shares this Postgres server, and a reset here leaves its figures alone).
 *
 * Optional: where the server does not load pg_stat_statements the benchmark says so and runs on.
 */
import type pg from 'pg';

export interface StatementStats {
  /** Per statement (pg_stat_statements' queryid): its text, calls and total execution time. */
  rows: Map<string, { query: string; calls: number; totalMs: number }>;
  /** The units of work the statements served (placements), to compare runs of different sizes. */
  units: number;
}

const OWN_DATABASE = '(select oid from pg_database where datname = current_database())';

/** Creates the extension in this database and zeroes its figures; false when it is not available. */
export async function resetStatementStats(client: pg.Client): Promise<boolean> {
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query(`select pg_stat_statements_reset(0, ${OWN_DATABASE}, 0)`);
    return true;
  } catch (error) {
    console.log(
      `pg_stat_statements: not available here (${(error as Error).message}); statements not compared`,
    );
    return false;
  }
}

/** The figures since the last reset, for `units` units of work. */
export async function readStatementStats(client: pg.Client, units: number): Promise<StatementStats> {
  const result = await client.query<{ queryid: string; query: string; calls: string; total: number }>(
    `select queryid::text, query, calls::text, total_exec_time as total
     from pg_stat_statements where dbid = ${OWN_DATABASE} and toplevel`,
  );
  const rows: StatementStats['rows'] = new Map();
  for (const r of result.rows)
    rows.set(r.queryid, { query: r.query, calls: Number(r.calls), totalMs: r.total });
  return { rows, units };
}

/**
 * The `top` statements whose slower calls cost most per unit of work in `after`: (mean time per
 * call after − before) × calls per unit after. Ranking by the mean rather than by total time keeps
 * out the statements that merely ran more often (writes are grouped differently from run to run),
 * which is not what a larger store changes. One line each: that cost, the mean per call and the
 * calls per unit in both runs.
 */
export function printGrowth(before: StatementStats, after: StatementStats, top = 5): void {
  const mean = (s: { calls: number; totalMs: number }) => (s.calls === 0 ? 0 : s.totalMs / s.calls);
  const perUnit = (calls: number, s: StatementStats) => calls / Math.max(s.units, 1);
  const grown = [...after.rows].map(([id, a]) => {
    const b = before.rows.get(id) ?? { calls: 0, totalMs: 0 };
    return { a, b, cost: (mean(a) - mean(b)) * perUnit(a.calls, after) };
  });
  grown.sort((x, y) => y.cost - x.cost);
  console.log('statements whose slower calls cost most per placement (pg_stat_statements):');
  for (const { a, b, cost } of grown.slice(0, top)) {
    const text = a.query.replace(/\s+/g, ' ').slice(0, 160);
    console.log(
      `  ${cost >= 0 ? '+' : ''}${cost.toFixed(3)} ms/placement: mean ${mean(b).toFixed(3)} → ${mean(a).toFixed(3)} ms, ` +
        `calls/placement ${perUnit(b.calls, before).toFixed(2)} → ${perUnit(a.calls, after).toFixed(2)}: ${text}`,
    );
  }
}
