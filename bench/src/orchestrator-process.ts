import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getFreePort, killOnExit, stopProcess, waitFor } from '@shoal/testkit';

const shoal = fileURLToPath(new URL('../../shoal', import.meta.url));

export interface OrchestratorProcess {
  url: string;
  /** The node process serving it (`shoal` execs node), for CPU accounting. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** `./shoal serve --orchestrator` as its own process, as users run it, ready when it answers. */
export async function startOrchestratorProcess(options: {
  /** Unset: the embedded PGlite store under the data dir, as a first-time user runs it. */
  dbUrl?: string;
  dataDir: string;
  natsUrl?: string;
  /** More `shoal serve` flags, e.g. `--node-approval manual`. */
  args?: readonly string[];
}): Promise<OrchestratorProcess> {
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const nats = options.natsUrl === undefined ? [] : ['--nats-url', options.natsUrl];
  const db = options.dbUrl === undefined ? [] : ['--db', options.dbUrl];
  const args = ['serve', '--orchestrator', '--api-port', String(port), ...db];
  const child = killOnExit(
    spawn(
      shoal,
      [...args, ...nats, ...(options.args ?? []), '--data-dir', options.dataDir, '--log-level', 'warn'],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    ),
  );
  await waitFor(async () => (await fetch(`${url}/api/v1/agent/alive`).catch(() => undefined))?.ok, {
    timeoutMs: 60_000,
    message: 'orchestrator did not come up',
  });
  return { url, pid: child.pid, stop: () => stopProcess(child) };
}
