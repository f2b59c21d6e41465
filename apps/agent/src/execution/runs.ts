import { ComputeStateType as C, type Clock, type SpecConfig, type Task } from '@shoal/models';
import type { Executor, ExecutorResult, RunSpec } from '../executor/executor.js';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { RunMetrics } from '../metrics/ports.js';
import type { CapacityTracker } from '../node/capacity.js';
import {
  NOTHING_PUBLISHED,
  type Publisher,
  publisherFor,
  uploadDestination,
} from '../publisher/publisher.js';
import type { InputStager } from '../storage/staging.js';
import type { AgentStore, ExecutionRecord, Tx } from '../store/index.js';
import type { Timers } from '../timers.js';
import { ProgressThrottle } from './progress.js';
import { isStopRequested, recordOutcome } from './run-results.js';

/** What an execution's history says while its run waits for room on the node. */
export const WAITING_FOR_ROOM = 'waiting for room on the node: it starts when running work ends';

/** Whether the task has InputSources to fetch (and, after its run, to remove). */
const hasInputs = (task: Task | undefined): boolean => (task?.InputSources ?? []).length > 0;

export interface RunTrackerOptions {
  store: AgentStore;
  executors: ReadonlyMap<string, Executor>;
  publishers: ReadonlyMap<string, Publisher>;
  capacity: CapacityTracker;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  progressIntervalMs: number;
  /** Fetches a task's InputSources before its run; without it, tasks with inputs fail. */
  inputs?: InputStager | undefined;
  /** Told how each run ended and how long it ran (not the runs let go of at shutdown). */
  metrics?: RunMetrics | undefined;
}

/**
 * The runs in flight in this process: starts them, stops them, and turns their results into the
 * final local state plus its report, in one transaction (run-results.ts). The database says which
 * executions should run; this map only holds the AbortControllers of the ones that do.
 */
export class RunTracker {
  private readonly runs = new Map<
    string,
    { controller: AbortController; done: Promise<void>; canLetGo: boolean }
  >();
  /** Due to run, waiting in the capacity tracker's line for room: started in that order. */
  private readonly parked = new Map<string, ExecutionRecord>();
  private readonly progress: ProgressThrottle;
  /** Aborted when the agent stops: what waits on the outside world (an upload) stops waiting. */
  private readonly shuttingDown = new AbortController();
  private stopping = false;

  constructor(private readonly o: RunTrackerOptions) {
    this.progress = new ProgressThrottle({
      intervalMs: o.progressIntervalMs,
      clock: o.clock,
      timers: o.timers,
      emit: (id, message) => void this.writeProgress(id, message),
    });
  }

  get size(): number {
    return this.runs.size;
  }

  has(executionId: string): boolean {
    return this.runs.has(executionId);
  }

  /**
   * Starts the executor for an execution the store now says is running, once per execution; one
   * that must wait for room (see CapacityTracker) is parked until admitWaiting starts it.
   */
  start(record: ExecutionRecord): void {
    if (this.stopping || this.runs.has(record.id) || this.parked.has(record.id)) return;
    if (this.o.capacity.isWaiting(record.id)) {
      this.parked.set(record.id, record);
      // The engine gets ready meanwhile (a container created), so a freed slot only starts it.
      this.prepare(record);
      return;
    }
    const controller = new AbortController();
    const executor = this.o.executors.get(record.job.Tasks[0]?.Engine.Type ?? '');
    const spec = this.spec(record, controller.signal);
    const result: Promise<ExecutorResult> =
      executor === undefined || spec === undefined
        ? Promise.resolve({ kind: 'failed', error: 'no engine on this node can run this task' })
        : // A then, not a direct call: an executor that throws synchronously still yields a result.
          Promise.resolve().then(() => this.runWithInputs(executor, spec));
    this.track(record, controller, result);
  }

  /** Executions parked until room frees (for tests and diagnostics). */
  get waiting(): number {
    return this.parked.size;
  }

