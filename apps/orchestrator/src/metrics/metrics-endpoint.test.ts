import { parsePrometheusText, sampleSum } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Harness, harnessFor } from '../api/test-support.js';
import { openStore, type Store } from '../store/index.js';
import { orchestratorMetrics } from './registry.js';

/** The registry behind the ports, and GET /metrics behind the API's tokens. */

const READ = 'read-only-token.0123456789abcdef==';
const FULL = 'f0ll-access-token_0123456789abcdef';

describe('orchestratorMetrics', () => {
  it('moves its counters and histograms through the ports, one registry per instance', async () => {
    const metrics = orchestratorMetrics();
    const other = orchestratorMetrics();
    metrics.scheduling.planned({ placed: 3, queued: 1, failed: 0, queueWaits: [0.2, 7] });
    metrics.evaluations.evaluated('job-register', 'complete');
    metrics.evaluations.batchDone(0.03);
    metrics.store.recorder('jobs.get')(0.002);
    metrics.streams.sent('AskForBid', false);
    metrics.streams.received('RunResult', 'acked');
    metrics.nodes.controlAnswered('Heartbeat', true);
    metrics.nodes.controlAnswered('Heartbeat', true);
    metrics.nodes.controlAnswered('Handshake', false);
    metrics.endings.executionEnded('task-failed', 4);

    const samples = parsePrometheusText(await metrics.endpoint.render());
    expect(sampleSum(samples, 'shoal_placements_total', { outcome: 'placed' })).toBe(3);
    expect(sampleSum(samples, 'shoal_placements_total', { outcome: 'queued' })).toBe(1);
    expect(sampleSum(samples, 'shoal_job_queue_wait_seconds_count')).toBe(2);
    expect(sampleSum(samples, 'shoal_job_queue_wait_seconds_bucket', { le: '1' })).toBe(1);
    expect(
      sampleSum(samples, 'shoal_evaluations_total', { trigger: 'job-register', status: 'complete' }),
    ).toBe(1);
    expect(sampleSum(samples, 'shoal_evaluation_batch_duration_seconds_count')).toBe(1);
    expect(sampleSum(samples, 'shoal_store_call_duration_seconds_count', { call: 'jobs.get' })).toBe(1);
    expect(sampleSum(samples, 'shoal_nats_messages_sent_total', { type: 'AskForBid' })).toBe(1);
    expect(sampleSum(samples, 'shoal_nats_messages_received_total', { result: 'acked' })).toBe(1);
    expect(
      sampleSum(samples, 'shoal_node_control_requests_total', { type: 'Heartbeat', result: 'accepted' }),
    ).toBe(2);
    expect(
      sampleSum(samples, 'shoal_node_control_requests_total', { type: 'Handshake', result: 'refused' }),
    ).toBe(1);
    expect(sampleSum(samples, 'shoal_execution_duration_seconds_count', { outcome: 'task-failed' })).toBe(1);
    expect(sampleSum(samples, 'shoal_execution_duration_seconds_sum')).toBe(4);
    // Process metrics come with the registry.
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // The second registry saw none of it.
    const untouched = parsePrometheusText(await other.endpoint.render());
    expect(sampleSum(untouched, 'shoal_placements_total')).toBe(0);
  });
});

describe('GET /metrics', () => {
  let store: Store;
  let secured: Harness;
  let open: Harness;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
    const metrics = orchestratorMetrics().endpoint;
    secured = harnessFor(store, { metrics, config: { auth: { full: FULL, read: READ } } });
    open = harnessFor(store, { metrics, config: { auth: {} } });
  });
  afterAll(() => store.close());

  it('asks for a token when the API has tokens, and takes the read token', async () => {
    const refused = await call(secured.app, 'GET', '/metrics');
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain('shoal_');
    for (const token of [READ, FULL]) {
      const reply = await secured.app.request('/metrics', { headers: { Authorization: `Bearer ${token}` } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parsePrometheusText(await reply.text());
      expect(samples.filter((s) => s.name === 'shoal_placements_total')).toHaveLength(3);
    }
  });

  it('is open when the API is', async () => {
    const reply = await open.app.request('/metrics');
    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('# TYPE shoal_placements_total counter');
  });
});
