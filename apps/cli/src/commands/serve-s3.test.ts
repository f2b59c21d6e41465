import { AgentConfigSchema } from '@shoal/agent';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../io.js';
import { runCli } from '../program.js';
import { agentInput, type ServeOptions } from './serve-config.js';

/** `shoal serve --compute`: the S3 flags and their errors. */

const info = { version: '0.1.0', node: process.version, platform: 'linux/x64' };
const NATS = ['--nats-url', 'nats://127.0.0.1:4222'];

describe('shoal serve --compute S3 flags', () => {
  it.each([
    [['--s3-endpoint', 'minio:9000'], /--s3-endpoint: "minio:9000": must be an http or https URL/],
    [['--s3-endpoint', 'http://key:secret@minio:9000'], /--s3-endpoint: .*must not carry credentials/],
    [['--s3-region', 'EU'], /--s3-region: must be an AWS region name/],
    [['--s3-upload-cutoff', '6GiB'], /--s3-upload-cutoff: must be a size from 0 to 5368709120 bytes/],
    [
      ['--publishers', 'local,s4'],
      /--publishers: unknown publisher s4: available publishers are noop,local,s3/,
    ],
  ])('refuses %j with exit code 2, naming the flag', async (args, message) => {
    const io = bufferIO();
    const code = await runCli(['serve', '--compute', ...NATS, ...args], io, info);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(message);
  });

  it('passes repeated --s3-endpoint, --s3-region, --s3-upload-cutoff and the s3 publisher to the agent', () => {
    const opts = {
      apiHost: '127.0.0.1',
      apiPort: 1234,
      logLevel: 'info',
      engines: 'docker',
      publishers: 'local,s3',
      s3Endpoint: ['http://minio:9000/', 'https://ceph.internal'],
      s3Region: 'eu-west-1',
      s3UploadCutoff: '256MiB',
    } satisfies ServeOptions;
    const config = AgentConfigSchema.parse(agentInput(opts, 'nats://x:4222'));
    expect(config).toMatchObject({
      publishers: ['noop', 'local', 's3'],
      s3Endpoints: ['http://minio:9000', 'https://ceph.internal'],
      s3Region: 'eu-west-1',
      s3UploadCutoff: 256 * 1024 * 1024,
    });
  });
});