  /**
   * Room was freed: the first in line start, in order, while each fits beside what runs. Each
   * start is recorded first (no longer waiting, and the report that its timeout starts now), and
   * the run begins as that commits, so nothing about it can be reported before it. A run's end
   * does this in its own transaction (finish); this is for room freed any other way.
   */
  admitWaiting(): void {
    if (this.stopping) return;
    const admitted = this.o.capacity.admit();
    if (admitted.length === 0) return;
    this.o.store
      .transaction((tx) => this.recordStarts(tx, admitted))
      .catch((error: unknown) => {
        // The start could not be recorded (disk full?): the next freed room tries again (the
        // rollback put them back in line); a restart finds them still waiting.
        safeLog(this.o.logger, 'error', { err: errorMessage(error) }, 'could not start waiting runs');
      });
  }

  /** In `tx`: the admitted runs are recorded as started, and run once it commits. */
  private recordStarts(tx: Tx, admitted: readonly string[]): void {
    const { store, clock } = this.o;
    const parked: ExecutionRecord[] = [];
    for (const id of admitted) {
      const record = this.parked.get(id);
      // Not parked: a bid awaiting approval, which starts as soon as it is approved.
      if (record === undefined) continue;
      this.parked.delete(id);
      parked.push(record);
      const current = store.executions.get(tx, id);
      // Stopped meanwhile: the stop answers for it (stop below), and releases what it held.
      if (current?.localState !== C.BidAccepted || isStopRequested(current)) continue;
      const waited = Number(clock.now() - current.updatedAt) / 1e9;
      const started = store.executions.update(tx, current, { waiting: false });
      store.outbox.append(tx, {
        type: 'ExecutionProgress',
        payload: {
          ExecutionID: id,
          Message: `room freed on the node after ${waited.toFixed(1)}s: starting the run`,
          Phase: 'Started',
        },
      });
      tx.afterCommit(() => this.start(started));
    }
    tx.onRollback(() => {
      // Back at the head of the line, in their order.
      for (const id of [...admitted].reverse()) this.o.capacity.readmit(id);
      for (const record of parked) this.parked.set(record.id, record);
    });
  }

  /** While the bid awaits approval, or its run waits for room: let the engine get ready (Executor.prepare). */
  prepare(record: ExecutionRecord): void {
    const executor = this.o.executors.get(record.job.Tasks[0]?.Engine.Type ?? '');
    const spec = this.spec(record, new AbortController().signal);
    if (!executor?.prepare || spec === undefined || this.stopping) return;
    // A prepared container's mounts are fixed; with inputs they are known at the start of the run
    // (runWithInputs), when the staging directories are known.
    if (hasInputs(spec.task)) return;
    const { signal: _signal, onProgress: _onProgress, ...prepare } = spec;
    executor.prepare(prepare);
  }

  /** The execution will not run: whatever an engine prepared for it goes. */
  discard(executionId: string): void {
    for (const executor of this.o.executors.values()) executor.discard?.(executionId);
  }

  /**
   * Inputs first, then the run: fetching is not part of the run, so the engine's execution timeout
   * does not count it. A failed fetch fails the attempt (not final: another node may reach the data);
   * a stop during it is a cancelled run. The inputs go when the run ends (see track).
   */
  private async runWithInputs(executor: Executor, spec: RunSpec): Promise<ExecutorResult> {
    if (!hasInputs(spec.task)) return executor.run(spec);
    if (!this.o.inputs) return { kind: 'failed', error: 'this node cannot fetch input sources' };
    spec.onProgress('fetching inputs');
    // Where the inputs will be mounted is known before they are fetched (for sources that fetch
    // into a directory of their own): the engine sets up the run meanwhile, so a container's
    // create overlaps the download instead of following it.
    const planned = this.o.inputs.planned(spec.executionId, spec.task);
    if (planned && executor.prepare) {
      const { signal: _signal, onProgress: _onProgress, ...prepare } = spec;
      executor.prepare({ ...prepare, inputs: planned });
    }
    let inputs: RunSpec['inputs'];
    try {
      inputs = await this.o.inputs.stage(spec.executionId, spec.task, spec.signal, spec.onProgress);
    } catch (error) {
      executor.discard?.(spec.executionId);
      if (spec.signal.aborted) return { kind: 'cancelled' };
      return { kind: 'failed', error: errorMessage(error) };
    }
    // What a user following the execution sees next, after the fetch's own messages.
    spec.onProgress('inputs fetched: running the task');
    return executor.run({ ...spec, inputs });
  }

