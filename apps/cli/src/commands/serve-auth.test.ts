import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  describeWithServices,
  getFreePort,
  killOnExit,
  makeTempDir,
  stopProcess,
  type TempDir,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * `shoal serve --orchestrator` with API tokens from the environment: the secret never
 * appears on the command line, the API refuses requests without it, and /agent/config masks it.
 */

const shoal = fileURLToPath(new URL('../../../../shoal', import.meta.url));
const FULL = 'cli-full-token-0123456789';
const READ = 'cli-read-token-0123456789';

describeWithServices(['nats'], 'serve with API tokens from the environment', () => {
  let dir: TempDir;
  let url: string;
  let child: ReturnType<typeof spawn>;
  let output = '';

  beforeAll(async () => {
    dir = await makeTempDir('shoal-serve-auth-');
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    const args = ['serve', '--orchestrator', '--api-port', String(port), '--nats-port', '0'];
    child = killOnExit(
      spawn(shoal, [...args, '--data-dir', dir.path, '--log-level', 'info'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SHOAL_API_TOKEN: FULL, SHOAL_API_READ_TOKEN: READ },
      }),
    );
    const collect = (d: Buffer) => {
      output += d.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(() => output.includes('listening on'), { timeoutMs: 60_000, message: () => output });
  }, 90_000);

  afterAll(async () => {
    if (child) await stopProcess(child);
    await dir?.cleanup();
  });

  const get = (path: string, token?: string) =>
    fetch(`${url}/api/v1${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

  it('requires a token, with a challenge, and keeps liveness open', async () => {
    const refused = await get('/orchestrator/jobs');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer realm="shoal"');
    expect((await get('/orchestrator/jobs', FULL)).status).toBe(200);
    expect((await get('/agent/alive')).status).toBe(200);
  });

  it('answers a write with the read token with 403', async () => {
    const res = await fetch(`${url}/api/v1/orchestrator/jobs`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${READ}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Job: { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop' } }] } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { Code: string }).Code).toBe('Forbidden');
  });

  it('keeps the tokens out of the command line, the logs and /agent/config', async () => {
    const config = await (await get('/agent/config', READ)).text();
    expect(JSON.parse(config).API).toMatchObject({ Token: '*****', ReadToken: '*****' });
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    for (const secret of [FULL, READ]) {
      expect(config).not.toContain(secret);
      expect(cmdline).not.toContain(secret);
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('"auth":true');
  });
});
