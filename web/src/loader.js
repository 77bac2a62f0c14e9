/* Loads the WebAssembly module once, everywhere, with no bundler plugin:
 *   - in Node.js, reads dist/fauxtp.wasm beside this package with `fs`
 *     (Emscripten 3.1.6's glue cannot fetch a file path under Node);
 *   - in browsers and workers, lets the glue fetch fauxtp.wasm beside
 *     itself (import.meta.url).
 * Either can be overridden: { wasmBinary } (bytes) or { module } (a
 * compiled WebAssembly.Module). */
import createFauxtpModule from '../dist/fauxtp.mjs';

let loading = null;

const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string' && typeof window === 'undefined';

async function nodeWasmBytes() {
  const fs = await import('node:fs/promises');
  return fs.readFile(new URL('../dist/fauxtp.wasm', import.meta.url));
}

async function instantiate(options = {}) {
  const config = {};
  if (options.module) {
    config.instantiateWasm = (imports, done) => {
      WebAssembly.instantiate(options.module, imports).then((instance) => done(instance, options.module));
      return {};
    };
  } else if (options.wasmBinary) {
    config.wasmBinary = options.wasmBinary;
  } else if (isNode) {
    config.wasmBinary = await nodeWasmBytes();
  }
  return createFauxtpModule(config);
}

/**
 * The instantiated module, loaded on first use and shared afterwards.
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array, module?: WebAssembly.Module }} [options]
 */
export function loadModule(options) {
  if (!loading) {
    loading = instantiate(options);
    loading.catch(() => {
      loading = null; // let a later init() try again
    });
  }
  return loading;
}
