/* The peer benchmark's harness works: its --quick mode on the cheap fauxtp
 * runners (C native, JavaScript in Node) produces a checked result for
 * every workload and a memory figure. The full run (every peer, minutes
 * long) is not a test: node tests/bench/peers/run.mjs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expected } from '../bench/peers/expected.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = JSON.parse(readFileSync(join(root, 'tests/bench/peers/workloads.json'), 'utf8'));
const skip = !existsSync(join(root, 'build/release/build.ninja'))
  ? 'build/release is not configured (cmake --preset release)'
  : !existsSync(join(root, 'web/dist/fauxtp.wasm'))
    ? 'web/dist is not built (cmake --preset emscripten && cmake --build --preset emscripten)'
    : false;


test('run.mjs --quick: every workload on C native and JS in Node, results checked', { skip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fx-peers-'));
  try {
    const file = join(dir, 'results.json');
    const r = spawnSync(process.execPath, ['tests/bench/peers/run.mjs', '--quick', '--only', 'c-native,js-node', '--results', file], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /### Throughput/);
    const results = JSON.parse(readFileSync(file, 'utf8'));
    for (const runner of ['c-native', 'js-node']) {
      for (const [w, def] of Object.entries(config.workloads)) {
        const x = results.find((y) => y.runner === runner && y.workload === w);
        assert.ok(x, `${runner} ${w}: no result`);
        assert.equal(x.error, undefined, `${runner} ${w}: ${x.error}`);
        assert.deepEqual(x.params, def.quick);
        assert.equal(x.result, expected[w](def.quick), `${runner} ${w}: checksum`);
        assert.equal(x.times_ms.length, 2);
        assert.ok(x.times_ms.every((t) => t > 0) && x.ops_per_s > 0, `${runner} ${w}: times`);
      }
      const mem = results.find((y) => y.runner === runner && y.workload === 'memory');
      assert.ok(mem?.bytes_per_process > 0, `${runner}: memory per process`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fx-savina: a one-member ring checks out; bad input fails rather than post a time', { skip }, () => {
  /* threadring's checksum is the final holder: with one member it is 0. */
  const bin = join(root, 'build/release/tests/fx-savina');
  spawnSync('cmake', ['--build', 'build/release', '--target', 'fx-savina'], { cwd: root });
  const ok = spawnSync(bin, ['threadring', 'actors=1', 'hops=1', 'reps=1', 'warmup=0'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).result, 0);
  assert.notEqual(spawnSync(bin, ['nosuch'], { encoding: 'utf8' }).status, 0);
  assert.notEqual(spawnSync(bin, ['pingpong', 'reps=1'], { encoding: 'utf8' }).status, 0);
});
