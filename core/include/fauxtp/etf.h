/* The Erlang External Term Format (version 131), byte-compatible with
 * term_to_binary(T, [{minor_version, 2}]) as OTP 25 writes it.
 *
 * Encoding writes the smallest integer forms, UTF-8 atoms (tags 119/118),
 * STRING_EXT for lists of bytes as Erlang does, and map pairs in map-key
 * order. Decoding accepts everything term_to_binary writes for the types in
 * term.h, including the legacy latin-1 atom tags and FLOAT_EXT (compressed
 * terms once fx_etf_inflate has made them plain), and is strict: malformed
 * input returns an error code and allocates nothing. */
#ifndef FAUXTP_ETF_H
#define FAUXTP_ETF_H

#include <stddef.h>
#include <stdint.h>

#include "fauxtp/term.h"

#define FX_ETF_VERSION 131
/* Deepest nesting the decoder accepts (tuples, lists, maps). */
#define FX_ETF_MAX_DEPTH 512
/* Largest element count (tuple arity, list length, map size) or byte
 * length the decoder accepts, beyond the check against the input length. */
#define FX_ETF_MAX_COUNT (UINT32_C(1) << 28)

/* Bytes the encoding of t needs, version byte included. */
int fx_etf_encoded_size(const fx_runtime_t *rt, fx_term_t t, size_t *out);
/* Encodes t into buf (cap bytes); *len gets the length written.
 * FX_ENOSPACE when cap is too small (nothing useful written). */
int fx_etf_encode(const fx_runtime_t *rt, fx_term_t t, uint8_t *buf, size_t cap, size_t *len);

/* Validates buf[0..len) as one complete term and computes the words a
 * decoded copy needs. Interns nothing, allocates nothing. */
int fx_etf_measure(const fx_runtime_t *rt, const uint8_t *buf, size_t len, size_t *words);
/* Decodes a measured term into `words` (fx_etf_measure's size), interning
 * its atoms. */
int fx_etf_decode_into(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint64_t *words, size_t nwords, fx_term_t *out);
/* Measures and decodes into heap h in one call. */
int fx_etf_decode(fx_runtime_t *rt, const uint8_t *buf, size_t len, fx_heap_t *h, fx_term_t *out);

/* A compressed term (term_to_binary(T, [compressed]): 131, 80, its size,
 * zlib), which the decoders refuse (FX_EBADTAG), as the plain encoding
 * they read: *out gets *out_len bytes from the runtime's memory, to give
 * back with fx_etf_inflated_free. FX_EINVAL for input that is no
 * compressed term; FX_ETRUNCATED, FX_EBADTERM (a stream not well formed,
 * of another size than it says, or with a bad checksum), FX_ETOOBIG (past
 * FX_ETF_MAX_COUNT bytes), FX_ENOMEM. Apart (inflate.c): a program that
 * never calls it does not link the inflater. */
int fx_etf_inflate(fx_runtime_t *rt, const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len);
void fx_etf_inflated_free(fx_runtime_t *rt, uint8_t *buf, size_t len);

#endif
