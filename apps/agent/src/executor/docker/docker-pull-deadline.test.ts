import { createServer, type Server, type Socket } from 'node:net';
import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerHarness, dockerHarness, dockerSpec } from './testing.js';

/**
 * A run's preparation (the image pull) has its own limit, apart from the execution timeout, which
 * starts only with the container. A "registry" that accepts connections and never answers makes
 * a pull that hangs; the daemon reaches it on the host's loopback, an insecure registry by default.
 */

describeWithServices(['docker'], 'docker executor: the preparation deadline', () => {
  let h: DockerHarness;
  let registry: Server;
  const sockets = new Set<Socket>();
  let port = 0;

  beforeAll(async () => {
    h = await dockerHarness({ prepareTimeoutMs: 2_000 });
    registry = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    port = (registry.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => registry.close(resolve));
    await h.cleanup();
  });

  it('fails a pull that outlasts the preparation limit, not final, and not as a timeout', async () => {
    const image = `127.0.0.1:${port}/shoal-test/hangs:1`;
    // An execution timeout shorter than the pull: it must not fire while nothing runs yet.
    const spec = dockerSpec({ Image: image, Parameters: ['true'] }, { Timeouts: { ExecutionTimeout: 1 } });
    const started = Date.now();
    const result = await h.executor.run(spec);
    expect(result).toEqual({
      kind: 'failed',
      error: `preparing the run took longer than 2s (pulling image ${image})`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(spec.progress[0]).toBe(`pulling image ${image}`);
    expect(await h.containers(spec.executionId)).toEqual([]);
  });
});
