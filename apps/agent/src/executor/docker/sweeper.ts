import type Docker from 'dockerode';
import { errorMessage, type Logger, safeLog } from '../../logger.js';
import { bounded, ignoringGone } from './calls.js';
import { LABEL_EXECUTION, nodeFilter } from './labels.js';

/**
 * The orphan sweep: this node's labelled containers that no live execution owns
 * are force-removed. Left behind by a create that timed out after all, a removal that failed while
 * the daemon was away, or a run whose state the agent lost. Another node's containers are never
 * touched, whatever they look like.
 */
export async function sweepOrphans(
  docker: Docker,
  nodeId: string,
  owned: (executionId: string) => boolean,
  o: { callTimeoutMs: number; logger: Logger },
): Promise<number> {
  const containers = await bounded('list', o.callTimeoutMs, (abortSignal) =>
    docker.listContainers({ all: true, filters: nodeFilter(nodeId), abortSignal }),
  );
  let removed = 0;
  for (const info of containers) {
    const executionId = info.Labels?.[LABEL_EXECUTION] ?? '';
    if (owned(executionId)) continue;
    try {
      await ignoringGone(
        bounded('remove', o.callTimeoutMs, (abortSignal) =>
          docker.getContainer(info.Id).remove({ force: true, v: true, abortSignal }),
        ),
      );
      removed++;
      safeLog(o.logger, 'info', { executionId, container: info.Id.slice(0, 12) }, 'orphan container removed');
    } catch (error) {
      safeLog(
        o.logger,
        'warn',
        { executionId, err: errorMessage(error) },
        'could not remove an orphan container',
      );
    }
  }
  return removed;
}
