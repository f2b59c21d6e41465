/**
 * An interruptible sleep for a loop that waits for one of two things: time passing, or being told
 * there is work. `ring()` ends any sleep at once (stop, resume); `nudge()` ends only a sleep that
 * waits for work (notify), so a new message does not cut a backoff short. A nudge that comes
 * while the loop is busy is remembered, so the next idle sleep returns at once instead of
 * missing it.
 */
export class Alarm {
  private nudged = false;
  private pending: { wake: () => void; forWork: boolean } | undefined;
  private closed = false;

  /** Waits `ms`, or less when rung (or nudged, if `forWork`). Returns at once after close(). */
  sleep(ms: number, forWork: boolean): Promise<void> {
    if (this.closed || (forWork && this.nudged)) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pending = { wake, forWork };
    });
  }

  /** There is work: end an idle sleep, or make the next one return at once. */
  nudge(): void {
    this.nudged = true;
    if (this.pending?.forWork) this.pending.wake();
  }

  /** The loop is about to look for work: nudges before this moment are accounted for. */
  clearNudge(): void {
    this.nudged = false;
  }

  /** End whatever sleep is in progress. */
  ring(): void {
    this.pending?.wake();
  }

  /** End the sleep in progress and every future one. */
  close(): void {
    this.closed = true;
    this.ring();
  }
}
