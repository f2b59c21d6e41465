import { ComputeStateType as C, type Task } from '@shoal/models';
import { describeWithServices, testImageName, waitFor } from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type DockerHarness, dockerHarness, sh } from './executor/docker/testing.js';
import type { OutboxMessage } from './store/index.js';
import { type Harness, makeAsk, makeJob, openHarness } from './testing/fixtures.js';

/**
 * How a docker run's end reaches the outbox, through the real manager and the real daemon: a
 * non-zero exit, a timeout, and a cancel whose answer must wait until the container is gone.
 */

describeWithServices(['docker'], 'docker runs: what the orchestrator is told', () => {
  let docker: DockerHarness;
  let h: Harness;

  beforeAll(async () => {
    docker = await dockerHarness({ timeoutGraceMs: 2_000 });
    // Bids wait for the first health probe: an engine not known healthy gets none.
    expect((await docker.executor.checkHealth()).healthy).toBe(true);
  });
  afterEach(async () => {
    await h.stop();
    await h.dir.cleanup();
  });
  afterAll(() => docker.cleanup());

  const start = async (script: string, task: Partial<Task> = {}) => {
    h = await openHarness({ executors: [docker.executor] });
    const Params = { Image: testImageName(), ...sh(script) };
    const job = makeJob({ Engine: { Type: 'docker', Params }, ...task });
    const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: false });
    await h.manager.onAskForBid(ask);
    return ask.ExecutionID;
  };
  const reports = (): Promise<OutboxMessage[]> => h.store.outbox.pending(0n, 1000);
  const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id));

  it('a non-zero exit: Failed here, and a RunResult with the code and the output', async () => {
    const id = await start('echo out; exit 3');
    await waitFor(async () => (await state(id))?.localState === C.Failed, { message: 'the run to end' });
    const [bid, result, ...more] = await reports();
    expect(bid?.type).toBe('BidResult');
    expect(result).toMatchObject({
      type: 'RunResult',
      payload: { ExecutionID: id, RunOutput: { stdout: 'out\n', stderr: '', exitCode: 3 } },
    });
    expect(more).toEqual([]);
    expect(h.capacity.isReserved(id)).toBe(false);
  });

  it('a timeout: SIGTERM, SIGKILL after the grace, a final ComputeError with the output so far', async () => {
    const started = Date.now();
    const id = await start('echo before; sleep 30', { Timeouts: { ExecutionTimeout: 2 } });
    await waitFor(async () => (await state(id))?.localState === C.Failed, {
      timeoutMs: 20_000,
      message: 'the timed-out run to be failed',
    });
    // 2 s of run and 2 s of grace (sh as PID 1 ignores SIGTERM), plus Docker's own time: far below 30 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
    expect(Date.now() - started).toBeLessThan(12_000);
    const error = (await reports()).find((m) => m.type === 'ComputeError');
    expect(error?.payload).toEqual({
      ExecutionID: id,
      Error: 'execution timed out after 2s',
      Final: true,
      RunOutput: expect.objectContaining({ stdout: 'before\n', exitCode: 137 }),
    });
    expect(await docker.containers(id)).toEqual([]);
  });

  it('a cancel: ExecutionCancelled only once the container is gone, and the reservation freed then', async () => {
    const id = await start('echo started; exec sleep 600');
    await waitFor(async () => (await docker.file(id, 'stdout').catch(() => '')) === 'started\n', {
      message: 'the task to print',
    });
    expect(h.capacity.isReserved(id)).toBe(true);
    await h.manager.onCancel({ ExecutionID: id, Reason: 'job stopped by user' });

    // Until the answer is recorded the execution holds its reservation; from then on neither the
    // reservation nor the container exists. Both are read in one transaction, as a bid would.
    const seen = { held: 0 };
    await waitFor(
      async () => {
        const now = await h.store.transaction((tx) => ({
          localState: h.store.executions.get(tx, id)?.localState,
          reserved: h.capacity.isReserved(id),
        }));
        if (now.localState !== C.Cancelled) {
          expect(now.reserved).toBe(true);
          seen.held++;
          return false;
        }
        expect(now.reserved).toBe(false);
        expect(await docker.containers(id)).toEqual([]);
        return true;
      },
      { message: 'the cancel to be answered' },
    );
    expect(seen.held).toBeGreaterThan(0);
    const answers = (await reports()).filter((m) => m.type === 'ExecutionCancelled');
    expect(answers.map((m) => m.payload)).toEqual([
      {
        ExecutionID: id,
        Message: 'job stopped by user',
        RunOutput: expect.objectContaining({ stdout: 'started\n', exitCode: 137 }),
      },
    ]);
  });

  it('a cancel while the bid awaits approval: answered at once, the early container thrown away', async () => {
    h = await openHarness({ executors: [docker.executor] });
    const Params = { Image: testImageName(), Parameters: ['echo', 'never'] };
    const job = makeJob({ Engine: { Type: 'docker', Params } });
    const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: true });
    await h.manager.onAskForBid(ask);
    await waitFor(async () => (await docker.containers(ask.ExecutionID)).length === 1, {
      message: 'the container created while the bid awaits approval',
    });
    await h.manager.onCancel({ ExecutionID: ask.ExecutionID, Reason: '' });
    expect((await reports()).map((m) => [m.type, m.payload])).toEqual([
      ['BidResult', { ExecutionID: ask.ExecutionID, Accepted: true, Reason: '' }],
      ['ExecutionCancelled', { ExecutionID: ask.ExecutionID, Message: 'cancelled by the orchestrator' }],
    ]);
    expect(h.capacity.isReserved(ask.ExecutionID)).toBe(false);
    await waitFor(async () => (await docker.containers(ask.ExecutionID)).length === 0, {
      message: 'the prepared container to be removed',
    });
  });
});
