import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getFreePort, killOnExit, makeTempDir, stopProcess, type TempDir, waitFor } from '@shoal/testkit';

/** A real cluster for end-to-end tests: `./shoal serve` processes, as users run them. */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));

export interface Proc {
  child: ChildProcess;
  output: () => string;
}

/** `env` is added to this process's environment (DOCKER_HOST for an agent without Docker, say). */
export function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = killOnExit(
    spawn(shoal, ['serve', '--log-level', 'warn', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    }),
  );
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output };
}

export interface Cluster {
  api: string;
  agents: Map<string, Proc>;
  orchestrator: Proc;
  /** SIGTERM the orchestrator and start it again on the same port, store and NATS. */
  restartOrchestrator(): Promise<void>;
  startAgent(name: string, zone: string): Promise<Proc>;
  stop(): Promise<void>;
}

export async function startCluster(options: {
  natsUrl: string;
  dbUrl: string;
  agents: number;
  /** Flags every agent gets after the defaults (a later `--cpu` wins over the default 4). */
  agentArgs?: readonly string[];
}): Promise<Cluster> {
  const dirs: TempDir[] = [];
  const port = await getFreePort();
  const api = `http://127.0.0.1:${port}`;
  const orchestratorDir = await makeTempDir('shoal-e2e-o-');
  dirs.push(orchestratorDir);
  const orchestratorArgs = [
    '--orchestrator',
    '--api-port',
    String(port),
    '--db',
    options.dbUrl,
    '--data-dir',
    orchestratorDir.path,
    '--nats-url',
    options.natsUrl,
    '--node-disconnect-timeout',
    '4s',
  ];
  const startOrchestrator = async () => {
    const proc = start(orchestratorArgs);
    await waitFor(() => proc.output().includes('listening on'), {
      timeoutMs: 60_000,
      message: () => `orchestrator did not start: ${proc.output()}`,
    });
    return proc;
  };
  let orchestrator = await startOrchestrator();
  const agents = new Map<string, Proc>();
  const agentDirs = new Map<string, TempDir>();
  const startAgent = async (name: string, zone: string) => {
    let dir = agentDirs.get(name);
    if (!dir) {
      dir = await makeTempDir(`shoal-e2e-${name}-`);
      dirs.push(dir);
      agentDirs.set(name, dir);
    }
    const agent = start([
      '--compute',
      '--nats-url',
      options.natsUrl,
      '--name',
      name,
      '--labels',
      `zone=${zone},name=${name}`,
      '--data-dir',
      dir.path,
      '--cpu',
      '4',
      '--memory',
      '8Gi',
      ...(options.agentArgs ?? []),
    ]);
    agents.set(name, agent);
    return agent;
  };
  const zones = ['a', 'b', 'c', 'd', 'e'];
  await Promise.all(
    Array.from({ length: options.agents }, (_, i) =>
      startAgent(`node-${i + 1}`, zones[i % zones.length] ?? 'a'),
    ),
  );
  return {
    api,
    agents,
    get orchestrator() {
      return orchestrator;
    },
    async restartOrchestrator() {
      await stopProcess(orchestrator.child);
      orchestrator = await startOrchestrator();
    },
    startAgent,
    async stop() {
      await Promise.all([...agents.values()].map((a) => stopProcess(a.child)));
      await stopProcess(orchestrator.child);
      for (const dir of dirs) await dir.cleanup();
    },
  };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function submit(api: string, job: unknown): Promise<string> {
  const res = await fetch(`${api}/api/v1/orchestrator/jobs`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Job: job }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`submit: ${res.status} ${text}`);
  return (JSON.parse(text) as { JobID: string }).JobID;
}

export interface JobView {
  Job: { State: { StateType: string; Message: string } };
}

export async function waitForJobState(
  api: string,
  id: string,
  states: string[],
  timeoutMs = 60_000,
): Promise<JobView> {
  return waitFor(
    async () => {
      const view = await getJson<JobView>(`${api}/api/v1/orchestrator/jobs/${id}`);
      return states.includes(view.Job.State.StateType) ? view : undefined;
    },
    { timeoutMs, intervalMs: 100, message: `job ${id} never reached ${states.join('|')}` },
  );
}
