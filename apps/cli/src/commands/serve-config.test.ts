import { describe, expect, it } from 'vitest';
import { bufferIO } from '../io.js';
import { runCli } from '../program.js';
import { describeIssue, orchestratorInput, type ServeOptions } from './serve-config.js';

/** `--max-job-size`: the flag, the config field it sets, and its mistakes named by the flag. */

const info = { version: '1.2.3', node: 'v20.0.0', platform: 'linux/x64' };
const opts: ServeOptions = {
  orchestrator: true,
  apiHost: '127.0.0.1',
  apiPort: 0,
  logLevel: 'info',
  engines: 'noop',
};

describe('shoal serve --max-job-size', () => {
  it('sets maxJobBytes, and leaves the default to the orchestrator when absent', () => {
    expect(orchestratorInput({ ...opts, maxJobSize: '512KiB' }).maxJobBytes).toBe('512KiB');
    expect(orchestratorInput(opts)).not.toHaveProperty('maxJobBytes');
  });

  it('names the flag, not the field, in a problem', () => {
    expect(describeIssue({ path: ['maxJobBytes'], message: 'too big' })).toBe('--max-job-size: too big');
    expect(describeIssue({ path: ['maxAttempts'], message: 'x' })).toBe('--max-attempts: x');
  });

  it.each([
    ['2MiB', 'must be a size from 1024 to 983040 bytes, e.g. 512KiB'],
    ['lots', 'invalid size "lots": expected a number'],
  ])('refuses %s with exit code 2 before starting anything', async (size, message) => {
    const io = bufferIO();
    expect(await runCli(['serve', '--orchestrator', '--max-job-size', size], io, info)).toBe(2);
    expect(io.stderr).toContain(`error: --max-job-size: ${message}`);
  });

  it('is listed by --help', async () => {
    const io = bufferIO();
    expect(await runCli(['serve', '--help'], io, info)).toBe(0);
    expect(io.stdout).toMatch(/--max-job-size <size>/);
  });
});
