export * from './binary.js';
export * from './process.js';
export * from './tcp.js';
