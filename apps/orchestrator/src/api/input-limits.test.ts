import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, countJobs, type Harness, openHarness, submit } from './test-support.js';

/**
 * Input limits on PUT /jobs: every bad body is a 4xx whose message names the field and the limit,
 * and none of them stores anything. (Shapes and field rules: bad-input.test.ts.)
 */

const JOBS = '/api/v1/orchestrator/jobs';
const T = 'Job.Tasks[0]';
let h: Harness;

const task = (extra: Record<string, unknown> = {}) => ({
  Name: 't',
  Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } },
  ...extra,
});
const job = (extra: Record<string, unknown> = {}) => ({ Type: 'batch', Tasks: [task()], ...extra });
const body = (value: Record<string, unknown>) => JSON.stringify({ Job: job(value) });
const withTask = (extra: Record<string, unknown>) => body({ Tasks: [task(extra)] });
const entries = (n: number, value = 'v', prefix = 'k') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));
/** JSON.stringify writes lone surrogates and NUL escaped, as a client would send them. */
const raw = (text: string, mark: string, replacement: string) => text.replace(mark, replacement);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const results = (Path: string) =>
  withTask({ Publisher: { Type: 'local' }, ResultPaths: [{ Name: 'r', Path }] });

// biome-ignore format: a table reads best one row per line
const TABLE: Array<[name: string, body: string, status: number, code: string, message: string, field?: string]> = [
  // size: a 9.9 MB job fits the 10 MiB body cap but not a NATS message
  ['9.9 MB job', withTask({ Meta: entries(1, 'x'.repeat(9_900_000)) }), 413, 'PayloadTooLarge', 'Job: the job spec is 9900', 'Job'],
  ['job over 768 KiB', body({ Name: 'n', Labels: {}, Meta: {}, Tasks: [task({ Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', Parameters: Array.from({ length: 800 }, () => 'x'.repeat(1000)) } } })] }), 413, 'PayloadTooLarge', 'the limit is 786432 bytes', 'Job'],
  // counts and sizes of maps and lists
  ['20,000 labels', body({ Labels: entries(20_000) }), 400, 'ValidationError', 'Job.Labels: at most 64 labels (got 20000)', 'Job.Labels'],
  ['65 meta entries', body({ Meta: entries(65) }), 400, 'ValidationError', 'Job.Meta: at most 64 entries', 'Job.Meta'],
  ['meta value over 4 KiB', body({ Meta: { a: 'x'.repeat(4097) } }), 400, 'ValidationError', 'Job.Meta.a: must be at most 4096 bytes', 'Job.Meta.a'],
  ['129 env vars', withTask({ Env: entries(129, 'v', 'V') }), 400, 'ValidationError', `${T}.Env: at most 128 environment variables`, `${T}.Env`],
  ['65 constraints', body({ Constraints: Array.from({ length: 65 }, (_, i) => ({ Key: `k${i}`, Operator: 'exists' })) }), 400, 'ValidationError', 'Job.Constraints: at most 64 constraints', 'Job.Constraints'],
  ['65 task meta entries', withTask({ Meta: entries(65) }), 400, 'ValidationError', `${T}.Meta: at most 64 entries`, `${T}.Meta`],
  // text the store cannot keep, anywhere in the body
  ['lone surrogate in an env value', raw(withTask({ Env: { A: '@' } }), '@', '\\ud800'), 400, 'ValidationError', `${T}.Env.A: is not valid Unicode`, `${T}.Env.A`],
  ['lone surrogate in a meta key', raw(body({ Meta: { '@': 'v' } }), '@', '\\udc00'), 400, 'ValidationError', 'key is not valid Unicode', 'Job.Meta["\\udc00"]'],
  ['lone surrogate in publisher params', raw(withTask({ Publisher: { Type: 'local', Params: { x: '@' } } }), '@', '\\udbff'), 400, 'ValidationError', `${T}.Publisher.Params.x: is not valid Unicode`, `${T}.Publisher.Params.x`],
  ['NUL in a meta key', raw(body({ Meta: { '@': 'v' } }), '@', '\\u0000'), 400, 'ValidationError', 'key must not contain NUL', 'Job.Meta["\\u0000"]'],
  ['NUL in publisher params', raw(withTask({ Publisher: { Type: 'local', Params: { x: '@' } } }), '@', 'a\\u0000'), 400, 'ValidationError', 'must not contain NUL', `${T}.Publisher.Params.x`],
  // nesting
  ['100,000 levels deep', `{"Job":${nested(100_000)}}`, 400, 'BadRequest', 'request body is nested deeper than 64 levels'],
  ['65 levels deep in publisher params', raw(withTask({ Publisher: { Type: 'local', Params: { x: '@' } } }), '"@"', nested(59)), 400, 'BadRequest', 'nested deeper than 64 levels'],
  // container paths
  ['result path /', results('/'), 400, 'ValidationError', `${T}.ResultPaths[0].Path: must not be /`, `${T}.ResultPaths[0].Path`],
  ['result path /proc', results('/proc'), 400, 'ValidationError', 'must not be under /proc', `${T}.ResultPaths[0].Path`],
  ['result path //sys/', results('//sys/'), 400, 'ValidationError', 'must not be under /sys', `${T}.ResultPaths[0].Path`],
  ['input target /dev/shm', withTask({ InputSources: [{ Source: { Type: 'localDirectory', Params: { SourcePath: '/data' } }, Target: '/dev/shm' }] }), 400, 'ValidationError', 'must not be under /dev', `${T}.InputSources[0].Target`],
];

beforeAll(async () => {
  h = await openHarness();
  await submit(h.app, { Name: 'bystander' });
});
afterAll(async () => {
  await h.close();
});

describe('input limits on PUT /jobs', () => {
  it.each(TABLE)('%s → %i %s', async (_name, text, status, code, message, field) => {
    const reply = await call(h.app, 'PUT', JOBS, { body: text });
    expect(reply.status, reply.text.slice(0, 500)).toBe(status);
    expect(reply.body).toMatchObject({ Status: status, Code: code });
    expect(String(reply.body.Message)).toContain(message);
    if (field !== undefined) {
      const problems = (reply.body.Details as { Problems: Array<{ Field: string }> }).Problems;
      expect(problems.map((p) => p.Field)).toContain(field);
    }
  });

  it('answers no bad body with a 5xx, and stores none of them', async () => {
    const before = await countJobs(h.store);
    for (const [name, text] of TABLE) {
      const reply = await call(h.app, 'PUT', JOBS, { body: text });
      expect(reply.status, name).toBeGreaterThanOrEqual(400);
      expect(reply.status, name).toBeLessThan(500);
    }
    expect(await countJobs(h.store)).toBe(before);
  });

  it('accepts a job at the limits: 64 labels, 128 env vars, a 64-level body', async () => {
    const labels = entries(64);
    const env = entries(128, 'v', 'V');
    const id = await submit(h.app, { Labels: labels, Tasks: [task({ Env: env })] });
    expect((await h.store.jobs.get(id)).Labels).toEqual(labels);
    // The nesting sits under a key that names no field (ignored with a warning): every Params is strict.
    const deep = raw(withTask({ Sidecar: '@' }), '"@"', nested(60));
    const reply = await call(h.app, 'PUT', JOBS, { body: deep });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Warnings).toEqual(['unknown field Job.Tasks[0].Sidecar was ignored']);
  });
});

describe('the job size limit is configurable', () => {
  let small: Harness;
  beforeAll(async () => {
    small = await openHarness({ config: { maxJobBytes: 2048 } });
  });
  afterAll(async () => {
    await small.close();
  });

  it('refuses a job over maxJobBytes with a 413 naming it', async () => {
    const reply = await call(small.app, 'PUT', JOBS, { body: body({ Meta: { a: 'x'.repeat(2048) } }) });
    expect(reply.status).toBe(413);
    expect(String(reply.body.Message)).toMatch(/^Job: the job spec is \d+ bytes; the limit is 2048 bytes$/);
  });

  it('accepts one under it', async () => {
    expect(
      (await call(small.app, 'PUT', JOBS, { body: body({ Meta: { a: 'x'.repeat(1000) } }) })).status,
    ).toBe(200);
  });
});
