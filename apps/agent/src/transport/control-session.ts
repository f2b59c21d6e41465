import {
  type BackoffOptions,
  backoffDelay,
  type ControlResult,
  type Payload,
  UNKNOWN_NODE_REASON,
} from '@shoal/protocol';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { ControlRequest } from './control-client.js';
import { Waker } from './waker.js';

/**
 * The agent's side of `shoal.compute.<self>.ctrl`: handshake until accepted, then heartbeat at the
 * interval the orchestrator chose. It never gives up and never throws: a refused handshake
 * (version skew, a rejected node) is logged loudly and retried with backoff, since an operator can
 * fix either without restarting the agent; an unanswered one is retried the same way.
 *
 * Handshake again after every NATS reconnect (`rehandshake`, from the connection watcher) and when
 * a heartbeat reply says the orchestrator does not know this node (it restarted or forgot it).
 */

export interface ControlSessionOptions {
  request: ControlRequest;
  logger: Logger;
  handshake: () => Promise<Payload<'Handshake'>>;
  heartbeat: () => Promise<Payload<'Heartbeat'>>;
  /** Runs after each accepted handshake, before the first heartbeat: align the streams. */
  onAccepted: (reply: Payload<'HandshakeReply'>) => Promise<void>;
  timeoutMs: number;
  retry: BackoffOptions;
}

export class ControlSession {
  private readonly waker = new Waker();
  private loop: Promise<void> | undefined;
  private stopped = false;
  private joined = false;
  /** Bumped by rehandshake(), so a handshake already in flight does not count as the new one. */
  private epoch = 0;
  private intervalMs = 0;
  private lastBeatAt = 0;
  private failures = 0;
  private lastRefusal: string | undefined;

  constructor(private readonly o: ControlSessionOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Whether the orchestrator accepted us and nothing since asked for another handshake. */
  get accepted(): boolean {
    return this.joined;
  }

  rehandshake(why: string): void {
    this.epoch++;
    this.failures = 0;
    if (this.joined) safeLog(this.o.logger, 'info', { why }, 'handshaking again');
    this.joined = false;
    this.waker.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.joined) await this.heartbeatOnce();
        else await this.handshakeOnce();
      } catch (error) {
        // Reading the store failed, or something unforeseen: log, back off, and carry on.
        await this.backOff('error', 'control loop step failed', { err: errorMessage(error) });
      }
    }
  }

  private async handshakeOnce(): Promise<void> {
    const epoch = this.epoch;
    const payload = await this.o.handshake();
    let result: ControlResult<'Handshake'>;
    try {
      result = await this.o.request('Handshake', payload, this.o.timeoutMs);
    } catch (error) {
      return this.backOff('warn', 'handshake unanswered: is the orchestrator up?', {
        err: errorMessage(error),
      });
    }
    if (!result.ok) return this.refused(`${result.error.code}: ${result.error.message}`, {});
    const reply = result.envelope.payload;
    if (!reply.Accepted) {
      return this.refused(reply.Reason ?? 'no reason given', { membership: reply.Membership });
    }
    await this.o.onAccepted(reply);
    if (this.stopped || epoch !== this.epoch) return;
    this.joined = true;
    this.intervalMs = reply.HeartbeatIntervalMs;
    this.lastBeatAt = performance.now();
    this.failures = 0;
    this.lastRefusal = undefined;
    const fields = {
      membership: reply.Membership,
      heartbeatIntervalMs: reply.HeartbeatIntervalMs,
      overcommit: reply.Overcommit ?? 1,
    };
    safeLog(
      this.o.logger,
      'info',
      { ...fields, lastSeqReceived: reply.LastSeqReceived },
      'handshake accepted',
    );
  }

  private async heartbeatOnce(): Promise<void> {
    // Due times follow the previous beat's, so the spacing stays at the interval despite request time.
    await this.waker.sleep(this.lastBeatAt + this.intervalMs - performance.now());
    if (this.stopped || !this.joined || performance.now() < this.lastBeatAt + this.intervalMs) return;
    this.lastBeatAt = performance.now();
    const payload = await this.o.heartbeat();
    try {
      const result = await this.o.request('Heartbeat', payload, Math.min(this.o.timeoutMs, this.intervalMs));
      if (!result.ok) return this.noteBeatFailure('heartbeat refused', { err: result.error.message });
      const reply = result.envelope.payload;
      if (reply.Ok) {
        this.failures = 0;
        return;
      }
      if (reply.Reason === UNKNOWN_NODE_REASON)
        return this.rehandshake('the orchestrator does not know this node');
      this.noteBeatFailure('heartbeat not accepted', { reason: reply.Reason });
    } catch (error) {
      this.noteBeatFailure('heartbeat unanswered', { err: errorMessage(error) });
    }
  }

  /** A lost heartbeat is no emergency (the orchestrator tolerates several): log the 1st and every 10th. */
  private noteBeatFailure(msg: string, fields: object): void {
    this.failures++;
    const loud = this.failures === 1 || this.failures % 10 === 0;
    safeLog(this.o.logger, loud ? 'warn' : 'debug', { ...fields, failures: this.failures }, msg);
  }

  /** An operator must act (version skew, a rejected node): say so at error level when it changes. */
  private refused(reason: string, fields: object): Promise<void> {
    const changed = reason !== this.lastRefusal;
    this.lastRefusal = reason;
    const level = changed ? 'error' : 'warn';
    return this.backOff(level, `handshake refused by the orchestrator: ${reason}`, fields, changed);
  }

  private async backOff(level: 'warn' | 'error', msg: string, fields: object, loud = false): Promise<void> {
    this.failures++;
    const delayMs = backoffDelay(this.failures, this.o.retry);
    const shout = loud || this.failures === 1 || this.failures % 10 === 0;
    safeLog(this.o.logger, shout ? level : 'debug', { ...fields, attempt: this.failures, delayMs }, msg);
    if (!this.stopped) await this.waker.sleep(delayMs);
  }
}
