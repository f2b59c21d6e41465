import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { DockerExecutor } from './executor.js';
import { dockerSpec } from './testing.js';

/**
 * A Docker daemon that is down (nothing listens) or hung (accepts, never answers). Every call
 * is bounded, the engine says it is unhealthy, and a run fails with the reason instead of hanging.
 * No real daemon is needed: the sockets are fakes, which is the point.
 */

describe('docker executor: a daemon that is down or hung', () => {
  let dir: TempDir;
  let hung: Server;
  const sockets: Socket[] = [];
  const executors: DockerExecutor[] = [];
  beforeEach(async () => {
    dir = await makeTempDir('shoal-docker-dead-');
    hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((listening) => hung.listen(join(dir.path, 'hung.sock'), listening));
  });
  afterEach(async () => {
    for (const e of executors) await e.close();
    for (const s of sockets) s.destroy();
    await new Promise((closed) => hung.close(closed));
    await dir.cleanup();
  });

  function executor(socketPath: string): DockerExecutor {
    const e = new DockerExecutor({
      docker: new Docker({ socketPath }),
      nodeId: 'n-dead',
      stateDir: dir.path,
      logger: silentLogger,
      callTimeoutMs: 300,
      healthIntervalMs: 60_000,
    });
    executors.push(e);
    return e;
  }

  it('is unhealthy before its first probe answers, so nothing is bid on meanwhile', () => {
    expect(executor(join(dir.path, 'hung.sock')).capabilities()).toMatchObject({
      engine: 'docker',
      healthy: false,
      reason: 'docker daemon not checked yet',
    });
  });

  it('says unhealthy when nothing listens on the socket, and fails runs at once', async () => {
    const e = executor(join(dir.path, 'nothing-here.sock'));
    expect(await e.checkHealth()).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/^docker daemon not responding \(docker ping: .*ENOENT/),
    });
    const started = Date.now();
    const result = await e.run(dockerSpec({ Parameters: ['true'] }));
    expect(result).toMatchObject({ kind: 'failed', error: expect.stringMatching(/cannot inspect image/) });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('says unhealthy when the daemon hangs: calls time out instead of hanging', async () => {
    const e = executor(join(dir.path, 'hung.sock'));
    const started = Date.now();
    expect(await e.checkHealth()).toMatchObject({
      healthy: false,
      reason: 'docker daemon not responding (docker ping: no answer within 300 ms)',
    });
    const result = await e.run(dockerSpec({ Parameters: ['true'] }));
    expect(result).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/image inspect: no answer within 300 ms/),
    });
    await expect(e.adopt(dockerSpec({}))).rejects.toThrow(/docker list: no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
