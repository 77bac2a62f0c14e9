/* The demo page (demo/) in a real browser: Debian's chromium, driven by
 * playwright-core (chromium.mjs), served by scripts/serve-demo.mjs on a
 * free port. The page must load with no console errors, draw the supervision tree, restart
 * a crashed worker under a new pid, show the API.md §2 extractions in the
 * pattern playground, report a positive message rate, and bring a tree
 * that a crash storm took down back up. Screenshots go to
 * build/demo-screenshots/. */
import { after, test } from 'node:test';
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

/* ---- the probe's findings, one page each (a fresh runtime), one browser ---- */

let shared = null;
async function openPage() {
  shared ??= Promise.all([serveFolder(root), launchChromium()]);
  const [server, browser] = await shared;
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${server.address().port}/demo/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  await page.waitForFunction(() => [...document.querySelectorAll('.worker')].every((w) => /^<\d+\.\d+\.\d+>$/.test(w.dataset.pid)));
  return { page, errors };
}
after(async () => {
  if (!shared) return;
  const [server, browser] = await shared;
  await browser.close();
  server.close();
});

const statusText = (page) => page.$eval('#status', (e) => e.textContent);
const field = (page, sel, name) => page.$eval(`${sel} dd[data-field="${name}"]`, (e) => e.textContent);
/* The live supervisors, the one registered as demo_sup, and what the page shows. */
const treeState = (page) =>
  page.evaluate(async () => {
    const m = await import('/web/index.js');
    return {
      supervisors: m.processes().filter((p) => m.processInfo(p)?.behaviour === 'supervisor').map(String),
      demoSup: String(m.whereis('demo_sup')),
      shownSup: document.querySelector('.node.sup dd[data-field="pid"]').textContent,
      shownStrategy: document.querySelector('.node.sup dd[data-field="strategy"]').textContent,
      selectStrategy: document.getElementById('strategy').value
    };
  });

