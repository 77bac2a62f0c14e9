/* Loads the WebAssembly module once, everywhere, with no bundler plugin:
 *   - in Node.js, reads dist/fauxtp.wasm beside this package with `fs`
 *     (Emscripten 3.1.6's glue cannot fetch a file path under Node);
 *   - in browsers and workers, lets the glue fetch fauxtp.wasm beside
 *     itself (import.meta.url).
 * Either can be overridden: { wasmBinary } (bytes) or { module } (a
 * compiled WebAssembly.Module). */
import createFauxtpModule from '../dist/fauxtp.mjs';

let loading = null;

/* Node.js by its own mark: a test environment (jsdom) may define `window`. */
const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';

async function nodeWasmBytes() {
  const fs = await import('node:fs/promises');
  return fs.readFile(new URL('../dist/fauxtp.wasm', import.meta.url));
}

async function instantiate(options) {
  options ??= {};
  if (typeof options !== 'object') throw new TypeError('init: options must be an object { wasmBinary } or { module }');
  const config = {};
  if (options.module) {
    const module = options.module;
    if (!(module instanceof WebAssembly.Module)) throw new TypeError('init: options.module must be a WebAssembly.Module');
    /* The glue hears of nothing that goes wrong in here: a module that
     * does not instantiate (or whose instance the glue cannot take) would
     * leave its promise pending for ever. */
    let fail;
    const failed = new Promise((_, reject) => (fail = reject));
    config.instantiateWasm = (imports, done) => {
      WebAssembly.instantiate(module, imports).then((instance) => {
        try {
          done(instance, module);
        } catch (e) {
          fail(e);
        }
      }, fail);
      return {};
    };
    return Promise.race([createFauxtpModule(config), failed]);
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
