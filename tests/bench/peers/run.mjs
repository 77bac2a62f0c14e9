#!/usr/bin/env node
/* The side-by-side benchmark: Savina-style workloads (workloads.json, the
 * one place their parameters live) on fauxtp's C actors (native, wasm in
 * Node, wasm in Wasmtime), fauxtp's JavaScript actors (Node, Chromium) and
 * the peers: Erlang/OTP (default schedulers, the reference, and +S 1), the
 * Python fauxtp library and nact. Sets up what it needs (builds, a venv,
 * a scratch npm folder, all under build/), runs every workload on every
 * runner with warm-up and repetitions, and prints one table of medians and
 * ratios to BEAM; the full run also writes BENCHMARKS.md.
 *
 *   node tests/bench/peers/run.mjs [--quick] [--reps N] [--warmup N]
 *        [--only RUNNER,...] [--workloads NAME,...] [--out FILE] [--results FILE]
 *
 *   --quick     small parameters (workloads.json's "quick"), 2 reps, no warm-up;
 *               writes no Markdown unless --out says where
 *   --only      runners: c-native c-wasm-node c-wasmtime js-node js-chromium
 *               beam beam-s1 python nact
 *   --results   also write every result as JSON (the smoke test reads it)
 *
 * Each runner checks its own result (PingPong's pong count is n, ...) and
 * fails rather than post a time for a wrong answer; run.mjs checks again.
 * Exits 1 if any run failed (the table shows which). */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { expected } from './expected.mjs';
import { root, here, sh, buildSavina, ensureWebDist, ensurePlaywright, ensurePython, ensureNact, compileErlang, beamCmd, nactCmd, runJson, VENV, NACT_VERSION } from './setup.mjs';
const config = JSON.parse(readFileSync(join(root, here, 'workloads.json'), 'utf8'));

/* ---- options ---- */

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const reps = Number(opt('--reps') ?? (quick ? 2 : config.reps));
const warmup = Number(opt('--warmup') ?? (quick ? 0 : config.warmup));
const onlyRunners = opt('--only')?.split(',');
const onlyWorkloads = opt('--workloads')?.split(',');
const outFile = opt('--out') ?? (quick ? null : 'BENCHMARKS.md');
const resultsFile = opt('--results');

/* ---- runners ---- */

const node = process.execPath;
const erl = (extra) => (w, a) => beamCmd(extra, w, a);

const RUNNERS = [
  { id: 'c-native', label: 'fauxtp C native', setup: () => buildSavina('release', 'build/release'), cmd: (w, a) => ['build/release/tests/fx-savina', w, ...a] },
  { id: 'c-wasm-node', label: 'fauxtp C wasm (Node)', setup: () => buildSavina('emscripten', 'build/peers/emscripten'), cmd: (w, a) => [node, 'build/peers/emscripten/tests/fx-savina.js', w, ...a] },
  { id: 'c-wasmtime', label: 'fauxtp C wasm (Wasmtime)', setup: () => buildSavina('wasi', 'build/peers/wasi'), cmd: (w, a) => ['sh', 'tests/run-wasmtime.sh', 'build/peers/wasi/tests/fx-savina.wasm', w, ...a] },
  { id: 'js-node', label: 'fauxtp JS (Node)', slow: true, setup: ensureWebDist, cmd: (w, a) => [node, '--expose-gc', `${here}/js-node.mjs`, w, ...a] },
  { id: 'js-chromium', label: 'fauxtp JS (Chromium)', slow: true, setup: ensurePlaywright, browser: true },
  { id: 'beam', label: 'BEAM (default)', setup: compileErlang, cmd: erl([]) },
  { id: 'beam-s1', label: 'BEAM +S 1', setup: compileErlang, cmd: erl(['+S', '1']) },
  { id: 'python', label: 'Python fauxtp', slow: true, setup: ensurePython, cmd: (w, a) => [`${VENV}/bin/python`, `${here}/savina.py`, w, ...a] },
  { id: 'nact', label: 'nact (Node)', slow: true, setup: ensureNact, cmd: nactCmd }
];
const REFERENCE = 'beam';

/* ---- Chromium: one browser, a fresh page per run ---- */

