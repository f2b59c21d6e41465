import { ComputeStateType as C, DesiredStateType as D, type Execution } from '@shoal/models';
import { makeEnvelope, type OutMessageType, type Payload } from '@shoal/protocol';
import { describe, expect, it } from 'vitest';
import { makeExecution, makeJob } from '../store/testing/fixtures.js';
import { BID_ACCEPTED_WAITING, decideReport, type Report, type ReportEffect } from './report-effects.js';

/** What a report means for a run's clock (its start, and whether the job is looked at again). */

const job = makeJob();
const at = (compute: C, desired: D = D.Running): Execution =>
  makeExecution(job, {
    ComputeState: { StateType: compute, Message: '' },
    DesiredState: { StateType: desired, Message: '' },
  });

function report<T extends OutMessageType>(type: T, payload: Payload<T>): Report {
  return makeEnvelope(type, payload as never, { id: 'm-1', nodeId: 'n-test', time: 1n, seq: 1n }) as Report;
}

function effectOf(r: Report, execution: Execution): ReportEffect {
  const decision = decideReport(r, execution);
  if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
  return decision.effect;
}

const accepted = (waiting?: boolean) =>
  report('BidResult', {
    ExecutionID: 'e-1',
    Accepted: true,
    Reason: '',
    ...(waiting === undefined ? {} : { Waiting: waiting }),
  });
const progress = (Phase?: 'Waiting' | 'Started') =>
  report('ExecutionProgress', { ExecutionID: 'e-1', Message: 'note', ...(Phase ? { Phase } : {}) });

describe('the clock of a run', () => {
  it('starts when a bid asked to run at once is accepted', () => {
    const effect = effectOf(accepted(), at(C.AskForBid));
    expect(effect.steps.map((s) => [s.state.StateType, s.comment])).toEqual([
      [C.BidAccepted, 'bid accepted by node'],
    ]);
    expect([effect.run, effect.evaluate]).toEqual(['started', true]);
  });

  it('does not start when the node accepts but must first wait for room', () => {
    const effect = effectOf(accepted(true), at(C.New));
    expect(effect.steps.map((s) => [s.state.StateType, s.comment])).toEqual([
      [C.AskForBid, 'ask for bid received by node'],
      [C.BidAccepted, BID_ACCEPTED_WAITING],
    ]);
    expect(BID_ACCEPTED_WAITING).toBe('bid accepted by node: waiting on the node for room');
    expect([effect.run, effect.evaluate]).toEqual(['waiting', true]);
  });

  it('is left alone by an offer that waits for approval: approving it starts the run', () => {
    for (const waiting of [undefined, false, true]) {
      const effect = effectOf(accepted(waiting), at(C.AskForBid, D.Pending));
      expect(effect.steps.map((s) => [s.state.StateType, s.comment])).toEqual([
        [C.AskForBidAccepted, 'bid accepted by node'],
      ]);
      expect(effect.run).toBeUndefined();
    }
  });

  it('starts on a Started progress note, which gets the job looked at for its new deadline', () => {
    const effect = effectOf(progress('Started'), at(C.BidAccepted));
    expect(effect.steps).toEqual([{ state: { StateType: C.BidAccepted, Message: 'note' }, comment: 'note' }]);
    expect([effect.run, effect.evaluate]).toEqual(['started', true]);
  });

  it('stops on a Waiting progress note, without a look at the job', () => {
    const effect = effectOf(progress('Waiting'), at(C.BidAccepted));
    expect(effect.steps).toEqual([{ state: { StateType: C.BidAccepted, Message: 'note' }, comment: 'note' }]);
    expect([effect.run, effect.evaluate]).toEqual(['waiting', false]);
  });

  it('is not touched by plain progress, nor by a phase of an execution that is not running', () => {
    const plain = effectOf(progress(), at(C.BidAccepted));
    expect([plain.run, plain.evaluate]).toEqual([undefined, false]);
    for (const phase of ['Waiting', 'Started'] as const) {
      const offer = effectOf(progress(phase), at(C.AskForBidAccepted, D.Pending));
      expect([offer.run, offer.evaluate, offer.steps[0]?.state.Message]).toEqual([undefined, false, 'note']);
    }
  });

  it('is not restarted by a phase after the run ended: the report is refused', () => {
    const decision = decideReport(progress('Started'), at(C.Completed, D.Stopped));
    expect(decision.ok).toBe(false);
  });
});
