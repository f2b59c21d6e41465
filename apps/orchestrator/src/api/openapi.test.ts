import { decodeJson, ExecutionSchema, isoToNanos, ListJobResultsResponseSchema } from '@shoal/models';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallOptions,
  call,
  computeNode,
  type Harness,
  openHarness,
  seedText,
  submit,
} from './test-support.js';

/**
 * The OpenAPI document is generated from the routes; here REAL responses (successes and error
 * bodies) are validated against it with ajv, so the document and the server cannot drift apart.
 */

type Json = Record<string, unknown>;
const BASE = 'https://shoal.test/openapi.json';
let h: Harness;
let doc: Json;
let ajv: Ajv2020;
let jobId: string;
const NODE = 'n-dddddddd-0000-4000-8000-000000000001';

beforeAll(async () => {
  h = await openHarness();
  const reply = await call(h.app, 'GET', '/api/v1/openapi.json');
  doc = JSON.parse(reply.text) as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('int64', true);
  ajv.addFormat('date-time', (s: string) => isoToNanos(s) !== undefined);
  ajv.addSchema({ $id: BASE, components: doc.components });

  // A job with one completed execution that published a result, and a node: no empty lists.
  jobId = await submit(h.app);
  const [seedExecution] = (decodeJson(seedText('job-executions')) as { Executions: unknown[] }).Executions;
  const [result] = ListJobResultsResponseSchema.parse(decodeJson(seedText('job-results'))).Results;
  const execution = ExecutionSchema.parse(seedExecution);
  await h.store.executions.insert({
    ...execution,
    JobID: jobId,
    PublishedResult: result ?? execution.PublishedResult,
  });
  await h.store.nodes.upsert(computeNode(NODE, { zone: 'a' }), h.clock.now());
});
afterAll(async () => {
  await h.close();
});

/** The response schema the document declares for an operation and status. */
function responseSchema(method: string, path: string, status: number): Json {
  const operation = ((doc.paths as Json)[path] as Json | undefined)?.[method] as Json | undefined;
  if (!operation) throw new Error(`no operation ${method} ${path} in the document`);
  const response = (operation.responses as Json)[String(status)] as Json | undefined;
  if (!response) throw new Error(`${method} ${path} does not document status ${status}`);
  return ((response.content as Json)['application/json'] as Json).schema as Json;
}

function expectValid(method: string, template: string, status: number, text: string) {
  const ref = String(responseSchema(method, template, status).$ref);
  const validate = ajv.getSchema(`${BASE}${ref}`);
  if (!validate) throw new Error(`cannot resolve ${ref}`);
  // JSON.parse is lossy for int64, which is fine for checking types.
  const ok = validate(JSON.parse(text));
  expect(
    ok,
    `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 300)}`,
  ).toBe(true);
}

const J = '/api/v1/orchestrator/jobs';
const N = '/api/v1/orchestrator/nodes';

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every route the app serves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = h.app.routes
      // The dashboard's pages (/ui) are HTML for people, not part of the API this document describes.
      .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/ui'))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.keys(item as Json).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual([...new Set(served)].sort());
  });

  it('documents each route’s parameters with the names the routes read', () => {
    const list = (doc.paths as Json)[J] as Json;
    const params = ((list.get as Json).parameters as Json[]).filter((p) => p.in === 'query');
    expect(params.map((p) => p.name)).toEqual([
      'namespace',
      'labels',
      'limit',
      'next_token',
      'order_by',
      'reverse',
    ]);
    expect(params.find((p) => p.name === 'limit')?.schema).toEqual({
      default: 10,
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    expect(params.find((p) => p.name === 'order_by')?.schema).toMatchObject({
      enum: ['id', 'create_time', 'modify_time'],
    });
    const nodes = ((((doc.paths as Json)[N] as Json).get as Json).parameters as Json[]).map((p) => p.name);
    expect(nodes).toEqual(expect.arrayContaining(['filter-approval', 'filter-status', 'labels']));
  });

  it('describes int64 times as integers of format int64', () => {
    const job = ((doc.components as Json).schemas as Json).Job as Json;
    expect((job.properties as Json).CreateTime).toEqual({ type: 'integer', format: 'int64' });
  });

  it('has schemas that all compile, parameters included', () => {
    for (const item of Object.values(doc.paths as Json)) {
      for (const operation of Object.values(item as Json)) {
        for (const p of (operation as Json).parameters as Json[]) if (p.schema) ajv.compile(p.schema as Json);
      }
    }
  });
});

describe('real responses match the document', () => {
  const cases: Array<
    [method: string, url: () => string, template: string, status: number, options?: CallOptions]
  > = [
    ['put', () => J, J, 200, { body: seedText('create-job-request') }],
    ['post', () => J, J, 200, { body: seedText('describe-job') }],
    ['get', () => J, J, 200],
    ['get', () => `${J}/${jobId}?include=history,executions`, `${J}/{jobID}`, 200],
    ['get', () => `${J}/${jobId}/history`, `${J}/{jobID}/history`, 200],
    ['get', () => `${J}/${jobId}/executions`, `${J}/{jobID}/executions`, 200],
    ['get', () => `${J}/${jobId}/results`, `${J}/{jobID}/results`, 200],
    ['get', () => N, N, 200],
    ['get', () => `${N}/${NODE}`, `${N}/{nodeID}`, 200],
    ['put', () => `${N}/${NODE}`, `${N}/{nodeID}`, 200, { body: '{"Action":"approve"}' }],
    ['get', () => '/api/v1/agent/alive', '/api/v1/agent/alive', 200],
    ['get', () => '/api/v1/agent/version', '/api/v1/agent/version', 200],
    ['get', () => '/api/v1/agent/node', '/api/v1/agent/node', 200],
    ['get', () => '/api/v1/agent/config', '/api/v1/agent/config', 200],
    ['get', () => '/api/v1/openapi.json', '/api/v1/openapi.json', 200],
    // Error bodies
    ['put', () => J, J, 400, { body: '{"Job":{"Type":"cron"}}' }],
    ['put', () => J, J, 415, { body: '{}', contentType: 'text/plain' }],
    ['put', () => J, J, 413, { body: `"${'x'.repeat(10 * 1024 * 1024)}"` }],
    ['get', () => `${J}?limit=-1`, J, 400],
    ['get', () => `${J}/j-ffffffff`, `${J}/{jobID}`, 404],
    ['get', () => `${J}/j-`, `${J}/{jobID}`, 409],
    ['get', () => `${N}/n-ffffffff`, `${N}/{nodeID}`, 404],
    // Stop last: it changes nothing visible here, but keeps the order of side effects obvious.
    ['delete', () => `${J}/${jobId}`, `${J}/{jobID}`, 200],
  ];

  it.each(cases)('%s %s → %i', async (method, url, template, status, options) => {
    const reply = await call(h.app, method.toUpperCase(), url(), options);
    expect(reply.status, reply.text.slice(0, 300)).toBe(status);
    expectValid(method, template, status, reply.text);
  });
});