let browser = null;
let server = null;
async function inBrowser(fn, arg) {
  if (!browser) {
    const { launchChromium, serveFolder } = await import('../../js/chromium.mjs');
    browser = await launchChromium(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
    server = await serveFolder(root);
  }
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/${here}/page.html`);
    return await page.evaluate(fn, arg);
  } finally {
    await page.close();
  }
}

async function closeBrowser() {
  await browser?.close();
  server?.close();
}

/* One workload on one runner: its parsed JSON line, or { error }. */
async function runOne(runner, workload, params, timeoutMs, reps, warmup) {
  const args = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  if (workload !== 'memory') args.push(`reps=${reps}`, `warmup=${warmup}`);
  if (runner.browser) {
    try {
      return await inBrowser(
        async ({ url, workload, params, reps, warmup }) => {
          const m = await import(url);
          const heap = () => (globalThis.gc?.(), performance.memory?.usedJSHeapSize ?? NaN);
          return workload === 'memory' ? m.idleMemory(params.n, heap) : m.runWorkload(workload, params, { reps, warmup });
        },
        { url: `/${here}/fauxtp-js.mjs`, workload, params, reps, warmup }
      );
    } catch (e) {
      return { error: e.message.split('\n')[0] };
    }
  }
  return runJson(runner.cmd(workload, args), timeoutMs);
}

/* ---- the run ---- */

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function paramsFor(runner, workload) {
  const base = workload === 'memory' ? config.memory : config.workloads[workload];
  if (quick) return base.quick;
  return config.overrides[runner.id]?.[workload] ?? base.params;
}

const opsOf = (workload, params) => config.workloads[workload].ops.reduce((acc, x) => acc * (typeof x === 'number' ? x : params[x]), 1);


const runners = RUNNERS.filter((r) => !onlyRunners || onlyRunners.includes(r.id));
const workloads = Object.keys(config.workloads).filter((w) => !onlyWorkloads || onlyWorkloads.includes(w));
const results = []; // { runner, workload, params, times_ms, median_ms, ops_per_s, result } | { runner, workload, error }
const t0 = Date.now();

for (const r of runners) {
  process.stderr.write(`set-up ${r.id}\n`);
  try {
    r.setup();
  } catch (e) {
    r.failed = e.message;
    process.stderr.write(`  ${e.message}\n`);
  }
}

/* Workload by workload, every runner in turn, so that a burst of load on
 * the shared machine hits several runners a little rather than one a lot.
 * The cheap runners (a process start costs little next to their runs) go
 * one timed run per round, each after its own warm-up, alternating with
 * each other as tests/bench/ring-ratio.sh does; the slow ones (JavaScript,
 * Python, nact) do all their runs in one process, in the first round. */
const record = (r, w, params, res) => {
  if (!res.error && w !== 'memory') {
    if (res.result !== expected[w](params)) res = { error: `wrong result ${res.result}, expected ${expected[w](params)}` };
    else if (res.times_ms.length !== reps) res = { error: `${res.times_ms.length} times for ${reps} reps` };
  }
  const row = { runner: r.id, workload: w, params, ...res };
  if (!res.error && w !== 'memory') {
    row.median_ms = median(res.times_ms);
    row.ops_per_s = opsOf(w, params) / (row.median_ms / 1000);
  }
  results.push(row);
  const shown = res.error ? `FAILED: ${res.error}` : w === 'memory' ? `${res.bytes_per_process} B/process` : `median ${row.median_ms.toFixed(1)} ms`;
  process.stderr.write(`${w.padEnd(10)} ${r.id.padEnd(12)} ${shown}\n`);
};

for (const w of workloads) {
  const acc = new Map(); // runner id -> its merged result so far
  for (let round = 0; round < reps; round++) {
    for (const r of runners) {
      if (r.failed || acc.get(r.id)?.error || (r.slow && round > 0)) continue;
      const params = paramsFor(r, w);
      const res = await runOne(r, w, params, 600_000, r.slow ? reps : 1, warmup);
      const prev = acc.get(r.id);
      acc.set(r.id, res.error || !prev ? res : { ...res, times_ms: [...prev.times_ms, ...res.times_ms] });
    }
  }
  for (const r of runners) record(r, w, paramsFor(r, w), r.failed ? { error: r.failed } : acc.get(r.id));
}
if (!onlyWorkloads || onlyWorkloads.includes('memory'))
  for (const r of runners) record(r, 'memory', paramsFor(r, 'memory'), r.failed ? { error: r.failed } : await runOne(r, 'memory', paramsFor(r, 'memory'), 600_000));
await closeBrowser();
const elapsed = (Date.now() - t0) / 1000;

/* ---- the table ---- */

const get = (runner, w) => results.find((x) => x.runner === runner && x.workload === w);
const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k/s` : `${x.toFixed(0)} /s`);
const fmtRatio = (x) => (x >= 10 ? `${x.toFixed(0)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`);
const ref = runners.find((r) => r.id === REFERENCE) ? REFERENCE : null;
const ratio = (runner, w) => {
  const a = get(runner, w);
  const b = ref && get(ref, w);
  return a?.ops_per_s && b?.ops_per_s ? a.ops_per_s / b.ops_per_s : null;
};

const deviates = (r, w) => !quick && config.overrides[r.id]?.[w] !== undefined;
function throughputTable() {
  const head = `| workload (unit) | ${runners.map((r) => r.label).join(' | ')} |`;
  const rule = `|---|${runners.map(() => '---:').join('|')}|`;
  const rows = workloads.map((w) => {
    const cells = runners.map((r) => {
      const x = get(r.id, w);
      if (!x || x.error) return 'failed';
      const q = ratio(r.id, w);
      return `${fmtRate(x.ops_per_s)}${deviates(r, w) ? '†' : ''}${q !== null && r.id !== ref ? ` (${fmtRatio(q)})` : ''}`;
    });
    return `| ${w} (${config.workloads[w].unit}) | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

function timeTable() {
  const head = `| workload | params | ${runners.map((r) => r.label).join(' | ')} |`;
  const rule = `|---|---|${runners.map(() => '---:').join('|')}|`;
  const rows = workloads.map((w) => {
    const p = quick ? config.workloads[w].quick : config.workloads[w].params;
    const cells = runners.map((r) => {
      const x = get(r.id, w);
      if (!x || x.error) return 'failed';
      /* the spread: half the range of the runs, relative to the median */
      const spread = (Math.max(...x.times_ms) - Math.min(...x.times_ms)) / 2 / x.median_ms;
      return `${x.median_ms.toFixed(1)}${deviates(r, w) ? '†' : ''} ±${(spread * 100).toFixed(0)}%`;
    });
    return `| ${w} | ${Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ')} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

function memoryTable() {
  const refMem = ref && get(ref, 'memory')?.bytes_per_process;
  const head = '| runtime | bytes per idle process | vs BEAM (default) | what is counted |';
  const how = {
    'c-native': "the core's own count (fx_runtime_memory), 64-bit",
    'c-wasm-node': "the core's own count, wasm32",
    'c-wasmtime': "the core's own count, wasm32",
    'js-node': 'core (wasm32) + JS heap growth after gc()',
    'js-chromium': 'core (wasm32) + JS heap growth (performance.memory after gc())',
    beam: 'erlang:memory(processes) growth',
    'beam-s1': 'erlang:memory(processes) growth',
    python: 'tracemalloc growth per idle actor (task + mailbox)',
    nact: 'JS heap growth after gc()'
  };
  const rows = runners.map((r) => {
    const x = get(r.id, 'memory');
    if (!x || x.error || !Number.isFinite(x.bytes_per_process)) return `| ${r.label} | ${x?.error ? 'failed' : 'n/a'} | | ${how[r.id]} |`;
    const split = x.core_bytes !== undefined ? ` (core ${x.core_bytes} + JS ${x.js_bytes})` : '';
    const q = refMem && r.id !== ref ? fmtRatio(x.bytes_per_process / refMem) : '';
    return `| ${r.label} | ${x.bytes_per_process.toFixed(0)}${split}${deviates(r, 'memory') ? '†' : ''} | ${q} | ${how[r.id]} |`;
  });
  return [head, '|---|---:|---:|---|', ...rows].join('\n');
}

/* The targets the issue names, met or missed on these figures. */
function targets() {
  const lines = [];
  const check = (label, value, goal, cmp) => {
    if (value === null || value === undefined || Number.isNaN(value)) return lines.push(`- ${label}: not measured`);
    lines.push(`- ${label}: ${fmtRatio(value)} (target ${cmp === '>=' ? '≥' : '≤'} ${goal}×): **${(cmp === '>=' ? value >= goal : value <= goal) ? 'met' : 'missed'}**`);
  };
  const vs = (runner, w, refId) => {
    const a = get(runner, w);
    const b = get(refId, w);
    return a?.ops_per_s && b?.ops_per_s ? a.ops_per_s / b.ops_per_s : null;
  };
  for (const c of ['c-wasm-node', 'c-wasmtime'])
    for (const w of ['pingpong', 'threadring'])
      for (const b of ['beam', 'beam-s1']) if (runners.some((r) => r.id === c) && runners.some((r) => r.id === b)) check(`${c} ${w} throughput vs ${b}`, vs(c, w, b), 5, '>=');
  for (const j of ['js-node', 'js-chromium'])
    for (const b of ['beam', 'beam-s1']) if (runners.some((r) => r.id === j) && runners.some((r) => r.id === b)) check(`${j} GenServer call throughput vs ${b}`, vs(j, 'call', b), 1, '>=');
  const refMem = get('beam', 'memory')?.bytes_per_process;
  for (const r of ['c-native', 'c-wasm-node', 'c-wasmtime', 'js-node', 'js-chromium'])
    if (runners.some((x) => x.id === r) && refMem) check(`${r} memory per idle process vs beam`, get(r, 'memory')?.bytes_per_process / refMem, 0.1, '<=');
  return lines.join('\n');
}

function deviations() {
  if (quick) return '';
  const out = [];
  for (const r of runners) {
    const o = config.overrides[r.id];
    if (!o) continue;
    out.push(`† ${r.label} ran with smaller parameters (${Object.entries(o).map(([w, p]) => `${w}: ${Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ')}`).join('; ')}), so its figures are throughputs over shorter runs. ${config.overrides.about}`);
  }
  return out.join('\n');
}

const table = `### Throughput (median of ${reps} runs, each runner after ${warmup} warm-up run${warmup === 1 ? '' : 's'} per process; in brackets the ratio to BEAM with default schedulers, higher is faster)\n\n${throughputTable()}\n\n${deviations()}\n\n### Median time per run (ms; ± half the range of the runs)\n\n${timeTable()}\n\n### Memory per idle process\n\n${memoryTable()}\n\n### Targets\n\n${targets()}\n`;
process.stdout.write(`\n${table}\nwall time of the whole run: ${elapsed.toFixed(0)} s\n`);

if (resultsFile) writeFileSync(resultsFile, JSON.stringify(results, null, 1) + '\n');

/* ---- BENCHMARKS.md ---- */

function firstLine(cmd, args) {
  const r = sh(cmd, args);
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : 'unknown';
}

function machine() {
  const lscpu = sh('lscpu', []).stdout ?? '';
  const model = lscpu.match(/Model name:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
  const os = readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="(.*)"/)?.[1];
  const wasmtime = sh('python3', ['-c', 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))']).stdout?.trim();
  const fauxtpVersion = readFileSync(join(root, 'CMakeLists.txt'), 'utf8').match(/project\(fauxtp VERSION ([0-9.]+)/)?.[1];
  return [
    `- CPU: ${model}, ${cpus().length} logical cores (shared with other jobs: figures are noisy, hence medians)`,
    `- RAM: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; OS: ${os}, Linux ${firstLine('uname', ['-r'])}`,
    `- fauxtp ${fauxtpVersion} (${firstLine('git', ['rev-parse', '--short', 'HEAD'])}); C: ${firstLine('cc', ['--version'])} -O2 LTO; Emscripten ${firstLine('emcc', ['--version']).replace(/^emcc \(.*?\) /, '').replace(/ \(\)$/, '')}; wasm32-wasi with ${firstLine('clang', ['--version'])}`,
    `- Node ${process.version}; Wasmtime ${wasmtime ? firstLine(join(wasmtime, 'wasmtime'), ['--version']) : firstLine('wasmtime', ['--version'])}; ${firstLine('/usr/bin/chromium', ['--version'])}`,
    `- Erlang/OTP ${firstLine('erl', ['-noshell', '-eval', 'io:format("~s, ERTS ~s~n", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().'])}, ${firstLine('erl', ['-noshell', '-eval', 'io:format("~p schedulers by default~n", [erlang:system_info(schedulers)]), halt().'])}`,
    `- ${firstLine(join(root, VENV, 'bin/python'), ['-c', 'import sys, importlib.metadata as m; print("Python", sys.version.split()[0] + ", fauxtp", m.version("fauxtp") + ", anyio", m.version("anyio"))'])}; nact ${NACT_VERSION}`
  ].join('\n');
}

function rawTimes() {
  const rows = results
    .filter((x) => x.workload !== 'memory')
    .map((x) => `| ${x.runner} | ${x.workload} | ${Object.entries(x.params).map(([k, v]) => `${k}=${v}`).join(' ')} | ${x.error ? `failed: ${x.error}` : x.times_ms.join(', ')} |`);
  return ['| runner | workload | params | times (ms) |', '|---|---|---|---|', ...rows].join('\n');
}

if (outFile) {
  const wl = Object.entries(config.workloads)
    .map(([w, d]) => `| ${w} | ${d.what} | ${Object.entries(d.params).map(([k, v]) => `${k}=${v}`).join(' ')} | ${d.unit}: ${d.ops.join(' × ')} |`)
    .join('\n');
  const md = `# Benchmarks: fauxtp side by side with its peers

Measured ${new Date().toISOString().replace(/\.\d+Z$/, ' UTC')} with

\`\`\`sh
node tests/bench/peers/run.mjs            # the full run (about ${Math.ceil(elapsed / 60)} minutes here); --quick for a smoke run
\`\`\`

which sets up what it needs under \`build/\` (the fx-savina builds, a Python
venv with PyPI \`fauxtp\` 0.3.1 and \`anyio\`, a scratch npm folder with
\`nact\`), runs every workload on every runner and rewrites this file.
The workloads, their parameters and what they count live in
[tests/bench/peers/workloads.json](tests/bench/peers/workloads.json); the
runners are in [tests/bench/peers/](tests/bench/peers/README.md).

## Machine

${machine()}

## Workloads (Savina-style)

Every run includes spawning its actors; every runner checks its result
(PingPong's pong count, the ring's final holder, the count, the done
messages, the pong total, the last call's reply) and the driver checks it
again, so a broken runtime cannot post a time.

| workload | what | parameters | ops per run |
|---|---|---|---|
${wl}

## Results

${table}
## Raw times

<details><summary>every run's time (ms), per runner and workload</summary>

${rawTimes()}

</details>

## Notes

- Runners: fauxtp's C actors (\`tests/bench/peers/savina.c\`) natively
  (release preset, -O2 LTO), as wasm under Node (Emscripten) and under
  Wasmtime (WASI); fauxtp's JavaScript actors through the npm package's
  public API (\`fauxtp-js.mjs\`) in Node and in headless Chromium; Erlang/OTP
  (\`savina.erl\`) with default schedulers (the reference column) and
  with \`+S 1\`; the Python fauxtp library (\`savina.py\`); nact (\`nact.mjs\`).
- The machine is shared with other jobs: between full runs a single
  ratio can move by up to about 2× (the ± column and the raw times show
  each cell's spread), so a target met or missed by a small margin here
  is not settled.
- fauxtp is single-threaded; BEAM's default uses every core of this
  ${cpus().length}-core machine, \`+S 1\` one.
- The call workload calls from outside the server: a C host loop
  (\`fx_call\`, then the run loop until the reply), \`await call()\` in
  JavaScript, \`gen_server:call\` from a process in Erlang, \`await call()\`
  in Python, nact's \`query\`.
- Wall time of this run: ${elapsed.toFixed(0)} s.
`;
  writeFileSync(resolve(root, outFile), md);
  process.stderr.write(`wrote ${outFile}\n`);
}

process.exit(results.some((x) => x.error) ? 1 : 0);
