import { backoffDelay, connectNats, type NatsOptions } from '@shoal/protocol';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { NatsConnection } from './transport.js';

/**
 * The first connection to NATS. An agent may well start before its NATS server (a host reboot,
 * a devstack), so an unreachable server is waited for, with backoff and a log line now and then.
 * nats.js could wait by itself (waitOnFirstConnect), but silently, and it would also wait forever
 * on a wrong token: a refused login is an operator's mistake and ends the start at once instead.
 * Once connected, nats.js reconnects on its own, forever (connectNats).
 */
/** Refused logins before the credentials are taken to be wrong (about 2 s in all). */
const AUTH_TRIES = 4;

export interface ConnectRetry {
  /** Longest wait between attempts. */
  maxMs: number;
  /**
   * The first attempt's own deadline, doubling with each attempt up to the connection's timeout.
   * For a join and the login right after it: a connection opened while nats-server reloads its
   * users (another node joining) may never be answered, and the connection's own timeout (5 s)
   * would then hold the agent that long before it tries again.
   */
  firstAttemptMs?: number;
}

export async function connectWhenReachable(
  options: NatsOptions,
  logger: Logger,
  retry: ConnectRetry = { maxMs: 5_000 },
): Promise<NatsConnection> {
  const server = redact(String(options.servers));
  const timeoutMs = options.timeoutMs ?? 5_000;
  let refusals = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      if (retry.firstAttemptMs === undefined) return await connectNats(options, logger);
      const deadlineMs = Math.min(retry.firstAttemptMs * 2 ** (attempt - 1), timeoutMs);
      return await connectWithin(deadlineMs, options, logger);
    } catch (error) {
      const err = errorMessage(error);
      // A refusal is also what a client connecting while the server reloads its users may get
      // (a node joining next door): a few quick tries before it counts as wrong credentials.
      if (/authori[sz]ation|authentication|permission/i.test(err) && ++refusals < AUTH_TRIES) {
        await new Promise((resolve) => setTimeout(resolve, 300 * refusals));
        continue;
      }
      if (/authori[sz]ation|authentication|permission/i.test(err)) {
        const hint =
          options.nkeySeed === undefined
            ? ''
            : ' (its node key is not known there: start it once with --join-token)';
        throw new Error(`NATS at ${server} refused the agent's credentials: ${err}${hint}`);
      }
      if (/invalid request/i.test(err)) throw error; // bad options: retrying cannot help
      const delayMs = backoffDelay(attempt, { initialMs: 250, maxMs: retry.maxMs });
      const loud = attempt === 1 || attempt % 10 === 0;
      const fields = { server, attempt, delayMs, err };
      safeLog(logger, loud ? 'warn' : 'debug', fields, 'NATS unreachable: waiting for it');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** connectNats, given up on after `deadlineMs`: a connection that comes later is closed at once. */
async function connectWithin(
  deadlineMs: number,
  options: NatsOptions,
  logger: Logger,
): Promise<NatsConnection> {
  const pending = connectNats(options, logger);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), deadlineMs);
  });
  try {
    return await Promise.race([pending, late]);
  } catch (error) {
    pending.then(
      (nc) => void nc.close().catch(() => {}),
      () => {},
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** `nats://user:secret@host` → `nats://*****@host`: credentials never reach the logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//*****@');
}
