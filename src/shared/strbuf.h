/* SPDX-License-Identifier: MIT */
/* Growable NUL-terminated string buffer. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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
void strbuf_append_n(StrBuf *b, const char *s, size_t n);
void strbuf_append_c(StrBuf *b, char c);
_printf_(2, 3) void strbuf_printf(StrBuf *b, const char *fmt, ...);
_printf_(2, 0) void strbuf_vprintf(StrBuf *b, const char *fmt, va_list ap);
void strbuf_truncate(StrBuf *b, size_t len);
/* Returns the string (caller frees) or NULL on allocation failure; resets b. */
char *strbuf_steal(StrBuf *b);
/* Returns the current string (borrowed, "" when empty). */
const char *strbuf_str(const StrBuf *b);

static inline void strbuf_deinitp(StrBuf *b) {
        strbuf_deinit(b);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_deinitp)
