/* SPDX-License-Identifier: MIT */
/*
 * Binary encoding of classes and instances, shared by the repository and the
 * wire protocol. The decoder treats its input as hostile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

/*
 * Theory of operation. An encoded object is
 *
 *   "LWMO" u8 version(1) u8 kind body
 *
 * with kind 1 = class, 2 = instance whose class is named (the decoder gets
 * it from the lookup callback), 3 = instance with its class inline (class
 * body, then instance body). All integers are little-endian. Strings are
 * u32 length + UTF-8 bytes without NUL; length 0xffffffff is a NULL string
 * where one is allowed.
 *
 *   class body    := name ?superclass ?server ?namespace u32 n {derivation}
 *                    quals u32 n {property} u32 n {method}
 *   quals         := u32 n { name u32 flavor value }
 *   property      := name u32 type i32 array_size ?ref_class quals value
 *                    ?origin u8 propagated
 *   method        := name u32 return_type ?return_ref_class quals
 *                    u32 n {property} ?origin u8 propagated
 *   instance body := class_name ?server ?namespace quals u32 n {value}
 *   value         := u32 type u8 is_null [payload]
 *   payload       := array: u32 n { u8 is_null [scalar] } | scalar
 *   scalar        := bool u8 | sint i64 | uint u64 | real f64 bits | char16 u16
 *                    | string/ref string | datetime u8 u16 i16 7*u32
 *                    | object u8 kind body (kind 1 or 3, never 2)
 *
 * The decoder checks every length against the remaining input before
 * allocating, bounds counts by the bytes they need at least, limits the
 * nesting of embedded objects to CIM_DECODE_MAX_DEPTH, rejects invalid
 * UTF-8, NUL bytes in strings, invalid names, duplicate members, unknown
 * types and flavors, and trailing bytes. A decoded object re-encodes to the
 * same bytes (an instance's class name comes from the class looked up).
 */

#define CIM_MAGIC            "LWMO"
#define CIM_VERSION          1
#define CIM_KIND_CLASS       1
#define CIM_KIND_INSTANCE    2
#define CIM_KIND_INSTANCE_IC 3
#define CIM_NULL_STRING      UINT32_C(0xffffffff)
#define CIM_DECODE_MAX_DEPTH 32
#define CIM_FLAVOR_MASK      UINT32_C(0x3f)

/* ---- writer ---- */

static void put_u8(StrBuf *b, uint8_t v) {
        strbuf_append_n(b, (const char *) &v, 1);
}

static void put_u16(StrBuf *b, uint16_t v) {
        uint8_t x[2] = { (uint8_t) v, (uint8_t) (v >> 8) };

        strbuf_append_n(b, (const char *) x, sizeof(x));
}

static void put_u32(StrBuf *b, uint32_t v) {
        uint8_t x[4];

        for (size_t i = 0; i < 4; i++)
                x[i] = (uint8_t) (v >> (8 * i));
        strbuf_append_n(b, (const char *) x, sizeof(x));
}

static void put_u64(StrBuf *b, uint64_t v) {
        uint8_t x[8];

        for (size_t i = 0; i < 8; i++)
                x[i] = (uint8_t) (v >> (8 * i));
        strbuf_append_n(b, (const char *) x, sizeof(x));
}

/* Strings longer than 4 GiB cannot be encoded. */
static int put_str_n(StrBuf *b, const char *s) {
        size_t n;

        if (!s) {
                put_u32(b, CIM_NULL_STRING);
                return 0;
        }
        n = strlen(s);
        if (n >= CIM_NULL_STRING)
                return -E2BIG;
        put_u32(b, (uint32_t) n);
        strbuf_append_n(b, s, n);
        return 0;
}

static int put_str(StrBuf *b, const char *s) {
        return put_str_n(b, s ? s : "");
}

static int put_value(StrBuf *b, const lwmi_value *v);
static int put_object(StrBuf *b, const lwmi_object *o, uint8_t kind);

