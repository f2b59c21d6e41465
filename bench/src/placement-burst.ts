/**
 * Benchmark: the scheduler's placement rate, Nomad-style (a placement is the decision to run a
 * job's execution on a node). N noop batch jobs wait Queued while the 10 agents are connected but
 * not yet approved (`--node-approval manual`); approving the nodes releases them all at once, and the
 * orchestrator places them as fast as it can while the agents bid on, run and report the earlier
 * ones. Placements/s is N over the span of the executions' creation times; the run to completion
 * is reported too. Compare bench:placement, which paces submissions and counts completions.
 *
 * BENCH_JOBS (default 5000) and BENCH_AGENTS (10).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:placement-burst
 */
import { waitFor } from '@shoal/testkit';
import { startBenchCluster } from './bench-cluster.js';
import { printCpu, startCpuAccount } from './cpu.js';
import { positiveIntEnv } from './env.js';
import {
  executionsOf,
  inParallel,
  listAll,
  percentile,
  retriedNote,
  send,
  submitAll,
  waitAllTerminal,
} from './jobs-client.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 5_000);
const AGENTS = positiveIntEnv('BENCH_AGENTS', 10);

async function main(): Promise<void> {
  const cluster = await startBenchCluster({
    name: 'burst',
    agents: AGENTS,
    orchestratorArgs: ['--node-approval', 'manual'],
  });
  const { api, nodes } = cluster;
  try {
    const job = {
      Type: 'batch',
      Labels: { bench: 'burst' },
      Tasks: [
        {
          Name: 'main',
          Engine: { Type: 'noop', Params: { Stdout: 'ok' } },
          Timeouts: { QueueTimeout: 3600 },
        },
      ],
    };
    const retried = await submitAll(api, job, JOBS, 64);
    if (retried > 0) console.log(`submitted ${JOBS} jobs${retriedNote(retried)}`);
    await waitFor(async () => (await listAll(api, 'burst')).every((j) => j.State.StateType === 'Queued'), {
      timeoutMs: 300_000,
      intervalMs: 500,
      message: 'the jobs were not all Queued',
    });

    const cpu = startCpuAccount(cluster.cpuParts());
    const approve = JSON.stringify({ Action: 'approve', Message: 'burst' });
    await inParallel(nodes.length, nodes.length, async (i, agent) => {
      const url = new URL(`${api}/api/v1/orchestrator/nodes/${nodes[i]?.Info.NodeID}`);
      const res = await send('PUT', url, agent, approve);
      if (res.status !== 200) throw new Error(`approve: ${res.status} ${res.text}`);
    });
    const jobs = await waitAllTerminal(api, 'burst', JOBS, { timeoutMs: 600_000 });
    const parts = cpu.finish();

    // When each job's first execution was created: the moment it was placed.
    const executions = await executionsOf(
      api,
      jobs.map((j) => j.ID),
    );
    const placedAt = [...executions.values()].flatMap((e) => (e[0] ? [e[0].CreateTime] : []));
    placedAt.sort((a, b) => (a < b ? -1 : 1));
    const start = placedAt[0] ?? 0n;
    const placeSpan = Number((placedAt.at(-1) ?? 0n) - start) / 1e9;
    const completed = jobs.filter((j) => j.State.StateType === 'Completed');
    // biome-ignore lint/complexity/useMathMinMax: the times are bigint, which Math.max cannot take.
    const done = jobs.reduce((m, j) => (j.ModifyTime > m ? j.ModifyTime : m), 0n);
    const doneSpan = Number(done - start) / 1e9;
    const waits = completed.map((j) => Number(j.ModifyTime - start) / 1e6).sort((a, b) => a - b);
    console.log(
      `${JOBS} queued noop jobs released onto ${AGENTS} agents: placed ${placedAt.length} in ${placeSpan.toFixed(1)} s = ${(placedAt.length / placeSpan).toFixed(0)} placements/s`,
    );
    console.log(
      `completed ${completed.length}, failed ${jobs.length - completed.length}; first placement → last completion ${doneSpan.toFixed(1)} s = ${(completed.length / doneSpan).toFixed(0)} completions/s; completed after p50 ${percentile(waits, 0.5).toFixed(0)} ms, p99 ${percentile(waits, 0.99).toFixed(0)} ms`,
    );
    printCpu(parts, completed.length, 'completed job');
    console.log(`target (>= 2000 placements/s): ${placedAt.length / placeSpan >= 2000 ? 'met' : 'NOT met'}`);
  } finally {
    await cluster.stop();
  }
}

await main();
