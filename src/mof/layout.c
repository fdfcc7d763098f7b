/* SPDX-License-Identifier: MIT */
/*
 * Binary data-block layout: offsets of the WmiDataId items of a WMI class (or
 * of a method's parameters) and the encoder / decoder between that byte image
 * and lwmi_object instances.
 *
 * Theory (docs/data-block-layout.md has the long form): a block is the items
 * in ascending id order, each aligned to its natural alignment relative to the
 * block start (MSVC /Zp8). Scalars are little-endian; a string is a USHORT
 * byte count and that many bytes of UTF-16LE; a datetime is 25 WCHARs; an
 * embedded class is a nested block aligned to its largest member and padded
 * to a multiple of it (C sizeof), which is its stride in arrays. A variable
 * array takes its element count from an earlier integer item (WmiSizeIs).
 *
 * The decoder reads provider data in the broker, so it trusts nothing: every
 * offset and count is checked against the buffer size before use, string
 * counts must be even, array counts are bounded by the bytes left, nesting is
 * bounded by the layout (which refuses cycles).
 */
#include "mof/layout.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/utf.h"

/* ------------------------------------------------------------------------- */
/* Layout                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct LayoutCtx {
        BlockClassLookupFn lookup;
        void *userdata;
        char **reterr_message;
        const char *stack[BLOCK_NESTING_MAX]; /* embedded classes being laid out */
        unsigned depth;
} LayoutCtx;

_printf_(2, 3) static int layout_error(LayoutCtx *c, const char *fmt, ...) {
        va_list ap;
        char *m = NULL;

        if (c->reterr_message && !*c->reterr_message) {
                va_start(ap, fmt);
                if (vasprintf(&m, fmt, ap) < 0)
                        m = NULL;
                va_end(ap);
                *c->reterr_message = m;
        }
        return -EINVAL;
}

static void block_item_deinit(BlockItem *it) {
        free(it->name);
        free(it->embedded_class);
        block_layout_free(it->embedded);
}

/**
 * block_layout_free() - free a layout (NULL is accepted).
 * @l: the layout
 *
 * Return: NULL.
 */
BlockLayout *block_layout_free(BlockLayout *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_items; i++)
                block_item_deinit(&l->items[i]);
        free(l->items);
        free(l->class_name);
        free(l->method);
        lwmi_object_unref(l->cls);
        free(l);
        return NULL;
}

/* Reads an integer qualifier; false when absent or not a non-negative integer. */
static bool qual_uint(const CimQualifierSet *q, const char *name, uint64_t *ret) {
        const CimQualifier *cq = cim_qualifier_set_find(q, name);
        const lwmi_value *v;

        if (!cq)
                return false;
        v = &cq->value;
        if (v->is_null || LWMI_CIM_IS_ARRAY(v->type))
                return false;
        switch (v->type) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                if (v->u.sint < 0)
                        return false;
                *ret = (uint64_t) v->u.sint;
                return true;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                *ret = v->u.uint;
                return true;
        default:
                return false;
        }
}

static const char *qual_string(const CimQualifierSet *q, const char *name) {
        const CimQualifier *cq = cim_qualifier_set_find(q, name);

        if (!cq || cq->value.is_null || cq->value.type != LWMI_CIM_STRING)
                return NULL;
        return cq->value.u.string;
}

/* A boolean qualifier that is present and not FALSE (In, Out). */
static bool qual_true(const CimQualifierSet *q, const char *name) {
        const CimQualifier *cq = cim_qualifier_set_find(q, name);

        if (!cq)
                return false;
        if (cq->value.type == LWMI_CIM_BOOLEAN && !cq->value.is_null)
                return cq->value.u.boolean;
        return true;
}

/* The embedded class of an object-typed property: ref_class, or CIMTYPE "object:C". */
static const char *property_embedded_class(const CimProperty *p) {
        const char *t;

        if (p->ref_class && *p->ref_class)
                return p->ref_class;
        t = qual_string(&p->quals, "CIMTYPE");
        if (t && strncasecmp(t, "object:", 7) == 0 && t[7])
                return t + 7;
        return NULL;
}

static int layout_compute_class(LayoutCtx *c, const lwmi_object *cls, BlockLayout **ret);

