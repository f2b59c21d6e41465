import { type Clock, millisFromNanos } from '@shoal/models';
import type { Timers } from '../timers.js';

/**
 * Rate-limits progress reports: at most one per interval per execution. The first message goes at
 * once; later ones within the interval are coalesced and only the latest is sent when it ends, so
 * a chatty engine cannot flood the outbox and the last word ("publishing") is never lost. `push`
 * never blocks: emitting is the caller's (asynchronous) business.
 */
export class ProgressThrottle {
  private readonly state = new Map<string, { last: number; pending?: string; timer?: unknown }>();

  constructor(
    private readonly options: {
      intervalMs: number;
      clock: Clock;
      timers: Timers;
      emit: (executionId: string, message: string) => void;
    },
  ) {}

  push(executionId: string, message: string): void {
    const now = millisFromNanos(this.options.clock.now());
    const entry = this.state.get(executionId);
    if (entry === undefined || now - entry.last >= this.options.intervalMs) {
      if (entry?.timer !== undefined) this.options.timers.clearTimeout(entry.timer);
      this.state.set(executionId, { last: now });
      this.options.emit(executionId, message);
      return;
    }
    entry.pending = message;
    if (entry.timer !== undefined) return;
    entry.timer = this.options.timers.setTimeout(
      () => this.flush(executionId),
      entry.last + this.options.intervalMs - now,
    );
  }

  /** Drops what is pending for an execution that ended: its final report says the rest. */
  forget(executionId: string): void {
    const entry = this.state.get(executionId);
    if (entry?.timer !== undefined) this.options.timers.clearTimeout(entry.timer);
    this.state.delete(executionId);
  }

  close(): void {
    for (const id of [...this.state.keys()]) this.forget(id);
  }

  private flush(executionId: string): void {
    const entry = this.state.get(executionId);
    if (entry?.pending === undefined) return;
    const message = entry.pending;
    this.state.set(executionId, { last: millisFromNanos(this.options.clock.now()) });
    this.options.emit(executionId, message);
  }
}
