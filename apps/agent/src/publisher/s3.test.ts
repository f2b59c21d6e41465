import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { manualClock } from '@shoal/models';
import { makeTempDir, type S3Server, startS3Server, type TempDir } from '@shoal/testkit';
import { type ReadEntry, Parser as TarParser } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Access } from '../storage/s3-client.js';
import { makeRunOutput } from '../testing/fixtures.js';
import { S3Publisher } from './s3.js';

/** The s3 publisher against a real S3 API (s3rver): both layouts, byte for byte. */

const runOutput = makeRunOutput();
const BIG = Buffer.alloc(6 * 1024 * 1024 + 17, 7); // more than one 5 MiB part

describe('s3 publisher', () => {
  let s3: S3Server;
  let tmp: TempDir;
  let access: S3Access;
  let stateDir: string;
  let n = 0;

  beforeAll(async () => {
    s3 = await startS3Server();
    tmp = await makeTempDir('shoal-s3-publish-');
    stateDir = join(tmp.path, 'agent');
    access = new S3Access({ endpoints: [s3.endpoint], credentials: s3.credentials });
    await s3.createBucket('results');
  });

  afterAll(async () => {
    access?.close();
    await s3?.stop();
    await tmp?.cleanup();
  });

  /** An execution directory with full stdout, a nested result file, a large one and a host link. */
  async function execution(): Promise<string> {
    const id = `e-${++n}`;
    const dir = join(stateDir, 'executions', id);
    await mkdir(join(dir, 'results', 'outputs', 'deep'), { recursive: true });
    await writeFile(join(dir, 'stdout'), 'the full stdout\n');
    await writeFile(join(dir, 'results', 'outputs', 'deep', 'answer.txt'), '42\n');
    await writeFile(join(dir, 'results', 'outputs', 'big.bin'), BIG);
    await symlink('/etc/passwd', join(dir, 'results', 'outputs', 'passwd'));
    return id;
  }

  const publisher = (uploadCutoff?: number) =>
    new S3Publisher({
      access,
      stateDir,
      nodeId: 'n-7',
      clock: manualClock(1_706_692_000_000_000_000n), // 2024-01-31T09:06:40Z
      partSize: 5 * 1024 * 1024,
      ...(uploadCutoff === undefined ? {} : { uploadCutoff }),
    });
  const request = (executionId: string, Params: Record<string, unknown>) => ({
    executionId,
    jobId: 'j-9',
    runOutput,
    task: {
      Publisher: { Type: 's3', Params: { Endpoint: s3.endpoint, ...Params } },
      ResultPaths: [
        { Name: 'outputs', Path: '/outputs' },
        { Name: 'empty', Path: '/empty' },
      ],
    } as never,
  });

  const bytes = async (Key: string) => {
    const answer = await s3.client().send(new GetObjectCommand({ Bucket: 'results', Key }));
    return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
  };

  it('uploads one object per file under the Key prefix, with placeholders filled', async () => {
    const id = await execution();
    const published = await publisher().publish(
      request(id, { Bucket: 'results', Key: 'runs/{jobID}/{executionID}' }),
    );
    const prefix = `runs/j-9/${id}/`;
    expect(published).toEqual({
      Type: 's3',
      Params: { Bucket: 'results', Key: prefix, Endpoint: s3.endpoint, Region: '' },
    });
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: 'results', Prefix: prefix }));
    expect(listed.Contents?.map((o) => o.Key?.slice(prefix.length)).sort()).toEqual([
      'exitCode',
      'outputs/big.bin',
      'outputs/deep/answer.txt',
      'stderr',
      'stdout',
    ]);
    expect((await bytes(`${prefix}stdout`)).toString()).toBe('the full stdout\n');
    expect((await bytes(`${prefix}stderr`)).toString()).toBe('oops\n');
    expect((await bytes(`${prefix}exitCode`)).toString()).toBe('3');
    expect((await bytes(`${prefix}outputs/deep/answer.txt`)).toString()).toBe('42\n');
    expect((await bytes(`${prefix}outputs/big.bin`)).equals(BIG)).toBe(true);
  });

  it('sends a file of at most the cutoff in one PUT and a larger one in parts', async () => {
    // s3rver's ETag of a multipart object is a plain MD5 (no `-<parts>` as S3's), so the requests
    // that reached it tell which way each file went.
    const sent: string[] = [];
    const client = await access.client({ Endpoint: s3.endpoint, Region: '' });
    const record =
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      (args: { input: { Key?: string } }) => {
        if (args.input.Key?.endsWith('big.bin')) sent.push(context.commandName ?? '');
        return next(args);
      };
    client.middlewareStack.add(record as never, { step: 'initialize', name: 'recordSent' });
    try {
      for (const cutoff of [BIG.length, BIG.length - 1]) {
        const id = await execution();
        await publisher(cutoff).publish(request(id, { Bucket: 'results', Key: `cut/${cutoff}/` }));
        expect((await bytes(`cut/${cutoff}/outputs/big.bin`)).equals(BIG)).toBe(true);
      }
    } finally {
      client.middlewareStack.remove('recordSent');
    }
    expect(sent).toEqual([
      'PutObjectCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
  });

  it('uploads one tar.gz with the local publisher’s layout when Compress is set', async () => {
    const id = await execution();
    const published = await publisher().publish(
      request(id, { Bucket: 'results', Key: 'archives/{nodeID}-{date}-{time}', Compress: 'true' }),
    );
    const key = 'archives/n-7-20240131-090640.tar.gz';
    expect(published.Params).toMatchObject({ Bucket: 'results', Key: key });
    const entries = new Map<string, { type: string; body: Buffer }>();
    const parser = new TarParser({
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => entries.set(entry.path, { type: entry.type, body: Buffer.concat(chunks) }));
      },
    });
    await pipeline(Readable.from([await bytes(key)]), parser);
    expect([...entries.keys()].sort()).toEqual(
      [
        'empty/',
        'exitCode',
        'outputs/',
        'outputs/big.bin',
        'outputs/deep/',
        'outputs/deep/answer.txt',
        'outputs/passwd',
        'stderr',
        'stdout',
      ].sort(),
    );
    expect(entries.get('stdout')?.body.toString()).toBe('the full stdout\n');
    expect(entries.get('exitCode')?.body.toString()).toBe('3');
    expect(entries.get('outputs/big.bin')?.body.equals(BIG)).toBe(true);
    expect(entries.get('outputs/passwd')?.type).toBe('SymbolicLink');
  });

  it('fails with the object and the reason when the upload is refused, keeping the output', async () => {
    const id = await execution();
    await expect(publisher().publish(request(id, { Bucket: 'no-such-bucket', Key: 'x/' }))).rejects.toThrow(
      /upload to s3:\/\/no-such-bucket\/x\/\S+ failed: bucket no-such-bucket does not exist/,
    );
    // Nothing is lost: the staged results wait in the execution's directory until retention.
    const staged = join(stateDir, 'executions', id, 'published');
    expect(await readFile(join(staged, 'outputs', 'deep', 'answer.txt'), 'utf8')).toBe('42\n');
    expect((await readFile(join(staged, 'outputs', 'big.bin'))).equals(BIG)).toBe(true);
    const strict = new S3Publisher({
      access: new S3Access({ endpoints: [] }),
      stateDir,
      nodeId: 'n',
      clock: manualClock(0n),
    });
    await expect(strict.publish(request(id, { Bucket: 'results', Key: 'x/' }))).rejects.toThrow(
      /S3 endpoint http:\/\/127\.0\.0\.1:\d+ is not allowed on this node/,
    );
  });
});
