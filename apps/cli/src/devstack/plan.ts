import { join } from 'node:path';

/**
 * What devstack runs, as data: the settings, where each process keeps its state and its log, and
 * the `shoal serve` command line of each child. Secrets never go on a command line (visible in
 * `ps`): API tokens reach the orchestrator through the environment it inherits.
 */

export interface DevstackConfig {
  nodes: number;
  apiHost: string;
  apiPort: number;
  /** Port of the nats-server the orchestrator supervises (unused with natsUrl). */
  natsPort: number;
  /** Absolute. */
  dataDir: string;
  db: string | undefined;
  natsUrl: string | undefined;
  engines: string[];
  logLevel: string;
  hello: boolean;
  helloImage: string;
  /** Each agent's CPU and memory (`2`, `1500m`; `4Gi`); unset, the host is divided between them. */
  nodeCpu?: string | undefined;
  nodeMemory?: string | undefined;
  /** The k-th entry's labels go to node k, over its default `zone` and `name`. */
  nodeLabels?: readonly string[];
}

/** The share of the host a lone agent offers; the devstack's agents split it between them. */
export const HOST_SHARE = 0.8;

export interface NodePlan {
  name: string;
  /** `zone=a,name=node-1`: distinct per node, so constraints can pick one. */
  labels: string;
  dataDir: string;
  logFile: string;
}

export const logDir = (dataDir: string) => join(dataDir, 'logs');
export const orchestratorLog = (dataDir: string) => join(logDir(dataDir), 'orchestrator.log');

const ZONES = 'abcdefghijklmnopqrstuvwxyz';

export function planNodes(config: Pick<DevstackConfig, 'nodes' | 'dataDir' | 'nodeLabels'>): NodePlan[] {
  return Array.from({ length: config.nodes }, (_, i) => {
    const name = `node-${i + 1}`;
    return {
      name,
      labels: mergeLabels(`zone=${ZONES[i % ZONES.length]},name=${name}`, config.nodeLabels?.[i] ?? ''),
      dataDir: join(config.dataDir, 'nodes', name),
      logFile: join(logDir(config.dataDir), `${name}.log`),
    };
  });
}

/** `base` with `extra`'s pairs on top: a key in both takes `extra`'s value. */
function mergeLabels(base: string, extra: string): string {
  const pairs = new Map<string, string>();
  for (const pair of [...base.split(','), ...extra.split(',')].map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    pairs.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return [...pairs].map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * Each agent offers its own part of the host, so that the cluster's capacity adds up to what the
 * machine has instead of N times it: the flags given, else an equal share of what one agent offers.
 */
export function capacityArgs(config: Pick<DevstackConfig, 'nodes' | 'nodeCpu' | 'nodeMemory'>): string[] {
  const share = Math.floor((HOST_SHARE / config.nodes) * 10_000) / 10_000;
  return [
    '--capacity-fraction',
    String(share),
    ...(config.nodeCpu === undefined ? [] : ['--cpu', config.nodeCpu]),
    ...(config.nodeMemory === undefined ? [] : ['--memory', config.nodeMemory]),
  ];
}

export function orchestratorArgs(config: DevstackConfig, apiPort: number, natsPort: number): string[] {
  return [
    'serve',
    '--orchestrator',
    '--api-host',
    config.apiHost,
    '--api-port',
    String(apiPort),
    '--data-dir',
    config.dataDir,
    '--log-level',
    config.logLevel,
    ...(config.db ? ['--db', config.db] : []),
    ...(config.natsUrl ? ['--nats-url', config.natsUrl] : ['--nats-port', String(natsPort)]),
  ];
}

export function agentArgs(
  config: DevstackConfig,
  node: NodePlan,
  natsUrl: string,
  engines: string[],
): string[] {
  return [
    'serve',
    '--compute',
    '--nats-url',
    natsUrl,
    '--name',
    node.name,
    '--labels',
    node.labels,
    '--data-dir',
    node.dataDir,
    '--engines',
    engines.join(','),
    ...capacityArgs(config),
    '--log-level',
    config.logLevel,
  ];
}

/** `Shoal orchestrator <id> listening on <url> (NATS <url>)`, as `shoal serve` prints it. */
const LISTENING = /Shoal orchestrator (\S+) listening on (\S+) \(NATS (\S+)\)/g;

export interface Listening {
  nodeId: string;
  apiUrl: string;
  natsUrl: string;
}

/** The last listening line in `output`, if any. */
export function findListening(output: string): Listening | undefined {
  const last = [...output.matchAll(LISTENING)].at(-1);
  return last ? { nodeId: last[1] ?? '', apiUrl: last[2] ?? '', natsUrl: last[3] ?? '' } : undefined;
}

/** `Shoal compute agent <id> started`; with logs at info or below, the accepted handshake too. */
export function agentUp(output: string, logLevel: string): boolean {
  const verbose = ['trace', 'debug', 'info'].includes(logLevel);
  return (
    /Shoal compute agent \S+ started/.test(output) && (!verbose || output.includes('handshake accepted'))
  );
}

/** The last lines of a child's output, indented, for a start-up failure. */
export function tail(output: string, lines = 15): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');
}