/* Fills the type part of an item (element size and alignment) from a property. */
static int item_set_type(LayoutCtx *c, const char *owner, const CimProperty *p, BlockItem *it) {
        lwmi_cimtype t = LWMI_CIM_BASE(p->type);
        int r;

        it->type = t;
        switch (t) {
        case LWMI_CIM_BOOLEAN:
        case LWMI_CIM_UINT8:
        case LWMI_CIM_SINT8:
                it->elem_size = it->align = 1;
                return 0;
        case LWMI_CIM_UINT16:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_CHAR16: /* extension: natural size */
                it->elem_size = it->align = 2;
                return 0;
        case LWMI_CIM_UINT32:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_REAL32: /* extension */
                it->elem_size = it->align = 4;
                return 0;
        case LWMI_CIM_UINT64:
        case LWMI_CIM_SINT64:
        case LWMI_CIM_REAL64: /* extension */
                it->elem_size = it->align = 8;
                return 0;
        case LWMI_CIM_STRING:
                it->elem_size = 0;
                it->align = 2;
                return 0;
        case LWMI_CIM_DATETIME:
                it->elem_size = 50;
                it->align = 2;
                return 0;
        case LWMI_CIM_REFERENCE:
                return layout_error(c, "%s.%s: references cannot be part of a WMI data block",
                                    owner, p->name);
        case LWMI_CIM_OBJECT: {
                const char *ec = property_embedded_class(p);
                lwmi_object *ecls;

                if (!ec)
                        return layout_error(c,
                                            "%s.%s: an object item needs its embedded class "
                                            "(declare it as 'ClassName %s')",
                                            owner, p->name, p->name);
                it->embedded_class = strdup(ec);
                if (!it->embedded_class)
                        return -ENOMEM;
                for (unsigned i = 0; i < c->depth; i++)
                        if (lwmi_name_eq(c->stack[i], ec))
                                return layout_error(c, "%s.%s: embedded class %s contains itself",
                                                    owner, p->name, ec);
                if (c->depth >= BLOCK_NESTING_MAX)
                        return layout_error(c, "%s.%s: embedded classes nest too deeply", owner,
                                            p->name);
                ecls = c->lookup ? c->lookup(c->userdata, ec) : NULL;
                if (!ecls)
                        return layout_error(c, "%s.%s: unknown embedded class %s", owner, p->name,
                                            ec);
                c->stack[c->depth++] = ec;
                r = layout_compute_class(c, ecls, &it->embedded);
                c->depth--;
                lwmi_object_unref(ecls);
                if (r < 0)
                        return r;
                it->align = it->embedded->align;
                it->elem_size = it->embedded->fixed ? it->embedded->sizeof_size : 0;
                return 0;
        }
        default:
                return layout_error(c, "%s.%s: type %s cannot be part of a WMI data block", owner,
                                    p->name, lwmi_cimtype_name(t));
        }
}

static int item_init(LayoutCtx *c, const char *owner, const CimProperty *p, uint32_t id,
                     BlockItem *it) {
        uint64_t v;
        int r;

        it->name = strdup(p->name);
        if (!it->name)
                return -ENOMEM;
        it->prop_index = SIZE_MAX;
        it->data_id = id;
        it->size_is = -1;
        r = item_set_type(c, owner, p, it);
        if (r < 0)
                return r;
        if (it->type == LWMI_CIM_STRING && qual_uint(&p->quals, "MaxLen", &v))
                it->max_len = (uint32_t) MIN(v, (uint64_t) UINT32_MAX);
        if (!LWMI_CIM_IS_ARRAY(p->type)) {
                it->array = BLOCK_SCALAR;
                return 0;
        }
        if (qual_string(&p->quals, "WmiSizeIs")) {
                it->array = BLOCK_ARRAY_VARIABLE;
                return 0; /* size_is resolved once every item is known */
        }
        if (p->array_size > 0)
                v = (uint64_t) p->array_size;
        else if (!qual_uint(&p->quals, "Max", &v) || v == 0)
                return layout_error(c,
                                    "%s.%s: an array needs a fixed size ([n] or Max(n)) or "
                                    "WmiSizeIs(\"count item\")",
                                    owner, p->name);
        if (v > BLOCK_SIZE_MAX)
                return layout_error(c, "%s.%s: array too large", owner, p->name);
        it->array = BLOCK_ARRAY_FIXED;
        it->count = (uint32_t) v;
        return 0;
}

static int item_cmp(const void *a, const void *b) {
        const BlockItem *x = a, *y = b;

        return x->data_id < y->data_id ? -1 : x->data_id > y->data_id;
}

static bool type_is_integer(lwmi_cimtype t) {
        switch (t) {
        case LWMI_CIM_UINT8:
        case LWMI_CIM_SINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_UINT64:
        case LWMI_CIM_SINT64:
                return true;
        default:
                return false;
        }
}

/* A type whose every bit pattern of its size is a valid value (no text, no object). */
static bool type_is_plain(lwmi_cimtype t) {
        return type_is_integer(t) || t == LWMI_CIM_BOOLEAN || t == LWMI_CIM_CHAR16 ||
               t == LWMI_CIM_REAL32 || t == LWMI_CIM_REAL64;
}

/*
 * Sorted items → WmiSizeIs links, offsets and sizes. @props gives, for each
 * item, the property it came from (same order as items before sorting is not
 * needed: looked up by name).
 */
