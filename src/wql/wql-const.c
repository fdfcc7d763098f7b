/* SPDX-License-Identifier: MIT */
/*
 * WQL constants: the conversions a literal may need at evaluation time
 * (folded text, number, truth value, datetime) are done once, at parse time,
 * so that evaluating a comparison never parses or allocates.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/name.h"
#include "wql/wql-internal.h"

/**
 * wql_const_deinit() - release what a constant owns and zero it.
 * @c: the constant, or NULL
 */
void wql_const_deinit(WqlConst *c) {
        if (!c)
                return;
        free(c->text);
        free(c->folded);
        wql_pattern_free(c->pattern);
        *c = (WqlConst){};
}

/**
 * wql_format_real() - the shortest spelling of @d that reads back exactly.
 * @d: a finite number
 * @force_real: append ".0" when the spelling would read as an integer
 * @out: the text
 */
void wql_format_real(double d, bool force_real, char out[32]) {
        int prec;

        for (prec = 1; prec < 17; prec++) {
                snprintf(out, 32, "%.*g", prec, d);
                if (strtod(out, NULL) == d)
                        break;
        }
        snprintf(out, 32, "%.*g", prec, d);
        /* "1e+03" reads better as "1000" while the digits stay few */
        if (strchr(out, 'e') && fabs(d) >= 1 && fabs(d) < 1e17) {
                int e = (int) floor(log10(fabs(d)));
                int decimals = prec - 1 - e;
                snprintf(out, 32, "%.*f", decimals > 0 ? decimals : 0, d);
                if (strtod(out, NULL) != d)
                        snprintf(out, 32, "%.*g", prec, d);
        }
        if (force_real && !strpbrk(out, ".eEni"))
                strcat(out, ".0");
}

static bool parse_uint(const char *s, size_t n, uint32_t *ret) {
        uint32_t v = 0;

        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (uint32_t) (s[i] - '0');
        }
        *ret = v;
        return true;
}

static bool is_leap(uint32_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/**
 * wql_datetime_parse() - convert a string literal to a datetime.
 * @s: a DMTF datetime or interval (25 characters), or "yyyy-mm-dd" optionally
 *     followed by " hh:mm", " hh:mm:ss" or " hh:mm:ss.ffffff" (separators of
 *     the date: -, / or ., the same twice; 'T' may replace the space); the
 *     second form is taken as UTC
 * @ret: the datetime
 *
 * Return: 0 or -EINVAL.
 */
int wql_datetime_parse(const char *s, lwmi_datetime *ret) {
        static const uint32_t mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        lwmi_datetime dt = {};
        size_t n = strlen(s), p;
        char sep;

        if (n == 25 && lwmi_datetime_parse(s, ret) >= 0)
                return 0;
        if (n < 10)
                return -EINVAL;
        sep = s[4];
        if ((sep != '-' && sep != '/' && sep != '.') || s[7] != sep)
                return -EINVAL;
        if (!parse_uint(s, 4, &dt.year) || !parse_uint(s + 5, 2, &dt.month) ||
            !parse_uint(s + 8, 2, &dt.day))
                return -EINVAL;
        if (dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > mdays[dt.month - 1] ||
            (dt.month == 2 && dt.day == 29 && !is_leap(dt.year)))
                return -EINVAL;
        p = 10;
        if (p < n) {
                if ((s[p] != ' ' && s[p] != 'T') || n < p + 6 || s[p + 3] != ':')
                        return -EINVAL;
                if (!parse_uint(s + p + 1, 2, &dt.hour) || !parse_uint(s + p + 4, 2, &dt.minute))
                        return -EINVAL;
                p += 6;
                if (p < n) {
                        if (s[p] != ':' || n < p + 3 || !parse_uint(s + p + 1, 2, &dt.second))
                                return -EINVAL;
                        p += 3;
                        if (p < n) {
                                if (s[p] != '.' || n - p - 1 < 1 || n - p - 1 > 6 ||
                                    !parse_uint(s + p + 1, n - p - 1, &dt.microseconds))
                                        return -EINVAL;
                                for (size_t k = n - p - 1; k < 6; k++)
                                        dt.microseconds *= 10;
                        }
                }
                if (dt.hour > 23 || dt.minute > 59 || dt.second > 59)
                        return -EINVAL;
        }
        *ret = dt;
        return 0;
}

/* Whether all of @s is an integer (decimal or 0x hex, optional '-') or a real. */
static void const_parse_number(WqlConst *c) {
        const char *s = c->text;
        bool neg = false;
        uint64_t u = 0;
        char *end;
        double d;

        if (c->n_text == 0 || c->n_text > 64)
                return;
        if (*s == '-') {
                neg = true;
                s++;
        }
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
                for (s += 2; *s; s++) {
                        int v = (*s >= '0' && *s <= '9')   ? *s - '0'
                                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                                           : -1;
                        if (v < 0 || (u >> 60))
                                return;
                        u = (u << 4) | (uint64_t) v;
                }
        } else if (*s >= '0' && *s <= '9') {
                const char *q = s;
                for (; *q >= '0' && *q <= '9'; q++) {
                        unsigned v = (unsigned) (*q - '0');
                        if (u > (UINT64_MAX - v) / 10)
                                break;
                        u = u * 10 + v;
                }
                if (*q) {
                        /* not a plain integer: maybe a real */
                        d = strtod(c->text, &end);
                        if (*end || !isfinite(d))
                                return;
                        c->has_number = true;
                        c->real = d;
                        return;
                }
        } else
                return;

        if (neg) {
                if (u > (uint64_t) INT64_MAX + 1)
                        return;
                c->sint = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) u;
                c->real = (double) c->sint;
        } else if (u > (uint64_t) INT64_MAX) {
                c->is_uint = true;
                c->uint = u;
                c->real = (double) u;
        } else {
                c->sint = (int64_t) u;
                c->real = (double) u;
        }
        c->has_number = c->has_int = true;
}

