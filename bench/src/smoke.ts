/**
 * Every benchmark once, at a tiny size, so that none of them rots between the times someone runs
 * it for its numbers. Each runs through its own package script, as a person would run it, one
 * after the other; it passes when it exits 0 and prints the lines that say its jobs all ended
 * well. Its speed is never judged: at these sizes, on a shared machine, it means nothing.
 *
 * Needs what the benchmarks need: Postgres (DATABASE_URL), nats-server and, for bench:docker,
 * Docker with the test image. As with the test suites, a missing service fails the run under
 * CI=true and skips the benchmarks that need it otherwise.
 *
 *   pnpm --filter @shoal/bench bench:smoke
 *
 * Ends with "bench smoke: N passed, N failed" (and ", N skipped").
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isCI, missingServices, type ServiceName } from '@shoal/testkit';

interface Smoke {
  script: string;
  /** The full-size script this one stands for, when it is a benchmark's own small variant. */
  covers?: string;
  env: Record<string, string>;
  needs: readonly ServiceName[];
  /** Lines the output must hold, beyond a clean exit. */
  expect: readonly RegExp[];
}

const JOBS = 20;
const AGENTS = 2;
const sized = { BENCH_JOBS: String(JOBS), BENCH_AGENTS: String(AGENTS) };
const bothRan = [
  new RegExp(`^completed ${JOBS}, failed 0\\b`, 'm'),
  new RegExp(`^graphile-worker: completed ${JOBS}, failed 0\\b`, 'm'),
  /^Shoal \/ graphile-worker: /m,
];

const SMOKES: readonly Smoke[] = [
  {
    script: 'bench:api',
    env: { BENCH_JOBS: String(JOBS), BENCH_GET_RATE: '20', BENCH_DURATION_S: '1', BENCH_WARMUP_S: '1' },
    needs: ['postgres'],
    expect: [/^target \(GET p99/m],
  },
  { script: 'bench:placement', env: sized, needs: ['postgres', 'nats'], expect: bothRan },
  // 2,000 stored jobs: enough to run the bulk copy and both measured runs, written in seconds.
  {
    script: 'bench:placement-stored',
    env: { ...sized, BENCH_STORED_JOBS: '2000', BENCH_WARMUP_JOBS: '10' },
    needs: ['postgres', 'nats'],
    expect: [
      new RegExp(`^completed ${JOBS}, failed 0\\b[\\s\\S]*^completed ${JOBS}, failed 0\\b`, 'm'),
      /^stored \/ empty: /m,
    ],
  },
  {
    script: 'bench:placement-burst',
    env: sized,
    needs: ['postgres', 'nats'],
    expect: [new RegExp(`^completed ${JOBS}, failed 0\\b`, 'm')],
  },
  // A short task and deadline: the run still queues (2 agents hold 8 tasks) but ends in seconds.
  {
    script: 'bench:queue-drain',
    env: { ...sized, BENCH_TASK_MS: '50', BENCH_DEADLINE_S: '120' },
    needs: ['postgres', 'nats'],
    expect: bothRan,
  },
  // bench:scale's own small variant (50 simulated nodes); it ends with its figures table.
  {
    script: 'bench:scale:smoke',
    covers: 'bench:scale',
    env: {},
    needs: ['postgres', 'nats'],
    expect: [/^\| figure \| goal \| measured \|$/m],
  },
  // Its pair count has a floor of 20 (bench/src/docker-echo.ts), so it takes the longest.
  {
    script: 'bench:docker',
    env: {},
    needs: ['postgres', 'nats', 'docker'],
    expect: [/^ratio shoal \/ docker: /m],
  },
  // 8 MB in and out once: the whole S3 path (s3rver, staging, the publisher) without the wait.
  {
    script: 'bench:data',
    env: { BENCH_DATA_MB: '8', BENCH_DATA_ROUNDS: '1' },
    needs: ['postgres', 'nats', 'docker'],
    expect: [/^ratio job \/ plain: /m],
  },
  // A few jobs on each store: the orchestrator and agent processes, their RSS lines printed.
  {
    script: 'bench:memory',
    env: { BENCH_JOBS: String(JOBS) },
    needs: ['postgres', 'nats'],
    expect: [/^PGlite: orchestrator with \d+ jobs stored: \d+ MB RSS/m, /^Postgres: agent idle: \d+ MB RSS/m],
  },
  {
    script: 'bench:cli',
    env: { BENCH_RUNS: '2' },
    needs: ['nats'],
    expect: [/^shoal version: median \d+ ms/m, /^shoal job list: median \d+ ms/m],
  },
];

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs a package script with `env` added, its output shown as it comes and kept. */
function runScript(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', 'run', script], {
      cwd: benchDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

// A benchmark added to the package without a line here would rot unseen: name it.
const scripts = Object.keys(
  (JSON.parse(readFileSync(`${benchDir}/package.json`, 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);
const known = new Set([
  'bench:smoke',
  ...SMOKES.flatMap((s) => (s.covers ? [s.script, s.covers] : [s.script])),
]);
const unknown = scripts.filter((name) => name.startsWith('bench:') && !known.has(name));
if (unknown.length > 0) console.log(`==> not in this smoke run (bench/src/smoke.ts): ${unknown.join(', ')}`);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const smoke of SMOKES) {
  const missing = await missingServices(smoke.needs);
  if (missing.length > 0) {
    const why = missing.map((s) => `${s.service}: ${s.reason} (${s.hint})`).join('; ');
    if (isCI()) {
      console.log(`==> ${smoke.script}: FAILED, ${why}`);
      failed++;
    } else {
      console.log(`==> ${smoke.script}: skipped, ${why} (CI=true would fail instead)`);
      skipped++;
    }
    continue;
  }
  const sizes = Object.entries(smoke.env).map(([k, v]) => `${k}=${v}`);
  console.log(`==> ${smoke.script} ${sizes.join(' ')}`);
  const started = performance.now();
  const { code, output } = await runScript(smoke.script, smoke.env);
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const absent = smoke.expect.filter((line) => !line.test(output));
  if (code === 0 && absent.length === 0) {
    console.log(`==> ${smoke.script}: ok (${took})`);
    passed++;
  } else {
    const why = code !== 0 ? `exit ${code}` : `no line matching ${absent.map(String).join(', ')}`;
    console.log(`==> ${smoke.script}: FAILED, ${why} (${took})`);
    failed++;
  }
}
console.log(`bench smoke: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
