import type { Payload } from '@shoal/protocol';

/**
 * The key this agent's results server checks download signatures with. The orchestrator gives it
 * in each accepted HandshakeReply (`ResultsKey`); until then there is none and nothing is served,
 * so a freshly started agent never serves an archive the orchestrator has not vouched for.
 */
export class ResultsKey {
  private key: Uint8Array | undefined;

  current(): Uint8Array | undefined {
    return this.key;
  }

  /**
   * Takes the reply's key, replacing the last one (a new orchestrator secret means new keys). A
   * reply without one leaves none: that orchestrator signs no URLs, so none could be opened anyway.
   */
  accept(reply: Pick<Payload<'HandshakeReply'>, 'ResultsKey'>): void {
    this.key = reply.ResultsKey === undefined ? undefined : Buffer.from(reply.ResultsKey, 'base64');
  }
}
