import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { natsGreets } from '@shoal/nats-server';
import { connectNats } from '@shoal/protocol';
import { describeWithServices, makeTempDir, type TempDir, waitFor } from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer } from './nats-binary.js';
import { type NatsSupervisorOptions, type SupervisedNats, startNatsServer } from './nats-server.js';
import { freePort } from './ports.js';
import { recordingLogger } from './testing/harness.js';

describe('finding nats-server', () => {
  it('says how to install one, or how to do without, when there is none', () => {
    expect(() => findNatsServer({ PATH: '/nonexistent' }, [])).toThrow(
      /install it \(`apt-get install nats-server`.*set NATS_SERVER_BIN.*pass --nats-url/,
    );
    expect(() => findNatsServer({ NATS_SERVER_BIN: '/nonexistent/nats-server' })).toThrow(
      'NATS_SERVER_BIN=/nonexistent/nats-server is not an executable file',
    );
  });
});

describeWithServices(['nats'], 'supervised nats-server', () => {
  let dir: TempDir;
  const running: SupervisedNats[] = [];
  beforeAll(async () => {
    dir = await makeTempDir('shoal-nats-supervisor-');
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.stop();
  });
  afterAll(async () => {
    await dir?.cleanup();
  });

  const start = async (options: Partial<NatsSupervisorOptions> = {}) => {
    const log = recordingLogger();
    const server = await startNatsServer({
      host: '127.0.0.1',
      port: 0,
      workDir: dir.path,
      logger: log.logger,
      restartDelayMs: 50,
      ...options,
    });
    running.push(server);
    return { server, log };
  };

  it('starts on a free port, accepts clients, and is gone after stop', async () => {
    const { server } = await start();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connectNats({ servers: server.url, name: 'probe' });
    await nc.flush();
    await nc.close();
    await server.stop();
    expect(server.pid()).toBeUndefined();
    expect(await natsGreets('127.0.0.1', server.port)).toBe(false);
  });

  it('listens on another free port when the requested one is taken, and says so', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', () => ready()));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { server, log } = await start({ port: taken });
      expect(server.port).not.toBe(taken);
      expect(await natsGreets('127.0.0.1', server.port)).toBe(true);
      expect(log.lines.find((l) => l.requested === taken)?.msg).toMatch(/already taken/);
    } finally {
      blocker.close();
    }
  });

  it('restarts a killed nats-server on the same port, and clients reconnect', async () => {
    const { server, log } = await start();
    const nc = await connectNats({
      servers: server.url,
      name: 'survivor',
      reconnectTimeWaitMs: 50,
      reconnectJitterMs: 50,
    });
    try {
      nc.subscribe('echo', {
        callback: (_e, msg) => {
          msg.respond(msg.data);
        },
      });
      await nc.flush();
      const first = server.pid();
      process.kill(first ?? 0, 'SIGKILL');
      await waitFor(() => server.restarts === 1, { message: 'the supervisor to restart nats-server' });
      expect(server.pid()).not.toBe(first);
      expect(log.find('nats-server died: restarting it')).toHaveLength(1);
      const answer = await waitFor(
        () => nc.request('echo', new TextEncoder().encode('hi'), { timeout: 500 }),
        {
          message: 'the client to reconnect and be answered',
        },
      );
      expect(new TextDecoder().decode(answer.data)).toBe('hi');
    } finally {
      await nc.close();
    }
  });

  it('requires the credentials it was given, kept off its command line', async () => {
    const token = 's3cret "token"';
    const { server } = await start({ settings: () => ({ authorization: { token } }) });
    const config = join(dir.path, 'nats-server.conf');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(readFileSync(`/proc/${server.pid()}/cmdline`, 'utf8')).not.toContain('s3cret');
    await expect(connectNats({ servers: server.url, name: 'intruder' })).rejects.toThrow(/authorization/i);
    const nc = await connectNats({ servers: server.url, name: 'friend', token });
    await nc.close();
  });

  it('reloads its users on demand: an added user logs in, a removed one is disconnected', async () => {
    const users = [{ user: 'a', password: 'pass-a' }];
    const { server } = await start({ settings: () => ({ authorization: { users } }) });
    const pid = server.pid();
    await expect(
      connectNats({ servers: server.url, name: 'b', user: 'b', password: 'pass-b' }),
    ).rejects.toThrow(/authorization/i);
    users.push({ user: 'b', password: 'pass-b' });
    await server.reload();
    const b = await connectNats({ servers: server.url, name: 'b', user: 'b', password: 'pass-b' });
    const statuses: string[] = [];
    void (async () => {
      for await (const status of b.status()) statuses.push(status.type);
    })();
    users.pop();
    await server.reload();
    await waitFor(() => statuses.includes('disconnect'), { message: 'b to be disconnected' });
    expect(server.pid()).toBe(pid);
    await b.close();
  });

  it('fails clearly when the binary cannot run', async () => {
    await expect(start({ bin: '/nonexistent/nats-server' })).rejects.toThrow(
      /nats-server on 127.0.0.1:\d+ exited/,
    );
  });
});

describeWithServices(['nats'], 'a nats-server left behind by a killed orchestrator', () => {
  /** A nats-server on a free port, as a previous orchestrator on `dir` would have left it. */
  const leave = async (dir: string) => {
    const port = await freePort('127.0.0.1');
    const args = ['-a', '127.0.0.1', '-p', String(port), '-P', join(dir, 'nats-server.pid')];
    const child = spawn(findNatsServer(), args, { stdio: 'ignore' });
    const exited = new Promise((done) => child.once('exit', done));
    await waitFor(() => natsGreets('127.0.0.1', port), { message: 'the leftover nats-server to start' });
    return { child, port, exited };
  };
  const supervise = (dir: string, port: number) =>
    startNatsServer({ host: '127.0.0.1', port, workDir: dir, logger: recordingLogger().logger });

  it('is stopped at the next start, which takes its port back', async () => {
    const dir = await makeTempDir('shoal-nats-leftover-');
    const leftover = await leave(dir.path);
    try {
      const server = await supervise(dir.path, leftover.port);
      await leftover.exited;
      expect(server.port).toBe(leftover.port);
      await server.stop();
    } finally {
      leftover.child.kill('SIGKILL');
      await dir.cleanup();
    }
  });

  it('is left alone while the orchestrator that owns it is alive', async () => {
    const dir = await makeTempDir('shoal-nats-owned-');
    const owned = await leave(dir.path);
    await writeFile(join(dir.path, 'nats-server.owner'), `${process.ppid}\n`);
    try {
      const server = await supervise(dir.path, owned.port);
      expect(server.port).not.toBe(owned.port);
      expect(await natsGreets('127.0.0.1', owned.port)).toBe(true);
      await server.stop();
    } finally {
      owned.child.kill('SIGKILL');
      await dir.cleanup();
    }
  });
});