test('overlapping tree restarts leave one tree, the one shown, with the settings selected', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  await page.evaluate(() => {
    const b = document.getElementById('restart-tree');
    b.click();
    b.click();
  });
  await page.waitForFunction(() => /^tree restarted/.test(document.getElementById('status').textContent));
  await page.waitForTimeout(600);
  let s = await treeState(page);
  assert.equal(s.supervisors.length, 1, `after a double click: ${JSON.stringify(s)}`);
  assert.equal(s.demoSup, s.shownSup);
  await page.evaluate(() => {
    document.getElementById('restart-tree').click();
    const sel = document.getElementById('strategy');
    sel.value = 'rest_for_one';
    sel.dispatchEvent(new Event('change'));
  });
  await page.waitForFunction(() => /^tree restarted: rest_for_one/.test(document.getElementById('status').textContent), null, { timeout: 5000 });
  await page.waitForTimeout(600);
  s = await treeState(page);
  assert.equal(s.supervisors.length, 1, `after Restart, then a strategy change: ${JSON.stringify(s)}`);
  assert.equal(s.demoSup, s.shownSup);
  assert.equal(s.shownStrategy, 'rest_for_one');
  assert.equal(s.shownStrategy, s.selectStrategy);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: a slow earlier run does not overwrite a later one; an empty message says so', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  await page.fill('#pg-message', '["nothing", "matches"]'); // no clause: resolves after its 400 ms timeout
  await page.click('#pg-run');
  await page.click('button[data-seed="0"]'); // matches at once
  await page.waitForFunction(() => document.getElementById('pg-result').dataset.clause === '1');
  await page.waitForTimeout(700);
  assert.equal(await page.$eval('#pg-result', (r) => r.className), 'result match');
  assert.equal(await page.$eval('#pg-result', (r) => r.dataset.clause), '1');
  await page.fill('#pg-message', '  ');
  await page.click('#pg-run');
  await page.waitForFunction(() => document.getElementById('pg-result').className === 'result error');
  assert.match(await page.$eval('#pg-result', (r) => r.textContent), /empty/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('restarts are counted from the trace, also those between two polls', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  // Three crashes of cache within a few ms (each once the restarted worker registered): a poll sees one.
  await page.evaluate(async () => {
    const m = await import('/web/index.js');
    for (let i = 0; i < 3; i++) {
      const old = m.whereis('cache');
      await m.cast(old, 'crash');
      for (let t = 0; t < 500; t++) {
        const now = m.whereis('cache');
        if (now && now.key !== old.key) break;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  });
  await page.waitForTimeout(700);
  assert.equal(await field(page, '.worker[data-id="cache"]', 'restarts'), '3');
  assert.equal(await field(page, '.worker[data-id="sessions"]', 'restarts'), '0');
  assert.deepEqual(errors, []);
  await page.close();
});

test('Crash clicks right after a restart reach the new worker; a click on a dead tree says so', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  const exits = await page.evaluate(async () => {
    const m = await import('/web/index.js');
    const seen = [];
    const untrace = m.trace((ev) => ev.kind === 'exit' && seen.push(String(ev.pid)));
    const b = document.querySelector('.worker[data-id="cache"] button.crash');
    for (let i = 0; i < 3; i++) {
      b.click();
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 300));
    untrace();
    return seen;
  });
  assert.equal(exits.length, 3, `exits ${exits}`);
  // The tree down: the storm button and a worker's button say why nothing happens.
  await page.click('#storm');
  await page.waitForSelector('.banner:not([hidden])', { timeout: 5000 });
  await page.click('#storm');
  assert.match(await statusText(page), /crash storm: the tree is down/);
  await page.evaluate(() => document.querySelector('.worker[data-id="cache"] button.crash').click());
  assert.match(await statusText(page), /cache is not running \(the tree is down\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('ring traffic stays out of the timeline when the token count changes while it runs', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  await page.click('#ring-toggle');
  await page.waitForFunction(() => document.getElementById('ring-toggle').textContent === 'Stop ring');
  await page.waitForTimeout(400);
  await page.click('#trace-clear');
  await page.selectOption('#ring-tokens', '4');
  await page.waitForTimeout(800);
  const shown = await page.$$eval('#timeline li', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(shown, []);
  await page.click('#ring-toggle');
  assert.deepEqual(errors, []);
  await page.close();
});

test('terms are shown within a total budget, big integers cut short, collections read only as far as shown', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  const r = await page.evaluate(async () => {
    const { fmt } = await import('/demo/format.js');
    let strings = 0; // strings read from the innermost arrays
    const counted = (xs) => new Proxy(xs, { get: (t, k, rcv) => (/^\d+$/.test(String(k)) && strings++, Reflect.get(t, k, rcv)) });
    const nested = Array.from({ length: 20 }, () => Array.from({ length: 20 }, () => counted(Array.from({ length: 20 }, () => 'y'.repeat(80)))));
    let pulled = 0;
    class Spy extends Map {
      *[Symbol.iterator]() {
        for (const e of super.entries()) {
          pulled++;
          yield e;
        }
      }
    }
    const big = new Spy(Array.from({ length: 1000 }, (_, i) => [i, i]));
    let gets = 0;
    const obj = new Proxy(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])), {
      get: (t, k, rcv) => {
        gets++;
        return Reflect.get(t, k, rcv);
      }
    });
    return {
      nested: fmt(nested).length,
      strings,
      bigint: fmt(1n << 300000n).length,
      bigintDecimal: fmt(-(10n ** 60n)),
      map: fmt(big),
      pulled,
      obj: fmt(obj),
      gets
    };
  });
  assert.ok(r.nested < 1500, `nested: ${r.nested} characters`);
  assert.ok(r.strings < 100, `strings read: ${r.strings}`);
  assert.ok(r.bigint < 100, `bigint: ${r.bigint} characters`);
  assert.match(r.bigintDecimal, /^-1000000000\d*…n \(61 digits\)$/);
  assert.match(r.map, /… 980 more\}$/);
  assert.ok(r.pulled <= 21, `map entries read: ${r.pulled}`);
  assert.match(r.obj, /^\{k0: 0, k1: 1, .*, …\}$/);
  assert.ok(r.gets <= 30, `object properties read: ${r.gets}`);
  // Through the playground: a big integer's result stays short.
  await page.fill('#pg-message', '1n << 300000n');
  await page.fill('#pg-patterns', 'BigInt');
  await page.click('#pg-run');
  await page.waitForFunction(() => document.getElementById('pg-result').dataset.clause === '1', null, { timeout: 5000 });
  assert.ok((await page.$eval('#pg-result', (e) => e.textContent.length)) < 1000);
  assert.deepEqual(errors, []);
  await page.close();
});

test('intensity fields clamp large values instead of wrapping them', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  await page.fill('#max-restarts', '3000000000');
  await page.fill('#max-seconds', '4294967296');
  await page.click('#restart-tree');
  await page.waitForFunction(() => /^tree restarted/.test(document.getElementById('status').textContent));
  assert.equal(await field(page, '.node.sup', 'intensity'), '100 in 3600 s');
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard focus stays on a control when the banner hides and when the tree goes down', { skip, timeout: 30000 }, async () => {
  const { page, errors } = await openPage();
  const active = () => page.evaluate(() => (document.activeElement === document.body ? 'BODY' : document.activeElement.getAttribute('aria-label') ?? document.activeElement.textContent));
  await page.evaluate(() => document.getElementById('storm').click());
  await page.waitForSelector('.banner:not([hidden])', { timeout: 5000 });
  await page.focus('.banner button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.banner[hidden]', { state: 'attached', timeout: 5000 });
  await page.waitForTimeout(300);
  assert.notEqual(await active(), 'BODY', 'after the banner restarted the tree');
  await page.keyboard.press('Tab');
  assert.notEqual(await active(), 'BODY');
  await page.focus('.worker[data-id="cache"] button.crash');
  await page.evaluate(() => document.getElementById('storm').click());
  await page.waitForSelector('.banner:not([hidden])', { timeout: 5000 });
  await page.waitForTimeout(300);
  assert.equal(await active(), 'Crash cache', 'after the tree went down under the focused button');
  assert.deepEqual(errors, []);
  await page.close();
});
