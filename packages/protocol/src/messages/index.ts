export * from './agent.js';
export * from './catalog.js';
export * from './control.js';
export * from './fields.js';
export * from './logs.js';
export * from './orchestrator.js';
