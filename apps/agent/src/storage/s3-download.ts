import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from './s3-client.js';

/**
 * One S3 object to one file, as S3's own downloaders do it: byte ranges fetched several at a time
 * and each streamed to its place in the file, so nothing is held in memory and a large object is
 * not limited to one connection's speed. A HEAD says the object's size and ETag; every GET asks
 * `If-Match` that ETag, so an object replaced meanwhile fails the download instead of mixing two
 * versions. An object of at most one range is one plain GET.
 */

export interface ObjectRef {
  Bucket: string;
  Key: string;
  VersionId?: string | undefined;
}

export interface RangedDownloadOptions {
  /** Bytes per range. */
  partSize: number;
  /** Ranges in flight at once. */
  concurrency: number;
}

export async function downloadObject(
  client: S3Client,
  object: ObjectRef,
  file: string,
  signal: AbortSignal,
  options: RangedDownloadOptions,
): Promise<void> {
  const { GetObjectCommand, HeadObjectCommand } = await s3Sdk();
  const get = (range?: string, etag?: string) =>
    client.send(
      new GetObjectCommand({
        ...object,
        ...(range === undefined ? {} : { Range: range }),
        ...(etag === undefined ? {} : { IfMatch: etag }),
      }),
      { abortSignal: signal },
    );
  const write = (answer: GetObjectCommandOutput, start: number, flags: 'w' | 'r+') => {
    if (!(answer.Body instanceof Readable)) throw new Error('the S3 answer has no body');
    return pipeline(answer.Body, createWriteStream(file, { flags, start, mode: 0o644 }), { signal });
  };
  // A HEAD's 404 cannot tell a missing bucket from a missing key; the GET's answer says which.
  const head = await client.send(new HeadObjectCommand(object), { abortSignal: signal }).catch(async () => {
    await write(await get(), 0, 'w');
    return undefined;
  });
  if (head === undefined) return;
  const size = head.ContentLength ?? 0;
  if (size <= options.partSize) {
    await write(await get(undefined, head.ETag), 0, 'w');
    return;
  }
  // The file exists at its full size first, so that each range can be written in place.
  await writeFile(file, '', { mode: 0o644 });
  await truncate(file, size);
  const starts: number[] = [];
  for (let start = 0; start < size; start += options.partSize) starts.push(start);
  const worker = async () => {
    for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
      const end = Math.min(start + options.partSize, size) - 1;
      await write(await get(`bytes=${start}-${end}`, head.ETag), start, 'r+');
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, starts.length) }, worker));
}

/** Base64 SHA-256 of a file, read as a stream. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('base64');
}
