/* SPDX-License-Identifier: MIT */
/* Case-insensitive CIM name comparison and hashing (ASCII folding only, as WMI does). */
#include "shared/name.h"

#include <string.h>

static inline unsigned char fold(unsigned char c) {
        return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

int lwmi_name_cmp(const char *a, const char *b) {
        const unsigned char *x = (const unsigned char *) a, *y = (const unsigned char *) b;

        for (;; x++, y++) {
                unsigned char p = fold(*x), q = fold(*y);
                if (p != q || !p)
                        return (int) p - (int) q;
        }
}

bool lwmi_name_eq(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return lwmi_name_cmp(a, b) == 0;
}

bool lwmi_name_eq_n(const char *a, const char *b, size_t n_b) {
        size_t i;

        for (i = 0; i < n_b; i++) {
                if (!a[i] || fold((unsigned char) a[i]) != fold((unsigned char) b[i]))
                        return false;
        }
        return a[i] == 0;
}

uint64_t lwmi_name_hash(const char *a) {
        /* FNV-1a over the folded bytes */
        uint64_t h = 0xcbf29ce484222325ULL;

        for (; *a; a++) {
                h ^= fold((unsigned char) *a);
                h *= 0x100000001b3ULL;
        }
        return h;
}

bool lwmi_name_is_valid(const char *a) {
        if (!a || !*a)
                return false;
        if (!((*a >= 'A' && *a <= 'Z') || (*a >= 'a' && *a <= 'z') || *a == '_' ||
              (unsigned char) *a >= 0x80))
                return false;
        for (a++; *a; a++) {
                unsigned char c = (unsigned char) *a;
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c >= 0x80))
                        return false;
        }
        return true;
}
