import { readdirSync, readFileSync } from 'node:fs';
import { decodeJson } from '@shoal/models';
import { createTestDatabase, describeWithServices, makeTempDir } from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator } from '../main.js';
import type { Store } from '../store/types.js';
import { mismatches } from './compat/shape.js';
import { call, computeNode, openHarness, type Reply } from './test-support.js';

/**
 * Replays test/compat/cases (requests as Bacalhau's Go client, CLI and Python SDK send them), in
 * file order, and compares each answer structurally with what that client reads: once in process
 * (the API over the real store), once over HTTP against a running orchestrator on Postgres, as
 * `shoal serve` runs. `{jobID}` is the job the first case made; `{nodeID}` a registered node.
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

/** Where the cases go: a way to send one request, and the store to register the node in. */
interface Target {
  send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<Reply>;
  nodes: Store['nodes'];
  now(): bigint;
  close(): Promise<void>;
}

const DIR = new URL('../../../../test/compat/cases/', import.meta.url);
const TOKEN = 'compat-token';
const NODE_ID = 'n-c0c0c0c0-0000-4000-8000-000000000001';
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function replay(open: () => Promise<Target>): void {
  const vars: Record<string, string> = { nodeID: NODE_ID };
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  let target: Target | undefined;
  beforeAll(async () => {
    target = await open();
    await target.nodes.upsert(computeNode(NODE_ID, { zone: 'c', slots: '4' }, 'PENDING'), target.now());
  }, 60_000);
  afterAll(async () => {
    await target?.close();
  });

  for (const file of files) {
    it(file, async () => {
      const c = JSON.parse(fill(readFileSync(new URL(file, DIR), 'utf8'))) as Case;
      const { method, path, query, body, headers, anonymous } = c.request;
      const auth: Record<string, string> = anonymous ? {} : { Authorization: `Bearer ${TOKEN}` };
      const reply = await (target as Target).send(
        method,
        `${path}${query ? `?${query}` : ''}`,
        body === undefined ? undefined : JSON.stringify(body),
        { ...headers, ...auth },
      );
      expect(reply.status, `${c.client}: ${reply.text}`).toBe(c.expect.status);
      expect(mismatches(reply.body, JSON.parse(fill(JSON.stringify(c.expect.body)))), c.client).toEqual([]);
      for (const [name, key] of Object.entries(c.capture ?? {})) vars[name] = String(reply.body[key]);
    });
  }
}

describe('the compatibility corpus', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThan(10);
  });
});

describe('the compatibility corpus, in process', () => {
  replay(async () => {
    const h = await openHarness({ config: { auth: { full: TOKEN } } });
    return {
      send: (method, path, body, headers) =>
        call(h.app, method, path, { ...(body === undefined ? {} : { body }), headers }),
      nodes: h.store.nodes,
      now: () => h.clock.now(),
      close: () => h.close(),
    };
  });
});

describeWithServices(['nats', 'postgres'], 'the compatibility corpus, against a running orchestrator', () => {
  replay(async () => {
    const db = await createTestDatabase({ prefix: 'shoal_compat' });
    const dir = await makeTempDir('shoal-compat-');
    const orchestrator = await startOrchestrator(
      { apiHost: '127.0.0.1', apiPort: 0, dataDir: dir.path, db: db.url, natsPort: 0, apiToken: TOKEN },
      { logger: pino({ level: 'silent' }) },
    );
    return {
      async send(method, path, body, headers) {
        const response = await fetch(`${orchestrator.url}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.text();
        const decoded = (text ? decodeJson(text) : {}) as Record<string, unknown>;
        return { status: response.status, headers: response.headers, text, body: decoded };
      },
      nodes: orchestrator.store.nodes,
      now: () => BigInt(Date.now()) * 1_000_000n,
      async close() {
        await orchestrator.stop();
        await db.drop();
        await dir.cleanup();
      },
    };
  });
});
