import { readdir } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ComputeStateType as C, type InputSource } from '@shoal/models';
import { makeTempDir, waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, ExecutorResult, PrepareSpec, RunSpec } from '../executor/executor.js';
import type { Publisher } from '../publisher/publisher.js';
import { InlineProvider } from '../storage/inline.js';
import { LocalDirectoryProvider } from '../storage/local-directory.js';
import { StorageRegistry } from '../storage/registry.js';
import { InputStager } from '../storage/staging.js';
import type { StagedInput } from '../storage/storage.js';
import { UrlDownloadProvider } from '../storage/url-download.js';
import { type Harness, makeAsk, makeJob, openHarness } from '../testing/fixtures.js';
import { inputsDir } from './execution-files.js';

/** The run tracker with inputs: staged before the run, handed to the engine, gone after it. */

class RecordingExecutor implements Executor {
  prepared: string[] = [];
  /** The inputs each prepare was given, for the runs that had some. */
  preparedInputs: Array<readonly StagedInput[]> = [];
  discarded: string[] = [];
  /** What each run saw, and whether its inputs existed while it ran. */
  runs: Array<{ inputs: readonly StagedInput[] | undefined; present: boolean }> = [];
  constructor(private readonly stateDir: () => string) {}
  capabilities() {
    return { engine: 'noop', healthy: true };
  }
  prepare(spec: PrepareSpec): void {
    this.prepared.push(spec.executionId);
    if (spec.inputs) this.preparedInputs.push(spec.inputs);
  }
  discard(executionId: string): void {
    this.discarded.push(executionId);
  }
  async run(spec: RunSpec): Promise<ExecutorResult> {
    const present = await readdir(inputsDir(this.stateDir(), spec.executionId)).then(
      () => true,
      () => false,
    );
    this.runs.push({ inputs: spec.inputs, present });
    return {
      kind: 'completed',
      runOutput: {
        stdout: '',
        stdouttruncated: false,
        stderr: '',
        stderrtruncated: false,
        exitCode: 0,
        runnerError: '',
      },
    };
  }
}

let h: Harness;
afterEach(async () => {
  await h.stop();
  await h.dir.cleanup();
});

const inline: InputSource = {
  Source: { Type: 'inline', Params: { URL: 'data:,x' } },
  Alias: '',
  Target: '/in/x',
};
const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

/** The stager, noting which executions' inputs it was asked to remove. */
class NotingStager extends InputStager {
  cleaned: string[] = [];
  override async cleanup(executionId: string): Promise<void> {
    this.cleaned.push(executionId);
    await super.cleanup(executionId);
  }
}

async function harness() {
  const dir = await makeTempDir('shoal-agent-');
  const executor = new RecordingExecutor(() => dir.path);
  const registry = new StorageRegistry([
    new InlineProvider(),
    new LocalDirectoryProvider([{ path: '/data', readWrite: false }]),
    new UrlDownloadProvider({ maxBytes: 1 << 20, timeoutMs: 30_000 }),
  ]);
  const stager = new NotingStager({ stateDir: dir.path, registry });
  h = await openHarness({ dir, executors: [executor], inputs: stager });
  return { executor, stateDir: dir.path, stager };
}

