/* bindings/emscripten.c through web/src/native.js: malformed input is an
 * error code, never a trap; nothing leaks across many operations. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fauxtp, GenServer, until } from './helpers.mjs';
import { FX } from '../../web/src/errors.js';

let rt;
before(async () => {
  rt = await fauxtp.createRuntime();
});

class Echo extends GenServer {
  handleCall(r, _f, s) {
    return [r, s];
  }
}

/* Writes raw bytes into the scratch buffer and returns its address. */
function raw(native, bytes) {
  const ptr = native.reserve(bytes.length);
  native.u8.set(bytes, ptr);
  return ptr;
}

test('malformed ETF is refused with an error code by every entry point', async () => {
  const n = rt.native;
  const m = n.m;
  const pid = await rt.start(Echo);
  const junk = [new Uint8Array([131]), new Uint8Array([131, 104, 5, 97]), new Uint8Array([1, 2, 3, 4]), new Uint8Array([131, 109, 255, 255, 255, 255]), new Uint8Array(0)];
  for (const bytes of junk) {
    const len = bytes.length;
    const p = raw(n, bytes.length ? bytes : new Uint8Array(1));
    assert.ok(m._fxw_send(n.w, pid.id, pid.serial, 0, 0, p, len) < 0);
    assert.ok(m._fxw_call(n.w, pid.id, pid.serial, 0, 0, p, len, 100) < 0);
    assert.ok(m._fxw_reply(n.w, p, len) < 0);
    assert.ok(m._fxw_reply_etf(n.w, p, len, p, len) < 0);
    assert.ok(m._fxw_exit(n.w, pid.id, pid.serial, p, len) < 0);
    assert.ok(m._fxw_host_exit(n.w, pid.id, pid.serial, p, len) < 0);
    assert.ok(m._fxw_demonitor(n.w, pid.id, pid.serial, p, len) < 0);
    assert.ok(m._fxw_pattern(n.w, p, len) < 0);
    assert.ok(m._fxw_supervisor_start(n.w, p, len, 0, 0) < 0);
    assert.ok(m._fxw_send_after(n.w, 10, pid.id, pid.serial, 0, 0, p, len) < 0);
  }
  // well-formed terms of the wrong shape
  assert.equal(n.supervisorStart([9, 1, 1, fauxtp.list([])], null), FX.EINVAL);
  assert.equal(n.supervisorStart(['x'], null), FX.EINVAL);
  assert.equal(m._fxw_receive(n.w, pid.id, pid.serial, 12345, -1), FX.EINVAL);
  assert.equal(m._fxw_pattern_free(n.w, -1), FX.EINVAL);
  assert.equal(await rt.call(pid, 'still fine'), 'still fine');
});

test('core memory returns to its level after calls, spawns and exits', async () => {
  const pid = await rt.start(Echo);
  for (let i = 0; i < 200; i++) await rt.call(pid, { i, s: 'x'.repeat(i) });
  const base = rt.native.memory();
  for (let i = 0; i < 2000; i++) await rt.call(pid, { i, s: 'x'.repeat(i % 300) });
  const pids = [];
  for (let i = 0; i < 200; i++) pids.push(await rt.start(Echo));
  for (const p of pids) rt.exit(p, 'kill');
  await until(() => pids.every((p) => !rt.isAlive(p)));
  await new Promise((r) => setTimeout(r, 10));
  const after = rt.native.memory();
  assert.ok(after - base < 64 * 1024, `core memory grew by ${after - base} bytes`);
});

/* The handle the host holds once a runtime is closed is NULL: every export
 * that takes one answers with an error code (or 0, or NULL), never a trap
 * and never a write through it into the module's memory, which the other
 * runtimes share. */
test('every export refuses a NULL runtime handle without a trap', async () => {
  const m = rt.native.m;
  const exports = Object.keys(m).filter((k) => /^_fxw_/.test(k) && !['_fxw_new', '_fxw_alloc', '_fxw_dealloc'].includes(k));
  assert.ok(exports.length >= 40, `found ${exports.length} exports`);
  const pid = await rt.start(Echo);
  const low = m.HEAPU8.slice(0, 4096); // what a write through NULL would hit
  for (const name of exports) {
    const rc = m[name](0, 0, 0, 0, 0, 0, 0, 0);
    assert.ok(rc === undefined || rc === 0 || rc === FX.EINVAL, `${name}(NULL) returned ${rc}`);
  }
  assert.deepEqual(m.HEAPU8.slice(0, 4096), low);
  assert.equal(await rt.call(pid, 'still here'), 'still here');
});
