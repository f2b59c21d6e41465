/**
 * How Shoal finds its containers again: every container is named after its execution and carries
 * these labels, so a restarted agent can adopt its runs and sweep what nobody owns (even after
 * losing its local store) without any state of its own. Only containers of THIS node are ever
 * touched: several agents may share one Docker daemon (tests, benchmarks, a laptop cluster).
 */

export const LABEL_MANAGED = 'io.shoal.managed';
export const LABEL_EXECUTION = 'io.shoal.execution-id';
export const LABEL_JOB = 'io.shoal.job-id';
export const LABEL_NODE = 'io.shoal.node-id';

/** `shoal-<executionId>`: a second create for the same execution conflicts instead of running twice. */
export function containerName(executionId: string): string {
  return `shoal-${executionId}`;
}

export function containerLabels(ids: { nodeId: string; jobId: string; executionId: string }) {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_NODE]: ids.nodeId,
    [LABEL_JOB]: ids.jobId,
    [LABEL_EXECUTION]: ids.executionId,
  };
}

/** A listContainers filter for this node's containers, optionally for one execution. */
export function nodeFilter(nodeId: string, executionId?: string): { label: string[] } {
  const label = [`${LABEL_MANAGED}=true`, `${LABEL_NODE}=${nodeId}`];
  if (executionId !== undefined) label.push(`${LABEL_EXECUTION}=${executionId}`);
  return { label };
}