static int layout_finish(LayoutCtx *c, BlockLayout *l, const CimProperty *const *props) {
        size_t off = 0;
        bool known = true;

        l->align = 1;
        l->fixed = true;
        l->min_size = SIZE_MAX;
        for (size_t i = 0; i < l->n_items; i++) {
                BlockItem *it = &l->items[i];

                if (it->array == BLOCK_ARRAY_VARIABLE) {
                        const char *target = qual_string(&props[i]->quals, "WmiSizeIs");
                        int found = -1;

                        for (size_t j = 0; j < l->n_items; j++)
                                if (lwmi_name_eq(l->items[j].name, target))
                                        found = (int) j;
                        if (found < 0)
                                return layout_error(c,
                                                    "%s.%s: WmiSizeIs(\"%s\") names no data item",
                                                    l->class_name, it->name, target);
                        if ((size_t) found >= i)
                                return layout_error(c,
                                                    "%s.%s: the count item %s must come before the "
                                                    "array (lower WmiDataId)",
                                                    l->class_name, it->name, target);
                        if (!type_is_integer(l->items[found].type) ||
                            l->items[found].array != BLOCK_SCALAR)
                                return layout_error(c, "%s.%s: the count item %s is not an integer",
                                                    l->class_name, it->name, target);
                        it->size_is = found;
                }

                it->fixed = it->elem_size > 0 && it->array != BLOCK_ARRAY_VARIABLE;
                if (it->fixed && it->array == BLOCK_ARRAY_FIXED &&
                    it->elem_size > BLOCK_SIZE_MAX / it->count)
                        return layout_error(c, "%s.%s: array too large", l->class_name, it->name);
                if (it->fixed)
                        it->size = it->elem_size * (it->array == BLOCK_ARRAY_FIXED ? it->count : 1);
                l->align = MAX(l->align, it->align);
                off = ALIGN_TO(off, it->align);
                it->offset_known = known;
                it->offset = known ? off : 0;
                if (!it->fixed) {
                        if (known)
                                l->min_size = off;
                        known = false;
                        l->fixed = false;
                }
                /* A fixed size after a variable item still has no known offset. */
                it->fixed = it->fixed && it->offset_known;
                if (known) {
                        off += it->size;
                        if (off > BLOCK_SIZE_MAX)
                                return layout_error(c, "%s: data block too large", l->class_name);
                }
        }
        if (l->fixed) {
                l->size = off;
                l->sizeof_size = ALIGN_TO(off, l->align);
                l->min_size = l->size;
                l->plain = true;
                for (size_t i = 0; i < l->n_items; i++)
                        if (l->items[i].array != BLOCK_SCALAR || !type_is_plain(l->items[i].type))
                                l->plain = false;
        } else {
                l->size = l->sizeof_size = 0;
        }
        return 0;
}

static BlockLayout *layout_new(const char *class_name, const char *method, bool out) {
        BlockLayout *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        l->class_name = strdup(class_name ? class_name : "");
        if (!l->class_name || (method && !(l->method = strdup(method))))
                return block_layout_free(l);
        l->out = out;
        return l;
}

