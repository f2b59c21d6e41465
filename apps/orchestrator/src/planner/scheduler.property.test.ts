import { isTerminalJobState, type JobType } from '@shoal/models';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan, schedule } from './schedule.js';
import { agentReports } from './testing/agent.js';
import { applyPlan } from './testing/apply-plan.js';
import { GB, makeJob, makeNode, type NodeSpec, SEC } from './testing/fixtures.js';
import { checkPlacements, checkState } from './testing/invariants.js';
import { checkOutcomes } from './testing/outcome-invariants.js';
import { Scenario } from './testing/scenario.js';

/**
 * Random lives of random jobs on random clusters: agents accept, refuse (some for lack of room),
 * run, finish and fail (the task, or the node), nodes come, go (some with a grace period), get
 * deleted or turn unhealthy, time jumps (often straight to the requested follow-up), users stop jobs.
 * After every plan the invariants in testing/invariants.ts must hold, and scheduling again must
 * change nothing.
 */

// Mostly healthy clusters that can run the job, so runs get far enough to retry and complete;
// enough misfits (wrong engine or zone, unapproved, disconnected, full) to exercise the filters.
const nodeSpec = (i: number): fc.Arbitrary<NodeSpec> =>
  fc.record({
    id: fc.constant(`n-${i}`),
    cpu: fc.constantFrom(1, 2, 4),
    memory: fc.constantFrom(1 * GB, 2 * GB, 4 * GB),
    labels: fc.constantFrom({ zone: 'a' }, { zone: 'a' }, { zone: 'b' }),
    engines: fc.constantFrom(['docker'], ['docker', 'noop'], ['docker'], ['noop']),
    membership: fc.constantFrom<'APPROVED' | 'PENDING'>(
      'APPROVED',
      'APPROVED',
      'APPROVED',
      'APPROVED',
      'PENDING',
    ),
    connection: fc.constantFrom<'CONNECTED' | 'DISCONNECTED'>(
      'CONNECTED',
      'CONNECTED',
      'CONNECTED',
      'DISCONNECTED',
    ),
    usage: fc.record({ CPU: fc.constantFrom(0, 0, 0.5, 1), Memory: fc.constantFrom(0, 0, 0.5 * GB) }),
  });

const world = fc.record({
  type: fc.constantFrom<JobType>('batch', 'batch', 'service', 'ops', 'daemon'),
  count: fc.integer({ min: 1, max: 3 }),
  cpu: fc.constantFrom('250m', '500m', '1'),
  memory: fc.constantFrom('256Mb', '512Mb', '1Gb'),
  zoned: fc.constantFrom(false, false, false, true),
  queueTimeout: fc.constantFrom(0, 60, 60),
  executionTimeout: fc.constantFrom(0, 0, 20),
  nodes: fc
    .integer({ min: 1, max: 5 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeSpec(i)))),
  /** At most one unhealthy node (-1 and 5..9: none). */
  unhealthy: fc.integer({ min: -1, max: 9 }),
  settings: fc.record({
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    bidsPerPartition: fc.constantFrom(1, 1, 2),
    baseSeconds: fc.integer({ min: 1, max: 10 }),
    busySeconds: fc.integer({ min: 1, max: 10 }),
    prepareSeconds: fc.constantFrom(0, 10),
    defaultQueueSeconds: fc.constantFrom(0, 30, 3600),
  }),
});

const action = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({ kind: fc.constant('agent' as const), pick: fc.nat(), choice: fc.nat() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 0, max: 30 }) }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'follow-up' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('disconnect' as const),
      node: fc.nat(),
      /** Seconds of grace before its executions are lost; -1: none (lost at once). */
      grace: fc.constantFrom(-1, -1, 10, 45),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), node: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('join' as const), zone: fc.constantFrom('a', 'b') }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), node: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('health' as const), node: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
);

type World = typeof world extends fc.Arbitrary<infer W> ? W : never;
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

