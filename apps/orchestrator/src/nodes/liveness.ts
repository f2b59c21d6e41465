import { formatDurationMs, nanosFromMillis, shortId } from '@shoal/models';
import { evaluateJobsOnNode } from '../lifecycle/node-events.js';
import type { NodeManagerDeps } from './deps.js';
import { livenessCheckMs } from './settings.js';

/**
 * Marks nodes DISCONNECTED when the orchestrator has not heard from them for the disconnect
 * timeout, measured by its own receive times (agents' clocks may be skewed). Nobody is judged
 * during the grace period after start: after an orchestrator restart, agents need a moment to
 * reach it.
 */
export interface Liveness {
  /** One check now (the loop calls it periodically). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

export function startLiveness(deps: NodeManagerDeps): Liveness {
  const { store, clock, ids, logger, settings, streams } = deps;
  const judgeFrom = clock.now() + nanosFromMillis(settings.gracePeriodMs);
  const timeout = nanosFromMillis(settings.disconnectTimeoutMs);
  const silence = formatDurationMs(settings.disconnectTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  async function disconnect(nodeId: string, cutoff: bigint): Promise<void> {
    const now = clock.now();
    const comment = `node ${shortId(nodeId)} disconnected: not heard from for ${silence}`;
    const evaluations = await store.transaction(async (tx) => {
      // Conditional: a heartbeat that arrived since the list was read keeps the node connected.
      if (!(await tx.nodeStatus.disconnect(nodeId, now, cutoff))) return undefined;
      return evaluateJobsOnNode(tx, ids, nodeId, comment, now);
    });
    if (evaluations === undefined) return;
    logger.warn({ nodeId, evaluations }, comment);
    await streams.drop(nodeId);
  }

  async function check(): Promise<void> {
    const now = clock.now();
    if (now < judgeFrom) return;
    const cutoff = now - timeout;
    for (const nodeId of await store.nodeStatus.listStale(cutoff)) await disconnect(nodeId, cutoff);
  }

  const tick = () => {
    running = check()
      .catch((error: unknown) => {
        logger.warn({ err: (error as Error).message }, 'liveness check failed: trying again later');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, livenessCheckMs(settings));
      });
  };
  timer = setTimeout(tick, livenessCheckMs(settings));

  return {
    check,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
