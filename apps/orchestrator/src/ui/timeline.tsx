/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { JobHistory, WireExecution } from '@shoal/models';
import { computeStateName, HistoryEventType, nanosToIso } from '@shoal/models';
import { StateBadge, shortTime } from './parts.js';

/**
 * A job's timeline from its history: the job's own state changes, then each execution's, under
 * the node it ran on, in the order they happened. States are names (`BidAccepted`), not the
 * wire's numbers.
 */

function When({ time }: { time: string }) {
  return <time datetime={time}>{shortTime(time)}</time>;
}

function Change({ from, to }: { from: string; to: string }) {
  return (
    <>
      <span class="muted">{from}</span> → <StateBadge state={to} />
    </>
  );
}

export function Timeline({ history, executions }: { history: JobHistory[]; executions: WireExecution[] }) {
  const jobEvents = history.filter((e) => e.Type === HistoryEventType.JobLevel && e.JobState);
  const byExecution = new Map<string, JobHistory[]>();
  for (const event of history) {
    if (event.Type !== HistoryEventType.ExecutionLevel || !event.ExecutionID) continue;
    const events = byExecution.get(event.ExecutionID) ?? [];
    events.push(event);
    byExecution.set(event.ExecutionID, events);
  }
  const ordered = [...executions].sort((a, b) => (a.CreateTime < b.CreateTime ? -1 : 1));
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol class="timeline" aria-label="Job state changes">
        {jobEvents.map((e) => (
          <li>
            <When time={e.Time} /> job <Change from={e.JobState?.Previous ?? ''} to={e.JobState?.New ?? ''} />
            {e.Comment ? <span class="muted">{` — ${e.Comment}`}</span> : null}
          </li>
        ))}
      </ol>
      {ordered.length === 0 ? <p class="muted">No execution yet.</p> : null}
      {ordered.map((x) => (
        <section aria-label={`Execution ${x.ID}`} data-execution-id={x.ID}>
          <h3>
            Execution <code>{x.ID}</code> on node <code>{x.NodeID}</code>:{' '}
            <StateBadge state={computeStateName(x.ComputeState.StateType)} />
          </h3>
          <ol class="timeline">
            <li>
              <When time={nanosToIso(x.CreateTime)} /> created
            </li>
            {(byExecution.get(x.ID) ?? []).map((e) => (
              <li>
                <When time={e.Time} />{' '}
                <Change
                  from={computeStateName(e.ExecutionState?.Previous ?? 0)}
                  to={computeStateName(e.ExecutionState?.New ?? 0)}
                />
                {e.Comment ? <span class="muted">{` — ${e.Comment}`}</span> : null}
              </li>
            ))}
          </ol>
          {x.ComputeState.Message ? <p class="muted">{x.ComputeState.Message}</p> : null}
        </section>
      ))}
    </section>
  );
}