static int layout_compute_class(LayoutCtx *c, const lwmi_object *cls, BlockLayout **ret) {
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_free_ const CimProperty **props = NULL;
        size_t n = 0;
        int r;

        l = layout_new(cls->name, NULL, false);
        if (!l)
                return -ENOMEM;
        l->cls = lwmi_object_ref((lwmi_object *) cls);
        for (size_t i = 0; i < cls->n_props; i++)
                if (cim_qualifier_set_find(&cls->props[i].quals, "WmiDataId"))
                        n++;
        l->items = calloc(MAX(n, (size_t) 1), sizeof(BlockItem));
        props = calloc(MAX(n, (size_t) 1), sizeof(*props));
        if (!l->items || !props)
                return -ENOMEM;

        for (size_t i = 0; i < cls->n_props; i++) {
                const CimProperty *p = &cls->props[i];
                uint64_t id;

                if (!cim_qualifier_set_find(&p->quals, "WmiDataId"))
                        continue;
                /* InstanceName and Active are never in the buffer. */
                if (lwmi_name_eq(p->name, "InstanceName") || lwmi_name_eq(p->name, "Active"))
                        continue;
                if (!qual_uint(&p->quals, "WmiDataId", &id) || id == 0 || id > UINT32_MAX)
                        return layout_error(c, "%s.%s: WmiDataId must be a positive integer",
                                            cls->name, p->name);
                r = item_init(c, cls->name, p, (uint32_t) id, &l->items[l->n_items]);
                l->items[l->n_items].prop_index = i;
                l->n_items++;
                if (r < 0)
                        return r;
        }

        /* Sort (stable enough: ids are checked unique below), then check 1..n. */
        qsort(l->items, l->n_items, sizeof(BlockItem), item_cmp);
        for (size_t i = 0; i < l->n_items; i++) {
                if (i > 0 && l->items[i].data_id == l->items[i - 1].data_id)
                        return layout_error(c, "%s: WmiDataId(%u) is used by both %s and %s",
                                            cls->name, l->items[i].data_id, l->items[i - 1].name,
                                            l->items[i].name);
                if (l->items[i].data_id != i + 1)
                        return layout_error(c,
                                            "%s: WmiDataId(%zu) is missing (ids must be 1..%zu "
                                            "without gaps)",
                                            cls->name, i + 1, l->n_items);
                props[i] = cim_object_find_property(cls, l->items[i].name);
                if (!props[i])
                        return -EINVAL;
        }
        r = layout_finish(c, l, props);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/**
 * block_layout_compute() - layout of the WmiDataId items of a class.
 * @cls: the class
 * @lookup: finds embedded classes (NULL: none can be found)
 * @userdata: for @lookup
 * @ret: the layout
 * @reterr_message: optional, a malloc'ed description on -EINVAL
 *
 * Return: 0, -EINVAL (bad ids, unknown embedded class, unsupported type), -ENOMEM.
 */
int block_layout_compute(const lwmi_object *cls, BlockClassLookupFn lookup, void *userdata,
                         BlockLayout **ret, char **reterr_message) {
        LayoutCtx c = { .lookup = lookup, .userdata = userdata, .reterr_message = reterr_message };

        if (reterr_message)
                *reterr_message = NULL;
        if (!cls || !ret)
                return -EINVAL;
        c.stack[c.depth++] = cls->name;
        return layout_compute_class(&c, cls, ret);
}

typedef struct ParamRef {
        const CimProperty *p;
        uint32_t id;
} ParamRef;

static int param_cmp(const void *a, const void *b) {
        const ParamRef *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/**
 * block_layout_compute_method() - layout of a method's in or out parameters.
 * @cls: the class declaring the method
 * @method: the method name (case-insensitive)
 * @out: false for the [in] parameters, true for the [out] parameters
 * @lookup: finds embedded classes
 * @userdata: for @lookup
 * @ret: the layout (class_name is the class, method is set)
 * @reterr_message: optional, a malloc'ed description on -EINVAL
 *
 * Return: 0, -ENOENT (no such method), -EINVAL, -ENOMEM.
 */
int block_layout_compute_method(const lwmi_object *cls, const char *method, bool out,
                                BlockClassLookupFn lookup, void *userdata, BlockLayout **ret,
                                char **reterr_message) {
        LayoutCtx c = { .lookup = lookup, .userdata = userdata, .reterr_message = reterr_message };
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_free_ ParamRef *refs = NULL;
        _cleanup_free_ const CimProperty **props = NULL;
        _cleanup_free_ char *owner = NULL;
        const CimMethod *m;
        size_t n = 0;
        int r;

        if (reterr_message)
                *reterr_message = NULL;
        if (!cls || !method || !ret)
                return -EINVAL;
        m = cim_object_find_method(cls, method);
        if (!m)
                return -ENOENT;
        if (asprintf(&owner, "%s.%s", cls->name, m->name) < 0) {
                owner = NULL;
                return -ENOMEM;
        }
        c.stack[c.depth++] = cls->name;

        l = layout_new(cls->name, m->name, out);
        refs = calloc(MAX(m->n_params, (size_t) 1), sizeof(*refs));
        props = calloc(MAX(m->n_params, (size_t) 1), sizeof(*props));
        if (!l || !refs || !props)
                return -ENOMEM;
        l->cls = lwmi_object_ref((lwmi_object *) cls);

        for (size_t i = 0; i < m->n_params; i++) {
                const CimProperty *p = &m->params[i];
                uint64_t id;

                if (lwmi_name_eq(p->name, "ReturnValue"))
                        continue;
                if (!qual_true(&p->quals, out ? "Out" : "In"))
                        continue;
                if (qual_uint(&p->quals, "ID", &id))
                        id++;
                else if (!qual_uint(&p->quals, "WmiDataId", &id))
                        id = i + 1;
                if (id == 0 || id > UINT32_MAX)
                        return layout_error(&c, "%s: parameter %s has an invalid ID", owner,
                                            p->name);
                refs[n++] = (ParamRef){ .p = p, .id = (uint32_t) id };
        }
        qsort(refs, n, sizeof(*refs), param_cmp);
        l->items = calloc(MAX(n, (size_t) 1), sizeof(BlockItem));
        if (!l->items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && refs[i].id == refs[i - 1].id)
                        return layout_error(&c, "%s: parameters %s and %s have the same ID", owner,
                                            refs[i - 1].p->name, refs[i].p->name);
                props[i] = refs[i].p;
                r = item_init(&c, owner, refs[i].p, refs[i].id, &l->items[l->n_items]);
                l->n_items++;
                if (r < 0)
                        return r;
        }
        r = layout_finish(&c, l, props);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* ------------------------------------------------------------------------- */
/* Decoding                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct Reader {
        const uint8_t *data;
        size_t size;
        size_t pos;
} Reader;

static int reader_align(Reader *rd, size_t align) {
        size_t p = ALIGN_TO(rd->pos, align);

        if (p < rd->pos || p > rd->size)
                return -EBADMSG;
        rd->pos = p;
        return 0;
}

static int reader_take(Reader *rd, size_t n, const uint8_t **ret) {
        if (n > rd->size - rd->pos)
                return -EBADMSG;
        *ret = rd->data + rd->pos;
        rd->pos += n;
        return 0;
}

static uint64_t read_le(const uint8_t *p, size_t n) {
        uint64_t v = 0;

        for (size_t i = n; i > 0; i--)
                v = (v << 8) | p[i - 1];
        return v;
}

static int decode_items(const BlockLayout *l, Reader *rd, lwmi_object *inst, lwmi_value *vals);

/* Decodes one element of item @it into @v (uninitialized). */
static int decode_element(const BlockItem *it, Reader *rd, lwmi_value *v) {
        const uint8_t *p;
        uint64_t u;
        int r;

        r = reader_align(rd, it->align);
        if (r < 0)
                return r;
        switch (it->type) {
        case LWMI_CIM_BOOLEAN:
                if ((r = reader_take(rd, 1, &p)) < 0)
                        return r;
                lwmi_value_set_bool(v, p[0] != 0);
                return 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                if ((r = reader_take(rd, it->elem_size, &p)) < 0)
                        return r;
                lwmi_value_set_uint(v, it->type, read_le(p, it->elem_size));
                return 0;
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64: {
                unsigned bits = (unsigned) it->elem_size * 8;
                int64_t s;

                if ((r = reader_take(rd, it->elem_size, &p)) < 0)
                        return r;
                u = read_le(p, it->elem_size);
                if (bits < 64 && (u & ((uint64_t) 1 << (bits - 1))))
                        u |= ~(uint64_t) 0 << bits;
                memcpy(&s, &u, sizeof(s));
                lwmi_value_set_sint(v, it->type, s);
                return 0;
        }
        case LWMI_CIM_CHAR16:
                if ((r = reader_take(rd, 2, &p)) < 0)
                        return r;
                lwmi_value_set_char16(v, (uint16_t) read_le(p, 2));
                return 0;
        case LWMI_CIM_REAL32: {
                uint32_t b;
                float f;

                if ((r = reader_take(rd, 4, &p)) < 0)
                        return r;
                b = (uint32_t) read_le(p, 4);
                memcpy(&f, &b, sizeof(f));
                lwmi_value_set_real(v, LWMI_CIM_REAL32, f);
                return 0;
        }
        case LWMI_CIM_REAL64: {
                double d;

                if ((r = reader_take(rd, 8, &p)) < 0)
                        return r;
                u = read_le(p, 8);
                memcpy(&d, &u, sizeof(d));
                lwmi_value_set_real(v, LWMI_CIM_REAL64, d);
                return 0;
        }
        case LWMI_CIM_STRING: {
                _cleanup_free_ char *s = NULL;
                size_t count;

                if ((r = reader_take(rd, 2, &p)) < 0)
                        return r;
                count = (size_t) read_le(p, 2);
                if (count % 2)
                        return -EBADMSG;
                if ((r = reader_take(rd, count, &p)) < 0)
                        return r;
                if (it->max_len > 0) {
                        /* MaxLen bounds the text, not the count (which may hold a NUL and padding).
                         */
                        size_t units = 0;
                        while (units < count / 2 && (p[2 * units] || p[2 * units + 1]))
                                units++;
                        if (units > it->max_len)
                                return -EBADMSG;
                }
                r = utf16le_to_utf8(p, count / 2, true, &s);
                if (r < 0)
                        return r;
                return lwmi_value_set_string(v, LWMI_CIM_STRING, s);
        }
        case LWMI_CIM_DATETIME: {
                _cleanup_free_ char *s = NULL;
                lwmi_datetime dt;
                bool zero = true;

                if ((r = reader_take(rd, 50, &p)) < 0)
                        return r;
                for (size_t i = 0; i < 50; i++)
                        zero = zero && p[i] == 0;
                if (zero) {
                        /* An unset datetime (all zero) reads as NULL. */
                        lwmi_value_set_null(v, LWMI_CIM_DATETIME);
                        return 0;
                }
                r = utf16le_to_utf8(p, 25, true, &s);
                if (r < 0)
                        return r;
                if (lwmi_datetime_parse(s, &dt) < 0)
                        return -EBADMSG;
                lwmi_value_set_datetime(v, &dt);
                return 0;
        }
        case LWMI_CIM_OBJECT: {
                _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
                size_t start;

                if (!it->embedded || !it->embedded->cls)
                        return -EINVAL;
                r = reader_align(rd, it->embedded->align);
                if (r < 0)
                        return r;
                start = rd->pos;
                r = lwmi_class_spawn_instance(it->embedded->cls, &o);
                if (r < 0)
                        return r;
                r = decode_items(it->embedded, rd, o, NULL);
                if (r < 0)
                        return r;
                /* The footprint of an embedded class is padded to its alignment (sizeof). */
                if (ALIGN_TO(rd->pos - start, it->embedded->align) > rd->size - start)
                        return -EBADMSG;
                rd->pos = start + ALIGN_TO(rd->pos - start, it->embedded->align);
                lwmi_value_set_object(v, o);
                return 0;
        }
        default:
                return -EINVAL;
        }
}

/* Smallest number of bytes one element of @it can take (for bounding counts). */
static size_t element_min_size(const BlockItem *it) {
        if (it->elem_size > 0)
                return it->elem_size;
        if (it->type == LWMI_CIM_STRING)
                return 2;
        if (it->embedded)
                return MAX(it->embedded->min_size, (size_t) 1);
        return 1;
}

static int value_get_count(const lwmi_value *v, uint64_t *ret) {
        if (v->is_null || LWMI_CIM_IS_ARRAY(v->type))
                return -EINVAL;
        switch (v->type) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                if (v->u.sint < 0)
                        return -ERANGE;
                *ret = (uint64_t) v->u.sint;
                return 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                *ret = v->u.uint;
                return 0;
        default:
                return -EINVAL;
        }
}

/* An unsigned little-endian integer of @n (1, 2, 4 or 8) bytes, read whole. */
static inline uint64_t load_le(const uint8_t *p, size_t n) {
        uint8_t b1;
        uint16_t b2;
        uint32_t b4;
        uint64_t b8;

        switch (n) {
        case 1:
                memcpy(&b1, p, 1);
                return b1;
        case 2:
                memcpy(&b2, p, 2);
                return le16toh(b2);
        case 4:
                memcpy(&b4, p, 4);
                return le32toh(b4);
        case 8:
                memcpy(&b8, p, 8);
                return le64toh(b8);
        default:
                return read_le(p, n);
        }
}

/* One item of a plain layout, read at its offset (the block holds l->size bytes). */
static void decode_plain(const BlockItem *it, const uint8_t *block, lwmi_value *v) {
        const uint8_t *p = block + it->offset;
        uint64_t u = load_le(p, it->elem_size);

        v->type = it->type;
        v->is_null = false;
        switch (it->type) {
        case LWMI_CIM_BOOLEAN:
                v->u.boolean = p[0] != 0;
                return;
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64: {
                unsigned bits = (unsigned) it->elem_size * 8;

                if (bits < 64 && (u & ((uint64_t) 1 << (bits - 1))))
                        u |= ~(uint64_t) 0 << bits;
                memcpy(&v->u.sint, &u, sizeof(u));
                return;
        }
        case LWMI_CIM_CHAR16:
                v->u.char16 = (uint16_t) u;
                return;
        case LWMI_CIM_REAL32: {
                uint32_t b = (uint32_t) u;
                float f;

                memcpy(&f, &b, sizeof(f));
                v->u.real = f;
                return;
        }
        case LWMI_CIM_REAL64:
                memcpy(&v->u.real, &u, sizeof(u));
                return;
        default: /* unsigned */
                v->u.uint = u;
                return;
        }
}

/*
 * A plain layout (l->plain): every item at its offset, no check but the
 * size. An instance spawned from the layout's class has each item's property
 * at its prop_index.
 */
static int decode_plain_items(const BlockLayout *l, const uint8_t *block, size_t size,
                              lwmi_object *inst, lwmi_value *vals) {
        bool same_class = inst && inst->cls && inst->cls == l->cls;

        if (l->size > size)
                return -EBADMSG;
        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];
                CimProperty *prop;

                /* decoded in place: a copy through the stack stalls on store forwarding */
                if (vals) {
                        decode_plain(it, block, &vals[i]);
                        continue;
                }
                if (!inst)
                        continue;
                if (it->prop_index < inst->n_props &&
                    (same_class || strcmp(inst->props[it->prop_index].name, it->name) == 0))
                        prop = &inst->props[it->prop_index];
                else
                        prop = cim_object_find_property(inst, it->name);
                if (prop) {
                        if (!prop->value.is_null)
                                lwmi_value_clear(&prop->value);
                        decode_plain(it, block, &prop->value);
                }
        }
        return 0;
}

