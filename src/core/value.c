/* SPDX-License-Identifier: MIT */
/*
 * CIM types and values: construction, copy, conversion, comparison, equality.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

/*
 * Theory of operation: an lwmi_value is a tagged union. Integers are kept
 * widened (sint in int64_t, uint in uint64_t), so the width lives only in
 * @type and range checks happen at conversion time. A value with @is_null
 * set owns nothing: every constructor zeroes the union of a NULL, and
 * lwmi_value_clear() frees storage only of non-NULL values (so a caller that
 * flips @is_null on a string leaks it rather than crashing on garbage).
 */

static const struct {
        lwmi_cimtype type;
        const char *name;
} type_names[] = {
        { LWMI_CIM_SINT8, "sint8" },     { LWMI_CIM_UINT8, "uint8" },
        { LWMI_CIM_SINT16, "sint16" },   { LWMI_CIM_UINT16, "uint16" },
        { LWMI_CIM_SINT32, "sint32" },   { LWMI_CIM_UINT32, "uint32" },
        { LWMI_CIM_SINT64, "sint64" },   { LWMI_CIM_UINT64, "uint64" },
        { LWMI_CIM_REAL32, "real32" },   { LWMI_CIM_REAL64, "real64" },
        { LWMI_CIM_CHAR16, "char16" },   { LWMI_CIM_STRING, "string" },
        { LWMI_CIM_BOOLEAN, "boolean" }, { LWMI_CIM_DATETIME, "datetime" },
        { LWMI_CIM_OBJECT, "object" },   { LWMI_CIM_REFERENCE, "ref" },
};

_public_ const char *lwmi_cimtype_name(lwmi_cimtype type) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);

        if (base == LWMI_CIM_EMPTY)
                return "empty";
        for (size_t i = 0; i < ELEMENTSOF(type_names); i++)
                if (type_names[i].type == base)
                        return type_names[i].name;
        return "unknown";
}

_public_ int lwmi_cimtype_from_name(const char *name, lwmi_cimtype *ret_type) {
        assert_return(name, -EINVAL);
        assert_return(ret_type, -EINVAL);

        for (size_t i = 0; i < ELEMENTSOF(type_names); i++) {
                if (type_names[i].type == LWMI_CIM_REFERENCE)
                        continue;
                if (lwmi_name_eq(name, type_names[i].name)) {
                        *ret_type = type_names[i].type;
                        return 0;
                }
        }
        return -EINVAL;
}

/**
 * cim_type_is_valid() - whether @type is a valid property type.
 * @type: a CIM type, optionally with LWMI_CIM_FLAG_ARRAY
 *
 * Return: true for the known base types (not EMPTY) with no other flag bits.
 */
bool cim_type_is_valid(lwmi_cimtype type) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);

        if (base == LWMI_CIM_EMPTY)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(type_names); i++)
                if (type_names[i].type == base)
                        return true;
        return false;
}

static bool type_is_sint(lwmi_cimtype t) {
        return t == LWMI_CIM_SINT8 || t == LWMI_CIM_SINT16 || t == LWMI_CIM_SINT32 ||
               t == LWMI_CIM_SINT64;
}

static bool type_is_uint(lwmi_cimtype t) {
        return t == LWMI_CIM_UINT8 || t == LWMI_CIM_UINT16 || t == LWMI_CIM_UINT32 ||
               t == LWMI_CIM_UINT64;
}

static bool type_is_real(lwmi_cimtype t) {
        return t == LWMI_CIM_REAL32 || t == LWMI_CIM_REAL64;
}

static bool type_is_stringish(lwmi_cimtype t) {
        return t == LWMI_CIM_STRING || t == LWMI_CIM_REFERENCE;
}