static int put_scalar(StrBuf *b, lwmi_cimtype type, const lwmi_value *v) {
        uint64_t bits;

        switch (type) {
        case LWMI_CIM_BOOLEAN:
                put_u8(b, v->u.boolean ? 1 : 0);
                return 0;
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                put_u64(b, (uint64_t) v->u.sint);
                return 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                put_u64(b, v->u.uint);
                return 0;
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                memcpy(&bits, &v->u.real, sizeof(bits));
                put_u64(b, bits);
                return 0;
        case LWMI_CIM_CHAR16:
                put_u16(b, v->u.char16);
                return 0;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                return put_str(b, v->u.string);
        case LWMI_CIM_DATETIME: {
                const lwmi_datetime *d = &v->u.datetime;

                put_u8(b, d->is_interval ? 1 : 0);
                put_u16(b, d->wildcards);
                put_u16(b, (uint16_t) d->utc_offset);
                put_u32(b, d->year);
                put_u32(b, d->month);
                put_u32(b, d->day);
                put_u32(b, d->hour);
                put_u32(b, d->minute);
                put_u32(b, d->second);
                put_u32(b, d->microseconds);
                return 0;
        }
        case LWMI_CIM_OBJECT:
                if (!v->u.object)
                        return -EINVAL;
                return put_object(b, v->u.object,
                                  v->u.object->genus == CIM_GENUS_CLASS ? CIM_KIND_CLASS
                                                                        : CIM_KIND_INSTANCE_IC);
        default:
                return -EINVAL;
        }
}

