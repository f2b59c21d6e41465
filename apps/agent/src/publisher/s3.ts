import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Clock, S3PublisherParamsSchema, type SpecConfig } from '@shoal/models';
import { create } from 'tar';
import { parseParams } from '../storage/params.js';
import { commonJsExports, describeS3Error, type S3Access, s3Url } from '../storage/s3-client.js';
import { stageResults } from './local.js';
import type { Publisher, PublishRequest } from './publisher.js';
import { publishedKey } from './s3-key.js';
import { uploadFile } from './s3-upload.js';

/**
 * The `s3` publisher, as Bacalhau's: the run's results (the same tree the local publisher packs:
 * stdout, stderr, exitCode, one directory per ResultPath) go to the job's bucket, either as one
 * tar.gz object (Compress) or as one object per file under the Key prefix. Everything is streamed,
 * never held whole in memory: the archive in a multipart upload through lib-storage, each file in
 * one PUT up to uploadCutoff and part by part from its byte ranges above it (s3-upload.ts). It
 * reports `{Bucket, Key, Endpoint, Region}`, where Key is the object or the prefix written. When an
 * upload fails the execution fails with the reason, and the staged results stay in the execution's
 * directory until retention.
 */

export interface S3PublisherOptions {
  access: S3Access;
  /** The agent's state dir (`<dataDir>/agent`). */
  stateDir: string;
  nodeId: string;
  clock: Clock;
  /** Bytes per uploaded part (at least 5 MiB, S3's minimum). Default 8 MiB. */
  partSize?: number;
  /** Largest result file sent in one PUT rather than in parts (at most 5 GiB). Default: partSize. */
  uploadCutoff?: number;
  /** Parts in flight per object. Default 4. */
  queueSize?: number;
}

const MiB = 1024 * 1024;

export class S3Publisher implements Publisher {
  readonly type = 's3';

  constructor(private readonly o: S3PublisherOptions) {}

  refuse(publisher: SpecConfig): string | undefined {
    const parsed = S3PublisherParamsSchema.safeParse(publisher.Params ?? {});
    // Bad Params fail the publish with the field named; the bid only judges the endpoint.
    return parsed.success ? this.o.access.refusal(parsed.data.Endpoint) : undefined;
  }

  async publish({ executionId, jobId, task, runOutput }: PublishRequest): Promise<SpecConfig> {
    const params = parseParams(S3PublisherParamsSchema, task.Publisher.Params);
    const client = await this.o.access.client(params);
    const { dir, names } = await stageResults(this.o.stateDir, executionId, task, runOutput);
    const now = new Date(Number(this.o.clock.now() / 1_000_000n));
    const key = publishedKey(params.Key, { jobId, executionId, nodeId: this.o.nodeId, now }, params.Compress);
    const partSize = this.o.partSize ?? 8 * MiB;
    const sizes = { partSize, queueSize: this.o.queueSize ?? 4 };
    const upload = async (objectKey: string, send: () => Promise<unknown>) => {
      try {
        await send();
      } catch (error) {
        const what = s3Url(params.Bucket, objectKey);
        throw new Error(`upload to ${what} failed: ${describeS3Error(error, what, params.Bucket)}`);
      }
    };
    if (params.Compress) {
      // Symlinks a task left are archived as links, never followed: they could point at host files.
      const archive = Readable.from(create({ gzip: true, cwd: dir, portable: true }, names));
      const { Upload } = commonJsExports(await import('@aws-sdk/lib-storage'), 'Upload');
      await upload(key, () =>
        new Upload({ client, params: { Bucket: params.Bucket, Key: key, Body: archive }, ...sizes })
          .done()
          .finally(() => archive.destroy()),
      );
    } else {
      const cutoff = this.o.uploadCutoff ?? partSize;
      for (const file of await filesUnder(dir, names)) {
        const target = { Bucket: params.Bucket, Key: `${key}${file}` };
        await upload(target.Key, () => uploadFile(client, target, join(dir, file), { ...sizes, cutoff }));
      }
    }
    return {
      Type: 's3',
      Params: { Bucket: params.Bucket, Key: key, Endpoint: params.Endpoint, Region: params.Region },
    };
  }
}

/**
 * The regular files below the named entries, as `/`-separated paths relative to `dir`. S3 has no
 * directories, so empty ones are not kept; symlinks are skipped, never followed out of the tree.
 */
async function filesUnder(dir: string, names: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const info = await lstat(join(dir, relative));
    if (info.isFile()) files.push(relative);
    else if (info.isDirectory()) {
      const entries = await readdir(join(dir, relative));
      for (const entry of entries.sort()) await visit(`${relative}/${entry}`);
    }
  };
  for (const name of names) await visit(name);
  return files;
}