_public_ void lwmi_value_clear(lwmi_value *v) {
        if (!v)
                return;
        if (!v->is_null) {
                if (LWMI_CIM_IS_ARRAY(v->type)) {
                        for (size_t i = 0; i < v->u.array.n; i++)
                                lwmi_value_clear(&v->u.array.items[i]);
                        free(v->u.array.items);
                } else if (type_is_stringish(v->type)) {
                        free(v->u.string);
                } else if (v->type == LWMI_CIM_OBJECT) {
                        lwmi_object_unref(v->u.object);
                }
        }
        *v = (lwmi_value) LWMI_VALUE_NULL;
}

_public_ int lwmi_value_copy(lwmi_value *dst, const lwmi_value *src) {
        assert_return(dst, -EINVAL);
        if (!src) {
                *dst = (lwmi_value) LWMI_VALUE_NULL;
                return -EINVAL;
        }

        if (src->is_null) {
                lwmi_value_set_null(dst, src->type);
                return 0;
        }
        if (LWMI_CIM_IS_ARRAY(src->type)) {
                lwmi_value a;
                int r;

                r = lwmi_value_set_array(&a, src->type, src->u.array.n);
                if (r < 0) {
                        *dst = (lwmi_value) LWMI_VALUE_NULL;
                        return r;
                }
                for (size_t i = 0; i < src->u.array.n; i++) {
                        r = lwmi_value_copy(&a.u.array.items[i], &src->u.array.items[i]);
                        if (r < 0) {
                                lwmi_value_clear(&a);
                                *dst = (lwmi_value) LWMI_VALUE_NULL;
                                return r;
                        }
                }
                *dst = a;
                return 0;
        }

        *dst = *src;
        if (type_is_stringish(src->type)) {
                dst->u.string = strdup(src->u.string ? src->u.string : "");
                if (!dst->u.string) {
                        *dst = (lwmi_value) LWMI_VALUE_NULL;
                        return -ENOMEM;
                }
        } else if (src->type == LWMI_CIM_OBJECT) {
                dst->u.object = lwmi_object_ref(src->u.object);
        }
        return 0;
}

_public_ void lwmi_value_set_bool(lwmi_value *v, bool b) {
        *v = (lwmi_value){ .type = LWMI_CIM_BOOLEAN, .u.boolean = b };
}

_public_ void lwmi_value_set_sint(lwmi_value *v, lwmi_cimtype type, int64_t i) {
        *v = (lwmi_value){ .type = type, .u.sint = i };
}

_public_ void lwmi_value_set_uint(lwmi_value *v, lwmi_cimtype type, uint64_t u) {
        *v = (lwmi_value){ .type = type, .u.uint = u };
}

_public_ void lwmi_value_set_real(lwmi_value *v, lwmi_cimtype type, double r) {
        /* real32 values are kept rounded to float precision */
        if (type == LWMI_CIM_REAL32 && isfinite(r) && fabs(r) <= FLT_MAX)
                r = (double) (float) r;
        *v = (lwmi_value){ .type = type, .u.real = r };
}

_public_ void lwmi_value_set_char16(lwmi_value *v, uint16_t c) {
        *v = (lwmi_value){ .type = LWMI_CIM_CHAR16, .u.char16 = c };
}

_public_ void lwmi_value_set_datetime(lwmi_value *v, const lwmi_datetime *dt) {
        *v = (lwmi_value){ .type = LWMI_CIM_DATETIME, .u.datetime = *dt };
}

_public_ int lwmi_value_set_string(lwmi_value *v, lwmi_cimtype type, const char *s) {
        char *c;

        assert_return(v, -EINVAL);
        assert_return(s, -EINVAL);
        assert_return(type_is_stringish(type), -EINVAL);

        c = strdup(s);
        if (!c)
                return -ENOMEM;
        *v = (lwmi_value){ .type = type, .u.string = c };
        return 0;
}

_public_ void lwmi_value_set_object(lwmi_value *v, lwmi_object *o) {
        if (!o) {
                lwmi_value_set_null(v, LWMI_CIM_OBJECT);
                return;
        }
        *v = (lwmi_value){ .type = LWMI_CIM_OBJECT, .u.object = lwmi_object_ref(o) };
}

