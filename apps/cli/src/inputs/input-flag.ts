import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_JOB_BYTES, encodeDataUri, httpUrlProblem } from '@shoal/models';
import { InvalidArgumentError } from 'commander';

/**
 * `-i/--input`, as Bacalhau's CLI takes it: a source URI, optionally with where it goes and options,
 * as comma-separated fields:
 *
 *   -i https://host/file.csv                      urlDownload, at /inputs/file.csv
 *   -i file:///data:/data                         localDirectory /data at /data (URI:PATH)
 *   -i src=file:///data,dst=/data,opt=rw=true     the same, read-write
 *   -i s3://bucket/key,opt=region=eu-west-1       s3, Bucket and Key from the URI
 *   -i "data:,hello",dst=/inputs/hello.txt        inline, the data: URI as given
 *   -i inline:./script.sh,dst=/inputs/script.sh   inline, a local file's bytes
 *
 * The target defaults to /inputs. Every problem is an InvalidArgumentError, so commander reports it
 * naming the flag and the CLI exits 2. Params are checked again by the server's rules.
 */

export interface InputSourceFlag {
  Source: { Type: string; Params: Record<string, unknown> };
  Target: string;
}

export const DEFAULT_INPUT_TARGET = '/inputs';
const SOURCE_KEYS = new Set(['src', 'source']);
const TARGET_KEYS = new Set(['dst', 'destination', 'target']);
const OPTION_KEYS = new Set(['opt', 'option']);
const isKnownKey = (key: string) => SOURCE_KEYS.has(key) || TARGET_KEYS.has(key) || OPTION_KEYS.has(key);

type ReadFile = (path: string) => Uint8Array;

/** A commander parser for a repeatable flag: each value adds one input. */
export function parseInputFlag(value: string, previous: InputSourceFlag[] = []): InputSourceFlag[] {
  return [...previous, parseInput(value)];
}

export function parseInput(value: string, readFile: ReadFile = readFileSync): InputSourceFlag {
  const fields = splitFields(value.trim());
  let source: string | undefined;
  let target: string | undefined;
  const options = new Map<string, string>();
  for (const [i, field] of fields.entries()) {
    const eq = field.indexOf('=');
    const key = eq > 0 ? field.slice(0, eq).toLowerCase() : '';
    if (i === 0 && !isKnownKey(key)) {
      source = field;
      continue;
    }
    if (!isKnownKey(key)) fail(`${JSON.stringify(field)} is not src=URI, dst=PATH or opt=KEY=VALUE`);
    const rest = field.slice(eq + 1);
    if (SOURCE_KEYS.has(key)) source = rest;
    else if (TARGET_KEYS.has(key)) target = rest;
    else {
      const [k = '', v] = cut(rest, '=');
      if (k === '' || v === undefined) fail(`option ${JSON.stringify(rest)} is not KEY=VALUE`);
      options.set(k, v);
    }
  }
  if (!source) fail('no source: give a URI such as https://host/file.csv or src=URI');
  // The short form URI:PATH, as in `file:///data:/inputs`.
  if (target === undefined) {
    const split = splitShortForm(source);
    source = split.source;
    target = split.target;
  }
  target ??= DEFAULT_INPUT_TARGET;
  if (!target.startsWith('/')) fail(`the target ${JSON.stringify(target)} must be an absolute path`);
  return { Source: sourceSpec(source, options, readFile), Target: target };
}

function sourceSpec(
  uri: string,
  options: Map<string, string>,
  readFile: ReadFile,
): InputSourceFlag['Source'] {
  const unknown = (allowed: string) => {
    for (const key of options.keys())
      fail(`unknown option ${JSON.stringify(key)} for ${uri.split(':')[0]} inputs${allowed}`);
  };
  if (/^data:/i.test(uri)) {
    unknown('');
    return { Type: 'inline', Params: { URL: uri } };
  }
  if (/^inline:/i.test(uri)) {
    unknown('');
    return { Type: 'inline', Params: { URL: inlineFile(uri.slice('inline:'.length), readFile) } };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'http':
    case 'https': {
      const problem = httpUrlProblem(uri);
      if (problem) fail(problem);
      unknown('');
      return { Type: 'urlDownload', Params: { URL: uri } };
    }
    case 'file':
      return { Type: 'localDirectory', Params: localParams(uri, options) };
    case 's3':
      return { Type: 's3', Params: s3Params(uri, options) };
    default:
      return fail(
        `unsupported source ${JSON.stringify(uri)}: use http(s)://, file://, s3://, data: or inline:PATH`,
      );
  }
}

