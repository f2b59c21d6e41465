import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../store/index.js';
import { type Harness, makeAsk, makeJob, openHarness, settle } from '../testing/fixtures.js';

let h: Harness;

afterEach(async () => {
  await h.stop();
  await h.dir.cleanup();
});

const reports = async (): Promise<OutboxMessage[]> => h.store.outbox.pending(0n, 1000);
const summary = async () => (await reports()).map((m) => [m.type, m.payload]);
const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

describe('bidding and running', () => {
  it('ask → bid → accept → run → RunResult with the RunOutput exactly as given; exit 3 is Failed', async () => {
    h = await openHarness();
    const ask = makeAsk({ Stdout: 'hello\n', Stderr: 'oops', ExitCode: 3 });
    await h.manager.onAskForBid(ask);
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.AskForBidAccepted,
      desiredState: D.Pending,
    });
    expect(h.capacity.available().cpuMillis).toBe(3500); // reserved while awaiting approval
    expect(await h.manager.counts()).toMatchObject({ running: 0, enqueued: 1 });

    await h.manager.onBidAccepted({ ExecutionID: ask.ExecutionID });
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
    const ExecutionID = ask.ExecutionID;
    expect(await summary()).toEqual([
      ['BidResult', { ExecutionID, Accepted: true, Reason: '' }],
      [
        'RunResult',
        {
          ExecutionID,
          RunOutput: {
            stdout: 'hello\n',
            stdouttruncated: false,
            stderr: 'oops',
            stderrtruncated: false,
            exitCode: 3,
            runnerError: '',
          },
          PublishedResult: { Type: '', Params: null },
        },
      ],
    ]);
    // The task ran to its end and its answer is no: the RunResult carries it, the state says so.
    expect(await state(ExecutionID)).toMatchObject({
      localState: C.Failed,
      message: 'the task exited with code 3',
      runOutput: { exitCode: 3 },
    });
    expect(h.capacity.available().cpuMillis).toBe(4000); // released after completion
    expect(await h.manager.counts()).toMatchObject({ running: 0, enqueued: 0 });
  });

  it('WaitForApproval=false runs at once', async () => {
    h = await openHarness();
    const ask = makeAsk({ Stdout: 'now' }, { WaitForApproval: false });
    await h.manager.onAskForBid(ask);
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Completed);
    expect((await reports()).map((m) => m.type)).toEqual(['BidResult', 'RunResult']);
    expect(h.executor.runs).toBe(1);
  });

  it('an Error param becomes a ComputeError', async () => {
    h = await openHarness();
    const ask = makeAsk({ Error: 'disk on fire' }, { WaitForApproval: false });
    await h.manager.onAskForBid(ask);
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
    expect((await summary())[1]).toEqual([
      'ComputeError',
      {
        ExecutionID: ask.ExecutionID,
        Error: 'disk on fire',
        RunOutput: expect.objectContaining({ runnerError: 'disk on fire' }),
      },
    ]);
    expect(h.capacity.available().cpuMillis).toBe(4000);
  });

  it('rejects a bid it cannot honour and records the reason', async () => {
    h = await openHarness();
    const ask = makeAsk({}, { Job: makeJob({ Engine: { Type: 'wasm', Params: {} } }) });
    await h.manager.onAskForBid(ask);
    expect(await summary()).toEqual([
      [
        'BidResult',
        {
          ExecutionID: ask.ExecutionID,
          Accepted: false,
          Reason: 'engine wasm is not supported by this node (supported: noop)',
        },
      ],
    ]);
    expect(await state(ask.ExecutionID)).toMatchObject({ localState: C.AskForBidRejected });
  });

  it('refuses bids once full and bids again after a completion frees capacity', async () => {
    h = await openHarness({ total: { cpuMillis: 1000, memoryBytes: 2e9, diskBytes: 0, gpu: 0 } });
    const first = makeAsk({ Delay: '10s' });
    await h.manager.onAskForBid(first);
    await h.manager.onAskForBid(makeAsk()); // the node is now full: 2 × 500m of 1 core
    await h.manager.onAskForBid(makeAsk());
    const [, , full] = await reports();
    expect(full?.payload).toMatchObject({
      Accepted: false,
      Reason: 'not enough CPU: needs 0.5 cores, 0 cores available',
    });
    await h.manager.onBidAccepted({ ExecutionID: first.ExecutionID });
    await settle();
    h.timers.advance(10_000);
    await waitFor(async () => (await state(first.ExecutionID))?.localState === C.Completed);
    const third = makeAsk();
    await h.manager.onAskForBid(third);
    expect((await reports()).at(-1)?.payload).toMatchObject({
      ExecutionID: third.ExecutionID,
      Accepted: true,
    });
  });
});

