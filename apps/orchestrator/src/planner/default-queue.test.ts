import { ComputeStateType as C, EvaluationTrigger, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

/** A job that sets no QueueTimeout (0), and a cluster that cannot run it. */
const wasm = makeJob({ task: { Engine: { Type: 'wasm', Params: {} } } });
const nodes = [makeNode({ id: 'n-1' })];
const reason = 'no node supports engine wasm (1 node checked): node n-1: does not support engine wasm';

describe('the default queue timeout, for jobs that set none', () => {
  it('queues the job for settings.defaultQueueTimeoutSeconds (an hour by default)', () => {
    expect(wasm.Tasks[0]?.Timeouts.QueueTimeout).toBe(0);
    const sc = new Scenario({ job: wasm, nodes });
    const plan = sc.step();
    expect(plan.jobState).toEqual({
      StateType: J.Queued,
      Message: reason,
      Comment: `Job queued: waiting: ${reason}`,
    });
    expect(plan.newExecutions).toEqual([]);
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 3600n * SEC,
      trigger: 'queue-timeout',
      comment: 'queue timeout of 3600s',
    });
    expect(isEmptyPlan(sc.after(3599n * SEC).plan())).toBe(true);
  });

  it('fails the job with "queue timeout" once the default has passed since CreateTime', () => {
    const sc = new Scenario({ job: wasm, nodes, settings: { defaultQueueTimeoutSeconds: 120 } });
    expect(sc.step().followUp?.waitUntil).toBe(T0 + 120n * SEC);
    sc.snapshot = {
      ...sc.snapshot,
      evaluation: { ID: 'eval-2', TriggeredBy: EvaluationTrigger.QueueTimeout, Comment: '' },
    };
    const plan = sc.at(T0 + 120n * SEC).step();
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: `queue timeout: ${reason}`,
      Comment: `Job failed: queue timeout: ${reason}`,
    });
    expect(plan.followUp).toBeUndefined();
  });

  it('gives way to the job’s own QueueTimeout', () => {
    const own = makeJob({ task: { ...wasm.Tasks[0], Timeouts: { QueueTimeout: 30 } } });
    const plan = new Scenario({ job: own, nodes }).plan();
    expect(plan.jobState?.StateType).toBe(J.Queued);
    expect(plan.followUp?.waitUntil).toBe(T0 + 30n * SEC);
  });

  it('places the job when room appears before the deadline', () => {
    const sc = new Scenario({ nodes: [] });
    expect(sc.step().jobState?.StateType).toBe(J.Queued);
    sc.setNode(makeNode({ id: 'n-1' })).after(600n * SEC);
    const placed = sc.step();
    expect(placed.newExecutions.map((n) => n.nodeId)).toEqual(['n-1']);
    expect(placed.jobState?.StateType).toBe(J.Pending);
  });

  it('fails at once a job that loses its node after the deadline, with nowhere else to go', () => {
    const sc = new Scenario({ nodes, settings: { retryBackoff: { baseNanos: SEC, maxNanos: SEC } } });
    sc.step();
    sc.bid(0, true).step();
    sc.report(0, C.BidAccepted).step();
    sc.at(T0 + 4000n * SEC).patchNode('n-1', { Connection: 'DISCONNECTED' });
    sc.step(); // lost: failed server-side, retried after the backoff
    expect(sc.after(SEC).step().jobState).toMatchObject({
      StateType: J.Failed,
      Message: 'queue timeout: no nodes are connected (1 node checked): node n-1: disconnected',
    });
  });
});
