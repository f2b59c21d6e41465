import { ErrorCode, isShoalError } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, fingerprint, type PageScope } from './page-token.js';

const scope: PageScope = {
  order: 'jobs:create_time:asc',
  query: fingerprint('default', ''),
  kinds: ['bigint', 'string'],
};

function refusal(token: string, within = scope): string {
  try {
    decodePageToken(token, within);
  } catch (error) {
    if (isShoalError(error) && error.code === ErrorCode.BadRequest) return error.message;
    throw error;
  }
  throw new Error(`accepted ${token}`);
}

describe('page tokens', () => {
  it('carry int64 sort keys digit for digit', () => {
    const key = [9_223_372_036_854_775_807n, 'j-1'];
    expect(decodePageToken(encodePageToken(scope, key), scope)).toEqual(key);
    const ints: PageScope = { ...scope, kinds: ['int'] };
    expect(decodePageToken(encodePageToken(ints, [42]), ints)).toEqual([42]);
  });

  it('are opaque url-safe text', () => {
    expect(encodePageToken(scope, [1695883778909107178n, 'j-1'])).toMatch(
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{10}$/,
    );
  });

  it('refuse garbage, edits and tokens of another listing, naming next_token', () => {
    const token = encodePageToken(scope, [5n, 'j-1']);
    const [body = '', check = ''] = token.split('.');
    const edited = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"5"', '"6"')).toString(
      'base64url',
    );
    expect(refusal(`${edited}.${check}`)).toBe(
      'invalid next_token: not a token this server issued, or it was altered',
    );
    expect(refusal('')).toContain('next_token');
    expect(refusal('😀.x')).toContain('next_token');
    expect(refusal(token, { ...scope, order: 'jobs:id:asc' })).toBe(
      'invalid next_token: it was issued for another order (jobs:create_time:asc)',
    );
    expect(refusal(token, { ...scope, query: fingerprint('other', '') })).toBe(
      'invalid next_token: it was issued for a listing with other filters',
    );
    // Well-formed and checked, but its position has the wrong shape for this listing.
    expect(refusal(encodePageToken(scope, [5, 'j-1']))).toBe('invalid next_token: malformed position');
    expect(refusal(encodePageToken(scope, [5n]))).toBe('invalid next_token: malformed position');
  });
});
