/* The packed package bundles with Vite as it is: a scratch Vite app (an
 * index.html and a main.js that imports `fauxtp`, with no vite.config and
 * no plugin) installs the tarball, `vite build` emits fauxtp.wasm as an
 * asset of its own (found through the `new URL('fauxtp.wasm',
 * import.meta.url)` in the Emscripten glue and the loader), and the built
 * page, served from a localhost static server, runs a GenServer call in
 * Debian's chromium (driven by playwright-core, as browser.test.mjs does).
 * Vite comes from web/'s dev dependencies (bash scripts/setup.sh). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumMissing, launchChromium, playwrightMissing, serveFolder } from './chromium.mjs';

const web = fileURLToPath(new URL('../../web/', import.meta.url));
const VITE = join(web, 'node_modules', '.bin', 'vite');

const INDEX_HTML = `<!doctype html>
<meta charset="utf-8">
<title>fauxtp with vite</title>
<p id="out">pending</p>
<script type="module" src="/main.js"></script>
`;

const MAIN_JS = `import { init, GenServer, call } from 'fauxtp';

class Greeter extends GenServer {
  init(greeting) { return greeting; }
  handleCall(name, _from, greeting) { return [\`\${greeting}, \${name}\`, greeting]; }
}

const out = document.getElementById('out');
try {
  await init();
  const pid = await Greeter.start('hello');
  out.textContent = await call(pid, 'vite');
} catch (e) {
  out.textContent = 'error: ' + (e && e.stack || e);
}
`;

const dir = mkdtempSync(join(tmpdir(), 'fauxtp-vite-'));
const app = join(dir, 'app');
after(() => rmSync(dir, { recursive: true, force: true }));

test('vite build, with no config and no plugin, emits fauxtp.wasm as an asset', { timeout: 120000 }, () => {
  assert.ok(existsSync(VITE), `${VITE} is missing: run bash scripts/setup.sh (npm ci in web/ installs vite)`);
  const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], web));
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed.filename)], app);
  writeFileSync(join(app, 'index.html'), INDEX_HTML);
  writeFileSync(join(app, 'main.js'), MAIN_JS);

  const log = run(VITE, ['build'], app);
  const version = /vite v(\S+)/.exec(log)?.[1];
  const assets = readdirSync(join(app, 'dist', 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  console.log(`# vite ${version}: dist/assets = ${assets.join(', ')}`);
  assert.equal(wasm.length, 1, `one .wasm asset expected, got ${JSON.stringify(assets)}\n${log}`);
  assert.match(wasm[0], /^fauxtp-[\w-]+\.wasm$/);
  assert.deepEqual(readFileSync(join(app, 'dist', 'assets', wasm[0])), readFileSync(join(web, 'dist', 'fauxtp.wasm')), 'the emitted .wasm is the package\'s own');
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(app, 'dist', 'assets', f), 'utf8')).join('\n');
  assert.ok(js.includes(wasm[0]), 'the bundle refers to the emitted .wasm by its hashed name');
});

test('the vite-built page runs a GenServer call in chromium', { skip: chromiumMissing, timeout: 60000 }, async () => {
  assert.ok(existsSync(join(app, 'dist', 'index.html')), 'vite build did not run');
  assert.ok(!playwrightMissing, playwrightMissing);
  let server, browser;
  try {
    server = await serveFolder(join(app, 'dist'));
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors = [];
    const fetched = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => fetched.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'pending', null, { timeout: 20000 });
    const text = await page.textContent('#out');
    assert.deepEqual(errors, []);
    assert.equal(text, 'hello, vite');
    assert.ok(fetched.some((f) => /^200 \/assets\/fauxtp-[\w-]+\.wasm$/.test(f)), `the page fetched the emitted .wasm: ${fetched.join(', ')}`);
  } finally {
    await browser?.close();
    server?.close();
  }
});
