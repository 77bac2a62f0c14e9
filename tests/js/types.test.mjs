/* web/index.d.ts describes the whole public API: a TypeScript file that
 * uses all of it compiles with `tsc --noEmit --strict`, and every runtime
 * export of index.js is declared. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as fauxtp from '../../web/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = `${root}web/node_modules/typescript/bin/tsc`;

test('a program using the whole API type-checks against index.d.ts', { skip: !existsSync(tsc) && 'typescript is not installed (bash scripts/setup.sh)' }, () => {
  try {
    /* With the DOM's lib (a browser project), and without (Node.js). */
    for (const lib of ['es2022,dom', 'es2022'])
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', lib, 'tests/js/types/usage.mts'], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe'
      });
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});

test('every export of index.js is declared in index.d.ts', () => {
  const dts = readFileSync(new URL('../../web/index.d.ts', import.meta.url), 'utf8');
  for (const name of Object.keys(fauxtp)) {
    const declared = new RegExp(`export (declare )?(function|class|const|type|interface) ${name}\\b|export \\{[^}]*\\b${name}\\b`).test(dts);
    assert.ok(declared, `${name} is exported by index.js but not declared in index.d.ts`);
  }
});
