import type { JobType } from '@shoal/models';
import fc from 'fast-check';
import { GB, type NodeSpec } from './fixtures.js';

/** What the property test draws: a job, its cluster and settings, and the events of its life. */

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

export const world = fc.record({
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

export const action = fc.oneof(
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

export type World = typeof world extends fc.Arbitrary<infer W> ? W : never;
export type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;
