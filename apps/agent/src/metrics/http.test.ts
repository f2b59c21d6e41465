import { manualClock } from '@shoal/models';
import { makeTempDir, parsePrometheusText, sampleSum, type TempDir } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultsKey } from '../publisher/results-key.js';
import { type ResultsServer, startResultsServer } from '../publisher/results-server.js';
import { agentMetrics } from './registry.js';

/** GET /metrics on the results server: open, or behind the metrics token. */

const TOKEN = 'metrics-token-0123456789abcdef';
let dir: TempDir;
let server: ResultsServer;
afterEach(async () => {
  await server.close();
  await dir.cleanup();
});

async function serve(token?: string): Promise<string> {
  dir = await makeTempDir('shoal-agent-metrics-');
  const capacity = {
    total: { cpuMillis: 2000, memoryBytes: 1e9, diskBytes: 0, gpu: 0 },
    overcommit: 1,
    waitingCount: 0,
  };
  const metrics = agentMetrics({
    engines: ['noop'],
    capacity: { ...capacity, allocated: () => ({ cpuMillis: 0, memoryBytes: 0, diskBytes: 0, gpu: 0 }) },
    runningExecutions: () => 0,
  });
  server = await startResultsServer({
    stateDir: dir.path,
    host: '127.0.0.1',
    port: 0,
    key: new ResultsKey(),
    clock: manualClock(),
    metrics: { endpoint: metrics.endpoint, token },
  });
  return `${server.url}/metrics`;
}

describe('the agent /metrics', () => {
  it('serves the text format to anyone when no token is set', async () => {
    const response = await fetch(await serve());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sampleSum(parsePrometheusText(await response.text()), 'shoal_agent_capacity_cpu_cores')).toBe(2);
  });

  it('asks for the token when one is set, and refuses a wrong one', async () => {
    const url = await serve(TOKEN);
    const bare = await fetch(url);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await bare.text()).not.toContain('shoal_agent');
    const wrong = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('shoal_agent_capacity_cpu_cores 2');
  });

  it('leaves the results routes as they were', async () => {
    const url = await serve();
    const other = await fetch(url.replace('/metrics', '/results/e-1.tar.gz'));
    expect(other.status).not.toBe(200);
    expect(await other.text()).toMatch(/"Status":4|"Status":5/);
  });
});
