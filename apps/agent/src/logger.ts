/**
 * The logger the agent writes to: pino's `(obj, msg)` form, so main.ts can pass a pino instance
 * (and the protocol package's logger has the same shape). It is always injected, never global.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** A logger that throws must not take down the code paths whose job is to survive failures. */
export function safeLog(logger: Logger, level: keyof Logger, obj: object, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    // Nowhere better to report it.
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
