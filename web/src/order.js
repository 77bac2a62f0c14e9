/* The order of a clause's extracted values. API.md §2: they come left to
 * right, as the pattern is written. The core extracts in its own order,
 * which is the written one except inside map patterns: it matches a map's
 * keys in map-key order (the encoder writes them sorted, the decoder
 * sorts them), so `{ name: String, age: Int }` extracts age first. A
 * clause with such maps gets the permutation back to the written order,
 * computed once when the clause list is compiled. */
import { compareTerms } from './etf.js';
import { ANY, Int, List, typeMatcherName } from './terms.js';

/* For each clause, null when the core extracts in the written order, else
 * order[k] = the written position of the k-th value the core extracts.
 * Null when every clause is in order (no map pattern reorders). Called on
 * patterns the core has compiled: no cycle, bounded depth. */
export function extractionOrder(patterns) {
  let orders = null;
  for (let c = 0; c < patterns.length; c++) {
    const order = coreOrder(patterns[c]);
    if (order.every((w, k) => w === k)) continue;
    orders ??= new Array(patterns.length).fill(null);
    orders[c] = order;
  }
  return orders;
}

/** The extracted values of a match, in the written order. */
export function inWrittenOrder(terms, order) {
  const out = new Array(terms.length);
  for (let k = 0; k < terms.length; k++) out[order[k]] = terms[k];
  return out;
}

/* The written positions (within p) of p's extracting leaves, listed in the
 * order the core extracts them (pattern.c compile_node). */
function coreOrder(p) {
  if (p === ANY || p === Int || (typeof p === 'function' && typeMatcherName(p))) return [0];
  if (typeof p !== 'object' || p === null) return [];
  if (Array.isArray(p)) {
    const parts = Array.from(p, coreOrder);
    if (p instanceof List && p.tail !== undefined) parts.push(coreOrder(p.tail));
    return concat(parts, parts.map((_, i) => i));
  }
  const proto = Object.getPrototypeOf(p);
  let entries;
  if (proto === Object.prototype || proto === null) entries = Object.keys(p).map((k) => [k, p[k]]);
  else if (p instanceof Map) entries = [...p];
  else return []; // a literal
  const parts = entries.map((e) => coreOrder(e[1]));
  const sorted = entries.map((_, i) => i).sort((i, j) => compareTerms(entries[i][0], entries[j][0]));
  return concat(parts, sorted);
}

/* The parts' positions, each part moved past those written before it,
 * joined in the order `visit` lists the parts. */
function concat(parts, visit) {
  const base = new Array(parts.length);
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    base[i] = n;
    n += parts[i].length;
  }
  const out = [];
  for (const i of visit) for (const w of parts[i]) out.push(base[i] + w);
  return out;
}