/* Decodes the items into the properties of @inst, or into @vals[i] (one per item) when given. */
static int decode_items(const BlockLayout *l, Reader *rd, lwmi_object *inst, lwmi_value *vals) {
        _cleanup_free_ uint64_t *heap_counts = NULL;
        uint64_t stack_counts[16] = { 0 }, *counts = stack_counts;
        size_t start = rd->pos;
        int r;

        /* A fixed block must be there in full; the rest is checked item by item. */
        if (l->fixed && l->size > rd->size - rd->pos)
                return -EBADMSG;
        if (l->n_items > ELEMENTSOF(stack_counts)) {
                counts = heap_counts = calloc(l->n_items, sizeof(*counts));
                if (!counts)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];
                _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;
                CimProperty *prop;

                /* Alignment is relative to the block start, which is aligned to l->align. */
                if (it->offset_known && rd->pos - start > it->offset)
                        return -EBADMSG;
                if (it->array == BLOCK_SCALAR) {
                        r = decode_element(it, rd, &v);
                        if (r < 0)
                                return r;
                        /* A negative count makes any array that uses it invalid. */
                        if (type_is_integer(it->type) && value_get_count(&v, &counts[i]) < 0)
                                counts[i] = UINT64_MAX;
                } else {
                        uint64_t n =
                                it->array == BLOCK_ARRAY_FIXED ? it->count : counts[it->size_is];

                        if (n > BLOCK_ARRAY_MAX || n > (rd->size - rd->pos) / element_min_size(it))
                                return -EBADMSG;
                        r = lwmi_value_set_array(&v, it->type, (size_t) n);
                        if (r < 0)
                                return r;
                        for (size_t k = 0; k < n; k++) {
                                lwmi_value e = LWMI_VALUE_NULL;

                                r = decode_element(it, rd, &e);
                                if (r < 0)
                                        return r;
                                lwmi_value_clear(&v.u.array.items[k]);
                                v.u.array.items[k] = e;
                        }
                }
                if (vals) {
                        vals[i] = v;
                        v = (lwmi_value) LWMI_VALUE_NULL;
                        continue;
                }
                /* an instance of the layout's class has the property at the same index */
                if (!inst)
                        prop = NULL;
                else if (it->prop_index < inst->n_props &&
                         strcmp(inst->props[it->prop_index].name, it->name) == 0)
                        prop = &inst->props[it->prop_index];
                else
                        prop = cim_object_find_property(inst, it->name);
                if (prop) {
                        lwmi_value_clear(&prop->value);
                        prop->value = v;
                        v = (lwmi_value) LWMI_VALUE_NULL;
                }
        }
        return 0;
}

