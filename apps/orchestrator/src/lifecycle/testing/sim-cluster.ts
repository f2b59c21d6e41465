import {
  type Capacity,
  createIdGenerator,
  type Evaluation,
  type IdGenerator,
  isShoalError,
  isTerminalJobState,
  type Job,
  type manualClock,
  nanosFromMillis,
  shortId,
} from '@shoal/models';
import { PROTOCOL_VERSION } from '@shoal/protocol';
import { type Logger, pino } from 'pino';
import type { NodeManagerDeps } from '../../nodes/deps.js';
import { handshake } from '../../nodes/handshake.js';
import { type Liveness, startLiveness } from '../../nodes/liveness.js';
import { resolveSettings, type SchedulerSettings } from '../../planner/index.js';
import { JobService } from '../../service/job-service.js';
import type { Repos, Store, StoredExecution } from '../../store/index.js';
import { makeNode } from '../../store/testing/fixtures.js';
import { groupedReportTracker } from '../../transport/report-groups.js';
import type { EvaluationHandler } from '../../worker/evaluation-worker.js';
import { applyReports } from '../apply-reports.js';
import { schedulingHandler } from '../handler.js';
import { SimAgent } from './sim-agent.js';

/**
 * The orchestrator's real write path around simulated agents, on a clock the test moves: jobs are
 * submitted and stopped through the JobService, evaluations are claimed from the store and run by
 * the real schedulingHandler in the evaluation worker's batch transaction, agents read their
 * outbox and their reports go through the report receiver's cursor and applyReports, nodes join and
 * return through the real handshake and are judged by the real liveness check.
 */

export type ManualClock = ReturnType<typeof manualClock>;

export interface ClusterOptions {
  store: Store;
  clock: ManualClock;
  /** Unique per cluster in a shared store: node ids, ids and labels carry it. */
  tag: string;
  nodes: number;
  nodeCpu?: number;
  settings?: Partial<SchedulerSettings>;
  disconnectTimeoutMs?: number;
  /** How long a disconnected node keeps its executions (the handler's nodeLoss grace). */
  graceMs?: number;
}

const SEC = 1_000_000_000n;
const GIB = 1_073_741_824;
/** How far quiescence moves the clock to reach a pending follow-up (retries, rests, node loss). */
const HORIZON = 180n * SEC;
const WORKER = 'sim-worker';
const LEASE = 3_600n * SEC;

/**
 * Ids from a counter, so a seed replays the same tie-breaks (the planner seeds on evaluation ids).
 * The counter leads (short ids show it); the tag ends them, unique in the shared store.
 */
function countingIds(tag: string): IdGenerator {
  const suffix = tag
    .replace(/[^0-9a-f]/g, '')
    .padStart(12, '0')
    .slice(-12);
  let n = 0;
  return createIdGenerator(() => `${(++n).toString(16).padStart(8, '0')}-0000-4000-8000-${suffix}`);
}

export class SimCluster {
  readonly agents: SimAgent[];
  readonly jobIds: string[] = [];
  /** What happened, for the failure message. */
  readonly trace: string[] = [];
  readonly warnings: string[] = [];
  /** Batches the worker would have retried for a lost compare-and-swap. */
  conflicts = 0;
  readonly store: Store;
  readonly clock: ManualClock;
  private readonly ids: IdGenerator;
  private readonly handler: EvaluationHandler;
  private readonly service: JobService;
  private readonly nodeDeps: NodeManagerDeps;
  private readonly liveness: Liveness;
  private readonly tracker: ReturnType<typeof groupedReportTracker>;
  private readonly logger: Logger;
  private readonly timeout: bigint;
  private readonly startedAt: bigint;
  private readonly grace: bigint;
  /** Nodes whose outbox may hold messages their agent has not read. */
  private readonly unsent = new Set<string>();

