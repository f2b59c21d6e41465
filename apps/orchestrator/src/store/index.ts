export { openStore } from './open.js';
export type * from './types.js';
