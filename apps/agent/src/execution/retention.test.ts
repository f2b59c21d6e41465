import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComputeStateType as C, DesiredStateType as D, manualClock, nanosFromMillis } from '@shoal/models';
import { makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archivePath } from '../publisher/local.js';
import { type AgentStore, openAgentStore } from '../store/index.js';
import { recordingLogger } from '../testing/agents.js';
import { makeJob, runningExecution, testUuid } from '../testing/fixtures.js';
import { manualTimers } from '../testing/manual-timers.js';
import { executionDir } from './execution-files.js';
import { RetentionJanitor, type RetentionOptions } from './retention.js';

const HOUR = 3_600_000;
const RETENTION = 24 * HOUR;
const RUN_OUTPUT = {
  stdout: 'hi\n',
  stdouttruncated: false,
  stderr: '',
  stderrtruncated: false,
  exitCode: 0,
  runnerError: '',
};

let dir: TempDir;
let store: AgentStore;
let clock: ReturnType<typeof manualClock>;
let logger: ReturnType<typeof recordingLogger>;
const janitors: RetentionJanitor[] = [];

beforeEach(async () => {
  dir = await makeTempDir('shoal-agent-retention-');
  clock = manualClock();
  logger = recordingLogger();
  store = openAgentStore({ dataDir: dir.path, clock, logger, newId: testUuid });
});

afterEach(async () => {
  await Promise.all(janitors.splice(0).map((j) => j.stop()));
  await store.close().catch(() => {});
  await dir.cleanup();
});

function janitor(options: Partial<RetentionOptions> = {}): RetentionJanitor {
  const made = new RetentionJanitor({
    store,
    stateDir: dir.path,
    retentionMs: RETENTION,
    clock,
    logger,
    ...options,
  });
  janitors.push(made);
  return made;
}

/**
 * An execution as the manager leaves it, with the files an engine and the local publisher write:
 * running, or completed with its RunResult in the outbox (acknowledged unless told otherwise).
 */
async function addExecution(
  state: 'running' | 'completed',
  { acked = true, id = `e-${testUuid()}` } = {},
): Promise<string> {
  await store.transaction((tx) => {
    const running = store.executions.insert(tx, runningExecution(id));
    store.outbox.append(tx, { type: 'BidResult', payload: { ExecutionID: id, Accepted: true, Reason: '' } });
    if (state === 'running') return;
    store.executions.update(tx, running, { localState: C.Completed, runOutput: RUN_OUTPUT });
    const result = { ExecutionID: id, RunOutput: RUN_OUTPUT, PublishedResult: { Type: 'noop', Params: {} } };
    store.outbox.append(tx, { type: 'RunResult', payload: result });
  });
  if (acked) await store.outbox.acked(await store.outbox.lastSeq());
  const execution = executionDir(dir.path, id);
  await mkdir(join(execution, 'results', 'out'), { recursive: true });
  await mkdir(join(execution, 'published'), { recursive: true });
  await writeFile(join(execution, 'stdout'), 'hi\n');
  await writeFile(join(execution, 'results', 'out', 'data.csv'), '1,2\n');
  await mkdir(join(dir.path, 'results'), { recursive: true });
  await writeFile(archivePath(dir.path, id), 'not really a tar.gz');
  return id;
}

/** What is left of an execution: its row, its directory, its archive. */
async function leftOf(id: string) {
  const row = await store.transaction((tx) => store.executions.get(tx, id));
  return {
    row: row !== undefined,
    dir: existsSync(executionDir(dir.path, id)),
    archive: existsSync(archivePath(dir.path, id)),
  };
}
const ALL = { row: true, dir: true, archive: true };
const NOTHING = { row: false, dir: false, archive: false };

describe('retention', () => {
  it('removes a finished execution past retention, and keeps recent and live ones', async () => {
    const old = await addExecution('completed');
    const running = await addExecution('running');
    clock.advance(nanosFromMillis(RETENTION - HOUR));
    const recent = await addExecution('completed');
    expect(await janitor().runOnce()).toBe(0);

    clock.advance(nanosFromMillis(2 * HOUR));
    expect(await janitor().runOnce()).toBe(1);
    expect(await leftOf(old)).toEqual(NOTHING);
    expect(await leftOf(recent)).toEqual(ALL);
    // Older than retention, but running: never touched.
    expect(await leftOf(running)).toEqual(ALL);
    expect(logger.has('finished executions past retention removed')).toBe(true);
  });

  it('keeps an execution whose final report is not acknowledged, until it is', async () => {
    const unacked = await addExecution('completed', { acked: false });
    clock.advance(nanosFromMillis(RETENTION + HOUR));
    expect(await janitor().runOnce()).toBe(0);
    expect(await leftOf(unacked)).toEqual(ALL);

    await store.outbox.acked(await store.outbox.lastSeq());
    expect(await janitor().runOnce()).toBe(1);
    expect(await leftOf(unacked)).toEqual(NOTHING);
  });

  it('prunes nothing, and schedules nothing, when retention is off', async () => {
    const old = await addExecution('completed');
    clock.advance(nanosFromMillis(365 * 24 * HOUR));
    const timers = manualTimers();
    const off = janitor({ retentionMs: 0, timers });
    off.start();
    expect(timers.pending()).toBe(0);
    expect(await off.runOnce()).toBe(0);
    expect(await leftOf(old)).toEqual(ALL);
  });

  it('works in batches, and one whose files cannot go keeps its row without holding up the rest', async () => {
    // Ids no file path can be made of: removing their files fails, as a root-owned file would. A
    // whole batch of them (the oldest, so listed first) must not stop the round from going on.
    // (The outbox would refuse to report about them, so they have no reports.)
    const stuck = ['not/a/segment', 'not/a/segment-either'];
    const job = makeJob();
    for (const id of stuck) {
      await store.transaction((tx) =>
        store.executions.insert(tx, {
          id,
          jobId: job.ID,
          partition: 0,
          job,
          waitForApproval: false,
          localState: C.AskForBidRejected,
          desiredState: D.Stopped,
          message: 'no room',
          reserved: null,
        }),
      );
    }
    clock.advance(1);
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await addExecution('completed'));
    clock.advance(nanosFromMillis(RETENTION + HOUR));

    expect(await janitor({ batchSize: 2 }).runOnce()).toBe(5);
    for (const id of others) expect(await leftOf(id)).toEqual(NOTHING);
    for (const id of stuck) {
      expect(await store.transaction((tx) => store.executions.get(tx, id))).toBeDefined();
    }
    expect(logger.has(/could not remove the files of a finished execution/)).toBe(true);
  });

  it('runs on its timer until stopped', async () => {
    const old = await addExecution('completed');
    clock.advance(nanosFromMillis(RETENTION + HOUR));
    const timed = janitor({ intervalMs: 10 });
    timed.start();
    await waitFor(async () => !(await leftOf(old)).row, { message: 'the expired execution to go' });
    expect(await leftOf(old)).toEqual(NOTHING);
    await timed.stop();
  });

  it('logs a failed round and tries again at the next; stop cancels the next round', async () => {
    const timers = manualTimers();
    const timed = janitor({ timers });
    timed.start();
    expect(timers.pending()).toBe(1);
    await store.close();
    timers.advance(RETENTION / 4);
    await waitFor(() => logger.has('retention round failed'), { message: 'the failure to be logged' });
    await waitFor(() => timers.pending() === 1, { message: 'the next round to be scheduled' });
    await timed.stop();
    expect(timers.pending()).toBe(0);
  });
});
