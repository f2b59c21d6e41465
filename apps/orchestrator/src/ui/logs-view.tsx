/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Execution } from '@shoal/models';
import { isShoalError, isTerminalJobState, type Job } from '@shoal/models';
import type { LogRelay } from '../logs/relay.js';
import { resolveLogTarget } from '../logs/target.js';
import type { Store } from '../store/types.js';
import { u } from './layout.js';
import { type CollectedLogs, collectLogs, type LogLimits } from './log-collector.js';

/**
 * The job page's logs: the latest execution's stdout and stderr, read through the log relay, or
 * the output the execution reported when it ended if the node cannot be asked (gone, or no relay
 * on this server). It reloads itself every 2 s while the job runs.
 */

export interface LogView {
  job: Job;
  execution?: Execution | undefined;
  logs?: CollectedLogs | undefined;
  note?: string | undefined;
}

export interface LogSources {
  store: Store;
  relay: LogRelay | undefined;
  limits: LogLimits;
}

export async function loadLogView(sources: LogSources, job: Job): Promise<LogView> {
  let execution: Execution | undefined;
  try {
    ({ execution } = await resolveLogTarget(sources.store, job.ID, { follow: false }));
  } catch (error) {
    if (isShoalError(error) && error.status === 404) return { job, note: 'No execution yet.' };
    throw error;
  }
  if (!execution) return { job, note: 'No execution yet.' };
  if (!sources.relay) return { job, execution, note: 'Log streaming is not available on this server.' };
  const logs = await collectLogs(sources.relay, { job, execution }, sources.limits);
  return { job, execution, logs };
}

/** What to show when the node could not be asked: the output the execution reported, if any. */
function reported(execution: Execution | undefined) {
  const output = execution?.RunOutput;
  if (!output || (output.stdout === '' && output.stderr === '')) return null;
  return (
    <>
      <p class="muted">Output reported when the execution ended:</p>
      <pre>
        <code>{output.stdout}</code>
        <code class="stderr">{output.stderr}</code>
      </pre>
    </>
  );
}

export function LogsFragment({ view }: { view: LogView }) {
  const live = !isTerminalJobState(view.job.State.StateType);
  const polling = live ? { 'hx-get': u(`/jobs/${view.job.ID}/logs`), 'hx-trigger': 'every 2s' } : {};
  const { logs, execution } = view;
  return (
    <div id="job-logs" hx-swap="outerHTML" {...polling}>
      {execution ? (
        <p class="muted">
          Execution <code>{execution.ID}</code> on node <code>{execution.NodeID}</code>
          {live ? ' (refreshing every 2 s)' : ''}
        </p>
      ) : null}
      {view.note ? <p class="muted">{view.note}</p> : null}
      {logs && logs.frames.length > 0 ? (
        <pre tabindex={0}>
          {logs.frames.map((f) => (f.Type === 2 ? <span class="stderr">{f.Line}</span> : f.Line))}
        </pre>
      ) : null}
      {logs && logs.frames.length === 0 && !logs.problem ? <p class="muted">No output yet.</p> : null}
      {logs?.truncated ? <p class="muted">Cut at the dashboard’s limit: use `shoal job logs`.</p> : null}
      {logs?.problem ? <p class="muted">{`The node did not stream the logs: ${logs.problem}`}</p> : null}
      {(logs?.problem || view.note) && execution ? reported(execution) : null}
    </div>
  );
}

/** The placeholder on the page: it loads the logs once the page is shown, so the page never waits. */
export function LogsPlaceholder({ job }: { job: Job }) {
  return (
    <div id="job-logs" hx-get={u(`/jobs/${job.ID}/logs`)} hx-trigger="load" hx-swap="outerHTML">
      <p class="muted">Loading logs…</p>
    </div>
  );
}
