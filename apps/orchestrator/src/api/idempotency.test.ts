import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DRIVERS } from '../store/testing/harness.js';
import { call, type Harness, harnessFor } from './test-support.js';

/**
 * PUT /jobs with an IdempotencyToken, on every driver: a retry answers the first PUT's ids and
 * makes no second job, also when the retries race the first one.
 */

const J = '/api/v1/orchestrator/jobs';

const body = (token: string | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    Job: { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop' } }], ...extra },
    ...(token === undefined ? {} : { IdempotencyToken: token }),
  });

for (const driver of DRIVERS) {
  describeWithServices(driver.services, `PUT /jobs with an IdempotencyToken (${driver.name})`, () => {
    let h: Harness;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      const opened = await driver.open();
      dispose = opened.dispose;
      h = harnessFor(opened.store);
    });

    afterAll(async () => {
      await dispose?.();
    });

    const put = async (token: string | undefined, extra?: Record<string, unknown>) => {
      const reply = await call(h.app, 'PUT', J, { body: body(token, extra) });
      expect(reply.status, reply.text).toBe(200);
      return reply.body as { JobID: string; EvaluationID: string };
    };
    const jobsLabelled = async (label: string) =>
      (await call(h.app, 'GET', `${J}?labels=run=${label}&limit=100`)).body.Jobs as unknown[];

    it('answers a retry with the first JobID and EvaluationID, and makes one job', async () => {
      const first = await put('retry-1', { Labels: { run: 'retry-1' } });
      const again = await put('retry-1', { Labels: { run: 'retry-1' } });
      expect(again).toEqual(first);
      expect(await jobsLabelled('retry-1')).toHaveLength(1);
    });

    it('makes one job for retries that race each other', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => put('racing', { Labels: { run: 'racing' } })),
      );
      expect(new Set(answers.map((a) => a.JobID)).size).toBe(1);
      expect(await jobsLabelled('racing')).toHaveLength(1);
    });

    it('keeps tokens apart by namespace, and an empty or absent token deduplicates nothing', async () => {
      const a = await put('shared', { Labels: { run: 'spaces' } });
      const b = await put('shared', { Labels: { run: 'spaces' }, Namespace: 'team-b' });
      expect(b.JobID).not.toBe(a.JobID);
      const c = await put('', { Labels: { run: 'none' } });
      const d = await put(undefined, { Labels: { run: 'none' } });
      expect(c.JobID).not.toBe(d.JobID);
      expect(await jobsLabelled('none')).toHaveLength(2);
    });

    it('refuses a token longer than 256 characters, or not a string', async () => {
      for (const token of ['x'.repeat(257), 42]) {
        const reply = await call(h.app, 'PUT', J, {
          body: JSON.stringify({ Job: { Type: 'batch' }, IdempotencyToken: token }),
        });
        expect(reply.status).toBe(400);
        expect(String(reply.body.Message)).toContain('IdempotencyToken');
      }
    });
  });
}
