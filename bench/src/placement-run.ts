/**
 * One measured run of bench:placement's load: `jobs` noop batch jobs, `concurrency` submissions in
 * flight, waited for until every one is terminal. Shared by bench:placement and
 * bench:placement-stored so that the two measure, and print, exactly the same thing.
 *
 * Placements/s is the jobs completed over first submission → last completion, from the server's
 * timestamps (job CreateTime and ModifyTime): each placement runs to completion, and the client's
 * own polling does not widen the span.
 */
import { type JobRow, percentile, retriedNote, submitAll, waitAllTerminal } from './jobs-client.js';

export interface PlacementRun {
  jobs: number;
  submitS: number;
  retried: number;
  completed: number;
  failed: number;
  spanS: number;
  /** Completed jobs per second of the span. */
  rate: number;
  /** submit → Completed per completed job, ms, ascending. */
  latenciesMs: number[];
}

/** A noop batch job labelled `bench=<label>`, by which the run lists its own jobs. */
export const noopJob = (label: string) => ({
  Type: 'batch',
  Labels: { bench: label },
  Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'ok' } } }],
});

export async function runPlacement(
  api: string,
  options: { label: string; jobs: number; concurrency: number },
): Promise<PlacementRun> {
  const started = performance.now();
  const retried = await submitAll(api, noopJob(options.label), options.jobs, options.concurrency);
  const submitS = (performance.now() - started) / 1000;
  const jobs = await waitAllTerminal(api, options.label, options.jobs, { timeoutMs: 600_000 });
  const completed = jobs.filter((j) => j.State.StateType === 'Completed');
  const latenciesMs = completed.map((j) => Number(j.ModifyTime - j.CreateTime) / 1e6).sort((a, b) => a - b);
  const spanS = span(jobs);
  return {
    jobs: options.jobs,
    submitS,
    retried,
    completed: completed.length,
    failed: jobs.length - completed.length,
    spanS,
    rate: completed.length / spanS,
    latenciesMs,
  };
}

/** Seconds from the first job's creation to the last job's last change. */
function span(jobs: readonly JobRow[]): number {
  // biome-ignore lint/complexity/useMathMinMax: the times are bigint, which Math.min cannot take.
  const first = jobs.reduce((m, j) => (j.CreateTime < m ? j.CreateTime : m), jobs[0]?.CreateTime ?? 0n);
  // biome-ignore lint/complexity/useMathMinMax: the times are bigint, which Math.max cannot take.
  const last = jobs.reduce((m, j) => (j.ModifyTime > m ? j.ModifyTime : m), 0n);
  return Number(last - first) / 1e9;
}

/** The run's three lines: submission, completions and rate, latency percentiles. */
export function printPlacementRun(run: PlacementRun, agents: number): void {
  const lat = run.latenciesMs;
  console.log(
    `${run.jobs} noop jobs, ${agents} agents: submitted in ${run.submitS.toFixed(1)} s (${(run.jobs / run.submitS).toFixed(0)} jobs/s)${retriedNote(run.retried)}`,
  );
  console.log(
    `completed ${run.completed}, failed ${run.failed}; first submit → last completion ${run.spanS.toFixed(1)} s = ${run.rate.toFixed(0)} placements/s (each placement runs to completion)`,
  );
  console.log(
    `submit → Completed: p50 ${percentile(lat, 0.5).toFixed(0)} ms, p90 ${percentile(lat, 0.9).toFixed(0)} ms, p99 ${percentile(lat, 0.99).toFixed(0)} ms, max ${(lat.at(-1) ?? 0).toFixed(0)} ms`,
  );
}
