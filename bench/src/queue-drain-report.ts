import { ComputeStateType } from '@shoal/models';
import {
  type ExecutionRow,
  executionsOf,
  type JobRow,
  percentile,
  TERMINAL_JOB_STATES,
} from './jobs-client.js';

/** What bench:queue-drain prints once its jobs have ended (or its deadline passed). */

const STATE_ORDER = ['Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'];
const COMPUTE_NAMES = new Map<number, string>(Object.entries(ComputeStateType).map(([name, n]) => [n, name]));

/** Jobs per state, in lifecycle order. */
export function countStates(jobs: readonly JobRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.State.StateType, (counts.get(j.State.StateType) ?? 0) + 1);
  const rank = (s: string) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length);
  return new Map([...counts].sort(([a], [b]) => rank(a) - rank(b)));
}

/**
 * The five most common messages, each with how many times it was seen; nothing when there are
 * none. Node names are masked (`node drain-7:` → `node …:`) so that one cause on ten nodes reads
 * as one line, not ten.
 */
function printTop(title: string, messages: readonly string[]): void {
  if (messages.length === 0) return;
  const counts = new Map<string, number>();
  for (const raw of messages) {
    const m = raw.replace(/\bnode [\w-]+:/g, 'node …:');
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  console.log(`${title}, most common first:`);
  for (const [m, n] of [...counts].sort(([, a], [, b]) => b - a).slice(0, 5)) {
    console.log(`  ${n} × ${m || '(no message)'}`);
  }
}

const ms = (ns: bigint) => Number(ns) / 1e6;

export interface DrainRun {
  api: string;
  jobs: readonly JobRow[];
  expected: number;
  finished: boolean;
  deadlineS: number;
  wallS: number;
  peakQueued: number;
  /** The most the cluster's capacity allows, in jobs/s, for comparison with the drain rate. */
  boundPerS: number;
  /** Tasks the cluster runs at once, and how long each holds its slot. */
  slots: number;
  taskMs: number;
}

/** Prints the report; returns the drain rate in completed jobs/s. */
export async function printDrainReport(r: DrainRun): Promise<number> {
  printOutcome(r);
  const completedPerS = printTimes(r);
  const executions = await executionsOf(
    r.api,
    r.jobs.map((j) => j.ID),
  );
  printPlacement(r.jobs, executions);
  printExecutions(r.jobs, executions);
  printSlotCycle(r, executions, completedPerS);
  return completedPerS;
}

/**
 * Where a slot's time goes between tasks, from the executions' server times: from an execution's
 * end being recorded to the next one asked of its node (the orchestrator's turn: the report, the
 * wake-up, the placement), and from the ask to the end being recorded (the agent's and the
 * network's turn around the task itself). A slot's mean cycle is slots / rate; what it holds
 * beyond the task is what keeps the drain below the capacity bound.
 */
function printSlotCycle(r: DrainRun, executions: Map<string, ExecutionRow[]>, perS: number): void {
  const done = [...executions.values()]
    .flat()
    .filter((e) => e.ComputeState.StateType === ComputeStateType.Completed);
  if (done.length === 0 || perS === 0) return;
  const byNode = new Map<string, bigint[]>();
  for (const e of done) byNode.set(e.NodeID, [...(byNode.get(e.NodeID) ?? []), e.CreateTime]);
  for (const asks of byNode.values()) asks.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const toNextAsk: number[] = [];
  for (const e of done) {
    const next = byNode.get(e.NodeID)?.find((t) => t > e.ModifyTime);
    if (next !== undefined) toNextAsk.push(ms(next - e.ModifyTime));
  }
  const askToEnd = done.map((e) => ms(e.ModifyTime - e.CreateTime));
  const line = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${percentile(s, 0.5).toFixed(0)}, p90 ${percentile(s, 0.9).toFixed(0)}, p99 ${percentile(s, 0.99).toFixed(0)} ms`;
  };
  const cycle = (1000 * r.slots) / perS;
  console.log(
    `slot cycle: mean ${cycle.toFixed(0)} ms for a ${r.taskMs} ms task (${(cycle - r.taskMs).toFixed(0)} ms around it); end recorded → next ask on its node ${line(toNextAsk)}; ask → end recorded ${line(askToEnd)}`,
  );
}

function printOutcome({ jobs, finished, deadlineS, expected }: DrainRun): void {
  const counts = countStates(jobs);
  const failed = jobs.filter((j) => j.State.StateType === 'Failed');
  console.log(
    `completed ${counts.get('Completed') ?? 0}, failed ${failed.length}, stopped ${counts.get('Stopped') ?? 0}`,
  );
  if (!finished) {
    const open = [...counts].filter(([s]) => !TERMINAL_JOB_STATES.includes(s));
    console.log(
      `NOT DRAINED after the ${deadlineS} s deadline: ${open.map(([s, n]) => `${s} ${n}`).join(', ') || 'none open'}; ${expected - jobs.length} of ${expected} jobs not listed`,
    );
  }
  printTop(
    'failure messages (job state)',
    failed.map((j) => j.State.Message),
  );
}

/** Server timestamps: first submission to the last job's final change. Returns completed/s. */
function printTimes({ jobs, wallS, peakQueued, boundPerS }: DrainRun): number {
  const ended = jobs.filter((j) => TERMINAL_JOB_STATES.includes(j.State.StateType));
  const completed = jobs.filter((j) => j.State.StateType === 'Completed').length;
  // biome-ignore lint/complexity/useMathMinMax: the times are bigint, which Math.min cannot take.
  const first = jobs.reduce((m, j) => (j.CreateTime < m ? j.CreateTime : m), jobs[0]?.CreateTime ?? 0n);
  // biome-ignore lint/complexity/useMathMinMax: the times are bigint, which Math.max cannot take.
  const last = ended.reduce((m, j) => (j.ModifyTime > m ? j.ModifyTime : m), first);
  const spanS = ms(last - first) / 1000;
  console.log(
    `total time ${wallS.toFixed(1)} s (first submit → last job ended ${spanS.toFixed(1)} s); drain rate ${(ended.length / spanS).toFixed(1)} jobs/s ended, ${(completed / spanS).toFixed(1)} completed/s; peak Queued ${peakQueued}`,
  );
  console.log(`capacity bound (every slot always busy): ${boundPerS.toFixed(1)} jobs/s`);
  return completed / spanS;
}

/**
 * A job is placed when the execution that ran is created: its last one, since a bid the node
 * refused is placed again (a job's first execution can be such a refusal, long before it runs).
 */
function printPlacement(jobs: readonly JobRow[], executions: Map<string, ExecutionRow[]>): void {
  const placed = [...jobs]
    .sort((a, b) => (a.CreateTime < b.CreateTime ? -1 : 1))
    .map((job, rank) => ({ job, rank, at: executions.get(job.ID)?.at(-1)?.CreateTime }))
    .filter((p): p is { job: JobRow; rank: number; at: bigint } => p.at !== undefined);
  const waits = placed.map((p) => ms(p.at - p.job.CreateTime)).sort((a, b) => a - b);
  console.log(
    `submit → placement: p50 ${percentile(waits, 0.5).toFixed(0)} ms, p90 ${percentile(waits, 0.9).toFixed(0)} ms, p99 ${percentile(waits, 0.99).toFixed(0)} ms, max ${(waits.at(-1) ?? 0).toFixed(0)} ms; never placed ${jobs.length - waits.length}`,
  );
  // Placed before a job submitted earlier was. Strict: one early job left waiting counts every
  // job placed before it. First come, first served keeps it near zero (a batch's jobs may tie).
  let overtaking = 0;
  let latest = 0n;
  for (const p of placed) {
    if (p.at < latest) overtaking++;
    else latest = p.at;
  }
  // How far each job moved between the submission order and the placement order.
  const byPlacement = [...placed].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.rank - b.rank));
  const moved = byPlacement.map((p, i) => Math.abs(p.rank - i)).sort((a, b) => a - b);
  console.log(
    `placement order vs submission order: ${overtaking} of ${placed.length} jobs placed while an earlier one still waited; moved p50 ${percentile(moved, 0.5)}, p99 ${percentile(moved, 0.99)}, max ${moved.at(-1) ?? 0} places`,
  );
}

function printExecutions(jobs: readonly JobRow[], executions: Map<string, ExecutionRow[]>): void {
  const all = [...executions.values()].flat();
  const name = (e: ExecutionRow) =>
    COMPUTE_NAMES.get(e.ComputeState.StateType) ?? String(e.ComputeState.StateType);
  const states = new Map<string, number>();
  for (const e of all) states.set(name(e), (states.get(name(e)) ?? 0) + 1);
  const retried = [...executions.values()].filter((e) => e.length > 1).length;
  console.log(
    `executions ${all.length} for ${jobs.length} jobs (${retried} jobs had more than one): ${[...states].map(([s, n]) => `${s} ${n}`).join(', ')}`,
  );
  printTop(
    'execution messages other than Completed',
    all.filter((e) => name(e) !== 'Completed').map((e) => e.ComputeState.Message),
  );
}
