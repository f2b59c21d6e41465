import { EngineType } from '@shoal/models';
import { executionDir, isSafeExecutionId } from '../../execution/execution-files.js';
import { errorMessage, safeLog } from '../../logger.js';
import {
  type AdoptOutcome,
  type Executor,
  type ExecutorCapabilities,
  type ExecutorResult,
  executionTimeoutSeconds,
  type PrepareSpec,
  type RunSpec,
} from '../executor.js';
import { findContainer } from './adopt.js';
import { offeredNetworks, planContainer } from './container-spec.js';
import { removeNow } from './endings.js';
import { watchExit } from './exit-watch.js';
import { DockerHealth } from './health.js';
import { closeFiles, type Launched, launch, openFiles } from './launch.js';
import { type DockerExecutorOptions, type ResolvedDockerOptions, resolveDockerOptions } from './options.js';
import { PreparedContainers } from './prepared.js';
import { supervise } from './supervise.js';
import { sweepOrphans } from './sweeper.js';

/**
 * The docker engine. Each execution is one container, named and labelled after it, with safe
 * defaults (container-spec.ts); its output streams into files under the agent's state directory
 * (paths.ts) and its first bytes into RunOutput. Runs survive an agent restart (adopt), strays are
 * swept (recover), and a sick daemon stops the bidding (capabilities) without failing runs early.
 */