describe('cancellation and rejection', () => {
  it('cancel during the Delay: ExecutionCancelled once stopped, capacity released, nothing late', async () => {
    h = await openHarness();
    const ask = makeAsk({ Delay: '1h', Stdout: 'never' }, { WaitForApproval: false });
    await h.manager.onAskForBid(ask);
    await waitFor(() => h.timers.pending() === 1);
    expect(h.capacity.available().cpuMillis).toBe(3500);
    await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: 'job stopped by user' });
    await waitFor(() => h.manager.activeRuns === 0);
    expect(h.timers.pending()).toBe(0);
    expect(h.capacity.available().cpuMillis).toBe(4000);
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.Cancelled,
      desiredState: D.Stopped,
      message: 'job stopped by user',
    });
    expect((await summary()).slice(1)).toEqual([
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'job stopped by user' }],
    ]);
    // Terminal states absorb everything, and the answer is not repeated.
    await h.manager.onBidAccepted({ ExecutionID: ask.ExecutionID });
    await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: 'again' });
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.Cancelled,
      message: 'job stopped by user',
    });
    expect((await reports()).map((m) => m.type)).toEqual(['BidResult', 'ExecutionCancelled']);
    expect(h.executor.runs).toBe(1);
  });

  it('cancel while awaiting approval releases and answers at once; unknown ids are answered too', async () => {
    h = await openHarness();
    const ask = makeAsk();
    await h.manager.onAskForBid(ask);
    await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: '' });
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.Cancelled,
      message: 'cancelled by the orchestrator',
    });
    expect(h.capacity.available().cpuMillis).toBe(4000);
    // The orchestrator counts an execution it believes is here until it hears back: answer anyway.
    await h.manager.onCancel({ ExecutionID: 'e-unknown', Reason: 'x' });
    await h.manager.onBidRejected({ ExecutionID: 'e-unknown-2', Reason: 'x' });
    expect((await summary()).slice(1)).toEqual([
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'cancelled by the orchestrator' }],
      ['ExecutionCancelled', { ExecutionID: 'e-unknown', Message: 'unknown execution' }],
      ['ExecutionCancelled', { ExecutionID: 'e-unknown-2', Message: 'unknown execution' }],
    ]);
    expect(h.executor.runs).toBe(0);
  });

  it('BidRejected releases, answers and forgets; a late BidAccepted does not run it', async () => {
    h = await openHarness();
    const ask = makeAsk();
    await h.manager.onAskForBid(ask);
    await h.manager.onBidRejected({ ExecutionID: ask.ExecutionID, Reason: 'another node won' });
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.BidRejected,
      message: 'bid rejected: another node won',
    });
    expect(h.capacity.available().cpuMillis).toBe(4000);
    expect((await summary())[1]).toEqual([
      'ExecutionCancelled',
      { ExecutionID: ask.ExecutionID, Message: 'bid rejected: another node won' },
    ]);
    await h.manager.onBidAccepted({ ExecutionID: ask.ExecutionID });
    await settle();
    expect(h.executor.runs).toBe(0);
  });

  it('BidRejected after a run started without approval stops the run', async () => {
    h = await openHarness();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    await h.manager.onAskForBid(ask);
    await h.manager.onBidRejected({ ExecutionID: ask.ExecutionID, Reason: 'reassigned' });
    await waitFor(() => h.manager.activeRuns === 0);
    expect(await state(ask.ExecutionID)).toMatchObject({ localState: C.Cancelled });
    expect((await summary()).slice(1)).toEqual([
      [
        'ExecutionCancelled',
        { ExecutionID: ask.ExecutionID, Message: 'bid rejected after the run started: reassigned' },
      ],
    ]);
  });
});

describe('duplicates and bad messages', () => {
  it('duplicate AskForBid and BidAccepted → one bid, one run', async () => {
    h = await openHarness();
    const ask = makeAsk({ Stdout: 'once' });
    await Promise.all([h.manager.onAskForBid(ask), h.manager.onAskForBid(ask)]);
    await h.manager.onAskForBid(ask);
    const accepted = { ExecutionID: ask.ExecutionID };
    await Promise.all([h.manager.onBidAccepted(accepted), h.manager.onBidAccepted(accepted)]);
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Completed);
    await h.manager.onBidAccepted(accepted);
    await settle();
    expect(h.executor.runs).toBe(1);
    expect((await reports()).map((m) => m.type)).toEqual(['BidResult', 'RunResult']);
  });

  it('an unknown BidAccepted is answered with a ComputeError', async () => {
    h = await openHarness();
    await h.manager.onBidAccepted({ ExecutionID: 'e-nobody' });
    expect(await summary()).toEqual([
      ['ComputeError', { ExecutionID: 'e-nobody', Error: 'unknown execution' }],
    ]);
    expect(h.executor.runs).toBe(0);
  });

  it('never throws on garbage; answers when the message names an execution', async () => {
    h = await openHarness();
    await h.manager.onAskForBid(null);
    await h.manager.onAskForBid({ ExecutionID: 'e-bad', Job: { Tasks: 'nope' } });
    await h.manager.onBidAccepted({ ExecutionID: 42 });
    await h.manager.onBidRejected('x');
    await h.manager.onCancel({ ExecutionID: 'e.dots' });
    const all = await reports();
    expect(all).toHaveLength(1);
    expect(all[0]?.payload).toMatchObject({
      ExecutionID: 'e-bad',
      Accepted: false,
      Reason: expect.stringMatching(/^invalid AskForBid: JobID: /),
    });
  });

  it('rate-limits progress to one per second per execution, keeping the latest', async () => {
    h = await openHarness();
    const ask = makeAsk({ Delay: '1h' }, { WaitForApproval: false });
    const seen: Array<(message: string) => void> = [];
    const inner = h.executor.inner;
    h.executor.run = (spec) => {
      seen.push(spec.onProgress);
      return inner.run(spec);
    };
    await h.manager.onAskForBid(ask);
    await waitFor(() => seen.length === 1);
    const progress = seen[0] ?? (() => {});
    for (const m of ['pulling image', 'pulling 50%', 'pulling 90%']) progress(m);
    await settle();
    h.timers.advance(1000);
    await settle();
    const messages = (await reports()).filter((m) => m.type === 'ExecutionProgress').map((m) => m.payload);
    expect(messages).toEqual([
      { ExecutionID: ask.ExecutionID, Message: 'pulling image' },
      { ExecutionID: ask.ExecutionID, Message: 'pulling 90%' },
    ]);
  });
});
