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

export function decodeJson(text: string): unknown {
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
