import { ErrorCode, isShoalError } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { normaliseJob, parseJobText } from './job-file.js';

/** Reading job specs: YAML or JSON, bare or wrapped, integers exact, mistakes located. */

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isShoalError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('parseJobText', () => {
  it('reads YAML and JSON, bare or as {Job: …}', () => {
    const bare = { Type: 'batch', Tasks: [{ Name: 't' }] };
    expect(parseJobText('Type: batch\nTasks:\n  - Name: t\n', 'f')).toEqual(bare);
    expect(parseJobText(JSON.stringify(bare), 'f')).toEqual(bare);
    expect(parseJobText(JSON.stringify({ Job: bare }), 'f')).toEqual(bare);
    expect(parseJobText('Job:\n  Type: batch\n  Tasks: [{Name: t}]\n', 'f')).toEqual(bare);
  });

  it('keeps integers exact: small ones as numbers, int64 ones as bigint', () => {
    const job = parseJobText(
      '{"Count": 2, "CreateTime": 1695883778909107178, "Priority": -3, "X": 1.5}',
      'f',
    );
    expect(job).toEqual({ Count: 2, CreateTime: 1695883778909107178n, Priority: -3, X: 1.5 });
  });

  it.each([
    [
      'Type: batch\nTasks:\n  - Name: x\n   Engine: {}\n',
      /^invalid YAML\/JSON in job\.yaml: .* at line 4, column \d+$/,
    ],
    ['{\n  "Type": "batch",\n  "Tasks": [}\n', /at line 3, column \d+$/],
    ['Type: batch\nType: ops\n', /Map keys must be unique at line 2, column 1$/],
    ['', /^job\.yaml is empty: expected a job$/],
    ['# only a comment\n', /^job\.yaml is empty/],
    ['- a\n- b\n', /^job\.yaml must hold one job \(a mapping with Type and Tasks\), not a list$/],
    ['"just text"', /not a string$/],
    ['Job: {}\nWarnings: []\n', /^job\.yaml: unknown key next to Job: Warnings$/],
  ])('refuses %j as a usage error saying where', (text, message) => {
    const { code, message: text2 } = failure(() => parseJobText(text, 'job.yaml'));
    expect(code).toBe(ErrorCode.BadRequest);
    expect(text2).toMatch(message);
  });
});

describe('keys in any case', () => {
  it('reads a lowercase job: envelope and lowercase job keys, as the server does', () => {
    const input = parseJobText(
      'job:\n  type: batch\n  tasks:\n    - name: t\n      engine: {type: noop}\n',
      'job.yaml',
    );
    const { job } = normaliseJob(input);
    expect(job).toMatchObject({ Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop' } }] });
  });
});

describe('normaliseJob (--dry-run)', () => {
  it('applies the server’s defaults and leaves out what the server sets', () => {
    const { job, warnings } = normaliseJob({
      Type: 'batch',
      CreateTime: 5,
      Tasks: [{ Name: 't', Engine: { Type: 'NOOP' } }],
    });
    expect(warnings).toEqual(['job create time is ignored when submitting a job']);
    expect(job).not.toHaveProperty('ID');
    expect(job).not.toHaveProperty('Name');
    expect(job).not.toHaveProperty('CreateTime');
    expect(job).toMatchObject({ Namespace: 'default', Count: 1, Tasks: [{ Engine: { Type: 'noop' } }] });
  });

  it('reports every problem at once, with its path, as the server does', () => {
    const { code, message } = failure(() => normaliseJob({ Type: 'x', Count: 'two', Tasks: [{}] }));
    expect(code).toBe(ErrorCode.Validation);
    expect(message).toMatch(/^invalid request: /);
    expect(message).toContain('Job.Type');
    expect(message).toContain('Job.Count');
    expect(message).toContain('Job.Tasks[0]');
  });
});
