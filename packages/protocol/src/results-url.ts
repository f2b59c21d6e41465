import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, ErrorCode, ShoalError } from '@shoal/models';

/**
 * Signed result URLs: the orchestrator hands out `…/results/<executionId>.tar.gz?expires=…&sig=…`
 * and the agent's results server opens only those. Both sides need the exact same rules, which is
 * why they live here rather than in either app.
 *
 *   sig = hex(HMAC-SHA256(nodeKey, "shoal-results\n" + executionId + "\n" + expires))
 *
 * `expires` is Unix seconds. The separators keep an id and a time from running into each other
 * (`e-1` + `23` and `e-12` + `3` must not sign alike); the prefix keeps the node key from
 * vouching for anything but a results download. The node key (RESULTS_KEY_BYTES) reaches the
 * agent in its HandshakeReply (`ResultsKey`, base64).
 */

export const RESULTS_KEY_BYTES = 32;
const CONTEXT = 'shoal-results';
const SIG = /^[0-9a-f]{64}$/;
// Twelve digits reach the year 33658: longer is not a time, and Number() stays exact below it.
const EXPIRES = /^[0-9]{1,12}$/;
const NS_PER_S = 1_000_000_000n;
const COMPONENT = 'ResultsServer';

export interface ResultGrant {
  key: Uint8Array;
  executionId: string;
  /** Unix seconds after which the URL no longer opens. */
  expires: number;
}

export function resultSignature({ key, executionId, expires }: ResultGrant): string {
  return createHmac('sha256', key).update(`${CONTEXT}\n${executionId}\n${expires}`).digest('hex');
}

/** The URL with `expires` and `sig` set (replacing any it had); the rest is kept as it was. */
export function signResultUrl(url: string, grant: ResultGrant): string {
  const signed = new URL(url);
  signed.searchParams.set('expires', String(grant.expires));
  signed.searchParams.set('sig', resultSignature(grant));
  return signed.toString();
}

export interface ResultRequest {
  /** The node key, or undefined while the agent has none (before its first accepted handshake). */
  key: Uint8Array | undefined;
  executionId: string;
  query: URLSearchParams;
  clock: Clock;
}

/**
 * Throws a ShoalError unless `query` carries a signature over this execution that has not expired:
 * Forbidden (403) for an unsigned, invalid or expired URL, Unavailable (503) while there is no key,
 * since that passes once the orchestrator has answered a handshake.
 */
export function checkResultRequest({ key, executionId, query, clock }: ResultRequest): void {
  if (!key) {
    throw new ShoalError(
      ErrorCode.Unavailable,
      'results downloads are closed until the orchestrator has accepted this node (no signing key yet)',
      { component: COMPONENT },
    );
  }
  const expires = query.get('expires');
  const sig = query.get('sig');
  if (expires === null || sig === null) {
    throw forbidden('unsigned result URL: ask the orchestrator for a signed one (shoal job get does)');
  }
  if (!EXPIRES.test(expires) || !SIG.test(sig)) throw forbidden('invalid result URL signature');
  const expected = Buffer.from(resultSignature({ key, executionId, expires: Number(expires) }), 'hex');
  if (!timingSafeEqual(Buffer.from(sig, 'hex'), expected)) {
    throw forbidden('invalid result URL signature');
  }
  // Checked after the signature, so "expired" is only ever said of a URL the orchestrator made.
  if (BigInt(expires) * NS_PER_S <= clock.now()) {
    throw forbidden('expired result URL: ask the orchestrator for a new one (run shoal job get again)');
  }
}

function forbidden(message: string): ShoalError {
  return new ShoalError(ErrorCode.Forbidden, message, { component: COMPONENT });
}
