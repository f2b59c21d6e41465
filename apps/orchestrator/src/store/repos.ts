import { agentCursorRepo } from './agent-cursors.js';
import { bulkRepo } from './bulk.js';
import { commitGuardRepo } from './commit-guard.js';
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

/** The repositories over a database or a transaction; every method maps driver errors. */
export function makeRepos(handle: Handle): Repos {
  return {
    jobs: guard(jobRepo(handle)),
    history: guard(historyRepo(handle)),
    executions: guard(executionRepo(handle)),
    evaluations: guard(evaluationRepo(handle)),
    nodes: guard(nodeRepo(handle)),
    nodeStatus: guard(nodeStatusRepo(handle)),
    outbox: guard(outboxRepo(handle)),
    scheduling: guard(schedulingRepo(handle)),
    agentCursors: guard(agentCursorRepo(handle)),
    bulk: guard(bulkRepo(handle)),
    submissionTokens: guard(submissionTokenRepo(handle)),
    commitGuard: guard(commitGuardRepo(handle)),
  };
}
