import type { AgentConfigInput, RunningAgent } from '@shoal/agent';
import type { OrchestratorConfigInput, RunningOrchestrator } from '@shoal/orchestrator';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import type { CommandIO } from '../api-options.js';
import { bufferIO } from '../io.js';
import { runCli } from '../program.js';

/**
 * Test-only: a real orchestrator (in-memory PGlite, its own nats-server) with in-process agents
 * running the noop engine, and a way to run `shoal` commands against it with captured output.
 */

export const TEST_INFO = { version: '0.1.0', node: process.version, platform: 'linux/x64' };

export interface AgentSpec {
  name: string;
  labels: Record<string, string>;
  engines?: string[];
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  tty?: boolean;
}

export interface TestCluster {
  api: string;
  orchestrator: RunningOrchestrator;
  agents: RunningAgent[];
  cli(args: string[], options?: CliRunOptions): Promise<CliRun>;
  stop(): Promise<void>;
}

/** Runs the CLI in-process; SHOAL_API points at `api` unless the test's env says otherwise. */
export async function runShoal(
  api: string | undefined,
  args: string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  const io: CommandIO & { stdout: string; stderr: string } = Object.assign(bufferIO(), {
    isTTY: options.tty ?? false,
    env: { ...(api === undefined ? {} : { SHOAL_API: api }), ...options.env },
    readStdin: async () => options.stdin ?? '',
  });
  const code = await runCli(args, io, TEST_INFO);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

export async function startTestCluster(
  options: {
    agents?: AgentSpec[];
    orchestrator?: Partial<OrchestratorConfigInput>;
    /** Added to every agent's config (TLS files, say). */
    agentConfig?: Partial<AgentConfigInput>;
  } = {},
): Promise<TestCluster> {
  const { startOrchestrator } = await import('@shoal/orchestrator');
  const { startAgent } = await import('@shoal/agent');
  const dirs: TempDir[] = [];
  const dir = await makeTempDir('shoal-cli-test-o-');
  dirs.push(dir);
  const orchestrator = await startOrchestrator({
    apiHost: '127.0.0.1',
    apiPort: 0,
    natsPort: 0,
    dataDir: dir.path,
    db: 'pglite:memory',
    logLevel: 'silent',
    evaluationPollMs: 50,
    ...options.orchestrator,
  });
  const agents: RunningAgent[] = [];
  try {
    for (const spec of options.agents ?? []) {
      const agentDir = await makeTempDir(`shoal-cli-test-${spec.name}-`);
      dirs.push(agentDir);
      agents.push(
        await startAgent({
          natsUrl: orchestrator.natsUrl,
          ...(orchestrator.joinToken === undefined ? {} : { joinToken: orchestrator.joinToken }),
          dataDir: agentDir.path,
          name: spec.name,
          labels: spec.labels,
          engines: spec.engines ?? ['noop'],
          cpu: '2',
          memory: '4Gi',
          disk: '20Gi',
          gpu: '0',
          logLevel: 'silent',
          controlTimeoutMs: 2_000,
          handshakeRetryMaxMs: 200,
          shutdownTimeoutMs: 1_000,
          ...options.agentConfig,
        }),
      );
    }
    await waitFor(() => agents.every((a) => a.accepted), { timeoutMs: 30_000, message: 'agents to join' });
  } catch (error) {
    for (const a of agents) await a.stop();
    await orchestrator.stop();
    throw error;
  }
  return {
    api: orchestrator.url,
    orchestrator,
    agents,
    cli: (args, runOptions) => runShoal(orchestrator.url, args, runOptions),
    async stop() {
      for (const a of agents) await a.stop();
      await orchestrator.stop();
      for (const d of dirs) await d.cleanup();
    },
  };
}
