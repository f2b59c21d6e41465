import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers for commander. They run while the command line is parsed, so a bad value is a
 * usage error (exit 2) naming the flag, before anything is sent anywhere.
 */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a whole number of at least 1');
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** For repeatable flags: `--labels a=1 --labels b=2`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Repeatable `KEY=VALUE` flags into a map; a missing `=` or a key given twice is refused. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}`);
  const key = value.slice(0, eq);
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`${JSON.stringify(key)} is given twice`);
  return { ...previous, [key]: value.slice(eq + 1) };
}
