import { type Execution, shortId } from '@shoal/models';

/**
 * When `job logs` shows several executions, each line starts with where it ran, as `docker
 * compose logs` does: `node-1 | hello`. The label is the node's short id (its name, for agents
 * named so); when one node holds several of the shown executions, the execution's short id is
 * added (`node-1 e-1a2b3c4d`) so their lines can still be told apart.
 */

export function executionLabel(execution: Execution, known: readonly Execution[]): string {
  const node = shortId(execution.NodeID);
  const shared = known.some((e) => e.ID !== execution.ID && e.NodeID === execution.NodeID);
  return shared ? `${node} ${shortId(execution.ID)}` : node;
}

/**
 * One log line with its label, padded to `width` so the lines of several executions align. The
 * line keeps its own newline; a last line without one gets one, so the next prefixed line starts
 * on a line of its own.
 */
export function prefixLine(label: string, width: number, line: string): string {
  const body = line.endsWith('\n') ? line : `${line}\n`;
  return `${label.padEnd(width)} | ${body}`;
}
