import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../storage/s3-client.js';

/**
 * One file on disk to one S3 object. A file of at most `cutoff` bytes goes in a single PUT; a
 * larger one in a multipart upload whose parts are read straight from their byte ranges of the
 * file, several at a time. Nothing is buffered: a stream's uploader (lib-storage) must copy each
 * part into memory before sending it, which for files costs as much time as the upload. A failed
 * PUT or part is sent again (a stream cannot be replayed, so the SDK's own retry cannot); a failed
 * multipart upload is aborted, so no orphaned parts stay billed.
 */

export interface FileUploadOptions {
  /**
   * Largest file sent in one PUT; capped at S3's 5 GiB limit of a PUT. One PUT is one connection
   * and one request, and a server that copies the parts again on completion is spared that copy;
   * multipart sends parts in parallel and a failure resends one part, not the whole file.
   */
  cutoff: number;
  /** Bytes per part; S3 needs at least 5 MiB. Grown when the file would need over 10,000 parts. */
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  /** Attempts per part, or of the single PUT. Default 3. */
  attempts?: number;
}

const MAX_PARTS = 10_000;
/** S3's largest single PUT. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

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
  if (size <= Math.min(options.cutoff, MAX_PUT_BYTES)) {
    // A fresh stream per attempt: a failed PUT is sent again whole.
    await withRetries(options.attempts ?? 3, () =>
      client.send(new PutObjectCommand({ ...target, Body: createReadStream(path), ContentLength: size })),
    );
    return;
  }
  const partSize = Math.max(options.partSize, Math.ceil(size / MAX_PARTS));
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
        etags[index] = await withRetries(options.attempts ?? 3, async () => {
          const { ETag } = await client.send(
            new UploadPartCommand({
              ...target,
              UploadId,
              PartNumber: index + 1,
              Body: createReadStream(path, { start, end }),
              ContentLength: end - start + 1,
            }),
          );
          if (!ETag) throw new Error('S3 answered a part without its ETag');
          return ETag;
        }).catch((error: unknown) => {
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

/** A PUT of the file or of a part, sent again on failures that may pass (each with a fresh stream). */
async function withRetries<T>(attempts: number, send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // Refusals (4xx: a missing bucket, denied access) will not change; other failures may.
      if (attempt >= attempts || (status !== undefined && status >= 400 && status < 500)) throw error;
    }
  }
}
