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

/**
 * Repeatable `KEY=VALUE` flags into a map; a missing `=` or a key given twice is refused. As
 * Bacalhau's CLI reads them (pflag's string-to-string): a value with one `=` is one pair, commas
 * and all; one with more is a comma-separated list of pairs (`-l env=prod,team=data`), a field in
 * double quotes keeping its commas. `B=x=y` is still the one pair B = `x=y`.
 */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const pairs = value.split('=').length > 2 ? csvFields(value) : [value];
  const map = { ...previous };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(map, key)) throw new InvalidArgumentError(`${JSON.stringify(key)} is given twice`);
    map[key] = pair.slice(eq + 1);
  }
  return map;
}

/** One CSV record, as Go's encoding/csv reads it: commas split, `"…"` quotes, `""` is a quote. */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"' && (quoted || field === '')) quoted = !quoted;
    else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  return [...fields, field];
}
