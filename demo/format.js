/* Shows a term the way a user of fauxtp writes it in JavaScript. */
import { Atom, Float, List, Pid, Ref } from 'fauxtp';

export function fmt(v, depth = 0) {
  if (depth > 8) return '…';
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Pid || v instanceof Ref) return v.toString();
  if (v instanceof Atom) return `atom(${JSON.stringify(v.name)})`;
  if (v instanceof Float) return `float(${v.value})`;
  if (v instanceof Uint8Array) return `Uint8Array [${Array.from(v.slice(0, 16)).join(', ')}${v.length > 16 ? ', …' : ''}]`;
  if (v instanceof List) return `list([${v.map((x) => fmt(x, depth + 1)).join(', ')}])`;
  if (Array.isArray(v)) return `[${v.map((x) => fmt(x, depth + 1)).join(', ')}]`;
  if (v instanceof Map) return `Map {${[...v].map(([k, x]) => `${fmt(k, depth + 1)} => ${fmt(x, depth + 1)}`).join(', ')}}`;
  if (typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${fmt(x, depth + 1)}`).join(', ')}}`;
  }
  if (typeof v === 'function') return v.name || 'function';
  return String(v);
}

export function fmtReason(r) {
  if (r && typeof r === 'object' && !Array.isArray(r) && 'error' in r) return `${r.error}: ${r.message ?? ''}`;
  return fmt(r);
}
