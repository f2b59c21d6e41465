import { decodeJson } from '@shoal/models';
import { getFreePort } from '@shoal/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePublisherFlag } from './publisher-flag.js';
import { runShoal } from './testing/test-cluster.js';

describe('-p/--publisher', () => {
  it.each([
    ['local', { Type: 'local', Params: {} }],
    ['NOOP', { Type: 'noop', Params: {} }],
    ['s3://results/jobs/{jobID}/', { Type: 's3', Params: { Bucket: 'results', Key: 'jobs/{jobID}/' } }],
    [
      's3://results/out,opt=region=eu-west-1,opt=endpoint=http://minio:9000,option=Compress=TRUE',
      {
        Type: 's3',
        Params: {
          Bucket: 'results',
          Key: 'out',
          Region: 'eu-west-1',
          Endpoint: 'http://minio:9000',
          Compress: true,
        },
      },
    ],
    [
      's3://ignored/x,opt=bucket=other,opt=key=k/"a,b"',
      { Type: 's3', Params: { Bucket: 'other', Key: 'k/a,b' } },
    ],
  ])('reads %s', (flag, expected) => {
    expect(parsePublisherFlag(flag)).toEqual(expected);
  });

  it.each([
    ['ipfs', /unknown publisher "ipfs": use local, noop or s3:\/\/BUCKET\/KEY/],
    ['s3://results', /Key: is required/],
    ['s3://r/x', /Bucket: must be an S3 bucket name/],
    ['s3://results/x,region=eu', /"region=eu" is not opt=KEY=VALUE/],
    ['s3://results/x,opt=acl=public', /unknown s3 option "acl"/],
    ['s3://results/x,opt=compress=maybe', /compress=maybe: expected true or false/],
    ['local,opt=x=y', /the local publisher takes no options/],
  ])('refuses %s', (flag, message) => {
    expect(() => parsePublisherFlag(flag)).toThrow(message);
  });
});

describe('shoal docker run -p', () => {
  const offline = { env: { SHOAL_API: '' } };
  beforeAll(async () => {
    offline.env.SHOAL_API = `http://127.0.0.1:${await getFreePort()}`;
  });

  it('puts the s3 publisher on the task, as the server stores it', async () => {
    const run = await runShoal(
      undefined,
      ['docker', 'run', '--dry-run', '-o', 'json', '-p', 's3://results/{jobID},opt=compress=true', 'busybox'],
      offline,
    );
    expect(run.stderr).toBe('');
    const job = decodeJson(run.stdout) as { Tasks: Array<{ Publisher: unknown }> };
    expect(job.Tasks[0]?.Publisher).toEqual({
      Type: 's3',
      Params: { Bucket: 'results', Key: '{jobID}', Compress: true },
    });
  });

  it('refuses a bad one with exit code 2, naming the flag', async () => {
    const run = await runShoal(
      undefined,
      ['docker', 'run', '--dry-run', '-p', 's3://results', 'busybox'],
      offline,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /'-p, --publisher <publisher>' argument 's3:\/\/results' is invalid\. Key: is required/,
    );
  });
});
