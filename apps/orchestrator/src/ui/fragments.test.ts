import type { JobHistory } from '@shoal/models';
import { ComputeStateType, wireExecution } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { computeNode } from '../api/test-support.js';
import { makeExecution, makeJob, runOutput } from '../store/testing/fixtures.js';
import { JobStatus } from './job-page.js';
import { LogsFragment } from './logs-view.js';
import { NodesTable } from './nodes-page.js';

/** The fragments htmx swaps in, rendered alone: what they show, escape, and when they stop polling. */

const html = (node: unknown) => String(node);

describe('the logs fragment', () => {
  const running = makeJob({ State: { StateType: 'Running', Message: '' } });
  const execution = makeExecution(running, { NodeID: 'n-<b>' });

  it('shows stdout and stderr as text, stderr marked, and keeps polling while the job runs', () => {
    const frames = [
      { Type: 1 as const, Line: '<script>alert(1)</script>\n' },
      { Type: 2 as const, Line: 'warning & more\n' },
    ];
    const text = html(LogsFragment({ view: { job: running, execution, logs: { frames, truncated: true } } }));
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).not.toContain('<script>');
    expect(text).toContain('<span class="stderr">warning &amp; more\n</span>');
    expect(text).toContain('node <code>n-&lt;b&gt;</code>');
    expect(text).toContain(`hx-get="/ui/jobs/${running.ID}/logs" hx-trigger="every 2s"`);
    expect(text).toContain('Cut at the dashboard’s limit');
  });

  it('stops polling once the job is finished, and falls back to the reported output when the node is gone', () => {
    const done = { ...running, State: { StateType: 'Completed' as const, Message: '' } };
    const ended = { ...execution, RunOutput: runOutput('kept <i>output</i>\n') };
    const logs = { frames: [], truncated: false, problem: 'node n-x is not connected' };
    const text = html(LogsFragment({ view: { job: done, execution: ended, logs } }));
    expect(text).not.toContain('hx-get');
    expect(text).toContain('The node did not stream the logs: node n-x is not connected');
    expect(text).toContain('kept &lt;i&gt;output&lt;/i&gt;');
  });
});

describe('the job status fragment', () => {
  const history = (executionId: string): JobHistory[] => [
    {
      Type: 'JobLevel',
      JobID: 'j-1',
      JobState: { Previous: 'Pending', New: 'Stopped' },
      ExecutionState: null,
      NewRevision: 3,
      Comment: 'stopped by <someone>',
      Time: '2026-01-02T03:04:05.123456789Z',
    },
    {
      Type: 'ExecutionLevel',
      JobID: 'j-1',
      NodeID: 'n-a',
      ExecutionID: executionId,
      JobState: null,
      ExecutionState: { Previous: ComputeStateType.AskForBid, New: ComputeStateType.BidAccepted },
      NewRevision: 2,
      Comment: 'bid accepted by node',
      Time: '2026-01-02T03:04:04Z',
    },
  ];

  it('names execution states, escapes comments, and polls until the executions of a stopped job end', () => {
    const job = makeJob({ State: { StateType: 'Stopped', Message: '' } });
    const execution = makeExecution(job, {
      ComputeState: { StateType: ComputeStateType.BidAccepted, Message: '' },
    });
    const view = {
      Job: job,
      History: { NextToken: '', History: history(execution.ID) },
      Executions: { NextToken: '', Executions: [wireExecution(execution)] },
    };
    const text = html(JobStatus({ view, access: 'full' }));
    expect(text).toContain('AskForBid</span> → <span class="state state-BidAccepted">BidAccepted</span>');
    expect(text).toContain('stopped by &lt;someone&gt;');
    expect(text).toContain('<time datetime="2026-01-02T03:04:05.123456789Z">2026-01-02 03:04:05.123</time>');
    expect(text).not.toContain('Stop job');
    expect(text).toContain(`hx-get="/ui/jobs/${job.ID}/status"`);

    const cancelled = { ...execution, ComputeState: { StateType: ComputeStateType.Cancelled, Message: '' } };
    const settled = { ...view, Executions: { NextToken: '', Executions: [wireExecution(cancelled)] } };
    expect(html(JobStatus({ view: settled, access: 'full' }))).not.toContain('hx-get');
  });

  it('offers Stop to the full token only', () => {
    const job = makeJob();
    const view = { Job: job };
    expect(html(JobStatus({ view, access: 'full' }))).toContain(`action="/ui/jobs/${job.ID}/stop"`);
    expect(html(JobStatus({ view, access: 'read' }))).not.toContain('Stop job');
  });
});

describe('the nodes table', () => {
  it('shows the read token no Approve or Reject', () => {
    const nodes = [computeNode('n-1', { zone: 'a' }, 'PENDING')];
    expect(html(NodesTable({ nodes, access: 'full' }))).toContain('Approve node n-1');
    const read = html(NodesTable({ nodes, access: 'read' }));
    expect(read).not.toContain('Approve');
    expect(read).not.toContain('<form');
  });

  it('shows what runs on each node and what waits there', () => {
    const node = computeNode('n-1', { zone: 'a' });
    const info = node.Info.ComputeNodeInfo;
    if (info) Object.assign(info, { RunningExecutions: 3, EnqueuedExecutions: 2 });
    expect(html(NodesTable({ nodes: [node], access: 'read' }))).toContain('3 running, 2 waiting');
  });
});
