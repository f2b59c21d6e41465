import { createHmac } from 'node:crypto';
import type { Clock, Execution, SpecConfig } from '@shoal/models';
import { signResultUrl } from '@shoal/protocol';

/**
 * The orchestrator's half of result download authorization. Each node gets its own key,
 * HMAC-SHA256(secret, nodeId), at handshake: a node can only vouch for URLs to itself, and the
 * orchestrator needs to keep no per-node state. Whenever the API hands out a result URL it signs
 * it with that node's key for a short while (see @shoal/protocol results-url.ts for the format);
 * what is stored stays unsigned, since a signature is only good until it expires.
 */

/** Long enough to start a download of a large result, short enough that a leaked URL soon dies. */
export const DEFAULT_RESULT_URL_TTL_MS = 15 * 60 * 1000;
const NS_PER_S = 1_000_000_000n;

/** Only `local` results are behind an agent's results server; other types are handed out as stored. */
const SIGNED_TYPES: ReadonlySet<string> = new Set(['local']);

export interface ResultUrlOptions {
  /** From loadResultsSecret. */
  secret: Uint8Array;
  clock: Clock;
  ttlMs?: number;
}

export class ResultUrls {
  private readonly ttlSeconds: bigint;

  constructor(private readonly o: ResultUrlOptions) {
    this.ttlSeconds = BigInt(Math.ceil((o.ttlMs ?? DEFAULT_RESULT_URL_TTL_MS) / 1000));
  }

  /** The key this node's results server checks signatures with; sent in its HandshakeReply. */
  nodeKey(nodeId: string): Buffer {
    return createHmac('sha256', this.o.secret).update(nodeId).digest();
  }

  /** The result with its URL signed for `executionId` on `nodeId`; anything else unchanged. */
  sign(result: SpecConfig, executionId: string, nodeId: string): SpecConfig {
    const url = result.Params?.URL;
    if (!SIGNED_TYPES.has(result.Type) || typeof url !== 'string' || !URL.canParse(url)) return result;
    const expires = Number(this.o.clock.now() / NS_PER_S + this.ttlSeconds);
    const signed = signResultUrl(url, { key: this.nodeKey(nodeId), executionId, expires });
    return { ...result, Params: { ...result.Params, URL: signed } };
  }

  signExecution(execution: Execution): Execution {
    const PublishedResult = this.sign(execution.PublishedResult, execution.ID, execution.NodeID);
    return PublishedResult === execution.PublishedResult ? execution : { ...execution, PublishedResult };
  }
}
