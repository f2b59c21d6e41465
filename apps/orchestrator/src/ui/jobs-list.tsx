/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Job } from '@shoal/models';
import { nanosToIso, numericMatches, parseSelectorsWithNumeric } from '@shoal/models';
import type { JobService } from '../service/job-service.js';
import { u } from './layout.js';
import { FILTERABLE_STATES, type JobsPageQuery, jobsQueryString } from './params.js';
import { Labels, StateBadge, shortTime } from './parts.js';

/**
 * The jobs list: a filter form (a plain GET, so a filtered list is a link to share) and the
 * table, which htmx reloads every 2 s from /ui/jobs/rows with the same filters.
 */

/** The newest this many jobs are fetched; the state filter then applies to them. */
export const JOBS_SHOWN = 200;

export interface JobsListing {
  jobs: Job[];
  /** Whether older jobs exist beyond the newest JOBS_SHOWN that were looked at. */
  more: boolean;
}

export async function loadJobs(jobs: JobService, q: JobsPageQuery): Promise<JobsListing> {
  const { selector, numeric } = parseSelectorsWithNumeric(q.labels);
  const page = await jobs.list({
    namespace: q.namespace ?? '*',
    selector,
    limit: JOBS_SHOWN,
    orderBy: 'create_time',
    reverse: true,
  });
  // `>`/`<` selectors and the state are checked here, as the API checks numeric selectors.
  const matching = page.Jobs.filter(
    (job) =>
      numericMatches(numeric, job.Labels) && (q.state === undefined || job.State.StateType === q.state),
  );
  return { jobs: matching, more: page.NextToken !== '' };
}

export function JobFilters({ q }: { q: JobsPageQuery }) {
  return (
    <form class="filters" method="get" action={u('/')} aria-label="Filter jobs">
      <label for="f-state">
        State
        <select id="f-state" name="state">
          <option value="">any</option>
          {FILTERABLE_STATES.map((s) => (
            <option value={s} selected={q.state === s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label for="f-namespace">
        Namespace
        <input id="f-namespace" name="namespace" value={q.namespace ?? ''} placeholder="every namespace" />
      </label>
      <label for="f-labels">
        Labels
        <input
          id="f-labels"
          name="labels"
          value={q.labels.join(',')}
          placeholder="env in (prod,dev),!legacy"
          size={30}
        />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

/** The polled table; it replaces itself (outerHTML), so its own attributes carry the polling. */
export function JobsTable({ listing, q }: { listing: JobsListing; q: JobsPageQuery }) {
  const { jobs } = listing;
  return (
    <div id="jobs" hx-get={u(`/jobs/rows${jobsQueryString(q)}`)} hx-trigger="every 2s" hx-swap="outerHTML">
      <table>
        <caption class="visually-hidden">Jobs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Name</th>
            <th scope="col">Namespace</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Labels</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr data-job-id={job.ID}>
              <td>
                <a href={u(`/jobs/${job.ID}`)}>
                  <code>{job.ID}</code>
                </a>
              </td>
              <td>{job.Name}</td>
              <td>{job.Namespace}</td>
              <td>{job.Type}</td>
              <td>
                <StateBadge state={job.State.StateType} />
              </td>
              <td>
                <Labels labels={job.Labels} />
              </td>
              <td>
                <time datetime={nanosToIso(job.CreateTime)}>{shortTime(nanosToIso(job.CreateTime))}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.length === 0 ? <p class="muted">No job matches.</p> : null}
      {listing.more ? (
        <p class="muted">{`Only the newest ${JOBS_SHOWN} jobs are shown; narrow by namespace or labels.`}</p>
      ) : null}
    </div>
  );
}
