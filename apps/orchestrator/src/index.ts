export type { OrchestratorConfig, OrchestratorConfigInput } from './config.js';
export { OrchestratorConfigSchema, publicConfig, storeUrl } from './config.js';
export type { OrchestratorOverrides, RunningOrchestrator } from './main.js';
export { startOrchestrator } from './main.js';
export { choosePort, type PortChoice } from './transport/ports.js';
