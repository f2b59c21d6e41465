import { existsSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './s3-server.js';

describe('a real S3 server (s3rver)', () => {
  let s3: S3Server;

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('alpha', 'beta');
  });

  afterAll(async () => {
    await s3?.stop();
  });

  it('stores and returns objects, listed by prefix', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'dir/a.txt', Body: 'hello' }));
    await client.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'dir/sub/b.txt', Body: 'world' }));
    await client.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'other.txt', Body: '!' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'dir/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'alpha', Prefix: 'dir/' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(['dir/a.txt', 'dir/sub/b.txt']);
  });

  it('completes a multipart upload', async () => {
    const client = s3.client();
    const part1 = Buffer.alloc(5 * 1024 * 1024, 1);
    const part2 = Buffer.from('tail');
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'beta', Key: 'big' }));
    const parts = [];
    for (const [index, body] of [part1, part2].entries()) {
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: 'beta', Key: 'big', UploadId, PartNumber: index + 1, Body: body }),
      );
      parts.push({ ETag, PartNumber: index + 1 });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'beta',
        Key: 'big',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'beta', Key: 'big' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.equals(Buffer.concat([part1, part2]))).toBe(true);
  });

  it('answers NoSuchBucket and NoSuchKey', async () => {
    const client = s3.client();
    await expect(client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'missing' })),
    ).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
  });

  it('stop() closes the server and removes its directory', async () => {
    const other = await startS3Server();
    await other.createBucket('gone');
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    await expect(fetch(other.endpoint)).rejects.toThrow();
  });
});
