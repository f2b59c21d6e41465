import { createIdGenerator, EvaluationTrigger } from '@shoal/models';
import { describeWithServices } from '@shoal/testkit';
import { expect, it } from 'vitest';
import { makeJob, tick } from '../store/testing/fixtures.js';
import { DRIVERS, useStore } from '../store/testing/harness.js';
import { evaluateWaitingJobs } from './node-events.js';

const ids = createIdGenerator();

/**
 * Waking the queue when room appears, with several such events at once (ten nodes approved
 * together, a storm of reconnects): each waiting job must get one evaluation, not one per event,
 * or a queue of thousands becomes tens of thousands of evaluations to plan.
 */
// On Postgres only: PGlite runs one transaction at a time, so its wake-ups cannot overlap.
for (const driver of DRIVERS.filter((d) => d.name === 'postgres')) {
  describeWithServices(driver.services, `waking the queue (${driver.name})`, () => {
    const ctx = useStore(driver);

    it('concurrent wake-ups add one evaluation per waiting job', async () => {
      const jobs = Array.from({ length: 40 }, () =>
        makeJob({ State: { StateType: 'Queued', Message: 'no room' } }),
      );
      for (const job of jobs) await ctx.store.jobs.insert(job);
      const events = 4;
      let started = 0;
      const allStarted = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (started < events) return;
          clearInterval(check);
          resolve();
        }, 5);
      });
      // Each event's transaction has begun before any looks at the queue, as when ten approvals
      // arrive together.
      const added = await Promise.all(
        Array.from({ length: events }, (_, i) =>
          ctx.store.transaction(async (tx) => {
            await tx.nodeStatus.list();
            started++;
            await allStarted;
            return evaluateWaitingJobs(tx, ids, `event ${i}`, tick(), { daemons: true });
          }),
        ),
      );
      const pending = await ctx.store.transaction((tx) => tx.bulk.pendingEvaluations(jobs.map((j) => j.ID)));
      const perJob = new Map<string, number>();
      for (const p of pending) {
        expect(p.trigger).toBe(EvaluationTrigger.NodeUpdate);
        perJob.set(p.jobId, (perJob.get(p.jobId) ?? 0) + 1);
      }
      expect(perJob.size).toBe(jobs.length);
      expect([...perJob.values()].every((n) => n === 1)).toBe(true);
      expect(added.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(jobs.length);
    });
  });
}
