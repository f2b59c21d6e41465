import { DEFAULT_MAX_JOB_BYTES, MAX_JOB_BYTES_CEILING } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { OrchestratorConfigSchema, publicConfig } from './config.js';

describe('maxJobBytes', () => {
  it('defaults to 768 KiB and shows in the public config', () => {
    const config = OrchestratorConfigSchema.parse({});
    expect(config.maxJobBytes).toBe(DEFAULT_MAX_JOB_BYTES);
    expect(publicConfig(config)).toMatchObject({ API: { MaxJobBytes: 786_432 } });
  });

  it('takes a size with a unit or a number of bytes', () => {
    expect(OrchestratorConfigSchema.parse({ maxJobBytes: '512KiB' }).maxJobBytes).toBe(524_288);
    expect(OrchestratorConfigSchema.parse({ maxJobBytes: '100kb' }).maxJobBytes).toBe(100_000);
    expect(OrchestratorConfigSchema.parse({ maxJobBytes: 4096 }).maxJobBytes).toBe(4096);
  });

  it('refuses sizes past what a NATS message can carry, or no size at all, naming the field', () => {
    const issues = (maxJobBytes: unknown) => {
      const parsed = OrchestratorConfigSchema.safeParse({ maxJobBytes });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const range = `must be a size from 1024 to ${MAX_JOB_BYTES_CEILING} bytes, e.g. 512KiB`;
    expect(issues('1MiB')).toEqual([`maxJobBytes: ${range}`]);
    expect(issues('1000')).toEqual([`maxJobBytes: ${range}`]);
    expect(issues(0.5)).toEqual([`maxJobBytes: ${range}`]);
    expect(issues('lots')).toEqual([
      'maxJobBytes: invalid size "lots": expected a number, e.g. 512mb or 1.5gib',
    ]);
  });
});
