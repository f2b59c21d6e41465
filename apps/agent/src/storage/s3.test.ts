import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { makeTempDir, type S3Server, startS3Server, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Provider } from './s3.js';
import { S3Access } from './s3-client.js';
import { sha256OfFile } from './s3-download.js';

/** The s3 input source against a real S3 API (s3rver) and the real AWS SDK. */

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('base64');

describe('s3 input source', () => {
  let s3: S3Server;
  let tmp: TempDir;
  let provider: S3Provider;
  let access: S3Access;
  let n = 0;
  const dest = () => join(tmp.path, `in-${++n}`);
  const source = (Params: Record<string, unknown>) => ({
    Type: 's3',
    Params: { Endpoint: s3.endpoint, ...Params },
  });
  const signal = new AbortController().signal;

  beforeAll(async () => {
    s3 = await startS3Server();
    tmp = await makeTempDir('shoal-s3-stage-');
    access = new S3Access({ endpoints: [s3.endpoint], credentials: s3.credentials });
    provider = new S3Provider(access);
    await s3.createBucket('inputs');
    const client = s3.client();
    const put = (Key: string, Body: string | Buffer) =>
      client.send(new PutObjectCommand({ Bucket: 'inputs', Key, Body }));
    await put('one/data.csv', 'a,b\n1,2\n');
    await put('tree/', '');
    await put('tree/top.txt', 'top');
    await put('tree/sub/deeper/leaf.bin', Buffer.from([0, 1, 2, 255]));
    await put('tree-other.txt', 'not under tree/');
    await put('logs/f-001.txt', 'first');
    await put('logs/f-002.txt', 'second');
    await put('logs/g-001.txt', 'other');
  });

  afterAll(async () => {
    access?.close();
    await s3?.stop();
    await tmp?.cleanup();
  });

  it('stages one object into the target directory, byte-exact, read-only', async () => {
    const dir = dest();
    const staged = await provider.stage(source({ Bucket: 'inputs', Key: 'one/data.csv' }), dir, signal);
    expect(staged).toEqual({ hostPath: dir, readOnly: true });
    expect(await readFile(join(dir, 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('stages an empty object, and one just over a range, byte-exact', async () => {
    const odd = Buffer.alloc(32 * 1024 * 1024 + 5);
    for (let i = 0; i < odd.length; i += 4096) odd[i] = i % 255;
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'inputs', Key: 'edge/empty.txt', Body: '' }));
    await client.send(new PutObjectCommand({ Bucket: 'inputs', Key: 'edge/odd.bin', Body: odd }));
    const dir = dest();
    await provider.stage(source({ Bucket: 'inputs', Key: 'edge/' }), dir, signal);
    expect((await stat(join(dir, 'empty.txt'))).size).toBe(0);
    expect((await readFile(join(dir, 'odd.bin'))).equals(odd)).toBe(true);
  });

  it('stages every object under a prefix, keeping the paths below it', async () => {
    const dir = dest();
    await provider.stage(source({ Bucket: 'inputs', Key: 'tree/' }), dir, signal);
    expect(await readFile(join(dir, 'top.txt'), 'utf8')).toBe('top');
    expect([...(await readFile(join(dir, 'sub/deeper/leaf.bin')))]).toEqual([0, 1, 2, 255]);
    await expect(stat(join(dir, 'tree-other.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('stages the objects matching a trailing *', async () => {
    const dir = dest();
    await provider.stage(source({ Bucket: 'inputs', Key: 'logs/f-*' }), dir, signal);
    expect(await readFile(join(dir, 'f-001.txt'), 'utf8')).toBe('first');
    expect(await readFile(join(dir, 'f-002.txt'), 'utf8')).toBe('second');
    await expect(stat(join(dir, 'g-001.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('checks ChecksumSHA256 against the bytes written', async () => {
    const good = source({ Bucket: 'inputs', Key: 'one/data.csv', ChecksumSHA256: sha256('a,b\n1,2\n') });
    await expect(provider.stage(good, dest(), signal)).resolves.toMatchObject({ readOnly: true });
    const dir = dest();
    const bad = source({ Bucket: 'inputs', Key: 'one/data.csv', ChecksumSHA256: sha256('other') });
    await expect(provider.stage(bad, dir, signal)).rejects.toThrow(
      /checksum mismatch for s3:\/\/inputs\/one\/data\.csv/,
    );
    await expect(stat(join(dir, 'data.csv'))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    [{ Bucket: 'missing', Key: 'x' }, /bucket missing does not exist \(s3:\/\/missing\/x\)/],
    [{ Bucket: 'inputs', Key: 'one/nope.csv' }, /no such object s3:\/\/inputs\/one\/nope\.csv/],
    [{ Bucket: 'inputs', Key: 'nothing/' }, /no objects under s3:\/\/inputs\/nothing\//],
    [{ Bucket: 'missing', Key: 'dir/' }, /bucket missing does not exist/],
    [{ Bucket: 'inputs', Key: 'x', SecretAccessKey: 'k' }, /Params\.SecretAccessKey: credentials are never/],
  ])('fails clearly for %j', async (params, message) => {
    await expect(provider.stage(source(params), dest(), signal)).rejects.toThrow(message);
  });

  it('says access is denied when the agent’s credentials are refused', async () => {
    const stranger = new S3Access({
      endpoints: [s3.endpoint],
      credentials: { accessKeyId: 'SOMEONE', secretAccessKey: 'ELSE' },
    });
    try {
      await expect(
        new S3Provider(stranger).stage(source({ Bucket: 'inputs', Key: 'one/data.csv' }), dest(), signal),
      ).rejects.toThrow(/access denied to s3:\/\/inputs\/one\/data\.csv: the agent's S3 credentials/);
    } finally {
      stranger.close();
    }
  });

  it('refuses, at bid time, endpoints that are neither AWS nor allowed by the operator', () => {
    const strict = new S3Provider(new S3Access({ endpoints: [] }));
    const at = (Endpoint: string) => strict.refuse({ Type: 's3', Params: { Bucket: 'inputs', Endpoint } });
    expect(at('http://collector.example:9000')).toMatch(
      /S3 endpoint http:\/\/collector\.example:9000 is not allowed on this node .*--s3-endpoint/,
    );
    expect(at('https://s3.eu-west-1.amazonaws.com')).toBeUndefined();
    expect(at('')).toBeUndefined();
    expect(provider.refuse(source({ Bucket: 'inputs' }))).toBeUndefined();
    expect(provider.refuse(source({ Bucket: 'inputs', Endpoint: `${s3.endpoint}/` }))).toBeUndefined();
  });

  it('streams a 200 MB object to disk without holding it in memory', { timeout: 180_000 }, async () => {
    const size = 200 * 1024 * 1024;
    const file = join(tmp.path, 'large.bin');
    const chunk = Buffer.alloc(1024 * 1024);
    await pipeline(async function* () {
      for (let i = 0; i < size / chunk.length; i++) {
        chunk.writeUInt32BE(i, 0);
        chunk.fill(i % 251, 4);
        yield chunk;
      }
    }, createWriteStream(file));
    await new Upload({
      client: s3.client(),
      params: { Bucket: 'inputs', Key: 'large/blob.bin', Body: createReadStream(file) },
    }).done();
    const expected = await sha256OfFile(file);

    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 10);
    const dir = dest();
    try {
      await provider.stage(source({ Bucket: 'inputs', Key: 'large/blob.bin' }), dir, signal);
    } finally {
      clearInterval(sampler);
    }
    const staged = join(dir, 'blob.bin');
    expect((await stat(staged)).size).toBe(size);
    expect(await sha256OfFile(staged)).toBe(expected);
    // The server (s3rver) runs in this process too, so this bounds both sides of the transfer.
    expect(peakHeap - before.heapUsed).toBeLessThan(size / 4);
    expect(peakRss - before.rss).toBeLessThan(size / 2);
  });
});
