/**
 * An anchor for the placement benchmarks: the same work through graphile-worker, a plain
 * Postgres job queue, on the same Postgres server and machine in the same run. Shoal's rate alone
 * says little on a shared 2-core machine whose speed changes from one run to the next; its ratio
 * to a well-known queue measured minutes apart says how much Shoal's distribution (HTTP API,
 * scheduler, NATS, agents) costs over the least a Postgres-backed queue must do.
 *
 * The shape mirrors Shoal's benchmark cluster:
 *  - jobs are added by `concurrency` single `addJob` calls in flight (Shoal: that many
 *    submissions in flight), through one WorkerUtils whose pool has a connection for each, so
 *    every call in flight is a statement in flight;
 *  - each Shoal agent is one graphile-worker runner (`run()`) with its own connection pool and its
 *    own LISTEN connection, like an agent with its own NATS connection, all in this process as
 *    the bench's agents are; `slots[i]` is runner i's concurrency, the jobs it runs at once;
 *  - the task is a noop that waits `taskMs` (the noop engine's Delay), or returns at once.
 *
 * The clock runs from the first add to the moment the last job's result is written back
 * (graphile-worker's `job:complete`, emitted after the row is deleted or marked failed), the way
 * Shoal's span runs from the first submission to the last job's final state. Migrations and the
 * runners' start are done before it starts, as Shoal's agents are connected before its clock.
 *
 * Every run gets a fresh database on the server in DATABASE_URL, dropped at the end. The
 * connection pools are the anchor's own, not graphile-worker's: graphile-worker ends the pools it
 * creates without waiting, and dropping the database under a pool still closing killed the
 * process with an unhandled 'error'. Each pool has the size graphile-worker would give it.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, waitFor } from '@shoal/testkit';
import {
  Logger,
  makeWorkerUtils,
  type Runner,
  run,
  runMigrations,
  type WorkerEvents,
  type WorkerUtils,
} from 'graphile-worker';
import pg from 'pg';
import { type CpuPart, pidsMatching, printCpu, startCpuAccount } from './cpu.js';

export interface AnchorOptions {
  jobs: number;
  /** `addJob` calls in flight. */
  concurrency: number;
  /** One runner per entry, with that concurrency. */
  slots: readonly number[];
  /** How long each job's task waits before it returns; 0 returns at once. */
  taskMs: number;
  /** Gives up after this long (the run then throws). */
  timeoutMs?: number;
}

export interface AnchorResult {
  jobs: number;
  completed: number;
  failed: number;
  seconds: number;
  /** Completed jobs per second, first add → last completion. */
  rate: number;
  cpu: ReturnType<ReturnType<typeof startCpuAccount>['finish']>;
}

const TASK = 'bench_noop';

/**
 * graphile-worker logs each runner's start and stop at info; only its warnings and errors are
 * shown, so the benchmark's own lines stay readable.
 */
const quietLogger = new Logger(() => (level, message) => {
  if (String(level) === 'error' || String(level) === 'warning')
    console.error(`graphile-worker ${level}: ${message}`);
});

