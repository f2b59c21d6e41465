import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ErrorCode } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { c as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadAndUnpack, isSafeEntryPath, resultUrl } from './job-results.js';

/** Downloading and unpacking a local result from a real HTTP server, including hostile archives. */

describe('job results download', () => {
  let dir: TempDir;
  let server: Server;
  let base: string;
  const archives = new Map<string, Buffer>();
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('shoal-cli-results-');
    const src = join(dir.path, 'src');
    await mkdir(join(src, 'outputs', 'deep'), { recursive: true });
    await writeFile(join(src, 'stdout'), 'hello\n');
    await writeFile(join(src, 'exitCode'), '0');
    await writeFile(join(src, 'outputs', 'deep', 'data.csv'), 'a,b\n1,2\n');
    await writeFile(join(dir.path, 'outside.txt'), 'should never be written twice');
    await symlink('/etc/passwd', join(src, 'passwd-link'));
    const pack = async (name: string, entries: string[], preservePaths = false) => {
      const file = join(dir.path, name);
      await createTar({ gzip: true, cwd: src, file, preservePaths }, entries);
      archives.set(`/results/${name}`, await readFile(file));
    };
    await pack('good.tar.gz', ['stdout', 'exitCode', 'outputs']);
    await pack(
      'hostile.tar.gz',
      ['stdout', 'passwd-link', '../outside.txt', join(dir.path, 'outside.txt')],
      true,
    );
    archives.set('/results/garbage.tar.gz', Buffer.from('this is not a tarball'));

    server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url?.startsWith('/results/refused.tar.gz?')) {
        const refusal = { Status: 403, Message: 'expired result URL: ask the orchestrator for a new one' };
        return void res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify(refusal));
      }
      const body = archives.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end('no');
      res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(body);
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    await dir?.cleanup();
  });

  it('unpacks a result into the directory, files and subdirectories intact', async () => {
    const target = join(dir.path, 'out', 'job-j-1234abcd');
    const report = await downloadAndUnpack(`${base}/results/good.tar.gz`, target);
    expect(report).toEqual({ directory: target, files: 3, skipped: [] });
    expect(await readFile(join(target, 'stdout'), 'utf8')).toBe('hello\n');
    expect(await readFile(join(target, 'outputs', 'deep', 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('skips links, .. and absolute paths: nothing lands outside the directory', async () => {
    const target = join(dir.path, 'hostile', 'job-j-1234abcd');
    const report = await downloadAndUnpack(`${base}/results/hostile.tar.gz`, target);
    expect(report.files).toBe(1);
    expect(report.skipped.sort()).toEqual(
      ['../outside.txt', join(dir.path, 'outside.txt'), 'passwd-link'].sort(),
    );
    expect(await readdir(target)).toEqual(['stdout']);
    expect(await readdir(join(dir.path, 'hostile'))).toEqual(['job-j-1234abcd']);
    expect(await readFile(join(dir.path, 'outside.txt'), 'utf8')).toBe('should never be written twice');
  });

  it('sends the token only to the API’s own origin', async () => {
    seen.length = 0;
    await downloadAndUnpack(`${base}/results/good.tar.gz`, join(dir.path, 'tok1'), {
      token: 'secret',
      apiOrigin: base,
    });
    await downloadAndUnpack(`${base}/results/good.tar.gz`, join(dir.path, 'tok2'), {
      token: 'secret',
      apiOrigin: 'http://orchestrator.example:1234',
    });
    expect(seen.map((h) => h.authorization)).toEqual(['Bearer secret', undefined]);
  });

  it('fails clearly on a missing result, a broken archive and a non-local result', async () => {
    await expect(downloadAndUnpack(`${base}/results/missing.tar.gz`, join(dir.path, 'm'))).rejects.toThrow(
      /cannot download .*missing\.tar\.gz: HTTP 404/,
    );
    await expect(downloadAndUnpack(`${base}/results/garbage.tar.gz`, join(dir.path, 'g'))).rejects.toThrow(
      /cannot unpack .*garbage\.tar\.gz: /,
    );
    // A refused signed URL: the server's reason, and never the signature (it opens the download).
    const refused = downloadAndUnpack(
      `${base}/results/refused.tar.gz?expires=1&sig=abc123`,
      join(dir.path, 'r'),
    );
    await expect(refused).rejects.toThrow(
      `cannot download ${base}/results/refused.tar.gz: HTTP 403: expired result URL: ask the orchestrator for a new one`,
    );
    expect(() => resultUrl({ Type: 'ipfs', Params: { CID: 'Qm' } })).toThrow(
      /only local \(with a URL\) and s3 results/,
    );
    expect(resultUrl({ Type: 'local', Params: { URL: `${base}/r.tar.gz` } })).toBe(`${base}/r.tar.gz`);
    expect(() => resultUrl({ Type: 'local', Params: null })).toThrow(
      expect.objectContaining({ code: ErrorCode.BadRequest }),
    );
  });

  it('judges entry paths', () => {
    expect(isSafeEntryPath('a/b/c.txt')).toBe(true);
    expect(isSafeEntryPath('./a')).toBe(true);
    expect(isSafeEntryPath('a/../../b')).toBe(false);
    expect(isSafeEntryPath('..')).toBe(false);
    expect(isSafeEntryPath('/etc/passwd')).toBe(false);
    expect(isSafeEntryPath('C:\\x')).toBe(false);
    expect(isSafeEntryPath('a\\..\\..\\b')).toBe(false);
    expect(isSafeEntryPath('')).toBe(false);
  });
});
