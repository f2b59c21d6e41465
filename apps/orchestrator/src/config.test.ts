import { describe, expect, it } from 'vitest';
import { maskUrl, OrchestratorConfigSchema, publicConfig, storeUrl } from './config.js';

describe('orchestrator config', () => {
  it('defaults to PGlite under the data directory', () => {
    const config = OrchestratorConfigSchema.parse({ dataDir: '/var/lib/shoal' });
    expect(config.apiPort).toBe(1234);
    expect(storeUrl(config)).toBe('pglite:/var/lib/shoal/orchestrator/db');
  });

  it('refuses a store URL it cannot open, naming the field', () => {
    const result = OrchestratorConfigSchema.safeParse({ db: 'mysql://x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['db']);
  });

  it('masks passwords in what it shows', () => {
    expect(maskUrl('postgres://shoal:s3cret@db:5432/shoal')).toBe('postgres://shoal:*****@db:5432/shoal');
    const shown = publicConfig(OrchestratorConfigSchema.parse({ db: 'postgres://u:pw@h/d' }));
    expect(JSON.stringify(shown)).not.toContain('pw@');
  });
});

describe('orchestrator scheduling settings', () => {
  it('queues jobs for an hour by default and allows 3 attempts; 0 turns the default queue off', () => {
    const config = OrchestratorConfigSchema.parse({});
    expect([config.defaultQueueTimeout, config.maxAttempts]).toEqual([3_600_000, 3]);
    expect(OrchestratorConfigSchema.parse({ defaultQueueTimeout: '0' }).defaultQueueTimeout).toBe(0);
    expect(OrchestratorConfigSchema.parse({ defaultQueueTimeout: '15m' }).defaultQueueTimeout).toBe(900_000);
  });

  it('names the field of a bad queue timeout or attempt limit', () => {
    for (const input of [{ defaultQueueTimeout: '-5s' }, { maxAttempts: 0 }]) {
      const result = OrchestratorConfigSchema.safeParse(input);
      expect(result.error?.issues[0]?.path).toEqual(Object.keys(input));
    }
  });
});

describe('orchestrator NATS and node settings', () => {
  it('supervises nats-server on 4222 by default and judges nodes after 60 s', () => {
    const config = OrchestratorConfigSchema.parse({});
    expect(config).toMatchObject({ natsUrl: '', natsHost: '127.0.0.1', natsPort: 4222 });
    expect(config).toMatchObject({ nodeDisconnectTimeout: 60_000, nodeApproval: 'token' });
    expect(config.nodeGracePeriod).toBeUndefined();
  });

  it('reads Go durations, and names the field of a bad one', () => {
    const config = OrchestratorConfigSchema.parse({
      nodeDisconnectTimeout: '1m30s',
      nodeGracePeriod: '500ms',
    });
    expect(config.nodeDisconnectTimeout).toBe(90_000);
    expect(config.nodeGracePeriod).toBe(500);
    const bad = OrchestratorConfigSchema.safeParse({ nodeDisconnectTimeout: 'soon' });
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['nodeDisconnectTimeout'],
      message: /invalid duration/,
    });
    expect(OrchestratorConfigSchema.safeParse({ nodeDisconnectTimeout: '0s' }).success).toBe(false);
  });

  it('takes NATS TLS files for a --nats-url server, or a certificate for the server it starts', () => {
    const issues = (input: object) => {
      const parsed = OrchestratorConfigSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ natsUrl: 'tls://nats.example:4222', natsTlsCa: '/ca.pem' })).toEqual([]);
    expect(issues({ natsTlsCa: '/ca.pem' })).toEqual([
      'natsTlsCa: the NATS server started here needs natsTlsCert and natsTlsKey to serve TLS',
    ]);
    expect(issues({ natsTlsCert: '/c.pem', natsTlsKey: '/k.pem' })).toEqual([]);
    expect(issues({ natsUrl: 'nats://n:4222', natsTlsKey: '/k.pem' })).toEqual([
      'natsTlsCert: natsTlsCert and natsTlsKey go together',
    ]);
  });

  it('logs in to a --nats-url server one way only; the server it starts needs no login flags', () => {
    const natsUrl = 'nats://nats.example:4222';
    const both = OrchestratorConfigSchema.safeParse({
      natsUrl,
      natsToken: 't',
      natsUser: 'u',
      natsPassword: 'p',
    });
    expect(both.error?.issues.map((i) => i.path)).toEqual([['natsToken']]);
    const half = OrchestratorConfigSchema.safeParse({ natsUrl, natsUser: 'u' });
    expect(half.error?.issues.map((i) => i.path)).toEqual([['natsPassword']]);
    const own = OrchestratorConfigSchema.safeParse({ natsCreds: '/x.creds' });
    expect(own.error?.issues[0]?.message).toMatch(/uses nkeys and the join token/);
    const token = OrchestratorConfigSchema.safeParse({ natsUrl, joinToken: 'a-long-enough-join-token' });
    expect(token.error?.issues.map((i) => i.path)).toEqual([['joinToken']]);
  });

  it('masks NATS secrets in what it shows', () => {
    const shown = JSON.stringify(
      publicConfig(
        OrchestratorConfigSchema.parse({ natsUrl: 'nats://s3cret@nats:4222', natsToken: 't0ken' }),
      ),
    );
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('t0ken');
    expect(maskUrl('nats://agent:pw@nats:4222')).toBe('nats://agent:*****@nats:4222');
  });
});
