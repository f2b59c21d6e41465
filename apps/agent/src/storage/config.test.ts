import { describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config.js';
import { parseLocalPathRule, STORAGE_DEFAULTS } from './config.js';

describe('input source settings', () => {
  it('parses --allow-local-path rules: read-only unless :rw', () => {
    expect(parseLocalPathRule('/data')).toEqual({ path: '/data', readWrite: false });
    expect(parseLocalPathRule('/data/:ro')).toEqual({ path: '/data', readWrite: false });
    expect(parseLocalPathRule('/scratch:rw')).toEqual({ path: '/scratch', readWrite: true });
  });

  it.each([
    ['data', 'must be an absolute path'],
    ['/data:wr', 'use PATH, PATH:ro or PATH:rw'],
    ['/data/../etc', '".."'],
    ['/', 'can never be mounted'],
    ['/proc:ro', 'can never be mounted'],
    ['/run', 'can never be mounted'],
  ])('refuses %s', (text, message) => {
    expect(parseLocalPathRule(text)).toContain(message);
  });

  it('defaults to no local paths, a 10 GiB download cap and a 30 minute download timeout', () => {
    const c = AgentConfigSchema.parse({ natsUrl: 'nats://x:4222' });
    expect(c.allowLocalPaths).toEqual([]);
    expect(c.downloadMaxSize).toBe(STORAGE_DEFAULTS.downloadMaxBytes);
    expect(c.downloadTimeout).toBe(30 * 60_000);
  });

  it('takes repeated rules, sizes and durations, and names the field of a bad one', () => {
    const c = AgentConfigSchema.parse({
      natsUrl: 'nats://x:4222',
      allowLocalPaths: ['/data:ro', '/scratch:rw'],
      downloadMaxSize: '100MiB',
      downloadTimeout: '90s',
    });
    expect(c.allowLocalPaths).toHaveLength(2);
    expect(c.downloadMaxSize).toBe(100 * 1024 * 1024);
    expect(c.downloadTimeout).toBe(90_000);
    const bad = AgentConfigSchema.safeParse({ natsUrl: 'nats://x:4222', allowLocalPaths: ['/etc'] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['allowLocalPaths']);
  });
});