/** A run-now ask whose one input is a download from a local server answering with `handler`. */
async function withDownloadAsk(
  handler: RequestListener,
  fn: (ask: ReturnType<typeof makeAsk>) => Promise<void>,
): Promise<void> {
  const server: Server = createServer(handler);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  try {
    const URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob.txt`;
    const download: InputSource = {
      Source: { Type: 'urlDownload', Params: { URL } },
      Alias: '',
      Target: '/in',
    };
    const Job = makeJob({ Engine: { Type: 'noop', Params: {} }, InputSources: [download] });
    const ask = makeAsk({}, { WaitForApproval: false, Job });
    await h.manager.onAskForBid(ask);
    await fn(ask);
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

describe('runs with inputs', () => {
  it('does not prepare a task with inputs, and hands the staged inputs to the engine', async () => {
    const { executor, stateDir, stager } = await harness();
    const plain = makeAsk({});
    const withInputs = makeAsk(
      {},
      { Job: makeJob({ Engine: { Type: 'noop', Params: {} }, InputSources: [inline] }) },
    );
    await h.manager.onAskForBid(plain);
    await h.manager.onAskForBid(withInputs);
    expect(executor.prepared).toEqual([plain.ExecutionID]);

    await h.manager.onBidAccepted({ ExecutionID: withInputs.ExecutionID });
    await waitFor(async () => (await state(withInputs.ExecutionID))?.localState === C.Completed);
    const dir = inputsDir(stateDir, withInputs.ExecutionID);
    expect(executor.runs).toEqual([
      { inputs: [{ hostPath: join(dir, '0'), target: '/in/x', readOnly: true }], present: true },
    ]);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);

    // The task without inputs runs too, and there is nothing fetched to remove for it.
    await h.manager.onBidAccepted({ ExecutionID: plain.ExecutionID });
    await waitFor(async () => (await state(plain.ExecutionID))?.localState === C.Completed);
    expect(stager.cleaned).toEqual([withInputs.ExecutionID]);
  });

  it('prepares the run with the mounts a download will have, while it downloads', async () => {
    const { executor, stateDir } = await harness();
    // The answer waits until the engine was asked to prepare: only a prepare before the fetch ends.
    let answer: (() => void) | undefined;
    await withDownloadAsk(
      (_req, res) => {
        answer = () => res.end('payload');
      },
      async (ask) => {
        const mounts = [
          { hostPath: join(inputsDir(stateDir, ask.ExecutionID), '0'), target: '/in', readOnly: true },
        ];
        await waitFor(() => executor.preparedInputs.length === 1, { message: 'the prepare' });
        expect(executor.preparedInputs).toEqual([mounts]);
        expect(executor.runs).toEqual([]);
        (await waitFor(() => answer, { message: 'the download request' }))();
        await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Completed);
        expect(executor.runs).toEqual([{ inputs: mounts, present: true }]);
        expect(executor.discarded).toEqual([]);
      },
    );
  });

  it('throws away what was prepared when the download fails', async () => {
    const { executor } = await harness();
    await withDownloadAsk(
      (_req, res) => res.writeHead(404).end(),
      async (ask) => {
        await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
        expect(executor.preparedInputs).toHaveLength(1);
        expect(executor.discarded).toContain(ask.ExecutionID);
        expect(executor.runs).toEqual([]);
      },
    );
  });

  it('fails the attempt, not for good, when an input cannot be staged, and never runs the engine', async () => {
    const { executor } = await harness();
    const missing: InputSource = {
      Source: { Type: 'localDirectory', Params: { SourcePath: '/data/not-here', ReadWrite: false } },
      Alias: '',
      Target: '/data',
    };
    const ask = makeAsk(
      {},
      {
        WaitForApproval: false,
        Job: makeJob({ Engine: { Type: 'noop', Params: {} }, InputSources: [missing] }),
      },
    );
    await h.manager.onAskForBid(ask);
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Failed);
    expect(await state(ask.ExecutionID)).toMatchObject({
      message: 'input 0 (localDirectory /data/not-here): local path /data/not-here does not exist',
    });
    expect(executor.runs).toEqual([]);
    const report = (await h.store.outbox.pending(0n, 100)).find((m) => m.type === 'ComputeError');
    expect(report?.payload).toMatchObject({ Error: expect.stringContaining('input 0 (localDirectory') });
    expect(report?.payload).not.toHaveProperty('Final');
  });

  it('says what it does after the fetch: the task, then the upload, each before the result', async () => {
    const dir = await makeTempDir('shoal-agent-');
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened, reached: false };
    };
    const run = gate();
    const upload = gate();
    const executor = new RecordingExecutor(() => dir.path);
    const recorded = executor.run.bind(executor);
    executor.run = async (spec) => {
      run.reached = true;
      await run.opened;
      return recorded(spec);
    };
    const publisher: Publisher = {
      type: 's3',
      publish: async () => {
        upload.reached = true;
        await upload.opened;
        return { Type: 's3', Params: { Bucket: 'out', Key: 'k' } };
      },
    };
    const registry = new StorageRegistry([new InlineProvider()]);
    h = await openHarness({
      dir,
      executors: [executor],
      inputs: new InputStager({ stateDir: dir.path, registry }),
      publishers: [publisher],
    });
    const Job = makeJob({
      Engine: { Type: 'noop', Params: {} },
      InputSources: [inline],
      Publisher: { Type: 's3', Params: { Bucket: 'out', Key: 'results/' } },
    });
    const ask = makeAsk({}, { WaitForApproval: false, Job });
    const progress = async () =>
      (await h.store.outbox.pending(0n, 100))
        .filter((m) => m.type === 'ExecutionProgress')
        .map((m) => (m.payload as { Message: string }).Message);
    await h.manager.onAskForBid(ask);
    // Progress goes at most once a second: each step below waits for the limit to pass.
    await waitFor(() => run.reached, { message: 'the run' });
    h.timers.advance(1000);
    await waitFor(async () => (await progress()).length === 2, { message: 'the second message' });
    run.open();
    await waitFor(() => upload.reached, { message: 'the upload' });
    h.timers.advance(1000);
    await waitFor(async () => (await progress()).length === 3, { message: 'the third message' });
    upload.open();
    await waitFor(async () => (await state(ask.ExecutionID))?.localState === C.Completed);
    expect(await progress()).toEqual([
      'fetching inputs',
      'inputs fetched: running the task',
      'task completed: publishing its results (s3 s3://out/results/)',
    ]);
    const types = (await h.store.outbox.pending(0n, 100)).map((m) => m.type);
    expect(types.at(-1)).toBe('RunResult');
  });

  it('refuses in the bid an input the node does not allow', async () => {
    await harness();
    const outside: InputSource = {
      Source: { Type: 'localDirectory', Params: { SourcePath: '/srv', ReadWrite: false } },
      Alias: '',
      Target: '/data',
    };
    const ask = makeAsk(
      {},
      { Job: makeJob({ Engine: { Type: 'noop', Params: {} }, InputSources: [outside] }) },
    );
    await h.manager.onAskForBid(ask);
    expect(await state(ask.ExecutionID)).toMatchObject({
      localState: C.AskForBidRejected,
      message: 'input 0: local path /srv is not allowed on this node (allowed: /data:ro)',
    });
    expect((await h.manager.computeNodeInfo()).StorageSources).toEqual([
      'inline',
      'localDirectory',
      'urlDownload',
    ]);
  });
});
