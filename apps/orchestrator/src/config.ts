import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** The orchestrator's settings, as flags give them. Validated once, at the edge. */
export const OrchestratorConfigSchema = z.strictObject({
  apiHost: z.string().min(1).default('0.0.0.0'),
  apiPort: z.int().min(0).max(65535).default(1234),
  dataDir: z.string().min(1).default(join(homedir(), '.shoal')),
  /** `postgres://…` or `pglite:<dir>`; empty means PGlite under the data directory. */
  db: z
    .string()
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v) || v.startsWith('pglite:'), {
      message: 'must be postgres://… or pglite:<dir>',
    })
    .default(''),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** How long shutdown waits for requests in flight before closing connections. */
  shutdownGraceMs: z.int().min(0).max(600_000).default(10_000),
  evaluationPollMs: z.int().min(10).max(60_000).default(200),
});
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfigSchema>;

export function storeUrl(config: OrchestratorConfig): string {
  return config.db || `pglite:${join(resolve(config.dataDir), 'orchestrator', 'db')}`;
}

/** The config as /api/v1/agent/config shows it: passwords in URLs are masked. */
export function publicConfig(config: OrchestratorConfig): Record<string, unknown> {
  return {
    API: { Host: config.apiHost, Port: config.apiPort },
    DataDir: config.dataDir,
    Store: maskUrl(storeUrl(config)),
    LogLevel: config.logLevel,
  };
}

export function maskUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+:)[^@]*@/i, '$1*****@');
}
