import { Agent } from 'node:http';
import { ComputeStateType, decodeJson } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { executionsOf, inParallel, type JobRow, listAll, send, TERMINAL_JOB_STATES } from '../jobs-client.js';

/** The orchestrator's API as bench:scale reads it: node counts, request latencies, job accounting. */

const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

/** Nodes the API lists as CONNECTED, a page of 1,000 at a time. */
export async function countConnected(api: string): Promise<number> {
  let count = 0;
  let token = '';
  do {
    const query = `filter-status=CONNECTED&limit=1000${token ? `&next_token=${token}` : ''}`;
    const res = await send('GET', new URL(`${api}/api/v1/orchestrator/nodes?${query}`), keepAlive);
    if (res.status !== 200) throw new Error(`list nodes: ${res.status} ${res.text.slice(0, 200)}`);
    const page = decodeJson(res.text) as { Nodes: unknown[]; NextToken: string };
    count += page.Nodes.length;
    token = page.NextToken;
  } while (token);
  return count;
}

/** `<n> CONNECTED`, or why the API did not say: for progress lines, where a refusal is news. */
export function connectedNow(api: string): Promise<string> {
  return countConnected(api).then(
    (n) => `${n} CONNECTED`,
    (error: unknown) => `unanswered (${(error as Error).message.slice(0, 90)})`,
  );
}

export interface Timings {
  /** Milliseconds of the requests answered 200, sorted. */
  ok: number[];
  /** The others, by status. */
  refused: Map<number, number>;
}

/** `n` GETs of `path`, `concurrency` at a time, each timed. */
export async function timeGets(api: string, path: string, n: number, concurrency: number): Promise<Timings> {
  const url = new URL(`${api}${path}`);
  const out: Timings = { ok: [], refused: new Map() };
  await inParallel(n, concurrency, async (_i, agent) => {
    const started = performance.now();
    const res = await send('GET', url, agent);
    if (res.status === 200) out.ok.push(performance.now() - started);
    else out.refused.set(res.status, (out.refused.get(res.status) ?? 0) + 1);
  });
  out.ok.sort((a, b) => a - b);
  return out;
}

export interface Submissions {
  /** JobIDs of the submissions answered 200. */
  acknowledged: string[];
  /** The others by HTTP status, or by the socket's error code when no answer came. */
  refused: Map<string, number>;
}

/** `n` PUTs of `job`, `concurrency` in flight; every answer is kept, none throws. */
export async function submitJobs(
  api: string,
  job: object,
  n: number,
  concurrency: number,
): Promise<Submissions> {
  const url = new URL(`${api}/api/v1/orchestrator/jobs`);
  const body = JSON.stringify({ Job: job });
  const out: Submissions = { acknowledged: [], refused: new Map() };
  await inParallel(n, concurrency, async (_i, agent) => {
    const res = await send('PUT', url, agent, body).catch((error: NodeJS.ErrnoException) => ({
      status: `no answer: ${error.code ?? error.message}`,
      text: '',
    }));
    if (res.status === 200) out.acknowledged.push((decodeJson(res.text) as { JobID: string }).JobID);
    else out.refused.set(String(res.status), (out.refused.get(String(res.status)) ?? 0) + 1);
  });
  return out;
}

/** A noop batch job labelled `bench=<label>`; `delay` keeps its run going that long on its node. */
export function noopJob(label: string, delay?: string): object {
  const Params = { Stdout: 'ok', ...(delay === undefined ? {} : { Delay: delay }) };
  return {
    Type: 'batch',
    Labels: { bench: label },
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params } }],
  };
}

export interface RunAccount {
  acknowledged: number;
  /** Acknowledged jobs the API lists. */
  stored: number;
  /** One execution Completed, and one run started on the nodes. */
  ranOnce: number;
  /** More than one execution completed, or the simulator started more than one run. */
  duplicates: number;
  /** No completed execution. */
  lost: number;
  /** Jobs listed that nobody acknowledged (an answer lost on the way). */
  unacknowledged: number;
  /** Jobs with more than one execution (a bid refused or retried elsewhere), whether or not it ran twice. */
  retried: number;
}

/** Whether every acknowledged job labelled `label` is stored and ran exactly once. */
export async function accountRuns(
  api: string,
  label: string,
  acknowledged: readonly string[],
  simRuns: ReadonlyMap<string, number>,
): Promise<RunAccount> {
  const listed = new Set((await listAll(api, label)).map((j) => j.ID));
  const mine = new Set(acknowledged);
  const stored = acknowledged.filter((id) => listed.has(id));
  const executions = await executionsOf(api, stored);
  const account = { acknowledged: acknowledged.length, stored: stored.length, ranOnce: 0, duplicates: 0 };
  let lost = acknowledged.length - stored.length;
  let retried = 0;
  for (const id of stored) {
    const all = executions.get(id) ?? [];
    const completed = all.filter((e) => e.ComputeState.StateType === ComputeStateType.Completed).length;
    const runs = simRuns.get(id) ?? 0;
    if (all.length > 1) retried++;
    if (completed > 1 || runs > 1) account.duplicates++;
    else if (completed === 0) lost++;
    else if (runs === 1) account.ranOnce++;
  }
  const unacknowledged = [...listed].filter((id) => !mine.has(id)).length;
  return { ...account, lost, unacknowledged, retried };
}

/**
 * Polls until at least `count` jobs labelled `bench=<label>` are listed and all are terminal.
 * At least, not exactly: a submission whose answer was lost may still have made a job.
 */
export function waitTerminal(
  api: string,
  label: string,
  count: number,
  timeoutMs: number,
): Promise<JobRow[]> {
  return waitFor(
    async () => {
      const all = await listAll(api, label);
      const done = all.length >= count && all.every((j) => TERMINAL_JOB_STATES.includes(j.State.StateType));
      return done ? all : undefined;
    },
    { timeoutMs, intervalMs: 500, message: `${count} ${label} jobs to finish` },
  );
}
