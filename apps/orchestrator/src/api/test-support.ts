import { readFileSync } from 'node:fs';
import type { BuildVersionInfo, IdGenerator, NodeInfo, NodeState } from '@shoal/models';
import { createIdGenerator, decodeJson, manualClock } from '@shoal/models';
import type { Hono } from 'hono';
import { pino } from 'pino';
import type { MetricsEndpoint } from '../metrics/ports.js';
import { JobService } from '../service/job-service.js';
import { NodeService } from '../service/node-service.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createApp } from './app.js';
import type { AppConfig, AppEnv } from './deps.js';

/** Shared set-up for the API tests: the real store (in-memory PGlite), a manual clock, captured logs. */

export const VERSION: BuildVersionInfo = {
  Major: '0',
  Minor: '1',
  GitVersion: 'v0.1.0-test',
  GitCommit: 'abc123',
  BuildDate: '2024-01-01T00:00:00Z',
  GOOS: 'linux',
  GOARCH: 'amd64',
};

export const NODE_INFO: NodeInfo = {
  NodeID: 'n-orchestrator',
  NodeType: 'Requester',
  Labels: { role: 'orchestrator' },
  Version: VERSION,
};

/** The v1 jobs API's example documents, as text, straight from the models package's test data. */
export function seedText(name: string): string {
  return readFileSync(
    new URL(`../../../../packages/models/src/test-data/${name}.json`, import.meta.url),
    'utf8',
  );
}

export interface Harness {
  app: Hono<AppEnv>;
  store: Store;
  clock: ReturnType<typeof manualClock>;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<AppConfig>;
  ids?: IdGenerator;
  /** Lets a test put a faulty repository in front of the real store. */
  wrapStore?: (store: Store) => Store;
  /** Served at /metrics. */
  metrics?: MetricsEndpoint;
}

/** An app over an already open store, with its own clock and captured logs. */
export function harnessFor(store: Store, options: HarnessOptions = {}): Harness {
  const { config = {}, ids = createIdGenerator(), wrapStore = (s: Store) => s } = options;
  // A start time past 2^53 ns with non-zero low digits, so a lossy encoder would show.
  const clock = manualClock(1_695_883_778_909_107_178n);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const served = wrapStore(store);
  const app = createApp({
    jobs: new JobService({ store: served, clock, ids }),
    nodes: new NodeService({ store: served, clock, ids, logger }),
    store: served,
    ids,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    config: {
      nodeInfo: NODE_INFO,
      version: VERSION,
      publicConfig: { api: { port: 1234 }, token: '***' },
      ...config,
    },
  });
  return { app, store, clock, logs, close: () => store.close() };
}

/** The real store, in memory; open one per test file (it takes a second or two). */
export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  return harnessFor(await openStore({ url: 'pglite:memory' }), options);
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Decoded with the bigint-safe codec: int64 values come back exact. */
  body: Record<string, unknown>;
}

export interface CallOptions {
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Defaults to application/json whenever there is a body. */
  contentType?: string | null;
}

export async function call(
  app: Hono<AppEnv>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers = new Headers(options.headers);
  if (options.body !== undefined && options.contentType !== null) {
    headers.set('Content-Type', options.contentType ?? 'application/json');
  }
  const response = await app.request(path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  const body = (text ? decodeJson(text) : {}) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, body };
}

/** A minimal valid job; `extra` is merged into the job object. */
export function jobBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Job: {
      Type: 'batch',
      Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } } }],
      ...extra,
    },
  });
}

export async function submit(app: Hono<AppEnv>, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await call(app, 'PUT', '/api/v1/orchestrator/jobs', { body: jobBody(extra) });
  if (reply.status !== 200) throw new Error(`submit failed: ${reply.status} ${reply.text}`);
  return String(reply.body.JobID);
}

/** How many jobs the store holds in every namespace (up to 1000): bad-input tests assert it is unchanged. */
export async function countJobs(store: Store): Promise<number> {
  const page = await store.jobs.list({
    namespace: '*',
    selector: { requirements: [] },
    limit: 1000,
    orderBy: 'id',
    reverse: false,
  });
  return page.items.length;
}

/** Ids from a counter, so tests can make two ids share a prefix on purpose. */
export function sequentialIds(prefix = 'aaaaaaaa'): IdGenerator {
  let n = 0;
  return createIdGenerator(() => {
    n += 1;
    return `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
  });
}

const CAPACITY = { CPU: 4, Memory: 8 * 1024 ** 3, Disk: 100 * 1024 ** 3, GPU: 0 };

/** A compute node as a handshake would register it. */
export function computeNode(
  id: string,
  labels: Record<string, string>,
  membership: NodeState['Membership'] = 'APPROVED',
  connection: NodeState['Connection'] = 'CONNECTED',
): NodeState {
  return {
    Info: {
      NodeID: id,
      NodeType: 'Compute',
      Labels: labels,
      ComputeNodeInfo: {
        ExecutionEngines: ['docker', 'noop'],
        Publishers: ['noop', 'local'],
        StorageSources: ['localDirectory'],
        MaxCapacity: CAPACITY,
        AvailableCapacity: CAPACITY,
        MaxJobRequirements: CAPACITY,
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
      },
      Version: VERSION,
    },
    Membership: membership,
    Connection: connection,
  };
}
