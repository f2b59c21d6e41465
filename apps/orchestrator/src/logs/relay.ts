import type { Clock, IdGenerator } from '@shoal/models';
import type { connectNats } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import { LogSession, type LogSocket } from './session.js';
import { DEFAULT_LOG_RELAY_SETTINGS, type LogRelaySettings } from './settings.js';
import type { LogTarget } from './target.js';

/**
 * Every log WebSocket the orchestrator serves, relayed from the agents over NATS. main.ts makes
 * one on the orchestrator's NATS connection; the logs route attaches each upgraded socket to it;
 * stop() closes them all (1001), since an HTTP server's close() does not wait for upgraded
 * sockets to end and would otherwise never finish.
 */

export interface LogRelayOptions {
  nc: Awaited<ReturnType<typeof connectNats>>;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  settings?: Partial<LogRelaySettings>;
}

export interface AttachedLogStream {
  /** Call when the client's socket closed. */
  clientGone(): void;
}

export class LogRelay {
  private readonly sessions = new Set<LogSession>();
  private readonly settings: LogRelaySettings;
  private stopped = false;

  constructor(private readonly o: LogRelayOptions) {
    this.settings = { ...DEFAULT_LOG_RELAY_SETTINGS, ...o.settings };
  }

  /** Streams being relayed now. */
  get active(): number {
    return this.sessions.size;
  }

  attach(
    socket: LogSocket,
    target: LogTarget,
    options: { follow: boolean; tail: number | null },
  ): AttachedLogStream {
    const session = new LogSession({
      nc: this.o.nc,
      store: this.o.store,
      socket,
      target,
      ...options,
      settings: this.settings,
      clock: this.o.clock,
      newId: () => this.o.ids.requestId(),
      logger: this.o.logger,
      onEnd: () => this.sessions.delete(session),
    });
    this.sessions.add(session);
    if (this.stopped) session.shutdown();
    else void session.run();
    return { clientGone: () => session.clientGone() };
  }

  stop(): void {
    this.stopped = true;
    for (const session of [...this.sessions]) session.shutdown();
  }
}
