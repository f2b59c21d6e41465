import { formatPath, S3PublisherParamsSchema } from '@shoal/models';
import { InvalidArgumentError } from 'commander';

/**
 * `-p/--publisher`, as Bacalhau's CLI takes it: a publisher type, or a destination URI with
 * options, as comma-separated fields:
 *
 *   -p local                                   the agent keeps the results (shoal job get fetches them)
 *   -p noop                                    nothing is published
 *   -p s3://bucket/results/{jobID}/            s3, Bucket and Key from the URI
 *   -p s3://bucket/out,opt=region=eu-west-1,opt=endpoint=http://minio:9000,opt=compress=true
 *
 * Options (`opt=KEY=VALUE` or `option=KEY=VALUE`) of s3: region, endpoint, compress, and bucket or
 * key to override the URI's. Every problem is an InvalidArgumentError, so commander names the flag
 * and the CLI exits 2; the server checks the Params again.
 */

export interface PublisherFlag {
  Type: string;
  Params: Record<string, unknown>;
}

const PLAIN_TYPES = new Set(['local', 'noop']);
const S3_OPTIONS: Readonly<Record<string, string>> = {
  region: 'Region',
  endpoint: 'Endpoint',
  compress: 'Compress',
  bucket: 'Bucket',
  key: 'Key',
};

export function parsePublisherFlag(value: string): PublisherFlag {
  // Fields are comma-separated; a double-quoted stretch may hold commas.
  const fields = (value.trim().match(/(?:[^,"]|"[^"]*")+/g) ?? []).map((f) => f.replaceAll('"', '').trim());
  const [destination = '', ...rest] = fields;
  const options = new Map<string, string>();
  for (const field of rest) {
    const [key, option] = cut(field, '=');
    if (!/^(opt|option)$/i.test(key) || option === undefined)
      fail(`${JSON.stringify(field)} is not opt=KEY=VALUE`);
    const [name, setting] = cut(option, '=');
    if (name === '' || setting === undefined) fail(`option ${JSON.stringify(option)} is not KEY=VALUE`);
    options.set(name.toLowerCase(), setting);
  }
  const type = destination.toLowerCase();
  if (PLAIN_TYPES.has(type)) {
    if (options.size > 0) fail(`the ${type} publisher takes no options`);
    return { Type: type, Params: {} };
  }
  if (!/^s3:\/\//i.test(destination)) {
    fail(`unknown publisher ${JSON.stringify(destination)}: use local, noop or s3://BUCKET/KEY`);
  }
  return { Type: 's3', Params: s3Params(destination, options) };
}

function s3Params(destination: string, options: ReadonlyMap<string, string>): Record<string, unknown> {
  const rest = destination.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const params: Record<string, unknown> = {
    Bucket: slash < 0 ? rest : rest.slice(0, slash),
    Key: slash < 0 ? '' : rest.slice(slash + 1),
  };
  for (const [name, setting] of options) {
    const field = S3_OPTIONS[name];
    if (field === undefined) {
      fail(`unknown s3 option ${JSON.stringify(name)}: use ${Object.keys(S3_OPTIONS).join(', ')}`);
    }
    if (field === 'Compress' && !/^(true|false)$/i.test(setting))
      fail(`option compress=${setting}: expected true or false`);
    params[field] = field === 'Compress' ? setting.toLowerCase() === 'true' : setting;
  }
  const parsed = S3PublisherParamsSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'} (in s3://BUCKET/KEY,opt=…)`);
  }
  return params;
}

function cut(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function fail(message: string): never {
  throw new InvalidArgumentError(message);
}
