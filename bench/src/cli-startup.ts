/**
 * How long a `shoal` command takes from the shell's point of view: the whole process, start to
 * exit, as `hyperfine` measures it. `./shoal version` (no server) and `./shoal job list` against a
 * running orchestrator holding a few jobs, each run BENCH_RUNS times after two warm-up runs; the
 * median and the 90th percentile against the goal. The bench builds the bundle first when it is
 * missing or older than a source (the form `./shoal` runs when it is up to date; setup builds it
 * too), and says what `./shoal` ran after the runs: the bundle's startup snapshot, the bundle
 * without one, or the TypeScript sources when a source was edited meanwhile (the figures are then
 * not the bundle's).
 *
 * When NODE_EXTRA_CA_CERTS is set, both commands are measured again without it: node parses that
 * file at every start, before any of Shoal's code runs, unless (as `./shoal` does for client
 * commands) the variable is deferred to the first TLS connection.
 *
 *   pnpm --filter @shoal/bench bench:cli          BENCH_RUNS=20 (default)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '@shoal/testkit';
import { positiveIntEnv } from './env.js';
import { percentile, submitAll } from './jobs-client.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

const RUNS = positiveIntEnv('BENCH_RUNS', 20);
const GOAL_MS = 150;
const shoal = fileURLToPath(new URL('../../shoal', import.meta.url));
const bundler = fileURLToPath(new URL('../../apps/cli/scripts/bundle.mjs', import.meta.url));

/** What `./shoal` would run for a client command right now (it says so when traced). */
function whatRuns(): 'snapshot' | 'bundle' | 'sources' {
  const traced = spawnSync('bash', ['-x', shoal, 'version'], { encoding: 'utf8' });
  if (/exec node .*--snapshot-blob .*apps\/cli\/bundle\/client\.blob/.test(traced.stderr)) return 'snapshot';
  return /exec node .*apps\/cli\/bundle\/main\.js/.test(traced.stderr) ? 'bundle' : 'sources';
}
const RAN = {
  snapshot: 'the startup snapshot of the bundle (apps/cli/bundle/client.blob)',
  bundle: 'the bundle (apps/cli/bundle), without a startup snapshot',
  sources: 'the TypeScript sources by the end: a source changed during the runs, measure again',
};

function time(args: readonly string[], env: NodeJS.ProcessEnv): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const run = spawnSync(shoal, args, { env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`shoal ${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
    if (i >= 2) times.push(ms);
  }
  return times.sort((a, b) => a - b);
}

const report = (what: string, times: number[]) => {
  const median = percentile(times, 0.5);
  console.log(
    `${what}: median ${median.toFixed(0)} ms, p90 ${percentile(times, 0.9).toFixed(0)} ms over ${RUNS} runs ` +
      `(goal median ≤ ${GOAL_MS} ms: ${median <= GOAL_MS ? 'met' : 'not met'})`,
  );
};

// Only when `./shoal` would not run it: a rebuild replaces the files of every `./shoal` running from
// it. And before the orchestrator starts, which runs from it too.
if (whatRuns() === 'sources') {
  const built = spawnSync(process.execPath, [bundler], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`building the bundle failed: exit ${built.status}`);
}
const dir = await makeTempDir('shoal-bench-cli-');
const orchestrator = await startOrchestratorProcess({ dataDir: join(dir.path, 'orchestrator') });
try {
  const job = { Name: 'cli', Type: 'batch', Count: 1, Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] };
  await submitAll(orchestrator.url, job, 10, 4);
  const env: NodeJS.ProcessEnv = { ...process.env, SHOAL_API: orchestrator.url };
  // Node reads NODE_EXTRA_CA_CERTS when it starts, whatever the command: with the system's whole
  // CA bundle there (as some machines set it), every process parses each certificate before its
  // first line runs. `./shoal` defers it for client commands (apps/cli/src/deferred-ca.ts);
  // measured both ways, so that a change there shows.
  const { NODE_EXTRA_CA_CERTS: extraCa, ...withoutExtraCa } = env;
  const settings: Array<[string, NodeJS.ProcessEnv]> = [['', env]];
  if (extraCa) settings.push([' without NODE_EXTRA_CA_CERTS', withoutExtraCa]);
  const measured = settings.map(([label, runEnv]) => ({
    label,
    version: time(['version'], runEnv),
    list: time(['job', 'list'], runEnv),
  }));
  console.log(`./shoal ran ${RAN[whatRuns()]}`);
  if (extraCa)
    console.log(`NODE_EXTRA_CA_CERTS is set (${extraCa}): each figure is given with it and without it`);
  for (const { label, version, list } of measured) {
    report(`shoal version${label}`, version);
    report(`shoal job list${label}`, list);
  }
} finally {
  await orchestrator.stop();
  await dir.cleanup();
}
