import { z } from 'zod';

/**
 * S3 in job specs, with Bacalhau's field names: the `s3` input source's Params (its SourceSpec) and
 * the `s3` publisher's Params (its PublisherSpec). Both objects are strict, and neither has a place
 * for credentials: an agent signs S3 requests with its own (its environment or AWS config), never
 * with anything a job brings. Empty strings count as absent, as Bacalhau's Go clients send every
 * field of the struct.
 */

/** S3's limit on an object key, in UTF-8 bytes. */
export const MAX_S3_KEY_BYTES = 1024;

/** Bucket names: 3 to 63 characters, letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const Bucket = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .regex(BUCKET, 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens');

const optionalText = (schema: z.ZodType<string>) =>
  z
    .union([z.literal(''), schema])
    .nullish()
    .transform((v) => v ?? '');

const Key = z
  .string()
  .refine((key) => Buffer.byteLength(key, 'utf8') <= MAX_S3_KEY_BYTES, {
    message: `must be at most ${MAX_S3_KEY_BYTES} bytes`,
  })
  .refine((key) => !key.includes('\u0000'), { message: 'must not contain NUL bytes' });

const Region = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an AWS region name such as eu-west-1');

/** An http(s) base URL; no user info, which would be credentials carried by the job. */
export function s3EndpointProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text.slice(0, 200))} is not a URL (e.g. https://s3.eu-west-1.amazonaws.com)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '')
    return 'must not carry credentials: agents sign S3 requests with their own';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

const Endpoint = z
  .string()
  .max(2048)
  .superRefine((text, ctx) => {
    const problem = s3EndpointProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Field names that would carry secrets; reported as such rather than as merely unknown. */
const CREDENTIAL_FIELD = /secret|access.?key|session|token|credential|password/i;

/** The schema, after refusing credential fields with a message that says why. */
function refusingCredentials<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (!CREDENTIAL_FIELD.test(key)) kept[key] = field;
      else
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'credentials are never accepted in a job: agents sign S3 requests with their own',
        });
    }
    return kept;
  }, schema);
}

/** A key ending in `/` or `*` (or none) names every object under a prefix; anything else, one object. */
export function isS3Prefix(key: string): boolean {
  return key === '' || key.endsWith('/') || key.endsWith('*');
}

/** The prefix listed for a prefix key: a trailing `*` only marks it as one. */
export function s3ListPrefix(key: string): string {
  return key.trim().replace(/\*$/, '');
}

export const S3SourceParamsSchema = refusingCredentials(
  z
    .strictObject({
      Bucket,
      /** One object, or a prefix (`dir/`, `dir/file-*`); empty: the whole bucket. */
      Key: optionalText(Key),
      Region: optionalText(Region),
      /** Another S3 API than AWS's (MinIO, Ceph…); each agent decides which it will call. */
      Endpoint: optionalText(Endpoint),
      VersionID: optionalText(z.string().max(1024)),
      /** The object's SHA-256 as S3 reports it: base64 of the 32-byte digest. */
      ChecksumSHA256: optionalText(
        z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 SHA-256 digest (44 characters)'),
      ),
    })
    .superRefine((params, ctx) => {
      if (!isS3Prefix(params.Key)) return;
      for (const field of ['VersionID', 'ChecksumSHA256'] as const) {
        if (params[field] !== '')
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `applies to one object, but Key ${JSON.stringify(params.Key)} is a prefix`,
          });
      }
    }),
);
export type S3SourceParams = z.output<typeof S3SourceParamsSchema>;

export const S3PublisherParamsSchema = refusingCredentials(
  z.strictObject({
    Bucket,
    /** Where results go; may hold {jobID}, {executionID}, {nodeID}, {date} and {time}. */
    Key: Key.min(1, 'is required: the object (compressed) or prefix the results are written under'),
    Endpoint: optionalText(Endpoint),
    Region: optionalText(Region),
    /** One tar.gz object instead of one object per file. `"true"`, as Bacalhau's CLI sends it, counts. */
    Compress: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .nullish()
      .transform((v) => v === true || v === 'true'),
  }),
);
export type S3PublisherParams = z.output<typeof S3PublisherParamsSchema>;

/** What an s3 publisher reports as its PublishedResult's Params, and `shoal job get` reads. */
export const S3PublishedResultSchema = z.object({
  Bucket,
  Key: Key.min(1),
  Endpoint: optionalText(Endpoint),
  Region: optionalText(Region),
});
export type S3PublishedResult = z.output<typeof S3PublishedResultSchema>;

/*
 * Which S3 endpoints a party may be sent to with its credentials. A job may name any Endpoint; an
 * agent (or a user's CLI) signs requests to it with its own keys, and a signed request can be
 * replayed against AWS within minutes. So an endpoint is called only when it is AWS's own S3
 * service, or one its operator listed. Pure: callers pass the list.
 */

/** AWS's S3 hosts: `s3.amazonaws.com`, `s3.eu-west-1.amazonaws.com`, `s3-fips.…`, `s3.dualstack.…`. */
const AWS_S3_HOST = /^s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** The form endpoints are compared in: origin plus path, without a trailing slash. */
export function normaliseS3Endpoint(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export function isAwsS3Endpoint(endpoint: string): boolean {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  return url?.protocol === 'https:' && AWS_S3_HOST.test(url.hostname);
}

/**
 * Why a request to `endpoint` is refused, or undefined. Empty means AWS (the SDK picks the
 * regional endpoint), always allowed.
 */
export function s3EndpointRefusal(endpoint: string, allowed: readonly string[]): string | undefined {
  if (endpoint === '' || isAwsS3Endpoint(endpoint)) return undefined;
  if (!URL.canParse(endpoint)) return `S3 endpoint ${JSON.stringify(endpoint)} is not a URL`;
  const wanted = normaliseS3Endpoint(endpoint);
  if (allowed.some((a) => URL.canParse(a) && normaliseS3Endpoint(a) === wanted)) return undefined;
  const listed = allowed.length > 0 ? `allowed: AWS S3, ${allowed.join(', ')}` : 'only AWS S3 is allowed';
  return `S3 endpoint ${wanted} is not allowed on this node (${listed}; operators add endpoints with --s3-endpoint)`;
}
