/* kvstore: a key-value store GenServer driven by commands on stdin, one per
 * line. Runs natively and under any WASI host:
 *
 *   printf 'put a 1\nget a\nkeys\n' | wasmtime build/wasi/wasi/fx-example-kvstore.wasm
 *   build/release/wasi/fx-example-kvstore            (then type commands)
 *
 *   put KEY VALUE   ok                (VALUE is the rest of the line)
 *   get KEY         the value, or not_found
 *   del KEY         ok, or not_found
 *   keys            the keys in byte order, separated by spaces; (none) if empty
 *   quit            bye, and the program ends (as it does at end of input)
 *
 * Blank lines and lines starting with # are skipped; any other malformed
 * line prints "error: ..." and the program goes on. Each command becomes an
 * fx_call to the server; main runs the loop until the call completes, and
 * prints the reply. The server's protocol:
 *
 *   {put, Key, Value} -> ok        {get, Key} -> {ok, Value} | not_found
 *   {del, Key} -> ok | not_found   keys -> [Key]     (keys, values: binaries) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fauxtp/fauxtp.h"

#define LINE_MAX_BYTES 4096
#define CALL_TIMEOUT_MS 5000

/* ---- the server's store: entries sorted by key ---- */

typedef struct bytes {
  char *data;
  size_t len;
} bytes_t;

typedef struct entry {
  bytes_t key, value;
} entry_t;

typedef struct kv {
  entry_t *entries;
  size_t n, cap;
  fx_term_t put, get, del, keys; /* the request atoms, interned in init */
} kv_t;

static int bytes_compare(const char *a, size_t alen, const char *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);
  if (c != 0) return c;
  return alen < blen ? -1 : alen > blen;
}

