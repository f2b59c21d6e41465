import { ComputeStateType as C } from '@shoal/models';
import { parsePrometheusText, sampleSum, waitFor } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityTracker } from '../node/capacity.js';
import { type Harness, makeAsk, openHarness } from '../testing/fixtures.js';
import type { RunMetrics } from './ports.js';
import { type AgentMetrics, agentMetrics } from './registry.js';

/** The agent's registry over a real execution manager and noop engine. */

let h: Harness;
afterEach(async () => {
  await h.stop();
  await h.dir.cleanup();
});

async function harnessWithMetrics(
  capacity?: CapacityTracker,
): Promise<{ h: Harness; metrics: AgentMetrics }> {
  let metrics: AgentMetrics | undefined;
  const runs: RunMetrics = { runEnded: (...args) => metrics?.runs.runEnded(...args) };
  const harness = await openHarness({ metrics: runs, ...(capacity ? { capacity } : {}) });
  metrics = agentMetrics({
    engines: ['noop'],
    capacity: capacity ?? harness.capacity,
    runningExecutions: () => harness.manager.activeRuns,
  });
  return { h: harness, metrics };
}

const scrape = async (metrics: AgentMetrics) => parsePrometheusText(await metrics.endpoint.render());
const state = (id: string) => h.store.transaction((tx) => h.store.executions.get(tx, id)?.localState);

describe('agent metrics', () => {
  it('observe each run by engine and outcome when it ends', async () => {
    const made = await harnessWithMetrics();
    h = made.h;
    const ok = makeAsk({ Stdout: 'ok' }, { WaitForApproval: false });
    const exit3 = makeAsk({ ExitCode: 3 }, { WaitForApproval: false });
    await h.manager.onAskForBid(ok);
    await h.manager.onAskForBid(exit3);
    await waitFor(async () => (await state(ok.ExecutionID)) === C.Completed);
    await waitFor(async () => (await state(exit3.ExecutionID)) === C.Failed);

    const samples = await scrape(made.metrics);
    const runs = (outcome: string) =>
      sampleSum(samples, 'shoal_agent_execution_duration_seconds_count', { engine: 'noop', outcome });
    expect(runs('completed')).toBe(1);
    expect(runs('failed')).toBe(1);
    expect(sampleSum(samples, 'shoal_agent_executions_running')).toBe(0);
    expect(sampleSum(samples, 'shoal_agent_executions_waiting')).toBe(0);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('show the capacity offered and what a bid has booked, in base units', async () => {
    const made = await harnessWithMetrics();
    h = made.h;
    const before = await scrape(made.metrics);
    expect(sampleSum(before, 'shoal_agent_capacity_cpu_cores')).toBe(4);
    expect(sampleSum(before, 'shoal_agent_capacity_memory_bytes')).toBe(8e9);
    expect(sampleSum(before, 'shoal_agent_allocated_cpu_cores')).toBe(0);

    // A bid awaiting approval holds its resources.
    await h.manager.onAskForBid(makeAsk({}));
    const after = await scrape(made.metrics);
    expect(sampleSum(after, 'shoal_agent_allocated_cpu_cores')).toBe(0.5);
    expect(sampleSum(after, 'shoal_agent_overcommit_ratio')).toBe(1);
  });

  it('count the runs waiting on the node for room', async () => {
    // One core, a queue as large: two 500m tasks run (10 s each), the third waits.
    const capacity = new CapacityTracker({ cpuMillis: 1000, memoryBytes: 8e9, diskBytes: 0, gpu: 0 }, 1);
    const made = await harnessWithMetrics(capacity);
    h = made.h;
    for (let i = 0; i < 3; i++) {
      await h.manager.onAskForBid(makeAsk({ Delay: '10s' }, { WaitForApproval: false }));
    }
    await waitFor(() => h.manager.activeRuns === 2);
    const samples = await scrape(made.metrics);
    expect(sampleSum(samples, 'shoal_agent_executions_waiting')).toBe(1);
    expect(sampleSum(samples, 'shoal_agent_executions_running')).toBe(2);
  });

  it('count a task whose engine is not installed under none, not under its name', async () => {
    const made = await harnessWithMetrics();
    h = made.h;
    made.metrics.runs.runEnded('made-up-engine', { kind: 'failed', error: 'no engine' }, 0);
    made.metrics.runs.runEnded('noop', { kind: 'cancelled' }, 1);
    const samples = await scrape(made.metrics);
    expect(samples.some((s) => s.labels.engine === 'made-up-engine')).toBe(false);
    expect(
      sampleSum(samples, 'shoal_agent_execution_duration_seconds_count', {
        engine: 'none',
        outcome: 'failed',
      }),
    ).toBe(1);
    expect(
      sampleSum(samples, 'shoal_agent_execution_duration_seconds_count', {
        engine: 'noop',
        outcome: 'cancelled',
      }),
    ).toBe(1);
  });
});
