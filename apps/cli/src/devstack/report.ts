import { availableParallelism, totalmem } from 'node:os';
import { formatBytes, formatCpu } from '@shoal/models';
import type { CliIO } from '../io.js';
import { renderTable } from '../output/table.js';
import { type DevstackConfig, logDir } from './plan.js';
import type { ReadyStack } from './stack.js';

/**
 * What devstack prints once the cluster is ready, on stdout: one table of its processes (each
 * node with its id, labels, capacity and engines as the orchestrator sees them), what the nodes
 * offer together against what the host has, the URLs to use, then one `ready:` line (scripts and
 * tests wait for it). Warnings and events go to stderr.
 */

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

interface Row {
  name: string;
  id: string;
  labels: string;
  cpu: string;
  memory: string;
  disk: string;
  engines: string;
  pid: string;
}

const COLUMNS = [
  { header: 'PROCESS', value: (r: Row) => r.name },
  { header: 'ID', value: (r: Row) => r.id },
  { header: 'LABELS', value: (r: Row) => r.labels },
  { header: 'CPU', value: (r: Row) => r.cpu },
  { header: 'MEMORY', value: (r: Row) => r.memory },
  { header: 'DISK', value: (r: Row) => r.disk },
  { header: 'ENGINES', value: (r: Row) => r.engines },
  { header: 'PID', value: (r: Row) => r.pid },
];

export function printReady(
  io: CliIO,
  config: DevstackConfig,
  ready: ReadyStack,
  env: NodeJS.ProcessEnv,
): void {
  const { listening, nodes } = ready;
  io.out(`Shoal devstack in ${config.dataDir} (child logs in ${logDir(config.dataDir)})\n\n`);
  const total = { cpu: 0, memory: 0 };
  const rows: Row[] = [
    {
      name: 'orchestrator',
      id: listening.nodeId,
      labels: '-',
      cpu: '-',
      memory: '-',
      disk: '-',
      engines: '-',
      pid: String(ready.orchestratorPid ?? '-'),
    },
    ...nodes.map(({ plan, state, pid }): Row => {
      const info = state.Info.ComputeNodeInfo;
      const max = info?.MaxCapacity;
      total.cpu += max?.CPU ?? 0;
      total.memory += max?.Memory ?? 0;
      return {
        name: plan.name,
        id: state.Info.NodeID,
        labels: labelText(state.Info.Labels),
        cpu: max ? formatCpu(Math.round(max.CPU * 1000)) : '-',
        memory: max ? formatBytes(max.Memory) : '-',
        disk: max ? formatBytes(max.Disk) : '-',
        engines: info?.ExecutionEngines.join(',') ?? '',
        pid: String(pid ?? '-'),
      };
    }),
  ];
  // Never cut: this is the one place the ids and labels are printed.
  io.out(renderTable(COLUMNS, rows, { tty: false, wide: true }));
  io.out(
    `\nThe nodes offer ${formatCpu(Math.round(total.cpu * 1000))} CPU and ${formatBytes(total.memory)} ` +
      `in all; this host has ${availableParallelism()} CPU and ${formatBytes(totalmem())}.\n\n`,
  );
  const base = listening.apiUrl.replace(/\/+$/, '');
  io.out(
    renderTable(
      [
        { header: 'ENDPOINT', value: (r: readonly [string, string]) => r[0] },
        { header: 'URL', value: (r: readonly [string, string]) => r[1] },
      ],
      [
        ['API', `${base}/api/v1`],
        ['Dashboard', `${base}/ui`],
        ['Metrics', `${base}/metrics`],
        ['NATS', listening.natsUrl],
      ],
      { tty: false, wide: true },
    ),
  );
  if (env.SHOAL_API_TOKEN || env.SHOAL_API_READ_TOKEN) {
    io.out(
      'API auth is on (SHOAL_API_TOKEN): clients send it as a bearer token (the CLI reads SHOAL_TOKEN); the dashboard asks for it once\n',
    );
  }
  io.out(`ready: ${listening.apiUrl} with ${nodes.length} node(s) connected; Ctrl-C stops the cluster\n`);
}
