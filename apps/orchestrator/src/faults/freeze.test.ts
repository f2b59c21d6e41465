import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Answer, JOBS, jobIdsLabelled, putBody, type Rig, startRig } from './rig.js';

/**
 * Postgres freezes (SIGSTOP on every server process: a stalled disk or network, as the orchestrator
 * sees it). Every API call, in flight or new, answers 503 with Retry-After within the store's 2 s;
 * a PUT that answered 503 is never committed afterwards; after SIGCONT everything works again.
 */

/** The answer bound: 2 s, plus what a loaded test machine adds to a timer and a request. */
const BOUND_MS = 2_500;

describeWithServices(['postgres-server', 'nats'], 'orchestrator while Postgres is frozen', () => {
  let rig: Rig;
  let known: string;

  beforeAll(async () => {
    rig = await startRig();
    const first = await rig.call('PUT', JOBS, putBody('warm-up'));
    expect(first.status).toBe(200);
    known = String(first.body.JobID);
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** One of each kind of call the API makes to the store. */
  const mix = (label: string, i: number): Promise<Answer> => {
    switch (i % 5) {
      case 0:
        return rig.call('GET', `${JOBS}/${known}?include=history,executions`);
      case 1:
        return rig.call('GET', `${JOBS}?limit=5`);
      case 2:
        return rig.call('GET', '/api/v1/orchestrator/nodes');
      case 3:
        return rig.call('GET', `${JOBS}/${known}/history`);
      default:
        return rig.call('PUT', JOBS, putBody(label));
    }
  };

  const expectFastAnswers = (answers: readonly Answer[], allowed: readonly number[]) => {
    for (const answer of answers) {
      expect(allowed, JSON.stringify(answer)).toContain(answer.status);
      expect(answer.ms, JSON.stringify(answer)).toBeLessThanOrEqual(BOUND_MS);
      if (answer.status === 503) {
        expect(answer.retryAfter, JSON.stringify(answer)).not.toBeNull();
        expect(String(answer.body.Message)).toMatch(/^store unavailable: /);
      }
    }
  };

  it('answers every call in flight or new with a fast 503, and commits no PUT it refused', async () => {
    const label = 'mid-burst';
    const inFlight = Array.from({ length: 40 }, (_, i) => mix(label, i));
    await rig.pg.freeze();
    const frozenAt = performance.now();
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => mix(label, i)));
    const before = await Promise.all(inFlight);
    const frozenFor = performance.now() - frozenAt;
    await rig.pg.thaw();

    expectFastAnswers(before, [200, 503]);
    expectFastAnswers(during, [503]);
    const slowest = Math.max(...[...before, ...during].map((a) => a.ms));
    console.info(
      `frozen: ${during.length} new calls answered 503, slowest answer ${slowest.toFixed(0)} ms ` +
        `(in flight: ${before.filter((a) => a.status === 503).length} × 503, ` +
        `${before.filter((a) => a.status === 200).length} × 200; frozen for ${frozenFor.toFixed(0)} ms)`,
    );

    // Back: calls succeed without a restart, and the workers go on evaluating.
    await waitFor(async () => (await rig.call('PUT', JOBS, putBody('after-thaw'))).status === 200, {
      timeoutMs: 15_000,
      message: 'a PUT to succeed after SIGCONT',
    });
    const list = await rig.call('GET', `${JOBS}?limit=5`);
    expect(list.status).toBe(200);
    await waitFor(
      async () =>
        (
          await rig.sql`select count(*)::int as n from evaluations
                        where triggered_by = 'job-register' and status <> 'complete'`
        )[0]?.n === 0,
      { timeoutMs: 15_000, message: 'the evaluation workers to evaluate every job after SIGCONT' },
    );

    // Exactly the PUTs that answered 200 are committed: none of the 503s came in later.
    await settled(rig);
    const acknowledged = [...before, ...during]
      .filter((a) => a.status === 200 && a.body.JobID !== undefined)
      .map((a) => String(a.body.JobID))
      .sort();
    expect(await jobIdsLabelled(rig.sql, label)).toEqual(acknowledged);
  }, 60_000);

  it('does not commit a PUT that answered 503 while Postgres was frozen', async () => {
    const label = 'refused';
    await rig.pg.freeze();
    const refused = await Promise.all([1, 2, 3].map(() => rig.call('PUT', JOBS, putBody(label))));
    await rig.pg.thaw();
    expectFastAnswers(refused, [503]);
    await waitFor(async () => (await rig.call('GET', `${JOBS}/${known}`)).status === 200, {
      timeoutMs: 15_000,
      message: 'the API to answer after SIGCONT',
    });
    await settled(rig);
    expect(await jobIdsLabelled(rig.sql, label)).toEqual([]);
  }, 60_000);
});

/**
 * Waits until no orchestrator session is inside a transaction: whatever the freeze left queued on
 * the server's sockets has then been committed or rolled back, and counting is final.
 */
async function settled(rig: Rig): Promise<void> {
  await waitFor(
    async () =>
      (
        await rig.sql`select count(*)::int as n from pg_stat_activity
                      where application_name = 'shoal-orchestrator'
                        and (state <> 'idle' or xact_start is not null)`
      )[0]?.n === 0,
    { timeoutMs: 20_000, message: 'the orchestrator’s sessions to leave their transactions' },
  );
}
