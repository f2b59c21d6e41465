import { ComputeStateType as C } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdoptOutcome, AGENT_RESTARTED, type RunSpec } from './executor/executor.js';
import { NoopExecutor } from './executor/noop.js';
import type { Tx } from './store/index.js';
import { type Harness, makeAsk, restartableHarnesses, settle } from './testing/fixtures.js';

/** Restarts over the same data directory: the store is closed and reopened, as after a crash. */

const harnesses = restartableHarnesses();
const start = harnesses.start;
afterEach(() => harnesses.cleanup());

const state = (h: Harness, id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

describe('restart', () => {
  it('keeps unacked reports in order, drops acked ones, and reports the interrupted run once', async () => {
    const a = await start();
    const running = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    const waiting = makeAsk();
    const done = makeAsk({ Stdout: 'ok' }, { WaitForApproval: false });
    await a.manager.onAskForBid(running);
    await a.manager.onAskForBid(waiting);
    await a.manager.onAskForBid(done);
    await waitFor(async () => (await state(a, done.ExecutionID))?.localState === C.Completed);
    await a.store.outbox.acked(1n); // the orchestrator has the first bid
    await a.stop(); // "crash" mid-run: the 1h run is aborted, nothing recorded

    const b = await start(a);
    const lastAcked = await b.store.outbox.lastAcked();
    expect(lastAcked).toBe(1n);
    const pending = await b.store.outbox.pending(lastAcked, 100);
    expect(pending.map((m) => [m.seq, m.type, m.payload.ExecutionID])).toEqual([
      [2n, 'BidResult', waiting.ExecutionID],
      [3n, 'BidResult', done.ExecutionID],
      [4n, 'RunResult', done.ExecutionID],
    ]);

    expect(await b.manager.recover()).toEqual({
      adopted: 0,
      failed: 1,
      awaitingApproval: 1,
      republished: 0,
      waiting: 0,
    });
    expect(await b.manager.recover()).toEqual({
      adopted: 0,
      failed: 0,
      awaitingApproval: 1,
      republished: 0,
      waiting: 0,
    });
    const after = await b.store.outbox.pending(lastAcked, 100);
    expect(after.slice(3).map((m) => [m.seq, m.type, m.payload])).toEqual([
      [5n, 'ComputeError', { ExecutionID: running.ExecutionID, Error: AGENT_RESTARTED }],
    ]);
    expect(await state(b, running.ExecutionID)).toMatchObject({
      localState: C.Failed,
      message: AGENT_RESTARTED,
    });

    // The waiting execution kept its reservation and still runs once approved.
    expect(b.capacity.available().cpuMillis).toBe(3500);
    expect(await b.manager.counts()).toMatchObject({ running: 0, enqueued: 1 });
    await b.manager.onBidAccepted({ ExecutionID: waiting.ExecutionID });
    await waitFor(async () => (await state(b, waiting.ExecutionID))?.localState === C.Completed);
    expect(b.capacity.available().cpuMillis).toBe(4000);
  });

  it('an engine that can adopt resumes watching the run instead of failing it', async () => {
    class AdoptingNoop extends NoopExecutor {
      adopted: string[] = [];
      recovered: string[][] = [];
      // Stands in for docker finding its labelled container: it "re-attaches" to a run that ends now.
      async adopt(spec: RunSpec): Promise<AdoptOutcome> {
        this.adopted.push(spec.executionId);
        return {
          adopted: true,
          result: this.run({ ...spec, task: { ...spec.task, Engine: { Type: 'noop', Params: {} } } }),
        };
      }
      async recover(live: ReadonlySet<string>): Promise<void> {
        this.recovered.push([...live]);
      }
    }
    const a = await start();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    await a.manager.onAskForBid(ask);
    await a.stop();

    const engine = new AdoptingNoop();
    const b = await start(a, { executors: [engine] });
    expect(await b.manager.recover()).toEqual({
      adopted: 1,
      failed: 0,
      awaitingApproval: 0,
      republished: 0,
      waiting: 0,
    });
    expect(engine.recovered).toEqual([[ask.ExecutionID]]);
    await waitFor(async () => (await state(b, ask.ExecutionID))?.localState === C.Completed);
    expect((await b.store.outbox.pending(0n, 10)).map((m) => m.type)).toEqual(['BidResult', 'RunResult']);
  });
});

describe('commands applied with their inbound seq', () => {
  it('a command and its seq commit together; a throw undoes both, and no run starts', async () => {
    const h = await start();
    const ask = makeAsk({ Stdout: 'x' }, { WaitForApproval: false });
    await expect(
      h.store.inbound.apply('n-self', 1n, async (tx) => {
        await h.manager.onAskForBid(ask, tx);
        throw new Error('NATS hiccup');
      }),
    ).rejects.toThrow('NATS hiccup');
    await settle();
    expect(await h.store.inbound.lastApplied('n-self')).toBe(0n);
    expect(await h.store.outbox.pending(0n, 10)).toEqual([]);
    expect(h.capacity.available().cpuMillis).toBe(4000);
    expect(h.executor.runs).toBe(0);

    // The redelivery applies it once; a duplicate of the same seq is skipped.
    expect(await h.store.inbound.apply('n-self', 1n, (tx) => h.manager.onAskForBid(ask, tx))).toBe(true);
    expect(await h.store.inbound.apply('n-self', 1n, (tx) => h.manager.onAskForBid(ask, tx))).toBe(false);
    await waitFor(async () => (await state(h, ask.ExecutionID))?.localState === C.Completed);
    expect(await h.store.inbound.lastApplied('n-self')).toBe(1n);
    expect(h.executor.runs).toBe(1);
  });

  it('a run of commands commits with its last seq; a run overlapping what was applied is refused', async () => {
    const h = await start();
    const asks = [
      makeAsk({ Stdout: 'a' }, { WaitForApproval: false }),
      makeAsk({ Stdout: 'b' }, { WaitForApproval: false }),
    ];
    const both = async (tx: Tx) => {
      for (const ask of asks) await h.manager.onAskForBid(ask, tx);
    };
    expect(await h.store.inbound.applyRun('n-self', 1n, 2n, both)).toBe(true);
    expect(await h.store.inbound.lastApplied('n-self')).toBe(2n);
    expect(await h.store.inbound.applyRun('n-self', 2n, 3n, both)).toBe(false);
    for (const ask of asks) {
      await waitFor(async () => (await state(h, ask.ExecutionID))?.localState === C.Completed);
    }
    expect(h.executor.runs).toBe(2);
  });
});
