import { decodeJson, ErrorCode, encodeJson, JsonSyntaxError, ShoalError } from '@shoal/models';
import { ApiConnectionError, connectionReason, errorFromResponse, unexpectedResponse } from './errors.js';
import { type Send, type SendResponse, sendWithFetch, sendWithNodeHttp } from './send.js';

/**
 * The one place where the client speaks HTTP: URLs, headers (the bearer token), timeouts, the
 * lossless JSON codec and the validation of every answer. Bodies are read with decodeJson, never
 * JSON.parse, so int64 times such as 1695883778909107178 keep every digit (as bigint).
 */

export interface ClientOptions {
  /** The orchestrator's base URL, e.g. `http://127.0.0.1:1234`. A path prefix is kept. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request, WebSockets included. */
  token?: string | undefined;
  /** Per request; a WebSocket stream is not limited by it. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Requests go through this fetch when given; through node:http and node:https otherwise. */
  fetch?: typeof globalThis.fetch;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

/** What the client needs of a zod schema (models' schemas; the client itself does not depend on zod). */
export interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

export interface RequestSpec<T> {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Under `/api/v1`, e.g. `/orchestrator/jobs`. Ids in it must already be encoded. */
  path: string;
  query?: Query;
  body?: unknown;
  schema: Schema<T>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Checks the base URL once, so a typo fails before any request with a message naming it. */
export function parseApiUrl(apiUrl: string): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw invalidApiUrl(apiUrl, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidApiUrl(apiUrl, 'use http:// or https://');
  if (url.search || url.hash) throw invalidApiUrl(apiUrl, 'no query or fragment');
  return url;
}

function invalidApiUrl(apiUrl: string, why: string): ShoalError {
  return new ShoalError(ErrorCode.BadRequest, `invalid API URL ${JSON.stringify(apiUrl)}: ${why}`, {
    component: 'Client',
    hint: 'give the orchestrator as http://host:port, e.g. http://127.0.0.1:1234',
  });
}

export class HttpTransport {
  readonly base: URL;
  private readonly send: Send;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    this.base = parseApiUrl(options.apiUrl);
    this.send = options.fetch ? sendWithFetch(options.fetch) : sendWithNodeHttp;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The display form of the API address, for messages. */
  get apiUrl(): string {
    return this.base.href.replace(/\/$/, '');
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(this.base);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/api/v1${path}`;
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [String(value)];
      for (const v of values) url.searchParams.append(key, v);
    }
    return url;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Accept: 'application/json',
      ...(this.options.userAgent ? { 'User-Agent': this.options.userAgent } : {}),
      ...(this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {}),
      ...extra,
    };
  }

  async request<T>(spec: RequestSpec<T>): Promise<T> {
    const url = this.url(spec.path, spec.query);
    const what = `${spec.method} ${url.pathname}`;
    const hasBody = spec.body !== undefined;
    let response: SendResponse;
    try {
      response = await this.send(url, {
        method: spec.method,
        headers: this.headers(hasBody ? { 'Content-Type': 'application/json' } : {}),
        body: hasBody ? encodeJson(spec.body) : undefined,
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      throw new ApiConnectionError(this.apiUrl, connectionReason(error, this.timeoutMs), error);
    }
    const { status, statusText, text } = response;
    if (status < 200 || status > 299) throw errorFromResponse(status, statusText, text, what);
    let decoded: unknown;
    try {
      decoded = decodeJson(text);
    } catch (error) {
      const detail = error instanceof JsonSyntaxError ? error.message : String(error);
      throw unexpectedResponse(what, detail);
    }
    const parsed = spec.schema.safeParse(decoded);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`,
      );
      throw unexpectedResponse(what, problems.slice(0, 5).join('; '));
    }
    return parsed.data;
  }
}
