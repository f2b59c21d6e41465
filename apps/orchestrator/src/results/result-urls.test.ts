import { createHmac } from 'node:crypto';
import { ComputeStateType, createIdGenerator, manualClock } from '@shoal/models';
import { checkResultRequest } from '@shoal/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobService } from '../service/job-service.js';
import { openStore } from '../store/index.js';
import { makeExecution, makeJob } from '../store/testing/fixtures.js';
import type { Store } from '../store/types.js';
import { DEFAULT_RESULT_URL_TTL_MS, ResultUrls } from './result-urls.js';

/** Result URLs leave the API signed for their execution's node, for DEFAULT_RESULT_URL_TTL_MS. */

const NS_PER_S = 1_000_000_000n;
const secret = Buffer.alloc(32, 9);
const URL_A = 'http://agent-a:6001/results/e-a.tar.gz';
const local = (URL: string) => ({ Type: 'local', Params: { URL } });

/** Whether `url` opens execution `executionId` on `nodeId`, checked as its results server would. */
function opens(urls: ResultUrls, url: string, executionId: string, nodeId: string, clock = manualClock()) {
  const query = new URL(url).searchParams;
  try {
    checkResultRequest({ key: urls.nodeKey(nodeId), executionId, query, clock });
    return true;
  } catch {
    return false;
  }
}

describe('ResultUrls', () => {
  it('derives each node its own key: HMAC-SHA256(secret, nodeId)', () => {
    const urls = new ResultUrls({ secret, clock: manualClock() });
    expect(urls.nodeKey('n-a')).toEqual(createHmac('sha256', secret).update('n-a').digest());
    expect(urls.nodeKey('n-a').equals(urls.nodeKey('n-b'))).toBe(false);
  });

  it('signs local result URLs for their execution and node, expiring after the lifetime', () => {
    const clock = manualClock(1_700_000_000n * NS_PER_S);
    const urls = new ResultUrls({ secret, clock });
    const signed = urls.sign(local(URL_A), 'e-a', 'n-a');
    const url = String(signed.Params?.URL);
    expect(url).toMatch(/^http:\/\/agent-a:6001\/results\/e-a\.tar\.gz\?expires=\d+&sig=[0-9a-f]{64}$/);
    expect(new URL(url).searchParams.get('expires')).toBe(
      String(1_700_000_000 + DEFAULT_RESULT_URL_TTL_MS / 1000),
    );
    expect(opens(urls, url, 'e-a', 'n-a', clock)).toBe(true);
    expect(opens(urls, url, 'e-b', 'n-a', clock)).toBe(false);
    expect(opens(urls, url, 'e-a', 'n-b', clock)).toBe(false);
    clock.advance(BigInt(DEFAULT_RESULT_URL_TTL_MS / 1000) * NS_PER_S);
    expect(opens(urls, url, 'e-a', 'n-a', clock)).toBe(false);
  });

  it('leaves other results as they are', () => {
    const urls = new ResultUrls({ secret, clock: manualClock(), ttlMs: 1_000 });
    const nothing = { Type: '', Params: null };
    const elsewhere = { Type: 's3', Params: { URL: 's3://bucket/key' } };
    for (const result of [nothing, elsewhere, local('not a url'), { Type: 'local', Params: {} }]) {
      expect(urls.sign(result, 'e-a', 'n-a')).toBe(result);
    }
  });
});

describe('the job service hands out signed result URLs', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(async () => {
    await store.close();
  });

  it('in /results, /executions and a job with its executions; the store keeps them unsigned', async () => {
    const clock = manualClock(1_700_000_000n * NS_PER_S);
    const urls = new ResultUrls({ secret, clock });
    const jobs = new JobService({ store, clock, ids: createIdGenerator(), resultUrls: urls });
    const job = makeJob();
    await store.jobs.insert(job);
    const execution = makeExecution(job, {
      NodeID: 'n-a',
      ComputeState: { StateType: ComputeStateType.Completed, Message: '' },
      PublishedResult: local(URL_A),
    });
    await store.executions.insert(execution);

    const [result] = (await jobs.results(job.ID, 10)).Results;
    const [listed] = (await jobs.executions(job.ID, { limit: 10, orderBy: 'id', reverse: false })).Executions;
    const [included] = (await jobs.describe(job.ID, ['executions'])).Executions?.Executions ?? [];
    for (const url of [
      result?.Params?.URL,
      listed?.PublishedResult.Params?.URL,
      included?.PublishedResult.Params?.URL,
    ]) {
      expect(typeof url === 'string' && opens(urls, url, execution.ID, 'n-a', clock), String(url)).toBe(true);
    }
    expect((await store.executions.get(execution.ID)).PublishedResult).toEqual(local(URL_A));
  });
});
