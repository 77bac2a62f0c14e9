/* Patterns: compiled once, matched many times, inside the core.
 *
 * A pattern is written as a term in which a few reserved shapes stand for
 * matchers (build them with the helpers below):
 *
 *   atom '$fx_any'                 ANY: matches anything and extracts it
 *   atom '$fx_ignore'              IGNORE (_): matches anything, extracts nothing
 *   {'$fx_type', TypeAtom}         a type matcher that extracts the value;
 *                                  TypeAtom is integer, float, number, binary,
 *                                  string (binary), text (a UTF-8 binary not
 *                                  sent as bytes, or an atom other than
 *                                  true/false/nil/undefined: what JavaScript
 *                                  reads as a string), bytes (a binary sent as
 *                                  bytes, or not UTF-8: what JavaScript reads
 *                                  as a Uint8Array), atom, boolean, tuple,
 *                                  list, map, pid or reference
 *   {'$fx_map', #{K => Pattern}}   matches a map that has at least these keys
 *                                  with values matching their patterns
 *   {'$fx_literal', T}             matches exactly T (escapes reserved shapes)
 *
 * A tuple pattern matches a tuple of the same arity element by element, a
 * list pattern a list of the same length (and tail), a plain map pattern a
 * map with at least its keys, and any other term matches an equal term
 * (exact equality: 1 does not match 1.0). Extracted terms are written left to
 * right (map patterns in key order) into the caller's vector. */
#ifndef FAUXTP_PATTERN_H
#define FAUXTP_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "fauxtp/term.h"

typedef struct fx_pattern fx_pattern_t;

/* Most values one pattern may extract. */
#define FX_PATTERN_MAX_EXTRACT 64
/* Deepest nesting a pattern may have. */
#define FX_PATTERN_MAX_DEPTH 256

enum fx_pattern_flags {
  /* A binary literal also matches an atom with the same text (the
   * JavaScript bindings use this: strings stand for both). A host's bytes
   * (a binary decoded from a whole-byte BIT_BINARY_EXT, a Uint8Array in
   * JavaScript) are not text: they match binaries only. */
  FX_PATTERN_TEXT_MATCHES_ATOM = 1u << 0
};

/* Compiles a set of clauses (tried in order) into one matcher owned by the
 * caller. The pattern terms are copied; they need not outlive the call. */
int fx_pattern_compile(fx_runtime_t *rt, const fx_term_t *clauses, size_t nclauses, unsigned flags, fx_pattern_t **out);
void fx_pattern_free(fx_runtime_t *rt, fx_pattern_t *p);

size_t fx_pattern_clauses(const fx_pattern_t *p);
/* How many terms clause i extracts. */
size_t fx_pattern_extract_count(const fx_pattern_t *p, size_t clause);

/* Tries the clauses in order against t. Returns the index of the first
 * clause that matches (>= 0) and writes its extracted terms into out
 * (cap >= FX_PATTERN_MAX_EXTRACT is always enough), or -1 when none
 * matches. *nout (nout may be NULL) gets the matched clause's extract count,
 * or 0 when none matches. If the matching clause extracts more than cap
 * terms, returns FX_ENOSPACE and sets *nout to the count it needs; out may be
 * NULL when cap is 0. Clauses that fail partway may have written into out,
 * whatever the result. Extracted terms point into t. FX_EINVAL for a NULL
 * rt or p. Never allocates. */
int fx_pattern_match(const fx_runtime_t *rt, const fx_pattern_t *p, fx_term_t t, fx_term_t *out, size_t cap, size_t *nout);

/* Builders for the reserved shapes. */
static inline fx_term_t fx_pat_any(void) { return FX_ATOM(PAT_ANY); }
static inline fx_term_t fx_pat_ignore(void) { return FX_ATOM(PAT_IGNORE); }
/* {'$fx_type', type_atom}, e.g. fx_pat_type(h, FX_ATOM(INTEGER), &t). */
int fx_pat_type(fx_heap_t *h, fx_term_t type_atom, fx_term_t *out);

#endif
