import {
  type Clock,
  ComputeStateType,
  createIdGenerator,
  DesiredStateType,
  type Evaluation,
  type EvaluationTrigger,
  type Execution,
  type Job,
  systemClock,
} from '@shoal/models';
import { connectNats } from '@shoal/protocol';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type NodeManager, startNodeManager } from '../../nodes/node-manager.js';
import type { NodeSettings } from '../../nodes/settings.js';
import { openStore, type Store } from '../../store/index.js';
import { makeExecution, makeJob } from '../../store/testing/fixtures.js';
import { Dispatcher, type SenderTuning } from '../dispatcher.js';
import { type NatsConnection, ORCHESTRATOR_QUEUE } from '../nats-link.js';
import { serveReports } from '../reports.js';

/**
 * The orchestrator's NATS side (its dispatcher, node manager and report handler, built as main.ts
 * builds them) over a real nats-server and a real (PGlite) store, for tests.
 */

export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/** A pino logger that keeps every line, to assert that a refusal was logged. */
export function recordingLogger(): { logger: Logger; lines: LogLine[]; find(msg: string): LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines, find: (msg) => lines.filter((l) => l.msg === msg) };
}

/** One in-memory store for the suite; tests keep apart by using fresh ids. */
export function useMemoryStore(): { readonly store: Store } {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(async () => {
    await store?.close();
  });
  return {
    get store() {
      if (!store) throw new Error('the store is opened in beforeAll');
      return store;
    },
  };
}

export const FAST_SENDER: SenderTuning = {
  requestTimeoutMs: 1_000,
  backoff: { initialMs: 50, maxMs: 500 },
  idlePollMs: 200,
};

export interface SideHarness {
  readonly store: Store;
  readonly nc: NatsConnection;
  readonly side: { readonly dispatcher: Dispatcher; readonly nodes: NodeManager };
  readonly log: ReturnType<typeof recordingLogger>;
  stop(): Promise<void>;
}

export async function startSide(options: {
  url: string;
  store: Store;
  nodes?: Partial<NodeSettings>;
  clock?: Clock;
  sender?: SenderTuning;
  sweepEveryMs?: number;
}): Promise<SideHarness> {
  const log = recordingLogger();
  const nc = await connectNats({
    servers: options.url,
    name: 'test-orchestrator',
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 100,
  });
  const clock = options.clock ?? systemClock();
  const ids = createIdGenerator();
  const { store } = options;
  const dispatcher = new Dispatcher({
    nc,
    store,
    clock,
    logger: log.logger,
    sender: options.sender ?? FAST_SENDER,
    ...(options.sweepEveryMs === undefined ? {} : { sweepEveryMs: options.sweepEveryMs }),
  });
  await dispatcher.start();
  const nodes = startNodeManager({
    nc,
    store,
    clock,
    ids,
    logger: log.logger,
    settings: { disconnectTimeoutMs: 60_000, gracePeriodMs: 0, autoApprove: true, ...options.nodes },
    streams: dispatcher,
    queue: ORCHESTRATOR_QUEUE,
  });
  const reports = serveReports({ nc, store, clock, ids, logger: log.logger, queue: ORCHESTRATOR_QUEUE });
  await nc.flush();
  const side = { dispatcher, nodes };
  return {
    store: options.store,
    nc,
    side,
    log,
    async stop() {
      reports.unsubscribe();
      await nodes.stop();
      await dispatcher.stop();
      await nc.close();
    },
  };
}

/**
 * Pending evaluations of a kind, taken (claimed with a long lease) so the next call sees only newer
 * ones. The store has no listing of evaluations; the claim is how workers see them too.
 */
export async function takeEvaluations(store: Store, trigger: EvaluationTrigger): Promise<Evaluation[]> {
  const taken: Evaluation[] = [];
  const hour = 3_600_000_000_000n;
  for (;;) {
    const now = BigInt(Date.now()) * 1_000_000n;
    const next = await store.evaluations.claimNext('test', now, hour, [trigger]);
    if (!next) return taken;
    // Finished, as a worker would: an unfinished one stands in for later reports of its job.
    await store.evaluations.finish(next.ID, 'test', 'complete', 'taken by the test', now);
    taken.push(next);
  }
}

/** A job with one execution on `nodeId`, stored. */
export async function placeExecution(
  store: Store,
  nodeId: string,
  state: { compute?: ComputeStateType; desired?: DesiredStateType } = {},
  job: Job = makeJob(),
): Promise<{ job: Job; execution: Execution }> {
  await store.jobs.insert(job);
  const execution = makeExecution(job, {
    NodeID: nodeId,
    ComputeState: { StateType: state.compute ?? ComputeStateType.New, Message: '' },
    DesiredState: { StateType: state.desired ?? DesiredStateType.Pending, Message: '' },
  });
  await store.executions.insert(execution);
  return { job, execution };
}
