/* SPDX-License-Identifier: MIT */
/* Growable NUL-terminated string buffer. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "shared/macro.h"

typedef struct StrBuf {
        char *s; /* always NUL-terminated once anything was appended */
        size_t len;
        size_t alloc;
        bool oom; /* sticky: an append failed; strbuf_steal() then returns NULL */
} StrBuf;

#define STRBUF_INIT \
 { .s = NULL, .len = 0, .alloc = 0, .oom = false }

void strbuf_deinit(StrBuf *b);
void strbuf_append(StrBuf *b, const char *s);
void strbuf_append_n_slow(StrBuf *b, const char *s, size_t n);
void strbuf_append_c(StrBuf *b, char c);
_printf_(2, 3) void strbuf_printf(StrBuf *b, const char *fmt, ...);
_printf_(2, 0) void strbuf_vprintf(StrBuf *b, const char *fmt, va_list ap);
void strbuf_truncate(StrBuf *b, size_t len);
/* Returns the string (caller frees) or NULL on allocation failure; resets b. */
char *strbuf_steal(StrBuf *b);
/* Returns the current string (borrowed, "" when empty). */
const char *strbuf_str(const StrBuf *b);

/*
 * Appends @n bytes. Inline: the wire encoders append a few bytes at a time
 * on the event paths, and almost always fit (the buffer is reused).
 */
static inline void strbuf_append_n(StrBuf *b, const char *s, size_t n) {
        /* alloc > len whenever s is set: room for n bytes and the NUL */
        if (n < b->alloc - b->len && b->s && !b->oom) {
                if (n)
                        memcpy(b->s + b->len, s, n);
                b->len += n;
                b->s[b->len] = 0;
                return;
        }
        strbuf_append_n_slow(b, s, n);
}

static inline void strbuf_deinitp(StrBuf *b) {
        strbuf_deinit(b);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_deinitp)
