import type { Logger } from '@shoal/protocol';

/**
 * The agent logs through the protocol package's logger shape (pino's `(obj, msg)` form), so one
 * injected pino instance serves the agent and its transport. It is always injected, never global.
 */
export { errorMessage, type Logger, safeLog, silentLogger } from '@shoal/protocol';

/**
 * What `startAgent` builds its loggers from: a Logger that makes children (a pino logger fits as
 * is). Only main.ts calls `child`, to give each part its `component` (and `nodeId`); the parts
 * receive a plain Logger and never make one of their own.
 */
export interface RootLogger extends Logger {
  child(bindings: Record<string, unknown>): RootLogger;
}
