import { describe, expect, it } from 'vitest';
import { encodeJson } from '../codec.js';
import { fixture, fixtureText } from '../test-data/fixtures.js';
import {
  GetJobResponseSchema,
  ListJobExecutionsResponseSchema,
  ListJobHistoryResponseSchema,
  ListJobResultsResponseSchema,
  PutJobResponseSchema,
  StopJobResponseSchema,
} from './api.js';

/** Whitespace-free canonical text of a JSON document, keeping key order and every digit. */
const canonical = (text: string) => encodeJson(JSON.parse(text.replace(/(\d{16,})/g, '"$1n"')), 0);

const CASES = [
  ['describe-job', GetJobResponseSchema],
  ['create-job-response', PutJobResponseSchema],
  ['stop-job-response', StopJobResponseSchema],
  ['job-history', ListJobHistoryResponseSchema],
  ['job-executions', ListJobExecutionsResponseSchema],
  ['job-results', ListJobResultsResponseSchema],
] as const;

describe('v1 jobs API example documents', () => {
  for (const [name, schema] of CASES) {
    it(`${name} parses and re-encodes to the same document, key for key`, () => {
      const parsed = schema.parse(fixture(name));
      expect(encodeJson(parsed)).toBe(encodeJson(fixture(name)));
      // And the same as the example's own text, digit for digit.
      expect(canonical(encodeJson(parsed))).toBe(canonical(fixtureText(name)));
    });
  }

  it('keeps the nanosecond times exact', () => {
    const job = GetJobResponseSchema.parse(fixture('describe-job')).Job;
    expect(job.CreateTime).toBe(1695883778909107178n);
    expect(job.ModifyTime).toBe(1695883779369191994n);
    expect(encodeJson(job)).toContain('"CreateTime":1695883778909107178');
  });

  it('decodes execution states as integers and job states as strings', () => {
    const { Executions } = ListJobExecutionsResponseSchema.parse(fixture('job-executions'));
    expect(Executions.map((e) => [e.ComputeState.StateType, e.DesiredState.StateType])).toEqual([
      [7, 2],
      [7, 2],
      [7, 2],
    ]);
    expect(Executions[0]?.RunOutput?.stdout).toBe('hello world\n');
    const { History } = ListJobHistoryResponseSchema.parse(fixture('job-history'));
    expect(History.map((h) => `${h.ExecutionState?.Previous}>${h.ExecutionState?.New}`)).toEqual([
      '1>1',
      '1>2',
      '2>3',
      '3>3',
      '3>5',
      '5>7',
    ]);
  });

  it('rejects a document whose execution state is a string', () => {
    const doc = fixture('job-executions') as { Executions: Array<{ ComputeState: { StateType: unknown } }> };
    const first = doc.Executions[0];
    if (first) first.ComputeState.StateType = 'Completed';
    expect(ListJobExecutionsResponseSchema.safeParse(doc).success).toBe(false);
  });
});
