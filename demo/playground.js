/* The pattern playground: the user's message and clauses are evaluated as
 * JavaScript (this is the user's own page), an Actor receives with those
 * clauses, and the core decides which clause matches and what it extracts. */
import { Actor, send, exit, ANY, IGNORE, _, Int, Float, Pid, Ref, atom, list, float } from 'fauxtp';
import { fmt, shorten } from './format.js';

const SCOPE = {
  ANY, IGNORE, _, Int, Float, Pid, Ref, atom, list, float,
  String, Number, Boolean, BigInt, Object, Array, Map, Uint8Array
};
const NAMES = Object.keys(SCOPE);
const VALUES = NAMES.map((n) => SCOPE[n]);

/* The four examples of API.md §2. */
export const PATTERNS = ['["data", ANY]', '["event", IGNORE, ANY]', 'Object', '["msg", ["sub", Int]]'];
export const SEEDS = [
  { message: '["data", 42]', extracted: '[42]' },
  { message: '["event", "user_login", "127.0.0.1"]', extracted: '["127.0.0.1"]' },
  { message: '{key: "value"}', extracted: '[{key: "value"}]' },
  { message: '["msg", ["sub", 1]]', extracted: '[1]' }
];

function evaluate(src, what) {
  try {
    return new Function(...NAMES, `"use strict"; return (${src}\n);`)(...VALUES);
  } catch (e) {
    throw new Error(`${what}: ${e.message}`);
  }
}

/** Resolves with { clause, pattern, extracted } or { nomatch: true }; throws on bad input. */
export async function tryReceive(messageSrc, patternsSrc, timeout = 400) {
  if (messageSrc.trim() === '') throw new Error('message: the field is empty; write a value to send');
  const message = evaluate(messageSrc, 'message');
  const lines = patternsSrc.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l && !l.startsWith('//'));
  if (lines.length === 0) throw new Error('write at least one pattern');
  const patterns = lines.map((l, i) => evaluate(l, `clause ${i + 1}`));
  let resolve;
  const done = new Promise((r) => (resolve = r));
  class Probe extends Actor {
    async run() {
      try {
        resolve(await this.receive(...patterns.map((p, i) => [p, (...extracted) => ({ clause: i, pattern: lines[i], extracted })]), { timeout }));
      } catch (e) {
        resolve(e.name === 'ReceiveTimeout' ? { nomatch: true } : { error: e });
      }
      this.stop();
    }
  }
  const pid = await Probe.start();
  try {
    await send(pid, message);
  } catch (e) {
    exit(pid, 'kill');
    throw new Error(`message: ${e.message}`);
  }
  const out = await done; // the probe stops itself after its receive
  if (out.error) throw out.error;
  return { ...out, pid, message };
}

export function setupPlayground(el) {
  const { message, patterns, run, result, seedButtons } = el;
  patterns.value = PATTERNS.join('\n');
  let runs = 0; // a slow run (one that times out) must not overwrite a later one
  const go = async () => {
    const id = ++runs;
    result.className = 'result busy';
    try {
      const out = await tryReceive(message.value, patterns.value);
      if (id !== runs) return;
      result.replaceChildren();
      if (out.nomatch) {
        result.className = 'result nomatch';
        result.dataset.clause = '';
        result.dataset.extracted = '';
        result.append(line('No clause matched', `${fmt(out.message)} matched no clause within 400 ms (it stayed in the mailbox of ${out.pid}, which has exited since).`));
      } else {
        result.className = 'result match';
        result.dataset.clause = String(out.clause + 1);
        result.dataset.extracted = fmt(out.extracted);
        result.append(
          line('message', fmt(out.message)),
          line('matched', `clause ${out.clause + 1}: ${out.pattern}`),
          line('extracted', fmt(out.extracted)),
          line('received by', `${out.pid} (an Actor started for this run)`)
        );
      }
    } catch (e) {
      if (id !== runs) return;
      result.className = 'result error';
      result.dataset.clause = '';
      result.dataset.extracted = '';
      result.replaceChildren(line('error', shorten(e.message)));
    }
  };
  run.addEventListener('click', go);
  for (const ta of [message, patterns]) {
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        go();
      }
    });
  }
  for (const b of seedButtons) {
    b.addEventListener('click', () => {
      message.value = SEEDS[Number(b.dataset.seed)].message;
      patterns.value = PATTERNS.join('\n');
      go();
    });
  }
  message.value = SEEDS[0].message;
  return go();
}

function line(label, text) {
  const d = document.createElement('div');
  const b = document.createElement('b');
  b.textContent = label;
  const c = document.createElement('code');
  c.textContent = text;
  d.append(b, ' ', c);
  return d;
}
