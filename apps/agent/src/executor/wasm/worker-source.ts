/**
 * What runs inside the worker thread, as source text (`new Worker(source, { eval: true })`): the
 * agent runs from TypeScript sources (tsx, vitest) and from a build alike, and an evaluated script
 * needs neither a loader nor a file beside the build output. It is plain CommonJS on purpose.
 *
 * The worker compiles the (already memory-bounded) module, links it against node:wasi with the
 * preopens, arguments and environment it is given, and calls the entry point. Writes to fd 1 and 2
 * do not reach a file descriptor: each is handed to the parent, which keeps it in the execution's
 * output files (capped, as the docker engine keeps a container's output), and the write returns only
 * once the parent has it (a shared counter and Atomics.wait), so nothing printed before a timeout or
 * a stop is lost and a flood is slowed instead of buffered. Other file descriptors go to node:wasi.
 *
 * Messages to the parent: {type:'out', fd, bytes, seq}, then one of {type:'exit', code},
 * {type:'trap', message} or {type:'error', message}.
 */
export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const fs = require('node:fs');

const d = workerData;
const acked = new Int32Array(d.ack);
let seq = 0;
let memory;

function send(fd, bytes) {
  seq += 1;
  parentPort.postMessage({ type: 'out', fd, bytes, seq });
  // The parent stores seq once the bytes are in the file; a negative value means: stop.
  while (true) {
    const now = Atomics.load(acked, 0);
    if (now >= seq || now < 0) return now >= 0;
    Atomics.wait(acked, 0, now, 1000);
  }
}

async function main() {
  const devNull = fs.openSync('/dev/null', 'r+');
  const wasi = new WASI({
    version: 'preview1',
    args: d.args,
    env: d.env,
    preopens: d.preopens,
    returnOnExit: true,
    stdin: devNull,
    stdout: devNull,
    stderr: devNull,
  });
  const base = wasi.getImportObject();
  const wasiImports = Object.assign({}, base.wasi_snapshot_preview1);
  const original = wasiImports.fd_write;
  wasiImports.fd_write = (fd, iovs, count, written) => {
    if (fd !== 1 && fd !== 2) return original(fd, iovs, count, written);
    const view = new DataView(memory.buffer);
    const chunks = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      if (ptr + len > memory.buffer.byteLength) return 21; // EFAULT
      chunks.push(new Uint8Array(memory.buffer, ptr, len).slice());
      total += len;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
    if (total > 0 && !send(fd, bytes)) return 29; // EIO: the parent is stopping the run
    new DataView(memory.buffer).setUint32(written, total, true);
    return 0;
  };
  // No symlinks: node:wasi follows a link wherever it leads, so a link made inside a preopen and
  // then moved (a relative target climbing out from its new place) would reach the host's files.
  wasiImports.path_symlink = () => 58; // ENOTSUP
  const imports = { wasi_snapshot_preview1: wasiImports };
  const given = [];
  for (const m of d.importedMemories) {
    const mem = new WebAssembly.Memory({ initial: m.initial, maximum: m.maximum });
    imports[m.module] = Object.assign(imports[m.module] || {}, { [m.name]: mem });
    given.push(mem);
  }
  let instance;
  try {
    const compiled = await WebAssembly.compile(d.module);
    instance = await WebAssembly.instantiate(compiled, imports);
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: 'cannot load the module: ' + String(error && error.message || error) });
    return;
  }
  memory = instance.exports.memory instanceof WebAssembly.Memory ? instance.exports.memory : given[0];
  if (!(memory instanceof WebAssembly.Memory)) {
    parentPort.postMessage({ type: 'error', message: 'the module neither exports nor imports a memory, which WASI needs' });
    return;
  }
  const entry = instance.exports[d.entrypoint];
  if (typeof entry !== 'function') {
    parentPort.postMessage({ type: 'error', message: 'the module exports no function ' + JSON.stringify(d.entrypoint) });
    return;
  }
  // node:wasi starts "_start"; any other entry point is presented to it under that name.
  const view = { exports: { memory, _start: entry } };
  try {
    const code = wasi.start(view);
    parentPort.postMessage({ type: 'exit', code: code === undefined ? 0 : code });
  } catch (error) {
    const trap = error instanceof WebAssembly.RuntimeError || error instanceof RangeError;
    parentPort.postMessage({ type: trap ? 'trap' : 'error', message: String(error && error.message || error) });
  }
}

main().catch((error) => {
  parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
});
`;
