import { sleep, systemTimers, type Timers } from '../timers.js';

/**
 * A sleep that another part of the agent can cut short: the control loop waits for its next
 * heartbeat here, and a NATS reconnect or a stop wakes it at once instead of a whole interval later.
 * A wake with nobody asleep is dropped: callers check their state before sleeping.
 */
export class Waker {
  private controller = new AbortController();

  constructor(private readonly timers: Timers = systemTimers) {}

  /** Resolves after `ms`, or as soon as wake() is called. Never rejects. */
  async sleep(ms: number): Promise<void> {
    await sleep(this.timers, Math.max(0, ms), this.controller.signal);
  }

  wake(): void {
    this.controller.abort();
    this.controller = new AbortController();
  }
}
