import type Docker from 'dockerode';
import { errorMessage } from '../../logger.js';
import { sleep, systemTimers } from '../../timers.js';
import type { ExecutorResult } from '../executor.js';
import { bounded, ignoringGone, statusCodeOf } from './calls.js';
import type { ResolvedDockerOptions } from './options.js';

/**
 * The exit watch broke: the daemon restarted, hung or the socket dropped. That is not an exit, so
 * the run waits for the daemon to answer again (bounded by daemonLostTimeoutMs) and looks at the
 * container: still running (watch it again), stopped (read its end), or gone (failed).
 */

export type Reattached = { kind: 'running' } | { kind: 'stopped' } | { kind: 'over'; result: ExecutorResult };

const RETRY_MS = 1_000;

export async function reattach(
  container: Docker.Container,
  o: Pick<ResolvedDockerOptions, 'callTimeoutMs' | 'daemonLostTimeoutMs'>,
  signal: AbortSignal,
  closing: AbortSignal,
): Promise<Reattached> {
  const giveUpAt = Date.now() + o.daemonLostTimeoutMs;
  const interrupted = AbortSignal.any([signal, closing]);
  let last = 'no answer';
  for (;;) {
    if (closing.aborted) return over({ kind: 'failed', error: 'the docker executor was closed' });
    if (signal.aborted) {
      // Best effort: if the daemon is still away, the orphan sweep removes it later.
      await ignoringGone(
        bounded('remove', o.callTimeoutMs, (abortSignal) => container.remove({ force: true, abortSignal })),
      ).catch(() => undefined);
      return over({ kind: 'cancelled' });
    }
    try {
      const info = await bounded(
        'inspect',
        o.callTimeoutMs,
        (abortSignal) => container.inspect({ abortSignal }),
        interrupted,
      );
      return info.State.Running || info.State.Paused || info.State.Restarting
        ? { kind: 'running' }
        : { kind: 'stopped' };
    } catch (error) {
      if (statusCodeOf(error) === 404) {
        return over({ kind: 'failed', error: 'the container disappeared while the execution ran' });
      }
      if (!interrupted.aborted) last = errorMessage(error);
    }
    if (Date.now() + RETRY_MS > giveUpAt) break;
    await sleep(systemTimers, RETRY_MS, interrupted);
  }
  const seconds = Math.round(o.daemonLostTimeoutMs / 1000);
  return over({
    kind: 'failed',
    error: `lost contact with the Docker daemon for ${seconds}s while the execution ran (${last})`,
  });
}

const over = (result: ExecutorResult): Reattached => ({ kind: 'over', result });
