import { type Command, InvalidArgumentError } from 'commander';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

interface ServeOptions {
  orchestrator?: boolean;
  apiHost: string;
  apiPort: number;
  dataDir?: string;
  db?: string;
  logLevel: string;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

/**
 * `shoal serve --orchestrator`: the control plane in the foreground until SIGINT or SIGTERM. The
 * orchestrator is loaded only when this command runs, so the rest of the CLI starts fast.
 */
export function addServeCommand(program: Command, io: CliIO, setExit: (code: ExitCode) => void): void {
  program
    .command('serve')
    .description('run a Shoal node in the foreground')
    .option('--orchestrator', 'run the orchestrator (jobs API, store, scheduling)')
    .option('--api-host <host>', 'address the API listens on', '0.0.0.0')
    .option('--api-port <port>', 'port the API listens on', parsePort, 1234)
    .option('--data-dir <dir>', 'where state is kept (default ~/.shoal)')
    .option('--db <url>', 'postgres://… or pglite:<dir> (default: PGlite under --data-dir)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (opts: ServeOptions, command: Command) => {
      if (!opts.orchestrator) command.error('error: say which node to run: --orchestrator', { exitCode: 2 });
      const { OrchestratorConfigSchema, startOrchestrator } = await import('@shoal/orchestrator');
      const parsed = OrchestratorConfigSchema.safeParse({
        apiHost: opts.apiHost,
        apiPort: opts.apiPort,
        logLevel: opts.logLevel,
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        ...(opts.db === undefined ? {} : { db: opts.db }),
      });
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          io.err(`error: --${flagName(issue.path)}: ${issue.message}\n`);
        setExit(ExitCode.Usage);
        return;
      }
      let orchestrator: Awaited<ReturnType<typeof startOrchestrator>>;
      try {
        orchestrator = await startOrchestrator(parsed.data);
      } catch (error) {
        io.err(`shoal serve: ${error instanceof Error ? error.message : String(error)}\n`);
        setExit(ExitCode.Failed);
        return;
      }
      io.err(
        `Shoal orchestrator ${orchestrator.nodeId} listening on ${orchestrator.url} (Ctrl-C stops it)\n`,
      );
      await untilSignal();
      io.err('shoal serve: shutting down…\n');
      await orchestrator.stop();
    });
}

function flagName(path: ReadonlyArray<PropertyKey>): string {
  return String(path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
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
