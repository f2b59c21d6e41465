import { describe, expect, it } from 'vitest';
import { prepareJobSubmission } from '../submission/prepare.js';
import {
  isS3Prefix,
  S3PublisherParamsSchema,
  S3SourceParamsSchema,
  s3EndpointRefusal,
  s3ListPrefix,
} from './s3.js';

const SHA = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

describe('s3 source Params', () => {
  it('fills absent and empty fields with empty strings', () => {
    expect(S3SourceParamsSchema.parse({ Bucket: 'data', Key: 'a/b.csv', Region: '' })).toEqual({
      Bucket: 'data',
      Key: 'a/b.csv',
      Region: '',
      Endpoint: '',
      VersionID: '',
      ChecksumSHA256: '',
    });
  });

  it('takes a version and checksum for one object', () => {
    const params = S3SourceParamsSchema.parse({
      Bucket: 'data',
      Key: 'x',
      VersionID: 'v1',
      ChecksumSHA256: SHA,
    });
    expect([params.VersionID, params.ChecksumSHA256]).toEqual(['v1', SHA]);
  });

  it.each([
    [{ Key: 'x' }, 'Bucket', 'is required'],
    [{ Bucket: 'ab', Key: 'x' }, 'Bucket', 'must be an S3 bucket name'],
    [{ Bucket: 'data', Key: 'dir/', VersionID: 'v1' }, 'VersionID', 'is a prefix'],
    [{ Bucket: 'data', Key: 'f-*', ChecksumSHA256: SHA }, 'ChecksumSHA256', 'is a prefix'],
    [{ Bucket: 'data', ChecksumSHA256: 'abc', Key: 'x' }, 'ChecksumSHA256', 'base64 SHA-256'],
    [{ Bucket: 'data', Endpoint: 'ftp://h' }, 'Endpoint', 'http or https'],
    [{ Bucket: 'data', Endpoint: 'https://u:p@h' }, 'Endpoint', 'must not carry credentials'],
    [{ Bucket: 'data', Region: 'EU WEST' }, 'Region', 'AWS region'],
    [{ Bucket: 'data', SecretAccessKey: 'x' }, 'SecretAccessKey', 'credentials are never accepted'],
    [{ Bucket: 'data', Filter: '.*' }, '', 'Unrecognized key'],
  ])('refuses %j at %s', (input, field, message) => {
    const result = S3SourceParamsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === field);
    expect(issue?.message).toContain(message);
  });

  it('reads keys as Bacalhau does: a trailing / or * (or none) is a prefix, * is dropped to list', () => {
    expect([isS3Prefix('a/b'), isS3Prefix('a/'), isS3Prefix('a/f-*'), isS3Prefix('')]).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(s3ListPrefix('a/f-*')).toBe('a/f-');
    expect(s3ListPrefix('a/')).toBe('a/');
  });
});

describe('s3 publisher Params', () => {
  it('reads Compress as a boolean or the strings Bacalhau’s CLI sends', () => {
    const parse = (Compress: unknown) => S3PublisherParamsSchema.parse({ Bucket: 'out', Key: 'k', Compress });
    expect([parse(true), parse('true'), parse('false'), parse(undefined)].map((p) => p.Compress)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('requires a Key', () => {
    const result = S3PublisherParamsSchema.safeParse({ Bucket: 'out' });
    expect(result.error?.issues[0]?.path).toEqual(['Key']);
  });
});

describe('s3 on submission', () => {
  const opts = { id: 'j-00000000-0000-4000-8000-000000000000', now: 1n };
  const job = (publisher: Record<string, unknown>, source: Record<string, unknown>) => ({
    Type: 'batch',
    Tasks: [
      {
        Name: 't',
        Engine: { Type: 'docker', Params: { Image: 'busybox:1.36' } },
        Publisher: { Type: 'S3', Params: publisher },
        InputSources: [{ Source: { Type: 's3', Params: source }, Target: '/inputs' }],
        ResultPaths: [{ Name: 'out', Path: '/outputs' }],
      },
    ],
  });

  it('accepts an s3 input and publisher, storing the canonical type', () => {
    const result = prepareJobSubmission(
      job({ Bucket: 'results', Key: 'jobs/{jobID}/', Compress: 'true' }, { Bucket: 'inputs', Key: 'dir/' }),
      opts,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.job.Tasks[0]?.Publisher.Type).toBe('s3');
    expect(result.job.Tasks[0]?.InputSources[0]?.Source.Params).toMatchObject({
      Bucket: 'inputs',
      Key: 'dir/',
    });
  });

  it('names the field of each bad publisher and input param', () => {
    const problems = (publisher: Record<string, unknown>, source: Record<string, unknown>) => {
      const result = prepareJobSubmission(job(publisher, source), opts);
      return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems({ Bucket: 'results' }, { Bucket: 'x', Key: 'k' })).toEqual([
      expect.stringMatching(/^Job\.Tasks\[0\]\.Publisher\.Params\.Key: is required/),
      expect.stringMatching(
        /^Job\.Tasks\[0\]\.InputSources\[0\]\.Source\.Params\.Bucket: must be an S3 bucket/,
      ),
    ]);
    expect(problems({ Bucket: 'results', Key: 'k', AccessKeyID: 'AKIA' }, { Bucket: 'inputs' })).toEqual([
      expect.stringMatching(
        /^Job\.Tasks\[0\]\.Publisher\.Params\.AccessKeyID: credentials are never accepted/,
      ),
    ]);
  });
});

describe('s3 endpoints an agent or CLI will sign requests for', () => {
  it('allows AWS S3 and the listed ones, compared without a trailing slash', () => {
    expect(s3EndpointRefusal('', [])).toBeUndefined();
    expect(s3EndpointRefusal('https://s3.eu-west-1.amazonaws.com', [])).toBeUndefined();
    expect(s3EndpointRefusal('https://s3.dualstack.us-east-1.amazonaws.com/', [])).toBeUndefined();
    expect(s3EndpointRefusal('http://minio:9000/', ['http://minio:9000'])).toBeUndefined();
  });

  it('refuses any other host, AWS-hosted services of other customers included', () => {
    for (const endpoint of [
      'https://abc.execute-api.us-east-1.amazonaws.com',
      'http://s3.amazonaws.com',
      'https://s3.amazonaws.com.attacker.example',
      'http://minio:9001',
    ]) {
      expect(s3EndpointRefusal(endpoint, ['http://minio:9000'])).toMatch(/is not allowed on this node/);
    }
  });
});
