/**
 * The agent logs through the protocol package's logger shape (pino's `(obj, msg)` form), so one
 * injected pino instance serves the agent and its transport. It is always injected, never global.
 */
export { errorMessage, type Logger, safeLog, silentLogger } from '@shoal/protocol';
