import { isoToNanos } from '@shoal/models';

/**
 * Structural comparison of a response with the shape a client expects (test/compat/README.md):
 * an object names the keys it needs and ignores the rest, as Go's decoder does; a leaf names a
 * type or pins a value. Returns every mismatch with its path, so one run shows all of them.
 */

type Spec = unknown;

const TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  int64: (v) => typeof v === 'bigint' || Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
  any: () => true,
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

function same(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}

export function mismatches(actual: unknown, spec: Spec, path = '$'): string[] {
  if (typeof spec === 'string') {
    const check = TYPES[spec];
    if (!check) return [`${path}: unknown type ${spec} in the corpus`];
    return check(actual) ? [] : [`${path}: expected ${spec}, got ${show(actual)}`];
  }
  if (Array.isArray(spec)) return mismatches(actual, { $items: spec[0] }, path);
  if (!isRecord(spec)) return [`${path}: malformed spec ${show(spec)}`];
  if ('$eq' in spec)
    return same(actual, spec.$eq) ? [] : [`${path}: expected ${show(spec.$eq)}, got ${show(actual)}`];
  if ('$rfc3339' in spec) {
    return typeof actual === 'string' && isoToNanos(actual) !== undefined
      ? []
      : [`${path}: expected an RFC 3339 time, got ${show(actual)}`];
  }
  if ('$items' in spec) {
    if (!Array.isArray(actual)) return [`${path}: expected array, got ${show(actual)}`];
    const min = typeof spec.$min === 'number' ? spec.$min : 0;
    const out = actual.length < min ? [`${path}: expected at least ${min} items, got ${actual.length}`] : [];
    if ('$first' in spec && actual.length > 0) out.push(...mismatches(actual[0], spec.$first, `${path}[0]`));
    actual.forEach((item, i) => {
      out.push(...mismatches(item, spec.$items, `${path}[${i}]`));
    });
    return out;
  }
  if (!isRecord(actual)) return [`${path}: expected object, got ${show(actual)}`];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(spec)) {
    const at = `${path}.${key}`;
    if (isRecord(sub) && sub.$absent === true) {
      if (Object.hasOwn(actual, key)) out.push(`${at}: expected absent, got ${show(actual[key])}`);
    } else if (!Object.hasOwn(actual, key)) out.push(`${at}: missing`);
    else out.push(...mismatches(actual[key], sub, at));
  }
  return out;
}
