import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdoptOutcome, RunSpec } from '../executor/executor.js';
import { NoopExecutor } from '../executor/noop.js';
import { silentLogger } from '../logger.js';
import { NOTHING_PUBLISHED } from '../publisher/publisher.js';
import type { OutboxMessage } from '../store/index.js';
import { type Harness, makeAsk, restartableHarnesses, runningExecution } from '../testing/fixtures.js';
import { recordOutcome } from './run-results.js';

/** The answer a stop owes the orchestrator, in the corners: same batch, twice, across a restart. */

const harnesses = restartableHarnesses();
const start = harnesses.start;
afterEach(() => harnesses.cleanup());

const state = (h: Harness, id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));
const reports = async (h: Harness): Promise<Array<[string, unknown]>> =>
  (await h.store.outbox.pending(0n, 100)).map((m: OutboxMessage) => [m.type, m.payload]);

/** As if the agent stopped after recording a cancel and before the run ended. */
async function stopRequestedThenCrash(h: Harness, id: string): Promise<void> {
  await h.store.transaction((tx) => {
    const current = h.store.executions.get(tx, id);
    if (current) h.store.executions.update(tx, current, { desiredState: D.Stopped, message: 'job stopped' });
  });
  await h.stop();
}

describe('stop requests', () => {
  it('a cancel in the same batch as its AskForBid stops the run and is answered once', async () => {
    const h = await start();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    await h.store.inbound.applyRun('n-self', 1n, 2n, async (tx) => {
      await h.manager.onAskForBid(ask, tx);
      await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: 'job stopped' }, tx);
      await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: 'again' }, tx);
    });
    await waitFor(async () => (await state(h, ask.ExecutionID))?.localState === C.Cancelled);
    await waitFor(() => h.manager.activeRuns === 0);
    expect(await reports(h)).toEqual([
      ['BidResult', { ExecutionID: ask.ExecutionID, Accepted: true, Reason: '' }],
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'job stopped' }],
    ]);
    expect(h.capacity.isReserved(ask.ExecutionID)).toBe(false);
  });

  it('a stop recorded before a restart is answered by the recovery when nothing can be adopted', async () => {
    const a = await start();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    await a.manager.onAskForBid(ask);
    await stopRequestedThenCrash(a, ask.ExecutionID);

    const b = await start(a);
    expect(await b.manager.recover()).toMatchObject({ adopted: 0, failed: 1 });
    expect(await state(b, ask.ExecutionID)).toMatchObject({ localState: C.Cancelled });
    expect((await reports(b)).slice(1)).toEqual([
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'job stopped' }],
    ]);
  });

  it('a stop recorded before a restart stops the adopted run, and is answered once it ends', async () => {
    // Stands in for docker finding its container: the "re-attached" run lasts until it is stopped.
    class AdoptingNoop extends NoopExecutor {
      async adopt(spec: RunSpec): Promise<AdoptOutcome> {
        return { adopted: true, result: this.run(spec) };
      }
    }
    const a = await start();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    await a.manager.onAskForBid(ask);
    await stopRequestedThenCrash(a, ask.ExecutionID);

    const b = await start(a, { executors: [new AdoptingNoop()] });
    expect(await b.manager.recover()).toMatchObject({ adopted: 1, failed: 0 });
    await waitFor(async () => (await state(b, ask.ExecutionID))?.localState === C.Cancelled);
    expect((await reports(b)).slice(1)).toEqual([
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'job stopped' }],
    ]);
    expect(b.capacity.isReserved(ask.ExecutionID)).toBe(false);
  });

  it('a run the engine stopped unasked fails, not for good: another node may run it', async () => {
    const h = await start();
    await h.store.transaction((tx) => h.store.executions.insert(tx, runningExecution('e-unasked')));
    await h.store.transaction((tx) =>
      recordOutcome(
        tx,
        { ...h, logger: silentLogger },
        'e-unasked',
        { kind: 'cancelled' },
        NOTHING_PUBLISHED,
      ),
    );
    expect(await reports(h)).toEqual([
      ['ComputeError', { ExecutionID: 'e-unasked', Error: 'the engine stopped the run unasked' }],
    ]);
    expect(await state(h, 'e-unasked')).toMatchObject({ localState: C.Failed });
  });
});
