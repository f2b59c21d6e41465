import type { CliIO } from '../io.js';
import { type DevstackConfig, logDir } from './plan.js';
import type { ReadyStack } from './stack.js';

/**
 * What devstack prints once the cluster is ready, on stdout: where things are, each node with
 * its labels and engines as the orchestrator sees them, then one `ready:` line (scripts and
 * tests wait for it). Warnings and events go to stderr.
 */

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function printReady(
  io: CliIO,
  config: DevstackConfig,
  ready: ReadyStack,
  env: NodeJS.ProcessEnv,
): void {
  const { listening, nodes } = ready;
  const width = Math.max('orchestrator'.length, ...nodes.map((n) => n.plan.name.length));
  const pad = (name: string) => name.padEnd(width);
  io.out(`Shoal devstack in ${config.dataDir} (child logs in ${logDir(config.dataDir)})\n`);
  io.out(
    `${pad('orchestrator')}  ${listening.nodeId}  API ${listening.apiUrl}  NATS ${listening.natsUrl}` +
      `  pid ${ready.orchestratorPid ?? '-'}\n`,
  );
  for (const { plan, state, pid } of nodes) {
    const engines = state.Info.ComputeNodeInfo?.ExecutionEngines.join(',') ?? '';
    io.out(
      `${pad(plan.name)}  labels ${labelText(state.Info.Labels)}  engines ${engines}  pid ${pid ?? '-'}\n`,
    );
  }
  if (env.SHOAL_API_TOKEN || env.SHOAL_API_READ_TOKEN) {
    io.out(
      'API auth is on (SHOAL_API_TOKEN): clients send it as a bearer token (the CLI reads SHOAL_TOKEN)\n',
    );
  }
  io.out(`ready: ${listening.apiUrl} with ${nodes.length} node(s) connected; Ctrl-C stops the cluster\n`);
}
