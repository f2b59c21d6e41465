import { createHash } from 'node:crypto';
import { ErrorCode, ShoalError } from '@shoal/models';

/**
 * Opaque keyset pagination tokens: `base64url(JSON) + "." + check`. The JSON names the listing's
 * order (`o`), a fingerprint of its filters (`q`) and the sort key of the last row returned (`k`),
 * so the next page starts strictly after that row, however many rows arrive or leave meanwhile.
 *
 * The check is a truncated SHA-256, not an HMAC: a token only names a position in a listing the
 * caller may read anyway, so there is nothing to forge; the check catches garbage and edited
 * tokens. Being keyless, tokens stay valid across restarts and between orchestrators.
 */

/**
 * How each sort-key column is carried: bigint as a decimal string, so no digit is lost; `number`
 * is a double (a node's capacity), which JSON carries exactly.
 */
export type KeyKind = 'bigint' | 'int' | 'number' | 'string';
export type KeyValue = bigint | number | string;

/** Identifies one listing: tokens made for another order or other filters are refused. */
export interface PageScope {
  /** e.g. `jobs:create_time:asc`. */
  readonly order: string;
  /** `fingerprint(...)` of the filters. */
  readonly query: string;
  readonly kinds: readonly KeyKind[];
}

const VERSION = 1;
const CHECK_LENGTH = 10;

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');

/** A short, stable digest of a listing's filters. */
export function fingerprint(...parts: unknown[]): string {
  return digest(JSON.stringify(parts)).slice(0, 12);
}

export function encodePageToken(scope: PageScope, key: readonly KeyValue[]): string {
  const k = key.map((value) => (typeof value === 'bigint' ? value.toString() : value));
  const body = Buffer.from(JSON.stringify({ v: VERSION, o: scope.order, q: scope.query, k })).toString(
    'base64url',
  );
  return `${body}.${digest(body).slice(0, CHECK_LENGTH)}`;
}

function invalid(reason: string): ShoalError {
  return new ShoalError(ErrorCode.BadRequest, `invalid next_token: ${reason}`, {
    component: 'Store',
    hint: 'pass the NextToken of the previous page unchanged, with the same filters and order',
    details: { Parameter: 'next_token' },
  });
}

function decodeValue(raw: unknown, kind: KeyKind): KeyValue | undefined {
  switch (kind) {
    case 'bigint':
      return typeof raw === 'string' && /^-?\d{1,20}$/.test(raw) ? BigInt(raw) : undefined;
    case 'int':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : undefined;
    case 'number':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
    case 'string':
      return typeof raw === 'string' ? raw : undefined;
  }
}

/** The sort key after which the page starts; BadRequest naming `next_token` when unusable. */
export function decodePageToken(token: string, scope: PageScope): KeyValue[] {
  const dot = token.indexOf('.');
  const body = token.slice(0, dot);
  if (dot <= 0 || token.slice(dot + 1) !== digest(body).slice(0, CHECK_LENGTH)) {
    throw invalid('not a token this server issued, or it was altered');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token this server issued');
  }
  const { v, o, q, k } = (parsed ?? {}) as { v?: unknown; o?: unknown; q?: unknown; k?: unknown };
  if (v !== VERSION) throw invalid('unsupported token version');
  if (o !== scope.order) throw invalid(`it was issued for another order (${String(o)})`);
  if (q !== scope.query) throw invalid('it was issued for a listing with other filters');
  if (!Array.isArray(k) || k.length !== scope.kinds.length) throw invalid('malformed position');
  return scope.kinds.map((kind, i) => {
    const value = decodeValue(k[i], kind);
    if (value === undefined) throw invalid('malformed position');
    return value;
  });
}
