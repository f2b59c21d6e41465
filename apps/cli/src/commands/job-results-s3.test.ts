import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeTempDir, type S3Server, startS3Server, type TempDir } from '@shoal/testkit';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadS3Result, s3ResultParams } from './job-results-s3.js';

/** `shoal job get` for s3 results, against a real S3 API (s3rver). */

describe('downloading s3 results', () => {
  let s3: S3Server;
  let tmp: TempDir;
  let n = 0;
  const out = () => join(tmp.path, `out-${++n}`);
  const result = (Key: string, Bucket = 'results') => ({
    Type: 's3',
    Params: { Bucket, Key, Endpoint: s3.endpoint, Region: '' },
  });
  const options = () => ({ jobEndpoint: s3.endpoint, env: s3.env });

  beforeAll(async () => {
    s3 = await startS3Server();
    tmp = await makeTempDir('shoal-s3-get-');
    await s3.createBucket('results');
    const client = s3.client();
    const put = (Key: string, Body: string | Buffer) =>
      client.send(new PutObjectCommand({ Bucket: 'results', Key, Body }));
    const tree = join(tmp.path, 'tree');
    await mkdir(join(tree, 'outputs', 'deep'), { recursive: true });
    await writeFile(join(tree, 'stdout'), 'hello\n');
    await writeFile(join(tree, 'exitCode'), '0');
    await writeFile(join(tree, 'outputs', 'deep', 'answer.txt'), '42\n');
    const chunks: Buffer[] = [];
    for await (const chunk of create({ gzip: true, cwd: tree, portable: true }, [
      'exitCode',
      'stdout',
      'outputs',
    ]))
      chunks.push(chunk as Buffer);
    await put('archives/j-1.tar.gz', Buffer.concat(chunks));
    await put('plain/j-1/stdout', 'hello\n');
    await put('plain/j-1/outputs/deep/answer.txt', '42\n');
    await put('plain/j-10/other', 'not under plain/j-1/');
  });

  afterAll(async () => {
    await s3?.stop();
    await tmp?.cleanup();
  });

  it('unpacks a compressed result as a local one', async () => {
    const dir = out();
    const report = await downloadS3Result(result('archives/j-1.tar.gz'), dir, options());
    expect(report.files).toBe(3);
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('hello\n');
    expect(await readFile(join(dir, 'outputs', 'deep', 'answer.txt'), 'utf8')).toBe('42\n');
  });

  it('downloads each object under an uncompressed prefix, at its path below it', async () => {
    const dir = out();
    const report = await downloadS3Result(result('plain/j-1/'), dir, options());
    expect(report).toMatchObject({ files: 2, skipped: [] });
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('hello\n');
    expect(await readFile(join(dir, 'outputs', 'deep', 'answer.txt'), 'utf8')).toBe('42\n');
  });

  it('fails clearly on a missing object and on refused credentials', async () => {
    await expect(downloadS3Result(result('archives/none.tar.gz'), out(), options())).rejects.toThrow(
      /cannot download s3:\/\/results\/archives\/none\.tar\.gz: no such object/,
    );
    const env = { AWS_ACCESS_KEY_ID: 'SOMEONE', AWS_SECRET_ACCESS_KEY: 'ELSE' };
    await expect(
      downloadS3Result(result('archives/j-1.tar.gz'), out(), { jobEndpoint: s3.endpoint, env }),
    ).rejects.toThrow(/access denied \(InvalidAccessKeyId\)/);
  });

  it('uses only the endpoint the job named, or AWS S3', () => {
    const at = (Endpoint: string, job: string) =>
      s3ResultParams({ Type: 's3', Params: { Bucket: 'results', Key: 'k/', Endpoint } }, job);
    expect(() => at('http://collector.example', 'http://minio:9000')).toThrow(
      /refusing to download from http:\/\/collector\.example: the job named http:\/\/minio:9000/,
    );
    expect(() => at('http://collector.example', '')).toThrow(/the job named AWS S3/);
    expect(at('http://minio:9000/', 'http://minio:9000').Endpoint).toBe('http://minio:9000/');
    expect(at('', 'http://minio:9000').Endpoint).toBe('');
  });
});
