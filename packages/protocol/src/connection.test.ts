import { isShoalError } from '@shoal/models';
import { describeWithServices, useNatsServer } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { connectNats, resolveNatsOptions, toConnectionOptions } from './connection.js';

describe('NATS options', () => {
  it('defaults to unlimited, jittered reconnects and a short ping interval', () => {
    const options = toConnectionOptions(
      resolveNatsOptions({ servers: 'nats://127.0.0.1:4222', name: 'agent-1' }),
    );
    expect(options).toEqual({
      servers: 'nats://127.0.0.1:4222',
      name: 'agent-1',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      reconnectJitter: 1_000,
      reconnectJitterTLS: 1_000,
      pingInterval: 5_000,
      maxPingOut: 2,
      timeout: 5_000,
      waitOnFirstConnect: false,
    });
  });

  it('passes token, user/password and TLS through', () => {
    const base = { servers: ['nats://a:4222', 'tls://b:4443'], name: 'x' };
    expect(toConnectionOptions(resolveNatsOptions({ ...base, token: 't0k' }))).toMatchObject({
      token: 't0k',
    });
    expect(toConnectionOptions(resolveNatsOptions({ ...base, user: 'u', password: 'p' }))).toMatchObject({
      user: 'u',
      pass: 'p',
    });
    const file = new URL(import.meta.url).pathname;
    const tls = { caFile: file, certFile: file, keyFile: file };
    expect(toConnectionOptions(resolveNatsOptions({ ...base, tls }))).toMatchObject({ tls });
  });

  it('reports every problem at once, field by field', () => {
    try {
      resolveNatsOptions({
        servers: 'not a url',
        name: '',
        token: 't',
        user: 'u',
        tls: { caFile: '/nonexistent/ca.pem', certFile: '/nonexistent/cert.pem' },
        pingIntervalMs: -5,
      });
      expect.unreachable();
    } catch (error) {
      expect(isShoalError(error) && error.details?.Problems).toEqual([
        { Field: 'servers', Message: 'must look like nats://host:4222' },
        { Field: 'name', Message: expect.any(String) },
        { Field: 'pingIntervalMs', Message: expect.any(String) },
        { Field: 'token', Message: 'use one way to log in, not token and user/password' },
        { Field: 'password', Message: 'required with user' },
        { Field: 'tls', Message: 'certFile and keyFile go together' },
        { Field: 'tls', Message: 'caFile /nonexistent/ca.pem is not a readable file' },
        { Field: 'tls', Message: 'certFile /nonexistent/cert.pem is not a readable file' },
      ]);
      expect((error as Error).message).toMatch(
        /^invalid request: servers: must look like nats:\/\/host:4222; name: /,
      );
    }
  });
});

describeWithServices(['nats'], 'connectNats against a server that requires a token', () => {
  const server = useNatsServer({ args: ['--auth', 's3cret'] });

  it('connects with the token', async () => {
    const nc = await connectNats({ servers: server.url, name: 'token-ok', token: 's3cret' });
    await nc.flush();
    await nc.close();
  });

  it('fails fast with a wrong token', async () => {
    await expect(connectNats({ servers: server.url, name: 'token-bad', token: 'nope' })).rejects.toThrow(
      /authorization/i,
    );
  });
});
