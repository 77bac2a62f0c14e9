/* What the real-browser tests share: Debian's chromium driven by
 * playwright-core (never a downloaded browser), launched the one way these
 * machines allow, and a localhost static server for a folder
 * (scripts/serve-demo.mjs). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export const CHROMIUM = process.env.FX_CHROMIUM || '/usr/bin/chromium';

/* Why there is no browser to test in (a skip message), or false. */
export const chromiumMissing = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (bash scripts/setup.sh installs chromium)`;

/* playwright-core from web/'s dev dependencies, or null. */
export const playwrightPath = (() => {
  try {
    return createRequire(join(root, 'web', 'package.json')).resolve('playwright-core');
  } catch {
    return null;
  }
})();
export const playwrightMissing = playwrightPath ? false : 'playwright-core is not installed (bash scripts/setup.sh)';

/* Headless chromium with the flags a closed network needs (no background
 * connections to refuse), plus `extraArgs` (the peer benchmark asks for
 * gc() and precise heap figures). */
export async function launchChromium(extraArgs = []) {
  if (!playwrightPath) throw new Error(playwrightMissing);
  const mod = await import(pathToFileURL(playwrightPath).href);
  const chromium = mod.chromium ?? mod.default.chromium;
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs]
  });
}

/* Serves folder `dir` on a free 127.0.0.1 port; resolves with the server. */
export async function serveFolder(dir) {
  const { serveDemo } = await import(pathToFileURL(join(root, 'scripts', 'serve-demo.mjs')).href);
  return serveDemo({ port: 0, quiet: true, root: dir });
}
