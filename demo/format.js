/* Shows a term the way a user of fauxtp writes it in JavaScript, cut
 * short where it is long (a page re-renders what it shows of a message
 * for as long as it shows it: a 2 MB string made every frame janky). */
import { Atom, Float, List, Pid, Ref } from 'fauxtp';

const MAX_TEXT = 80; // characters of a string shown
const MAX_ITEMS = 20; // elements of a tuple, list or map shown
const MAX_TOTAL = 1000; // characters of one term shown: small items nest into a lot
const MAX_DIGITS = 40; // digits of a big integer shown
const MAX_DECIMAL_BITS = 3300; // above ~1000 digits, decimal conversion itself is slow

/* Up to MAX_ITEMS of an iterable, taken one by one (copying a collection
 * of a million to show twenty was the slow part), while the budget lasts. */
function items(iterable, count, show, b) {
  const shown = [];
  let more = false;
  for (const x of iterable) {
    if (shown.length === MAX_ITEMS || b.left <= 0) {
      more = true;
      break;
    }
    shown.push(show(x));
  }
  if (count !== undefined && count > shown.length) shown.push(`… ${count - shown.length} more`);
  else if (count === undefined && more) shown.push('…');
  return shown.join(', ');
}

/* Own enumerable string keys, lazily: for...in does not build entry pairs. */
function* ownKeys(o) {
  for (const k in o) if (Object.hasOwn(o, k)) yield k;
}

function bigint(v) {
  const sign = v < 0n ? '-' : '';
  const abs = v < 0n ? -v : v;
  const hex = abs.toString(16); // linear, unlike decimal
  const bits = (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
  if (bits > MAX_DECIMAL_BITS) return `${sign}0x${hex.slice(0, 16)}…n (${bits} bits)`;
  const s = abs.toString();
  return s.length > MAX_DIGITS ? `${sign}${s.slice(0, MAX_DIGITS)}…n (${s.length} digits)` : `${sign}${s}n`;
}

const spend = (b, s) => {
  b.left -= s.length;
  return s;
};

function show(v, depth, b) {
  if (b.left <= 0 || depth > 8) return '…';
  if (v === null) return spend(b, 'null');
  if (v === undefined) return spend(b, 'undefined');
  if (typeof v === 'string') return spend(b, v.length > MAX_TEXT ? `${JSON.stringify(v.slice(0, MAX_TEXT))}… (${v.length} characters)` : JSON.stringify(v));
  if (typeof v === 'bigint') return spend(b, bigint(v));
  if (Object.is(v, -0)) return spend(b, '-0');
  if (typeof v === 'number' || typeof v === 'boolean') return spend(b, String(v));
  if (v instanceof Pid || v instanceof Ref) return spend(b, v.toString());
  if (v instanceof Atom) return spend(b, `atom(${JSON.stringify(v.name.slice(0, MAX_TEXT))})`);
  if (v instanceof Float) return spend(b, `float(${v.value})`);
  if (v instanceof Uint8Array) return spend(b, `Uint8Array [${Array.from(v.subarray(0, 16)).join(', ')}${v.length > 16 ? ', …' : ''}]`);
  const sub = (x) => show(x, depth + 1, b);
  if (v instanceof List) return `list([${items(v, v.length, sub, b)}])`;
  if (Array.isArray(v)) return `[${items(v, v.length, sub, b)}]`;
  if (v instanceof Map) return `Map {${items(v, v.size, ([k, x]) => `${sub(k)} => ${sub(x)}`, b)}}`;
  if (typeof v === 'object') {
    return `{${items(ownKeys(v), undefined, (k) => `${k.length <= MAX_TEXT && /^[A-Za-z_$][\w$]*$/.test(k) ? spend(b, k) : sub(k)}: ${sub(v[k])}`, b)}}`;
  }
  if (typeof v === 'function') return spend(b, v.name || 'function');
  return spend(b, String(v));
}

export function fmt(v) {
  const s = show(v, 0, { left: MAX_TOTAL });
  // The budget is checked between items: brackets and one last item may overrun it.
  return s.length > MAX_TOTAL + 100 ? `${s.slice(0, MAX_TOTAL)}…` : s;
}

/* A message for the page: an error's text can be as long as the value it names. */
export function shorten(text, max = 300) {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export function fmtReason(r) {
  if (r && typeof r === 'object' && !Array.isArray(r) && 'error' in r) return `${r.error}: ${r.message ?? ''}`;
  return fmt(r);
}