static int put_value(StrBuf *b, const lwmi_value *v) {
        int r;

        put_u32(b, v->type);
        put_u8(b, v->is_null ? 1 : 0);
        if (v->is_null)
                return 0;
        if (!LWMI_CIM_IS_ARRAY(v->type))
                return put_scalar(b, v->type, v);
        if (v->u.array.n >= UINT32_MAX)
                return -E2BIG;
        put_u32(b, (uint32_t) v->u.array.n);
        for (size_t i = 0; i < v->u.array.n; i++) {
                const lwmi_value *e = &v->u.array.items[i];

                put_u8(b, e->is_null ? 1 : 0);
                if (e->is_null)
                        continue;
                r = put_scalar(b, LWMI_CIM_BASE(v->type), e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int put_quals(StrBuf *b, const CimQualifierSet *s) {
        int r;

        put_u32(b, (uint32_t) s->n);
        for (size_t i = 0; i < s->n; i++) {
                r = put_str(b, s->items[i].name);
                if (r < 0)
                        return r;
                put_u32(b, s->items[i].flavor);
                r = put_value(b, &s->items[i].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int put_property(StrBuf *b, const CimProperty *p) {
        int r;

        r = put_str(b, p->name);
        if (r < 0)
                return r;
        put_u32(b, p->type);
        put_u32(b, (uint32_t) p->array_size);
        r = put_str_n(b, p->ref_class);
        if (r < 0)
                return r;
        r = put_quals(b, &p->quals);
        if (r < 0)
                return r;
        r = put_value(b, &p->value);
        if (r < 0)
                return r;
        r = put_str_n(b, p->origin);
        if (r < 0)
                return r;
        put_u8(b, p->propagated ? 1 : 0);
        return 0;
}

static int put_class_body(StrBuf *b, const lwmi_object *o) {
        int r;

        if ((r = put_str(b, o->name)) < 0 || (r = put_str_n(b, o->superclass)) < 0 ||
            (r = put_str_n(b, o->server)) < 0 || (r = put_str_n(b, o->namespace_)) < 0)
                return r;
        put_u32(b, (uint32_t) o->n_derivation);
        for (size_t i = 0; i < o->n_derivation; i++)
                if ((r = put_str(b, o->derivation[i])) < 0)
                        return r;
        if ((r = put_quals(b, &o->quals)) < 0)
                return r;
        put_u32(b, (uint32_t) o->n_props);
        for (size_t i = 0; i < o->n_props; i++)
                if ((r = put_property(b, &o->props[i])) < 0)
                        return r;
        put_u32(b, (uint32_t) o->n_methods);
        for (size_t i = 0; i < o->n_methods; i++) {
                const CimMethod *m = &o->methods[i];

                if ((r = put_str(b, m->name)) < 0)
                        return r;
                put_u32(b, m->return_type);
                if ((r = put_str_n(b, m->return_ref_class)) < 0 ||
                    (r = put_quals(b, &m->quals)) < 0)
                        return r;
                put_u32(b, (uint32_t) m->n_params);
                for (size_t j = 0; j < m->n_params; j++)
                        if ((r = put_property(b, &m->params[j])) < 0)
                                return r;
                if ((r = put_str_n(b, m->origin)) < 0)
                        return r;
                put_u8(b, m->propagated ? 1 : 0);
        }
        return 0;
}

static int put_instance_body(StrBuf *b, const lwmi_object *o) {
        int r;

        if ((r = put_str(b, o->name)) < 0 || (r = put_str_n(b, o->server)) < 0 ||
            (r = put_str_n(b, o->namespace_)) < 0 || (r = put_quals(b, &o->quals)) < 0)
                return r;
        put_u32(b, (uint32_t) o->n_props);
        for (size_t i = 0; i < o->n_props; i++)
                if ((r = put_value(b, &o->props[i].value)) < 0)
                        return r;
        return 0;
}

static int put_object(StrBuf *b, const lwmi_object *o, uint8_t kind) {
        int r;

        put_u8(b, kind);
        switch (kind) {
        case CIM_KIND_CLASS:
                return put_class_body(b, o);
        case CIM_KIND_INSTANCE:
                return put_instance_body(b, o);
        default:
                if (!o->cls)
                        return -EINVAL;
                r = put_class_body(b, o->cls);
                if (r < 0)
                        return r;
                return put_instance_body(b, o);
        }
}

static int encode(const lwmi_object *o, StrBuf *out, bool full) {
        size_t start;
        uint8_t kind;
        int r;

        assert_return(o, -EINVAL);
        assert_return(out, -EINVAL);
        assert_return(o->genus == CIM_GENUS_CLASS || o->genus == CIM_GENUS_INSTANCE, -EINVAL);

        if (o->genus == CIM_GENUS_CLASS)
                kind = CIM_KIND_CLASS;
        else
                kind = full ? CIM_KIND_INSTANCE_IC : CIM_KIND_INSTANCE;

        start = out->len;
        strbuf_append_n(out, CIM_MAGIC, 4);
        put_u8(out, CIM_VERSION);
        r = put_object(out, o, kind);
        if (r >= 0 && out->oom)
                r = -ENOMEM;
        if (r < 0 && !out->oom)
                strbuf_truncate(out, start);
        return r;
}

/**
 * cim_object_encode() - append the binary encoding of @o to @out.
 * @o: a class or an instance (instances are encoded as class name + values)
 * @out: the buffer
 *
 * Return: 0, -EINVAL (an invalid object), -E2BIG (a string above 4 GiB),
 * -ENOMEM (then @out is in its sticky OOM state). On -EINVAL / -E2BIG, @out
 * is restored to its previous length.
 */
int cim_object_encode(const lwmi_object *o, StrBuf *out) {
        return encode(o, out, false);
}

/**
 * cim_object_encode_full() - like cim_object_encode(), but an instance
 * carries its class definition inline.
 * @o: a class or an instance
 * @out: the buffer
 *
 * Return: as cim_object_encode().
 */
int cim_object_encode_full(const lwmi_object *o, StrBuf *out) {
        return encode(o, out, true);
}

/**
 * cim_encode_instance_values() - append the encoding cim_object_encode()
 * gives an instance of @cls with no qualifiers of its own, placed in @ns, whose
 * property i has the value @values[i]: for callers that have the values but
 * no object (wmid's events).
 * @out: the buffer
 * @cls: the class
 * @ns: the namespace, or NULL
 * @values: one value per property of @cls, in its order
 *
 * Return: as cim_object_encode().
 */
int cim_encode_instance_values(StrBuf *out, const lwmi_object *cls, const char *ns,
                               const lwmi_value *const *values) {
        size_t start = out->len;
        int r = 0;

        assert_return(cls && cls->genus == CIM_GENUS_CLASS && values, -EINVAL);
        strbuf_append_n(out, CIM_MAGIC, 4);
        put_u8(out, CIM_VERSION);
        put_u8(out, CIM_KIND_INSTANCE);
        if ((r = put_str(out, cls->name)) < 0 || (r = put_str_n(out, NULL)) < 0 ||
            (r = put_str_n(out, ns)) < 0 || (r = put_quals(out, &(CimQualifierSet){})) < 0)
                goto fail;
        put_u32(out, (uint32_t) cls->n_props);
        for (size_t i = 0; i < cls->n_props; i++)
                if ((r = put_value(out, values[i])) < 0)
                        goto fail;
        if (out->oom)
                return -ENOMEM;
        return 0;
fail:
        if (!out->oom)
                strbuf_truncate(out, start);
        return r;
}

/* ---- reader ---- */

typedef struct Reader {
        const uint8_t *p;
        size_t n;
        unsigned depth;
        CimClassLookupFn lookup;
        void *userdata;
} Reader;

static uint32_t get_le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
               (uint32_t) p[3] << 24;
}

static int get_u8(Reader *r, uint8_t *ret) {
        if (r->n < 1)
                return -EBADMSG;
        *ret = r->p[0];
        r->p++;
        r->n--;
        return 0;
}

static int get_bool(Reader *r, bool *ret) {
        uint8_t v;

        if (get_u8(r, &v) < 0 || v > 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int get_u16(Reader *r, uint16_t *ret) {
        if (r->n < 2)
                return -EBADMSG;
        *ret = (uint16_t) (r->p[0] | r->p[1] << 8);
        r->p += 2;
        r->n -= 2;
        return 0;
}

static int get_u32(Reader *r, uint32_t *ret) {
        uint32_t v = 0;

        if (r->n < 4)
                return -EBADMSG;
        for (size_t i = 0; i < 4; i++)
                v |= (uint32_t) r->p[i] << (8 * i);
        r->p += 4;
        r->n -= 4;
        *ret = v;
        return 0;
}

static int get_u64(Reader *r, uint64_t *ret) {
        uint64_t v = 0;

        if (r->n < 8)
                return -EBADMSG;
        for (size_t i = 0; i < 8; i++)
                v |= (uint64_t) r->p[i] << (8 * i);
        r->p += 8;
        r->n -= 8;
        *ret = v;
        return 0;
}

/* A count of elements that need at least @min_size bytes each. */
static int get_count(Reader *r, size_t min_size, size_t *ret) {
        uint32_t n;

        if (get_u32(r, &n) < 0)
                return -EBADMSG;
        if (n > r->n / min_size)
                return -EBADMSG;
        *ret = n;
        return 0;
}

/* A string, or NULL when @nullable and the length is 0xffffffff. */
static int get_str(Reader *r, bool nullable, char **ret) {
        uint32_t n;
        char *s;

        if (get_u32(r, &n) < 0)
                return -EBADMSG;
        if (n == CIM_NULL_STRING) {
                if (!nullable)
                        return -EBADMSG;
                *ret = NULL;
                return 0;
        }
        if (n > r->n || memchr(r->p, 0, n) || !utf8_is_valid((const char *) r->p, n))
                return -EBADMSG;
        s = strndup((const char *) r->p, n);
        if (!s)
                return -ENOMEM;
        r->p += n;
        r->n -= n;
        *ret = s;
        return 0;
}

/* A name that must be a valid CIM identifier. */
static int get_name(Reader *r, bool nullable, char **ret) {
        char *s;
        int k;

        k = get_str(r, nullable, &s);
        if (k < 0)
                return k;
        if (s && !lwmi_name_is_valid(s)) {
                free(s);
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

/* A namespace in its normalized spelling, or NULL. */
static int get_namespace(Reader *r, char **ret) {
        _cleanup_free_ char *s = NULL, *norm = NULL;
        int k;

        k = get_str(r, true, &s);
        if (k < 0)
                return k;
        if (s) {
                k = lwmi_namespace_normalize(s, &norm);
                if (k == -ENOMEM)
                        return k;
                if (k < 0 || strcmp(s, norm) != 0)
                        return -EBADMSG;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static int get_server(Reader *r, char **ret) {
        char *s;
        int k;

        k = get_str(r, true, &s);
        if (k < 0)
                return k;
        if (s && !*s) {
                free(s);
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

static int get_object(Reader *r, lwmi_object **ret);

static int get_scalar(Reader *r, lwmi_cimtype type, lwmi_value *ret) {
        uint64_t u;
        int k;

        switch (type) {
        case LWMI_CIM_BOOLEAN: {
                bool b;

                if (get_bool(r, &b) < 0)
                        return -EBADMSG;
                lwmi_value_set_bool(ret, b);
                return 0;
        }
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                if (get_u64(r, &u) < 0)
                        return -EBADMSG;
                *ret = (lwmi_value){ .type = type, .u.uint = u };
                if (type == LWMI_CIM_REAL32 || type == LWMI_CIM_REAL64)
                        memcpy(&ret->u.real, &u, sizeof(u));
                return 0;
        case LWMI_CIM_CHAR16: {
                uint16_t c;

                if (get_u16(r, &c) < 0)
                        return -EBADMSG;
                lwmi_value_set_char16(ret, c);
                return 0;
        }
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE: {
                char *s;

                k = get_str(r, false, &s);
                if (k < 0)
                        return k;
                *ret = (lwmi_value){ .type = type, .u.string = s };
                return 0;
        }
        case LWMI_CIM_DATETIME: {
                lwmi_datetime d = {}, check;
                lwmi_value cv;
                char text[LWMI_DATETIME_STRING_MAX];
                uint16_t off;
                uint32_t *f[] = { &d.year,   &d.month,  &d.day,         &d.hour,
                                  &d.minute, &d.second, &d.microseconds };

                if (get_bool(r, &d.is_interval) < 0 || get_u16(r, &d.wildcards) < 0 ||
                    get_u16(r, &off) < 0)
                        return -EBADMSG;
                d.utc_offset = (int16_t) off;
                for (size_t i = 0; i < ELEMENTSOF(f); i++)
                        if (get_u32(r, f[i]) < 0)
                                return -EBADMSG;
                /* valid exactly when it survives a text round trip unchanged */
                if (lwmi_datetime_parse(lwmi_datetime_format(&d, text), &check) < 0)
                        return -EBADMSG;
                lwmi_value_set_datetime(ret, &d);
                lwmi_value_set_datetime(&cv, &check);
                if (!lwmi_value_equal(ret, &cv))
                        return -EBADMSG;
                return 0;
        }
        case LWMI_CIM_OBJECT: {
                lwmi_object *o;

                k = get_object(r, &o);
                if (k < 0)
                        return k;
                *ret = (lwmi_value){ .type = LWMI_CIM_OBJECT, .u.object = o };
                return 0;
        }
        default:
                return -EBADMSG;
        }
}

static int get_value(Reader *r, lwmi_value *ret) {
        lwmi_value v;
        uint32_t type;
        size_t n;
        bool is_null;
        int k;

        if (get_u32(r, &type) < 0 || get_bool(r, &is_null) < 0)
                return -EBADMSG;
        if (!cim_type_is_valid(type) && !(type == LWMI_CIM_EMPTY && is_null))
                return -EBADMSG;
        if (is_null) {
                lwmi_value_set_null(ret, type);
                return 0;
        }
        if (!LWMI_CIM_IS_ARRAY(type))
                return get_scalar(r, type, ret);

        if (get_count(r, 1, &n) < 0)
                return -EBADMSG;
        k = lwmi_value_set_array(&v, type, n);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n; i++) {
                if (get_bool(r, &is_null) < 0) {
                        lwmi_value_clear(&v);
                        return -EBADMSG;
                }
                if (is_null)
                        continue;
                k = get_scalar(r, LWMI_CIM_BASE(type), &v.u.array.items[i]);
                if (k < 0) {
                        lwmi_value_set_null(&v.u.array.items[i], LWMI_CIM_BASE(type));
                        lwmi_value_clear(&v);
                        return k;
                }
        }
        *ret = v;
        return 0;
}

/* A stored value of a property of @type: its own type, or NULL. */
static bool value_fits(const lwmi_value *v, lwmi_cimtype type) {
        return v->type == type || v->is_null;
}

static int get_quals(Reader *r, CimQualifierSet *s) {
        size_t n;
        int k;

        /* name (4) + flavor (4) + value (5) */
        if (get_count(r, 13, &n) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = NULL;
                _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;
                uint32_t flavor;

                if ((k = get_name(r, false, &name)) < 0)
                        return k;
                if (get_u32(r, &flavor) < 0 || (flavor & ~CIM_FLAVOR_MASK))
                        return -EBADMSG;
                if ((k = get_value(r, &v)) < 0)
                        return k;
                if (cim_qualifier_set_find(s, name))
                        return -EBADMSG;
                if (GROW(s->items, s->alloc, s->n + 1) < 0)
                        return -ENOMEM;
                s->items[s->n++] = (CimQualifier){
                        .name = TAKE_PTR(name),
                        .value = v,
                        .flavor = flavor,
                };
                v = (lwmi_value) LWMI_VALUE_NULL;
        }
        return 0;
}

static int get_property(Reader *r, CimProperty *p) {
        uint32_t type, size;
        int k;

        *p = (CimProperty){};
        if ((k = get_name(r, false, &p->name)) < 0)
                return k;
        if (get_u32(r, &type) < 0 || !cim_type_is_valid(type) || get_u32(r, &size) < 0)
                return -EBADMSG;
        p->type = type;
        p->array_size = (int32_t) size;
        if ((k = get_name(r, true, &p->ref_class)) < 0 || (k = get_quals(r, &p->quals)) < 0 ||
            (k = get_value(r, &p->value)) < 0)
                return k;
        if (!value_fits(&p->value, type))
                return -EBADMSG;
        if ((k = get_name(r, true, &p->origin)) < 0)
                return k;
        if (get_bool(r, &p->propagated) < 0)
                return -EBADMSG;
        return 0;
}

/* Minimum encoded sizes, used to bound counts before allocating. */
#define MIN_PROPERTY_SIZE 30
#define MIN_METHOD_SIZE   22

static int get_method(Reader *r, CimMethod *m) {
        size_t n;
        int k;

        *m = (CimMethod){};
        if ((k = get_name(r, false, &m->name)) < 0)
                return k;
        if (get_u32(r, &m->return_type) < 0 ||
            !(m->return_type == LWMI_CIM_EMPTY || cim_type_is_valid(m->return_type)))
                return -EBADMSG;
        if ((k = get_name(r, true, &m->return_ref_class)) < 0 || (k = get_quals(r, &m->quals)) < 0)
                return k;
        if (get_count(r, MIN_PROPERTY_SIZE, &n) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                CimProperty p;

                k = get_property(r, &p);
                if (k >= 0 && cim_method_find_param(m, p.name))
                        k = -EBADMSG;
                if (k >= 0 && GROW(m->params, m->alloc_params, m->n_params + 1) < 0)
                        k = -ENOMEM;
                if (k < 0) {
                        cim_property_deinit(&p);
                        return k;
                }
                m->params[m->n_params++] = p;
        }
        if ((k = get_name(r, true, &m->origin)) < 0)
                return k;
        if (get_bool(r, &m->propagated) < 0)
                return -EBADMSG;
        return 0;
}

static void method_clear(CimMethod *m) {
        free(m->name);
        free(m->return_ref_class);
        free(m->origin);
        cim_qualifier_set_deinit(&m->quals);
        for (size_t i = 0; i < m->n_params; i++)
                cim_property_deinit(&m->params[i]);
        free(m->params);
        *m = (CimMethod){};
}

static int get_class_body(Reader *r, lwmi_object **ret) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        _cleanup_free_ char *name = NULL;
        size_t n;
        int k;

        if ((k = get_name(r, false, &name)) < 0)
                return k;
        k = lwmi_class_new(name, NULL, &o);
        if (k < 0)
                return k == -ENOMEM ? k : -EBADMSG;
        if ((k = get_name(r, true, &o->superclass)) < 0 || (k = get_server(r, &o->server)) < 0 ||
            (k = get_namespace(r, &o->namespace_)) < 0)
                return k;

        if (get_count(r, 5, &n) < 0)
                return -EBADMSG;
        if (n > 0) {
                o->derivation = calloc(n, sizeof(char *));
                if (!o->derivation)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if ((k = get_name(r, false, &o->derivation[i])) < 0)
                        return k;
                o->n_derivation++;
        }
        /* the derivation starts with the superclass, so both are present or absent */
        if ((o->n_derivation > 0) != (o->superclass != NULL) ||
            (o->superclass && strcmp(o->superclass, o->derivation[0]) != 0))
                return -EBADMSG;

        if ((k = get_quals(r, &o->quals)) < 0)
                return k;

        if (get_count(r, MIN_PROPERTY_SIZE, &n) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                CimProperty p;

                k = get_property(r, &p);
                if (k >= 0 && cim_object_find_property(o, p.name))
                        k = -EBADMSG;
                if (k >= 0 && GROW(o->props, o->alloc_props, o->n_props + 1) < 0)
                        k = -ENOMEM;
                if (k < 0) {
                        cim_property_deinit(&p);
                        return k;
                }
                o->props[o->n_props++] = p;
        }

        if (get_count(r, MIN_METHOD_SIZE, &n) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                CimMethod m;

                k = get_method(r, &m);
                if (k >= 0 && cim_object_find_method(o, m.name))
                        k = -EBADMSG;
                if (k >= 0 && GROW(o->methods, o->alloc_methods, o->n_methods + 1) < 0)
                        k = -ENOMEM;
                if (k < 0) {
                        method_clear(&m);
                        return k;
                }
                o->methods[o->n_methods++] = m;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* Reads an instance body against class @cls. */
static int get_instance_body(Reader *r, lwmi_object *cls, lwmi_object **ret) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        size_t n;
        int k;

        k = lwmi_class_spawn_instance(cls, &o);
        if (k < 0)
                return k;
        free(o->server);
        o->server = NULL;
        if ((k = get_server(r, &o->server)) < 0)
                return k;
        if (cls->namespace_ && r->n >= 4 && get_le32(r->p) == strlen(cls->namespace_) &&
            get_le32(r->p) <= r->n - 4 && memcmp(r->p + 4, cls->namespace_, get_le32(r->p)) == 0) {
                /* the class's namespace (checked when the class was read): kept borrowed */
                size_t len = get_le32(r->p);

                r->p += 4 + len;
                r->n -= 4 + len;
        } else {
                if (!o->namespace_borrowed)
                        free(o->namespace_);
                o->namespace_ = NULL;
                o->namespace_borrowed = false;
                if ((k = get_namespace(r, &o->namespace_)) < 0)
                        return k;
        }
        if ((k = get_quals(r, &o->quals)) < 0)
                return k;
        if (get_count(r, 5, &n) < 0 || n != o->n_props)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                lwmi_value v;

                k = get_value(r, &v);
                if (k < 0)
                        return k;
                if (!value_fits(&v, o->props[i].type)) {
                        lwmi_value_clear(&v);
                        return -EBADMSG;
                }
                lwmi_value_clear(&o->props[i].value);
                o->props[i].value = v;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* Reads an instance's class name, and checks it against @cls when given. */
static int get_instance_class(Reader *r, lwmi_object *cls, lwmi_object **ret_cls) {
        _cleanup_free_ char *heap = NULL;
        char stack[256];
        const char *name;
        lwmi_object *c;
        uint32_t len;
        int k;

        /* A short name is read into the stack: no allocation per instance. */
        if (r->n >= 4 && (len = get_le32(r->p)) < sizeof(stack) && len <= r->n - 4) {
                memcpy(stack, r->p + 4, len);
                stack[len] = 0;
                if (memchr(stack, 0, len) || !utf8_is_valid(stack, len) ||
                    !lwmi_name_is_valid(stack))
                        return -EBADMSG;
                r->p += 4 + len;
                r->n -= 4 + len;
                name = stack;
        } else {
                if ((k = get_name(r, false, &heap)) < 0)
                        return k;
                name = heap;
        }
        if (cls) {
                if (strcmp(name, cls->name) != 0)
                        return -EBADMSG;
                *ret_cls = lwmi_object_ref(cls);
                return 0;
        }
        if (!r->lookup)
                return -ENOENT;
        c = r->lookup(r->userdata, name);
        if (!c)
                return -ENOENT;
        if (c->genus != CIM_GENUS_CLASS || !lwmi_name_eq(c->name, name)) {
                lwmi_object_unref(c);
                return -EBADMSG;
        }
        *ret_cls = c;
        return 0;
}

/* Reads "kind body" (embedded objects: kinds 1 and 3 only when @embedded). */
static int get_kind_and_body(Reader *r, bool embedded, lwmi_object **ret) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *inline_cls = NULL, *cls = NULL;
        uint8_t kind;
        int k;

        if (get_u8(r, &kind) < 0)
                return -EBADMSG;
        if (kind == CIM_KIND_CLASS)
                return get_class_body(r, ret);
        if (kind == CIM_KIND_INSTANCE_IC) {
                k = get_class_body(r, &inline_cls);
                if (k < 0)
                        return k;
        } else if (kind != CIM_KIND_INSTANCE || embedded) {
                return -EBADMSG;
        }
        k = get_instance_class(r, inline_cls, &cls);
        if (k < 0)
                return k;
        return get_instance_body(r, cls, ret);
}

static int get_object(Reader *r, lwmi_object **ret) {
        int k;

        if (r->depth >= CIM_DECODE_MAX_DEPTH)
                return -EBADMSG;
        r->depth++;
        k = get_kind_and_body(r, true, ret);
        r->depth--;
        return k;
}

/**
 * cim_object_decode() - decode an object encoded by cim_object_encode().
 * @data: the bytes (untrusted)
 * @size: their number
 * @lookup: resolves the class of an instance encoded by name (may be NULL)
 * @userdata: passed to @lookup
 * @ret: the object
 *
 * Return: 0, -EBADMSG (malformed input), -EPROTONOSUPPORT (unknown version),
 * -ENOENT (the class of an instance is unknown), -ENOMEM.
 */
int cim_object_decode(const void *data, size_t size, CimClassLookupFn lookup, void *userdata,
                      lwmi_object **ret) {
        Reader r = { .p = data, .n = size, .lookup = lookup, .userdata = userdata };
        lwmi_object *o;
        uint8_t version;
        int k;

        assert_return(data || size == 0, -EINVAL);
        assert_return(ret, -EINVAL);

        if (size < 6 || memcmp(data, CIM_MAGIC, 4) != 0)
                return -EBADMSG;
        r.p += 4;
        r.n -= 4;
        (void) get_u8(&r, &version);
        if (version != CIM_VERSION)
                return -EPROTONOSUPPORT;

        k = get_kind_and_body(&r, false, &o);
        if (k < 0)
                return k;
        if (r.n != 0) {
                lwmi_object_unref(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}
