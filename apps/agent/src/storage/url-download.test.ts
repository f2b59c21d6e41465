import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type HttpFiles,
  makeTempDir,
  redirectTo,
  serveBytes,
  startHttpFiles,
  streamBytes,
  type TempDir,
} from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileName, UrlDownloadProvider } from './url-download.js';

const MiB = 1024 * 1024;
const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));

let http: HttpFiles;
let tmp: TempDir;
let n = 0;
const dest = () => join(tmp.path, `d${n++}`);
const source = (URL: string) => ({ Type: 'urlDownload', Params: { URL } });
const provider = (o: { maxBytes?: number; timeoutMs?: number } = {}) =>
  new UrlDownloadProvider({ maxBytes: o.maxBytes ?? 10 * MiB, timeoutMs: o.timeoutMs ?? 30_000 });
const stage = (
  url: string,
  o?: { maxBytes?: number; timeoutMs?: number },
  signal = new AbortController().signal,
) => provider(o).stage(source(url), dest(), signal);

beforeAll(async () => {
  tmp = await makeTempDir('shoal-url-');
  const chain: Record<string, ReturnType<typeof redirectTo>> = {};
  for (let i = 0; i < 7; i++) chain[`/hop/${i}`] = redirectTo(`/hop/${i + 1}`);
  chain['/hop/7'] = serveBytes(payload);
  http = await startHttpFiles({
    '/files/data.bin': serveBytes(payload),
    '/files/': serveBytes(payload),
    '/': serveBytes(payload),
    '/moved': redirectTo('/files/data.bin', 301),
    '/to-ftp': redirectTo('ftp://example.com/x'),
    '/big': serveBytes(Buffer.alloc(2 * MiB)),
    '/big-chunked': streamBytes(3 * MiB, 64 * 1024),
    '/huge': streamBytes(300 * MiB),
    '/slow': (_req, res) => {
      res.writeHead(200);
      res.write('a');
    },
    ...chain,
  });
});

afterAll(async () => {
  await http?.close();
  await tmp?.cleanup();
});

describe('UrlDownloadProvider', () => {
  it('streams the body into a directory, named after the last path segment, read-only', async () => {
    const staged = await stage(http.url('/files/data.bin'));
    expect(staged.readOnly).toBe(true);
    expect(await readdir(staged.hostPath)).toEqual(['data.bin']);
    expect((await readFile(join(staged.hostPath, 'data.bin'))).equals(payload)).toBe(true);
  });

  it('names the file after the final URL when redirected, and a random name when the path has none', async () => {
    const moved = await stage(http.url('/moved'));
    expect(await readdir(moved.hostPath)).toEqual(['data.bin']);
    // As Go's path.Base: a trailing slash is dropped, and only the root has no name at all.
    expect(await readdir((await stage(http.url('/files/'))).hostPath)).toEqual(['files']);
    const bare = await stage(http.url('/'));
    const [name] = await readdir(bare.hostPath);
    expect(name).toMatch(/^[0-9a-f-]{36}$/);
    expect(fileName(new URL('http://x/a%20b.csv?x=1'))).toBe('a b.csv');
    expect(fileName(new URL('http://x/a%2F..'))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('follows at most 5 redirects, and says so past that', async () => {
    await expect(stage(http.url('/hop/2'))).resolves.toMatchObject({ readOnly: true });
    const reached = http.hits('/hop/5');
    const beyond = http.hits('/hop/6');
    await expect(stage(http.url('/hop/0'))).rejects.toThrow('too many redirects (more than 5)');
    expect(http.hits('/hop/5')).toBe(reached + 1);
    expect(http.hits('/hop/6')).toBe(beyond);
  });

  it('refuses a redirect to anything but http or https', async () => {
    await expect(stage(http.url('/to-ftp'))).rejects.toThrow(
      'redirected to ftp://example.com/x: only http and https URLs can be downloaded, not ftp',
    );
  });

  it('reports the status of a failed GET', async () => {
    await expect(stage(http.url('/nothing'))).rejects.toThrow(/^404 Not Found$/);
  });

  it('refuses a body over the cap, announced or not', async () => {
    await expect(stage(http.url('/big'), { maxBytes: MiB })).rejects.toThrow(
      'the download is larger than this node allows (1 MiB) (Content-Length 2097152)',
    );
    await expect(stage(http.url('/big-chunked'), { maxBytes: MiB })).rejects.toThrow(
      'the download is larger than this node allows (1 MiB)',
    );
  });

  it('gives up after its timeout', async () => {
    const started = Date.now();
    await expect(stage(http.url('/slow'), { timeoutMs: 1000 })).rejects.toThrow(
      'download timed out after 1s',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops promptly when its signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const pending = stage(http.url('/slow'), {}, controller.signal);
    setTimeout(() => controller.abort(new Error('stopped by the user')), 200);
    const started = Date.now();
    await expect(pending).rejects.toThrow('stopped by the user');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses Params that are not an http(s) URL, naming the field', async () => {
    await expect(stage('file:///etc/passwd')).rejects.toThrow(
      'invalid source: Params.URL: only http and https URLs can be downloaded, not file',
    );
  });

  it('streams 300 MiB to disk without holding it in memory', async () => {
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    try {
      const staged = await stage(http.url('/huge'), { maxBytes: 400 * MiB, timeoutMs: 120_000 });
      const file = join(staged.hostPath, 'huge');
      expect((await stat(file)).size).toBe(300 * MiB);
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      const expected = createHash('sha256');
      const block = Buffer.alloc(MiB, 0x61);
      for (let i = 0; i < 300; i++) expected.update(block);
      expect(hash.digest('hex')).toBe(expected.digest('hex'));
    } finally {
      clearInterval(sampler);
    }
    const growth = (peakRss - before.rss) / MiB;
    // The server and the download share this process: both stream, so growth stays far below 300.
    console.log(`300 MiB download: peak RSS growth ${growth.toFixed(1)} MiB`);
    expect(growth).toBeLessThan(100);
  }, 180_000);
});
