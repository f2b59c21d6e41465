import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode, ShoalError, type SpecConfig } from '@shoal/models';
import { x as extract } from 'tar';

/**
 * Downloading published results. A `local` result is a tar.gz behind a URL; it is unpacked into
 * the target directory, and nothing in it may land outside: absolute paths, `..` components,
 * links and device files are skipped (and counted), and owners are never taken from the archive.
 */

/** Entry types that are plain data. Links could point outside the directory, so they are skipped. */
const SAFE_TYPES: ReadonlySet<string> = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

export function isSafeEntryPath(path: string): boolean {
  if (path === '' || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return false;
  return !path.split(/[\\/]+/).includes('..');
}

export interface UnpackReport {
  directory: string;
  files: number;
  skipped: string[];
}

export interface DownloadOptions {
  /** Sent only to the API's own origin, never to another host. */
  token?: string | undefined;
  apiOrigin?: string | undefined;
  fetch?: typeof globalThis.fetch;
}

/** The URL of a local result, or a usage error saying why this result cannot be downloaded. */
export function resultUrl(result: SpecConfig): string {
  const url = result.Params?.URL;
  if (result.Type !== 'local' || typeof url !== 'string' || url === '') {
    throw new ShoalError(
      ErrorCode.BadRequest,
      `cannot download a result of type ${JSON.stringify(result.Type)}: only local (with a URL) and s3 results can be fetched by shoal`,
      { component: 'CLI' },
    );
  }
  return url;
}

export async function downloadAndUnpack(
  url: string,
  directory: string,
  options: DownloadOptions = {},
): Promise<UnpackReport> {
  const target = new URL(url);
  // Without its query: a result URL's signature opens the download to anyone who reads it.
  const shown = `${target.origin}${target.pathname}`;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ShoalError(ErrorCode.BadRequest, `refusing to download ${shown}: not an http(s) URL`, {
      component: 'CLI',
    });
  }
  const sameOrigin = options.apiOrigin !== undefined && target.origin === options.apiOrigin;
  const headers: Record<string, string> =
    sameOrigin && options.token ? { Authorization: `Bearer ${options.token}` } : {};
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(target, { headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ShoalError(ErrorCode.Unavailable, `cannot download ${shown}: ${cause}`, { component: 'CLI' });
  }
  if (!response.ok || !response.body) {
    const why = await refusalMessage(response);
    throw new ShoalError(ErrorCode.Unavailable, `cannot download ${shown}: HTTP ${response.status}${why}`, {
      component: 'CLI',
    });
  }
  return unpackArchive(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), directory, shown);
}

/**
 * Unpacks a tar.gz stream (a result archive, whichever publisher made it) into `directory`,
 * skipping what could land outside it. `shown` names the archive in errors.
 */
export async function unpackArchive(body: Readable, directory: string, shown: string): Promise<UnpackReport> {
  await mkdir(directory, { recursive: true });
  const root = resolve(directory);
  const skipped: string[] = [];
  let files = 0;
  const unpack = extract({
    cwd: root,
    strict: true,
    preserveOwner: false,
    filter: (path, entry) => {
      const type = 'type' in entry ? String(entry.type) : 'File';
      if (!isInside(root, path) || !SAFE_TYPES.has(type)) {
        skipped.push(path);
        return false;
      }
      if (type !== 'Directory') files += 1;
      return true;
    },
  });
  try {
    await pipeline(body, unpack);
  } catch (error) {
    throw new ShoalError(
      ErrorCode.Internal,
      `cannot unpack ${shown}: ${error instanceof Error ? error.message : String(error)}`,
      { component: 'CLI' },
    );
  }
  return { directory: root, files, skipped };
}

/** A relative entry path that stays below `root` once resolved. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, resolve(root, path));
  return isSafeEntryPath(path) && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The results server's `{Message}` (why a URL was refused: unsigned, expired, …), as `: <message>`. */
async function refusalMessage(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(body) as { Message?: unknown }).Message;
    return typeof message === 'string' && message ? `: ${message.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}

/** Refuses to mix a new download into an earlier one. */
export async function ensureAbsent(directory: string): Promise<void> {
  const exists = await stat(directory).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new ShoalError(
      ErrorCode.BadRequest,
      `${directory} already exists: remove it or choose another --output-dir`,
      {
        component: 'CLI',
      },
    );
  }
}

/** A failed download leaves nothing half-written behind. */
export async function removeQuietly(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
}
