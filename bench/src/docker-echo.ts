/**
 * Benchmark: the headline. One busybox `echo hello` as a Shoal job (orchestrator process on
 * Postgres, one docker agent) versus `docker run --rm <image> echo hello` (the docker CLI), in
 * pairs, interleaved in one run so both see the same machine. Shoal's time is submit → the job
 * is Completed (polled every few ms), its output checked afterwards; docker's is the CLI's
 * wall time. Prints both medians and their ratio; the target is ≤ 1.10.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:docker
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RunningAgent, startAgent } from '@shoal/agent';
import { decodeJson } from '@shoal/models';
import {
  createTestDatabase,
  ensureTestImage,
  makeTempDir,
  startNatsServer,
  testImageName,
} from '@shoal/testkit';
import { waitForConnectedNode } from './bench-cluster.js';
import { positiveIntEnv } from './env.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

const PAIRS = Math.max(20, positiveIntEnv('BENCH_PAIRS', 20));
const WARMUP = 2;
const POLL_MS = 10;
const run = promisify(execFile);

interface JobView {
  State: { StateType: string; Message: string };
  CreateTime: bigint;
  ModifyTime: bigint;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function dockerRun(image: string): Promise<number> {
  const started = performance.now();
  const { stdout } = await run('docker', ['run', '--rm', image, 'echo', 'hello']);
  const took = performance.now() - started;
  if (stdout !== 'hello\n') throw new Error(`docker run printed ${JSON.stringify(stdout)}`);
  return took;
}

async function shoalRun(api: string, image: string): Promise<{ wall: number; server: number }> {
  const body = JSON.stringify({
    Job: {
      Type: 'batch',
      Labels: { bench: 'docker-echo' },
      Tasks: [
        { Name: 'main', Engine: { Type: 'docker', Params: { Image: image, Parameters: ['echo', 'hello'] } } },
      ],
    },
  });
  const started = performance.now();
  const res = await fetch(`${api}/api/v1/orchestrator/jobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (res.status !== 200) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const { JobID } = (await res.json()) as { JobID: string };
  let job: JobView;
  for (;;) {
    const got = await fetch(`${api}/api/v1/orchestrator/jobs/${JobID}`);
    job = (decodeJson(await got.text()) as { Job: JobView }).Job;
    if (['Completed', 'Failed', 'Stopped'].includes(job.State.StateType)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const wall = performance.now() - started;
  if (job.State.StateType !== 'Completed')
    throw new Error(`job ${JobID}: ${job.State.StateType} ${job.State.Message}`);
  const listed = await fetch(`${api}/api/v1/orchestrator/jobs/${JobID}/executions`);
  const { Executions } = (await listed.json()) as { Executions: Array<{ RunOutput?: { stdout: string } }> };
  const stdout = Executions[0]?.RunOutput?.stdout;
  if (stdout !== 'hello\n') throw new Error(`job ${JobID} printed ${JSON.stringify(stdout)}`);
  return { wall, server: Number(job.ModifyTime - job.CreateTime) / 1e6 };
}

async function main(): Promise<void> {
  const image = await ensureTestImage(undefined, testImageName());
  const db = await createTestDatabase({ prefix: 'shoal_bench_docker' });
  const nats = await startNatsServer();
  const dir = await makeTempDir('shoal-bench-docker-');
  const orchestrator = await startOrchestratorProcess({
    dbUrl: db.url,
    dataDir: `${dir.path}/o`,
    natsUrl: nats.url,
  });
  const api = orchestrator.url;
  let agent: RunningAgent | undefined;
  try {
    agent = await startAgent({
      natsUrl: nats.url,
      name: `bench-docker-${process.pid}`,
      dataDir: `${dir.path}/a`,
      engines: 'docker',
      cpu: '2',
      memory: '4Gi',
      disk: '10Gi',
      logLevel: 'warn',
    });
    await waitForConnectedNode(api, 'the docker agent to connect');

    for (let i = 0; i < WARMUP; i++) {
      await shoalRun(api, image);
      await dockerRun(image);
    }
    const shoal: number[] = [];
    const server: number[] = [];
    const docker: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Alternate who goes first, so neither always runs on a warmer machine.
      const pair = i % 2 === 0 ? ['shoal', 'docker'] : ['docker', 'shoal'];
      for (const who of pair) {
        if (who === 'docker') docker.push(await dockerRun(image));
        else {
          const r = await shoalRun(api, image);
          shoal.push(r.wall);
          server.push(r.server);
        }
      }
    }
    const s = median(shoal);
    const d = median(docker);
    console.log(`${PAIRS} pairs of busybox \`echo hello\`, interleaved (after ${WARMUP} warm-up pairs)`);
    console.log(
      `shoal  submit → Completed: median ${s.toFixed(0)} ms (server CreateTime → ModifyTime ${median(server).toFixed(0)} ms), min ${Math.min(...shoal).toFixed(0)} ms, max ${Math.max(...shoal).toFixed(0)} ms`,
    );
    console.log(
      `docker run --rm:          median ${d.toFixed(0)} ms, min ${Math.min(...docker).toFixed(0)} ms, max ${Math.max(...docker).toFixed(0)} ms`,
    );
    console.log(
      `ratio shoal / docker: ${(s / d).toFixed(3)} (target <= 1.10: ${s / d <= 1.1 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await agent?.stop();
    await orchestrator.stop();
    await nats.stop();
    await db.drop();
    await dir.cleanup();
  }
}

await main();
