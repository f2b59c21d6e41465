import { ComputeStateType as C } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityTracker } from '../node/capacity.js';
import type { OutboxMessage } from '../store/index.js';
import {
  type Harness,
  makeAsk,
  makeJob,
  openHarness,
  restartableHarnesses,
  settle,
} from '../testing/fixtures.js';

/**
 * The node's queue inside one agent, on a manual clock: a run that waits is parked with its engine
 * getting ready for it, is started in the transaction that records the end of the run before it,
 * and a stop of it throws away what the engine got ready.
 */

let h: Harness;
afterEach(async () => {
  await h.stop();
  await h.dir.cleanup();
});

const ONE_CORE = { cpuMillis: 1000, memoryBytes: 8e9, diskBytes: 100e9, gpu: 0 };
const reports = async (): Promise<OutboxMessage[]> => h.store.outbox.pending(0n, 1000);
const of = async (id: string) => (await reports()).filter((m) => m.executionId === id);
const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

async function queueHarness(): Promise<CapacityTracker> {
  const capacity = new CapacityTracker(ONE_CORE, 1);
  h = await openHarness({ capacity });
  return capacity;
}

describe('runs waiting for room', () => {
  it('parks a run that must wait, gets its engine ready, and starts it as the one before ends', async () => {
    const capacity = await queueHarness();
    const asks = [makeAsk({ Delay: '10s' }), makeAsk({ Delay: '10s' }), makeAsk({ Delay: '1s' })].map(
      (a) => ({
        ...a,
        WaitForApproval: false,
      }),
    );
    for (const ask of asks) await h.manager.onAskForBid(ask);
    const [a, b, waiting] = asks.map((ask) => ask.ExecutionID) as [string, string, string];
    await settle();
    expect(h.executor.runs).toBe(2);
    expect(h.executor.prepared).toEqual([waiting]);
    expect(capacity.isWaiting(waiting)).toBe(true);
    expect((await state(waiting))?.waiting).toBe(true);
    expect((await of(waiting)).map((m) => m.payload)).toEqual([
      expect.objectContaining({
        Accepted: true,
        Waiting: true,
        Reason: expect.stringMatching(/^waiting for room/),
      }),
    ]);
    expect(await h.manager.counts()).toMatchObject({ running: 2, enqueued: 1 });

    h.timers.advance(10_000);
    await waitFor(async () => (await state(waiting))?.waiting === false);
    // One transaction: the end of the first run, and the start of the one waiting for its room.
    const all = (await reports()).map((m) => [m.type, m.executionId]);
    const firstEnd = all.findIndex(([type]) => type === 'RunResult');
    expect(all.slice(firstEnd, firstEnd + 2)).toEqual([
      ['RunResult', expect.stringMatching(new RegExp(`^(${a}|${b})$`))],
      ['ExecutionProgress', waiting],
    ]);
    await waitFor(() => h.executor.runs === 3);
    h.timers.advance(1_000);
    await waitFor(async () => (await state(waiting))?.localState === C.Completed);
    expect((await of(waiting)).map((m) => m.type)).toEqual(['BidResult', 'ExecutionProgress', 'RunResult']);
    expect(capacity.allocated().cpuMillis).toBe(0);
  });

  it('answers a stop of a waiting run at once and throws away what its engine got ready', async () => {
    const capacity = await queueHarness();
    const asks = [makeAsk({ Delay: '10s' }), makeAsk({ Delay: '10s' }), makeAsk()].map((a) => ({
      ...a,
      WaitForApproval: false,
    }));
    for (const ask of asks) await h.manager.onAskForBid(ask);
    const waiting = asks[2]?.ExecutionID as string;
    await settle();
    await h.manager.onCancel({ ExecutionID: waiting, Reason: 'job stopped by user' });
    await waitFor(async () => (await state(waiting))?.localState === C.Cancelled);
    expect(h.executor.discarded).toContain(waiting);
    expect((await of(waiting)).map((m) => m.type)).toEqual(['BidResult', 'ExecutionCancelled']);
    expect(capacity.isReserved(waiting)).toBe(false);
    expect(h.executor.runs).toBe(2);
  });
});

describe('runs waiting for room, across a restart', () => {
  const harnesses = restartableHarnesses();
  afterEach(() => harnesses.cleanup());

  it('starts a waiting run that fits only with the overcommit as soon as the handshake gives it', async () => {
    // 1 core at overcommit 1.5: a 1-core run, and a 1.2-core one waiting behind it.
    const task = (cpu: string, params: Record<string, unknown>) =>
      makeJob({
        Engine: { Type: 'noop', Params: params },
        Resources: { CPU: cpu, Memory: '1Gb', Disk: '', GPU: '' },
      });
    const first = makeAsk({}, { Job: task('1', { Delay: '1h' }), WaitForApproval: false });
    const waiting = makeAsk({}, { Job: task('1200m', {}), WaitForApproval: false });
    const a = await harnesses.start(undefined, { capacity: new CapacityTracker(ONE_CORE, 1) });
    a.manager.setOvercommit(1.5);
    await a.manager.onAskForBid(first);
    await a.manager.onAskForBid(waiting);
    const stateIn = (h: Harness, id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));
    expect((await stateIn(a, waiting.ExecutionID))?.waiting).toBe(true);
    await a.stop();

    // Restarted: the 1h run is gone (noop runs do not survive), and until the handshake the node
    // books no more than its 1 core, so the 1.2-core run cannot start yet.
    const b = await harnesses.start(a, { capacity: new CapacityTracker(ONE_CORE, 1) });
    expect(await b.manager.recover()).toMatchObject({ failed: 1, waiting: 1 });
    await settle();
    expect(b.executor.runs).toBe(0);
    b.manager.setOvercommit(1.5);
    await waitFor(async () => (await stateIn(b, waiting.ExecutionID))?.localState === C.Completed);
    expect(b.executor.runs).toBe(1);
  });
});
