import { ComputeStateType as C } from '@shoal/models';
import { makeTempDir, waitFor } from '@shoal/testkit';
import { list } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { archivePath, LocalPublisher } from './publisher/local.js';
import { noopPublisher, type Publisher } from './publisher/publisher.js';
import { type Harness, makeAsk, makeJob, openHarness } from './testing/fixtures.js';

/** Publishing between a completed run and its report, through the execution manager. */

let h: Harness;
afterEach(async () => {
  await h.stop();
  await h.dir.cleanup();
});

const reports = async () => (await h.store.outbox.pending(0n, 1000)).map((m) => [m.type, m.payload]);
const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

function askWithPublisher(type: string) {
  const job = makeJob({
    Engine: { Type: 'noop', Params: { Stdout: 'hello\n', ExitCode: 2 } },
    Publisher: { Type: type, Params: {} },
    ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
  });
  return makeAsk({}, { Job: job, WaitForApproval: false });
}

describe('publishing results', () => {
  it('a local publisher’s archive and URL go into the RunResult, also for a non-zero exit', async () => {
    const dir = await makeTempDir('shoal-agent-');
    const stateDir = dir.path;
    const local = new LocalPublisher({ stateDir, baseUrl: 'http://127.0.0.1:6001' });
    h = await openHarness({ dir, publishers: [noopPublisher, local] });
    const ask = askWithPublisher('local');
    await h.manager.onAskForBid(ask);
    // Exit code 2: the execution fails, and its results are published all the same.
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
    const [type, result] = (await reports())[1] ?? [];
    expect(type).toBe('RunResult');
    expect(result).toMatchObject({
      RunOutput: { stdout: 'hello\n', exitCode: 2 },
      PublishedResult: {
        Type: 'local',
        Params: { URL: `http://127.0.0.1:6001/results/${ask.ExecutionID}.tar.gz` },
      },
    });
    const names: string[] = [];
    await list({ file: archivePath(stateDir, ask.ExecutionID), onReadEntry: (e) => names.push(e.path) });
    expect(names.sort()).toEqual(['exitCode', 'outputs/', 'stderr', 'stdout']);
  });

  it('a publisher that fails makes the run fail, with the reason', async () => {
    const broken: Publisher = {
      type: 'local',
      publish: async () => {
        throw new Error('disk full');
      },
    };
    h = await openHarness({ publishers: [noopPublisher, broken] });
    const ask = askWithPublisher('local');
    await h.manager.onAskForBid(ask);
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
    expect((await reports())[1]).toEqual([
      'ComputeError',
      {
        ExecutionID: ask.ExecutionID,
        Error: 'publishing results failed: disk full',
        RunOutput: expect.objectContaining({ stdout: 'hello\n', exitCode: 2 }),
      },
    ]);
  });

  it('a node without the publisher does not bid', async () => {
    h = await openHarness();
    const ask = askWithPublisher('local');
    await h.manager.onAskForBid(ask);
    const [type, payload] = (await reports())[0] ?? [];
    expect(type).toBe('BidResult');
    expect(payload).toMatchObject({ Accepted: false, Reason: expect.stringMatching(/publisher local/) });
  });
});
