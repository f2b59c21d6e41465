/**
 * Task resources arrive as strings (`{CPU: "500m", Memory: "1.5Gi"}`), as in Bacalhau: CPU in
 * Kubernetes notation, memory and disk with go-humanize's units. Everything is parsed to integers
 * here so the scheduler only ever compares numbers.
 */

export const DEFAULT_CPU = '500m';
export const DEFAULT_MEMORY = '512Mb';

/** A million cores: anything larger is a typo, and it keeps millicores well inside safe integers. */
export const MAX_CPU_MILLIS = 1_000_000_000;

export type ResourceField = 'CPU' | 'Memory' | 'Disk' | 'GPU';

const FIELD_NAME: Record<ResourceField, string> = { CPU: 'CPU', Memory: 'memory', Disk: 'disk', GPU: 'GPU' };

export class ResourceParseError extends Error {
  override readonly name = 'ResourceParseError';

  constructor(
    readonly field: ResourceField,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid ${FIELD_NAME[field]} ${JSON.stringify(value)}: ${reason}`);
  }
}

// A Map, not an object, so `1constructor` cannot find a unit on the prototype.
const BYTE_UNITS = new Map<string, number>();
for (const [i, prefix] of ['k', 'm', 'g', 't', 'p'].entries()) {
  const decimal = 1000 ** (i + 1);
  const binary = 1024 ** (i + 1);
  BYTE_UNITS.set(prefix, decimal).set(`${prefix}b`, decimal);
  BYTE_UNITS.set(`${prefix}i`, binary).set(`${prefix}ib`, binary);
}
BYTE_UNITS.set('', 1).set('b', 1);
const BYTE_UNIT_LIST = 'b, kb, kib, mb, mib, gb, gib, tb, tib, pb, pib';

// Exponents are accepted so that `1e309` is reported as too large rather than as a bad unit.
const NUMBER_THEN_UNIT = /^(-?)((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s?(.*)$/i;

interface Quantity {
  amount: number;
  unit: string;
}

function splitQuantity(field: ResourceField, value: string, example: string): Quantity {
  const text = value.trim();
  if (text === '') throw new ResourceParseError(field, value, 'must not be empty');
  const [, sign, digits, unit] = NUMBER_THEN_UNIT.exec(text) ?? [];
  if (digits === undefined) throw new ResourceParseError(field, value, `expected a number, e.g. ${example}`);
  const amount = Number(digits);
  if (sign === '-' || amount === 0) throw new ResourceParseError(field, value, 'must be greater than zero');
  return { amount, unit: unit ?? '' };
}

/** CPU in millicores: `500m` → 500, `2` → 2000, `0.5` → 500. */
export function parseCpu(value: string): number {
  const { amount, unit } = splitQuantity('CPU', value, '2, 0.5 or 500m');
  if (unit !== '' && unit !== 'm') {
    throw new ResourceParseError(
      'CPU',
      value,
      `unknown unit ${JSON.stringify(unit)} (use m for millicores, or no unit for cores)`,
    );
  }
  const millis = Math.round(unit === 'm' ? amount : amount * 1000);
  // Negated so that NaN and Infinity fail too.
  if (!(millis <= MAX_CPU_MILLIS)) {
    throw new ResourceParseError('CPU', value, `must be at most ${MAX_CPU_MILLIS / 1000} cores`);
  }
  if (millis === 0) throw new ResourceParseError('CPU', value, 'must be at least 1m (one millicore)');
  return millis;
}

/** Memory or disk in bytes; decimal (`mb`) and binary (`mib`) units, case-insensitive. */
export function parseBytes(value: string, field: 'Memory' | 'Disk' = 'Memory'): number {
  const { amount, unit } = splitQuantity(field, value, '512mb or 1.5gib');
  const size = BYTE_UNITS.get(unit.toLowerCase());
  if (size === undefined) {
    throw new ResourceParseError(
      field,
      value,
      `unknown unit ${JSON.stringify(unit)} (use ${BYTE_UNIT_LIST})`,
    );
  }
  const bytes = Math.round(amount * size);
  if (!Number.isSafeInteger(bytes)) {
    throw new ResourceParseError(field, value, `must be at most ${Number.MAX_SAFE_INTEGER} bytes`);
  }
  if (bytes === 0) throw new ResourceParseError(field, value, 'must be at least 1 byte');
  return bytes;
}

/** GPU count; zero is allowed, fractions are not. */
export function parseGpu(value: string): number {
  const text = value.trim();
  if (text === '') throw new ResourceParseError('GPU', value, 'must not be empty');
  if (/^-\d/.test(text)) throw new ResourceParseError('GPU', value, 'must not be negative');
  if (!/^\d+$/.test(text)) throw new ResourceParseError('GPU', value, 'must be a whole number, e.g. 0 or 1');
  const count = Number(text);
  if (!Number.isSafeInteger(count)) throw new ResourceParseError('GPU', value, 'is too large');
  return count;
}

export interface ResourcesInput {
  CPU?: string | null;
  Memory?: string | null;
  Disk?: string | null;
  GPU?: string | null;
}

export interface ParsedResources {
  cpuMillis?: number;
  memoryBytes?: number;
  diskBytes?: number;
  gpu?: number;
}

export interface ResourceProblem {
  field: ResourceField;
  message: string;
}

export type ResourcesResult =
  | { ok: true; value: ParsedResources }
  | { ok: false; problems: ResourceProblem[] };

const FIELDS: ReadonlyArray<[ResourceField, keyof ParsedResources, (value: string) => number]> = [
  ['CPU', 'cpuMillis', parseCpu],
  ['Memory', 'memoryBytes', (value) => parseBytes(value, 'Memory')],
  ['Disk', 'diskBytes', (value) => parseBytes(value, 'Disk')],
  ['GPU', 'gpu', parseGpu],
];

/** Collects every problem, so a job submitter sees all of them at once. */
export function tryParseResources(input: ResourcesInput): ResourcesResult {
  const value: ParsedResources = {};
  const problems: ResourceProblem[] = [];
  for (const [field, key, parse] of FIELDS) {
    const raw = input[field];
    // Blank means unset: defaults are applied elsewhere, and Go clients send "" for unset fields.
    if (raw === undefined || raw === null || raw.trim() === '') continue;
    try {
      value[key] = parse(raw);
    } catch (error) {
      if (!(error instanceof ResourceParseError)) throw error;
      problems.push({ field, message: error.message });
    }
  }
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

/** Like tryParseResources, but throws the first problem as a ResourceParseError. */
export function parseResources(input: ResourcesInput): ParsedResources {
  const value: ParsedResources = {};
  for (const [field, key, parse] of FIELDS) {
    const raw = input[field];
    if (raw === undefined || raw === null || raw.trim() === '') continue;
    value[key] = parse(raw);
  }
  return value;
}

const DECIMAL_UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'].map((label, i) => [label, 1000 ** (i + 1)] as const);
const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'].map((label, i) => [label, 1024 ** (i + 1)] as const);

function scaled(bytes: number, units: ReadonlyArray<readonly [string, number]>) {
  const fit = units.findLast(([, size]) => bytes >= size);
  if (fit === undefined) return { text: `${bytes} B`, exact: true };
  const [label, size] = fit;
  const shown = Math.round((bytes / size) * 100) / 100;
  return { text: `${shown} ${label}`, exact: Math.abs(shown * size - bytes) < 0.5 };
}

/**
 * `512 MB`, `1.5 GiB`: whichever of decimal or binary units shows the size exactly, preferring the
 * shorter text, then decimal. The output parses back with parseBytes.
 */
export function formatBytes(bytes: number): string {
  const decimal = scaled(bytes, DECIMAL_UNITS);
  const binary = scaled(bytes, BINARY_UNITS);
  if (decimal.exact !== binary.exact) return decimal.exact ? decimal.text : binary.text;
  return binary.text.length < decimal.text.length ? binary.text : decimal.text;
}

/** `500m` below a whole core, `2` for whole cores, `1500m` otherwise, as Kubernetes prints them. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}` : `${millis}m`;
}
