import { type Capacity, formatBytes, NodeAction, type NodeState, shortId } from '@shoal/models';
import { type Command, Option } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { collect, positiveInt } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption, wideOption } from '../output/format.js';
import { nextPageCommand } from '../output/next-page.js';
import { printPage } from '../output/page.js';
import { type Column, formatMap, renderFields } from '../output/table.js';
import { addNodeTokenCommand } from './node-token.js';

/** The node list's orders, as the API takes them (Bacalhau's, and create_time). */
const NODE_ORDERS = [
  'id',
  'create_time',
  'type',
  'approval',
  'status',
  'available_cpu',
  'available_memory',
  'available_disk',
  'available_gpu',
] as const;

/** `shoal node list|describe|approve|reject|delete|token`. Node ids may be given by a unique prefix. */

interface ListFlags extends ApiOptions {
  labels?: string[];
  filterApproval?: string;
  filterStatus?: string;
  limit?: number;
  orderBy?: (typeof NODE_ORDERS)[number];
  reverse?: boolean;
  nextToken?: string;
  output: OutputFormat;
  wide?: boolean;
}

interface ShowFlags extends ApiOptions {
  output: OutputFormat;
  wide?: boolean;
}

const cores = (n: number) => String(Math.round(n * 100) / 100);
/** `available / max` for one dimension of a compute node's capacity. */
function capacity(node: NodeState, show: (c: Capacity) => string): string {
  const info = node.Info.ComputeNodeInfo;
  return info ? `${show(info.AvailableCapacity)} / ${show(info.MaxCapacity)}` : '';
}

/**
 * What the node lets wait for room beyond what it runs at once (`2 CPU, 4 GiB memory`), resources
 * it has none of left out; '' for a node without a queue.
 */
