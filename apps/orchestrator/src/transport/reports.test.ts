import { ComputeStateType as C, DesiredStateType as D, EvaluationTrigger } from '@shoal/models';
import { decodeReply, encodeMessage, outSubject, type StreamEnvelope } from '@shoal/protocol';
import { describeWithServices, useNatsServer, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runOutput } from '../store/testing/fixtures.js';
import { FakeAgent } from './testing/fake-agent.js';
import {
  placeExecution,
  type SideHarness,
  startSide,
  takeEvaluations,
  useMemoryStore,
} from './testing/harness.js';

const output = runOutput('hello\n');

describeWithServices(['nats'], 'agent reports applied to executions', () => {
  const nats = useNatsServer();
  const db = useMemoryStore();
  let h: SideHarness;
  let a: FakeAgent;
  let b: FakeAgent;
  beforeAll(async () => {
    h = await startSide({ url: nats.url, store: db.store });
    a = await FakeAgent.start({ url: nats.url });
    b = await FakeAgent.start({ url: nats.url });
    await a.handshake();
    await b.handshake();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await h?.stop();
  });

  /** Waits until the orchestrator has applied (or refused) everything the agent wrote. */
  const settled = (agent: FakeAgent, report: StreamEnvelope) =>
    waitFor(async () => (await db.store.agentCursors.lastApplied(agent.nodeId)) >= report.seq, {
      message: `report ${report.seq} of ${agent.nodeId} to be applied`,
    });
  const history = async (jobId: string) =>
    (await db.store.history.list(jobId, { since: 0n, eventType: 'execution', limit: 100 })).items.map(
      (e) => ({
        state: e.ExecutionState,
        revision: e.NewRevision,
        comment: e.Comment,
      }),
    );
  const evaluationsOf = async (jobId: string) =>
    (await takeEvaluations(db.store, EvaluationTrigger.ExecutionUpdate)).filter((e) => e.JobID === jobId);

  it('applies a bid and a result: state, history, run output and an exec-update evaluation', async () => {
    const { job, execution } = await placeExecution(db.store, a.nodeId, {
      compute: C.New,
      desired: D.Pending,
    });
    await settled(a, a.report('BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' }));
    expect(await db.store.executions.get(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.AskForBidAccepted, Message: '' },
      DesiredState: execution.DesiredState,
      Revision: 3,
    });
    expect((await evaluationsOf(job.ID)).map((e) => e.Comment)).toEqual([
      expect.stringMatching(/bid accepted by node$/),
    ]);

    const published = { Type: 'local', Params: { URL: 'file:///results/1', Size: 12 } };
    await settled(
      a,
      a.report('RunResult', { ExecutionID: execution.ID, RunOutput: output, PublishedResult: published }),
    );
    expect(await db.store.executions.get(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Completed },
      RunOutput: output,
      PublishedResult: published,
      Revision: 4,
    });
    expect(await history(job.ID)).toEqual([
      { state: { Previous: C.New, New: C.AskForBid }, revision: 2, comment: 'ask for bid received by node' },
      {
        state: { Previous: C.AskForBid, New: C.AskForBidAccepted },
        revision: 3,
        comment: 'bid accepted by node',
      },
      {
        state: { Previous: C.AskForBidAccepted, New: C.Completed },
        revision: 4,
        comment: 'execution completed',
      },
    ]);
    expect(await evaluationsOf(job.ID)).toHaveLength(1);
  });

  it('adds no evaluation while one of the job is due and unfinished: it will see the report', async () => {
    const { job, execution } = await placeExecution(db.store, a.nodeId, {
      compute: C.New,
      desired: D.Pending,
    });
    const second = await placeExecution(db.store, a.nodeId, { compute: C.New, desired: D.Pending });
    const other = { ...second.execution, ID: `${second.execution.ID}x`, JobID: job.ID };
    await db.store.executions.insert(other);
    await settled(a, a.report('BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' }));
    await settled(a, a.report('BidResult', { ExecutionID: other.ID, Accepted: true, Reason: '' }));
    expect(await evaluationsOf(job.ID)).toHaveLength(1);
    // Once that one is finished, the next report needs its own.
    await settled(a, a.report('ExecutionProgress', { ExecutionID: other.ID, Message: 'pulling' }));
    await settled(
      a,
      a.report('RunResult', {
        ExecutionID: execution.ID,
        RunOutput: output,
        PublishedResult: { Type: '', Params: null },
      }),
    );
    expect(await evaluationsOf(job.ID)).toHaveLength(1);
  });

  it('maps refused bids, progress and failures', async () => {
    const refused = await placeExecution(db.store, a.nodeId, { compute: C.New, desired: D.Pending });
    const ops = await placeExecution(db.store, a.nodeId, { compute: C.New, desired: D.Running });
    a.report('BidResult', {
      ExecutionID: refused.execution.ID,
      Accepted: false,
      Reason: 'insufficient memory',
    });
    a.report('BidResult', { ExecutionID: ops.execution.ID, Accepted: true, Reason: '' });
    a.report('ExecutionProgress', { ExecutionID: ops.execution.ID, Message: 'pulling image' });
    await settled(
      a,
      a.report('ComputeError', { ExecutionID: ops.execution.ID, Error: 'OOMKilled: limit 512 MiB' }),
    );
    expect((await db.store.executions.get(refused.execution.ID)).ComputeState).toEqual({
      StateType: C.AskForBidRejected,
      Message: 'insufficient memory',
    });
    expect((await history(refused.job.ID)).at(-1)?.comment).toBe('bid rejected: insufficient memory');
    const failed = await db.store.executions.get(ops.execution.ID);
    expect(failed.ComputeState).toEqual({ StateType: C.Failed, Message: 'OOMKilled: limit 512 MiB' });
    // It never ran to an exit: no output, no exit code to show.
    expect(failed.RunOutput).toBeNull();
    expect(await history(ops.job.ID)).toEqual([
      { state: { Previous: C.New, New: C.AskForBid }, revision: 2, comment: 'ask for bid received by node' },
      { state: { Previous: C.AskForBid, New: C.BidAccepted }, revision: 3, comment: 'bid accepted by node' },
      { state: { Previous: C.BidAccepted, New: C.BidAccepted }, revision: 4, comment: 'pulling image' },
      {
        state: { Previous: C.BidAccepted, New: C.Failed },
        revision: 5,
        comment: 'execution failed: OOMKilled: limit 512 MiB',
      },
    ]);
    // Progress is a note, not a reason to schedule; the bid's evaluation, still unfinished, stands in
    // for the failure's too: one evaluation, not three.
    expect(await evaluationsOf(ops.job.ID)).toHaveLength(1);
  });

  it('applies a resent report once', async () => {
    const { job, execution } = await placeExecution(db.store, a.nodeId);
    const report = a.report('BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' });
    await settled(a, report);
    const before = await db.store.executions.get(execution.ID);
    const answer = await a.nc.request(outSubject(a.nodeId), encodeMessage(report), { timeout: 5_000 });
    expect(decodeReply(answer.data)).toEqual({ ok: true, reply: { Ack: report.seq } });
    expect(await db.store.executions.get(execution.ID)).toEqual(before);
    expect(await history(job.ID)).toHaveLength(2);
  });

  it('refuses illegal and stale transitions, leaves the execution as it was, and moves on', async () => {
    const done = await placeExecution(db.store, a.nodeId, { compute: C.Completed, desired: D.Running });
    const next = await placeExecution(db.store, a.nodeId);
    a.report('RunResult', {
      ExecutionID: done.execution.ID,
      RunOutput: output,
      PublishedResult: { Type: '', Params: null },
    });
    a.report('BidResult', { ExecutionID: done.execution.ID, Accepted: true, Reason: '' });
    await settled(a, a.report('BidResult', { ExecutionID: next.execution.ID, Accepted: true, Reason: '' }));
    expect(await db.store.executions.get(done.execution.ID)).toEqual(done.execution);
    expect(await history(done.job.ID)).toEqual([]);
    expect((await db.store.executions.get(next.execution.ID)).ComputeState.StateType).toBe(
      C.AskForBidAccepted,
    );
    const refusals = h.log.lines.filter((l) => l.executionId === done.execution.ID).map((l) => l.msg);
    expect(refusals).toEqual([
      'report rejected: execution is already Completed',
      'report rejected: illegal transition Completed → BidAccepted',
    ]);
  });

  it('refuses a report about another node’s execution', async () => {
    const { execution } = await placeExecution(db.store, a.nodeId);
    b.report('BidResult', { ExecutionID: 'e-does-not-exist', Accepted: true, Reason: '' });
    await settled(b, b.report('BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' }));
    expect(await db.store.executions.get(execution.ID)).toEqual(execution);
    const line = h.log.find('report about another node’s execution: rejected').at(-1);
    expect(line).toMatchObject({ level: 50, nodeId: b.nodeId, assignedTo: a.nodeId });
    expect(h.log.find('report for an unknown execution: ignored').length).toBeGreaterThan(0);
  });

  it('refuses a report published as another node', async () => {
    const { execution } = await placeExecution(db.store, a.nodeId);
    const before = await db.store.agentCursors.lastApplied(b.nodeId);
    const forged = a.envelope(
      'BidResult',
      { ExecutionID: execution.ID, Accepted: false, Reason: 'x' },
      1_000n,
    );
    const answer = await a.nc.request(outSubject(b.nodeId), encodeMessage(forged), { timeout: 5_000 });
    const reply = decodeReply(answer.data);
    expect(reply.ok && 'Error' in reply.reply && reply.reply.Error.Code).toBe('wrong_node');
    expect(await db.store.executions.get(execution.ID)).toEqual(execution);
    expect(await db.store.agentCursors.lastApplied(b.nodeId)).toBe(before);
  });
});