_public_ int lwmi_value_set_array(lwmi_value *v, lwmi_cimtype type, size_t n) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);
        lwmi_value *items = NULL;

        assert_return(v, -EINVAL);

        if (n > 0) {
                items = calloc(n, sizeof(*items));
                if (!items)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        lwmi_value_set_null(&items[i], base);
        }
        *v = (lwmi_value){
                .type = base | LWMI_CIM_FLAG_ARRAY,
                .u.array = { .n = n, .items = items },
        };
        return 0;
}

_public_ void lwmi_value_set_null(lwmi_value *v, lwmi_cimtype type) {
        *v = (lwmi_value){ .type = type, .is_null = true };
}

/* ---- integer and real parsing ---- */

/*
 * Parses [+-]?(0x hex | decimal) exactly (no spaces, nothing after). On
 * success *ret_neg says whether it was negative and *ret_mag holds the
 * magnitude. Return: 0, -EINVAL (syntax), -ERANGE (magnitude above 2^64-1).
 */
static int parse_integer_text(const char *s, bool *ret_neg, uint64_t *ret_mag) {
        bool neg = false;
        unsigned base = 10;
        uint64_t mag = 0;
        size_t n = 0;

        if (*s == '+' || *s == '-') {
                neg = *s == '-';
                s++;
        }
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        }
        for (; *s; s++, n++) {
                unsigned d;

                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (base == 16 && *s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else if (base == 16 && *s >= 'A' && *s <= 'F')
                        d = (unsigned) (*s - 'A' + 10);
                else
                        return -EINVAL;
                if (mag > (UINT64_MAX - d) / base)
                        return -ERANGE;
                mag = mag * base + d;
        }
        if (n == 0)
                return -EINVAL;
        *ret_neg = neg;
        *ret_mag = mag;
        return 0;
}

/**
 * cim_parse_integer() - parse an integer literal exactly.
 * @s: the text
 * @ret_neg: whether it had a minus sign
 * @ret_mag: its magnitude
 *
 * Return: 0, -EINVAL (syntax), -ERANGE (magnitude above UINT64_MAX).
 */
int cim_parse_integer(const char *s, bool *ret_neg, uint64_t *ret_mag) {
        return parse_integer_text(s, ret_neg, ret_mag);
}

/* Parses a real exactly: strtod syntax, no leading space, nothing after. */
static int parse_real_text(const char *s, double *ret) {
        char *end;
        double d;

        if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
                return -EINVAL;
        errno = 0;
        d = strtod(s, &end);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE && isinf(d))
                return -ERANGE;
        *ret = d;
        return 0;
}

/* Range of each integer type, as [min, max] over signed/unsigned 64-bit. */
static void int_range(lwmi_cimtype t, int64_t *min, uint64_t *max) {
        switch (t) {
        case LWMI_CIM_SINT8:
                *min = INT8_MIN;
                *max = INT8_MAX;
                break;
        case LWMI_CIM_SINT16:
                *min = INT16_MIN;
                *max = INT16_MAX;
                break;
        case LWMI_CIM_SINT32:
                *min = INT32_MIN;
                *max = INT32_MAX;
                break;
        case LWMI_CIM_SINT64:
                *min = INT64_MIN;
                *max = INT64_MAX;
                break;
        case LWMI_CIM_UINT8:
                *min = 0;
                *max = UINT8_MAX;
                break;
        case LWMI_CIM_UINT16:
        case LWMI_CIM_CHAR16:
                *min = 0;
                *max = UINT16_MAX;
                break;
        case LWMI_CIM_UINT32:
                *min = 0;
                *max = UINT32_MAX;
                break;
        default:
                *min = 0;
                *max = UINT64_MAX;
                break;
        }
}

