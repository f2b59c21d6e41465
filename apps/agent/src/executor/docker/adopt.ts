import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { bounded } from './calls.js';
import { removeNow } from './endings.js';
import { nodeFilter } from './labels.js';

/**
 * Finding a run again after an agent restart (or crash): the container labelled with the execution
 * on this node. It may still run, or have exited while the agent was down (its exit code and log
 * are still there: the agent removes containers, Docker does not). A container that was created
 * but never started cannot be adopted: it never ran the task, so it goes, and the run fails.
 */

export type Found =
  | { ok: true; container: Docker.Container; startedAtMs: number }
  | { ok: false; reason: string };

export async function findContainer(
  o: { docker: Docker; nodeId: string; callTimeoutMs: number; logger: Logger },
  executionId: string,
): Promise<Found> {
  const listed = await bounded('list', o.callTimeoutMs, (abortSignal) =>
    o.docker.listContainers({ all: true, filters: nodeFilter(o.nodeId, executionId), abortSignal }),
  );
  const [first, ...extra] = listed;
  // Names are unique per daemon, so there is at most one; anything else is not ours to keep.
  for (const info of extra) await removeNow(o.docker.getContainer(info.Id), o, o.logger, executionId);
  if (first === undefined) return { ok: false, reason: 'its container is gone' };
  const container = o.docker.getContainer(first.Id);
  try {
    const info = await bounded('inspect', o.callTimeoutMs, (abortSignal) =>
      container.inspect({ abortSignal }),
    );
    const startedAtMs = Date.parse(info.State.StartedAt);
    if (info.State.Status === 'created' || !(startedAtMs > 0)) {
      await removeNow(container, o, o.logger, executionId);
      return { ok: false, reason: 'its container was created but never started' };
    }
    safeLog(o.logger, 'info', { executionId, container: first.Id.slice(0, 12) }, 'adopting container');
    return { ok: true, container, startedAtMs };
  } catch (error) {
    return { ok: false, reason: `cannot inspect its container: ${errorMessage(error)}` };
  }
}
