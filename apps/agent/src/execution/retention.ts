import { rm } from 'node:fs/promises';
import { type Clock, nanosFromMillis } from '@shoal/models';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import { archivePath } from '../publisher/local.js';
import { deleteExpired, type ExpiryCursor, listExpired } from '../store/expiry.js';
import type { AgentStore } from '../store/index.js';
import { systemTimers, type Timers } from '../timers.js';
import { executionDir } from './execution-files.js';

/**
 * Forgets finished executions once they are `retentionMs` old, as Nomad's client GC does: their
 * directory (output, results, the staged publish), their results archive, then their row. Age is
 * counted from the last change of the row, i.e. from when the execution finished.
 *
 * Files go before the row, because the row is how they are found: a crash in between leaves a row
 * whose files are already gone, and the next round finishes the job. A directory that cannot be
 * removed (say a root-owned file a container left) keeps its row, is logged, and is tried again
 * the next time; it never holds up the others.
 */

export interface RetentionOptions {
  store: AgentStore;
  /** The agent's state dir (`<dataDir>/agent`), where execution-files.ts puts things. */
  stateDir: string;
  /** 0 turns retention off: nothing is ever pruned. */
  retentionMs: number;
  clock: Clock;
  logger: Logger;
  timers?: Timers;
  /** Between rounds. Default min(retention / 4, 10 min). */
  intervalMs?: number;
  /** Executions per transaction. Default 100. */
  batchSize?: number;
}

const MAX_INTERVAL_MS = 10 * 60_000;
const DEFAULT_BATCH = 100;

export class RetentionJanitor {
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private timer: unknown;
  private round: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly o: RetentionOptions) {
    this.timers = o.timers ?? systemTimers;
    this.intervalMs = o.intervalMs ?? Math.min(o.retentionMs / 4, MAX_INTERVAL_MS);
    this.batchSize = o.batchSize ?? DEFAULT_BATCH;
  }

  get enabled(): boolean {
    return this.o.retentionMs > 0;
  }

  /** Rounds every intervalMs until stop(); nothing at all when retention is off. */
  start(): void {
    if (!this.enabled || this.stopped) return;
    this.schedule();
  }

  /** Cancels the next round and waits for one in progress (it ends at its next batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round: removes every execution expired by now. Returns how many were removed. */
  async runOnce(): Promise<number> {
    if (!this.enabled) return 0;
    const { store } = this.o;
    const cutoff = this.o.clock.now() - nanosFromMillis(this.o.retentionMs);
    let after: ExpiryCursor | undefined;
    let removed = 0;
    let full: boolean;
    do {
      const batch = await store.transaction((tx) => listExpired(tx, cutoff, after, this.batchSize));
      const cleaned: string[] = [];
      for (const execution of batch) {
        if (await this.removeFiles(execution.id)) cleaned.push(execution.id);
      }
      removed += await store.transaction((tx) => deleteExpired(tx, cutoff, cleaned));
      full = batch.length === this.batchSize;
      after = batch.at(-1);
    } while (full && !this.stopped);
    if (removed > 0)
      safeLog(this.o.logger, 'info', { removed }, 'finished executions past retention removed');
    return removed;
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.round = this.runOnce()
        .catch((error: unknown) => {
          // The store may be briefly unusable (disk full, closing): the next round tries again.
          safeLog(this.o.logger, 'warn', { err: errorMessage(error) }, 'retention round failed');
        })
        .finally(() => {
          this.round = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.intervalMs);
  }

  /** True when nothing of the execution is left on disk (ENOENT included: already gone). */
  private async removeFiles(executionId: string): Promise<boolean> {
    try {
      const archive = archivePath(this.o.stateDir, executionId);
      await rm(executionDir(this.o.stateDir, executionId), { recursive: true, force: true });
      // `.partial`: an archive a crash interrupted while it was written.
      await rm(`${archive}.partial`, { force: true });
      await rm(archive, { force: true });
      return true;
    } catch (error) {
      safeLog(
        this.o.logger,
        'warn',
        { executionId, err: errorMessage(error) },
        'could not remove the files of a finished execution: its record is kept and it is tried again later',
      );
      return false;
    }
  }
}
