import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { bounded } from './calls.js';

/**
 * The daemon's health as bidding sees it. capabilities() is synchronous (bidding must never wait
 * on Docker), so a background probe pings the daemon, bounded, and caches the answer. It starts
 * pessimistic: no bids until the first ping has answered.
 */
export class DockerHealth {
  private state: { healthy: boolean; reason?: string } = {
    healthy: false,
    reason: 'docker daemon not checked yet',
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly o: { docker: Docker; intervalMs: number; timeoutMs: number; logger: Logger },
  ) {}

  get current(): { healthy: boolean; reason?: string } {
    return this.state;
  }

  start(): void {
    void this.probeNow();
  }

  /** Probes now (at most one at a time) and re-arms the periodic probe. */
  probeNow(): Promise<void> {
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
      this.schedule();
    });
    return this.probing;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.probeNow(), this.o.intervalMs);
    // A probe never keeps the process alive on its own.
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    let next: { healthy: boolean; reason?: string };
    try {
      // dockerode takes the option; its type definitions do not know it yet.
      const ping = this.o.docker.ping as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
      await bounded('ping', this.o.timeoutMs, (abortSignal) => ping.call(this.o.docker, { abortSignal }));
      next = { healthy: true };
    } catch (error) {
      next = { healthy: false, reason: `docker daemon not responding (${errorMessage(error)})` };
    }
    if (this.closed) return;
    if (next.healthy !== this.state.healthy) {
      const level = next.healthy ? 'info' : 'warn';
      safeLog(
        this.o.logger,
        level,
        { reason: next.reason },
        next.healthy ? 'docker healthy' : 'docker unhealthy',
      );
    }
    this.state = next;
  }
}
