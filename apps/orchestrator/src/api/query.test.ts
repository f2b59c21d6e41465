import { isShoalError, isValidIdQuery, type ShoalError } from '@shoal/models';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ID_QUERY_PATTERN } from './path-params.js';
import { parseQuery } from './query.js';
import { JobExecutionsParams, JobHistoryParams, ListJobsParams } from './routes/job-params.js';
import { ListNodesParams } from './routes/node-params.js';

/** Parses `query` against `schema` through a real Hono context, as the routes do. */
async function parse<S extends z.ZodObject>(schema: S, query: string): Promise<z.output<S> | ShoalError> {
  const app = new Hono();
  let result: z.output<S> | ShoalError | undefined;
  app.get('/', (c) => {
    try {
      result = parseQuery(c, schema);
    } catch (error) {
      if (!isShoalError(error)) throw error;
      result = error;
    }
    return c.text('ok');
  });
  await app.request(`/?${query}`);
  if (result === undefined) throw new Error('handler did not run');
  return result;
}

function problems(result: unknown): Record<string, string> {
  if (!isShoalError(result)) throw new Error(`expected a ShoalError, got ${JSON.stringify(result)}`);
  const list = result.details?.Problems as Array<{ Field: string; Message: string }>;
  return Object.fromEntries(list.map((p) => [p.Field, p.Message]));
}

describe('query parameters', () => {
  it('applies the v1 jobs API defaults', async () => {
    expect(await parse(ListJobsParams, '')).toEqual({
      namespace: undefined,
      labels: [],
      limit: 10,
      next_token: undefined,
      order_by: 'create_time',
      reverse: false,
    });
  });

  it('coerces strings to their types', async () => {
    const q = await parse(ListJobsParams, 'limit=1000&reverse=1&order_by=id&labels=a=b&labels=c&namespace=*');
    expect(q).toMatchObject({
      limit: 1000,
      reverse: true,
      order_by: 'id',
      labels: ['a=b', 'c'],
      namespace: '*',
    });
    expect(await parse(ListJobsParams, 'reverse=FALSE')).toMatchObject({ reverse: false });
  });

  it('reports every problem at once, each named by its parameter', async () => {
    const p = problems(await parse(ListJobsParams, 'limit=-1&order_by=name&reverse=yes&labels=%3Dx'));
    expect(p).toEqual({
      limit: 'must be an integer between 1 and 1000',
      order_by: 'must be one of id, create_time, modify_time',
      reverse: 'must be true, false, 1 or 0',
      labels: 'label selector "=x": expected label key at position 0',
    });
  });

  it("reads Go's limit=0 as the default, and Bacalhau's created_at/modified_at sort keys", async () => {
    expect(await parse(ListJobsParams, 'limit=0&order_by=created_at')).toMatchObject({
      limit: 10,
      order_by: 'create_time',
    });
    expect(await parse(JobExecutionsParams, 'order_by=modified_at')).toMatchObject({
      order_by: 'modify_time',
    });
    expect(await parse(ListNodesParams, 'limit=0&order_by=created_at')).toMatchObject({
      limit: 100,
      order_by: 'create_time',
    });
    expect(await parse(ListJobsParams, 'order_by=modified_at')).toMatchObject({ order_by: 'modify_time' });
    // Bacalhau's node list orders by membership under both names.
    expect(await parse(ListNodesParams, 'order_by=status')).toMatchObject({ order_by: 'approval' });
  });

  it.each(['abc', '00', '1001', '1.5', '1e3', '', ' 5'])('refuses limit=%j', async (limit) => {
    expect(problems(await parse(ListJobsParams, `limit=${encodeURIComponent(limit)}`)).limit).toBe(
      'must be an integer between 1 and 1000',
    );
  });

  it('reads an empty order, filter or id as not given, as the Python SDK sends them', async () => {
    expect(
      await parse(JobExecutionsParams, 'namespace=&limit=5&next_token=&reverse=False&order_by='),
    ).toMatchObject({ limit: 5, order_by: 'modify_time', reverse: false });
    expect(await parse(JobHistoryParams, 'event_type=&execution_id=&node_id=')).toMatchObject({
      event_type: 'all',
      execution_id: undefined,
      node_id: undefined,
    });
    expect(await parse(ListNodesParams, 'filter-status=&filter_approval=approved')).toMatchObject({
      'filter-status': undefined,
      filter_approval: 'APPROVED',
    });
  });

  it('refuses a single-valued parameter given twice', async () => {
    expect(problems(await parse(ListJobsParams, 'limit=1&limit=2')).limit).toBe('must be given at most once');
  });

  it('accepts since as Unix seconds or RFC 3339, and nothing else', async () => {
    expect(await parse(JobHistoryParams, 'since=1695883781')).toMatchObject({ since: 1695883781 });
    expect(await parse(JobHistoryParams, 'since=2023-09-28T07:23:01.352803607Z')).toMatchObject({
      since: '2023-09-28T07:23:01.352803607Z',
    });
    for (const bad of ['-1', 'yesterday', '2023-09-28', '1e9']) {
      expect(problems(await parse(JobHistoryParams, `since=${bad}`)).since).toMatch(
        /Unix seconds .* RFC 3339/,
      );
    }
  });

  it('checks ids in query parameters like path ids', async () => {
    expect(
      problems(await parse(JobHistoryParams, `execution_id=${encodeURIComponent("e-1' OR 1=1")}`)),
    ).toEqual({
      execution_id: 'must be an id or id prefix (letters, digits, "-" and "_", at most 255 characters)',
    });
  });

  it('matches node filters case-insensitively and normalises them', async () => {
    expect(await parse(ListNodesParams, 'filter-approval=approved&filter-status=Connected')).toMatchObject({
      'filter-approval': 'APPROVED',
      'filter-status': 'CONNECTED',
    });
    expect(problems(await parse(ListNodesParams, 'filter-approval=maybe'))['filter-approval']).toBe(
      'must be one of PENDING, APPROVED, REJECTED',
    );
  });

  it('refuses control characters in free text', async () => {
    expect(problems(await parse(ListJobsParams, 'next_token=a%00b')).next_token).toMatch(
      /control characters/,
    );
  });

  it('documents ids with the pattern isValidIdQuery enforces', () => {
    const pattern = new RegExp(ID_QUERY_PATTERN);
    for (const id of [
      'j-28c08f7f',
      'n-my_node-1',
      '',
      'a'.repeat(255),
      'a'.repeat(256),
      "j-1' OR",
      'e-\u0000',
      'n.1',
    ]) {
      expect(pattern.test(id), id).toBe(isValidIdQuery(id));
    }
  });
});
