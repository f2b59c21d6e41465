/**
 * At most `limit` tasks at a time; the rest wait in arrival order. A task that waited longer than
 * `staleAfterMs` is dropped instead of run: its requester has timed out and asked again, so
 * running it would only spend a database connection on an answer nobody reads. Under overload
 * this is what lets a server catch up: without it every retry adds work, and the queue only grows.
 */

export interface SheddingQueueOptions {
  limit: number;
  staleAfterMs: number;
  /** Called with each dropped task's wait, for a log line. */
  onDrop?: (waitedMs: number) => void;
  now?: () => number;
}

interface Waiting {
  run: () => Promise<void>;
  since: number;
}

export class SheddingQueue {
  private active = 0;
  private readonly waiting: Waiting[] = [];
  private head = 0;
  private readonly now: () => number;

  constructor(private readonly options: SheddingQueueOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    }
    this.now = options.now ?? Date.now;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Runs `run` now or later, or never if it goes stale. Its failure is its own to report. */
  push(run: () => Promise<void>): void {
    this.waiting.push({ run, since: this.now() });
    this.next();
  }

  private next(): void {
    while (this.active < this.options.limit && this.head < this.waiting.length) {
      const task = this.waiting[this.head++] as Waiting;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        // Drop the consumed prefix now and then, so the array does not grow without end.
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      const waited = this.now() - task.since;
      if (waited > this.options.staleAfterMs) {
        this.options.onDrop?.(waited);
        continue;
      }
      this.active++;
      const done = () => {
        this.active--;
        this.next();
      };
      task.run().then(done, done);
    }
  }
}