function queue(node: NodeState): string {
  const q = node.Info.ComputeNodeInfo?.QueueCapacity;
  if (!q) return '';
  const parts = [
    q.CPU > 0 ? `${cores(q.CPU)} CPU` : '',
    q.Memory > 0 ? `${formatBytes(q.Memory)} memory` : '',
    q.Disk > 0 ? `${formatBytes(q.Disk)} disk` : '',
    q.GPU > 0 ? `${q.GPU} GPU` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export const NODE_COLUMNS: Column<NodeState>[] = [
  { header: 'ID', value: (n) => shortId(n.Info.NodeID), max: 24 },
  { header: 'NODE ID', value: (n) => n.Info.NodeID, wide: true },
  { header: 'TYPE', value: (n) => n.Info.NodeType },
  { header: 'APPROVAL', value: (n) => n.Membership },
  { header: 'STATUS', value: (n) => n.Connection },
  { header: 'LABELS', value: (n) => formatMap(n.Info.Labels), max: 40 },
  { header: 'CPU', value: (n) => capacity(n, (c) => cores(c.CPU)) },
  { header: 'MEMORY', value: (n) => capacity(n, (c) => formatBytes(c.Memory)) },
  { header: 'DISK', value: (n) => capacity(n, (c) => formatBytes(c.Disk)), wide: true },
  { header: 'GPU', value: (n) => capacity(n, (c) => String(c.GPU)), wide: true },
  { header: 'QUEUE', value: queue, wide: true },
  { header: 'ENGINES', value: (n) => (n.Info.ComputeNodeInfo?.ExecutionEngines ?? []).join(','), wide: true },
  { header: 'RUNNING', value: (n) => String(n.Info.ComputeNodeInfo?.RunningExecutions ?? ''), wide: true },
  { header: 'VERSION', value: (n) => n.Info.Version.GitVersion, wide: true },
];

export function nodeText(node: NodeState): string {
  const info = node.Info.ComputeNodeInfo;
  const fields: Array<[string, string]> = [
    ['ID', node.Info.NodeID],
    ['Type', node.Info.NodeType],
    ['Approval', node.Membership],
    ['Status', node.Connection],
    ['Labels', formatMap(node.Info.Labels)],
    ['Version', `${node.Info.Version.GitVersion} (${node.Info.Version.GOOS}/${node.Info.Version.GOARCH})`],
  ];
  if (info) {
    fields.push(
      ['Engines', info.ExecutionEngines.join(', ')],
      ['Publishers', info.Publishers.join(', ')],
      ['Storage sources', info.StorageSources.join(', ')],
      ['CPU', capacity(node, (c) => cores(c.CPU))],
      ['Memory', capacity(node, (c) => formatBytes(c.Memory))],
      ['Disk', capacity(node, (c) => formatBytes(c.Disk))],
      ['GPU', capacity(node, (c) => String(c.GPU))],
    );
    if (info.QueueCapacity) fields.push(['Queue', queue(node)]);
    fields.push(['Running', String(info.RunningExecutions)], ['Enqueued', String(info.EnqueuedExecutions)]);
  }
  return renderFields(fields);
}

const PAST: Record<NodeAction, string> = { approve: 'approved', reject: 'rejected', delete: 'deleted' };

function addActionCommand(node: Command, ctx: CommandContext, verb: NodeAction, description: string): void {
  addApiOption(
    node
      .command(verb)
      .description(description)
      .argument('<id>', 'node id or a unique prefix')
      .option('--message <text>', 'why (recorded in the orchestrator’s log)')
      .addOption(outputOption()),
  ).action(
    action(ctx, async (id: string, flags: ApiOptions & { message?: string; output: OutputFormat }) => {
      const answer = await makeClient(ctx, flags).nodes.act(id, verb, flags.message);
      if (isStructured(flags.output)) ctx.io.out(await formatData(flags.output, answer));
      else ctx.io.out(`Node ${id} ${PAST[verb]}\n`);
      return ExitCode.Ok;
    }),
  );
}

export function addNodeCommand(program: Command, ctx: CommandContext): void {
  const node = program.command('node').description('list, inspect, approve, reject and delete nodes');
  addApiOption(
    node
      .command('list')
      .description('list the compute nodes the orchestrator knows')
      .option('--labels <selector>', 'label selector, e.g. "zone in (a,b)"; repeatable', collect)
      .addOption(
        new Option('--filter-approval <state>', 'only nodes with this approval').choices([
          'pending',
          'approved',
          'rejected',
          'PENDING',
          'APPROVED',
          'REJECTED',
        ]),
      )
      .addOption(
        new Option('--filter-status <state>', 'only nodes with this connection state').choices([
          'connected',
          'disconnected',
          'CONNECTED',
          'DISCONNECTED',
        ]),
      )
      .option('--limit <n>', 'how many nodes to show', positiveInt, 100)
      .addOption(
        new Option('--order-by <key>', 'sort key (available_*: most available first)').choices(NODE_ORDERS),
      )
      .option('--reverse', 'reverse the order')
      .option('--next-token <token>', 'continue from a previous page')
      .addOption(outputOption())
      .addOption(wideOption()),
  ).action(
    action(ctx, async (flags: ListFlags, command: Command) => {
      const page = await makeClient(ctx, flags).nodes.list({
        labels: flags.labels,
        approval: flags.filterApproval,
        status: flags.filterStatus,
        limit: flags.limit,
        orderBy: flags.orderBy,
        reverse: flags.reverse,
        nextToken: flags.nextToken,
      });
      await printPage(ctx.io, flags, page, {
        columns: NODE_COLUMNS,
        rows: page.Nodes,
        more: (token) => `More nodes: ${nextPageCommand(command, token)}`,
      });
      return ExitCode.Ok;
    }),
  );
  addApiOption(
    node
      .command('describe')
      .description('show a node: labels, capacity, engines')
      .argument('<id>', 'node id or a unique prefix')
      .addOption(outputOption()),
  ).action(
    action(ctx, async (id: string, flags: ShowFlags) => {
      const view = await makeClient(ctx, flags).nodes.get(id);
      ctx.io.out(isStructured(flags.output) ? await formatData(flags.output, view) : nodeText(view.Node));
      return ExitCode.Ok;
    }),
  );
  addActionCommand(node, ctx, NodeAction.Approve, 'let a pending (or rejected) node take work');
  addActionCommand(node, ctx, NodeAction.Reject, 'refuse a node: it gets no work');
  addActionCommand(node, ctx, NodeAction.Delete, 'forget a node and its credentials (it may join again)');
  addNodeTokenCommand(node, ctx);
}