export class DockerExecutor implements Executor {
  private readonly o: ResolvedDockerOptions;
  private readonly health: DockerHealth;
  /** Executions with a container this process watches or is creating: the sweep spares them. */
  private readonly inFlight = new Set<string>();
  private readonly removals = new Set<Promise<void>>();
  private readonly prepared: PreparedContainers;
  private readonly closing = new AbortController();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: DockerExecutorOptions) {
    this.o = resolveDockerOptions(options);
    this.health = new DockerHealth({
      docker: this.o.docker,
      intervalMs: this.o.healthIntervalMs,
      timeoutMs: Math.min(this.o.callTimeoutMs, 5_000),
      logger: this.o.logger,
    });
    this.health.start();
    this.prepared = new PreparedContainers(this.o, {
      own: (id) => this.inFlight.add(id),
      disown: (id) => this.inFlight.delete(id),
      track: (removal) => {
        const tracked = removal.finally(() => this.removals.delete(tracked));
        this.removals.add(tracked);
      },
      closing: this.closing.signal,
    });
  }

  capabilities(): ExecutorCapabilities {
    const { healthy, reason } = this.health.current;
    return {
      engine: EngineType.Docker,
      healthy,
      ...(reason === undefined ? {} : { reason }),
      networks: offeredNetworks(this.o.allowNetworkedJobs),
    };
  }

  /** Resolves after the first health probe (tests, and callers that want to bid right away). */
  checkHealth(): Promise<ExecutorCapabilities> {
    return this.health.probeNow().then(() => this.capabilities());
  }

  async run(spec: RunSpec): Promise<ExecutorResult> {
    if (spec.signal.aborted) return { kind: 'cancelled' };
    if (this.closing.signal.aborted) return { kind: 'failed', error: 'the docker executor was closed' };
    if (!isSafeExecutionId(spec.executionId)) return { kind: 'failed', error: 'unusable execution id' };
    const dir = executionDir(this.o.stateDir, spec.executionId);
    const planned = planContainer(spec, dir, this.o);
    if (!planned.ok) return { kind: 'failed', error: `invalid docker task: ${planned.error}` };
    const prepared = this.prepared.take(spec.executionId, planned.plan);
    this.inFlight.add(spec.executionId);
    const release = new AbortController();
    try {
      // Not ended by a cancel: a cancelled container is killed, and its output and exit read to the end.
      const watchSignal = AbortSignal.any([release.signal, this.closing.signal]);
      const launched = await launch(spec, planned.plan, dir, this.o, this.o.logger, watchSignal, prepared);
      if (!launched.ok) return launched.result;
      return await this.watch(spec, launched.launched);
    } catch (error) {
      return { kind: 'failed', error: `docker executor error: ${errorMessage(error)}` };
    } finally {
      release.abort();
      this.inFlight.delete(spec.executionId);
    }
  }

  /** While the bid awaits approval: create its container, if its image is here (prepared.ts). */
  prepare(spec: PrepareSpec): void {
    const id = spec.executionId;
    if (this.closing.signal.aborted || !this.health.current.healthy || this.prepared.has(id)) return;
    // Inputs are mounted too: only with the mounts they will have (RunTracker knows them at the
    // start of the run, while they are fetched), else nothing to prepare.
    if (!isSafeExecutionId(id) || ((spec.task.InputSources ?? []).length > 0 && !spec.inputs)) return;
    const planned = planContainer(spec, executionDir(this.o.stateDir, id), this.o);
    if (planned.ok) this.prepared.prepare(id, planned.plan);
  }

  discard(executionId: string): void {
    this.prepared.discard(executionId);
  }

  async adopt(spec: RunSpec): Promise<AdoptOutcome> {
    if (!isSafeExecutionId(spec.executionId)) return { adopted: false, reason: 'unusable execution id' };
    const found = await findContainer(this.o, spec.executionId);
    if (!found.ok) return { adopted: false, reason: found.reason };
    this.inFlight.add(spec.executionId);
    const { container, startedAtMs } = found;
    const result = (async (): Promise<ExecutorResult> => {
      const release = new AbortController();
      try {
        const files = await openFiles(executionDir(this.o.stateDir, spec.executionId), this.o, false);
        try {
          const signal = AbortSignal.any([release.signal, this.closing.signal]);
          const call = { callTimeoutMs: this.o.callTimeoutMs, signal };
          const exit = await watchExit(container, 'not-running', call);
          return await this.watch(spec, { container, files, exit, startedAtMs }, false);
        } finally {
          await closeFiles(files);
        }
      } catch (error) {
        return { kind: 'failed', error: `docker executor error: ${errorMessage(error)}` };
      } finally {
        release.abort();
        this.inFlight.delete(spec.executionId);
      }
    })();
    return { adopted: true, result };
  }

  async recover(live: ReadonlySet<string>): Promise<void> {
    await this.sweep((id) => live.has(id));
    if (this.sweepTimer !== undefined || this.closing.signal.aborted) return;
    // Only after recovery: a sweep before adoption would remove the very containers to adopt.
    let sweeping = false;
    this.sweepTimer = setInterval(() => {
      // One at a time: against a slow daemon a sweep can outlast the interval.
      if (sweeping) return;
      sweeping = true;
      this.sweep(() => false)
        .catch((error: unknown) =>
          safeLog(this.o.logger, 'warn', { err: errorMessage(error) }, 'orphan sweep failed'),
        )
        .finally(() => {
          sweeping = false;
        });
    }, this.o.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** This node's containers that no live execution owns are removed; returns how many. */
  sweep(alsoOwned: (executionId: string) => boolean): Promise<number> {
    const owned = (id: string) => this.inFlight.has(id) || alsoOwned(id);
    return sweepOrphans(this.o.docker, this.o.nodeId, owned, this.o);
  }

  /**
   * Stops probing and sweeping and lets go of every run WITHOUT touching its container, as a
   * killed agent would: the agent aborts its runs before it closes, so in service nothing is left.
   */
  async close(): Promise<void> {
    this.closing.abort(new Error('docker executor closed'));
    this.health.close();
    this.prepared.discardAll();
    clearInterval(this.sweepTimer);
    await Promise.allSettled([...this.removals]);
  }

  private async watch(spec: RunSpec, l: Launched, closeAfter = true): Promise<ExecutorResult> {
    try {
      return await supervise(
        {
          ...l,
          executionId: spec.executionId,
          timeoutSeconds: executionTimeoutSeconds(spec.task),
          memoryBytes: spec.resources.memoryBytes,
          signal: spec.signal,
          closing: this.closing.signal,
          removeLater: (container) => this.removeLater(spec.executionId, container),
        },
        this.o,
        this.o.logger,
      );
    } finally {
      if (closeAfter) await closeFiles(l.files);
    }
  }

  /** A finished run's container goes after its result is reported: removal is not on the clock. */
  private removeLater(executionId: string, container: Launched['container']): void {
    const removal = removeNow(container, this.o, this.o.logger, executionId).finally(() => {
      this.removals.delete(removal);
    });
    this.removals.add(removal);
  }
}