/**
 * block_decode() - fill the data items of an instance from a data block.
 * @l: the layout of the instance's class (or method parameters)
 * @data: the block
 * @size: its size in bytes; trailing bytes are ignored
 * @inst: the instance (or __PARAMETERS object); items it lacks are skipped
 *
 * Return: 0, -EBADMSG (too short, odd string count, array count beyond the
 * data, bad datetime), -ENOMEM. On failure @inst may hold some decoded items.
 */
int block_decode(const BlockLayout *l, const void *data, size_t size, lwmi_object *inst) {
        Reader rd = { .data = data, .size = size, .pos = 0 };

        if (!l || (!data && size > 0))
                return -EINVAL;
        if (l->plain && l->n_items > 0)
                return decode_plain_items(l, data, size, inst, NULL);
        return decode_items(l, &rd, inst, NULL);
}

/**
 * block_decode_values() - decode the data items of a block without an object.
 * @l: the layout
 * @data: the block
 * @size: its size
 * @vals: l->n_items values, NULL on entry; filled in item order (the caller
 *        clears them, also on failure)
 *
 * Return: as block_decode().
 */
int block_decode_values(const BlockLayout *l, const void *data, size_t size, lwmi_value *vals) {
        Reader rd = { .data = data, .size = size, .pos = 0 };

        if (!l || !vals || (!data && size > 0))
                return -EINVAL;
        if (l->plain && l->n_items > 0)
                return decode_plain_items(l, data, size, NULL, vals);
        return decode_items(l, &rd, NULL, vals);
}

