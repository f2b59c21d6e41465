/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { GetJobResponse, Job } from '@shoal/models';
import { encodeJson, isTerminalComputeState, isTerminalJobState, nanosToIso } from '@shoal/models';
import type { Access } from '../api/auth.js';
import type { JobService } from '../service/job-service.js';
import { u } from './layout.js';
import { LogsPlaceholder } from './logs-view.js';
import { Labels, StateBadge, shortTime } from './parts.js';
import { Timeline } from './timeline.js';

/**
 * One job: its state, a Stop button while it can still be stopped, the timeline of its
 * executions, its logs and its spec. The status part and the logs reload every 2 s until the job
 * is finished; then they stop asking.
 */

export const loadJob = (jobs: JobService, id: string): Promise<GetJobResponse> =>
  jobs.describe(id, ['history', 'executions']);

function StopButton({ job }: { job: Job }) {
  return (
    <form method="post" action={u(`/jobs/${job.ID}/stop`)}>
      <button type="submit" class="danger">
        Stop job
      </button>
    </form>
  );
}

/** The part that changes while the job runs; it replaces itself until the job and its executions end. */
export function JobStatus({ view, access }: { view: GetJobResponse; access: Access | undefined }) {
  const { Job: job } = view;
  const live = !isTerminalJobState(job.State.StateType);
  // A stopped job's executions still end after it (the node reports them cancelled): follow them too.
  const executions = view.Executions?.Executions ?? [];
  const settled = !live && executions.every((x) => isTerminalComputeState(x.ComputeState.StateType));
  const polling = !settled ? { 'hx-get': u(`/jobs/${job.ID}/status`), 'hx-trigger': 'every 2s' } : {};
  return (
    <div id="job-status" hx-swap="outerHTML" {...polling}>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={job.State.StateType} />
          {job.State.Message ? <span class="muted">{` — ${job.State.Message}`}</span> : null}
        </dd>
        <dt>Revision</dt>
        <dd>{job.Revision}</dd>
        <dt>Modified</dt>
        <dd>{shortTime(nanosToIso(job.ModifyTime))}</dd>
      </dl>
      {live && access === 'full' ? <StopButton job={job} /> : null}
      <Timeline history={view.History?.History ?? []} executions={executions} />
    </div>
  );
}

export function JobPage({ view, access }: { view: GetJobResponse; access: Access | undefined }) {
  const { Job: job } = view;
  return (
    <>
      <dl class="facts">
        <dt>ID</dt>
        <dd>
          <code>{job.ID}</code>
        </dd>
        <dt>Name</dt>
        <dd>{job.Name}</dd>
        <dt>Namespace</dt>
        <dd>{job.Namespace}</dd>
        <dt>Type</dt>
        <dd>{job.Type}</dd>
        <dt>Labels</dt>
        <dd>
          <Labels labels={job.Labels} />
        </dd>
        <dt>Created</dt>
        <dd>
          <time datetime={nanosToIso(job.CreateTime)}>{shortTime(nanosToIso(job.CreateTime))}</time>
        </dd>
      </dl>
      <JobStatus view={view} access={access} />
      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        <LogsPlaceholder job={job} />
      </section>
      <section aria-labelledby="spec-title">
        <h2 id="spec-title">Spec</h2>
        <pre tabindex={0}>
          <code>{encodeJson(job, 2)}</code>
        </pre>
      </section>
    </>
  );
}
