import { describe, expect, it } from 'vitest';
import { decodeDataUri, encodeDataUri } from './data-uri.js';

const text = (uri: string) => {
  const r = decodeDataUri(uri);
  if (!r.ok) throw new Error(r.error);
  return { mediaType: r.value.mediaType, text: new TextDecoder().decode(r.value.bytes) };
};

describe('data: URIs', () => {
  it('decodes base64, standard and URL-safe, with or without padding', () => {
    expect(text('data:text/plain;base64,aGVsbG8gd29ybGQ=')).toEqual({
      mediaType: 'text/plain',
      text: 'hello world',
    });
    expect(text('data:;base64,aGVsbG8gd29ybGQ').text).toBe('hello world');
    const r = decodeDataUri('data:;base64,-_8');
    expect(r.ok && [...r.value.bytes]).toEqual([0xfb, 0xff]);
  });

  it('decodes percent-encoded text and defaults the media type as RFC 2397 says', () => {
    expect(text('data:,a%20b%0A%C3%A9')).toEqual({
      mediaType: 'text/plain;charset=US-ASCII',
      text: 'a b\né',
    });
    expect(text('data:,é').text).toBe('é');
  });

  it('refuses what is not a data: URI or is malformed, saying why', () => {
    expect(decodeDataUri('http://x')).toEqual({
      ok: false,
      error: expect.stringContaining('must be a data: URI'),
    });
    expect(decodeDataUri('data:text/plain')).toEqual({ ok: false, error: expect.stringContaining('comma') });
    expect(decodeDataUri('data:,%zz')).toEqual({
      ok: false,
      error: expect.stringContaining('percent-escape'),
    });
    expect(decodeDataUri('data:;base64,a')).toEqual({ ok: false, error: expect.stringContaining('base64') });
  });

  it('round-trips any bytes through encodeDataUri', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    const r = decodeDataUri(encodeDataUri(bytes));
    expect(r.ok && Buffer.from(r.value.bytes).equals(Buffer.from(bytes))).toBe(true);
  });
});
