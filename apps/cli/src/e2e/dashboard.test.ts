import {
  describeWithServices,
  dockerClient,
  ensureTestImage,
  removeContainersByLabel,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * The web dashboard in a real browser (Debian's chromium) against a real cluster: an orchestrator
 * with an API token and manual node approval, and one agent (docker and noop engines) waiting
 * to be approved. Everything an operator does is done on the pages; the API only submits.
 */

const TOKEN = 'dashboard-e2e-token_0123456789';
const NODE = 'dash-worker';
const SECOND = 1_000;

describeWithServices(['nats', 'docker'], 'the web dashboard in a browser', () => {
  let cluster: TestCluster;
  let browser: Browser;

  beforeAll(async () => {
    await ensureTestImage();
    cluster = await startTestCluster({
      orchestrator: { apiToken: TOKEN, nodeApproval: 'manual' },
      agents: [{ name: NODE, labels: { zone: 'a' }, engines: ['docker', 'noop'] }],
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    await removeContainersByLabel(`io.shoal.node-id=${NODE}`);
  });

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${cluster.api}/api/v1/orchestrator${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const submit = async (Name: string, Engine: unknown) =>
    (
      await api<{ JobID: string }>('PUT', '/jobs', {
        Job: { Name, Type: 'batch', Tasks: [{ Name: 'main', Engine }] },
      })
    ).JobID;
  const jobState = async (id: string) =>
    (await api<{ Job: { State: { StateType: string } } }>('GET', `/jobs/${id}`)).Job.State.StateType;
  const textOf = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';

  it('shows a stranger only the login form', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${cluster.api}/ui/nodes`);
    expect(response?.status()).toBe(401);
    await page.getByLabel('API token').waitFor();
    const body = await textOf(page, 'body');
    expect(body).not.toContain(NODE);
    expect(await page.locator('button', { hasText: 'Approve' }).count()).toBe(0);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That token is not valid here.').waitFor();
    await context.close();
  });

  it('logs in, watches a job go from Pending to Completed while a node is approved, and shows its logs', async () => {
    const id = await submit('hello-dashboard', {
      Type: 'noop',
      Params: { Stdout: 'hello from the dashboard\n<b>not bold</b>\n' },
    });
    const context = await browser.newContext();
    const jobsTab = await context.newPage();
    await jobsTab.goto(`${cluster.api}/ui`);
    await jobsTab.getByLabel('API token').fill(TOKEN);
    await jobsTab.getByRole('button', { name: 'Log in' }).click();
    const row = `tr[data-job-id="${id}"]`;
    // Submitted, then queued: no node may take it yet.
    await jobsTab.locator(`${row} :is(.state-Pending, .state-Queued)`).waitFor({ timeout: 10 * SECOND });
    expect(await textOf(jobsTab, `${row} td:nth-child(2)`)).toBe('hello-dashboard');

    // The only node waits for approval; approve it from the nodes page, in a second tab.
    const nodesTab = await context.newPage();
    await nodesTab.goto(`${cluster.api}/ui/nodes`);
    const nodeRow = nodesTab.locator('tr', { hasText: NODE });
    expect(await nodeRow.locator('[data-field="membership"]').textContent()).toBe('PENDING');
    expect(await nodeRow.locator('[data-field="connection"]').textContent()).toBe('CONNECTED');
    expect(await nodeRow.textContent()).toContain('zone=a');
    expect(await nodeRow.locator('[data-resource="CPU"]').textContent()).toMatch(/of 2$/);
    await nodeRow.getByRole('button', { name: `Approve node ${NODE}` }).click();
    await nodesTab.locator('tr', { hasText: NODE }).locator('.state-APPROVED').waitFor();
    expect(await nodesTab.getByRole('button', { name: `Approve node ${NODE}` }).count()).toBe(0);

    // The first tab was never reloaded: its table follows the job by itself.
    await jobsTab.locator(`${row} .state-Completed`).waitFor({ timeout: 30 * SECOND });
    await jobsTab.locator(`${row} a`).click();
    await jobsTab.locator('#job-logs pre').waitFor({ timeout: 15 * SECOND });
    const logs = await textOf(jobsTab, '#job-logs pre');
    expect(logs).toContain('hello from the dashboard');
    expect(logs).toContain('<b>not bold</b>');
    expect(await jobsTab.locator('#job-logs b').count()).toBe(0);
    const jobEvents = await textOf(jobsTab, 'ol[aria-label="Job state changes"]');
    expect(jobEvents).toMatch(/Pending[\s\S]*Queued[\s\S]*Running[\s\S]*Completed/);
    const execution = jobsTab.locator('[data-execution-id]');
    expect(await execution.textContent()).toContain(`on node ${NODE}`);
    expect(await execution.locator('h3 .state').textContent()).toBe('Completed');
    expect(await jobsTab.locator('section', { hasText: 'Spec' }).locator('pre').textContent()).toContain(
      '"hello-dashboard"',
    );
    expect(await jobsTab.getByRole('button', { name: 'Stop job' }).count()).toBe(0);
    await context.close();
  }, 90_000);

  it('stops a running container from its job page', async () => {
    const id = await submit('long-sleep', {
      Type: 'docker',
      Params: { Image: testImageName(), Entrypoint: ['sh', '-c', 'echo sleeping; exec sleep 600'] },
    });
    await waitFor(async () => (await jobState(id)) === 'Running', {
      timeoutMs: 60 * SECOND,
      message: 'the sleeping job to run',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${cluster.api}/ui/login?next=${encodeURIComponent(`/ui/jobs/${id}`)}`);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#job-status .state-Running').first().waitFor();
    await page.locator('#job-logs pre', { hasText: 'sleeping' }).waitFor({ timeout: 15 * SECOND });
    const running = () =>
      dockerClient().listContainers({
        filters: { label: [`io.shoal.node-id=${NODE}`], status: ['running'] },
      });
    expect(await running()).toHaveLength(1);
    await page.getByRole('button', { name: 'Stop job' }).click();
    await page.locator('#job-status dd .state-Stopped').waitFor({ timeout: 30 * SECOND });
    expect(await jobState(id)).toBe('Stopped');
    await page.locator('[data-execution-id] h3 .state-Cancelled').waitFor({ timeout: 30 * SECOND });
    expect(await page.getByRole('button', { name: 'Stop job' }).count()).toBe(0);
    // The container itself is gone, not just the job's record of it.
    await waitFor(async () => (await running()).length === 0, {
      timeoutMs: 30 * SECOND,
      message: 'the stopped job’s container to stop',
    });
    await context.close();
  }, 120_000);
});