/**
 * wql_const_prepare() - fill the conversions of a constant whose @kind and
 * value (or, for strings, @text) the parser set.
 * @c: the constant
 *
 * Return: 0 or -ENOMEM.
 */
int wql_const_prepare(WqlConst *c) {
        char buf[32];

        switch (c->kind) {
        case WQL_CONST_NULL:
                c->text = strdup("NULL");
                break;
        case WQL_CONST_BOOL:
                c->has_bool = true;
                c->text = strdup(c->boolean ? "TRUE" : "FALSE");
                break;
        case WQL_CONST_INT:
                c->has_number = c->has_int = true;
                if (c->is_uint) {
                        c->real = (double) c->uint;
                        snprintf(buf, sizeof(buf), "%" PRIu64, c->uint);
                } else {
                        c->real = (double) c->sint;
                        snprintf(buf, sizeof(buf), "%" PRId64, c->sint);
                }
                c->text = strdup(buf);
                break;
        case WQL_CONST_REAL:
                c->has_number = true;
                wql_format_real(c->real, true, buf);
                c->text = strdup(buf);
                break;
        case WQL_CONST_STRING:
                if (!c->text)
                        return -ENOMEM;
                c->n_text = strlen(c->text);
                if (lwmi_name_eq(c->text, "TRUE") || lwmi_name_eq(c->text, "FALSE")) {
                        c->has_bool = true;
                        c->boolean = lwmi_name_eq(c->text, "TRUE");
                }
                const_parse_number(c);
                if (wql_datetime_parse(c->text, &c->datetime) >= 0)
                        c->has_datetime = true;
                break;
        }
        if (!c->text)
                return -ENOMEM;
        c->n_text = strlen(c->text);
        c->folded = malloc(c->n_text + 1);
        if (!c->folded)
                return -ENOMEM;
        for (size_t i = 0; i <= c->n_text; i++)
                c->folded[i] = (char) wql_fold((unsigned char) c->text[i]);
        return 0;
}
