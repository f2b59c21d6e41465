import {
  describeWithServices,
  type PrometheusSample,
  sampleSum,
  scrapeMetrics,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * Both /metrics pages of a real cluster: an orchestrator (with its nats-server) and two agents
 * running the noop engine, scraped over HTTP with the tokens a Prometheus would send, after a few
 * jobs have run. What moved must agree with what the jobs did.
 */

const FULL = 'full-api-token-0123456789abcdef';
const READ = 'read-api-token-0123456789abcdef';
const AGENT = 'agent-metrics-token-0123456789';

describeWithServices(['nats'], 'metrics of a running cluster', () => {
  let cluster: TestCluster;
  const jobIds: string[] = [];

  const submit = async (params: Record<string, unknown>) => {
    const response = await fetch(`${cluster.api}/api/v1/orchestrator/jobs`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${FULL}` },
      body: JSON.stringify({
        Job: { Type: 'batch', Count: 1, Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: params } }] },
      }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`submit: ${response.status} ${text}`);
    return (JSON.parse(text) as { JobID: string }).JobID;
  };
  const jobState = async (id: string) => {
    const response = await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}`, {
      headers: { Authorization: `Bearer ${READ}` },
    });
    return ((await response.json()) as { Job: { State: { StateType: string } } }).Job.State.StateType;
  };
  const orchestrator = () => scrapeMetrics(`${cluster.api}/metrics`, READ);
  /** Every agent's page, their samples together: sums are over the cluster. */
  const agents = async (): Promise<PrometheusSample[]> =>
    (await Promise.all(cluster.agents.map((a) => scrapeMetrics(`${a.resultsUrl}/metrics`, AGENT)))).flat();

  beforeAll(async () => {
    cluster = await startTestCluster({
      orchestrator: { apiToken: FULL, apiReadToken: READ, maxAttempts: 1 },
      agentConfig: { metricsToken: AGENT },
      agents: [
        { name: 'metrics-1', labels: {} },
        { name: 'metrics-2', labels: {} },
      ],
    });
    jobIds.push(
      await submit({ Stdout: 'one' }),
      await submit({ Stdout: 'two' }),
      await submit({ ExitCode: 1 }),
    );
    await waitFor(
      async () => {
        const states = await Promise.all(jobIds.map(jobState));
        return states.every((s) => s === 'Completed' || s === 'Failed');
      },
      { timeoutMs: 60_000, message: 'the three jobs to end' },
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('refuses a scrape without the token, on the orchestrator and on an agent', async () => {
    expect((await fetch(`${cluster.api}/metrics`)).status).toBe(401);
    expect((await fetch(`${cluster.agents[0]?.resultsUrl}/metrics`)).status).toBe(401);
  });

  it('counts the orchestrator side: placements, evaluations, queue waits, nodes, jobs, reports, store calls', async () => {
    // Counters move once a batch or a report has committed, gauges once their cached read is
    // refreshed: poll until the page says so, then check each figure.
    const expected = (samples: PrometheusSample[]) =>
      sampleSum(samples, 'shoal_jobs', { state: 'Completed', type: 'batch' }) === 2 &&
      sampleSum(samples, 'shoal_jobs', { state: 'Failed', type: 'batch' }) === 1 &&
      sampleSum(samples, 'shoal_nats_messages_received_total', { type: 'RunResult', result: 'acked' }) >= 3 &&
      sampleSum(samples, 'shoal_execution_duration_seconds_count') === 3;
    const samples = await waitFor(
      async () => {
        const page = await orchestrator();
        return expected(page) && page;
      },
      { timeoutMs: 30_000, message: 'the orchestrator page to show the three jobs ended' },
    );
    expect(sampleSum(samples, 'shoal_placements_total', { outcome: 'placed' })).toBe(3);
    expect(sampleSum(samples, 'shoal_execution_duration_seconds_count', { outcome: 'completed' })).toBe(2);
    expect(sampleSum(samples, 'shoal_execution_duration_seconds_count', { outcome: 'task-failed' })).toBe(1);
    expect(sampleSum(samples, 'shoal_job_queue_wait_seconds_count')).toBe(3);
    expect(
      sampleSum(samples, 'shoal_evaluations_total', { trigger: 'job-register', status: 'complete' }),
    ).toBe(3);
    expect(sampleSum(samples, 'shoal_evaluation_batch_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleSum(samples, 'shoal_nodes', { membership: 'APPROVED', connection: 'CONNECTED' })).toBe(2);
    expect(sampleSum(samples, 'shoal_job_queue_depth')).toBe(0);
    expect(sampleSum(samples, 'shoal_nats_messages_sent_total', { type: 'AskForBid' })).toBe(3);
    expect(
      sampleSum(samples, 'shoal_node_control_requests_total', { type: 'Handshake', result: 'accepted' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sampleSum(samples, 'shoal_store_call_duration_seconds_count', { call: 'transaction' }),
    ).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    // No label carries a job or a node id.
    const ids = [...jobIds, 'metrics-1', 'metrics-2'];
    expect(samples.filter((s) => Object.values(s.labels).some((v) => ids.includes(v)))).toEqual([]);
  });

  it('counts the agents side: runs by engine and outcome, commands in, reports out, capacity', async () => {
    const samples = await waitFor(
      async () => {
        const page = await agents();
        return sampleSum(page, 'shoal_agent_execution_duration_seconds_count') === 3 && page;
      },
      { timeoutMs: 30_000, message: 'the agents to show three runs' },
    );
    const runs = (outcome: string) =>
      sampleSum(samples, 'shoal_agent_execution_duration_seconds_count', { engine: 'noop', outcome });
    expect(runs('completed')).toBe(2);
    expect(runs('failed')).toBe(1);
    expect(
      sampleSum(samples, 'shoal_nats_messages_received_total', { type: 'AskForBid', result: 'acked' }),
    ).toBe(3);
    expect(
      sampleSum(samples, 'shoal_nats_messages_sent_total', { type: 'RunResult' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sampleSum(samples, 'shoal_agent_capacity_cpu_cores')).toBe(4);
    expect(sampleSum(samples, 'shoal_agent_executions_running')).toBe(0);
  });
});
