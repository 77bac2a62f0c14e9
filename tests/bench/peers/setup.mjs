/* Setting up and running the side-by-side benchmark's runners, shared by
 * run.mjs and tests/bench/js-bench.mjs (which times BEAM's and nact's calls
 * beside its own): the fx-savina builds, the Python venv, the scratch npm
 * folder for nact and the compiled Erlang module, all under build/. Each
 * set-up helper does nothing when what it makes is there already; a
 * failure throws. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const here = 'tests/bench/peers';

export function sh(cmd, args, { cwd = root, env, quiet = true, timeout } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
  if (r.status !== 0 && !quiet) process.stderr.write(r.stdout + r.stderr);
  return r;
}

export function must(cmd, args, what, o) {
  const r = sh(cmd, args, { ...o, quiet: false });
  if (r.status !== 0) throw new Error(`set-up failed: ${what}`);
  return r.stdout;
}

/* fx-savina in DIR, configured from PRESET (plus FX_BUILD_BENCH, which the
 * wasm presets turn off) the first time. */
export function buildSavina(preset, dir) {
  if (!existsSync(join(root, dir, 'build.ninja'))) must('cmake', ['--preset', preset, '-B', dir, '-DFX_BUILD_BENCH=ON'], `configure ${dir}`);
  must('cmake', ['--build', dir, '--target', 'fx-savina'], `build fx-savina in ${dir}`);
}

export function ensureWebDist() {
  if (existsSync(join(root, 'web/dist/fauxtp.wasm'))) return;
  if (!existsSync(join(root, 'build/emscripten/build.ninja'))) must('cmake', ['--preset', 'emscripten'], 'configure emscripten');
  must('cmake', ['--build', '--preset', 'emscripten'], 'build web/dist');
}

export function ensurePlaywright() {
  ensureWebDist();
  if (!existsSync(join(root, 'web/node_modules/playwright-core'))) must('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci in web/', { cwd: join(root, 'web') });
}

export const VENV = 'build/peers/venv';
export function ensurePython() {
  const py = join(root, VENV, 'bin/python');
  if (!existsSync(py)) must('python3', ['-m', 'venv', VENV], 'python venv');
  if (sh(py, ['-c', 'import fauxtp, anyio']).status !== 0) must(py, ['-m', 'pip', 'install', '-q', 'fauxtp==0.3.1', 'anyio'], 'pip install fauxtp anyio');
}

export const NACT = 'build/peers/nact';
export const NACT_VERSION = '7.6.2';
export function ensureNact() {
  if (existsSync(join(root, NACT, 'node_modules/nact/package.json'))) return;
  mkdirSync(join(root, NACT), { recursive: true });
  writeFileSync(join(root, NACT, 'package.json'), JSON.stringify({ name: 'fauxtp-peers-scratch', private: true }) + '\n');
  must('npm', ['install', '--no-audit', '--no-fund', `nact@${NACT_VERSION}`], 'npm install nact', { cwd: join(root, NACT) });
}

export function compileErlang() {
  mkdirSync(join(root, 'build/peers/erl'), { recursive: true });
  must('erlc', ['-o', 'build/peers/erl', `${here}/savina.erl`], 'erlc savina.erl');
}


/* The command lines of the BEAM and nact runners for a workload and its
 * key=value arguments. */
export const beamCmd = (extra, workload, args) => ['erl', '-noshell', ...extra, '-pa', 'build/peers/erl', '-run', 'savina', 'main', workload, ...args];
export const nactCmd = (workload, args) => [process.execPath, '--expose-gc', `${here}/nact.mjs`, NACT, workload, ...args];

/* Runs a runner's command line: the JSON line it printed last (fx-savina's
 * { workload, params, times_ms, result }), or { error }. */
export function runJson([cmd, ...args], timeout) {
  const r = sh(cmd, args, { timeout });
  const line = r.stdout?.trim().split('\n').findLast((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop() };
  return JSON.parse(line);
}
