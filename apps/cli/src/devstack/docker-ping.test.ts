import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describeWithServices, dockerHost, makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerTarget, pingDocker } from './docker-ping.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An HTTP server on a unix socket in a temp dir that answers every request with `handler`. */
async function fakeDaemon(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const dir: TempDir = await makeTempDir('shoal-docker-ping-');
  const socket = join(dir.path, 'docker.sock');
  const server: Server = createServer(handler);
  await new Promise<void>((done) => server.listen(socket, done));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await dir.cleanup();
  });
  return `unix://${socket}`;
}

describe('pingDocker', () => {
  it('accepts a daemon that answers 200', async () => {
    const host = await fakeDaemon((req, res) => res.end(req.url === '/_ping' ? 'OK' : 'what?'));
    expect(await pingDocker(host)).toBeUndefined();
  });

  it('reports a daemon that answers an error', async () => {
    const host = await fakeDaemon((_req, res) => {
      res.statusCode = 500;
      res.end('broken');
    });
    expect(await pingDocker(host)).toBe('ping answered 500: broken');
  });

  it('gives up on a hung daemon after the deadline', async () => {
    const host = await fakeDaemon(() => {
      // Never answers.
    });
    const started = Date.now();
    expect(await pingDocker(host, 200)).toBe('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a missing socket and an unsupported address without throwing', async () => {
    expect(await pingDocker('unix:///nonexistent/docker.sock')).toBe('ENOENT');
    expect(await pingDocker('npipe:////./pipe/docker_engine')).toMatch(/unsupported DOCKER_HOST/);
    expect(dockerTarget('tcp://127.0.0.1:2375')).toEqual({ host: '127.0.0.1', port: 2375 });
    expect(dockerTarget('tcp://[::1]:2375')).toEqual({ host: '::1', port: 2375 });
  });
});

describeWithServices(['docker'], 'pingDocker against the real daemon', () => {
  it('reaches it', async () => {
    expect(await pingDocker(dockerHost())).toBeUndefined();
  });
});
