/* SPDX-License-Identifier: MIT */
/* UTF-8 / UTF-16 conversion. Strings are UTF-8 everywhere inside lwmi. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s (n bytes available). Returns its length (1-4) or -EILSEQ. */
int utf8_decode(const char *s, size_t n, uint32_t *ret_cp);
/* Encodes cp into out (4 bytes room). Returns the length or -EILSEQ for invalid cp. */
int utf8_encode(uint32_t cp, char out[4]);
bool utf8_is_valid(const char *s, size_t n);
/* Number of UTF-16 code units needed for the UTF-8 string, or -EILSEQ. */
long utf8_utf16_len(const char *s, size_t n);

/*
 * Converts n_units UTF-16LE code units at p (any alignment) to a new UTF-8 string.
 * Stops at the first NUL unit when stop_at_nul. Unpaired surrogates become U+FFFD.
 * Returns 0 or -ENOMEM.
 */
int utf16le_to_utf8(const void *p, size_t n_units, bool stop_at_nul, char **ret);
/*
 * Converts UTF-8 to UTF-16LE into out (room for out_units units). Returns the
 * number of units written, -ENOBUFS when out is too small, -EILSEQ on bad UTF-8.
 */
long utf8_to_utf16le(const char *s, size_t n, void *out, size_t out_units);
