import { JobStateType } from '@shoal/models';
import { parsePrometheusText, sampleSum } from '@shoal/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store, type StoreCounts } from '../store/index.js';
import { makeJob, makeNode } from '../store/testing/fixtures.js';
import { registerStoreGauges } from './store-gauges.js';

/** The gauges read from the store at scrape time: what they show, and how often they ask. */

describe('store gauges', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => store.close());

  const logger = pino({ level: 'silent' });

  it('show jobs by state and type, the queue depth and nodes by membership and connection', async () => {
    await store.jobs.insert(makeJob({ State: { StateType: JobStateType.Queued, Message: '' } }));
    await store.jobs.insert(makeJob({ State: { StateType: JobStateType.Queued, Message: '' } }));
    await store.jobs.insert(
      makeJob({ Type: 'ops', State: { StateType: JobStateType.Running, Message: '' } }),
    );
    await store.nodes.upsert(makeNode({ id: 'n-gauge-1' }), 1n);
    const registry = new Registry();
    registerStoreGauges({ registry, store, logger });

    const samples = parsePrometheusText(await registry.metrics());
    expect(sampleSum(samples, 'shoal_jobs', { state: 'Queued', type: 'batch' })).toBe(2);
    expect(sampleSum(samples, 'shoal_jobs', { state: 'Running', type: 'ops' })).toBe(1);
    expect(sampleSum(samples, 'shoal_job_queue_depth')).toBe(2);
    expect(sampleSum(samples, 'shoal_nodes')).toBe(1);
    expect(samples.find((s) => s.name === 'shoal_nodes')?.labels).toEqual({
      membership: 'APPROVED',
      connection: 'CONNECTED',
    });
  });

  it('read the store once per max age, whatever the number of scrapes, and keep values on failure', async () => {
    let reads = 0;
    let fail = false;
    const counting: Pick<Store, 'counts'> = {
      counts: {
        summary: async (): Promise<StoreCounts> => {
          reads++;
          if (fail) throw new Error('database is down');
          return store.counts.summary();
        },
      },
    };
    let now = 0;
    const registry = new Registry();
    registerStoreGauges({ registry, store: counting, logger, maxAgeMs: 2_000, nowMs: () => now });

    await Promise.all([registry.metrics(), registry.metrics()]);
    await registry.metrics();
    expect(reads).toBe(1);
    now = 2_500;
    fail = true;
    const samples = parsePrometheusText(await registry.metrics());
    expect(reads).toBe(2);
    expect(sampleSum(samples, 'shoal_metrics_store_read_failures_total')).toBe(1);
    expect(sampleSum(samples, 'shoal_job_queue_depth')).toBe(2);
  });
});
