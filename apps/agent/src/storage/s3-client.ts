import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { s3EndpointRefusal } from '@shoal/models';

/**
 * The agent's S3 clients, shared by the s3 input source and the s3 publisher. Credentials are the
 * agent's own: the SDK's default chain (AWS_ACCESS_KEY_ID…, ~/.aws, instance roles) unless
 * main.ts or a test gives some; a job only says which bucket, region and endpoint. An endpoint the
 * job names is used only when it is AWS's S3 or on the operator's list (`--s3-endpoint`), because
 * every request carries the agent's signature.
 */

/**
 * The SDK is loaded on the first S3 call, not when the agent starts: it is the biggest module the
 * agent has, and most agents never touch S3.
 */
export const s3Sdk = (): Promise<typeof import('@aws-sdk/client-s3')> =>
  import('@aws-sdk/client-s3').then((sdk) => commonJsExports(sdk, 'S3Client'));

/**
 * A CommonJS package's exports, from a dynamic import of it. Node gives them as named exports (and
 * as `default`); the bundle `./shoal` runs (apps/cli/scripts/bundle.mjs) gives them under
 * `default` only, so `const { S3Client } = await import(…)` there found nothing.
 */
export function commonJsExports<T extends object>(namespace: T, probe: keyof T): T {
  if (namespace[probe] !== undefined) return namespace;
  return (namespace as T & { default: T }).default;
}

export interface S3AccessOptions {
  /** Endpoints besides AWS's that jobs may name (MinIO, Ceph…), as `--s3-endpoint` lists them. */
  endpoints: readonly string[];
  /** When a job names no Region. Default us-east-1. */
  region?: string;
  /** Default: the SDK's default chain. */
  credentials?: S3ClientConfig['credentials'];
}

export interface S3Location {
  Endpoint: string;
  Region: string;
}

export class S3Access {
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly o: S3AccessOptions) {}

  /** Why this node will not call the endpoint, or undefined. */
  refusal(endpoint: string): string | undefined {
    return s3EndpointRefusal(endpoint, this.o.endpoints);
  }

  /** A client for the location (one per endpoint and region); throws when the endpoint is refused. */
  async client({ Endpoint, Region }: S3Location): Promise<S3Client> {
    const refused = this.refusal(Endpoint);
    if (refused !== undefined) throw new Error(refused);
    const region = Region || this.o.region || 'us-east-1';
    const id = `${Endpoint}\n${region}`;
    let client = this.clients.get(id);
    if (client === undefined) {
      const { S3Client } = await s3Sdk();
      client = new S3Client({
        region,
        ...(this.o.credentials === undefined ? {} : { credentials: this.o.credentials }),
        // Other S3 APIs rarely serve bucket subdomains; AWS's own endpoints do both.
        ...(Endpoint === '' ? {} : { endpoint: Endpoint, forcePathStyle: true }),
        // A checksum only where S3 requires one: other S3 APIs reject the SDK's newer trailers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      this.clients.set(id, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/** `s3://bucket/key`, how errors name an object or prefix. */
export const s3Url = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/**
 * An S3 failure as a sentence naming what was asked for: the missing bucket or key, or the
 * agent's credentials not allowing it. `what` is an s3:// URL.
 */
export function describeS3Error(error: unknown, what: string, bucket: string): string {
  const name = (error as { name?: string }).name ?? '';
  // The SDK's S3ServiceException carries the HTTP status; read it without loading the SDK.
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return `bucket ${bucket} does not exist (${what})`;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return `no such object ${what}`;
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403)
    return `access denied to ${what}: the agent's S3 credentials do not allow it`;
  if (name === 'CredentialsProviderError')
    return `no S3 credentials on this agent for ${what} (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an AWS profile)`;
  const message = error instanceof Error ? error.message : String(error);
  return `${what}: ${name && !message.startsWith(name) ? `${name}: ` : ''}${message}`;
}
