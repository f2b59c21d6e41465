import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isShoalError } from '@shoal/models';
import { ExitCode } from '../exit-codes.js';
import { sweepNodeContainers } from './docker-sweep.js';
import { printHello } from './hello.js';
import { acquireLock, type DataDirLock, systemProcesses } from './lock.js';
import type { DevstackConfig } from './plan.js';
import { findListening, logDir } from './plan.js';
import { PollAborted, pollUntil } from './poll.js';
import { printReady } from './report.js';
import { Stack, type StackDeps } from './stack.js';
import { type ChildEvent, describeExit } from './supervisor.js';

/**
 * `shoal devstack` from lock to shutdown. Policy, as the README says: a cluster that cannot
 * start is stopped with the failing child's log (exit 1); once ready, a child that dies is
 * reported and restarted with backoff (0.5 s doubling to 15 s, reset after 30 s of health),
 * the orchestrator included. The first SIGINT/SIGTERM stops the agents, then the orchestrator
 * (which stops its nats-server), and exits 0; a second one kills everything at once.
 */

/** Agents stop their runs and send a shutdown notice; the orchestrator drains its API and NATS. */
const AGENT_GRACE_MS = 20_000;
const ORCHESTRATOR_GRACE_MS = 20_000;

export type DevstackDeps = Omit<StackDeps, 'onEvent' | 'onSpawned'>;

export class Devstack {
  private readonly stack: Stack;
  private lock: DataDirLock | undefined;
  private readonly startedAt = Math.floor(Date.now() / 1000);
  private stopping = false;
  /** Aborted when the shutdown begins: ends waits that outlive the cluster. */
  private readonly ending = new AbortController();

  constructor(
    private readonly config: DevstackConfig,
    private readonly deps: DevstackDeps,
  ) {
    this.stack = new Stack(config, {
      ...deps,
      onEvent: (e) => this.onEvent(e),
      // Recorded at once, so a successor can clean up even after a crash during start-up.
      onSpawned: () => this.recordChildren(),
    });
  }

  async run(signal: AbortSignal): Promise<ExitCode> {
    const { io } = this.deps;
    try {
      this.lock = acquireLock(this.config.dataDir);
    } catch (error) {
      return this.fail(error);
    }
    if (this.lock.takenOver) {
      const { pid, killed } = this.lock.takenOver;
      io.err(
        `warning: a previous devstack (pid ${pid}) on this data dir did not stop cleanly` +
          (killed.length > 0 ? `; killed its leftover processes ${killed.join(', ')}\n` : '\n'),
      );
    }
    let code: ExitCode = ExitCode.Ok;
    try {
      const ready = await this.stack.start(signal);
      printReady(io, this.config, ready, this.deps.env);
      if (this.config.hello) await printHello(io, ready, this.config.helloImage, signal);
      await untilAborted(signal);
    } catch (error) {
      if (!(error instanceof PollAborted)) code = this.fail(error);
    } finally {
      await this.shutdown();
    }
    return code;
  }

  /** SIGKILL every child and release the lock, synchronously: a second Ctrl-C, or an exit hook. */
  killNow(): void {
    for (const child of this.stack.children()) child.kill();
    this.killNatsServer();
    this.lock?.release();
  }

  private fail(error: unknown): ExitCode {
    const { io } = this.deps;
    const message = error instanceof Error ? error.message : String(error);
    io.err(`shoal devstack: ${message}\n`);
    const hint = isShoalError(error) ? error.hint : `the logs are in ${logDir(this.config.dataDir)}`;
    if (hint) io.err(`  hint: ${hint}\n`);
    return ExitCode.Failed;
  }

  private onEvent(event: ChildEvent): void {
    if (this.stopping) return;
    const { io } = this.deps;
    const child = this.stack.children().find((c) => c.name === event.name);
    if (event.type === 'exited') {
      const seconds = (event.restartInMs / 1000).toFixed(1);
      io.err(
        `devstack: ${event.name} exited unexpectedly (${describeExit(event.exit)}); ` +
          `restarting it in ${seconds}s (log: ${child?.spec.logFile})\n`,
      );
      return;
    }
    io.err(`devstack: ${event.name} restarted (pid ${event.pid})\n`);
    this.recordChildren();
    if (event.name === 'orchestrator') void this.followOrchestrator();
  }

  /** A restarted orchestrator may have had to move its nats-server: the agents follow it. */
  private async followOrchestrator(): Promise<void> {
    const orchestrator = this.stack.orchestrator;
    if (!orchestrator || this.config.natsUrl) return;
    try {
      const line = await pollUntil(() => findListening(orchestrator.output()), {
        timeoutMs: 180_000,
        what: 'the restarted orchestrator',
        signal: this.ending.signal,
        failFast: orchestrator.exited.then(() => 'it exited again'),
      });
      if (line.natsUrl === this.stack.natsUrl || this.stopping) return;
      this.deps.io.err(`warning: NATS moved to ${line.natsUrl}: restarting the agents on it\n`);
      this.stack.natsUrl = line.natsUrl;
      await Promise.all(this.stack.agents.map((a) => a.restart(AGENT_GRACE_MS)));
    } catch {
      // It died again: the supervisor reports that and restarts it.
    }
  }

  private recordChildren(): void {
    const pids = this.stack.children().flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
    this.lock?.recordChildren(pids);
  }

  private async shutdown(): Promise<void> {
    if (!this.lock) return;
    this.stopping = true;
    this.ending.abort();
    const { io } = this.deps;
    const { agents, orchestrator } = this.stack;
    if (agents.length > 0 || orchestrator) io.err('devstack: stopping the agents, then the orchestrator…\n');
    await Promise.all(agents.map((a) => a.stop(AGENT_GRACE_MS)));
    // A stopping agent lets go of its containers so that its next start re-adopts them; stopping a
    // devstack stops its work too, so they are removed here (a job running now is retried on the
    // next start, as after any lost run).
    if (this.stack.engines.includes('docker')) {
      for (const agent of agents) {
        const removed = await sweepNodeContainers(this.deps.dockerHost, agent.name, this.startedAt).catch(
          () => 0,
        );
        if (removed > 0) io.err(`devstack: removed ${removed} container(s) left behind by ${agent.name}\n`);
      }
    }
    await orchestrator?.stop(ORCHESTRATOR_GRACE_MS);
    this.killNatsServer();
    this.lock.release();
    io.err('devstack: stopped\n');
  }

  /** The orchestrator stops its nats-server; if it was killed, its server would be orphaned. */
  private killNatsServer(): void {
    try {
      const pid = Number(
        readFileSync(join(this.config.dataDir, 'orchestrator', 'nats-server.pid'), 'utf8').trim(),
      );
      const cmd = systemProcesses.commandLine(pid) ?? '';
      if (cmd.includes('nats-server') && cmd.includes(this.config.dataDir)) systemProcesses.kill(pid);
    } catch {
      // No pid file: no server, or it stopped cleanly.
    }
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
