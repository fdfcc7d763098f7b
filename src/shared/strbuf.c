/* SPDX-License-Identifier: MIT */
/* Growable string buffer; allocation failure is sticky and reported at steal time. */
#include "shared/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void strbuf_deinit(StrBuf *b) {
        free(b->s);
        *b = (StrBuf) STRBUF_INIT;
}

static bool reserve(StrBuf *b, size_t extra) {
        if (b->oom)
                return false;
        if (extra > SIZE_MAX - b->len - 1 || GROW(b->s, b->alloc, b->len + extra + 1) < 0) {
                b->oom = true;
                return false;
        }
        return true;
}

void strbuf_append_n_slow(StrBuf *b, const char *s, size_t n) {
        if (!reserve(b, n))
                return;
        if (n)
                memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

void strbuf_append(StrBuf *b, const char *s) {
        strbuf_append_n(b, s, strlen(s));
}

void strbuf_append_c(StrBuf *b, char c) {
        strbuf_append_n(b, &c, 1);
}

void strbuf_vprintf(StrBuf *b, const char *fmt, va_list ap) {
        va_list aq;
        int n;

        va_copy(aq, ap);
        n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0) {
                b->oom = true;
                return;
        }
        if (!reserve(b, (size_t) n))
                return;
        vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
        b->len += (size_t) n;
}

void strbuf_printf(StrBuf *b, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        strbuf_vprintf(b, fmt, ap);
        va_end(ap);
}

void strbuf_truncate(StrBuf *b, size_t len) {
        if (len < b->len) {
                b->len = len;
                b->s[len] = 0;
        }
}

char *strbuf_steal(StrBuf *b) {
        char *s;

        if (b->oom) {
                strbuf_deinit(b);
                return NULL;
        }
        if (!b->s) {
                strbuf_deinit(b);
                return strdup("");
        }
        s = b->s;
        *b = (StrBuf) STRBUF_INIT;
        return s;
}

const char *strbuf_str(const StrBuf *b) {
        return b->s ? b->s : "";
}
