import type { JobRow } from '../jobs-client.js';
import { figure, note, seconds, verdict } from './report.js';
import {
  accountRuns,
  noopJob,
  type RunAccount,
  type Submissions,
  submitJobs,
  waitTerminal,
} from './scale-api.js';
import type { ScaleSystem } from './system.js';

/** Figures 3 and 4: placement among N nodes, and a burst of concurrent submissions. */

export interface JobsConfig {
  nodes: number;
  jobs: number;
  burst: number;
  timeoutMs: number;
}

/** Noop jobs, 32 submissions in flight, until every one is Completed; placements/s. */
export async function placement(sys: ScaleSystem, c: JobsConfig): Promise<void> {
  const started = performance.now();
  const sent = await submitJobs(sys.api, noopJob('scale-place'), c.jobs, 32);
  printRefusals(sent);
  const jobs = await waitTerminal(sys.api, 'scale-place', sent.acknowledged.length, c.timeoutMs);
  const took = performance.now() - started;
  const completed = jobs.filter((j) => j.State.StateType === 'Completed').length;
  const rate = completed / spanSeconds(jobs);
  figure(
    `${c.jobs} noop jobs placed among ${c.nodes} nodes`,
    '',
    `${refusedPrefix(sent)}completed ${completed} of ${sent.acknowledged.length} acknowledged in ${seconds(took)}; ${rate.toFixed(0)} placements/s (first submit → last completion)`,
  );
}

/**
 * `burst` submissions all in flight at once. Each acknowledged job must be stored and run exactly
 * once: counted from the API (its executions, the Completed ones) and from the simulator (runs
 * started per job), which would see a second run the API had overwritten.
 */
export async function burst(sys: ScaleSystem, c: JobsConfig): Promise<void> {
  const started = performance.now();
  const sent = await submitJobs(sys.api, noopJob('scale-burst'), c.burst, c.burst);
  const answered = performance.now() - started;
  note(`${c.burst} PUTs answered in ${seconds(answered)}`);
  printRefusals(sent);
  await waitTerminal(sys.api, 'scale-burst', sent.acknowledged.length, c.timeoutMs);
  const account = await accountRuns(
    sys.api,
    'scale-burst',
    sent.acknowledged,
    await sys.sim.call({ op: 'runs' }),
  );
  figure(
    `${c.burst} concurrent submissions`,
    'every acknowledged job stored, ran once',
    describeAccount(account),
  );
}

/** "acknowledged 1000, stored 1000, ran once 1000, duplicates 0, lost 0: met". */
export function describeAccount(a: RunAccount): string {
  const ok = a.stored === a.acknowledged && a.ranOnce === a.acknowledged && a.duplicates === 0;
  const extra = [
    a.unacknowledged > 0 ? `, stored without an answer ${a.unacknowledged}` : '',
    a.retried > 0 ? `, with more than one execution ${a.retried}` : '',
  ].join('');
  return `acknowledged ${a.acknowledged}, stored ${a.stored}, ran once ${a.ranOnce}, duplicates ${a.duplicates}, lost ${a.lost}${extra}: ${verdict(ok)}`;
}

export function printRefusals(sent: Submissions): void {
  if (sent.refused.size === 0) return;
  const parts = [...sent.refused].map(([status, n]) => `${n} × ${status}`);
  note(`refused: ${parts.join(', ')}`);
}

/** "refused 844 (503); " when any were: a goal met on a few acknowledged jobs must say so. */
function refusedPrefix(sent: Submissions): string {
  const refused = [...sent.refused.values()].reduce((a, b) => a + b, 0);
  const statuses = [...sent.refused.keys()].join(', ');
  return refused === 0 ? '' : `refused ${refused} (${statuses}); `;
}

/** Server time from the first job's creation to the last job's last change, in seconds. */
function spanSeconds(jobs: readonly JobRow[]): number {
  let first: bigint | undefined;
  let last = 0n;
  for (const job of jobs) {
    if (first === undefined || job.CreateTime < first) first = job.CreateTime;
    if (job.ModifyTime > last) last = job.ModifyTime;
  }
  return Number(last - (first ?? last)) / 1e9 || Number.NaN;
}
