import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNatsServerBin, natsGreets, spawnNatsServer } from './index.js';

/** A port the kernel just handed out and took back: free for the server about to start. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('finding nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-nats-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes NATS_SERVER_BIN alone when it is set, and only if it can run', () => {
    const script = join(dir, 'nats-server');
    writeFileSync(script, '#!/bin/sh\n');
    expect(findNatsServerBin({ NATS_SERVER_BIN: script }, [])).toBeUndefined();
    chmodSync(script, 0o755);
    expect(findNatsServerBin({ NATS_SERVER_BIN: script }, [])).toBe(script);
    expect(findNatsServerBin({ PATH: dir }, [])).toBe(script);
    expect(findNatsServerBin({ PATH: '' }, [])).toBeUndefined();
  });
});

// Needs the real binary: CI installs it; elsewhere these are skipped, as the other suites do.
const bin = findNatsServerBin();
describe.skipIf(bin === undefined && process.env.CI !== 'true')('a nats-server process', () => {
  it('is ready once it greets a client, and gone once stopped', async () => {
    const port = await freePort();
    const server = await spawnNatsServer(bin ?? 'nats-server', ['-a', '127.0.0.1', '-p', String(port)], {
      host: '127.0.0.1',
      port,
      startTimeoutMs: 10_000,
    });
    expect(await natsGreets('127.0.0.1', port)).toBe(true);
    await server.stop();
    expect(await server.ended).toMatch(/^code /);
    expect(await natsGreets('127.0.0.1', port, 300)).toBe(false);
  });

  it('rejects with the server’s own words when it cannot start', async () => {
    const port = await freePort();
    const missing = join(tmpdir(), `shoal-missing-${port}.conf`);
    const start = spawnNatsServer(bin ?? 'nats-server', ['-c', missing, '-p', String(port)], {
      host: '127.0.0.1',
      port,
      startTimeoutMs: 10_000,
    });
    await expect(start).rejects.toThrow(new RegExp(`exited \\(code [1-9].*its output:\\n.*${missing}`, 's'));
  });
});