  private constructor(readonly options: ClusterOptions) {
    const { store, clock, tag } = options;
    this.store = store;
    this.clock = clock;
    this.ids = countingIds(tag);
    this.startedAt = clock.now();
    this.grace = nanosFromMillis(options.graceMs ?? 60_000);
    this.timeout = nanosFromMillis(options.disconnectTimeoutMs ?? 30_000);
    this.logger = pino(
      { level: 'warn' },
      { write: (line: string) => void this.warnings.push(line.slice(0, 400)) },
    );
    const max: Capacity = { CPU: options.nodeCpu ?? 1, Memory: GIB, Disk: 0, GPU: 0 };
    this.agents = Array.from(
      { length: options.nodes },
      (_, i) => new SimAgent(`n-${tag}-${i}`, max, () => clock.now()),
    );
    this.handler = schedulingHandler({
      ids: this.ids,
      ...(options.settings ? { settings: options.settings } : {}),
      nodeLoss: { startedAt: this.startedAt, graceNanos: this.grace },
      // As the dispatcher is: told which outboxes have news once a batch commits.
      onCommitted: (nodeIds) => {
        for (const id of nodeIds) this.unsent.add(id);
      },
    });
    this.service = new JobService({ store, clock, ids: this.ids });
    this.nodeDeps = {
      store,
      clock,
      ids: this.ids,
      logger: this.logger,
      settings: {
        disconnectTimeoutMs: options.disconnectTimeoutMs ?? 30_000,
        gracePeriodMs: 0,
        autoApprove: true,
        // As main.ts does: agents learn the planner's overcommit and bid by it.
        overcommit: resolveSettings(options.settings).overcommit,
        // Never by its own timer: the test runs check() when it moves the clock.
        checkEveryMs: 2_000_000_000,
      },
      streams: { resume: () => {}, drop: async () => {} },
    };
    this.liveness = startLiveness(this.nodeDeps);
    const deps = { clock, ids: this.ids, logger: this.logger };
    this.tracker = groupedReportTracker(store, clock, (envelopes, tx) => applyReports(envelopes, tx, deps));
  }

  static async start(options: ClusterOptions): Promise<SimCluster> {
    const cluster = new SimCluster(options);
    for (const agent of cluster.agents) await cluster.handshake(agent);
    return cluster;
  }

  get tag(): string {
    return this.options.tag;
  }

  note(line: string): void {
    this.trace.push(`+${(this.clock.now() - this.startedAt) / SEC}s ${line}`);
  }

  /** A batch job of `count` partitions, through the API's job service (pinned to this cluster). */
  async submit(count: number, cpu = '500m'): Promise<string> {
    const { JobID } = await this.service.submit({
      Type: 'batch',
      Count: count,
      Constraints: [{ Key: 'sim', Operator: 'in', Values: [this.tag] }],
      Tasks: [
        { Name: 'main', Engine: { Type: 'noop', Params: {} }, Resources: { CPU: cpu, Memory: '64Mb' } },
      ],
    });
    this.jobIds.push(JobID);
    return JobID;
  }

  /** As the API's stop: a job-stop evaluation; a finished job refuses (Conflict), a stopped one is a no-op. */
  async stop(jobId: string): Promise<boolean> {
    try {
      return (await this.service.stop(jobId)).EvaluationID !== '';
    } catch (error) {
      if (isShoalError(error) && error.code === 'Conflict') return false;
      throw error;
    }
  }

  /** One worker batch: up to `limit` due evaluations, handled as the evaluation worker does. */
  async runEvaluations(limit = 64): Promise<number> {
    const claimed = await this.store.evaluations.claimBatch(
      WORKER,
      this.clock.now(),
      LEASE,
      limit,
      this.handler.triggers,
    );
    if (claimed.length === 0) return 0;
    try {
      await this.runBatch(claimed);
    } catch (error) {
      if (claimed.length === 1) throw error;
      for (const evaluation of claimed) await this.runBatch([evaluation]);
    }
    return claimed.length;
  }

