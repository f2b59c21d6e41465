import { isInteger, parse, stringify } from 'lossless-json';

/**
 * JSON that keeps every digit. `CreateTime`/`ModifyTime` are int64 nanoseconds, beyond
 * Number.MAX_SAFE_INTEGER, so `JSON.parse` would silently round them. Integers that do not fit a
 * double exactly become `bigint`; everything else is an ordinary number. `bigint` values are
 * written back as bare integer literals.
 */

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    /** 0-based character offset, when the parser knows it. */
    readonly position?: number,
  ) {
    super(message);
  }
}

function parseNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) return BigInt(text);
    return n;
  }
  return Number(text);
}

/**
 * lossless-json's parser recurses once per level and runs out of stack a few thousand levels down
 * ("Maximum call stack size exceeded"), so the depth is checked before it runs. This default guards
 * every caller, far above any document Shoal writes (a job inside a NATS envelope is about ten
 * levels); request bodies get a tighter cap (MAX_JSON_DEPTH).
 */
export const DEFAULT_MAX_JSON_DEPTH = 512;

export interface DecodeJsonOptions {
  /** Arrays and objects nested deeper than this are refused. Default DEFAULT_MAX_JSON_DEPTH. */
  maxDepth?: number;
}

/** Where the closing quote of the string opened at `open` is (or the end, if it is unclosed). */
function stringEnd(text: string, open: number): number {
  let quote = open;
  for (;;) {
    quote = text.indexOf('"', quote + 1);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
  }
}

/**
 * One linear pass over the brackets outside strings: the position of the first bracket past
 * `maxDepth`, or -1. Malformed text is left for the parser to describe.
 */
function tooDeepAt(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return -1;
}

export function decodeJson(text: string, options: DecodeJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const deepAt = tooDeepAt(text, maxDepth);
  if (deepAt !== -1) {
    throw new JsonSyntaxError(`nested deeper than ${maxDepth} levels (at position ${deepAt})`, deepAt);
  }
  try {
    return parse(text, null, parseNumber);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(message);
    throw new JsonSyntaxError(`invalid JSON: ${message}`, match ? Number(match[1]) : undefined);
  }
}

/** Encodes like JSON.stringify (undefined dropped, toJSON honoured) with bigint as literals. */
export function encodeJson(value: unknown, indent?: number): string {
  const text = stringify(value, undefined, indent);
  // stringify returns undefined for a bare undefined, as JSON.stringify does.
  return text ?? 'null';
}