/* ------------------------------------------------------------------------- */
/* Encoding                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct Writer {
        StrBuf *out;
        size_t start; /* out->len at the block start */
} Writer;

static size_t writer_pos(const Writer *w) {
        return w->out->len - w->start;
}

static void writer_zero(Writer *w, size_t n) {
        static const char zeros[64];

        while (n > 0 && !w->out->oom) {
                size_t k = MIN(n, sizeof(zeros));
                strbuf_append_n(w->out, zeros, k);
                n -= k;
        }
}

static void writer_align(Writer *w, size_t align) {
        size_t p = writer_pos(w);

        writer_zero(w, ALIGN_TO(p, align) - p);
}

static void writer_le(Writer *w, uint64_t v, size_t n) {
        char b[8];

        for (size_t i = 0; i < n; i++)
                b[i] = (char) (uint8_t) (v >> (8 * i));
        strbuf_append_n(w->out, b, n);
}

/* Integer value of @v as a signed/unsigned pair; -EINVAL when not an integer. */
static int value_get_int(const lwmi_value *v, bool *ret_neg, uint64_t *ret_mag) {
        switch (LWMI_CIM_BASE(v->type)) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                *ret_neg = v->u.sint < 0;
                *ret_mag =
                        v->u.sint < 0 ? (uint64_t) 0 - (uint64_t) v->u.sint : (uint64_t) v->u.sint;
                return 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                *ret_neg = false;
                *ret_mag = v->u.uint;
                return 0;
        case LWMI_CIM_BOOLEAN:
                *ret_neg = false;
                *ret_mag = v->u.boolean;
                return 0;
        case LWMI_CIM_CHAR16:
                *ret_neg = false;
                *ret_mag = v->u.char16;
                return 0;
        default:
                return -EINVAL;
        }
}

static int encode_integer(Writer *w, const BlockItem *it, const lwmi_value *v) {
        unsigned bits = (unsigned) it->elem_size * 8;
        bool is_signed = it->type == LWMI_CIM_SINT8 || it->type == LWMI_CIM_SINT16 ||
                         it->type == LWMI_CIM_SINT32 || it->type == LWMI_CIM_SINT64;
        uint64_t mag, u;
        bool neg;
        int r;

        r = value_get_int(v, &neg, &mag);
        if (r < 0)
                return r;
        if (is_signed) {
                uint64_t lim = (uint64_t) 1 << (bits - 1); /* |min| */
                if (neg ? mag > lim : mag >= lim)
                        return -ERANGE;
                u = neg ? (uint64_t) 0 - mag : mag;
        } else {
                if (neg || (bits < 64 && mag >> bits))
                        return -ERANGE;
                u = mag;
        }
        writer_le(w, u, it->elem_size);
        return 0;
}

static int encode_string(Writer *w, const BlockItem *it, const char *s) {
        _cleanup_free_ char *buf = NULL;
        size_t len = s ? strlen(s) : 0;
        long units;

        if (len == 0) {
                writer_le(w, 0, 2);
                return 0;
        }
        units = utf8_utf16_len(s, len);
        if (units < 0)
                return -EINVAL;
        if (units > 32767 || (it->max_len > 0 && (unsigned long) units > it->max_len))
                return -ERANGE;
        buf = malloc((size_t) units * 2);
        if (!buf)
                return -ENOMEM;
        units = utf8_to_utf16le(s, len, buf, (size_t) units);
        if (units < 0)
                return (int) units;
        writer_le(w, (uint64_t) units * 2, 2);
        strbuf_append_n(w->out, buf, (size_t) units * 2);
        return 0;
}

static int encode_items(const BlockLayout *l, Writer *w, const lwmi_object *inst);

