export type { BuildInfo } from './build-info.js';
export { readBuildInfo } from './build-info.js';
export { ExitCode } from './exit-codes.js';
export type { CliIO } from './io.js';
export { bufferIO, processIO } from './io.js';
export { buildProgram, runCli } from './program.js';