/* Stores the integer (neg, mag) as type @t with a range check. */
static int make_integer(lwmi_cimtype t, bool neg, uint64_t mag, lwmi_value *ret) {
        int64_t min;
        uint64_t max;

        int_range(t, &min, &max);
        if (neg && mag != 0) {
                /* -mag >= min  <=>  mag <= -min, computed without overflow */
                uint64_t lim = min < 0 ? (uint64_t) (-(min + 1)) + 1 : 0;
                if (mag > lim)
                        return -ERANGE;
        } else if (mag > max) {
                return -ERANGE;
        }

        if (type_is_sint(t))
                lwmi_value_set_sint(ret, t, neg ? (int64_t) (0 - mag) : (int64_t) mag);
        else if (t == LWMI_CIM_CHAR16)
                lwmi_value_set_char16(ret, (uint16_t) mag);
        else
                lwmi_value_set_uint(ret, t, mag);
        return 0;
}

/* Splits an integer-valued source into sign and magnitude. */
static int value_to_integer_parts(const lwmi_value *v, bool *neg, uint64_t *mag) {
        lwmi_cimtype t = v->type;

        if (type_is_sint(t)) {
                *neg = v->u.sint < 0;
                *mag = *neg ? (uint64_t) 0 - (uint64_t) v->u.sint : (uint64_t) v->u.sint;
                return 0;
        }
        if (type_is_uint(t)) {
                *neg = false;
                *mag = v->u.uint;
                return 0;
        }
        if (t == LWMI_CIM_CHAR16) {
                *neg = false;
                *mag = v->u.char16;
                return 0;
        }
        if (t == LWMI_CIM_BOOLEAN) {
                *neg = false;
                *mag = v->u.boolean ? 1 : 0;
                return 0;
        }
        if (type_is_real(t)) {
                double d = v->u.real;

                if (!isfinite(d) || d != trunc(d))
                        return -EINVAL;
                if (d <= -18446744073709551616.0 || d >= 18446744073709551616.0)
                        return -ERANGE;
                *neg = d < 0;
                *mag = (uint64_t) fabs(d);
                return 0;
        }
        if (type_is_stringish(t))
                return parse_integer_text(v->u.string, neg, mag);
        return -EINVAL;
}

static double value_as_double(const lwmi_value *v) {
        if (type_is_sint(v->type))
                return (double) v->u.sint;
        if (type_is_uint(v->type))
                return (double) v->u.uint;
        if (v->type == LWMI_CIM_CHAR16)
                return v->u.char16;
        return v->u.real;
}

/* ---- formatting numbers ---- */

/**
 * cim_append_real() - shortest text that reads back as the same value.
 * @b: buffer
 * @r: the value
 * @real32: whether the value is a real32 (shortest float text is enough)
 *
 * Always contains a '.' or an exponent so that it reads back as a real.
 */
void cim_append_real(StrBuf *b, double r, bool real32) {
        char buf[64];

        if (isnan(r)) {
                strbuf_append(b, "NaN");
                return;
        }
        if (isinf(r)) {
                strbuf_append(b, r < 0 ? "-Infinity" : "Infinity");
                return;
        }
        for (int prec = real32 ? 6 : 15; prec <= 17; prec++) {
                (void) snprintf(buf, sizeof(buf), "%.*g", prec, r);
                if (real32 ? (float) strtod(buf, NULL) == (float) r : strtod(buf, NULL) == r)
                        break;
        }
        strbuf_append(b, buf);
        if (!strpbrk(buf, ".eEn"))
                strbuf_append(b, ".0");
}

