/* SPDX-License-Identifier: MIT */
/* UTF-8 / UTF-16LE conversion with strict validation. */
#include "shared/utf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"

int utf8_decode(const char *str, size_t n, uint32_t *ret_cp) {
        const unsigned char *s = (const unsigned char *) str;
        uint32_t cp, min;
        int len, i;

        if (n == 0)
                return -EILSEQ;
        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        } else if ((s[0] & 0xe0) == 0xc0) {
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        } else {
                return -EILSEQ;
        }
        if ((size_t) len > n)
                return -EILSEQ;
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return -EILSEQ;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return -EILSEQ;
        *ret_cp = cp;
        return len;
}

int utf8_encode(uint32_t cp, char out[4]) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
                return -EILSEQ;
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | (cp >> 12));
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        if (cp <= 0x10ffff) {
                out[0] = (char) (0xf0 | (cp >> 18));
                out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
                out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[3] = (char) (0x80 | (cp & 0x3f));
                return 4;
        }
        return -EILSEQ;
}

bool utf8_is_valid(const char *s, size_t n) {
        size_t i = 0;

        while (i < n) {
                uint32_t cp;
                int l;

                /* ASCII runs, the usual text, a byte at a time without decoding */
                if ((unsigned char) s[i] < 0x80) {
                        i++;
                        continue;
                }
                l = utf8_decode(s + i, n - i, &cp);
                if (l < 0)
                        return false;
                i += (size_t) l;
        }
        return true;
}

long utf8_utf16_len(const char *s, size_t n) {
        size_t i = 0;
        long units = 0;

        while (i < n) {
                uint32_t cp;
                int l = utf8_decode(s + i, n - i, &cp);
                if (l < 0)
                        return -EILSEQ;
                units += cp >= 0x10000 ? 2 : 1;
                i += (size_t) l;
        }
        return units;
}

static inline uint16_t load_u16le(const unsigned char *p) {
        return (uint16_t) (p[0] | (p[1] << 8));
}

int utf16le_to_utf8(const void *p, size_t n_units, bool stop_at_nul, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const unsigned char *u = p;
        size_t i;

        for (i = 0; i < n_units; i++) {
                uint32_t cp = load_u16le(u + 2 * i);
                char enc[4];
                int l;

                if (cp == 0 && stop_at_nul)
                        break;
                if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n_units) {
                        uint32_t lo = load_u16le(u + 2 * (i + 1));
                        if (lo >= 0xdc00 && lo <= 0xdfff) {
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                i++;
                        } else {
                                cp = 0xfffd;
                        }
                } else if (cp >= 0xd800 && cp <= 0xdfff) {
                        cp = 0xfffd;
                }
                l = utf8_encode(cp, enc);
                strbuf_append_n(&b, enc, (size_t) l);
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

long utf8_to_utf16le(const char *s, size_t n, void *out, size_t out_units) {
        unsigned char *o = out;
        size_t i = 0, k = 0;

        while (i < n) {
                uint32_t cp;
                int l = utf8_decode(s + i, n - i, &cp);
                if (l < 0)
                        return -EILSEQ;
                i += (size_t) l;
                if (cp >= 0x10000) {
                        uint32_t v = cp - 0x10000;
                        uint16_t hi = (uint16_t) (0xd800 + (v >> 10)),
                                 lo = (uint16_t) (0xdc00 + (v & 0x3ff));
                        if (k + 2 > out_units)
                                return -ENOBUFS;
                        o[2 * k] = (unsigned char) hi, o[2 * k + 1] = (unsigned char) (hi >> 8);
                        k++;
                        o[2 * k] = (unsigned char) lo, o[2 * k + 1] = (unsigned char) (lo >> 8);
                        k++;
                } else {
                        if (k + 1 > out_units)
                                return -ENOBUFS;
                        o[2 * k] = (unsigned char) cp, o[2 * k + 1] = (unsigned char) (cp >> 8);
                        k++;
                }
        }
        return (long) k;
}
