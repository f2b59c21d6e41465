import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manualClock } from '@shoal/models';
import { signResultUrl } from '@shoal/protocol';
import { makeTempDir } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { archivePath } from './local.js';
import { ResultsKey } from './results-key.js';
import { startResultsServer } from './results-server.js';

/** The results server opens an archive only for a URL the orchestrator signed for it, in time. */

const NS_PER_S = 1_000_000_000n;
const NOW_S = 1_700_000_000;
const KEY = Buffer.alloc(32, 5);

describe('results server', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup() {
    const tmp = await makeTempDir('shoal-results-server-');
    cleanups.push(tmp.cleanup);
    const stateDir = join(tmp.path, 'agent');
    await mkdir(join(stateDir, 'results'), { recursive: true });
    for (const id of ['e-1', 'e-2']) await writeFile(archivePath(stateDir, id), `archive of ${id}`);
    const clock = manualClock(BigInt(NOW_S) * NS_PER_S);
    const key = new ResultsKey();
    const server = await startResultsServer({ stateDir, host: '127.0.0.1', port: 0, key, clock });
    cleanups.push(server.close);
    const url = (id: string) => `${server.url}/results/${id}.tar.gz`;
    const signed = (id: string, options: { key?: Buffer; expires?: number } = {}) =>
      signResultUrl(url(id), {
        key: options.key ?? KEY,
        executionId: id,
        expires: options.expires ?? NOW_S + 60,
      });
    const accept = (k: Buffer | undefined) => key.accept(k ? { ResultsKey: k.toString('base64') } : {});
    return { clock, url, signed, accept };
  }

  async function answer(target: string, method = 'GET'): Promise<[number, string]> {
    const response = await fetch(target, { method });
    const body = await response.text();
    if (response.status === 200) return [200, body];
    return [response.status, (JSON.parse(body) as { Message: string }).Message];
  }

  it('serves nothing before the orchestrator gave it a key, not even a well-signed URL', async () => {
    const { signed, accept } = await setup();
    expect(await answer(signed('e-1'))).toEqual([503, expect.stringMatching(/no signing key yet/)]);
    accept(KEY);
    expect(await answer(signed('e-1'))).toEqual([200, 'archive of e-1']);
  });

  it('serves a valid signed URL, GET and HEAD', async () => {
    const { signed, accept } = await setup();
    accept(KEY);
    const response = await fetch(signed('e-2'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    expect(await response.text()).toBe('archive of e-2');
    const head = await fetch(signed('e-2'), { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String('archive of e-2'.length)]);
  });

  it('refuses unsigned, expired, tampered and other-execution URLs with 403 and the reason', async () => {
    const { clock, url, signed, accept } = await setup();
    accept(KEY);
    expect(await answer(url('e-1'))).toEqual([403, expect.stringMatching(/^unsigned result URL/)]);
    const forOne = new URL(signed('e-1'));
    expect(await answer(`${url('e-2')}${forOne.search}`)).toEqual([403, 'invalid result URL signature']);
    expect(await answer(signed('e-1', { key: Buffer.alloc(32, 6) }))).toEqual([
      403,
      'invalid result URL signature',
    ]);
    const tampered = new URL(signed('e-1'));
    tampered.searchParams.set('expires', String(NOW_S + 3600));
    expect(await answer(tampered.toString())).toEqual([403, 'invalid result URL signature']);

    const soon = signed('e-1', { expires: NOW_S + 10 });
    expect((await answer(soon))[0]).toBe(200);
    clock.advance(10n * NS_PER_S);
    expect(await answer(soon)).toEqual([403, expect.stringMatching(/^expired result URL/)]);
    expect((await fetch(signed('e-1', { expires: NOW_S - 1 }), { method: 'HEAD' })).status).toBe(403);
  });

  it('answers a missing archive only to a signed request; other paths and methods as before', async () => {
    const { url, signed, accept } = await setup();
    accept(KEY);
    expect(await answer(url('e-9'))).toEqual([403, expect.stringMatching(/^unsigned/)]);
    expect((await answer(signed('e-9')))[0]).toBe(404);
    for (const path of ['/results/../../etc/passwd', '/results/e-1.tar.gz/x', '/']) {
      expect((await answer(`${new URL(url('e-1')).origin}${path}`))[0], path).toBe(404);
    }
    expect((await answer(signed('e-1'), 'DELETE'))[0]).toBe(405);
  });

  it('follows the key of the latest handshake: a new key voids the old URLs, none closes downloads', async () => {
    const { signed, accept } = await setup();
    accept(KEY);
    const old = signed('e-1');
    const next = Buffer.alloc(32, 8);
    accept(next);
    expect((await answer(old))[0]).toBe(403);
    expect((await answer(signed('e-1', { key: next })))[0]).toBe(200);
    accept(undefined);
    expect((await answer(signed('e-1', { key: next })))[0]).toBe(503);
  });
});