function build(w: World): Scenario {
  const job = makeJob({
    type: w.type,
    Count: w.type === 'batch' || w.type === 'service' ? w.count : 0,
    Constraints: w.zoned ? [{ Key: 'zone', Operator: 'in', Values: ['a'] }] : [],
    task: {
      Resources: { CPU: w.cpu, Memory: w.memory, Disk: '', GPU: '' },
      Timeouts: { QueueTimeout: w.queueTimeout, ExecutionTimeout: w.executionTimeout, TotalTimeout: 0 },
    },
  });
  const nodes = w.nodes.map((spec, i) => makeNode({ ...spec, healthy: i !== w.unhealthy }));
  const base = BigInt(w.settings.baseSeconds) * SEC;
  return new Scenario({
    job,
    nodes,
    settings: {
      maxAttempts: w.settings.maxAttempts,
      bidsPerPartition: w.settings.bidsPerPartition,
      retryBackoff: { baseNanos: base, maxNanos: 4n * base },
      executionTimeoutBufferNanos: 10n * SEC,
      prepareAllowanceNanos: BigInt(w.settings.prepareSeconds) * SEC,
      busyRetryNanos: BigInt(w.settings.busySeconds) * SEC,
      defaultQueueTimeoutSeconds: w.settings.defaultQueueSeconds,
    },
  });
}

/** Schedules, applies, and checks everything that must hold. */
function evaluate(sc: Scenario): void {
  const before = sc.snapshot;
  const plan = schedule(before, sc.now);
  expect(schedule(structuredClone(before), sc.now)).toEqual(plan); // deterministic
  sc.snapshot = applyPlan(before, plan, sc.now);
  checkPlacements(before, plan, sc.snapshot, sc.now);
  sc.plans.push(plan);
  checkState(before, plan, sc.snapshot);
  checkOutcomes(before, plan, sc.snapshot, sc.now);
  const again = schedule(sc.snapshot, sc.now);
  expect(isEmptyPlan(again), 'scheduling the applied plan again changed something').toBe(true);
  expect(again.followUp).toEqual(plan.followUp);
}

function act(sc: Scenario, a: Action): void {
  const nodeId = (n: number) => sc.snapshot.nodes[n % Math.max(1, sc.snapshot.nodes.length)]?.Info.NodeID;
  switch (a.kind) {
    case 'agent':
      agentReports(sc, a.pick, a.choice, sc.job.Type === 'batch' || sc.job.Type === 'service');
      break;
    case 'advance':
      sc.after(BigInt(a.seconds) * SEC);
      break;
    case 'follow-up': {
      const due = sc.plans.at(-1)?.followUp?.waitUntil;
      if (due !== undefined && due > sc.now) sc.at(due);
      break;
    }
    case 'disconnect': {
      const id = nodeId(a.node);
      const timed = (sc.job.Tasks[0]?.Timeouts.ExecutionTimeout ?? 0) > 0;
      const bids = (sc.snapshot.settings.bidsPerPartition ?? 1) > 1;
      if (id) sc.disconnect(id, a.grace < 0 || timed || bids ? undefined : sc.now + BigInt(a.grace) * SEC);
      break;
    }
    case 'reconnect': {
      const id = nodeId(a.node);
      if (id) sc.reconnect(id);
      break;
    }
    case 'delete': {
      const id = nodeId(a.node);
      if (id) sc.removeNode(id);
      break;
    }
    case 'health': {
      const node = sc.snapshot.nodes[a.node % Math.max(1, sc.snapshot.nodes.length)];
      if (node) sc.patchNode(node.Info.NodeID, { healthy: !node.healthy });
      break;
    }
    case 'join':
      sc.setNode(makeNode({ id: `n-join-${sc.snapshot.nodes.length}`, labels: { zone: a.zone } }));
      break;
    case 'stop':
      if (!isTerminalJobState(sc.job.State.StateType)) sc.stopJob('stopped by the test');
      break;
  }
}

describe('scheduler properties', () => {
  it('keeps every invariant through random sequences of events', () => {
    fc.assert(
      fc.property(world, fc.array(action, { minLength: 1, maxLength: 60 }), (w, actions) => {
        const sc = build(w);
        evaluate(sc);
        for (const a of actions) {
          act(sc, a);
          evaluate(sc);
        }
      }),
      // SHOAL_PROPERTY_RUNS=20000 for a deeper search before a release.
      { numRuns: Number(process.env.SHOAL_PROPERTY_RUNS ?? 400) },
    );
  });
});
