import { describe, expect, it } from 'vitest';
import { runShoal } from '../testing/test-cluster.js';
import { agentInput, type ServeOptions } from './serve-config.js';

/** `shoal serve --compute`: the input-source flags and their errors. */

const NATS = ['--nats-url', 'nats://127.0.0.1:4222'];

describe('shoal serve --compute input-source flags', () => {
  it.each([
    [['--allow-local-path', 'data'], /--allow-local-path: "data": must be an absolute path/],
    [
      ['--allow-local-path', '/data:ro', '--allow-local-path', '/etc'],
      /--allow-local-path: "\/etc": \/etc can never be mounted/,
    ],
    [['--allow-local-path', '/data:wx'], /--allow-local-path: "\/data:wx": use PATH, PATH:ro or PATH:rw/],
    [['--download-max-size', 'big'], /--download-max-size: invalid size "big"/],
    [['--download-timeout', 'soon'], /--download-timeout: invalid duration "soon"/],
    [['--download-timeout', '10ms'], /--download-timeout: must be from 1000 ms/],
  ])('refuses %j with exit code 2, naming the flag', async (args, message) => {
    const { code, stderr } = await runShoal(undefined, ['serve', '--compute', ...NATS, ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('passes repeated --allow-local-path and the download bounds to the agent', () => {
    const opts = {
      apiHost: '127.0.0.1',
      apiPort: 1234,
      logLevel: 'info',
      engines: 'docker',
      allowLocalPath: ['/data:ro', '/scratch:rw'],
      downloadMaxSize: '2GiB',
      downloadTimeout: '5m',
    } satisfies ServeOptions;
    expect(agentInput(opts, 'nats://x:4222')).toMatchObject({
      allowLocalPaths: ['/data:ro', '/scratch:rw'],
      downloadMaxSize: '2GiB',
      downloadTimeout: '5m',
    });
  });
});