  /** Watches a run (started here, or re-adopted by its engine after a restart) to its report. */
  track(record: ExecutionRecord, controller: AbortController, result: Promise<ExecutorResult>): void {
    const executionId = record.id;
    const done = result
      .catch(
        (error: unknown): ExecutorResult => ({
          kind: 'failed',
          error: `executor error: ${errorMessage(error)}`,
        }),
      )
      .then(async (outcome) => {
        // Before the report, so a finished execution has nothing left fetched. Not when the agent
        // lets go of its runs: the container still reads them, and the next start's watch cleans up.
        // A task without inputs never had any: no walk of a directory that is not there.
        if (hasInputs(record.job.Tasks[0]) && !this.stopping) await this.removeInputs(executionId);
        return outcome;
      })
      .then(async (outcome) => {
        // Since the store recorded it running (a re-adopted run keeps that time across restarts).
        const seconds = Number(this.o.clock.now() - record.updatedAt) / 1e9;
        if (!this.stopping)
          this.o.metrics?.runEnded(record.job.Tasks[0]?.Engine.Type ?? '', outcome, seconds);
        return this.publish(record, await this.beforePublishing(record, outcome));
      })
      .then(({ outcome, published }) => {
        // Nothing more is said of a run once its report is on its way: a message still waiting for
        // the rate limit would reach the orchestrator after it, about an execution that has ended.
        this.progress.forget(executionId);
        return this.finish(executionId, outcome, published);
      })
      .catch((error: unknown) => {
        // The result could not be recorded (disk full?): the row stays running, and the next
        // start's recovery reports it. Loudly, because the orchestrator waits for it meanwhile.
        safeLog(
          this.o.logger,
          'error',
          { executionId, err: errorMessage(error) },
          'could not record a run result',
        );
      })
      .finally(() => {
        this.runs.delete(executionId);
        this.progress.forget(executionId);
        // Recording the result released them already; this is for a result that could not be
        // recorded. Never earlier: a container being killed still uses them.
        if (!this.stopping) this.o.capacity.release(executionId);
        this.admitWaiting();
      });
    // An engine that can close lets go of its runs (containers outlive the agent); an in-process
    // one cannot, and its runs are stopped with the agent.
    const canLetGo = this.o.executors.get(record.job.Tasks[0]?.Engine.Type ?? '')?.close !== undefined;
    this.runs.set(executionId, { controller, done, canLetGo });
  }

  /** Asks a run in flight to stop; how its end is recorded depends on the stored state. */
  abort(executionId: string, reason: string): boolean {
    const run = this.runs.get(executionId);
    run?.controller.abort(new Error(reason));
    return run !== undefined;
  }

  /**
   * After a stop request committed (isStopRequested): the run is stopped, and its end recorded
   * as cancelled once the engine returns, i.e. once the container is gone. Without a run in this
   * process there is nothing to wait for, and the answer is recorded now.
   */
  stop(executionId: string, reason: string): void {
    this.discard(executionId);
    this.parked.delete(executionId);
    if (this.abort(executionId, reason)) return;
    this.finish(executionId, { kind: 'cancelled' }, NOTHING_PUBLISHED).catch((error: unknown) => {
      safeLog(this.o.logger, 'error', { executionId, err: errorMessage(error) }, 'could not record a stop');
    });
  }

  /**
   * Agent shutdown, recording nothing: the next start recovers. `abort`: stop every run. `letGo`:
   * leave them running and let `release` (closing the engines) end the watches, so that a restarted
   * agent re-adopts the containers and the work survives the restart.
   */
  async shutdown(
    mode: 'abort' | 'letGo' = 'abort',
    release: () => Promise<unknown> = async () => {},
  ): Promise<void> {
    this.stopping = true;
    // Parked runs stay waiting in the store: the next start puts them back in line.
    this.parked.clear();
    // An upload in flight is not waited for: the run's end is recorded, so the next start
    // publishes again (beforePublishing). The upload itself goes on until the process exits.
    this.shuttingDown.abort();
    this.progress.close();
    const pending = [...this.runs.values()];
    for (const run of pending) {
      if (mode === 'abort' || !run.canLetGo) run.controller.abort(new Error('agent shutting down'));
    }
    await release();
    await Promise.all(pending.map((run) => run.done));
  }

  spec(record: ExecutionRecord, signal: AbortSignal): RunSpec | undefined {
    const task = record.job.Tasks[0];
    if (task === undefined || record.reserved === null) return undefined;
    return {
      executionId: record.id,
      jobId: record.jobId,
      task,
      resources: record.reserved,
      signal,
      onProgress: (message) => {
        if (!this.stopping) this.progress.push(record.id, message);
      },
    };
  }

