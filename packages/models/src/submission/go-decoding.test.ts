import { describe, expect, it } from 'vitest';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/** Submissions as Go's encoding/json would read them: see decode/go-decode.ts. */

const opts: PrepareJobOptions = { id: 'j-00000000-0000-4000-8000-000000000000', now: 1n };
const params = { Image: 'ubuntu:latest' };

describe('prepareJobSubmission decodes as Go does', () => {
  it('accepts lowercase keys at every level', () => {
    const result = prepareJobSubmission(
      {
        type: 'batch',
        count: 2,
        labels: { a: 'b' },
        tasks: [{ name: 't', engine: { type: 'docker', params }, resources: { cpu: '500m' } }],
      },
      opts,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.job).toMatchObject({ Type: 'batch', Count: 2, Labels: { a: 'b' } });
    expect(result.job.Tasks[0]).toMatchObject({ Name: 't', Resources: { CPU: '500m' } });
  });

  it('ignores unknown fields with a warning naming each', () => {
    const result = prepareJobSubmission(
      {
        Type: 'batch',
        Tasks2: [],
        Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: params }, Foo: 1 }],
      },
      opts,
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      'unknown field Job.Tasks2 was ignored',
      'unknown field Job.Tasks[0].Foo was ignored',
    ]);
  });

  it('reads null as absent', () => {
    const result = prepareJobSubmission(
      {
        Type: 'batch',
        Name: null,
        Count: null,
        Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: params }, Timeouts: null }],
      },
      opts,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.job.Count).toBe(1);
  });

  it('still refuses an unknown key in engine Params, and a value of the wrong type', () => {
    const result = prepareJobSubmission(
      {
        type: 'batch',
        count: 'two',
        tasks: [{ name: 't', engine: { type: 'docker', params: { ...params, Privileged: true } } }],
      },
      opts,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: 'Job.Count', message: 'expected number, got string' },
        { path: 'Job.Tasks[0].Engine.Params.Privileged', message: 'unknown field' },
      ]),
    );
  });

  it('refuses an unknown key in input-source and publisher Params as strictly as in engine Params', () => {
    const withTask = (task: Record<string, unknown>) =>
      prepareJobSubmission(
        { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: params }, ...task }] },
        opts,
      );
    const pathsOf = (result: ReturnType<typeof prepareJobSubmission>) =>
      result.ok ? [] : result.problems.map((p) => p.path);
    const url = { Type: 'urlDownload', Params: { URL: 'https://x.test/a', Mode: 511 } };
    expect(pathsOf(withTask({ InputSources: [{ Target: '/in', Source: url }] }))).toEqual([
      'Job.Tasks[0].InputSources[0].Source.Params.Mode',
    ]);
    // local and noop take no Params: whatever is sent there would reach the agent unchecked.
    for (const Type of ['local', 'noop', 'LOCAL']) {
      const result = withTask({ Publisher: { Type, Params: { Chmod: true } } });
      expect(pathsOf(result), Type).toEqual(['Job.Tasks[0].Publisher.Params.Chmod']);
    }
    const s3 = { Type: 's3', Params: { Bucket: 'results', Key: 'k', Privileged: true } };
    expect(pathsOf(withTask({ Publisher: s3 }))).toEqual(['Job.Tasks[0].Publisher.Params.Privileged']);
    // Go's clients write no publisher as {Type: "", Params: null}; an empty map is no problem either.
    for (const Params of [null, {}])
      expect(pathsOf(withTask({ Publisher: { Type: '', Params } }))).toEqual([]);
    expect(pathsOf(withTask({ Publisher: { Type: 'local', Params: {} } }))).toEqual([]);
  });
});
