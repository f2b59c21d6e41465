import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNode, type Harness, openHarness, submit } from '../api/test-support.js';

/** The dashboard's pages and fragments over the real store, without auth: what they show and escape. */

const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };
const HOSTILE = '<script>alert("x")</script>';
const NODE = 'n-aaaaaaaa-0000-4000-8000-000000000001';
let h: Harness;
let jobId: string;
let otherId: string;

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await h.app.request(path, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
};

beforeAll(async () => {
  h = await openHarness();
  jobId = await submit(h.app, { Name: HOSTILE, Labels: { env: 'prod', tier: 'web' } });
  otherId = await submit(h.app, { Name: 'quiet-one', Namespace: 'other', Labels: { env: 'dev' } });
  await h.store.nodes.upsert(computeNode(NODE, { zone: '<i>a&b</i>' }, 'PENDING'), h.clock.now());
});
afterAll(async () => {
  await h.close();
});

describe('the jobs list', () => {
  it('lists jobs with escaped names and labels, and polls its table', async () => {
    const page = await get('/ui');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text.startsWith('<!doctype html>')).toBe(true);
    expect(page.text).toContain(`href="/ui/jobs/${jobId}"`);
    expect(page.text).not.toContain(HOSTILE);
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page.text).toContain('<code>env=prod</code><code>tier=web</code>');
    expect(page.text).toMatch(/hx-get="\/ui\/jobs\/rows" hx-trigger="every 2s"/);
    expect(page.text).toMatch(/<script src="\/ui\/static\/htmx\.[0-9a-f]{12}\.min\.js"/);
  });

  it('filters by state, namespace and label selector, in the page and its fragment', async () => {
    const pending = await get('/ui/jobs/rows?state=pending&labels=env%3Dprod');
    expect(pending.text).toContain(jobId);
    expect(pending.text).not.toContain(otherId);
    expect(pending.text).toContain('hx-get="/ui/jobs/rows?state=Pending&amp;labels=env%3Dprod"');
    expect((await get('/ui/jobs/rows?state=Completed')).text).not.toContain(jobId);
    const other = await get('/ui?namespace=other&state=&labels=');
    expect(other.text).toContain(otherId);
    expect(other.text).not.toContain(jobId);
    const selector = await get(`/ui?labels=${encodeURIComponent('env in (dev,test)')}`);
    expect(selector.text).toContain(otherId);
    expect(selector.text).not.toContain(jobId);
  });

  it('answers a bad selector or state with a 400 page naming the field, never a 500', async () => {
    const bad = await get(`/ui?labels=${encodeURIComponent('env in (prod')}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('labels:');
    expect(bad.text).toContain('role="alert"');
    const state = await get('/ui/jobs/rows?state=Sleeping', { 'HX-Request': 'true' });
    expect(state.status).toBe(400);
    expect(state.text).toMatch(/state: must be one of Pending/);
    expect(state.text).not.toContain('<html');
  });
});

describe('the job page', () => {
  it('shows the spec, the timeline, a Stop button and a logs placeholder', async () => {
    const page = await get(`/ui/jobs/${jobId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('&quot;Name&quot;: &quot;&lt;script&gt;');
    expect(page.text).not.toContain(HOSTILE);
    expect(page.text).toContain(`action="/ui/jobs/${jobId}/stop"`);
    expect(page.text).toMatch(/job <span class="muted">Pending<\/span> → <span class="state state-Pending">/);
    expect(page.text).toContain(`hx-get="/ui/jobs/${jobId}/logs" hx-trigger="load"`);
    expect(page.text).toContain('No execution yet.');
    const logs = await get(`/ui/jobs/${jobId}/logs`, { 'HX-Request': 'true' });
    expect(logs.status).toBe(200);
    expect(logs.text).toContain('No execution yet.');
  });

  it('answers an unknown job with 404 and a malformed id with 400', async () => {
    const missing = await get('/ui/jobs/j-00000000-dead-beef');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('j-00000000-dead-beef');
    expect((await get('/ui/jobs/not%20an%20id')).status).toBe(400);
    expect((await get('/ui/no-such-page')).status).toBe(404);
  });

  it('stops a job with a POST from its own page, then redirects back to it', async () => {
    const stop = await h.app.request(`/ui/jobs/${otherId}/stop`, { method: 'POST', headers: SAME_ORIGIN });
    expect(stop.status).toBe(303);
    expect(stop.headers.get('location')).toBe(`/ui/jobs/${otherId}`);
    const later = h.clock.now() + 3_600_000_000_000n;
    const evaluation = await h.store.evaluations.claimNext('ui-test', later, 1_000_000_000n, ['job-stop']);
    expect(evaluation).toMatchObject({ JobID: otherId, Comment: 'stopped from the dashboard' });
  });
});

describe('the nodes page', () => {
  it('shows labels, capacity in use, connection and approval, with Approve and Reject', async () => {
    const page = await get('/ui/nodes');
    expect(page.status).toBe(200);
    expect(page.text).toContain('zone=&lt;i&gt;a&amp;b&lt;/i&gt;');
    expect(page.text).toContain(`action="/ui/nodes/${NODE}/approve"`);
    expect(page.text).toMatch(/<td data-field="membership"><span class="state state-PENDING">PENDING/);
    expect(page.text).toMatch(/<meter min="0" max="\d+" value="\d+" aria-label="CPU in use"/);
  });

  it('approves a node with a POST and then shows it approved, without the Approve button', async () => {
    const approve = await h.app.request(`/ui/nodes/${NODE}/approve`, {
      method: 'POST',
      headers: SAME_ORIGIN,
    });
    expect(approve.status).toBe(303);
    expect((await h.store.nodes.get(NODE)).Membership).toBe('APPROVED');
    const rows = await get('/ui/nodes/rows');
    expect(rows.text).not.toContain(`/ui/nodes/${NODE}/approve`);
    expect(rows.text).toContain(`/ui/nodes/${NODE}/reject`);
    const unknown = await h.app.request('/ui/nodes/n-nobody/reject', {
      method: 'POST',
      headers: SAME_ORIGIN,
    });
    expect(unknown.status).toBe(404);
  });
});