  /**
   * A completed run whose results are uploaded is recorded as such first (its output, the state
   * still running): if the agent stops before the report, the next start uploads them again
   * instead of finding the run's engine gone (recovery.ts). Not for results that stay on the node
   * or go nowhere: one transaction fewer per run, where the window is short.
   */
  private async beforePublishing(record: ExecutionRecord, outcome: ExecutorResult): Promise<ExecutorResult> {
    const task = record.job.Tasks[0];
    if (outcome.kind !== 'completed' || task === undefined || this.stopping) return outcome;
    if (uploadDestination(task.Publisher) === undefined || record.runOutput !== null) return outcome;
    const { store } = this.o;
    await store
      .transaction((tx) => {
        const current = store.executions.get(tx, record.id);
        if (current?.localState !== C.BidAccepted) return;
        store.executions.update(tx, current, { runOutput: outcome.runOutput });
      })
      .catch((error: unknown) => {
        // The publishing goes on; only a restart before the report would lose the run.
        safeLog(
          this.o.logger,
          'warn',
          { executionId: record.id, err: errorMessage(error) },
          'could not record a completed run before publishing its results',
        );
      });
    return outcome;
  }

  /**
   * A completed run's results go to the task's publisher before it is reported; a publisher that
   * fails turns the run into a failed one (nothing to fetch is not a success).
   */
  private async publish(
    record: ExecutionRecord,
    outcome: ExecutorResult,
  ): Promise<{ outcome: ExecutorResult; published: SpecConfig }> {
    const task = record.job.Tasks[0];
    if (outcome.kind !== 'completed' || task === undefined || this.stopping) {
      return { outcome, published: NOTHING_PUBLISHED };
    }
    const publisher = publisherFor(this.o.publishers, task);
    const upload = uploadDestination(task.Publisher);
    // An upload can take longer than the task: the execution's history says what it is doing.
    if (upload !== undefined)
      this.progress.push(record.id, `task completed: publishing its results (${upload})`);
    try {
      if (!publisher) throw new Error(`publisher ${task.Publisher.Type} is not installed on this node`);
      const request = { executionId: record.id, jobId: record.jobId, task, runOutput: outcome.runOutput };
      const published = await untilShutdown(publisher.publish(request), this.shuttingDown.signal);
      // The agent is stopping: nothing is reported, and the next start publishes again.
      if (published === undefined) return { outcome, published: NOTHING_PUBLISHED };
      return { outcome, published };
    } catch (error) {
      const failed: ExecutorResult = {
        kind: 'failed',
        error: `publishing results failed: ${errorMessage(error)}`,
        runOutput: outcome.runOutput,
      };
      return { outcome: failed, published: NOTHING_PUBLISHED };
    }
  }

  /** The run's end, and with it the start of the first in line that now fit: one transaction. */
  private finish(executionId: string, result: ExecutorResult, published: SpecConfig): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return this.o.store.transaction((tx) => {
      recordOutcome(tx, this.o, executionId, result, published);
      this.recordStarts(tx, this.o.capacity.admit());
    });
  }

  private async removeInputs(executionId: string): Promise<void> {
    try {
      await this.o.inputs?.cleanup(executionId);
    } catch (error) {
      safeLog(
        this.o.logger,
        'warn',
        { executionId, err: errorMessage(error) },
        'could not remove fetched inputs',
      );
    }
  }

  /** Progress is best effort: a failed write is logged, never retried, never blocks the run. */
  private async writeProgress(executionId: string, message: string): Promise<void> {
    try {
      await this.o.store.transaction((tx) => {
        const current = this.o.store.executions.get(tx, executionId);
        if (current?.localState !== C.BidAccepted || isStopRequested(current)) return;
        this.o.store.outbox.append(tx, {
          type: 'ExecutionProgress',
          payload: { ExecutionID: executionId, Message: message },
        });
      });
    } catch (error) {
      safeLog(this.o.logger, 'warn', { executionId, err: errorMessage(error) }, 'could not record progress');
    }
  }
}

/** The promise's value, or undefined as soon as `signal` is aborted (the promise is left to run). */
function untilShutdown<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
}
