import { z } from 'zod';
import { decodeDataUri } from '../data-uri.js';
import { StorageSourceType } from '../enums.js';
import { AbsolutePathSchema, normalisePath } from '../submission/fields.js';
import { S3SourceParamsSchema } from './s3.js';

/**
 * The Params of each input source type, with Bacalhau's field names. The objects are strict, so a
 * misspelt field (`Url`, `Readwrite`) is an error rather than silently ignored. What a node allows
 * (which local paths, how big a download) is the agent's to decide, at bid time and when it fetches.
 */

/** URLs are bounded well below the job's size limit; a data: URI is bounded by that limit alone. */
export const MAX_DOWNLOAD_URL_LENGTH = 8192;

/** `http:` or `https:` with a host, or a message saying why not (the agent rechecks each redirect). */
export function httpUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text.slice(0, 200))} is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `only http and https URLs can be downloaded, not ${url.protocol.slice(0, -1)}`;
  if (!url.hostname) return 'the URL has no host';
  return undefined;
}

export const UrlDownloadParamsSchema = z.strictObject({
  URL: z
    .string()
    .min(1)
    .max(MAX_DOWNLOAD_URL_LENGTH)
    .superRefine((text, ctx) => {
      const problem = httpUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type UrlDownloadParams = z.output<typeof UrlDownloadParamsSchema>;

export const InlineParamsSchema = z.strictObject({
  URL: z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const decoded = decodeDataUri(text);
      if (!decoded.ok) ctx.addIssue({ code: 'custom', message: decoded.error });
    }),
});
export type InlineParams = z.output<typeof InlineParamsSchema>;

/** The host path's structure only; which paths a node mounts is its operator's `--allow-local-path`. */
export const LocalDirectoryParamsSchema = z.strictObject({
  SourcePath: AbsolutePathSchema.transform(normalisePath),
  ReadWrite: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
});
export type LocalDirectoryParams = z.output<typeof LocalDirectoryParamsSchema>;

/** Params schema per source type; the S3 source's lives with the rest of S3 (./s3.ts). */
export const INPUT_SOURCE_PARAMS: Record<StorageSourceType, z.ZodType<Record<string, unknown>>> = {
  [StorageSourceType.Inline]: InlineParamsSchema,
  [StorageSourceType.URLDownload]: UrlDownloadParamsSchema,
  [StorageSourceType.LocalDirectory]: LocalDirectoryParamsSchema,
  [StorageSourceType.S3]: S3SourceParamsSchema,
};
