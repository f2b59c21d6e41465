import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import {
  formatBytes,
  httpUrlProblem,
  type SpecConfig,
  StorageSourceType,
  UrlDownloadParamsSchema,
} from '@shoal/models';
import { parseParams } from './params.js';
import type { StagedSource, StorageProvider } from './storage.js';

/**
 * `urlDownload`: one GET, streamed to disk, never held in memory. The file keeps the last segment
 * of the final URL's path as its name (a random one when there is none) inside a directory mounted
 * at the input's Target, so the task finds it at `<Target>/<name>`, where Bacalhau puts it.
 *
 * Redirects are followed here, not by fetch, so that each hop is checked: http or https only, at
 * most `maxRedirects` of them, and the size cap applies to whichever response carries the body.
 * The whole download, redirects included, is bounded by `timeoutMs`.
 */

export interface UrlDownloadOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Bound of the whole download. */
  timeoutMs: number;
  maxRedirects?: number;
}

export const MAX_REDIRECTS = 5;

export class UrlDownloadProvider implements StorageProvider {
  readonly type = StorageSourceType.URLDownload;
  readonly stagesIntoDirectory = true;

  constructor(private readonly o: UrlDownloadOptions) {}

  async stage(source: SpecConfig, dest: string, signal: AbortSignal): Promise<StagedSource> {
    const { URL: first } = parseParams(UrlDownloadParamsSchema, source.Params);
    const deadline = AbortSignal.timeout(this.o.timeoutMs);
    const both = AbortSignal.any([signal, deadline]);
    try {
      const { response, url } = await this.follow(new URL(first), both);
      await mkdir(dest, { recursive: true });
      const file = join(dest, fileName(url));
      const body = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
      await pipeline(body, capped(this.o.maxBytes), createWriteStream(file, { mode: 0o644 }), {
        signal: both,
      });
      return { hostPath: dest, readOnly: true };
    } catch (error) {
      // The caller's own abort (a stop) propagates with its reason; the deadline gets a sentence.
      if (signal.aborted) throw signal.reason ?? error;
      if (deadline.aborted)
        throw new Error(`download timed out after ${Math.round(this.o.timeoutMs / 1000)}s`);
      throw error;
    }
  }

  /** GETs, following at most maxRedirects redirects, to a 2xx response with a body and its URL. */
  private async follow(start: URL, signal: AbortSignal): Promise<{ response: Response; url: URL }> {
    const max = this.o.maxRedirects ?? MAX_REDIRECTS;
    let url = start;
    for (let hop = 0; ; hop++) {
      const response = await get(url, signal);
      const where = hop === 0 ? '' : `GET ${url.href}: `;
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (hop >= max) throw new Error(`too many redirects (more than ${max})`);
        const next = new URL(response.headers.get('location') ?? '', url);
        const problem = httpUrlProblem(next.href);
        if (problem) throw new Error(`redirected to ${next.href}: ${problem}`);
        url = next;
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel();
        throw new Error(`${where}${response.status} ${response.statusText}`.trim());
      }
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (length > this.o.maxBytes) {
        await response.body?.cancel();
        throw new Error(`${where}${tooLarge(this.o.maxBytes)} (Content-Length ${length})`);
      }
      if (!response.body) throw new Error(`${where}the response has no body`);
      return { response, url };
    }
  }
}

async function get(url: URL, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'manual', signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`GET ${url.href}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}

const tooLarge = (max: number) => `the download is larger than this node allows (${formatBytes(max)})`;

/** Passes bytes through until more than `max` have come, then fails the pipeline. */
function capped(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new Error(tooLarge(max)));
      else done(null, chunk);
    },
  });
}

/** The last path segment, decoded, when it is a usable file name; a random one otherwise. */
export function fileName(url: URL): string {
  let name: string;
  try {
    name = decodeURIComponent(basename(url.pathname));
  } catch {
    name = '';
  }
  const usable = name !== '' && name !== '.' && name !== '..' && !/[/\0]/.test(name) && name.length <= 255;
  return usable ? name : randomUUID();
}
