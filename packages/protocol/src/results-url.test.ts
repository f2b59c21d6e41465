import { ErrorCode, isShoalError, manualClock, type ShoalError } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import { makeEnvelope } from './envelope.js';
import { checkResultRequest, RESULTS_KEY_BYTES, resultSignature, signResultUrl } from './results-url.js';
import { NODE } from './test-support/samples.js';

/** Signing result URLs and checking them, with a clock that moves only when told. */

const NS_PER_S = 1_000_000_000n;
const key = Buffer.alloc(RESULTS_KEY_BYTES, 1);
const BASE = 'http://agent:6001/results/e-1.tar.gz';

function setup(expires = 1_000) {
  const clock = manualClock(900n * NS_PER_S);
  const url = new URL(signResultUrl(BASE, { key, executionId: 'e-1', expires }));
  const check = (query: URLSearchParams, over: { executionId?: string; key?: Uint8Array | undefined } = {}) =>
    checkResultRequest({ key, executionId: 'e-1', query, clock, ...over });
  return { clock, url, query: url.searchParams, check };
}

function refusal(run: () => void): ShoalError {
  try {
    run();
  } catch (error) {
    if (isShoalError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('signed result URLs', () => {
  it('adds expires and a hex HMAC-SHA256 over the execution and the expiry, keeping the rest', () => {
    const signed = new URL(signResultUrl(`${BASE}?x=1&sig=old`, { key, executionId: 'e-1', expires: 1_000 }));
    expect(signed.origin + signed.pathname).toBe(BASE);
    expect(signed.searchParams.get('x')).toBe('1');
    expect(signed.searchParams.get('expires')).toBe('1000');
    expect(signed.searchParams.getAll('sig')).toEqual([
      resultSignature({ key, executionId: 'e-1', expires: 1_000 }),
    ]);
    expect(signed.searchParams.get('sig')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('opens a valid URL until its expiry, and says "expired" from then on', () => {
    const { clock, query, check } = setup();
    expect(() => check(query)).not.toThrow();
    clock.set(999n * NS_PER_S + 999_999_999n);
    expect(() => check(query)).not.toThrow();
    clock.set(1_000n * NS_PER_S);
    const expired = refusal(() => check(query));
    expect([expired.code, expired.status]).toEqual([ErrorCode.Forbidden, 403]);
    expect(expired.message).toMatch(/^expired result URL/);
  });

  it('does not open another execution with the same signature', () => {
    const { query, check } = setup();
    expect(refusal(() => check(query, { executionId: 'e-2' })).message).toBe('invalid result URL signature');
  });

  it('refuses a tampered signature, a moved expiry and another node key', () => {
    const { query, check } = setup();
    const sig = query.get('sig') ?? '';
    const flipped = new URLSearchParams(query);
    flipped.set('sig', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const later = new URLSearchParams(query);
    later.set('expires', '2000');
    for (const bad of [flipped, later]) {
      expect(refusal(() => check(bad)).message).toBe('invalid result URL signature');
    }
    expect(refusal(() => check(query, { key: Buffer.alloc(RESULTS_KEY_BYTES, 2) })).status).toBe(403);
  });

  it('refuses unsigned and malformed URLs, and everything while there is no key', () => {
    const { query, check } = setup();
    const unsigned = refusal(() => check(new URLSearchParams()));
    expect([unsigned.status, unsigned.message]).toEqual([403, expect.stringMatching(/^unsigned result URL/)]);
    const noExpiry = new URLSearchParams({ sig: query.get('sig') ?? '' });
    expect(refusal(() => check(noExpiry)).message).toMatch(/^unsigned/);
    for (const [expires, sig] of [
      ['1e3', query.get('sig') ?? ''],
      ['-1', query.get('sig') ?? ''],
      ['1000', 'zz'],
      ['1000', (query.get('sig') ?? '').toUpperCase()],
    ]) {
      const bad = new URLSearchParams({ expires: expires ?? '', sig: sig ?? '' });
      expect(refusal(() => check(bad)).message, `${expires} ${sig}`).toBe('invalid result URL signature');
    }
    const closed = refusal(() => check(query, { key: undefined }));
    expect([closed.code, closed.status]).toEqual([ErrorCode.Unavailable, 503]);
  });
});

describe('HandshakeReply.ResultsKey', () => {
  const reply = (ResultsKey?: string) =>
    makeEnvelope(
      'HandshakeReply',
      {
        Accepted: true,
        HeartbeatIntervalMs: 1_000,
        LastSeqReceived: 0n,
        Membership: 'APPROVED',
        ...(ResultsKey === undefined ? {} : { ResultsKey }),
      },
      { id: 'r-1', nodeId: NODE, time: 1n },
    );

  it('carries the key as base64, and is optional', () => {
    const sent = reply(key.toString('base64'));
    const decoded = decodeMessage(encodeMessage(sent), { channel: 'ctrl-reply' });
    expect(decoded.ok && decoded.envelope.payload).toMatchObject({ ResultsKey: key.toString('base64') });
    expect(() => encodeMessage(reply())).not.toThrow();
  });

  it('refuses a key of the wrong length or not in base64', () => {
    expect(() => encodeMessage(reply(Buffer.alloc(16).toString('base64')))).toThrow(
      /ResultsKey must be 32 bytes/,
    );
    expect(() => encodeMessage(reply('not base64!'))).toThrow(/ResultsKey/);
  });
});
