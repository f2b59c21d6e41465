import { mkdirSync, readFileSync } from 'node:fs';
import { ErrorCode, isShoalError, type NodeState, ShoalError } from '@shoal/models';
import { choosePort } from '@shoal/orchestrator';
import { joinTokenFile } from '../commands/node-token.js';
import type { CliIO } from '../io.js';
import { DevstackApi } from './api.js';
import { pingDocker } from './docker-ping.js';
import { chooseEngines } from './engines.js';
import {
  agentArgs,
  agentUp,
  type DevstackConfig,
  findListening,
  type Listening,
  logDir,
  type NodePlan,
  orchestratorArgs,
  orchestratorLog,
  planNodes,
  tail,
} from './plan.js';
import { PollAborted, pollUntil } from './poll.js';
import {
  type Backoff,
  type ChildEvent,
  DEFAULT_BACKOFF,
  describeExit,
  SupervisedChild,
} from './supervisor.js';

/**
 * Starting the cluster: engines, ports, the orchestrator, then the agents, each awaited until it
 * is really up. Any child that exits during start-up ends the start with its log's last lines
 * (a cluster that cannot start is reported, not retried in a loop); once everything is ready,
 * the children are supervised and restarted with backoff (see supervisor.ts).
 */

export interface StackDeps {
  io: CliIO;
  /** How to run `shoal`: node, its flags and the CLI's entry script. */
  shoal: { command: string; args: readonly string[] };
  env: NodeJS.ProcessEnv;
  availableEngines(): Promise<readonly string[]>;
  dockerHost: string;
  startTimeoutMs?: number;
  backoff?: Backoff;
  onEvent(event: ChildEvent): void;
  /** After each child's first start (restarts are events). */
  onSpawned(): void;
}

export interface ReadyStack {
  listening: Listening;
  orchestratorPid: number | undefined;
  engines: string[];
  nodes: Array<{ plan: NodePlan; state: NodeState; pid: number | undefined }>;
  api: DevstackApi;
}

/** A failure to start (a child exited, or a deadline passed) as the ShoalError it is. */
function startFailure(error: unknown, logs: string): unknown {
  if (error instanceof PollAborted || isShoalError(error)) return error;
  return new ShoalError(ErrorCode.Unavailable, (error as Error).message, {
    component: 'Devstack',
    hint: `the logs are in ${logs}`,
    retryable: false,
  });
}

export class Stack {
  orchestrator: SupervisedChild | undefined;
  readonly agents: SupervisedChild[] = [];
  natsUrl = '';
  /** The engines the agents run with, once chosen. */
  engines: string[] = [];
  private readonly timeoutMs: number;

  constructor(
    readonly config: DevstackConfig,
    private readonly deps: StackDeps,
  ) {
    this.timeoutMs = deps.startTimeoutMs ?? 180_000;
  }

  children(): SupervisedChild[] {
    return [...this.agents, ...(this.orchestrator ? [this.orchestrator] : [])];
  }

  async start(signal: AbortSignal): Promise<ReadyStack> {
    try {
      return await this.startAll(signal);
    } catch (error) {
      throw startFailure(error, logDir(this.config.dataDir));
    }
  }

