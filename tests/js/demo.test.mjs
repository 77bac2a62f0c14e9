/* The demo page (demo/) in a real browser: Debian's chromium, driven by
 * playwright-core (chromium.mjs), served by scripts/serve-demo.mjs on a
 * free port. The page must load with no console errors, draw the supervision tree, restart
 * a crashed worker under a new pid, show the API.md §2 extractions in the
 * pattern playground, report a positive message rate, and bring a tree
 * that a crash storm took down back up. Screenshots go to
 * build/demo-screenshots/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumMissing, launchChromium, playwrightMissing, serveFolder } from './chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const web = join(root, 'web');
const SHOTS = join(root, 'build', 'demo-screenshots');
const skip =
  chromiumMissing ||
  playwrightMissing ||
  (!existsSync(join(web, 'dist', 'fauxtp.wasm')) &&
    'web/dist is not built (cmake --preset emscripten && cmake --build --preset emscripten)');

const SEEDS = ['[42]', '["127.0.0.1"]', '[{key: "value"}]', '[1]'];

test('the demo page: tree, crash and restart, one_for_all, playground, throughput, crash storm', { skip, timeout: 60000 }, async () => {
  mkdirSync(SHOTS, { recursive: true });
  let server, browser;
  try {
    server = await serveFolder(root);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/demo/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });

    // The tree: a supervisor and four workers with pids.
    const pidOf = (id) => page.$eval(`.worker[data-id="${id}"]`, (e) => e.dataset.pid);
    await page.waitForFunction(() => [...document.querySelectorAll('.worker')].every((w) => /^<\d+\.\d+\.\d+>$/.test(w.dataset.pid)));
    const ids = await page.$$eval('.worker', (ws) => ws.map((w) => w.dataset.id));
    assert.deepEqual(ids, ['cache', 'sessions', 'mailer', 'metrics']);
    const firstSup = await page.$eval('.node.sup dd[data-field="pid"]', (e) => e.textContent);
    assert.match(firstSup, /^<\d+\.\d+\.\d+>$/);
    assert.equal(await page.$eval('.worker[data-id="cache"] dd[data-field="name"]', (e) => e.textContent), 'cache');
    await page.screenshot({ path: join(SHOTS, '1-loaded.png'), fullPage: true });

    // Crash a worker: its supervisor restarts it under a new pid.
    const before = await pidOf('sessions');
    await page.click('.worker[data-id="sessions"] button.crash');
    await page.waitForFunction(
      (old) => {
        const w = document.querySelector('.worker[data-id="sessions"]');
        return /^<\d+\.\d+\.\d+>$/.test(w.dataset.pid) && w.dataset.pid !== old && w.querySelector('dd[data-field="restarts"]').textContent === '1';
      },
      before,
      { timeout: 5000 }
    );
    assert.notEqual(await pidOf('sessions'), before);
    assert.equal(await pidOf('cache') !== '', true);

    // one_for_all: switching the strategy restarts the tree; one crash then
    // restarts every worker.
    const workerPids = () => page.$$eval('.worker', (ws) => ws.map((w) => w.dataset.pid));
    const sup1 = await page.$eval('.node.sup dd[data-field="pid"]', (e) => e.textContent);
    await page.selectOption('#strategy', 'one_for_all');
    await page.waitForFunction(
      (old) => {
        const sup = document.querySelector('.node.sup');
        return sup.querySelector('dd[data-field="pid"]').textContent !== old && sup.querySelector('dd[data-field="strategy"]').textContent === 'one_for_all' &&
          [...document.querySelectorAll('.worker')].every((w) => /^<\d+\.\d+\.\d+>$/.test(w.dataset.pid));
      },
      sup1,
      { timeout: 5000 }
    );
    const all = await workerPids();
    await page.click('.worker[data-id="mailer"] button.crash');
    await page.waitForFunction(
      (old) => [...document.querySelectorAll('.worker')].every((w, i) => /^<\d+\.\d+\.\d+>$/.test(w.dataset.pid) && w.dataset.pid !== old[i]),
      all,
      { timeout: 5000 }
    );
    const supPid = await page.$eval('.node.sup dd[data-field="pid"]', (e) => e.textContent);

    // The playground: the four examples of API.md §2, matched by the core.
    for (let i = 0; i < SEEDS.length; i++) {
      await page.click(`button[data-seed="${i}"]`);
      await page.waitForFunction(
        ([clause, want]) => {
          const r = document.getElementById('pg-result');
          return r.dataset.clause === clause && r.dataset.extracted === want;
        },
        [String(i + 1), SEEDS[i]],
        { timeout: 5000 }
      );
    }

    // Throughput: the ring reports a positive rate.
    await page.click('#ring-toggle');
    await page.waitForFunction(() => Number(document.getElementById('rate').dataset.rate) > 0, null, { timeout: 5000 });
    await page.waitForTimeout(1200);
    const rate = Number(await page.$eval('#rate', (e) => e.dataset.rate));
    assert.ok(rate > 0, `rate ${rate}`);
    console.log(`demo ring: ${rate} msg/s`);
    await page.screenshot({ path: join(SHOTS, '2-running.png'), fullPage: true });
    await page.click('#ring-toggle');

    // Two clicks at once start one ring, which one Stop stops (the first
    // start went on unseen, its actors passing tokens for ever).
    const procs = () => page.$eval('#proc-count', (e) => Number(e.textContent));
    await page.waitForFunction(() => document.getElementById('ring-toggle').textContent === 'Start ring');
    await page.waitForTimeout(400);
    const idle = await procs();
    await page.evaluate(() => {
      const b = document.getElementById('ring-toggle');
      b.click();
      b.click();
    });
    await page.waitForFunction((n) => Number(document.getElementById('proc-count').textContent) > n, idle, { timeout: 5000 });
    await page.waitForTimeout(600);
    assert.equal(await procs(), idle + 8);
    await page.click('#ring-toggle');
    await page.waitForFunction((n) => Number(document.getElementById('proc-count').textContent) === n, idle, { timeout: 5000 });

    // A long message is shown cut short, and the page stays quick.
    await page.fill('#pg-message', `"${'x'.repeat(200000)}"`);
    await page.click('#pg-run');
    await page.waitForFunction(() => /200000 characters/.test(document.getElementById('pg-result').textContent), null, { timeout: 5000 });
    assert.ok((await page.$eval('#pg-result', (e) => e.textContent.length)) < 2000);

    // A crash storm exceeds the intensity and takes the tree down; it comes back.
    await page.click('#storm');
    await page.waitForSelector('.banner:not([hidden])', { timeout: 5000 });
    await page.screenshot({ path: join(SHOTS, '3-storm.png'), fullPage: true });
    await page.click('.banner button');
    await page.waitForFunction(
      (old) => {
        const sup = document.querySelector('.node.sup dd[data-field="pid"]')?.textContent;
        return sup && sup !== old && /^<\d+\.\d+\.\d+>$/.test(sup) && [...document.querySelectorAll('.worker')].every((w) => w.dataset.pid);
      },
      supPid,
      { timeout: 5000 }
    );
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    server?.close();
  }
});
