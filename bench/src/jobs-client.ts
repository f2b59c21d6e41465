import { Agent, request } from 'node:http';
import { decodeJson } from '@shoal/models';

/** What the placement benchmarks read of a job. */
export interface JobRow {
  ID: string;
  State: { StateType: string };
  CreateTime: bigint;
  ModifyTime: bigint;
}

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
 * One request over a kept-alive connection. node:http rather than fetch: the client shares its
 * process (and the machine's two cores) with the agents, and fetch costs several times more CPU
 * per request, which the system under test would pay for.
 */
export function send(
  method: 'GET' | 'PUT',
  url: URL,
  agent: Agent,
  body?: string,
): Promise<{ status: number; text: string }> {
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
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
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

/** Submits `n` copies of a job, `concurrency` requests in flight; throws on the first refusal. */
export async function submitAll(api: string, job: object, n: number, concurrency: number): Promise<void> {
  const url = new URL(`${api}/api/v1/orchestrator/jobs`);
  const body = JSON.stringify({ Job: job });
  await inParallel(n, concurrency, async (_i, agent) => {
    const res = await send('PUT', url, agent, body);
    if (res.status !== 200) throw new Error(`submit: ${res.status} ${res.text}`);
  });
}
