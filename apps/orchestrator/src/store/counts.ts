import { sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { rowsOf } from './recordset.js';
import { evaluations, jobs, nodes } from './schema.js';
import type { CountsRepo, StoreCounts } from './types.js';

/**
 * Counts for the metrics endpoint, in one statement: jobs by state and type, nodes by membership
 * and connection, pending evaluations. The job count reads every job row (an index-only scan at
 * best), so its caller reads it at most once every second or two whatever the scrape rate.
 */
export function countsRepo({ db }: Handle): CountsRepo {
  return {
    async summary() {
      const rows = rowsOf<{ kind: string; a: string; b: string; n: number | string }>(
        await db.execute(sql`
          select 'job' as kind, ${jobs.state} as a, ${jobs.type} as b, count(*)::int as n
            from ${jobs} group by ${jobs.state}, ${jobs.type}
          union all
          select 'node', ${nodes.membership}, ${nodes.connection}, count(*)::int
            from ${nodes} group by ${nodes.membership}, ${nodes.connection}
          union all
          select 'evaluation', '', '', count(*)::int from ${evaluations} where ${evaluations.status} = 'pending'`),
      );
      const counts: StoreCounts = { jobs: [], nodes: [], pendingEvaluations: 0 };
      for (const { kind, a, b, n } of rows) {
        const count = Number(n);
        if (kind === 'job') counts.jobs.push({ state: a, type: b, count });
        else if (kind === 'node') counts.nodes.push({ membership: a, connection: b, count });
        else counts.pendingEvaluations = count;
      }
      return counts;
    },
  };
}
