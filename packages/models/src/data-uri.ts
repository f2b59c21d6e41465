/**
 * RFC 2397 `data:` URIs, the payload of an `inline` input source:
 * `data:[<media type>][;base64],<data>`. Without `;base64` the data is percent-encoded text.
 * Decoding is pure so that both the submission checks and the agent that writes the file use it.
 */

export interface DataUri {
  /** `text/plain;charset=US-ASCII` when the URI names none, as RFC 2397 says. */
  mediaType: string;
  bytes: Uint8Array;
}

const DEFAULT_MEDIA_TYPE = 'text/plain;charset=US-ASCII';
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** The decoded payload, or a message that says what is wrong with the URI. */
export function decodeDataUri(uri: string): { ok: true; value: DataUri } | { ok: false; error: string } {
  if (!/^data:/i.test(uri))
    return { ok: false, error: 'must be a data: URI (data:[<media type>][;base64],<data>)' };
  const comma = uri.indexOf(',');
  if (comma < 0) return { ok: false, error: 'a data: URI needs a comma before its data' };
  const header = uri.slice('data:'.length, comma);
  const data = uri.slice(comma + 1);
  const isBase64 = /;base64$/i.test(header);
  const mediaType = (isBase64 ? header.slice(0, -';base64'.length) : header) || DEFAULT_MEDIA_TYPE;
  if (isBase64) {
    // Whitespace and percent-escapes may appear in base64 data that was pasted or URL-encoded.
    const text = percentDecodeText(data)?.replace(/\s+/g, '');
    if (text === undefined || !BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1)
      return { ok: false, error: 'the base64 data of the data: URI is malformed' };
    return { ok: true, value: { mediaType, bytes: base64Bytes(text) } };
  }
  const bytes = percentDecodeBytes(data);
  if (!bytes) return { ok: false, error: 'the data: URI has a malformed percent-escape' };
  return { ok: true, value: { mediaType, bytes } };
}

/** `%41b` → bytes 0x41 0x62; characters other than escapes are taken as UTF-8. */
function percentDecodeBytes(text: string): Uint8Array | undefined {
  const encoder = new TextEncoder();
  if (!text.includes('%')) return encoder.encode(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out.push(Number.parseInt(hex, 16));
      i += 2;
      continue;
    }
    const code = text.codePointAt(i) ?? 0;
    if (code > 0xffff) i++;
    for (const b of encoder.encode(String.fromCodePoint(code))) out.push(b);
  }
  return Uint8Array.from(out);
}

function percentDecodeText(text: string): string | undefined {
  if (!text.includes('%')) return text;
  const bytes = percentDecodeBytes(text);
  return bytes && new TextDecoder().decode(bytes);
}

/** Standard and URL-safe alphabets, padding optional. */
function base64Bytes(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const padded = standard + '='.repeat((4 - (standard.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A data: URI carrying `bytes` in base64 (what the CLI sends for a local file). */
export function encodeDataUri(bytes: Uint8Array, mediaType = 'application/octet-stream'): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${mediaType};base64,${btoa(binary)}`;
}
