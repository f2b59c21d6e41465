import type { DecodedRequest, RequestEnvelope } from '@shoal/models';
import {
  decodeJson,
  decodeRequest,
  ErrorCode,
  JsonSyntaxError,
  MAX_JSON_DEPTH,
  ShoalError,
  textProblems,
} from '@shoal/models';
import type { Context } from 'hono';
import type { z } from 'zod';

/**
 * Request bodies are read here and nowhere else: size first (413 before anything is parsed), then
 * the media type (415), then JSON with `decodeJson`, so int64 times keep every digit, nested at
 * most MAX_JSON_DEPTH deep (checked before parsing, so no body can exhaust the parser's stack),
 * then every key and string for text the store cannot keep (lone surrogates, NUL): a 400 naming the
 * field, whatever route the body is for. The body is read from the raw stream with a running count,
 * so an oversized upload is cut off at the limit instead of being buffered whole.
 */

export interface BodyOptions {
  maxBytes: number;
  /** A required body that is absent or empty is a 400; an optional one yields undefined. */
  required: boolean;
}

const fail = (code: ErrorCode, message: string, hint?: string, details?: Record<string, unknown>) =>
  new ShoalError(code, message, {
    component: 'API',
    ...(hint === undefined ? {} : { hint }),
    ...(details === undefined ? {} : { details }),
  });

const tooLarge = (maxBytes: number) =>
  fail(ErrorCode.PayloadTooLarge, `request body exceeds the limit of ${maxBytes} bytes`);

/**
 * A body refused before it was read to the end is still on the socket. Asking the client to close
 * the connection keeps it from sending its next request on a socket the server is about to drop.
 */
function refuseUnread(c: Context, error: ShoalError): ShoalError {
  c.header('Connection', 'close');
  return error;
}

/** `application/json`, optionally with `charset=utf-8`; any other charset would be misread. */
export function isJsonMediaType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}

function mediaTypeError(c: Context): ShoalError {
  const header = c.req.header('content-type');
  return fail(
    ErrorCode.UnsupportedMediaType,
    `request body must be application/json, got ${header === undefined ? 'no Content-Type' : JSON.stringify(header)}`,
    'send the header Content-Type: application/json',
  );
}

async function readLimited(c: Context, maxBytes: number): Promise<Uint8Array> {
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw refuseUnread(c, tooLarge(maxBytes));
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Reads and decodes a JSON body; see the module comment for the order of the checks. */
export async function readJsonBody(c: Context, options: BodyOptions): Promise<unknown> {
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared)) throw fail(ErrorCode.BadRequest, 'invalid Content-Length header');
    if (Number(declared) > options.maxBytes) throw refuseUnread(c, tooLarge(options.maxBytes));
    // A declared body is refused for its media type before a byte of it is read.
    if (Number(declared) > 0 && !isJsonMediaType(c.req.header('content-type'))) {
      throw refuseUnread(c, mediaTypeError(c));
    }
  }
  const bytes = await readLimited(c, options.maxBytes);
  if (bytes.byteLength === 0) {
    if (options.required) throw fail(ErrorCode.BadRequest, 'request body is required');
    return undefined;
  }
  if (!isJsonMediaType(c.req.header('content-type'))) throw mediaTypeError(c);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail(ErrorCode.BadRequest, 'request body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = decodeJson(text, { maxDepth: MAX_JSON_DEPTH });
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const details = error.position === undefined ? undefined : { Position: error.position };
    throw fail(ErrorCode.BadRequest, `request body is ${error.message}`, undefined, details);
  }
  const problems = textProblems(body);
  if (problems.length > 0) throw ShoalError.validation(problems, 'API');
  return body;
}

/**
 * Reads a JSON body and decodes it as Go would (decodeRequest): keys in any case, unknown keys
 * dropped with a warning, null as absent; then checks its values, listing every field that is wrong.
 */
export async function readBodyAs<S extends z.ZodType>(
  c: Context,
  envelope: RequestEnvelope<S>,
  options: BodyOptions & { required: true },
): Promise<DecodedRequest<z.output<S>>>;
export async function readBodyAs<S extends z.ZodType>(
  c: Context,
  envelope: RequestEnvelope<S>,
  options: BodyOptions,
): Promise<DecodedRequest<z.output<S>> | undefined>;
export async function readBodyAs<S extends z.ZodType>(
  c: Context,
  envelope: RequestEnvelope<S>,
  options: BodyOptions,
): Promise<DecodedRequest<z.output<S>> | undefined> {
  const body = await readJsonBody(c, options);
  return body === undefined ? undefined : decodeRequest(envelope, body);
}
