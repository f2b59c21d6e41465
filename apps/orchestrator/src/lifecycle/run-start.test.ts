import {
  ComputeStateType as C,
  createIdGenerator,
  DesiredStateType as D,
  EvaluationTrigger,
  type Execution,
  manualClock,
  shortId,
} from '@shoal/models';
import type { StreamEnvelope } from '@shoal/protocol';
import { describe, expect, it } from 'vitest';
import { makeEvaluation, makeJob, makeNode } from '../store/testing/fixtures.js';
import { placeExecution, takeEvaluations, useMemoryStore } from '../transport/testing/harness.js';
import { applyReports } from './apply-reports.js';
import { schedulingHandler } from './handler.js';
import { BID_ACCEPTED_WAITING } from './report-effects.js';
import { reportRun } from './testing/report-run.js';

/**
 * The run's start as its writers record it: the agent's reports (a bid accepted to run, or to wait
 * for room, and the Waiting and Started phases) and the planner's approval of a bid.
 */
describe('when a run started', () => {
  const db = useMemoryStore();
  const { deps: base, report } = reportRun();
  const clock = manualClock(base.clock.now());
  const deps = { ...base, clock };
  const apply = (...run: StreamEnvelope[]) => db.store.transaction((tx) => applyReports(run, tx, deps));
  const stored = async (id: string) => {
    const [e] = await db.store.transaction((tx) => tx.bulk.findExecutions([id]));
    return e;
  };
  const updates = async (jobId: string) =>
    (await takeEvaluations(db.store, EvaluationTrigger.ExecutionUpdate)).filter((e) => e.JobID === jobId);
  const progress = (nodeId: string, e: Execution, Message: string, Phase?: 'Waiting' | 'Started') =>
    report(nodeId, 'ExecutionProgress', { ExecutionID: e.ID, Message, ...(Phase ? { Phase } : {}) });

  it('is when a bid to run at once is accepted', async () => {
    const { execution } = await placeExecution(db.store, 'n-now', {
      compute: C.AskForBid,
      desired: D.Running,
    });
    await apply(report('n-now', 'BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' }));
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.BidAccepted },
      runStartTime: deps.clock.now(),
    });
  });

  it('is not yet while it waits on the node for room, and is when the node says it started', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-wait', {
      compute: C.AskForBid,
      desired: D.Running,
    });
    const accepted = { ExecutionID: execution.ID, Accepted: true, Reason: '', Waiting: true };
    await apply(report('n-wait', 'BidResult', accepted));
    const waiting = await stored(execution.ID);
    expect(waiting?.ComputeState.StateType).toBe(C.BidAccepted);
    expect(waiting?.runStartTime).toBeUndefined();
    const history = await db.store.history.list(job.ID, { since: 0n, eventType: 'execution', limit: 10 });
    expect(history.items.at(-1)?.Comment).toBe(BID_ACCEPTED_WAITING);
    expect(await updates(job.ID)).toHaveLength(1); // the bid's own look at the job

    // Plain progress changes nothing about the run's start, and asks for no look at the job.
    await apply(progress('n-wait', execution, 'pulling image'));
    expect((await stored(execution.ID))?.runStartTime).toBeUndefined();
    expect(await updates(job.ID)).toHaveLength(0);

    clock.advance(90_000_000_000n);
    await apply(progress('n-wait', execution, 'started after waiting', 'Started'));
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.BidAccepted, Message: 'started after waiting' },
      runStartTime: deps.clock.now(),
    });
    // The look that sets the wake-up at its timeout deadline.
    expect(await updates(job.ID)).toEqual([
      expect.objectContaining({ Comment: `execution ${shortId(execution.ID)}: started after waiting` }),
    ]);

    await apply(progress('n-wait', execution, 'requeued', 'Waiting'));
    expect((await stored(execution.ID))?.runStartTime).toBeUndefined();
    expect(await updates(job.ID)).toHaveLength(0);
  });

  it('needs no look at the job when its task has no timeout', async () => {
    const untimed = makeJob();
    const task = untimed.Tasks[0];
    if (task) task.Timeouts = {};
    const { job, execution } = await placeExecution(
      db.store,
      'n-untimed',
      { compute: C.AskForBid, desired: D.Running },
      untimed,
    );
    await apply(
      report('n-untimed', 'BidResult', {
        ExecutionID: execution.ID,
        Accepted: true,
        Reason: '',
        Waiting: true,
      }),
    );
    expect(await updates(job.ID)).toHaveLength(1);
    await apply(progress('n-untimed', execution, 'started after waiting', 'Started'));
    expect((await stored(execution.ID))?.runStartTime).toBe(deps.clock.now());
    expect(await updates(job.ID)).toHaveLength(0);
  });

  it('is when the planner approves a bid', async () => {
    const zoned = makeNode({ labels: { zone: 'a' } });
    await db.store.nodes.upsert(zoned, deps.clock.now());
    const { job, execution } = await placeExecution(db.store, zoned.Info.NodeID, {
      compute: C.AskForBidAccepted,
      desired: D.Pending,
    });
    const evaluation = makeEvaluation(job, { TriggeredBy: EvaluationTrigger.ExecutionUpdate });
    const now = deps.clock.now() + 1_000n;
    const batch = schedulingHandler({ ids: createIdGenerator() }).batch();
    await db.store.transaction(async (tx) => {
      await batch.prepare?.(tx, [evaluation]);
      await batch.handle(tx, evaluation, now);
      await batch.complete(tx, now);
    });
    expect(await stored(execution.ID)).toMatchObject({
      DesiredState: { StateType: D.Running },
      ComputeState: { StateType: C.BidAccepted },
      runStartTime: now,
    });
  });
});
