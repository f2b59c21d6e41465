export type { AgentDb, Tx } from './database.js';
export {
  type ExecutionChange,
  type ExecutionRecord,
  ExecutionRepo,
  type NewExecution,
} from './executions.js';
export { type LoadNodeIdOptions, loadNodeId, NODE_ID_FILE, NodeIdentityError } from './identity.js';
export { type AgentStore, DB_FILE, type OpenAgentStoreOptions, openAgentStore } from './open.js';
export { Outbox, type OutboxMessage, type Report } from './outbox.js';
export { InboundSeqTracker } from './seq-tracker.js';