/* Encodes one element; @v NULL or a NULL value encodes as zero. */
static int encode_element(Writer *w, const BlockItem *it, const lwmi_value *v) {
        bool null = !v || v->is_null;
        int r;

        if (it->type == LWMI_CIM_OBJECT) {
                const lwmi_object *o = null ? NULL : v->u.object;
                size_t start;

                if (!null && LWMI_CIM_BASE(v->type) != LWMI_CIM_OBJECT)
                        return -EINVAL;
                if (o && !lwmi_object_derives_from(o, it->embedded_class))
                        return -EINVAL;
                writer_align(w, it->embedded->align);
                start = writer_pos(w);
                r = encode_items(it->embedded, w, o);
                if (r < 0)
                        return r;
                writer_zero(w, ALIGN_TO(writer_pos(w) - start, it->embedded->align) -
                                       (writer_pos(w) - start));
                return 0;
        }

        writer_align(w, it->align);
        if (null) {
                writer_zero(w, it->type == LWMI_CIM_STRING ? 2 : it->elem_size);
                return 0;
        }
        switch (it->type) {
        case LWMI_CIM_BOOLEAN: {
                bool neg;
                uint64_t mag;

                if (value_get_int(v, &neg, &mag) < 0)
                        return -EINVAL;
                writer_le(w, mag != 0, 1);
                return 0;
        }
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
        case LWMI_CIM_CHAR16:
                return encode_integer(w, it, v);
        case LWMI_CIM_REAL32: {
                float f;
                uint32_t b;

                if (LWMI_CIM_BASE(v->type) != LWMI_CIM_REAL32 &&
                    LWMI_CIM_BASE(v->type) != LWMI_CIM_REAL64)
                        return -EINVAL;
                f = (float) v->u.real;
                memcpy(&b, &f, sizeof(b));
                writer_le(w, b, 4);
                return 0;
        }
        case LWMI_CIM_REAL64: {
                uint64_t b;

                if (LWMI_CIM_BASE(v->type) != LWMI_CIM_REAL32 &&
                    LWMI_CIM_BASE(v->type) != LWMI_CIM_REAL64)
                        return -EINVAL;
                memcpy(&b, &v->u.real, sizeof(b));
                writer_le(w, b, 8);
                return 0;
        }
        case LWMI_CIM_STRING:
                if (LWMI_CIM_BASE(v->type) != LWMI_CIM_STRING)
                        return -EINVAL;
                return encode_string(w, it, v->u.string);
        case LWMI_CIM_DATETIME: {
                char s[LWMI_DATETIME_STRING_MAX];

                if (LWMI_CIM_BASE(v->type) != LWMI_CIM_DATETIME)
                        return -EINVAL;
                lwmi_datetime_format(&v->u.datetime, s);
                for (size_t i = 0; i < 25 && s[i]; i++)
                        writer_le(w, (uint8_t) s[i], 2);
                for (size_t i = strnlen(s, 25); i < 25; i++)
                        writer_le(w, 0, 2);
                return 0;
        }
        default:
                return -EINVAL;
        }
}

static const lwmi_value *inst_value(const lwmi_object *inst, const char *name) {
        const CimProperty *p = inst ? cim_object_find_property(inst, name) : NULL;

        return p ? &p->value : NULL;
}

static int encode_items(const BlockLayout *l, Writer *w, const lwmi_object *inst) {
        _cleanup_free_ uint64_t *counts = NULL;
        _cleanup_free_ bool *is_count = NULL;
        int r;

        counts = calloc(MAX(l->n_items, (size_t) 1), sizeof(*counts));
        is_count = calloc(MAX(l->n_items, (size_t) 1), sizeof(*is_count));
        if (!counts || !is_count)
                return -ENOMEM;

        /* First pass: the element count each count item must carry. */
        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];
                const lwmi_value *v, *cv;
                uint64_t n = 0, have;

                if (it->array != BLOCK_ARRAY_VARIABLE)
                        continue;
                v = inst_value(inst, it->name);
                if (v && !v->is_null) {
                        if (!LWMI_CIM_IS_ARRAY(v->type))
                                return -EINVAL;
                        n = v->u.array.n;
                }
                if (is_count[it->size_is] && counts[it->size_is] != n)
                        return -ERANGE;
                cv = inst_value(inst, l->items[it->size_is].name);
                if (cv && !cv->is_null) {
                        r = value_get_count(cv, &have);
                        if (r < 0)
                                return r;
                        if (have != n)
                                return -ERANGE;
                }
                is_count[it->size_is] = true;
                counts[it->size_is] = n;
        }

        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];
                const lwmi_value *v = inst_value(inst, it->name);

                if (is_count[i]) {
                        lwmi_value cv;

                        lwmi_value_set_uint(&cv, LWMI_CIM_UINT64, counts[i]);
                        r = encode_element(w, it, &cv);
                } else if (it->array == BLOCK_SCALAR) {
                        if (v && !v->is_null && LWMI_CIM_IS_ARRAY(v->type))
                                return -EINVAL;
                        r = encode_element(w, it, v);
                } else {
                        size_t n = 0, want;

                        if (v && !v->is_null) {
                                if (!LWMI_CIM_IS_ARRAY(v->type))
                                        return -EINVAL;
                                n = v->u.array.n;
                        }
                        want = it->array == BLOCK_ARRAY_FIXED ? it->count : n;
                        if (n > want)
                                return -ERANGE;
                        r = 0;
                        if (it->array == BLOCK_ARRAY_FIXED || want > 0)
                                writer_align(w, it->align);
                        for (size_t k = 0; k < want && r >= 0; k++)
                                r = encode_element(w, it, k < n ? &v->u.array.items[k] : NULL);
                }
                if (r < 0)
                        return r;
                if (w->out->oom)
                        return -ENOMEM;
        }
        return 0;
}

/**
 * block_encode() - append the byte image of an instance's data items.
 * @l: the layout
 * @inst: the instance (or __PARAMETERS object); NULL encodes every item as NULL
 * @out: the buffer; the block starts at out->len
 *
 * Return: 0, -ERANGE, -EINVAL, -ENOMEM. On failure @out is truncated back.
 */
int block_encode(const BlockLayout *l, const lwmi_object *inst, StrBuf *out) {
        Writer w = { .out = out, .start = out ? out->len : 0 };
        int r;

        if (!l || !out)
                return -EINVAL;
        r = encode_items(l, &w, inst);
        if (r >= 0 && out->oom)
                r = -ENOMEM;
        if (r < 0 && !out->oom)
                strbuf_truncate(out, w.start);
        return r;
}
