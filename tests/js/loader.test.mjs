/* API.md §6 loading: init's options, and a failed load that leaves a later
 * init free to succeed. Its own file: the module loads once per process,
 * so the failures must come before the first good load. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, createRuntime, GenServer } from '../../web/index.js';

const wasm = (...sections) => new WebAssembly.Module(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, ...sections.flat()]));
/* Imports env.zz, a function the glue does not provide: instantiating fails. */
const unlinkable = wasm([1, 4, 1, 0x60, 0, 0], [2, 10, 1, 3, 101, 110, 118, 2, 122, 122, 0, 0]);
/* Instantiates, but has none of the glue's exports. */
const empty = wasm();

test('a failed load rejects with its error, and a later init() loads the module', async () => {
  await assert.rejects(init({ module: unlinkable }), /Import #0/);
  await assert.rejects(init({ module: empty }));
  await assert.rejects(init({ wasmBinary: new Uint8Array([1, 2, 3]) }));
  await assert.rejects(init({ module: 'fauxtp.wasm' }), TypeError);
  await assert.rejects(init(5), TypeError);
  await assert.rejects(createRuntime('x'), TypeError);

  await init(null);
  class Echo extends GenServer {
    handleCall(request, _from, state) {
      return [request, state];
    }
  }
  const rt = await createRuntime();
  assert.equal(await rt.call(await rt.start(Echo), 'hi'), 'hi');
  rt.close();
});

/* A test environment (jsdom) that defines `window` in Node.js: the package
 * still loads from its files, and leaves nothing that keeps Node.js alive
 * (a MessageChannel port did, and the loader fetched a file: URL). */
test('under Node.js with a global window, the package loads and lets the process exit', async () => {
  const { execFile } = await import('node:child_process');
  const script = `globalThis.window = globalThis;
    const { init, createRuntime, GenServer } = await import(${JSON.stringify(new URL('../../web/index.js', import.meta.url).href)});
    await init();
    const rt = await createRuntime();
    class E extends GenServer { handleCall(r, _f, s) { return [r, s]; } }
    console.log(await rt.call(await rt.start(E), 41));`;
  const out = await new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout)
    );
    child.on('error', reject);
  });
  assert.equal(out.trim(), '41');
});
