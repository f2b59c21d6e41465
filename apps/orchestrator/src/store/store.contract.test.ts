import { describeWithServices } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { agentCursorsContract } from './testing/contract-agent-cursors.js';
import { bulkContract } from './testing/contract-bulk.js';
import { evaluationsContract } from './testing/contract-evaluations.js';
import { executionUpdatesContract } from './testing/contract-execution-updates.js';
import { executionsContract } from './testing/contract-executions.js';
import { historyContract } from './testing/contract-history.js';
import { jobListContract } from './testing/contract-job-list.js';
import { jobListByModifyTimeContract } from './testing/contract-job-list-modify.js';
import { jobsContract } from './testing/contract-jobs.js';
import { nodeOrdersContract } from './testing/contract-node-orders.js';
import { nodeSchedRevisionContract } from './testing/contract-node-sched-revision.js';
import { nodeStatusContract } from './testing/contract-node-status.js';
import { nodesContract } from './testing/contract-nodes.js';
import { outboxContract } from './testing/contract-outbox.js';
import { runStartContract } from './testing/contract-run-start.js';
import { submissionGuardContract } from './testing/contract-submission-guard.js';
import { DRIVERS, useStore } from './testing/harness.js';

/**
 * One contract, every driver: the same tests against embedded PGlite and a real Postgres server
 * (skipped locally without one, failing under CI=true).
 */
for (const driver of DRIVERS) {
  describeWithServices(driver.services, `store contract (${driver.name})`, () => {
    const ctx = useStore(driver);

    it('answers pings and names its driver', async () => {
      await ctx.store.ping();
      expect(ctx.store.driver).toBe(driver.name);
    });

    describe('jobs', () => jobsContract(ctx));
    describe('job listing', () => jobListContract(ctx));
    describe('job listing by modify time', () => jobListByModifyTimeContract(ctx));
    describe('history', () => historyContract(ctx));
    describe('executions', () => executionsContract(ctx));
    describe('evaluations', () => evaluationsContract(ctx));
    describe('nodes', () => nodesContract(ctx));
    describe('node orders', () => nodeOrdersContract(ctx));
    describe('execution compute updates', () => executionUpdatesContract(ctx));
    describe('node status', () => nodeStatusContract(ctx));
    describe('node placement revision', () => nodeSchedRevisionContract(ctx));
    describe('outbox', () => outboxContract(ctx));
    describe('agent cursors', () => agentCursorsContract(ctx));
    describe('bulk', () => bulkContract(ctx));
    describe('run start', () => runStartContract(ctx));
    describe('submissions', () => submissionGuardContract(ctx));
  });
}
