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
