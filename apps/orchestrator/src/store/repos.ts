import { agentCursorRepo } from './agent-cursors.js';
import { bulkRepo } from './bulk.js';
import type { StoreCallTimer } from './call-timer.js';
import { commitGuardRepo } from './commit-guard.js';
import { countsRepo } from './counts.js';
import type { Handle } from './db.js';
import { guard } from './errors.js';
import { evaluationRepo } from './evaluations.js';
import { executionRepo } from './executions.js';
import { historyRepo } from './history.js';
import { jobRepo } from './jobs.js';
import { nodeStatusRepo } from './node-status.js';
import { nodeRepo } from './nodes.js';
import { outboxRepo } from './outbox.js';
import { schedulingRepo } from './scheduling.js';
import { submissionTokenRepo } from './submission-tokens.js';
import type { Repos } from './types.js';

/**
 * The repositories over a database or a transaction; every method maps driver errors and, with a
 * timer, records how long it took.
 */
export function makeRepos(handle: Handle, timer?: StoreCallTimer): Repos {
  const timed = (repo: keyof Repos) => timer && { repo, timer };
  return {
    jobs: guard(jobRepo(handle), timed('jobs')),
    history: guard(historyRepo(handle), timed('history')),
    executions: guard(executionRepo(handle), timed('executions')),
    evaluations: guard(evaluationRepo(handle), timed('evaluations')),
    nodes: guard(nodeRepo(handle), timed('nodes')),
    nodeStatus: guard(nodeStatusRepo(handle), timed('nodeStatus')),
    outbox: guard(outboxRepo(handle), timed('outbox')),
    scheduling: guard(schedulingRepo(handle), timed('scheduling')),
    agentCursors: guard(agentCursorRepo(handle), timed('agentCursors')),
    bulk: guard(bulkRepo(handle), timed('bulk')),
    submissionTokens: guard(submissionTokenRepo(handle), timed('submissionTokens')),
    commitGuard: guard(commitGuardRepo(handle), timed('commitGuard')),
    counts: guard(countsRepo(handle), timed('counts')),
  };
}
