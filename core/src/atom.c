/* The atom table: interned UTF-8 texts, addressed by index, never freed.
 * Open addressing over a power-of-two slot array, FNV-1a hashes. */
#include "fx_runtime.h"

static uint32_t atom_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) {
    h ^= (uint8_t)s[i];
    h *= 16777619u;
  }
  return h;
}

/* Counts the characters of UTF-8 text; FX_EBADUTF8 when it is not UTF-8. */
static int utf8_chars(const uint8_t *p, size_t len, size_t *count) {
  size_t chars = 0;
  for (size_t i = 0; i < len; chars++) {
    uint8_t c = p[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    else if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
    else return FX_EBADUTF8;
    if (len - i < n) return FX_EBADUTF8;
    for (size_t k = 1; k < n; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return FX_EBADUTF8;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return FX_EBADUTF8;
    i += n;
  }
  *count = chars;
  return FX_OK;
}

int fx__utf8_atom_check(const char *s, size_t len) {
  size_t chars;
  int err = utf8_chars((const uint8_t *)s, len, &chars);
  if (err) return err;
  return chars > FX_MAX_ATOM_CHARS ? FX_ETOOBIG : FX_OK;
}

int fx__utf8_valid(const uint8_t *p, size_t len) {
  size_t chars;
  return utf8_chars(p, len, &chars) == FX_OK;
}

static int atoms_grow_slots(fx_runtime_t *rt) {
  fx_atom_table_t *t = &rt->atoms;
  uint32_t n = t->nslots ? t->nslots * 2 : 1024;
  uint32_t *slots = fx__calloc(rt, n * sizeof *slots);
  if (!slots) return FX_ENOMEM;
  for (uint32_t i = 0; i < t->count; i++) {
    uint32_t j = t->entries[i].hash & (n - 1);
    while (slots[j]) j = (j + 1) & (n - 1);
    slots[j] = i + 1;
  }
  fx__free(rt, t->slots, t->nslots * sizeof *slots);
  t->slots = slots;
  t->nslots = n;
  return FX_OK;
}

static int atom_find(const fx_runtime_t *rt, const char *s, size_t len, uint32_t h, uint32_t *slot) {
  const fx_atom_table_t *t = &rt->atoms;
  uint32_t j = h & (t->nslots - 1);
  while (t->slots[j]) {
    const fx_atom_entry_t *e = &t->entries[t->slots[j] - 1];
    if (e->hash == h && e->len == len && memcmp(e->text, s, len) == 0) {
      *slot = j;
      return 1;
    }
    j = (j + 1) & (t->nslots - 1);
  }
  *slot = j;
  return 0;
}

/* Adds text known not to be in the table at the slot atom_find gave. */
static int atom_add(fx_runtime_t *rt, const char *s, size_t len, uint32_t h, uint32_t slot, fx_term_t *out) {
  fx_atom_table_t *t = &rt->atoms;
  if (t->count >= FX_MAX_ATOMS) return FX_ELIMIT;
  if (t->count == t->cap) {
    uint32_t ncap = t->cap ? t->cap * 2 : 256;
    fx_atom_entry_t *e = fx__realloc(rt, t->entries, t->cap * sizeof *e, ncap * sizeof *e);
    if (!e) return FX_ENOMEM;
    t->entries = e;
    t->cap = ncap;
  }
  if ((t->count + 1) * 2 > t->nslots) {
    int err = atoms_grow_slots(rt);
    if (err) return err;
    atom_find(rt, s, len, h, &slot);
  }
  char *text = fx__alloc(rt, len + 1);
  if (!text) return FX_ENOMEM;
  if (len) memcpy(text, s, len);
  text[len] = 0;
  t->entries[t->count] = (fx_atom_entry_t){text, (uint32_t)len, h};
  t->slots[slot] = ++t->count;
  *out = fx_atom_from_index(t->count - 1);
  return FX_OK;
}

/* The atom of some text, added if new. The text of an atom already in the
 * table was checked when it was added, so only new text is checked (when
 * `check`): a message's '$gen_cast' costs a hash and one compare. */
static int atom_intern(fx_runtime_t *rt, const char *s, size_t len, int check, fx_term_t *out) {
  uint32_t h = atom_hash(s, len), slot;
  if (atom_find(rt, s, len, h, &slot)) {
    *out = fx_atom_from_index(rt->atoms.slots[slot] - 1);
    return FX_OK;
  }
  int err = check ? fx__utf8_atom_check(s, len) : FX_OK;
  return err ? err : atom_add(rt, s, len, h, slot, out);
}

int fx__atoms_init(fx_runtime_t *rt) {
  static const char *const predefined[] = {
#define FX__ATOM_TEXT(id, text) text,
    FX_PREDEFINED_ATOMS(FX__ATOM_TEXT)
#undef FX__ATOM_TEXT
  };
  int err = atoms_grow_slots(rt);
  for (size_t i = 0; !err && i < sizeof predefined / sizeof *predefined; i++) {
    fx_term_t a;
    err = atom_intern(rt, predefined[i], strlen(predefined[i]), 0, &a);
  }
  return err;
}

void fx__atoms_free(fx_runtime_t *rt) {
  fx_atom_table_t *t = &rt->atoms;
  for (uint32_t i = 0; i < t->count; i++) fx__free(rt, (void *)t->entries[i].text, t->entries[i].len + 1);
  fx__free(rt, t->entries, t->cap * sizeof *t->entries);
  fx__free(rt, t->slots, t->nslots * sizeof *t->slots);
  memset(t, 0, sizeof *t);
}

int fx_atom(fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *out) {
  if (!rt || (!utf8 && len) || !out) return FX_EINVAL;
  return atom_intern(rt, utf8, len, 1, out);
}

int fx__atom_checked(const fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *known) {
  uint32_t slot;
  if (atom_find(rt, utf8, len, atom_hash(utf8, len), &slot)) {
    *known = fx_atom_from_index(rt->atoms.slots[slot] - 1);
    return FX_OK;
  }
  *known = FX_NONE;
  return fx__utf8_atom_check(utf8, len);
}

int fx_atom_cstr(fx_runtime_t *rt, const char *utf8, fx_term_t *out) {
  if (!utf8) return FX_EINVAL;
  return fx_atom(rt, utf8, strlen(utf8), out);
}

int fx_atom_lookup(fx_runtime_t *rt, const char *utf8, size_t len, fx_term_t *out) {
  if (!rt || (!utf8 && len) || !out) return FX_EINVAL;
  uint32_t slot;
  if (!atom_find(rt, utf8, len, atom_hash(utf8, len), &slot)) return FX_ENOTFOUND;
  *out = fx_atom_from_index(rt->atoms.slots[slot] - 1);
  return FX_OK;
}

const char *fx_atom_text(const fx_runtime_t *rt, fx_term_t atom, size_t *len) {
  if (!rt || !fx_is_atom(atom) || fx_atom_index(atom) >= rt->atoms.count) return NULL;
  const fx_atom_entry_t *e = &rt->atoms.entries[fx_atom_index(atom)];
  if (len) *len = e->len;
  return e->text;
}

const fx_atom_entry_t *fx__atom_entry(const fx_runtime_t *rt, uint32_t index) {
  return index < rt->atoms.count ? &rt->atoms.entries[index] : NULL;
}
