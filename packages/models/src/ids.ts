/**
 * Identifiers: `j-`, `e-` and `n-` followed by a uuid v4. The short form keeps the prefix and the
 * first uuid group (`j-28c08f7f`), and any unique prefix of a full id finds it.
 */

export const ID_PREFIX = { job: 'j-', execution: 'e-', node: 'n-' } as const;
export type IdKind = keyof typeof ID_PREFIX;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const FULL_ID: Record<IdKind, RegExp> = {
  job: new RegExp(`^j-${UUID}$`),
  execution: new RegExp(`^e-${UUID}$`),
  node: new RegExp(`^n-${UUID}$`),
};
const UUID_RE = new RegExp(`^${UUID}$`);
/** Characters an id or id prefix may hold; anything else cannot match a stored id. */
const ID_TOKEN = /^[A-Za-z0-9_-]{1,255}$/;

export type UuidSource = () => string;

export interface IdGenerator {
  job(): string;
  execution(): string;
  node(): string;
  /** Evaluations carry a bare uuid, as in the v1 jobs API. */
  evaluation(): string;
  requestId(): string;
}

/** The uuid source is injected so tests can make ids deterministic. */
export function createIdGenerator(uuid: UuidSource = () => globalThis.crypto.randomUUID()): IdGenerator {
  return {
    job: () => `${ID_PREFIX.job}${uuid()}`,
    execution: () => `${ID_PREFIX.execution}${uuid()}`,
    node: () => `${ID_PREFIX.node}${uuid()}`,
    evaluation: () => uuid(),
    requestId: () => uuid(),
  };
}

export function isFullId(kind: IdKind, value: string): boolean {
  return FULL_ID[kind].test(value);
}

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** `j-28c08f7f-6fb0-…` → `j-28c08f7f`. Ids of other shapes (named nodes) are returned whole. */
export function shortId(id: string): string {
  for (const prefix of Object.values(ID_PREFIX)) {
    if (id.startsWith(prefix) && isUuid(id.slice(prefix.length))) {
      return id.slice(0, prefix.length + 8);
    }
  }
  return id;
}

/** Whether a path parameter can possibly name an id; anything else is a 400, not a lookup. */
export function isValidIdQuery(value: string): boolean {
  return ID_TOKEN.test(value);
}

/**
 * A node id that operators may choose. It travels in NATS subjects, so it must be a single subject
 * token: no dots, spaces, wildcards or control characters.
 */
export function isValidNodeId(value: string): boolean {
  return ID_TOKEN.test(value);
}

export type PrefixMatch =
  | { kind: 'exact'; id: string }
  | { kind: 'unique'; id: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; candidates: string[] };

/** Resolves an id or id prefix against candidate ids (for stores that fetch by prefix). */
export function matchIdPrefix(query: string, candidates: Iterable<string>): PrefixMatch {
  const found: string[] = [];
  for (const id of candidates) {
    if (id === query) return { kind: 'exact', id };
    if (id.startsWith(query)) found.push(id);
  }
  if (found.length === 0) return { kind: 'none' };
  if (found.length === 1) return { kind: 'unique', id: found[0] as string };
  return { kind: 'ambiguous', candidates: found.sort() };
}

/** Escapes a prefix for a SQL `LIKE 'prefix%'` pattern. */
export function likePrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
