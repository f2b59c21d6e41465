import { normaliseS3Endpoint, s3EndpointProblem } from '@shoal/models';
import { z } from 'zod';
import { size } from '../executor/docker/config.js';
import { MAX_PUT_BYTES } from '../publisher/s3-upload.js';

/**
 * The agent settings of S3, spread into AgentConfigSchema. Credentials are not among them: the
 * agent takes its own from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, an instance role).
 */

/** `http://minio:9000,https://ceph.internal` or a list → checked, normalised endpoints. */
const endpoints = z.union([z.string(), z.array(z.string())]).transform((value, ctx): string[] => {
  const list = (typeof value === 'string' ? value.split(',') : value).map((e) => e.trim()).filter(Boolean);
  for (const endpoint of list) {
    const problem = s3EndpointProblem(endpoint);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(endpoint)}: ${problem}` });
      return z.NEVER;
    }
  }
  return [...new Set(list.map(normaliseS3Endpoint))];
});

export const S3_CONFIG_FIELDS = {
  /**
   * S3 endpoints besides AWS's that jobs may name (their Endpoint): this agent sends them requests
   * signed with its credentials. None by default: AWS S3 only.
   */
  s3Endpoints: endpoints.default([]),
  /** The region of S3 requests whose job names none. */
  s3Region: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be an AWS region name such as eu-west-1' })
    .default('us-east-1'),
  /**
   * Largest result file the s3 publisher sends in one PUT; larger ones go multipart, in parallel
   * parts that are each sent again alone on failure. At most 5 GiB, S3's limit of one PUT. Default:
   * one part (8 MiB), so any larger file goes multipart.
   */
  s3UploadCutoff: size(0, MAX_PUT_BYTES).default(8 * 1024 * 1024),
};
