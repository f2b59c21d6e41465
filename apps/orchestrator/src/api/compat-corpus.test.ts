import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mismatches } from './compat/shape.js';
import { call, computeNode, type Harness, openHarness } from './test-support.js';

/**
 * Replays test/compat/cases (requests as Bacalhau's Go client, CLI and Python SDK send them)
 * against the real API and store, in file order, and compares each answer structurally with what
 * that client reads. `{jobID}` is the job the first case made; `{nodeID}` a registered node.
 */

interface Case {
  client: string;
  request: {
    method: string;
    path: string;
    query?: string;
    body?: unknown;
    headers?: Record<string, string>;
    anonymous?: boolean;
  };
  capture?: Record<string, string>;
  expect: { status: number; body: unknown };
}

const DIR = new URL('../../../../test/compat/cases/', import.meta.url);
const TOKEN = 'compat-token';
const vars: Record<string, string> = { nodeID: 'n-c0c0c0c0-0000-4000-8000-000000000001' };
const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
let h: Harness;

beforeAll(async () => {
  h = await openHarness({ config: { auth: { full: TOKEN } } });
  await h.store.nodes.upsert(
    computeNode(vars.nodeID as string, { zone: 'c', slots: '4' }, 'PENDING'),
    h.clock.now(),
  );
});
afterAll(async () => {
  await h.close();
});

describe('the compatibility corpus', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    it(file, async () => {
      const c = JSON.parse(fill(readFileSync(new URL(file, DIR), 'utf8'))) as Case;
      const { method, path, query, body, headers, anonymous } = c.request;
      const reply = await call(h.app, method, `${path}${query ? `?${query}` : ''}`, {
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headers: { ...headers, ...(anonymous ? {} : { Authorization: `Bearer ${TOKEN}` }) },
      });
      expect(reply.status, `${c.client}: ${reply.text}`).toBe(c.expect.status);
      expect(mismatches(reply.body, JSON.parse(fill(JSON.stringify(c.expect.body)))), c.client).toEqual([]);
      for (const [name, key] of Object.entries(c.capture ?? {})) vars[name] = String(reply.body[key]);
    });
  }
});
