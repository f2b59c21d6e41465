/** How the node manager judges nodes. */
export interface NodeSettings {
  /** Not heard from for this long (by the orchestrator's clock): DISCONNECTED. */
  disconnectTimeoutMs: number;
  /** After start, nobody is judged for this long, so agents can reach a restarted orchestrator. */
  gracePeriodMs: number;
  /** New nodes join APPROVED; otherwise PENDING until an operator approves them. */
  autoApprove: boolean;
  /** How often liveness is checked; default a quarter of the timeout, at most 5 s. */
  checkEveryMs?: number;
  /** The planner's overcommit, told to each agent at handshake so it bids by the same rule. */
  overcommit?: number;
}

/** Bacalhau's 15 s, but always four heartbeats per timeout, so one lost heartbeat is never fatal. */
export function heartbeatIntervalMs(settings: NodeSettings): number {
  return Math.max(1, Math.min(15_000, Math.floor(settings.disconnectTimeoutMs / 4)));
}

export function livenessCheckMs(settings: NodeSettings): number {
  return settings.checkEveryMs ?? Math.max(10, Math.min(5_000, Math.floor(settings.disconnectTimeoutMs / 4)));
}
