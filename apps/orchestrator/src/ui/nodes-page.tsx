/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Capacity, NodeState } from '@shoal/models';
import { formatBytes, NodeMembership } from '@shoal/models';
import type { Access } from '../api/auth.js';
import type { NodeService } from '../service/node-service.js';
import { u } from './layout.js';
import { Labels, StateBadge } from './parts.js';

/**
 * The nodes: labels, what each has in use against what it offers, whether it is connected and
 * whether it may take work, with Approve and Reject (the calls `shoal node approve|reject`
 * make). The table reloads every 2 s.
 */

export const NODES_SHOWN = 1000;

export async function loadNodes(nodes: NodeService): Promise<NodeState[]> {
  const page = await nodes.list({
    selector: { requirements: [] },
    limit: NODES_SHOWN,
    orderBy: 'id',
    reverse: false,
  });
  return page.Nodes;
}

type Resource = keyof Capacity;
const RESOURCES: ReadonlyArray<{ key: Resource; name: string; show: (n: number) => string }> = [
  { key: 'CPU', name: 'CPU', show: (n) => `${Number(n.toFixed(3))}` },
  { key: 'Memory', name: 'Memory', show: formatBytes },
  { key: 'Disk', name: 'Disk', show: formatBytes },
  { key: 'GPU', name: 'GPU', show: (n) => `${n}` },
];

/** In use = offered − available, shown as a meter with its numbers in words too. */
function Usage({ node, resource }: { node: NodeState; resource: (typeof RESOURCES)[number] }) {
  const info = node.Info.ComputeNodeInfo;
  if (!info) return <span class="muted">—</span>;
  const max = info.MaxCapacity[resource.key];
  const used = Math.max(0, max - info.AvailableCapacity[resource.key]);
  const text = `${resource.show(used)} of ${resource.show(max)}`;
  return (
    <span data-resource={resource.key}>
      {max > 0 ? <meter min={0} max={max} value={used} aria-label={`${resource.name} in use`} /> : null}{' '}
      {text}
    </span>
  );
}

/** What runs, and what waits on the node: for its queue, or for the orchestrator's approval. */
function Executions({ node }: { node: NodeState }) {
  const info = node.Info.ComputeNodeInfo;
  if (!info) return <span class="muted">—</span>;
  return <span>{`${info.RunningExecutions} running, ${info.EnqueuedExecutions} waiting`}</span>;
}

function Decision({ node }: { node: NodeState }) {
  const id = node.Info.NodeID;
  const action = (verb: 'approve' | 'reject', label: string, danger: boolean) => (
    <form class="inline" method="post" action={u(`/nodes/${id}/${verb}`)}>
      <button type="submit" class={danger ? 'danger' : undefined} aria-label={`${label} node ${id}`}>
        {label}
      </button>
    </form>
  );
  return (
    <>
      {node.Membership !== NodeMembership.Approved ? action('approve', 'Approve', false) : null}{' '}
      {node.Membership !== NodeMembership.Rejected ? action('reject', 'Reject', true) : null}
    </>
  );
}

export function NodesTable({ nodes, access }: { nodes: NodeState[]; access: Access | undefined }) {
  return (
    <div id="nodes" hx-get={u('/nodes/rows')} hx-trigger="every 2s" hx-swap="outerHTML">
      <table>
        <caption class="visually-hidden">Nodes</caption>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Type</th>
            <th scope="col">Labels</th>
            {RESOURCES.map((r) => (
              <th scope="col">{`${r.name} in use`}</th>
            ))}
            <th scope="col">Executions</th>
            <th scope="col">Connection</th>
            <th scope="col">Approval</th>
            {access === 'full' ? <th scope="col">Decide</th> : null}
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr data-node-id={node.Info.NodeID}>
              <td>
                <code>{node.Info.NodeID}</code>
              </td>
              <td>{node.Info.NodeType}</td>
              <td>
                <Labels labels={node.Info.Labels} />
              </td>
              {RESOURCES.map((r) => (
                <td>
                  <Usage node={node} resource={r} />
                </td>
              ))}
              <td data-field="executions">
                <Executions node={node} />
              </td>
              <td data-field="connection">
                <StateBadge state={node.Connection} />
              </td>
              <td data-field="membership">
                <StateBadge state={node.Membership} />
              </td>
              {access === 'full' ? (
                <td>
                  <Decision node={node} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {nodes.length === 0 ? <p class="muted">No node has joined yet.</p> : null}
    </div>
  );
}
