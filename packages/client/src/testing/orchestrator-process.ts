import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test-only: a real orchestrator for the client's tests, started as users start one
 * (`./shoal serve --orchestrator`, in-memory PGlite, its own nats-server on a free port). The
 * client package may not depend on the orchestrator app, so it runs it as a process instead of
 * importing it; the port is the one the process prints, so nothing races for a free port.
 */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));
const START_TIMEOUT_MS = 90_000;

export interface OrchestratorProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startOrchestratorProcess(extraArgs: string[] = []): Promise<OrchestratorProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'shoal-client-test-'));
  const args = ['serve', '--orchestrator', '--api-host', '127.0.0.1', '--api-port', '0', '--nats-port', '0'];
  const child = spawn(
    shoal,
    [...args, '--db', 'pglite:memory', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`orchestrator did not start: ${output}`)),
      START_TIMEOUT_MS,
    );
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`orchestrator exited with ${code}: ${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      await stopChild(child, exited);
      process.off('exit', killOnExit);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
