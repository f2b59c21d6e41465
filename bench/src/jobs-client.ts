import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJson } from '@shoal/models';
import { waitFor } from '@shoal/testkit';

/** What the benchmarks read of a job. */
export interface JobRow {
  ID: string;
  State: { StateType: string; Message: string };
  CreateTime: bigint;
  ModifyTime: bigint;
}

/** What the benchmarks read of an execution; StateType is the compute state's wire number. */
export interface ExecutionRow {
  NodeID: string;
  CreateTime: bigint;
  /** For an ended execution: when its end was recorded. */
  ModifyTime: bigint;
  ComputeState: { StateType: number; Message: string };
}

/** Job states that never change again. */
export const TERMINAL_JOB_STATES: readonly string[] = ['Completed', 'Failed', 'Stopped'];

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** Every job with the label `bench=<value>`, a page of 1,000 at a time. */
export async function listAll(api: string, bench: string): Promise<JobRow[]> {
  const out: JobRow[] = [];
  let token = '';
  do {
    const query = `limit=1000&labels=bench%3D${bench}${token ? `&next_token=${token}` : ''}`;
    const res = await fetch(`${api}/api/v1/orchestrator/jobs?${query}`);
    const page = decodeJson(await res.text()) as { Jobs: JobRow[]; NextToken: string };
    out.push(...page.Jobs);
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * Polls until `count` jobs labelled `bench=<bench>` exist and every one is terminal; `onPoll` sees
 * each listing (progress lines). Throws WaitTimeoutError after `timeoutMs`.
 *
 * Every 2 s: each poll lists every job, spec and all, and the orchestrator and this process (where
 * the benchmarks' agents run) pay for it while they work, which the anchor does not. Polling every
 * 500 ms held bench:queue-drain at 0.68× graphile-worker where every 2 s gave 0.77× and 0.79× (one
 * sitting, alternated). The rates do not depend on the interval: they are measured between the
 * jobs' own server timestamps.
 */
export function waitAllTerminal(
  api: string,
  bench: string,
  count: number,
  options: { timeoutMs: number; onPoll?: (jobs: JobRow[]) => void },
): Promise<JobRow[]> {
  return waitFor(
    async () => {
      const all = await listAll(api, bench);
      options.onPoll?.(all);
      return all.length === count && all.every((j) => TERMINAL_JOB_STATES.includes(j.State.StateType))
        ? all
        : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 2_000, message: `${count} ${bench} jobs to finish` },
  );
}

/** Each job's executions, oldest first, fetched `concurrency` at a time. */
export async function executionsOf(
  api: string,
  jobIds: readonly string[],
  concurrency = 32,
): Promise<Map<string, ExecutionRow[]>> {
  const out = new Map<string, ExecutionRow[]>();
  await inParallel(jobIds.length, concurrency, async (i, agent) => {
    const id = jobIds[i] as string;
    const res = await send(
      'GET',
      new URL(`${api}/api/v1/orchestrator/jobs/${id}/executions?limit=1000`),
      agent,
    );
    const page = decodeJson(res.text) as { Executions: ExecutionRow[] };
    out.set(
      id,
      page.Executions.sort((a, b) => (a.CreateTime < b.CreateTime ? -1 : 1)),
    );
  });
  return out;
}

/**
 * One request over a kept-alive connection. node:http rather than fetch: the client shares its
 * process (and the machine's two cores) with the agents, and fetch costs several times more CPU
 * per request, which the system under test would pay for.
 */
export function send(
  method: 'GET' | 'PUT',
  url: URL,
  agent: Agent,
  body?: string,
): Promise<{ status: number; text: string; retryAfterS?: number }> {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const retryAfterS = Number(res.headers['retry-after']);
        resolve({
          status: res.statusCode ?? 0,
          text,
          ...(Number.isFinite(retryAfterS) ? { retryAfterS } : {}),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `task(i)` for i in 0..n-1, `concurrency` at a time, over one kept-alive pool. */
export async function inParallel(
  n: number,
  concurrency: number,
  task: (i: number, agent: Agent) => Promise<void>,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(n, concurrency) }, async () => {
        while (next < n) await task(next++, agent);
      }),
    );
  } finally {
    agent.destroy();
  }
}

/** How long one submission keeps retrying 503s before the benchmark gives up. */
const RETRY_FOR_MS = 120_000;

/**
 * Submits `n` copies of a job, `concurrency` requests in flight, and returns how many answers
 * were 503s that it retried; throws on any other refusal. The API answers 503 (with Retry-After)
 * when the store does not answer within its deadline, as it may on a loaded machine; each
 * submission carries an IdempotencyToken so that a retry of one whose write did commit makes no
 * second job, as a careful client does.
 */
export async function submitAll(api: string, job: object, n: number, concurrency: number): Promise<number> {
  const url = new URL(`${api}/api/v1/orchestrator/jobs`);
  const run = randomUUID();
  let retried = 0;
  await inParallel(n, concurrency, async (i, agent) => {
    const body = JSON.stringify({ Job: job, IdempotencyToken: `${run}-${i}` });
    const giveUp = performance.now() + RETRY_FOR_MS;
    for (;;) {
      const res = await send('PUT', url, agent, body);
      if (res.status === 200) return;
      if (res.status !== 503 || performance.now() > giveUp)
        throw new Error(`submit: ${res.status} ${res.text}`);
      retried++;
      await sleep((res.retryAfterS ?? 1) * 1000);
    }
  });
  return retried;
}

/** ", N answers were 503 and retried" for a submission line, or nothing. */
export const retriedNote = (retried: number) =>
  retried > 0 ? `; ${retried} answers were 503 (store busy) and retried` : '';
