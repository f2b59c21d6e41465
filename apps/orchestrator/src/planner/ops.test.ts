import {
  ComputeStateType as C,
  DesiredStateType as D,
  JobStateType as J,
  ExecutionOutcome as O,
} from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const ops = (constraints = [{ Key: 'role', Operator: '=', Values: ['db'] }], extra = {}) =>
  makeJob({ type: 'ops', Constraints: constraints, ...extra });
const db = (id: string, extra = {}) => makeNode({ id, labels: { role: 'db' }, ...extra });

describe('ops', () => {
  it('starts one execution on every matching node at once (desired Running, no bid round)', () => {
    const sc = new Scenario({
      job: ops(),
      nodes: [db('n-1'), db('n-2'), makeNode({ id: 'n-web', labels: { role: 'web' } })],
    });
    const plan = sc.step();
    expect(plan.newExecutions.map((n) => [n.nodeId, n.desiredState, n.partition])).toEqual([
      ['n-1', D.Running, 0],
      ['n-2', D.Running, 0],
    ]);
    expect(plan.notes).toEqual(['not placed on node n-web: label role=web does not satisfy role=db']);
  });

  it('skips a matching node that has no room, and says so', () => {
    const sc = new Scenario({ job: ops(), nodes: [db('n-1'), db('n-2', { cpu: 0.5 })] });
    const plan = sc.step();
    expect(plan.newExecutions.map((n) => n.nodeId)).toEqual(['n-1']);
    expect(plan.notes[0]).toMatch(/^not placed on node n-2: CPU request exceeds/);
  });

  it('fails at once when no node matches and there is no default queue timeout', () => {
    const plan = new Scenario({
      job: ops(),
      nodes: [makeNode({ id: 'n-1' })],
      settings: { defaultQueueTimeoutSeconds: 0 },
    }).plan();
    expect(plan.jobState).toMatchObject({
      StateType: J.Failed,
      Message: 'no node satisfies the constraints (1 node checked): node n-1: label role is missing',
    });
  });

  it('waits for the default queue timeout when it sets none of its own', () => {
    const plan = new Scenario({
      job: ops(),
      nodes: [makeNode({ id: 'n-1' })],
      settings: { defaultQueueTimeoutSeconds: 600 },
    }).plan();
    expect(plan.jobState?.StateType).toBe(J.Queued);
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 600n * SEC,
      trigger: 'queue-timeout',
      comment: 'queue timeout of 600s',
    });
  });

  it('waits in the queue instead when it has a QueueTimeout', () => {
    const plan = new Scenario({
      job: ops(undefined, { Tasks: [makeJob({ task: { Timeouts: { QueueTimeout: 60 } } }).Tasks[0]] }),
      nodes: [],
    }).plan();
    expect(plan.jobState?.StateType).toBe(J.Queued);
  });

  it('runs, then completes when every execution completed', () => {
    const sc = new Scenario({ job: ops([]), nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })] });
    sc.step();
    sc.report(0, C.AskForBid).report(0, C.BidAccepted);
    expect(sc.step().jobState?.StateType).toBe(J.Running);
    sc.report(0, C.Completed);
    expect(isEmptyPlan(sc.step())).toBe(true);
    sc.report(1, C.AskForBid).report(1, C.Completed);
    expect(sc.step().jobState).toMatchObject({
      StateType: J.Completed,
      Message: '',
    });
  });

  it.each([
    [
      'fails',
      (sc: Scenario) =>
        sc.report(1, C.AskForBid).report(1, C.BidAccepted).report(1, C.Failed, 'runtime error', O.Failed),
      'runtime error',
    ],
    [
      'refuses',
      (sc: Scenario) => sc.report(1, C.AskForBid).report(1, C.AskForBidRejected, 'no docker', O.Rejected),
      'bid rejected by node: no docker',
    ],
    [
      'is lost',
      (sc: Scenario) => sc.patchNode('n-2', { Connection: 'DISCONNECTED' }),
      'node has disappeared',
    ],
  ])('fails the job when one execution %s, without retrying', (_name, event, error) => {
    const sc = new Scenario({ job: ops([]), nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })] });
    sc.step();
    event(sc);
    const plan = sc.after(3600n * SEC).step();
    expect(plan.jobState).toMatchObject({
      StateType: J.Failed,
      Message: `execution on node n-2 failed: ${error}`,
    });
    expect(plan.newExecutions).toEqual([]);
  });

  it('does not add nodes that join after it started', () => {
    const sc = new Scenario({ job: ops([]), nodes: [makeNode({ id: 'n-1' })] });
    sc.step();
    sc.setNode(makeNode({ id: 'n-2' }));
    expect(sc.step().newExecutions).toEqual([]);
  });
});