  private async startAll(signal: AbortSignal): Promise<ReadyStack> {
    const { config, deps } = this;
    const warn = (text: string) => deps.io.err(`warning: ${text}\n`);
    mkdirSync(logDir(config.dataDir), { recursive: true });
    const { engines, warnings } = await chooseEngines(config.engines, {
      available: await deps.availableEngines(),
      dockerHost: deps.dockerHost,
      dockerProblem: () => pingDocker(deps.dockerHost),
    });
    for (const w of warnings) warn(w);
    this.engines = engines;
    if (engines.length === 0) {
      throw new ShoalError(
        ErrorCode.BadRequest,
        `no engine left to run (asked for ${config.engines.join(', ')})`,
        {
          component: 'Devstack',
          hint: 'pass --engines noop, or start Docker for the docker engine',
        },
      );
    }
    const listening = await this.startOrchestrator(signal, warn);
    this.natsUrl = listening.natsUrl;
    // The orchestrator's own nats-server admits nodes with its join token, read from its state.
    const joinEnv: Record<string, string> = config.natsUrl
      ? {}
      : { SHOAL_JOIN_TOKEN: readFileSync(joinTokenFile(config.dataDir), 'utf8').trim() };
    const api = new DevstackApi(listening.apiUrl, deps.env.SHOAL_API_TOKEN || deps.env.SHOAL_API_READ_TOKEN);
    const plans = planNodes(config);
    for (const plan of plans) {
      mkdirSync(plan.dataDir, { recursive: true });
      const args = () => agentArgs(config, plan, this.natsUrl, engines);
      const agent = this.child(plan.name, plan.logFile, args, joinEnv);
      this.agents.push(agent);
      agent.start();
      deps.onSpawned();
    }
    const failFast = Promise.race(this.agents.map((a) => this.exitMessage(a)));
    const states = await pollUntil(
      async () => {
        if (!this.agents.every((a) => agentUp(a.output(), config.logLevel))) return undefined;
        const byId = new Map((await api.nodes()).map((n) => [n.Info.NodeID, n]));
        const ours = plans.map((p) => byId.get(p.name));
        return ours.every((n) => n?.Connection === 'CONNECTED') ? (ours as NodeState[]) : undefined;
      },
      { timeoutMs: this.timeoutMs, what: `${plans.length} agents to connect`, signal, failFast },
    );
    for (const child of this.children()) child.supervise();
    return {
      listening,
      orchestratorPid: this.orchestrator?.pid,
      engines,
      api,
      nodes: plans.map((plan, i) => ({ plan, state: states[i] as NodeState, pid: this.agents[i]?.pid })),
    };
  }

  private async startOrchestrator(signal: AbortSignal, warn: (text: string) => void): Promise<Listening> {
    const { config } = this;
    let nats = 0;
    if (!config.natsUrl) {
      const choice = await choosePort('127.0.0.1', config.natsPort);
      if (choice.replaced)
        warn(`NATS port ${config.natsPort} is taken: nats-server listens on ${choice.port} instead`);
      nats = choice.port;
    }
    for (let attempt = 1; ; attempt++) {
      const api = await choosePort(config.apiHost, config.apiPort);
      if (api.replaced && attempt === 1) {
        warn(`API port ${config.apiPort} is taken: the API listens on ${api.port} instead`);
      }
      const child = this.child('orchestrator', orchestratorLog(config.dataDir), () =>
        orchestratorArgs(config, api.port, nats),
      );
      this.orchestrator = child;
      child.start();
      this.deps.onSpawned();
      try {
        return await pollUntil(
          async () => {
            const line = findListening(child.output());
            return line && (await new DevstackApi(line.apiUrl, undefined).alive()) ? line : undefined;
          },
          { timeoutMs: this.timeoutMs, what: 'the orchestrator', signal, failFast: this.exitMessage(child) },
        );
      } catch (error) {
        // Someone took the API port between our check and the bind: another free port, a few times.
        const raced = child.pid === undefined && /already in use/.test(child.output());
        if (!raced || attempt >= 3) throw error;
        warn(`API port ${api.port} was taken before the orchestrator bound it: trying another`);
      }
    }
  }

  /** Resolves with a start-up failure message when `child` exits (never, if it keeps running). */
  private async exitMessage(child: SupervisedChild): Promise<string> {
    const exit = await child.exited;
    return (
      `${child.name} exited during start-up (${describeExit(exit)}); the end of ${child.spec.logFile}:\n` +
      tail(child.output())
    );
  }

  private child(
    name: string,
    logFile: string,
    args: () => string[],
    env: Record<string, string> = {},
  ): SupervisedChild {
    const { deps } = this;
    return new SupervisedChild(
      {
        name,
        logFile,
        command: deps.shoal.command,
        args: () => [...deps.shoal.args, ...args()],
        env: { ...deps.env, ...env },
      },
      deps.onEvent,
      deps.backoff ?? DEFAULT_BACKOFF,
    );
  }
}
