/* Shows a term the way a user of fauxtp writes it in JavaScript, cut
 * short where it is long (a page re-renders what it shows of a message
 * for as long as it shows it: a 2 MB string made every frame janky). */
import { Atom, Float, List, Pid, Ref } from 'fauxtp';

const MAX_TEXT = 80; // characters of a string shown
const MAX_ITEMS = 20; // elements of a tuple, list or map shown

const items = (xs, show) => {
  const shown = xs.slice(0, MAX_ITEMS).map(show);
  if (xs.length > MAX_ITEMS) shown.push(`… ${xs.length - MAX_ITEMS} more`);
  return shown.join(', ');
};

export function fmt(v, depth = 0) {
  if (depth > 8) return '…';
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return v.length > MAX_TEXT ? `${JSON.stringify(v.slice(0, MAX_TEXT))}… (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Pid || v instanceof Ref) return v.toString();
  if (v instanceof Atom) return `atom(${JSON.stringify(v.name)})`;
  if (v instanceof Float) return `float(${v.value})`;
  if (v instanceof Uint8Array) return `Uint8Array [${Array.from(v.slice(0, 16)).join(', ')}${v.length > 16 ? ', …' : ''}]`;
  if (v instanceof List) return `list([${items(v, (x) => fmt(x, depth + 1))}])`;
  if (Array.isArray(v)) return `[${items(v, (x) => fmt(x, depth + 1))}]`;
  if (v instanceof Map) return `Map {${items([...v], ([k, x]) => `${fmt(k, depth + 1)} => ${fmt(x, depth + 1)}`)}}`;
  if (typeof v === 'object') {
    return `{${items(Object.entries(v), ([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : fmt(k)}: ${fmt(x, depth + 1)}`)}}`;
  }
  if (typeof v === 'function') return v.name || 'function';
  return String(v);
}

/* A message for the page: an error's text can be as long as the value it names. */
export function shorten(text, max = 300) {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export function fmtReason(r) {
  if (r && typeof r === 'object' && !Array.isArray(r) && 'error' in r) return `${r.error}: ${r.message ?? ''}`;
  return fmt(r);
}