/* The index of key, or where it would go (*found says which). */
static size_t kv_find(const kv_t *kv, fx_term_t key, int *found) {
  size_t lo = 0, hi = kv->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const bytes_t *k = &kv->entries[mid].key;
    int c = bytes_compare(k->data, k->len, (const char *)fx_binary_data(key), fx_binary_size(key));
    if (c == 0) {
      *found = 1;
      return mid;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  *found = 0;
  return lo;
}

static int bytes_set(bytes_t *b, fx_term_t bin) {
  char *data = malloc(fx_binary_size(bin) + 1);
  if (!data) return FX_ENOMEM;
  memcpy(data, fx_binary_data(bin), fx_binary_size(bin));
  free(b->data);
  b->data = data;
  b->len = fx_binary_size(bin);
  return FX_OK;
}

static int kv_insert_at(kv_t *kv, size_t i, fx_term_t key) {
  if (kv->n == kv->cap) {
    size_t cap = kv->cap ? 2 * kv->cap : 16;
    entry_t *e = realloc(kv->entries, cap * sizeof *e);
    if (!e) return FX_ENOMEM;
    kv->entries = e;
    kv->cap = cap;
  }
  entry_t fresh = {{NULL, 0}, {NULL, 0}};
  int err = bytes_set(&fresh.key, key);
  if (err) return err;
  memmove(&kv->entries[i + 1], &kv->entries[i], (kv->n - i) * sizeof *kv->entries);
  kv->entries[i] = fresh;
  kv->n++;
  return FX_OK;
}

static int kv_put(kv_t *kv, fx_term_t key, fx_term_t value) {
  int found;
  size_t i = kv_find(kv, key, &found);
  if (!found) {
    int err = kv_insert_at(kv, i, key);
    if (err) return err;
  }
  return bytes_set(&kv->entries[i].value, value);
}

static void kv_remove_at(kv_t *kv, size_t i) {
  free(kv->entries[i].key.data);
  free(kv->entries[i].value.data);
  memmove(&kv->entries[i], &kv->entries[i + 1], (kv->n - i - 1) * sizeof *kv->entries);
  kv->n--;
}

/* ---- the server's callbacks ---- */

static int kv_init(fx_proc_t *self, void *state, fx_term_t arg) {
  kv_t *kv = state;
  fx_runtime_t *rt = fx_proc_runtime(self);
  (void)arg;
  int err = fx_atom_cstr(rt, "put", &kv->put);
  if (!err) err = fx_atom_cstr(rt, "get", &kv->get);
  if (!err) err = fx_atom_cstr(rt, "del", &kv->del);
  if (!err) err = fx_atom_cstr(rt, "keys", &kv->keys);
  return err;
}

static int reply_keys(fx_proc_t *self, const kv_t *kv, fx_term_t *reply) {
  fx_heap_t *h = fx_proc_heap(self);
  fx_term_t list = FX_NIL;
  for (size_t i = kv->n; i-- > 0;) { /* built back to front */
    fx_term_t key;
    int err = fx_make_binary(h, kv->entries[i].key.data, kv->entries[i].key.len, &key);
    if (!err) err = fx_make_cons(h, key, list, &list);
    if (err) return err;
  }
  *reply = list;
  return FX_OK;
}

static int reply_get(fx_proc_t *self, const kv_t *kv, fx_term_t key, fx_term_t *reply) {
  int found;
  size_t i = kv_find(kv, key, &found);
  if (!found) {
    *reply = FX_ATOM(NOT_FOUND);
    return FX_OK;
  }
  fx_heap_t *h = fx_proc_heap(self);
  const bytes_t *v = &kv->entries[i].value;
  fx_term_t value;
  int err = fx_make_binary(h, v->data, v->len, &value);
  return err ? err : fx_tuple2(h, FX_ATOM(OK), value, reply);
}

static fx_term_t reply_del(kv_t *kv, fx_term_t key) {
  int found;
  size_t i = kv_find(kv, key, &found);
  if (!found) return FX_ATOM(NOT_FOUND);
  kv_remove_at(kv, i);
  return FX_ATOM(OK);
}

/* 1 when req is {Tag, Binary...} with `arity` elements in all. */
static int is_request(fx_term_t req, fx_term_t tag, size_t arity) {
  if (!fx_is_tuple(req) || fx_tuple_arity(req) != arity || fx_tuple_get(req, 0) != tag) return 0;
  for (size_t i = 1; i < arity; i++)
    if (!fx_is_binary(fx_tuple_get(req, i))) return 0;
  return 1;
}

static int kv_call(fx_proc_t *self, void *state, fx_term_t req, fx_term_t from, fx_term_t *reply) {
  kv_t *kv = state;
  (void)from;
  if (req == kv->keys) return reply_keys(self, kv, reply);
  if (is_request(req, kv->get, 2)) return reply_get(self, kv, fx_tuple_get(req, 1), reply);
  if (is_request(req, kv->del, 2)) {
    *reply = reply_del(kv, fx_tuple_get(req, 1));
    return FX_OK;
  }
  if (is_request(req, kv->put, 3)) {
    int err = kv_put(kv, fx_tuple_get(req, 1), fx_tuple_get(req, 2));
    if (err == FX_ENOMEM) return fx_tuple2(fx_proc_heap(self), FX_ATOM(ERROR), FX_ATOM(NOMEM), reply);
    *reply = FX_ATOM(OK);
    return err;
  }
  return fx_tuple2(fx_proc_heap(self), FX_ATOM(ERROR), FX_ATOM(BADARG), reply);
}

static void kv_destroy(fx_runtime_t *rt, void *state) {
  kv_t *kv = state;
  (void)rt;
  while (kv->n > 0) kv_remove_at(kv, kv->n - 1);
  free(kv->entries);
}

static const fx_gen_server_t kv_server = {
  .name = "kvstore", .state_size = sizeof(kv_t),
  .init = kv_init, .handle_call = kv_call, .destroy = kv_destroy,
};

/* ---- main: parse a line, call the server, print the reply ---- */

typedef struct command {
  const char *name;
  const char *key, *value; /* NUL-terminated within the line */
} command_t;

/* Cuts the next space-separated word out of *p (NULL when none is left). */
static const char *next_word(char **p) {
  char *s = *p + strspn(*p, " \t");
  if (*s == '\0') return NULL;
  char *end = s + strcspn(s, " \t");
  if (*end != '\0') *end++ = '\0';
  *p = end;
  return s;
}

/* Splits a line into a command; returns an error text for a malformed one. */
static const char *parse(char *line, command_t *cmd) {
  char *p = line;
  cmd->name = next_word(&p);
  if (strcmp(cmd->name, "put") == 0) {
    cmd->key = next_word(&p);
    cmd->value = p + strspn(p, " \t"); /* the rest of the line */
    return cmd->key && *cmd->value ? NULL : "usage: put KEY VALUE";
  }
  if (strcmp(cmd->name, "get") == 0 || strcmp(cmd->name, "del") == 0) {
    cmd->key = next_word(&p);
    if (!cmd->key || next_word(&p)) return strcmp(cmd->name, "get") == 0 ? "usage: get KEY" : "usage: del KEY";
    return NULL;
  }
  if (strcmp(cmd->name, "keys") == 0 || strcmp(cmd->name, "quit") == 0)
    return next_word(&p) ? "this command takes no arguments" : NULL;
  return "unknown command (put, get, del, keys, quit)";
}

/* {put, Key, Value}, {get, Key}, {del, Key} or keys, built in h. */
static int make_request(fx_runtime_t *rt, fx_heap_t *h, const command_t *cmd, fx_term_t *req) {
  fx_term_t tag, key, value;
  int err = fx_atom_cstr(rt, cmd->name, &tag);
  if (err || strcmp(cmd->name, "keys") == 0) {
    *req = tag;
    return err;
  }
  if ((err = fx_make_string(h, cmd->key, &key)) != FX_OK) return err;
  if (strcmp(cmd->name, "put") != 0) return fx_tuple2(h, tag, key, req);
  if ((err = fx_make_string(h, cmd->value, &value)) != FX_OK) return err;
  return fx_tuple3(h, tag, key, value, req);
}

static void print_reply(fx_runtime_t *rt, fx_term_t reply) {
  size_t len;
  if (fx_is_atom(reply)) {
    const char *text = fx_atom_text(rt, reply, &len);
    printf("%.*s\n", (int)len, text);
  } else if (fx_is_tuple(reply) && fx_tuple_arity(reply) == 2 && fx_tuple_get(reply, 0) == FX_ATOM(OK)) {
    fx_term_t value = fx_tuple_get(reply, 1);
    printf("%.*s\n", (int)fx_binary_size(value), (const char *)fx_binary_data(value));
  } else if (fx_is_nil(reply)) {
    printf("(none)\n");
  } else {
    for (fx_term_t l = reply; fx_is_cons(l); l = fx_tail(l)) {
      fx_term_t key = fx_head(l);
      printf("%.*s%s", (int)fx_binary_size(key), (const char *)fx_binary_data(key), fx_is_cons(fx_tail(l)) ? " " : "\n");
    }
  }
}

/* The call's completion: prints the reply (valid only during this call). */
static void on_reply(fx_runtime_t *rt, void *ud, int status, fx_term_t value) {
  char reason[128];
  *(int *)ud = 1;
  if (status == FX_OK) {
    print_reply(rt, value);
    return;
  }
  fx_term_format(rt, value, reason, sizeof reason);
  printf("error: the call failed: %s (%s)\n", fx_strerror(status), reason);
}

/* Runs the loop until the call completes; its timeout timer keeps the loop
 * busy until then, so fx_run never reports "no work" before. */
static int run_until_done(fx_runtime_t *rt, const int *done) {
  while (!*done) {
    int r = fx_run(rt, FX_RUN_ONCE);
    if (r < 0) return r;
    if (r == 0 && !*done) return FX_ESTATE;
  }
  return FX_OK;
}

static int execute(fx_runtime_t *rt, fx_heap_t *h, fx_pid_t server, const command_t *cmd) {
  fx_term_t req;
  int done = 0;
  int err = make_request(rt, h, cmd, &req);
  if (!err) err = fx_call(rt, fx_pid_term(server), req, CALL_TIMEOUT_MS, on_reply, &done, NULL);
  if (!err) err = run_until_done(rt, &done);
  fx_heap_reset(h);
  return err;
}

/* Reads one line without its line break into buf; returns 0 at end of
 * input, -1 for a line too long (the rest of it is skipped), 1 otherwise. */
static int read_line(char *buf, size_t cap) {
  if (!fgets(buf, (int)cap, stdin)) return 0;
  size_t len = strlen(buf);
  if (len > 0 && buf[len - 1] == '\n') {
    buf[--len] = '\0';
    if (len > 0 && buf[len - 1] == '\r') buf[--len] = '\0';
    return 1;
  }
  if (feof(stdin)) return 1;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {}
  return -1;
}

static int serve_stdin(fx_runtime_t *rt, fx_heap_t *h, fx_pid_t server) {
  char line[LINE_MAX_BYTES];
  int got;
  while ((got = read_line(line, sizeof line)) != 0) {
    command_t cmd = {NULL, NULL, NULL};
    const char *problem = got < 0 ? "line too long" : NULL;
    size_t start = strspn(line, " \t");
    if (!problem && (line[start] == '\0' || line[start] == '#')) continue;
    if (!problem) problem = parse(line, &cmd);
    if (problem) {
      printf("error: %s\n", problem);
      continue;
    }
    if (strcmp(cmd.name, "quit") == 0) break;
    int err = execute(rt, h, server, &cmd);
    if (err) return err;
    fflush(stdout);
  }
  printf("bye\n");
  return FX_OK;
}

int main(void) {
  fx_runtime_t *rt = NULL;
  fx_heap_t *h = NULL;
  fx_pid_t server;
  int err = fx_runtime_new(NULL, &rt);
  if (!err) err = fx_heap_new(rt, &h);
  if (!err) err = fx_gen_server_start(rt, &kv_server, FX_NIL, NULL, &server);
  if (!err) err = serve_stdin(rt, h, server);
  if (err) fprintf(stderr, "kvstore: %s\n", fx_strerror(err));
  if (h) fx_heap_free(h);
  if (rt) fx_runtime_free(rt);
  return err ? 1 : 0;
}
