import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../storage/s3-client.js';

/**
 * One file on disk to one S3 object. A file of at most one part goes in a single PUT; a larger one
 * in a multipart upload whose parts are read straight from their byte ranges of the file, several
 * at a time. Nothing is buffered: a stream's uploader (lib-storage) must copy each part into memory
 * before sending it, which for files costs as much time as the upload. A failed part is sent again
 * (a stream cannot be replayed, so the SDK's own retry cannot); a failed upload is aborted, so no
 * orphaned parts stay billed.
 */

export interface FileUploadOptions {
  /** Bytes per part; S3 needs at least 5 MiB. Grown when the file would need over 10,000 parts. */
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  /** Attempts per part. Default 3. */
  attempts?: number;
}

const MAX_PARTS = 10_000;

export async function uploadFile(
  client: S3Client,
  target: { Bucket: string; Key: string },
  path: string,
  options: FileUploadOptions,
): Promise<void> {
  const { size } = await stat(path);
  const {
    AbortMultipartUploadCommand,
    CompleteMultipartUploadCommand,
    CreateMultipartUploadCommand,
    PutObjectCommand,
    UploadPartCommand,
  } = await s3Sdk();
  const partSize = Math.max(options.partSize, Math.ceil(size / MAX_PARTS));
  if (size <= partSize) {
    await client.send(new PutObjectCommand({ ...target, Body: createReadStream(path), ContentLength: size }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(target));
  try {
    const count = Math.ceil(size / partSize);
    const etags: string[] = new Array(count);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < count) {
        const index = next++;
        const start = index * partSize;
        const end = Math.min(start + partSize, size) - 1;
        etags[index] = await sendPart(options.attempts ?? 3, () =>
          client.send(
            new UploadPartCommand({
              ...target,
              UploadId,
              PartNumber: index + 1,
              Body: createReadStream(path, { start, end }),
              ContentLength: end - start + 1,
            }),
          ),
        ).catch((error: unknown) => {
          // The other workers stop at their next part instead of sending into an aborted upload.
          failed = true;
          throw error;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.queueSize, count) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        ...target,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => {});
    throw error;
  }
}

async function sendPart(
  attempts: number,
  send: () => Promise<{ ETag?: string | undefined }>,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { ETag } = await send();
      if (!ETag) throw new Error('S3 answered a part without its ETag');
      return ETag;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // Refusals (4xx: a missing bucket, denied access) will not change; other failures may.
      if (attempt >= attempts || (status !== undefined && status >= 400 && status < 500)) throw error;
    }
  }
}
