/**
 * The logger the protocol writes to. It is injected (never a global) so each app routes protocol
 * lines into its own pino instance with its own bindings (node id, component). The signature is
 * pino's `(obj, msg)` form, so a pino logger satisfies it as is.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** Drops everything: for tests and for callers that do not care. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Logging must never take the caller down: a logger that throws (a broken transport, a circular
 * object) would otherwise crash the delivery loops whose whole point is to survive failures.
 */
export function safeLog(logger: Logger, level: keyof Logger, obj: object, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    // Nothing sensible to do: the logger is the place we would report it.
  }
}

/** A readable one-liner for an unknown thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
