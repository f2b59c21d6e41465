import { ComputeStateType as C, type SpecConfig } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Publisher } from '../publisher/publisher.js';
import type { OutboxMessage } from '../store/index.js';
import { type Harness, makeAsk, makeJob, restartableHarnesses } from '../testing/fixtures.js';

/** A completed run whose agent stops while its results upload: the next start publishes them. */

const harnesses = restartableHarnesses();
afterEach(() => harnesses.cleanup());

const state = (h: Harness, id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));
const reports = async (h: Harness): Promise<Array<[string, unknown]>> =>
  (await h.store.outbox.pending(0n, 100)).map((m: OutboxMessage) => [m.type, m.payload]);

const PUBLISHED: SpecConfig = { Type: 's3', Params: { Bucket: 'out', Key: 'results/e/' } };

/** An s3 publisher that counts its calls and, when `hold` is set, never finishes. */
function s3Publisher(hold: boolean) {
  const calls: string[] = [];
  const publisher: Publisher = {
    type: 's3',
    publish: async (request) => {
      calls.push(request.executionId);
      if (hold) await new Promise(() => {});
      return PUBLISHED;
    },
  };
  return { publisher, calls };
}

describe('publishing across a restart', () => {
  it('publishes again after a restart during the upload, and reports the run completed once', async () => {
    const first = s3Publisher(true);
    const a = await harnesses.start(undefined, { publishers: [first.publisher] });
    const Job = makeJob({
      Engine: { Type: 'noop', Params: { Stdout: 'made it' } },
      Publisher: { Type: 's3', Params: { Bucket: 'out', Key: 'results/' } },
    });
    const ask = makeAsk({}, { WaitForApproval: false, Job });
    await a.manager.onAskForBid(ask);
    await waitFor(() => first.calls.length === 1, { message: 'the upload to start' });
    // The run's end is on disk before the upload, with the execution still running.
    expect(await state(a, ask.ExecutionID)).toMatchObject({
      localState: C.BidAccepted,
      runOutput: { stdout: 'made it', exitCode: 0 },
    });
    await a.stop();

    const second = s3Publisher(false);
    const b = await harnesses.start(a, { publishers: [second.publisher] });
    // The noop engine cannot adopt a run: without the recorded end, this run would be failed.
    expect(await b.manager.recover()).toMatchObject({ adopted: 0, failed: 0, republished: 1 });
    await waitFor(async () => (await state(b, ask.ExecutionID))?.localState === C.Completed);
    expect(second.calls).toEqual([ask.ExecutionID]);
    const results = (await reports(b)).filter(([type]) => type === 'RunResult' || type === 'ComputeError');
    expect(results).toEqual([
      [
        'RunResult',
        expect.objectContaining({
          ExecutionID: ask.ExecutionID,
          RunOutput: expect.objectContaining({ stdout: 'made it', exitCode: 0 }),
          PublishedResult: PUBLISHED,
        }),
      ],
    ]);
    expect(b.capacity.isReserved(ask.ExecutionID)).toBe(false);
  });

  it('does not write the run twice for a task that publishes nothing', async () => {
    const a = await harnesses.start();
    const ask = makeAsk({}, { WaitForApproval: false });
    await a.manager.onAskForBid(ask);
    await waitFor(async () => (await state(a, ask.ExecutionID))?.localState === C.Completed);
    // One write when it was accepted and one when it completed: the revision says how many.
    expect((await state(a, ask.ExecutionID))?.revision).toBe(2);
  });
});