/* The value as text (numbers, booleans, datetimes, char16, strings); -EINVAL otherwise. */
static int scalar_to_string(const lwmi_value *v, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        char *s;

        if (type_is_sint(v->type)) {
                strbuf_printf(&b, "%" PRIi64, v->u.sint);
        } else if (type_is_uint(v->type)) {
                strbuf_printf(&b, "%" PRIu64, v->u.uint);
        } else if (type_is_real(v->type)) {
                cim_append_real(&b, v->u.real, v->type == LWMI_CIM_REAL32);
        } else if (v->type == LWMI_CIM_BOOLEAN) {
                strbuf_append(&b, v->u.boolean ? "TRUE" : "FALSE");
        } else if (v->type == LWMI_CIM_DATETIME) {
                char dt[LWMI_DATETIME_STRING_MAX];
                strbuf_append(&b, lwmi_datetime_format(&v->u.datetime, dt));
        } else if (v->type == LWMI_CIM_CHAR16) {
                char u[4];
                int l = utf8_encode(v->u.char16, u);
                if (l < 0)
                        return -EINVAL;
                strbuf_append_n(&b, u, (size_t) l);
        } else if (type_is_stringish(v->type)) {
                strbuf_append(&b, v->u.string);
        } else {
                return -EINVAL;
        }
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- conversion ---- */

static int convert_scalar(const lwmi_value *src, lwmi_cimtype t, lwmi_value *ret) {
        lwmi_cimtype st = src->type;
        int r;

        if (st == t)
                return lwmi_value_copy(ret, src);
        if (st == LWMI_CIM_EMPTY || st == LWMI_CIM_OBJECT || t == LWMI_CIM_OBJECT)
                return -EINVAL;

        if (type_is_sint(t) || type_is_uint(t)) {
                bool neg;
                uint64_t mag;

                if (st == LWMI_CIM_DATETIME)
                        return -EINVAL;
                r = value_to_integer_parts(src, &neg, &mag);
                if (r < 0)
                        return r;
                return make_integer(t, neg, mag, ret);
        }

        if (type_is_real(t)) {
                double d;

                if (type_is_stringish(st)) {
                        r = parse_real_text(src->u.string, &d);
                        if (r < 0)
                                return r;
                } else if (type_is_sint(st) || type_is_uint(st) || type_is_real(st)) {
                        d = value_as_double(src);
                } else {
                        return -EINVAL;
                }
                if (t == LWMI_CIM_REAL32 && isfinite(d) && fabs(d) > FLT_MAX)
                        return -ERANGE;
                lwmi_value_set_real(ret, t, d);
                return 0;
        }

        switch (t) {
        case LWMI_CIM_BOOLEAN:
                if (type_is_stringish(st)) {
                        if (lwmi_name_eq(src->u.string, "TRUE")) {
                                lwmi_value_set_bool(ret, true);
                                return 0;
                        }
                        if (lwmi_name_eq(src->u.string, "FALSE")) {
                                lwmi_value_set_bool(ret, false);
                                return 0;
                        }
                        return -EINVAL;
                }
                if (type_is_sint(st) || type_is_uint(st)) {
                        lwmi_value_set_bool(ret, src->u.uint != 0);
                        return 0;
                }
                return -EINVAL;

        case LWMI_CIM_STRING: {
                char *s;

                r = scalar_to_string(src, &s);
                if (r < 0)
                        return r;
                *ret = (lwmi_value){ .type = LWMI_CIM_STRING, .u.string = s };
                return 0;
        }

        case LWMI_CIM_REFERENCE: {
                _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;

                if (st != LWMI_CIM_STRING)
                        return -EINVAL;
                r = lwmi_path_parse(src->u.string, &p);
                if (r < 0)
                        return r;
                return lwmi_value_set_string(ret, LWMI_CIM_REFERENCE, src->u.string);
        }

        case LWMI_CIM_DATETIME: {
                lwmi_datetime dt;

                if (st != LWMI_CIM_STRING)
                        return -EINVAL;
                r = lwmi_datetime_parse(src->u.string, &dt);
                if (r < 0)
                        return r;
                lwmi_value_set_datetime(ret, &dt);
                return 0;
        }

        case LWMI_CIM_CHAR16:
                if (type_is_sint(st) || type_is_uint(st)) {
                        bool neg;
                        uint64_t mag;

                        (void) value_to_integer_parts(src, &neg, &mag);
                        return make_integer(LWMI_CIM_CHAR16, neg, mag, ret);
                }
                if (type_is_stringish(st)) {
                        const char *s = src->u.string;
                        uint32_t cp;
                        int l = utf8_decode(s, strlen(s), &cp);

                        if (l <= 0 || s[l] != 0 || cp > 0xFFFF)
                                return -EINVAL;
                        lwmi_value_set_char16(ret, (uint16_t) cp);
                        return 0;
                }
                return -EINVAL;

        default:
                return -EINVAL;
        }
}

_public_ int lwmi_value_convert(const lwmi_value *src, lwmi_cimtype type, lwmi_value *ret) {
        lwmi_value out;
        int r;

        assert_return(src, -EINVAL);
        assert_return(ret, -EINVAL);

        if (src->is_null) {
                lwmi_value_set_null(ret, type);
                return 0;
        }
        if (LWMI_CIM_IS_ARRAY(src->type) != LWMI_CIM_IS_ARRAY(type))
                return -EINVAL;
        if (!LWMI_CIM_IS_ARRAY(type)) {
                r = convert_scalar(src, type, &out);
                if (r < 0)
                        return r;
                *ret = out;
                return 0;
        }

        r = lwmi_value_set_array(&out, type, src->u.array.n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < src->u.array.n; i++) {
                const lwmi_value *e = &src->u.array.items[i];

                if (e->is_null)
                        continue;
                r = convert_scalar(e, LWMI_CIM_BASE(type), &out.u.array.items[i]);
                if (r < 0) {
                        lwmi_value_set_null(&out.u.array.items[i], LWMI_CIM_BASE(type));
                        lwmi_value_clear(&out);
                        return r;
                }
        }
        *ret = out;
        return 0;
}

/* ---- comparison ---- */

static int cmp_u64(uint64_t a, uint64_t b) {
        return (a > b) - (a < b);
}

/* Compares two numeric values (integers, char16, reals). -EINVAL on NaN. */
static int compare_numbers(const lwmi_value *a, const lwmi_value *b, int *ret) {
        bool an, bn;
        uint64_t am, bm;

        if (type_is_real(a->type) || type_is_real(b->type)) {
                long double x, y;

                x = type_is_sint(a->type)        ? (long double) a->u.sint
                    : type_is_uint(a->type)      ? (long double) a->u.uint
                    : a->type == LWMI_CIM_CHAR16 ? (long double) a->u.char16
                                                 : (long double) a->u.real;
                y = type_is_sint(b->type)        ? (long double) b->u.sint
                    : type_is_uint(b->type)      ? (long double) b->u.uint
                    : b->type == LWMI_CIM_CHAR16 ? (long double) b->u.char16
                                                 : (long double) b->u.real;
                if (isnan(x) || isnan(y))
                        return -EINVAL;
                *ret = (x > y) - (x < y);
                return 0;
        }
        (void) value_to_integer_parts(a, &an, &am);
        (void) value_to_integer_parts(b, &bn, &bm);
        if (an != bn)
                *ret = an ? -1 : 1;
        else
                *ret = an ? cmp_u64(bm, am) : cmp_u64(am, bm);
        return 0;
}

static bool type_is_number(lwmi_cimtype t) {
        return type_is_sint(t) || type_is_uint(t) || type_is_real(t);
}

/* The char16 as a NUL-terminated UTF-8 string (surrogates become U+FFFD). */
static void char16_to_text(uint16_t c, char out[5]) {
        int l = utf8_encode(c, out);

        if (l < 0)
                l = utf8_encode(0xFFFD, out);
        out[l] = 0;
}

_public_ int lwmi_value_compare(const lwmi_value *a, const lwmi_value *b, int *ret_cmp) {
        lwmi_cimtype at, bt;
        int r;

        assert_return(a, -EINVAL);
        assert_return(b, -EINVAL);
        assert_return(ret_cmp, -EINVAL);

        if (a->is_null || b->is_null)
                return -EINVAL;
        at = a->type;
        bt = b->type;
        if (LWMI_CIM_IS_ARRAY(at) || LWMI_CIM_IS_ARRAY(bt) || at == LWMI_CIM_OBJECT ||
            bt == LWMI_CIM_OBJECT || at == LWMI_CIM_EMPTY || bt == LWMI_CIM_EMPTY)
                return -EINVAL;

        if ((type_is_number(at) || at == LWMI_CIM_CHAR16) &&
            (type_is_number(bt) || bt == LWMI_CIM_CHAR16))
                return compare_numbers(a, b, ret_cmp);

        if (at == LWMI_CIM_BOOLEAN && bt == LWMI_CIM_BOOLEAN) {
                *ret_cmp = (int) a->u.boolean - (int) b->u.boolean;
                return 0;
        }

        if (at == LWMI_CIM_DATETIME || bt == LWMI_CIM_DATETIME) {
                lwmi_datetime x, y;

                /* a datetime compares with a string holding a DMTF datetime */
                if (at == LWMI_CIM_DATETIME)
                        x = a->u.datetime;
                else if (at == LWMI_CIM_STRING) {
                        r = lwmi_datetime_parse(a->u.string, &x);
                        if (r < 0)
                                return -EINVAL;
                } else
                        return -EINVAL;
                if (bt == LWMI_CIM_DATETIME)
                        y = b->u.datetime;
                else if (bt == LWMI_CIM_STRING) {
                        r = lwmi_datetime_parse(b->u.string, &y);
                        if (r < 0)
                                return -EINVAL;
                } else
                        return -EINVAL;
                return lwmi_datetime_compare(&x, &y, ret_cmp);
        }

        if ((type_is_stringish(at) || at == LWMI_CIM_CHAR16) &&
            (type_is_stringish(bt) || bt == LWMI_CIM_CHAR16)) {
                char ca[5], cb[5];
                const char *x, *y;

                if (at == LWMI_CIM_CHAR16) {
                        char16_to_text(a->u.char16, ca);
                        x = ca;
                } else {
                        x = a->u.string;
                }
                if (bt == LWMI_CIM_CHAR16) {
                        char16_to_text(b->u.char16, cb);
                        y = cb;
                } else {
                        y = b->u.string;
                }
                r = lwmi_name_cmp(x, y);
                *ret_cmp = (r > 0) - (r < 0);
                return 0;
        }
        return -EINVAL;
}

static bool datetime_equal(const lwmi_datetime *a, const lwmi_datetime *b) {
        return a->is_interval == b->is_interval && a->wildcards == b->wildcards &&
               a->utc_offset == b->utc_offset && a->year == b->year && a->month == b->month &&
               a->day == b->day && a->hour == b->hour && a->minute == b->minute &&
               a->second == b->second && a->microseconds == b->microseconds;
}

_public_ bool lwmi_value_equal(const lwmi_value *a, const lwmi_value *b) {
        if (!a || !b)
                return a == b;
        if (a->type != b->type || a->is_null != b->is_null)
                return false;
        if (a->is_null)
                return true;
        if (LWMI_CIM_IS_ARRAY(a->type)) {
                if (a->u.array.n != b->u.array.n)
                        return false;
                for (size_t i = 0; i < a->u.array.n; i++)
                        if (!lwmi_value_equal(&a->u.array.items[i], &b->u.array.items[i]))
                                return false;
                return true;
        }
        if (type_is_sint(a->type))
                return a->u.sint == b->u.sint;
        if (type_is_uint(a->type))
                return a->u.uint == b->u.uint;
        if (type_is_real(a->type))
                return a->u.real == b->u.real || (isnan(a->u.real) && isnan(b->u.real));
        switch (a->type) {
        case LWMI_CIM_BOOLEAN:
                return a->u.boolean == b->u.boolean;
        case LWMI_CIM_CHAR16:
                return a->u.char16 == b->u.char16;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                return strcmp(a->u.string, b->u.string) == 0;
        case LWMI_CIM_DATETIME:
                return datetime_equal(&a->u.datetime, &b->u.datetime);
        case LWMI_CIM_OBJECT:
                return cim_object_equal(a->u.object, b->u.object);
        default:
                return true;
        }
}
