import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { listDialect, relist, relistJob, withLowerNodeKey } from './list-keys.js';

/** A request carrying only the given headers, for the parts of Context that listDialect reads. */
const request = (headers: Record<string, string>) =>
  ({ req: { header: (name: string) => headers[name] } }) as unknown as Context;
const byVersion = (version: string) => listDialect(request({ 'X-Bacalhau-Git-Version': version }));

describe('the list key a client reads', () => {
  it('is the reference’s named key without a signal, and for Go clients up to v1.3.2', () => {
    expect(listDialect(request({}))).toBe('reference');
    expect(listDialect(request({ 'User-Agent': 'curl/8.5.0' }))).toBe('reference');
    for (const version of ['v1.1.0', 'v1.2.3', 'v1.3.1', 'v1.3.2', '1.3.2', 'v1.2.0-rc1']) {
      expect(byVersion(version), version).toBe('reference');
    }
  });

  it('is Items from Go v1.4 (a v1.3.2 pre-release too), and for a version that does not parse', () => {
    for (const version of ['v1.3.2-rc1', 'v1.3.3', 'v1.4.0', 'v2.0.0', 'main-abc123']) {
      expect(byVersion(version), version).toBe('items');
    }
  });

  it('is both for the Python SDK’s generated client, known by its User-Agent', () => {
    expect(listDialect(request({ 'User-Agent': 'Swagger-Codegen/1.4.0/python' }))).toBe('python');
    expect(listDialect(request({ 'User-Agent': 'Swagger-Codegen/1.4.0/java' }))).toBe('reference');
  });
});

describe('relisting a body', () => {
  const page = { NextToken: 't', History: [1, 2] };

  it('renames the key in place, adds Items after it, or leaves the body alone', () => {
    expect(relist(page, 'History', 'reference')).toBe(page);
    expect(JSON.stringify(relist(page, 'History', 'items'))).toBe('{"NextToken":"t","Items":[1,2]}');
    expect(JSON.stringify(relist(page, 'History', 'python'))).toBe(
      '{"NextToken":"t","History":[1,2],"Items":[1,2]}',
    );
  });

  it('spells a RunOutput’s keys as the Python model reads them, for Python only', () => {
    const output = { stdout: 'hi\n', stdouttruncated: false, stderr: '', stderrtruncated: true, exitCode: 3 };
    const executions = {
      NextToken: '',
      Executions: [
        { ID: 'e', RunOutput: output },
        { ID: 'f', RunOutput: null },
      ],
    };
    const python = relist(executions, 'Executions', 'python');
    expect(python.Items).toBe(python.Executions);
    expect(python.Items).toEqual([
      {
        ID: 'e',
        RunOutput: { ...output, Stdout: 'hi\n', StdoutTruncated: false, StderrTruncated: true, ExitCode: 3 },
      },
      { ID: 'f', RunOutput: null },
    ]);
    expect(relist(executions, 'Executions', 'items').Items).toBe(executions.Executions);
  });

  it('relists a described job’s History and Executions, and adds node keys for Python only', () => {
    const job = { Job: { ID: 'j' }, History: page };
    expect(relistJob(job, 'items')).toEqual({ Job: { ID: 'j' }, History: { NextToken: 't', Items: [1, 2] } });
    expect(withLowerNodeKey({ Node: 1 }, 'Node', 'items')).toEqual({ Node: 1 });
    expect(withLowerNodeKey({ Node: 1 }, 'Node', 'python')).toEqual({ Node: 1, node: 1 });
  });
});