  /** The evaluation worker's runBatch (worker/evaluation-worker.ts), on this handler only. */
  private async runBatch(evaluations: readonly Evaluation[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const afterCommit = await this.store.transaction(async (tx: Repos) => {
          const now = this.clock.now();
          const ordered = [...evaluations].sort((a, b) =>
            a.JobID !== b.JobID
              ? a.JobID < b.JobID
                ? -1
                : 1
              : a.CreateTime !== b.CreateTime
                ? a.CreateTime < b.CreateTime
                  ? -1
                  : 1
                : a.ID < b.ID
                  ? -1
                  : 1,
          );
          const batch = this.handler.batch();
          await batch.prepare?.(tx, ordered);
          const outcomes = [];
          for (const evaluation of ordered) {
            outcomes.push({ id: evaluation.ID, ...(await batch.handle(tx, evaluation, now)) });
          }
          const [, hook] = await Promise.all([
            tx.evaluations.finishMany(WORKER, outcomes, now),
            batch.complete(tx, now),
          ]);
          return hook;
        });
        afterCommit?.();
        return;
      } catch (error) {
        const conflict = isShoalError(error) && error.code === 'Conflict';
        if (!conflict || attempt >= 3) throw error;
        this.conflicts++;
      }
    }
  }

  /** Up to `max` outbox messages to a reachable agent, applied by it and acknowledged. */
  async deliverIn(agent: SimAgent, max = 1000): Promise<number> {
    if (!agent.linked || !this.unsent.has(agent.nodeId)) return 0;
    const pending = await this.store.outbox.pending(agent.nodeId, agent.lastInSeq, max);
    if (pending.length < max) this.unsent.delete(agent.nodeId);
    for (const envelope of pending) {
      agent.receive(envelope);
      this.note(`${agent.nodeId} <- ${envelope.type} ${shortId(envelope.payload.ExecutionID)}`);
    }
    const last = pending.at(-1);
    if (last) await this.store.outbox.acked(agent.nodeId, last.seq);
    return pending.length;
  }

  /** Up to `max` of a reachable agent's reports, as one run in the transaction that moves its cursor. */
  async deliverOut(agent: SimAgent, max = 1000): Promise<number> {
    if (!agent.linked || agent.stream.length === 0) return 0;
    const run = agent.stream.slice(0, max);
    const first = run[0];
    const last = run.at(-1);
    if (!first || !last) return 0;
    const applied = await this.tracker.applyRun?.(agent.nodeId, first.seq, last.seq, async (reports) =>
      reports.add(run),
    );
    if (!applied) throw new Error(`${agent.nodeId}: run ${first.seq}..${last.seq} refused by the cursor`);
    agent.appliedUpTo(last.seq);
    for (const r of run) this.note(`${agent.nodeId} -> ${r.type} ${shortId(r.payload.ExecutionID)}`);
    return run.length;
  }

  /** Time passes: reachable agents heartbeat, then the liveness check judges the silent ones. */
  async advance(nanos: bigint): Promise<void> {
    this.clock.advance(nanos);
    const now = this.clock.now();
    for (const agent of this.agents) {
      if (!agent.linked) continue;
      const free = { ...agent.max, CPU: Math.max(0, agent.max.CPU - agent.held().CPU) };
      const beat = {
        AvailableCapacity: free,
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
        Healthy: true,
        HealthReason: '',
      };
      await this.store.nodeStatus.heartbeatMany([{ id: agent.nodeId, report: beat }], now);
    }
    await this.liveness.check();
  }

  /** The agent becomes unreachable: no heartbeats, nothing flows either way. */
  silence(agent: SimAgent): void {
    agent.linked = false;
  }

  /** The agent (re)connects through the handshake; `restart`: its process restarted meanwhile. */
  async reconnect(agent: SimAgent, restart: boolean): Promise<void> {
    if (restart) agent.restart();
    agent.linked = true;
    await this.handshake(agent);
  }

  private async handshake(agent: SimAgent): Promise<void> {
    const { Info } = makeNode({ id: agent.nodeId, labels: { sim: this.tag } });
    const max = agent.max;
    const NodeInfo = {
      ...Info,
      ComputeNodeInfo: {
        ...(Info.ComputeNodeInfo as NonNullable<typeof Info.ComputeNodeInfo>),
        MaxCapacity: max,
        AvailableCapacity: max,
        MaxJobRequirements: max,
      },
    };
    const reply = await handshake(this.nodeDeps, agent.nodeId, {
      NodeInfo,
      ProtocolVersion: PROTOCOL_VERSION,
      LastSeqReceived: agent.lastInSeq,
    });
    if (!reply.Accepted) throw new Error(`handshake of ${agent.nodeId} refused: ${reply.Reason}`);
    agent.overcommit = reply.Overcommit ?? 1;
    agent.appliedUpTo(reply.LastSeqReceived);
  }

  /** Everything flows that can: messages both ways and due evaluations, until nothing moves. */
  async settle(): Promise<number> {
    let total = 0;
    for (let round = 0; round < 200; round++) {
      let moved = 0;
      for (const agent of this.agents) {
        moved += await this.deliverIn(agent);
        moved += await this.deliverOut(agent);
      }
      moved += await this.runEvaluations();
      if (moved === 0) return total;
      total += moved;
    }
    throw new Error('the cluster does not settle: messages or evaluations keep coming');
  }

  /**
   * Quiescence: settle; let runs being stopped end (`stops`); then move the clock to the next
   * follow-up within the horizon (a retry's backoff, a node's rest, a disconnected node's grace) or
   * to a silent node's disconnection, and again, until nothing is left to happen soon.
   */
  async quiesce(options: { stops?: boolean } = {}): Promise<void> {
    for (let round = 0; round < 200; round++) {
      let moved = await this.settle();
      if (options.stops !== false) {
        for (const agent of this.agents) {
          if (!agent.linked) continue;
          for (const e of agent.inState('stopping')) {
            agent.stopped(e.id);
            moved++;
          }
        }
      }
      if (moved > 0) continue;
      const next = await this.nextWake();
      if (next === undefined) return;
      await this.advance(next - this.clock.now());
    }
    throw new Error('the cluster does not quiesce');
  }

  private async nextWake(): Promise<bigint | undefined> {
    const now = this.clock.now();
    const times: bigint[] = [];
    for (const e of await this.store.bulk.pendingEvaluations(this.jobIds)) {
      if (e.waitUntil > now && e.waitUntil <= now + HORIZON) times.push(e.waitUntil);
    }
    // A silent node is disconnected once its timeout passes, and lost once its grace does.
    for (const agent of this.agents) {
      if (agent.linked) continue;
      const record = await this.store.nodeStatus.find(agent.nodeId);
      if (!record) continue;
      if (record.state.Connection === 'CONNECTED') times.push(record.lastHeartbeat + this.timeout + 1n);
      else if (this.lostAt(record.lastHeartbeat) > now) times.push(this.lostAt(record.lastHeartbeat));
    }
    return times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0];
  }

  /** When a node last heard from at `lastHeartbeat` counts as lost (lostAt in batch.ts). */
  lostAt(lastHeartbeat: bigint): bigint {
    return (lastHeartbeat > this.startedAt ? lastHeartbeat : this.startedAt) + this.grace;
  }

  async executions(): Promise<StoredExecution[]> {
    return this.store.bulk.executionsOfJobs(this.jobIds);
  }

  async jobs(): Promise<Job[]> {
    return Promise.all(this.jobIds.map((id) => this.store.jobs.get(id)));
  }

  /** Stops every job still going, brings every node back and lets it all end. */
  async drain(): Promise<void> {
    for (const job of await this.jobs()) {
      if (!isTerminalJobState(job.State.StateType)) await this.stop(job.ID);
    }
    for (const agent of this.agents) if (!agent.linked) await this.reconnect(agent, false);
    await this.quiesce();
  }

  /** Leaves the shared store to the next cluster: its nodes are deleted, liveness stopped. */
  async close(): Promise<void> {
    await this.liveness.stop();
    for (const agent of this.agents) await this.store.nodes.delete(agent.nodeId).catch(() => {});
  }
}
