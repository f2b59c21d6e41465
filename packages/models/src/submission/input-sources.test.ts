import { describe, expect, it } from 'vitest';
import { jobSizeError } from './job-size.js';
import { DEFAULT_MAX_JOB_BYTES } from './limits.js';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/** Each input's Params are checked against its type's schema, with the offending field named. */

const opts: PrepareJobOptions = { id: 'j-00000000-0000-4000-8000-000000000000', now: 1n };
const IN = 'Job.Tasks[0].InputSources';

function job(...sources: Array<{ Type?: string; Params?: Record<string, unknown> }>) {
  return {
    Type: 'batch',
    Tasks: [
      {
        Name: 't',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } },
        InputSources: sources.map((Source, i) => ({ Source, Target: `/inputs/${i}` })),
      },
    ],
  };
}

function problems(input: unknown, options = opts) {
  const result = prepareJobSubmission(input, options);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('input sources on submission', () => {
  it('accepts each source type, case-insensitively, and stores the canonical type and Params', () => {
    const result = prepareJobSubmission(
      job(
        { Type: 'URLDownload', Params: { URL: 'https://example.com/a.csv' } },
        { Type: 'inline', Params: { URL: 'data:text/plain;base64,aGVsbG8=' } },
        { Type: 'localdirectory', Params: { SourcePath: '/data//x/', ReadWrite: true } },
      ),
      opts,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.job.Tasks[0]?.InputSources.map((i) => i.Source)).toEqual([
      { Type: 'urlDownload', Params: { URL: 'https://example.com/a.csv' } },
      { Type: 'inline', Params: { URL: 'data:text/plain;base64,aGVsbG8=' } },
      { Type: 'localDirectory', Params: { SourcePath: '/data/x', ReadWrite: true } },
    ]);
  });

  it.each([
    [{ Type: 'urlDownload', Params: { URL: 'ftp://example.com/a' } }, 'Params.URL: only http and https'],
    [{ Type: 'urlDownload', Params: { URL: 'not a url' } }, 'Params.URL: "not a url" is not a valid URL'],
    [{ Type: 'urlDownload', Params: {} }, 'Params.URL: is required'],
    [{ Type: 'urlDownload', Params: { URL: 'https://x/a', Url: 'y' } }, 'Params.Url: unknown field'],
    [{ Type: 'inline', Params: { URL: 'https://example.com/a' } }, 'Params.URL: must be a data: URI'],
    [{ Type: 'inline', Params: { URL: 'data:;base64,@@@' } }, 'Params.URL: the base64 data'],
    [
      { Type: 'localDirectory', Params: { SourcePath: 'data' } },
      'Params.SourcePath: must be an absolute path',
    ],
    [
      { Type: 'localDirectory', Params: { SourcePath: '/data/../etc' } },
      'Params.SourcePath: must not contain ".."',
    ],
    [
      { Type: 'localDirectory', Params: { SourcePath: '/data', ReadWrite: 'yes' } },
      'Params.ReadWrite: expected boolean',
    ],
    [
      { Type: 'localDirectory', Params: { SourcePath: '/proc/1' } },
      'Params.SourcePath: /proc/1 can never be mounted',
    ],
    [
      { Type: 'localDirectory', Params: { SourcePath: '/var/run' } },
      'Params.SourcePath: /var/run can never be mounted',
    ],
    [{ Type: 'ipfs', Params: {} }, 'Type: unknown input source type "ipfs"'],
    [{ Params: {} }, 'Type: is required'],
  ])('refuses %j naming the field', (source, expected) => {
    // The first input is valid, so the path must point at the second one.
    const found = problems(job({ Type: 'inline', Params: { URL: 'data:,ok' } }, source));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${IN}[1].Source.${expected}`);
  });

  it('leaves local paths to the agents unless the cluster narrows them', () => {
    const mount = job({ Type: 'localDirectory', Params: { SourcePath: '/srv/data' } });
    expect(problems(mount)).toEqual([]);
    expect(
      problems(mount, { ...opts, policy: { allowedHostPaths: [{ path: '/data', readWrite: false }] } }),
    ).toEqual([`${IN}[0].Source.Params.SourcePath: /srv/data is not an allowed host path (allowed: /data)`]);
  });

  it('counts an inline payload against the job size limit', () => {
    const big = job({
      Type: 'inline',
      Params: { URL: `data:;base64,${'QUJD'.repeat(DEFAULT_MAX_JOB_BYTES / 4)}` },
    });
    expect(problems(big)).toEqual([]);
    expect(jobSizeError(big, DEFAULT_MAX_JOB_BYTES)?.status).toBe(413);
    const small = job({ Type: 'inline', Params: { URL: 'data:,hello' } });
    expect(jobSizeError(small, DEFAULT_MAX_JOB_BYTES)).toBeUndefined();
  });
});