function localParams(uri: string, options: Map<string, string>): Record<string, unknown> {
  const url = new URL(uri);
  const path = decodeURIComponent(`${url.host ? `/${url.host}` : ''}${url.pathname}`);
  let readWrite = false;
  for (const [key, value] of options) {
    const k = key.toLowerCase().replace(/[-_]/g, '');
    if (k === 'ro' || k === 'readonly') readWrite = !bool(key, value);
    else if (k === 'rw' || k === 'readwrite') readWrite = bool(key, value);
    else fail(`unknown option ${JSON.stringify(key)} for file inputs (rw=true or ro=true)`);
  }
  return { SourcePath: path, ReadWrite: readWrite };
}

const S3_OPTIONS: Record<string, string> = {
  endpoint: 'Endpoint',
  region: 'Region',
  versionid: 'VersionID',
  checksum256: 'ChecksumSHA256',
  checksumsha256: 'ChecksumSHA256',
};

function s3Params(uri: string, options: Map<string, string>): Record<string, unknown> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!match?.[1]) fail(`${JSON.stringify(uri)} must look like s3://bucket/key`);
  const params: Record<string, unknown> = { Bucket: match[1], Key: match[2] ?? '' };
  for (const [key, value] of options) {
    const field = S3_OPTIONS[key.toLowerCase().replace(/[-_]/g, '')];
    if (!field)
      fail(`unknown option ${JSON.stringify(key)} for s3 inputs (endpoint, region, versionID, checksum-256)`);
    params[field] = value;
  }
  return params;
}

/** A local file's bytes as a data: URI; the whole job must fit the spec limit, so check early. */
function inlineFile(path: string, readFile: ReadFile): string {
  if (path === '') fail('inline: needs a local file, e.g. inline:./script.sh');
  let bytes: Uint8Array;
  try {
    bytes = readFile(path);
  } catch (error) {
    return fail(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const uri = encodeDataUri(bytes);
  if (uri.length > DEFAULT_MAX_JOB_BYTES)
    fail(`${path} is too large to inline (${bytes.length} bytes); serve it and use an http(s) URL`);
  return uri;
}

/**
 * Commas separate fields, except inside double quotes and inside a data: URI, whose own comma (and
 * base64 padding) would otherwise be read as fields: what follows it belongs to it until a known key.
 */
function splitFields(value: string): string[] {
  const raw: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      raw.push(current);
      current = '';
    } else current += c;
  }
  raw.push(current);
  const fields: string[] = [];
  for (const field of raw) {
    const previous = fields[fields.length - 1];
    const key = field.includes('=') ? field.slice(0, field.indexOf('=')).toLowerCase() : '';
    const inData = previous !== undefined && /^(?:(?:src|source)=)?data:/i.test(previous);
    if (inData && !isKnownKey(key)) fields[fields.length - 1] = `${previous},${field}`;
    else fields.push(field);
  }
  return fields.filter((f) => f !== '');
}

/** `scheme://…:/path` → source and target; a colon that starts a port or ends the scheme is not one. */
function splitShortForm(source: string): { source: string; target?: string } {
  if (/^(data|inline):/i.test(source)) return { source };
  const at = source.lastIndexOf(':');
  const before = source.slice(0, at);
  const after = source.slice(at + 1);
  if (after.startsWith('/') && /^[A-Za-z][A-Za-z0-9+.-]*:\/\/./.test(before))
    return { source: before, target: after };
  return { source };
}

function cut(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function bool(key: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return fail(`option ${key}=${value}: expected true or false`);
}

function fail(message: string): never {
  throw new InvalidArgumentError(message);
}