export async function runGraphileAnchor(options: AnchorOptions): Promise<AnchorResult> {
  const { jobs, concurrency, slots, taskMs } = options;
  const db = await createTestDatabase({ prefix: 'shoal_bench_graphile' });
  const pools: pg.Pool[] = [];
  // A pool's end() resolves once it has asked its connections to close, not once they have: the
  // drop would then terminate backends still closing, and each would report an error.
  const closed: Promise<void>[] = [];
  const pool = (max: number) => {
    const made = new pg.Pool({ connectionString: db.url, max });
    // An idle connection that fails is dropped by the pool; without a listener it would throw.
    made.on('error', (error) => console.error(`graphile-worker anchor: idle connection: ${error.message}`));
    made.on('connect', (client) => closed.push(new Promise((resolve) => client.once('end', resolve))));
    pools.push(made);
    return made;
  };
  const shared = { logger: quietLogger, noHandleSignals: true } as const;
  const events: WorkerEvents = new EventEmitter();
  const runners: Runner[] = [];
  let utils: WorkerUtils | undefined;
  try {
    await runMigrations({ ...shared, pgPool: pool(1) });

    let completed = 0;
    let failed = 0;
    let lastError: unknown;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    events.on('job:complete', ({ error }) => {
      if (error === undefined || error === null) completed++;
      else {
        failed++;
        lastError = error;
      }
      if (completed + failed === jobs) allDone();
    });
    let listening = 0;
    events.on('pool:listen:success', () => {
      listening++;
    });

    const task = taskMs > 0 ? () => sleep(taskMs) : async () => {};
    for (const n of slots) {
      // A poll interval far above the run's length: jobs reach the workers by LISTEN/NOTIFY,
      // as they do in graphile-worker's normal operation; polling is for future-dated jobs.
      runners.push(
        await run({
          ...shared,
          // graphile-worker's default pool (10) holds a runner's workers and its LISTEN connection.
          pgPool: pool(Math.max(10, n + 1)),
          concurrency: n,
          events,
          pollInterval: 60_000,
          taskList: { [TASK]: task },
        }),
      );
    }
    await waitFor(() => listening >= slots.length, {
      timeoutMs: 30_000,
      message: 'graphile-worker runners did not LISTEN',
    });
    utils = await makeWorkerUtils({ ...shared, pgPool: pool(concurrency) });
    // One round trip before the clock so the pool's first connection is not timed.
    await utils.withPgClient((client) => client.query('select 1'));
    const addUtils = utils;

    const cpu = startCpuAccount(anchorParts(db.name));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(jobs, concurrency) }, async () => {
        while (next < jobs) {
          next++;
          await addUtils.addJob(TASK, {});
        }
      }),
    );
    const timeoutMs = options.timeoutMs ?? 600_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`graphile-worker: ${completed + failed} of ${jobs} jobs ended in ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    const parts = cpu.finish();
    if (failed > 0) console.error(`graphile-worker: ${failed} jobs failed; the last: ${String(lastError)}`);
    return { jobs, completed, failed, seconds, rate: completed / seconds, cpu: parts };
  } finally {
    await utils?.release();
    // A runner that stopped itself on an error has said so through the logger; stop() then
    // throws "already stopped", which must not hide the run's own outcome.
    for (const runner of runners) await runner.stop().catch(() => {});
    await Promise.all(pools.map((p) => p.end()));
    await Promise.race([Promise.all(closed), sleep(5_000)]);
    await db.drop();
  }
}

/** This process (the runners and the adding client) and the anchor database's backends. */
function anchorParts(database: string): CpuPart[] {
  return [
    { name: 'graphile-worker + client', find: () => [process.pid] },
    // A backend's process title names its database: "postgres: user db 127.0.0.1(port) idle".
    { name: 'Postgres backends', find: () => pidsMatching('postgres: ', ` ${database} `) },
  ];
}

/** How the anchor ran, for the benchmark's output. */
export function describeAnchor(options: AnchorOptions): string {
  const shapes = [...new Set(options.slots)];
  const perRunner =
    shapes.length === 1 ? `concurrency ${shapes[0]}` : `concurrency ${options.slots.join('/')}`;
  const task = options.taskMs > 0 ? `waits ${options.taskMs} ms` : 'returns at once';
  return `${options.jobs} jobs added by ${options.concurrency} addJob calls in flight, ${options.slots.length} runners at ${perRunner}, a task that ${task}`;
}

/** The anchor's lines and the ratio of Shoal's rate to it. */
export function printAnchor(
  options: AnchorOptions,
  result: AnchorResult,
  shoal: { rate: number; unit: string },
): void {
  console.log(`graphile-worker 0.16 anchor: ${describeAnchor(options)}`);
  console.log(
    `graphile-worker: completed ${result.completed}, failed ${result.failed}; first add → last completion ${result.seconds.toFixed(1)} s = ${result.rate.toFixed(0)} jobs/s`,
  );
  printCpu(result.cpu, result.completed, 'graphile-worker job');
  const ratio = shoal.rate / result.rate;
  console.log(
    `Shoal / graphile-worker: ${shoal.rate.toFixed(shoal.rate < 100 ? 1 : 0)} ${shoal.unit} / ${result.rate.toFixed(result.rate < 100 ? 1 : 0)} jobs/s = ${ratio.toFixed(2)}× (goal >= 1.0×: ${ratio >= 1 ? 'met' : 'NOT met'})`,
  );
}
