import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallOptions,
  call,
  countJobs,
  type Harness,
  jobBody,
  openHarness,
  submit,
} from './test-support.js';

/**
 * Malformed or hostile requests that reach the API. Each row asserts the status, the error code and
 * a message fragment (and, for job fields, the field path in Details). Authentication needs tokens
 * configured: auth.test.ts covers it. Allow-list checks (image and host-path policy) belong to the
 * models package and are covered there.
 */

const JOBS = '/api/v1/orchestrator/jobs';
const T = 'Job.Tasks[0]';
const P = `${T}.Engine.Params`;
const NODES = '/api/v1/orchestrator/nodes';
let h: Harness;
let existing: string;

const withTask = (task: Record<string, unknown>, params: Record<string, unknown> = {}) => ({
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', ...params } }, ...task }],
});

interface Row {
  name: string;
  method: string;
  path: string;
  options: CallOptions;
  status: number;
  code: string;
  message: string | RegExp;
  /** For validation errors: a problem with this field must be listed. */
  field?: string;
}

const put = (job: Record<string, unknown>): CallOptions => ({ body: jobBody(job) });

/** Job fields: PUT → 400 ValidationError with the field path. */
// biome-ignore format: a table reads best one row per line
const JOB_FIELDS: Array<[name: string, job: Record<string, unknown>, field: string, message: string]> = [
  ['missing image', withTask({}, { Image: undefined }), `${P}.Image`, 'is required'],
  ['empty image', withTask({}, { Image: '' }), `${P}.Image`, 'must not be empty'],
  ['image with spaces', withTask({}, { Image: 'ubuntu latest' }), `${P}.Image`, 'invalid image reference'],
  ['image with ;', withTask({}, { Image: 'x;rm -rf /' }), `${P}.Image`, 'invalid image reference'],
  ['Privileged', withTask({}, { Privileged: true }), `${P}.Privileged`, 'unknown field'],
  ['NetworkMode', withTask({}, { NetworkMode: 'host' }), `${P}.NetworkMode`, 'unknown field'],
  ['env name with =', withTask({ Env: { 'A=B': 'x' } }), `${T}.Env["A=B"]`, 'invalid environment variable name'],
  ['env over 64 KB', withTask({ Env: { BIG: 'x'.repeat(70_000) } }), `${T}.Env`, 'limit is 65536'],
  ['CPU 1e309', withTask({ Resources: { CPU: '1e309' } }), `${T}.Resources.CPU`, 'invalid CPU "1e309"'],
  ['memory 0', withTask({ Resources: { Memory: '0' } }), `${T}.Resources.Memory`, 'must be greater than zero'],
  ['negative count', { Count: -1 }, 'Job.Count', 'must not be negative'],
  ['count over the limit', { Count: 20_000 }, 'Job.Count', 'must be at most 10000'],
  ['negative timeout', withTask({ Timeouts: { ExecutionTimeout: -1 } }), `${T}.Timeouts.ExecutionTimeout`, 'must not be negative'],
  ['entrypoint string', withTask({}, { Entrypoint: 'echo hi' }), `${P}.Entrypoint`, 'expected array'],
  ['parameter not a string', withTask({}, { Parameters: ['a', 1] }), `${P}.Parameters[1]`, 'expected string'],
  // NUL is refused where the body is decoded, in any string (see input-limits.test.ts).
  ['NUL in name', { Name: 'a\u0000b' }, 'Job.Name', 'must not contain NUL characters'],
  ['name over 255', { Name: 'n'.repeat(256) }, 'Job.Name', 'must be at most 255 characters'],
  ['job type', { Type: 'cron' }, 'Job.Type', 'batch'],
  ['engine', { Tasks: [{ Name: 't', Engine: { Type: 'vm' } }] }, `${T}.Engine.Type`, 'docker'],
  ['network', withTask({ Network: { Type: 'Bridge' } }), `${T}.Network.Type`, 'None'],
];

