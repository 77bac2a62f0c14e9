/* The published package works on its own: `npm pack` in web/ ships
 * exactly the files it should, and a scratch project that installs the
 * tarball runs a scenario through `import ... from 'fauxtp'`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../../web/', import.meta.url));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack ships the package and an installed copy runs', { timeout: 120000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fauxtp-pack-'));
  try {
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], web));
    const files = packed.files.map((f) => f.path).sort();
    assert.deepEqual(
      files.filter((f) => !f.startsWith('src/')),
      ['README.md', 'dist/fauxtp.mjs', 'dist/fauxtp.wasm', 'index.d.ts', 'index.js', 'package.json']
    );
    for (const f of files.filter((f) => f.startsWith('src/'))) assert.match(f, /^src\/[\w-]+\.js$/);
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', '--offline', join(dir, packed.filename)], app);
    writeFileSync(
      join(app, 'main.js'),
      `import { init, GenServer, call, cast, Supervisor, whichChildren } from 'fauxtp';
await init();
class Counter extends GenServer {
  init(n) { return n; }
  handleCall(_r, _f, n) { return [n, n]; }
  handleCast(k, n) { return n + k; }
}
class Tree extends Supervisor { childSpecs() { return [{ id: 'c', actor: Counter, args: [40] }]; } }
const sup = await Tree.start();
const [{ pid }] = await whichChildren(sup);
await cast(pid, 2);
console.log(JSON.stringify({ answer: await call(pid, 'get') }));
`
    );
    const out = execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim()), { answer: 42 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
