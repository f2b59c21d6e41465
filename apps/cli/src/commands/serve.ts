import { type Command, InvalidArgumentError } from 'commander';
import { collect } from '../arg-parsers.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import {
  agentInput,
  apiReadTokenOption,
  apiTokenOption,
  describeIssue,
  joinTokenOption,
  metricsTokenOption,
  orchestratorInput,
  parseFraction,
  parseQueueFactor,
  type ServeOptions,
  URL_FROM_ORCHESTRATOR,
} from './serve-config.js';

export function parsePositiveInt(value: string): number {
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1');
  return Number(value);
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

/**
 * `shoal serve --orchestrator`, `--compute`, or both in one process: in the foreground until
 * SIGINT or SIGTERM. Each app is loaded only when asked for, so the rest of the CLI starts fast.
 * Every flag is validated before anything starts, and a bad one exits 2 naming it.
 */
export function addServeCommand(program: Command, io: CliIO, setExit: (code: ExitCode) => void): void {
  program
    .command('serve')
    .description('run a Shoal node in the foreground: the orchestrator, a compute agent, or both')
    .option('--orchestrator', 'run the orchestrator (jobs API, store, scheduling)')
    .option('--compute', 'run a compute agent (bids on and runs executions)')
    .option('--api-host <host>', 'address the API listens on', '0.0.0.0')
    .option('--api-port <port>', 'port the API listens on', parsePort, 1234)
    .option('--data-dir <dir>', 'where state is kept (default ~/.shoal)')
    .option('--db <url>', 'postgres://… or pglite:<dir> (default: PGlite under --data-dir)')
    .option(
      '--nats-url <url>',
      'NATS server; required by --compute alone (--orchestrator starts one without it)',
    )
    .option(
      '--nats-host <address>',
      'orchestrator: address of the nats-server it starts (default 127.0.0.1; 0.0.0.0 for other machines)',
    )
    .option(
      '--nats-port <port>',
      'orchestrator: port of the nats-server it starts (default 4222; a free one if taken)',
      parsePort,
    )
    .option(
      '--node-disconnect-timeout <duration>',
      'orchestrator: a node silent this long is DISCONNECTED (default 60s)',
    )
    .option(
      '--node-approval <mode>',
      'orchestrator: token (nodes that joined with the join token are approved) or manual (they wait for `shoal node approve`)',
    )
    .option(
      '--default-queue-timeout <duration>',
      'orchestrator: how long a job that sets no QueueTimeout waits for room (default 1h; 0: fail at once)',
    )
    .option(
      '--max-attempts <n>',
      'orchestrator: executions a job may use on infrastructure failures before it fails (default 3)',
      parsePositiveInt,
    )
    .option(
      '--max-job-size <size>',
      'orchestrator: largest job spec the API accepts, e.g. 512KiB (default 768KiB, at most 960KiB: a job must fit one NATS message)',
    )
    .addOption(apiTokenOption())
    .addOption(apiReadTokenOption())
    .addOption(joinTokenOption())
    .addOption(metricsTokenOption())
    .option('--nats-token <token>', 'login to a --nats-url server: token')
    .option('--nats-user <user>', 'login to a --nats-url server: user (with --nats-password)')
    .option('--nats-password <password>', 'login to a --nats-url server: password')
    .option('--nats-nkey <file>', 'login to a --nats-url server: a file holding an nkey seed (SU…)')
    .option('--nats-creds <file>', 'login to a --nats-url server: a NATS credentials file (JWT and seed)')
    .option('--nats-tls-ca <file>', 'TLS to NATS: the CA certificate that signed the server')
    .option(
      '--nats-tls-cert <file>',
      'TLS: client certificate for --nats-url, or the certificate of the nats-server the orchestrator starts',
    )
    .option('--nats-tls-key <file>', 'TLS: the key of --nats-tls-cert')
    .option('--name <id>', 'compute: node id on first start (default n-<uuid>, then kept in --data-dir)')
    .option('--labels <k=v,…>', 'compute: node labels, e.g. zone=eu-1,tier=gold')
    .option('--engines <list>', 'compute: engines to offer (noop, docker, wasm)', 'noop')
    .option('--cpu <cores>', 'compute: CPU to offer, e.g. 2 or 1500m (default: a share of the host)')
    .option('--memory <size>', 'compute: memory to offer, e.g. 4Gi')
    .option('--disk <size>', 'compute: disk to offer, e.g. 20Gi')
    .option('--gpu <n>', 'compute: GPUs to offer (default 0)')
    .option(
      '--capacity-fraction <f>',
      'compute: share of the detected host to offer (default 0.8)',
      parseFraction,
    )
    .option(
      '--queue-factor <f>',
      'compute: work that may wait here for room, as a multiple of the capacity offered; 0 leaves all waiting to the orchestrator (default 1)',
      parseQueueFactor,
    )
    .option('--allow-networked-jobs', 'compute: run docker tasks that ask for Host or Full networking')
    .option('--max-inline-output <size>', 'compute: stdout/stderr bytes kept in a result (default 64KiB)')
    .option('--max-output-file <size>', 'compute: cap of each kept stdout/stderr file (default 100MiB)')
    .option(
      '--timeout-grace <duration>',
      'compute: SIGTERM → SIGKILL grace when a task times out (default 2s)',
    )
    .option(
      '--prepare-timeout <duration>',
      'compute: limit of a run’s preparation (image pull), not counted in its timeout (default 10m)',
    )
    .option(
      '--allow-local-path <path[:ro|:rw]>',
      'compute: a host directory tasks may mount as a localDirectory input, read-only unless :rw (repeatable; default none)',
      collect,
    )
    .option('--download-max-size <size>', 'compute: largest urlDownload input, e.g. 2GiB (default 10GiB)')
    .option(
      '--download-timeout <duration>',
      'compute: limit of one urlDownload input, not counted in the execution timeout (default 30m)',
    )
    .option('--publishers <list>', 'compute: where results may go (noop, local, s3; default noop,local)')
    .option(
      '--s3-endpoint <url>',
      'compute: an S3 endpoint besides AWS that jobs may name, signed with this node’s credentials (repeatable)',
      collect,
    )
    .option('--s3-region <region>', 'compute: region of S3 requests whose job names none (default us-east-1)')
    .option(
      '--s3-upload-cutoff <size>',
      'compute: largest result file the s3 publisher sends in one PUT, larger ones in parts (default 8MiB, at most 5GiB)',
    )
    .option('--results-host <address>', 'compute: address of the local results server (default 127.0.0.1)')
    .option(
      '--results-port <port>',
      'compute: port of the local results server (default: any free)',
      parsePort,
    )
    .option('--results-public-url <url>', 'compute: the URL clients fetch results from, if not host:port')
    .option(
      '--retention <duration>',
      "compute: how long a finished execution's output, results and record are kept (default 24h; 0 or off: forever)",
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (opts: ServeOptions, command: Command) => {
      if (!opts.orchestrator && !opts.compute) {
        command.error('error: say which node to run: --orchestrator, --compute, or both', { exitCode: 2 });
      }
      if (opts.compute && !opts.orchestrator && opts.natsUrl === undefined) {
        command.error('error: --nats-url is required with --compute: the NATS server of the orchestrator', {
          exitCode: 2,
        });
      }
      setExit(await serve(opts, io));
    });
}

async function serve(opts: ServeOptions, io: CliIO): Promise<ExitCode> {
  const orchestratorApp = opts.orchestrator ? await import('@shoal/orchestrator') : undefined;
  const agentApp = opts.compute ? await import('@shoal/agent') : undefined;

  // Both apps share the NATS flags, so the same mistake may be reported twice: say it once.
  const problems = new Set<string>();
  const check = (result: { success: boolean; error?: { issues: Parameters<typeof describeIssue>[0][] } }) => {
    for (const issue of result.error?.issues ?? []) problems.add(describeIssue(issue));
  };
  if (orchestratorApp) check(orchestratorApp.OrchestratorConfigSchema.safeParse(orchestratorInput(opts)));
  if (agentApp)
    check(agentApp.AgentConfigSchema.safeParse(agentInput(opts, opts.natsUrl ?? URL_FROM_ORCHESTRATOR)));
  if (problems.size > 0) {
    for (const problem of problems) io.err(`error: ${problem}\n`);
    return ExitCode.Usage;
  }

  let orchestrator: Awaited<ReturnType<NonNullable<typeof orchestratorApp>['startOrchestrator']>> | undefined;
  let agent: Awaited<ReturnType<NonNullable<typeof agentApp>['startAgent']>> | undefined;
  try {
    if (orchestratorApp) {
      orchestrator = await orchestratorApp.startOrchestrator(orchestratorInput(opts));
      io.err(
        `Shoal orchestrator ${orchestrator.nodeId} listening on ${orchestrator.url} (NATS ${orchestrator.natsUrl})\n`,
      );
      if (orchestrator.joinToken !== undefined) {
        io.err(
          `Nodes join with: shoal serve --compute --nats-url ${orchestrator.natsUrl} --join-token ${orchestrator.joinToken}\n`,
        );
      }
    }
    if (agentApp) {
      // Combined mode without --nats-url: the agent joins the server the orchestrator runs.
      const url = opts.natsUrl ?? orchestrator?.natsUrl;
      const token = opts.natsUrl === undefined ? orchestrator?.joinToken : undefined;
      agent = await agentApp.startAgent(agentInput(opts, url, token ?? (opts.joinToken || undefined)));
      io.err(`Shoal compute agent ${agent.nodeId} started\n`);
    }
  } catch (error) {
    io.err(`shoal serve: ${error instanceof Error ? error.message : String(error)}\n`);
    await agent?.stop();
    await orchestrator?.stop();
    // A --name that contradicts the data directory is a flag mistake, not a failure.
    return agentApp && error instanceof agentApp.NodeIdentityError ? ExitCode.Usage : ExitCode.Failed;
  }
  io.err('Ctrl-C stops it\n');
  await untilSignal();
  io.err('shoal serve: shutting down…\n');
  // The agent first: its last reports and its shutdown notice need the orchestrator still up.
  await agent?.stop();
  await orchestrator?.stop();
  return ExitCode.Ok;
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const first = () => {
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      done();
    };
    process.once('SIGINT', first);
    process.once('SIGTERM', first);
  });
}
