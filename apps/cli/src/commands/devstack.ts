import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DOCKER_HOST } from '../devstack/docker-ping.js';
import { parseEngineList } from '../devstack/engines.js';
import type { DevstackConfig } from '../devstack/plan.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { parsePort } from './serve.js';
import { describeIssue, URL_FROM_ORCHESTRATOR } from './serve-config.js';

/**
 * `shoal devstack`: one orchestrator and N compute agents on this machine, each its own
 * `shoal serve` process, supervised in the foreground (see devstack/devstack.ts for the policy).
 * Flags are checked with the orchestrator's and the agent's own schemas before anything starts.
 */

export const MAX_NODES = 64;

interface DevstackOptions {
  nodes: number;
  apiHost: string;
  apiPort: number;
  natsPort: number;
  dataDir: string;
  db?: string;
  natsUrl?: string;
  engines: string;
  logLevel: string;
  hello?: boolean;
  helloImage: string;
  nodeCpu?: string;
  nodeMemory?: string;
  nodeLabels: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseNodes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_NODES) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_NODES}`);
  }
  return n;
}

export function addDevstackCommand(program: Command, io: CliIO, setExit: (code: ExitCode) => void): void {
  program
    .command('devstack')
    .description('run a local cluster in the foreground: one orchestrator and N compute agents')
    .option('--nodes <n>', 'number of compute agents', parseNodes, 3)
    .option('--api-host <host>', 'address the API listens on', '127.0.0.1')
    .option('--api-port <port>', 'port of the orchestrator API (a free one if taken)', parsePort, 1234)
    .option('--nats-port <port>', 'port of the nats-server it starts (a free one if taken)', parsePort, 4222)
    .option('--data-dir <dir>', 'where the cluster keeps its state and logs', '.shoal/devstack')
    .option('--db <url>', 'postgres://… or pglite:<dir> (default: PGlite under --data-dir)')
    .option('--nats-url <url>', 'use this NATS server instead of starting one')
    .option('--engines <list>', 'engines the agents offer (unavailable ones are dropped)', 'docker,noop')
    .option('--node-cpu <cores>', 'CPU each agent offers, e.g. 2 or 1500m (default: a share of the host)')
    .option('--node-memory <size>', 'memory each agent offers, e.g. 4Gi (default: a share of the host)')
    .option(
      '--node-labels <k=v,…>',
      'labels of one node, over its zone and name: the first flag is node-1’s, the next node-2’s, …',
      collect,
      [],
    )
    .option('--log-level <level>', 'log level of the children: trace, debug, info, warn or error', 'info')
    .option('--hello', 'once ready, run a hello-world job and print its output')
    .option(
      '--hello-image <image>',
      'image of the hello-world job (default $SHOAL_TEST_IMAGE or shoal-test/busybox:latest)',
      process.env.SHOAL_TEST_IMAGE || 'shoal-test/busybox:latest',
    )
    .action(async (opts: DevstackOptions) => {
      setExit(await devstack(opts, io));
    });
}

/** Every flag problem at once, as `--flag: message`, using the apps' own rules. */
async function flagProblems(opts: DevstackOptions): Promise<string[]> {
  const [{ OrchestratorConfigSchema }, { AgentConfigSchema }] = await Promise.all([
    import('@shoal/orchestrator'),
    import('@shoal/agent'),
  ]);
  const problems = new Set<string>();
  const orchestrator = OrchestratorConfigSchema.safeParse({
    apiHost: opts.apiHost,
    logLevel: opts.logLevel,
    ...(opts.db === undefined ? {} : { db: opts.db }),
  });
  for (const issue of orchestrator.error?.issues ?? []) problems.add(describeIssue(issue));
  const agent = AgentConfigSchema.safeParse({
    natsUrl: opts.natsUrl ?? URL_FROM_ORCHESTRATOR,
    logLevel: opts.logLevel,
    ...(opts.nodeCpu === undefined ? {} : { cpu: opts.nodeCpu }),
    ...(opts.nodeMemory === undefined ? {} : { memory: opts.nodeMemory }),
  });
  for (const issue of agent.error?.issues ?? []) {
    // The agent's --cpu and --memory are the devstack's --node-cpu and --node-memory.
    const flag = { cpu: '--node-cpu', memory: '--node-memory' }[String(issue.path[0])];
    problems.add(flag === undefined ? describeIssue(issue) : `${flag}: ${issue.message}`);
  }
  if (opts.nodeLabels.length > opts.nodes) {
    problems.add(`--node-labels: given ${opts.nodeLabels.length} times for ${opts.nodes} node(s)`);
  }
  opts.nodeLabels.forEach((labels, i) => {
    const parsed = AgentConfigSchema.safeParse({ natsUrl: URL_FROM_ORCHESTRATOR, labels });
    for (const issue of parsed.error?.issues ?? []) {
      problems.add(`--node-labels (node-${i + 1}): ${issue.message}`);
    }
  });
  if (parseEngineList(opts.engines).length === 0) problems.add('--engines: name at least one engine');
  return [...problems];
}

async function devstack(opts: DevstackOptions, io: CliIO): Promise<ExitCode> {
  const problems = await flagProblems(opts);
  if (problems.length > 0) {
    for (const problem of problems) io.err(`error: ${problem}\n`);
    return ExitCode.Usage;
  }
  const config: DevstackConfig = {
    nodes: opts.nodes,
    apiHost: opts.apiHost,
    apiPort: opts.apiPort,
    natsPort: opts.natsPort,
    dataDir: resolve(opts.dataDir),
    db: opts.db,
    natsUrl: opts.natsUrl,
    engines: parseEngineList(opts.engines),
    logLevel: opts.logLevel,
    hello: opts.hello === true,
    helloImage: opts.helloImage,
    nodeCpu: opts.nodeCpu,
    nodeMemory: opts.nodeMemory,
    nodeLabels: opts.nodeLabels,
  };
  const { Devstack } = await import('../devstack/devstack.js');
  const stack = new Devstack(config, {
    io,
    // The children run the CLI exactly as this process runs (from source with tsx, or built).
    shoal: {
      command: process.execPath,
      args: [...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1] ?? ''],
    },
    env: process.env,
    availableEngines: async () => (await import('@shoal/agent')).AVAILABLE_ENGINES,
    dockerHost: process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST,
  });
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) {
      controller.abort();
      return;
    }
    io.err('devstack: second signal: killing every process at once\n');
    stack.killNow();
    process.exit(130);
  };
  const onExit = () => stack.killNow();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);
  try {
    return await stack.run(controller.signal);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
  }
}
