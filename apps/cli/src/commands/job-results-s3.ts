import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  ErrorCode,
  type S3PublishedResult,
  S3PublishedResultSchema,
  ShoalError,
  type SpecConfig,
  s3EndpointRefusal,
} from '@shoal/models';
import { isInside, type UnpackReport, unpackArchive } from './job-results.js';

/**
 * Downloading an `s3` result with the user's own credentials (AWS_ACCESS_KEY_ID… in the
 * environment, else the SDK's default chain). A compressed result (a `.tar.gz` key) is unpacked
 * exactly as a local one; an uncompressed one is a prefix whose objects land at their paths below
 * it. The endpoint comes from the result, which an agent wrote: it is used only when it is the one
 * the job itself named, or AWS's S3, so an agent cannot collect requests signed with the user's keys.
 */

export interface S3DownloadOptions {
  /** The job's own `Publisher.Params.Endpoint`. */
  jobEndpoint: string;
  env: Readonly<Record<string, string | undefined>>;
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ShoalError(code, message, { component: 'CLI' });
};

export function s3ResultParams(result: SpecConfig, jobEndpoint: string): S3PublishedResult {
  const parsed = S3PublishedResultSchema.safeParse(result.Params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      ErrorCode.BadRequest,
      `the s3 result is unusable: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  const { Endpoint } = parsed.data;
  if (s3EndpointRefusal(Endpoint, jobEndpoint === '' ? [] : [jobEndpoint]) !== undefined) {
    fail(
      ErrorCode.BadRequest,
      `refusing to download from ${Endpoint}: the job named ${jobEndpoint || 'AWS S3'} as its publisher's endpoint`,
    );
  }
  return parsed.data;
}

/**
 * The SDK, loaded only when a result is in S3: every other command starts without it. Node gives
 * a CommonJS package's exports as named exports; the bundle (scripts/bundle.mjs) under `default`.
 */
const s3Sdk = async (): Promise<typeof import('@aws-sdk/client-s3')> => {
  const sdk = await import('@aws-sdk/client-s3');
  return sdk.S3Client === undefined ? sdk.default : sdk;
};

async function clientFor(params: S3PublishedResult, env: S3DownloadOptions['env']): Promise<S3Client> {
  const { S3Client } = await s3Sdk();
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return new S3Client({
    region: params.Region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
    ...(params.Endpoint === '' ? {} : { endpoint: params.Endpoint, forcePathStyle: true }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function downloadS3Result(
  result: SpecConfig,
  directory: string,
  options: S3DownloadOptions,
): Promise<UnpackReport> {
  const params = s3ResultParams(result, options.jobEndpoint);
  const client = await clientFor(params, options.env);
  const shown = `s3://${params.Bucket}/${params.Key}`;
  try {
    if (!params.Key.endsWith('/')) {
      return await unpackArchive(
        await objectBody(client, params.Bucket, params.Key, shown),
        directory,
        shown,
      );
    }
    await mkdir(directory, { recursive: true });
    const report: UnpackReport = { directory, files: 0, skipped: [] };
    for await (const key of keysUnder(client, params, shown)) {
      const relative = key.slice(params.Key.length);
      if (relative === '' || key.endsWith('/')) continue;
      if (!isInside(directory, relative)) {
        report.skipped.push(key);
        continue;
      }
      const file = join(directory, relative);
      await mkdir(dirname(file), { recursive: true });
      await pipeline(await objectBody(client, params.Bucket, key, shown), createWriteStream(file));
      report.files += 1;
    }
    return report;
  } finally {
    client.destroy();
  }
}

async function objectBody(client: S3Client, Bucket: string, Key: string, shown: string): Promise<Readable> {
  const { GetObjectCommand } = await s3Sdk();
  const answer = await client.send(new GetObjectCommand({ Bucket, Key })).catch((error: unknown) => {
    return fail(ErrorCode.Unavailable, `cannot download ${shown}: ${s3Reason(error)}`);
  });
  if (!(answer.Body instanceof Readable))
    return fail(ErrorCode.Unavailable, `cannot download ${shown}: no body`);
  return answer.Body;
}

async function* keysUnder(
  client: S3Client,
  params: S3PublishedResult,
  shown: string,
): AsyncGenerator<string> {
  const { ListObjectsV2Command } = await s3Sdk();
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: params.Bucket, Prefix: params.Key, ContinuationToken: token }))
      .catch((error: unknown) => fail(ErrorCode.Unavailable, `cannot list ${shown}: ${s3Reason(error)}`));
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

function s3Reason(error: unknown): string {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'NoSuchKey') return 'no such object';
  if (name === 'NoSuchBucket') return 'no such bucket';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return `access denied (${name}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  if (name === 'CredentialsProviderError')
    return 'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an AWS profile';
  return error instanceof Error ? error.message : String(error);
}
