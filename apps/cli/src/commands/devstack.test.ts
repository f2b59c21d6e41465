import { describe, expect, it } from 'vitest';
import { bufferIO } from '../io.js';
import { runCli } from '../program.js';

/** Flag mistakes end before anything starts: exit 2, every problem named by its flag. */

const info = { version: '0.0.0-test', node: 'v0', platform: 'test' };

async function devstack(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(['devstack', ...args], io, info);
  return { code, ...io };
}

describe('shoal devstack flags', () => {
  it.each([
    [['--nodes', '0'], /--nodes.*must be an integer from 1 to 64/],
    [['--nodes', '65'], /--nodes.*from 1 to 64/],
    [['--nodes', 'three'], /--nodes/],
    [['--api-port', '70000'], /--api-port/],
    [['--nats-port', '-1'], /--nats-port/],
  ])('refuses %j', async (args, message) => {
    const { code, stderr } = await devstack(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('lists every problem of the values at once', async () => {
    const { code, stderr } = await devstack(
      ...['--db', 'mysql://x', '--log-level', 'loud', '--nats-url', 'not a url', '--engines', ' , '],
    );
    expect(code).toBe(2);
    expect(stderr).toContain('error: --db: must be postgres://… or pglite:<dir>');
    expect(stderr).toMatch(/error: --log-level: /);
    expect(stderr).toContain('error: --nats-url: must look like nats://host:4222');
    expect(stderr).toContain('error: --engines: name at least one engine');
    expect(stderr.match(/--log-level/g)).toHaveLength(1);
  });

  it('checks the per-node capacity and labels with the agent’s own rules', async () => {
    const { code, stderr } = await devstack(
      ...['--nodes', '2', '--node-cpu', 'lots', '--node-memory', '-1Gi'],
      ...['--node-labels', 'ok=yes', '--node-labels', 'bad key=x', '--node-labels', 'a=b'],
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/error: --node-cpu: /);
    expect(stderr).toMatch(/error: --node-memory: /);
    expect(stderr).toContain('error: --node-labels: given 3 times for 2 node(s)');
    expect(stderr).toMatch(/error: --node-labels \(node-2\): label "bad key=x"/);
    expect(stderr).not.toContain('(node-1)');
  });

  it('documents its flags', async () => {
    const { code, stdout } = await devstack('--help');
    expect(code).toBe(0);
    for (const flag of [
      '--nodes',
      '--api-port',
      '--nats-port',
      '--data-dir',
      '--db',
      '--nats-url',
      '--engines',
      '--hello',
      '--node-cpu',
      '--node-memory',
      '--node-labels',
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});
