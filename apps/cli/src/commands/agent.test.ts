import { decodeJson } from '@shoal/models';
import { describeWithServices, getFreePort } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShoal, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** `shoal agent …`: the orchestrator about itself; and --api / SHOAL_API / SHOAL_TOKEN. */

describeWithServices(['nats'], 'shoal agent', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('alive, version, node and config, as text and as the API’s JSON', async () => {
    expect(await cluster.cli(['agent', 'alive'])).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
    const version = await cluster.cli(['agent', 'version']);
    expect(version.stdout).toMatch(/^Client\s+= v0\.1\.0\nServer\s+= v\S+\n/);
    const node = await cluster.cli(['agent', 'node']);
    expect(node.stdout).toMatch(
      new RegExp(`^ID\\s+= ${cluster.orchestrator.nodeId}\\nType\\s+= Requester\\n`),
    );
    const config = await cluster.cli(['agent', 'config']);
    expect(config.stdout).toMatch(/^API:\n/);

    for (const [command, path] of [
      ['alive', '/agent/alive'],
      ['version', '/agent/version'],
      ['node', '/agent/node'],
      ['config', '/agent/config'],
    ] as const) {
      const run = await cluster.cli(['agent', command, '--output', 'json']);
      const raw = await (await fetch(`${cluster.api}/api/v1${path}`)).text();
      expect([command, decodeJson(run.stdout)]).toEqual([command, decodeJson(raw)]);
    }
  });

  it('--api wins over SHOAL_API', async () => {
    const dead = `http://127.0.0.1:${await getFreePort()}`;
    const viaFlag = await runShoal(undefined, ['agent', 'alive', '--api', cluster.api], {
      env: { SHOAL_API: dead },
    });
    expect(viaFlag.stdout).toBe('OK\n');
    const viaEnv = await runShoal(undefined, ['agent', 'alive'], { env: { SHOAL_API: dead } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain(`cannot reach the Shoal API at ${dead}: connection refused`);
    const badUrl = await runShoal(undefined, ['agent', 'alive', '--api', 'localhost:1234']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(
      /^Error: invalid API URL "localhost:1234": use http:\/\/ or https:\/\/ \(hint: .*\)\n$/,
    );
  });
});

describeWithServices(['nats'], 'SHOAL_TOKEN against an orchestrator that requires one', () => {
  let cluster: TestCluster;
  const full = 'full-token-123';
  const read = 'read-token-456';
  beforeAll(async () => {
    cluster = await startTestCluster({
      agents: [{ name: 'token-a', labels: {} }],
      orchestrator: { apiToken: full, apiReadToken: read },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is sent as a bearer token on requests and on the log WebSocket', async () => {
    const anonymous = await cluster.cli(['job', 'list']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^Error: authentication required: .*\(hint: .*SHOAL_TOKEN.*\)\n$/);

    const job = JSON.stringify({
      Type: 'batch',
      Tasks: [{ Name: 'm', Engine: { Type: 'noop', Params: { Stdout: 'tok\n' } } }],
    });
    const run = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
      stdin: job,
      env: { SHOAL_TOKEN: full },
    });
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    const logs = await cluster.cli(['job', 'logs', id], { env: { SHOAL_TOKEN: read } });
    expect(logs).toEqual({ code: 0, stdout: 'tok\n', stderr: '' });
    const noTokenLogs = await cluster.cli(['job', 'logs', id]);
    expect(noTokenLogs.code).toBe(1);
    expect(noTokenLogs.stderr).toMatch(/^Error: authentication required/);

    const readOnly = await cluster.cli(['job', 'stop', id], { env: { SHOAL_TOKEN: read } });
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/^Error: this token is read-only: DELETE needs full access/);
    const wrong = await cluster.cli(['job', 'list'], { env: { SHOAL_TOKEN: 'nope' } });
    expect(wrong.stderr).toMatch(/^Error: invalid bearer token/);
  });
});