/** The request itself (size, JSON, encoding, content type and envelope): PUT /jobs. */
// biome-ignore format: a table reads best one row per line
const BODIES: Array<[name: string, options: CallOptions, status: number, code: string, message: string]> = [
  ['empty body', {}, 400, 'BadRequest', 'request body is required'],
  ['an empty job beside an unknown key', { body: '{"Job":{},"Extra":1}' }, 400, 'ValidationError', 'Job.Type: missing job type'],
  ['array body', { body: '[]' }, 400, 'ValidationError', 'invalid request: expected object, got array'],
  ['body over 10 MiB', { body: `"${'x'.repeat(10 * 1024 * 1024)}"` }, 413, 'PayloadTooLarge', 'exceeds the limit of 10485760 bytes'],
  ['declared length over the limit', { body: '{}', headers: { 'Content-Length': '99999999' } }, 413, 'PayloadTooLarge', 'exceeds the limit'],
  ['truncated JSON', { body: '{"Job": {' }, 400, 'BadRequest', 'at position 9'],
  ['conflicting duplicate key', { body: '{"Job":{},"Job":{"Type":"batch"}}' }, 400, 'BadRequest', "Duplicate key 'Job'"],
  ['invalid UTF-8', { body: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, 'BadRequest', 'not valid UTF-8'],
  ['text/plain', { body: jobBody(), contentType: 'text/plain' }, 415, 'UnsupportedMediaType', 'must be application/json'],
  ['no Content-Type', { body: new TextEncoder().encode(jobBody()), contentType: null }, 415, 'UnsupportedMediaType', 'no Content-Type'],
  ['latin-1 charset', { body: jobBody(), contentType: 'application/json; charset=latin1' }, 415, 'UnsupportedMediaType', 'must be application/json'],
];

/** Path ids, pagination and selectors, and unknown routes: no body. */
// biome-ignore format: a table reads best one row per line
const URLS: Array<[name: string, method: string, path: string, status: number, code: string, message: string, field?: string]> = [
  ['SQL in job id', 'GET', `${JOBS}/${encodeURIComponent("j-1' OR 1=1")}`, 400, 'ValidationError', 'jobID: must be an id', 'jobID'],
  ['SQL in stop', 'DELETE', `${JOBS}/${encodeURIComponent("j-1'; DROP TABLE jobs;--")}`, 400, 'ValidationError', 'jobID', 'jobID'],
  ['id over 255', 'GET', `${JOBS}/j-${'a'.repeat(300)}/history`, 400, 'ValidationError', 'jobID', 'jobID'],
  ['NUL in node id', 'GET', `${NODES}/n-%00`, 400, 'ValidationError', 'nodeID', 'nodeID'],
  ['limit=-1', 'GET', `${JOBS}?limit=-1`, 400, 'ValidationError', 'limit: must be an integer between 1 and 1000', 'limit'],
  ['limit=abc', 'GET', `${JOBS}?limit=abc`, 400, 'ValidationError', 'limit: must be an integer between 1 and 1000', 'limit'],
  ['executions limit=-1', 'GET', `${JOBS}/j-x/executions?limit=-1`, 400, 'ValidationError', 'limit', 'limit'],
  ['tampered next_token', 'GET', `${JOBS}?next_token=eyJ2IjoxfQ.AAAA`, 400, 'BadRequest', 'next_token'],
  ['bad order_by', 'GET', `${JOBS}?order_by=name`, 400, 'ValidationError', 'order_by: must be one of id, create_time', 'order_by'],
  ['bad executions order_by', 'GET', `${JOBS}/j-x/executions?order_by=x`, 400, 'ValidationError', 'modify_time, create_time, id, state', 'order_by'],
  ['unclosed in (', 'GET', `${JOBS}?labels=${encodeURIComponent('env in (prod')}`, 400, 'ValidationError', 'at position 12', 'labels'],
  ['=x', 'GET', `${JOBS}?labels=${encodeURIComponent('=x')}`, 400, 'ValidationError', 'expected label key at position 0', 'labels'],
  ['node labels', 'GET', `${NODES}?labels=${encodeURIComponent('a b')}`, 400, 'ValidationError', 'at position 2', 'labels'],
  ['unknown route', 'GET', '/api/v1/orchestrator/widgets', 404, 'NotFound', 'no route for GET /api/v1/orchestrator/widgets'],
  ['unknown method', 'PATCH', JOBS, 404, 'NotFound', 'no route for PATCH'],
];

const ROWS: Row[] = [
  ...JOB_FIELDS.map(([name, job, field, message]) => ({
    name,
    method: 'PUT',
    path: JOBS,
    options: put(job),
    status: 400,
    code: 'ValidationError',
    message,
    field,
  })),
  ...BODIES.map(([name, options, status, code, message]) => ({
    name,
    method: 'PUT',
    path: JOBS,
    options,
    status,
    code,
    message,
  })),
  ...URLS.map(([name, method, path, status, code, message, field]) => ({
    name,
    method,
    path,
    options: {},
    status,
    code,
    message,
    ...(field === undefined ? {} : { field }),
  })),
];

beforeAll(async () => {
  h = await openHarness();
  existing = await submit(h.app, { Name: 'bystander' });
});
afterAll(async () => {
  await h.close();
});

describe('bad input', () => {
  it.each(ROWS)('$name → $status $code', async (row) => {
    const reply = await call(h.app, row.method, row.path, row.options);
    expect(reply.status, reply.text.slice(0, 500)).toBe(row.status);
    expect(reply.body).toMatchObject({ Status: row.status, Code: row.code, RequestID: expect.any(String) });
    expect(String(reply.body.Message)).toMatch(row.message);
    if (row.field !== undefined) {
      const problems = (reply.body.Details as { Problems: Array<{ Field: string }> }).Problems;
      expect(problems.map((p) => p.Field)).toContain(row.field);
    }
  });

  it('lists every problem of a job in one answer', async () => {
    const reply = await call(
      h.app,
      'PUT',
      JOBS,
      put({ Count: -1, ...withTask({}, { Image: '', Privileged: true }) }),
    );
    expect(reply.status).toBe(400);
    const fields = (reply.body.Details as { Problems: Array<{ Field: string }> }).Problems.map(
      (p) => p.Field,
    );
    expect(fields).toEqual(expect.arrayContaining(['Job.Count', `${P}.Image`, `${P}.Privileged`]));
  });

  it('changes nothing that is stored', async () => {
    const before = await countJobs(h.store);
    const job = await h.store.jobs.get(existing);
    for (const row of ROWS) await call(h.app, row.method, row.path, row.options);
    expect(await countJobs(h.store)).toBe(before);
    expect(await h.store.jobs.get(existing)).toEqual(job);
  });
});
