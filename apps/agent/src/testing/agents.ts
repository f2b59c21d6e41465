import type { AgentConfigInput } from '../config.js';
import type { Logger, RootLogger } from '../logger.js';

/** Test-only: agent settings with a fixed capacity and short timeouts, and a logger to assert on. */

export function testAgentConfig(
  natsUrl: string,
  dataDir: string,
  extra: Partial<AgentConfigInput> = {},
): AgentConfigInput {
  return {
    natsUrl,
    dataDir,
    cpu: '2',
    memory: '4Gi',
    disk: '20Gi',
    gpu: '0',
    controlTimeoutMs: 1_000,
    handshakeRetryMaxMs: 200,
    shutdownTimeoutMs: 1_000,
    logLevel: 'silent',
    ...extra,
  };
}

export interface LogLine {
  level: keyof Logger;
  msg: string;
  obj: Record<string, unknown>;
}

/**
 * Remembers every line; SHOAL_TEST_LOGS=1 also prints them, to debug a failing test. Its children
 * (main.ts makes one per component) write to the same lines, their bindings first in `obj`.
 */
export function recordingLogger(): RootLogger & { lines: LogLine[]; has(msg: string | RegExp): boolean } {
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): RootLogger => {
    const at =
      (level: keyof Logger) =>
      (obj: object, msg = '') => {
        const fields = { ...bindings, ...(obj as Record<string, unknown>) };
        lines.push({ level, msg, obj: fields });
        if (process.env.SHOAL_TEST_LOGS) console.error(level, msg, fields);
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return {
    ...make({}),
    lines,
    has: (msg) => lines.some((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))),
  };
}
