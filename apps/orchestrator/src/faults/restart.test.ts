import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Answer, JOBS, jobIdsLabelled, putBody, type Rig, startRig } from './rig.js';

/**
 * Postgres stops (pg_ctl stop -m fast) and starts again while clients submit jobs. Each client
 * retries its PUT with one IdempotencyToken until it is answered 200: afterwards there is exactly
 * one job per token, every JobID a client was given exists, and every retry was given the same one.
 * The readiness endpoint says why the orchestrator is not ready while the store is away.
 */

const CLIENTS = 24;
const READY = '/api/v1/agent/ready';

describeWithServices(['postgres-server', 'nats'], 'orchestrator while Postgres restarts', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** PUTs until a 200; every answer along the way, in order. */
  const submitUntilAccepted = async (label: string, token: string): Promise<Answer[]> => {
    const answers: Answer[] = [];
    await waitFor(
      async () => {
        const answer = await rig.call('PUT', JOBS, putBody(label, token));
        answers.push(answer);
        return answer.status === 200;
      },
      { timeoutMs: 45_000, intervalMs: 20, message: `PUT with token ${token} to be accepted` },
    );
    return answers;
  };

  it('makes one job per token when clients retry through a stop and start', async () => {
    const label = 'restart';
    const clients = Array.from({ length: CLIENTS }, (_, i) => submitUntilAccepted(label, `token-${i}`));
    await rig.pg.stop();
    // Stopped: fast 503s that say why, and the readiness endpoint names the cause.
    const down = await rig.call('PUT', JOBS, putBody(label, 'token-while-down'));
    const notReady = await rig.call('GET', READY);
    const alive = await rig.call('GET', '/api/v1/agent/alive');
    await rig.pg.start();
    const histories = await Promise.all(clients);

    expect(down.status).toBe(503);
    expect(down.retryAfter).not.toBeNull();
    expect(down.ms).toBeLessThanOrEqual(2_500);
    expect(notReady.status).toBe(503);
    expect(notReady.body.Message).toMatch(/^not ready: store: connection refused/);
    expect(alive.status).toBe(200);

    const given = histories.map((answers, i) => {
      const ok = answers.filter((a) => a.status === 200).map((a) => String(a.body.JobID));
      for (const a of answers) expect([200, 503], `client ${i}: ${JSON.stringify(a)}`).toContain(a.status);
      return ok;
    });
    const ids = given.map((ok) => ok[0]);
    const refused = histories.flat().filter((a) => a.status === 503).length;
    console.info(`restart: ${CLIENTS} clients, ${refused} answers of 503 on the way, all accepted`);
    // Every token made exactly one job, which is the one its client was given.
    expect(new Set(ids).size).toBe(CLIENTS);
    expect(await jobIdsLabelled(rig.sql, label)).toEqual([...(ids as string[])].sort());

    // A retry after success is answered with the first JobID, and makes nothing new.
    const again = await rig.call('PUT', JOBS, putBody(label, 'token-0'));
    expect(again.status).toBe(200);
    expect(again.body.JobID).toBe(ids[0]);
    expect(await jobIdsLabelled(rig.sql, label)).toHaveLength(CLIENTS);

    const ready = await rig.call('GET', READY);
    expect(ready).toMatchObject({ status: 200, body: { Ready: true } });
  }, 90_000);

  it('says the store does not answer while Postgres is frozen', async () => {
    await rig.pg.freeze();
    const notReady = await rig.call('GET', READY);
    await rig.pg.thaw();
    expect(notReady.status).toBe(503);
    expect(notReady.body.Message).toBe('not ready: store: no answer within 2s');
    expect(notReady.ms).toBeLessThanOrEqual(2_500);
    await waitFor(async () => (await rig.call('GET', READY)).status === 200, {
      timeoutMs: 15_000,
      message: 'ready again after SIGCONT',
    });
  }, 30_000);
});
