import type { Command } from 'commander';
import { action, addApiOption, type CommandContext } from '../api-options.js';
import { addJobShapeFlags } from './job-shape-flags.js';
import { addRunFlags, type RunFlags, runJob } from './job-submit.js';
import { resultPathOption } from './result-paths.js';
import { buildWasmJob, checkInlineSize, entryModuleFor, type WasmRunFlags } from './wasm-job.js';

/**
 * `shoal wasm run MODULE [-- ARGS…]`: runs a WASI preview 1 module as a batch job on a node with
 * the wasm engine, and then behaves as `docker run` does (waiting, --follow, --id-only, --dry-run).
 * MODULE is a local .wasm file, sent inline in the job, or an http(s) URL.
 */
export function addWasmCommand(program: Command, ctx: CommandContext): void {
  const wasm = program.command('wasm').description('run WebAssembly (WASI) modules as jobs');
  const run = wasm
    .command('run')
    .description('run a module as a batch job: shoal wasm run module.wasm -- ARGS…')
    .argument('<module>', 'a local .wasm file (sent inline) or an http(s) URL')
    .argument('[args...]', 'the module’s arguments (put them after --)')
    .option('--entry-point <name>', 'the exported function to call (default _start)')
    .addOption(resultPathOption());
  addJobShapeFlags(run, {
    env: 'environment variable of the module; repeatable',
    memory: 'memory per execution, which also bounds the module’s memory, e.g. 64Mb',
    input:
      'input preopened for the module: URI[:PATH] or src=URI,dst=PATH, as docker run takes it; repeatable',
  });
  addApiOption(addRunFlags(run, { resultPaths: true })).action(
    action(ctx, async (module: string, args: string[], flags: WasmRunFlags & RunFlags) => {
      const job = buildWasmJob(await entryModuleFor(module), args, flags);
      checkInlineSize(job, module);
      return runJob(ctx, job, flags);
    }),
  );
}
