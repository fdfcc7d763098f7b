/* SPDX-License-Identifier: MIT */
/*
 * Text renderings of values and objects: MOF (readable back by the MOF
 * compiler), plain text for humans, and JSON (RFC 8259).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

#define INDENT 4

static void append_indent(StrBuf *b, unsigned indent) {
        for (unsigned i = 0; i < indent; i++)
                strbuf_append_c(b, ' ');
}

/* ---- MOF ---- */

/* One character of a MOF string or char16 literal; @quote is the delimiter. */
static void append_mof_char(StrBuf *b, unsigned char c, char quote) {
        switch (c) {
        case '\\':
                strbuf_append(b, "\\\\");
                break;
        case '\n':
                strbuf_append(b, "\\n");
                break;
        case '\t':
                strbuf_append(b, "\\t");
                break;
        case '\r':
                strbuf_append(b, "\\r");
                break;
        case '\b':
                strbuf_append(b, "\\b");
                break;
        case '\f':
                strbuf_append(b, "\\f");
                break;
        default:
                if (c == (unsigned char) quote) {
                        strbuf_append_c(b, '\\');
                        strbuf_append_c(b, (char) c);
                } else if (c < 0x20 || c == 0x7f) {
                        /* four digits, so that a following hex digit is not absorbed */
                        strbuf_printf(b, "\\x%04X", c);
                } else {
                        strbuf_append_c(b, (char) c);
                }
        }
}

/**
 * cim_append_mof_string() - append @s as a double-quoted MOF string literal.
 * @b: buffer
 * @s: UTF-8 text (bytes >= 0x80 are copied as they are)
 */
void cim_append_mof_string(StrBuf *b, const char *s) {
        strbuf_append_c(b, '"');
        for (; *s; s++)
                append_mof_char(b, (unsigned char) *s, '"');
        strbuf_append_c(b, '"');
}

static void append_mof_char16(StrBuf *b, uint16_t c) {
        char u[4];
        int l;

        strbuf_append_c(b, '\'');
        if (c < 0x80) {
                append_mof_char(b, (unsigned char) c, '\'');
        } else if ((l = utf8_encode(c, u)) > 0) {
                strbuf_append_n(b, u, (size_t) l);
        } else {
                strbuf_printf(b, "\\x%04X", c);
        }
        strbuf_append_c(b, '\'');
}

static void append_object_mof(StrBuf *b, const lwmi_object *o, unsigned indent);

static void append_value_mof(StrBuf *b, const lwmi_value *v, unsigned indent) {
        char dt[LWMI_DATETIME_STRING_MAX];

        if (v->is_null) {
                strbuf_append(b, "NULL");
                return;
        }
        if (LWMI_CIM_IS_ARRAY(v->type)) {
                strbuf_append_c(b, '{');
                for (size_t i = 0; i < v->u.array.n; i++) {
                        if (i > 0)
                                strbuf_append(b, ", ");
                        append_value_mof(b, &v->u.array.items[i], indent);
                }
                strbuf_append_c(b, '}');
                return;
        }
        switch (v->type) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                strbuf_printf(b, "%" PRIi64, v->u.sint);
                break;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                strbuf_printf(b, "%" PRIu64, v->u.uint);
                break;
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                cim_append_real(b, v->u.real, v->type == LWMI_CIM_REAL32);
                break;
        case LWMI_CIM_BOOLEAN:
                strbuf_append(b, v->u.boolean ? "TRUE" : "FALSE");
                break;
        case LWMI_CIM_CHAR16:
                append_mof_char16(b, v->u.char16);
                break;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                cim_append_mof_string(b, v->u.string);
                break;
        case LWMI_CIM_DATETIME:
                cim_append_mof_string(b, lwmi_datetime_format(&v->u.datetime, dt));
                break;
        case LWMI_CIM_OBJECT:
                append_object_mof(b, v->u.object, indent);
                break;
        default:
                strbuf_append(b, "NULL");
                break;
        }
}

/**
 * cim_append_value_mof() - append @v as a MOF literal.
 * @b: buffer
 * @v: the value
 */
void cim_append_value_mof(StrBuf *b, const lwmi_value *v) {
        append_value_mof(b, v, 0);
}

static void append_flavor(StrBuf *b, uint32_t flavor) {
        static const struct {
                uint32_t bit;
                const char *name;
        } names[] = {
                { LWMI_FLAVOR_DISABLE_OVERRIDE, "DisableOverride" },
                { LWMI_FLAVOR_RESTRICTED, "Restricted" },
                { LWMI_FLAVOR_TO_INSTANCE, "ToInstance" },
                { LWMI_FLAVOR_TRANSLATABLE, "Translatable" },
                { LWMI_FLAVOR_AMENDED, "Amended" },
        };
        bool first = true;

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                if (!(flavor & names[i].bit))
                        continue;
                strbuf_append(b, first ? " : " : " ");
                strbuf_append(b, names[i].name);
                first = false;
        }
}

/* Local (not propagated) qualifiers as "[A, B(1) : Restricted]"; false when none. */
static bool append_qualifiers(StrBuf *b, const CimQualifierSet *s) {
        bool any = false;

        for (size_t i = 0; i < s->n; i++) {
                const CimQualifier *q = &s->items[i];

                if (q->flavor & LWMI_FLAVOR_PROPAGATED)
                        continue;
                strbuf_append(b, any ? ", " : "[");
                any = true;
                strbuf_append(b, q->name);
                if (q->value.type == LWMI_CIM_BOOLEAN && !q->value.is_null && q->value.u.boolean) {
                        /* [Key] means Key(TRUE) */
                } else if (LWMI_CIM_IS_ARRAY(q->value.type) && !q->value.is_null) {
                        append_value_mof(b, &q->value, 0);
                } else {
                        strbuf_append_c(b, '(');
                        append_value_mof(b, &q->value, 0);
                        strbuf_append_c(b, ')');
                }
                append_flavor(b, q->flavor);
        }
        if (any)
                strbuf_append_c(b, ']');
        return any;
}

static void append_type(StrBuf *b, lwmi_cimtype type, const char *ref_class) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);

        if (base == LWMI_CIM_EMPTY) {
                strbuf_append(b, "void");
        } else if (base == LWMI_CIM_REFERENCE) {
                strbuf_append(b, ref_class ? ref_class : "object");
                strbuf_append(b, " ref");
        } else if (base == LWMI_CIM_OBJECT && ref_class) {
                /* an embedded object of a known class is declared with the class name */
                strbuf_append(b, ref_class);
        } else {
                strbuf_append(b, lwmi_cimtype_name(base));
        }
}

static void append_array_suffix(StrBuf *b, const CimProperty *p) {
        if (!LWMI_CIM_IS_ARRAY(p->type))
                return;
        if (p->array_size > 0)
                strbuf_printf(b, "[%" PRIi32 "]", p->array_size);
        else
                strbuf_append(b, "[]");
}

/* A property or parameter declaration, without indentation and ';'. */
static void append_property_decl(StrBuf *b, const CimProperty *p, bool with_default) {
        if (append_qualifiers(b, &p->quals))
                strbuf_append_c(b, ' ');
        append_type(b, p->type, p->ref_class);
        strbuf_append_c(b, ' ');
        strbuf_append(b, p->name);
        append_array_suffix(b, p);
        if (with_default && !p->value.is_null) {
                strbuf_append(b, " = ");
                append_value_mof(b, &p->value, INDENT);
        }
}

static void append_class_mof(StrBuf *b, const lwmi_object *o, unsigned indent) {
        if (append_qualifiers(b, &o->quals)) {
                strbuf_append_c(b, '\n');
                append_indent(b, indent);
        }
        strbuf_append(b, "class ");
        strbuf_append(b, o->name);
        if (o->superclass) {
                strbuf_append(b, " : ");
                strbuf_append(b, o->superclass);
        }
        strbuf_append_c(b, '\n');
        append_indent(b, indent);
        strbuf_append(b, "{\n");

        for (size_t i = 0; i < o->n_props; i++) {
                const CimProperty *p = &o->props[i];

                if (p->propagated)
                        continue;
                append_indent(b, indent + INDENT);
                append_property_decl(b, p, true);
                strbuf_append(b, ";\n");
        }
        for (size_t i = 0; i < o->n_methods; i++) {
                const CimMethod *m = &o->methods[i];

                if (m->propagated)
                        continue;
                append_indent(b, indent + INDENT);
                if (append_qualifiers(b, &m->quals))
                        strbuf_append_c(b, ' ');
                append_type(b, m->return_type, m->return_ref_class);
                if (LWMI_CIM_IS_ARRAY(m->return_type))
                        strbuf_append(b, "[]");
                strbuf_append_c(b, ' ');
                strbuf_append(b, m->name);
                strbuf_append_c(b, '(');
                for (size_t j = 0; j < m->n_params; j++) {
                        if (j > 0)
                                strbuf_append(b, ", ");
                        append_property_decl(b, &m->params[j], false);
                }
                strbuf_append(b, ");\n");
        }
        append_indent(b, indent);
        strbuf_append_c(b, '}');
}

static void append_instance_mof(StrBuf *b, const lwmi_object *o, unsigned indent) {
        bool quals = append_qualifiers(b, &o->quals);

        if (quals) {
                strbuf_append_c(b, '\n');
                append_indent(b, indent);
        }
        strbuf_append(b, "instance of ");
        strbuf_append(b, o->name);
        strbuf_append_c(b, '\n');
        append_indent(b, indent);
        strbuf_append(b, "{\n");
        for (size_t i = 0; i < o->n_props; i++) {
                const CimProperty *p = &o->props[i];

                if (p->value.is_null)
                        continue;
                append_indent(b, indent + INDENT);
                strbuf_append(b, p->name);
                strbuf_append(b, " = ");
                append_value_mof(b, &p->value, indent + INDENT);
                strbuf_append(b, ";\n");
        }
        append_indent(b, indent);
        strbuf_append_c(b, '}');
}

static void append_object_mof(StrBuf *b, const lwmi_object *o, unsigned indent) {
        if (!o)
                strbuf_append(b, "NULL");
        else if (o->genus == CIM_GENUS_CLASS)
                append_class_mof(b, o, indent);
        else
                append_instance_mof(b, o, indent);
}

static int steal(StrBuf *b, char **ret) {
        char *s = strbuf_steal(b);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

_public_ int lwmi_value_to_mof(const lwmi_value *v, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        assert_return(v, -EINVAL);
        assert_return(ret, -EINVAL);

        strbuf_append(&b, "");
        append_value_mof(&b, v, 0);
        return steal(&b, ret);
}

_public_ int lwmi_object_to_mof(const lwmi_object *o, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        assert_return(o, -EINVAL);
        assert_return(ret, -EINVAL);

        append_object_mof(&b, o, 0);
        strbuf_append(&b, ";\n");
        return steal(&b, ret);
}

/* ---- text ---- */

static void append_value_text(StrBuf *b, const lwmi_value *v) {
        char dt[LWMI_DATETIME_STRING_MAX];
        char u[5];
        int l;

        if (v->is_null) {
                strbuf_append(b, "NULL");
                return;
        }
        if (LWMI_CIM_IS_ARRAY(v->type)) {
                strbuf_append_c(b, '{');
                for (size_t i = 0; i < v->u.array.n; i++) {
                        if (i > 0)
                                strbuf_append(b, ", ");
                        append_value_text(b, &v->u.array.items[i]);
                }
                strbuf_append_c(b, '}');
                return;
        }
        switch (v->type) {
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                strbuf_append(b, v->u.string);
                break;
        case LWMI_CIM_DATETIME:
                strbuf_append(b, lwmi_datetime_format(&v->u.datetime, dt));
                break;
        case LWMI_CIM_CHAR16:
                l = utf8_encode(v->u.char16, u);
                if (l < 0)
                        l = utf8_encode(0xFFFD, u);
                strbuf_append_n(b, u, (size_t) l);
                break;
        default:
                append_value_mof(b, v, 0);
                break;
        }
}

_public_ int lwmi_value_to_text(const lwmi_value *v, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        assert_return(v, -EINVAL);
        assert_return(ret, -EINVAL);

        strbuf_append(&b, "");
        append_value_text(&b, v);
        return steal(&b, ret);
}

/* ---- JSON ---- */

/**
 * cim_append_json_string() - append @s as a JSON string (RFC 8259).
 * @b: buffer
 * @s: UTF-8 text; invalid sequences are replaced by U+FFFD so that the
 *     output is always valid JSON
 */
void cim_append_json_string(StrBuf *b, const char *s) {
        size_t n = strlen(s);

        strbuf_append_c(b, '"');
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char) s[i];
                uint32_t cp;
                int l;

                if (c >= 0x80) {
                        l = utf8_decode(s + i, n - i, &cp);
                        if (l < 0) {
                                strbuf_append(b, "\\ufffd");
                                i++;
                        } else {
                                strbuf_append_n(b, s + i, (size_t) l);
                                i += (size_t) l;
                        }
                        continue;
                }
                switch (c) {
                case '"':
                        strbuf_append(b, "\\\"");
                        break;
                case '\\':
                        strbuf_append(b, "\\\\");
                        break;
                case '\n':
                        strbuf_append(b, "\\n");
                        break;
                case '\t':
                        strbuf_append(b, "\\t");
                        break;
                case '\r':
                        strbuf_append(b, "\\r");
                        break;
                case '\b':
                        strbuf_append(b, "\\b");
                        break;
                case '\f':
                        strbuf_append(b, "\\f");
                        break;
                default:
                        if (c < 0x20)
                                strbuf_printf(b, "\\u%04x", c);
                        else
                                strbuf_append_c(b, (char) c);
                }
                i++;
        }
        strbuf_append_c(b, '"');
}

static void append_object_json(StrBuf *b, const lwmi_object *o);

/**
 * cim_append_value_json() - append @v as JSON.
 * @b: buffer
 * @v: the value (NaN and infinities become null)
 */
void cim_append_value_json(StrBuf *b, const lwmi_value *v) {
        char dt[LWMI_DATETIME_STRING_MAX];
        char u[5];
        int l;

        if (v->is_null) {
                strbuf_append(b, "null");
                return;
        }
        if (LWMI_CIM_IS_ARRAY(v->type)) {
                strbuf_append_c(b, '[');
                for (size_t i = 0; i < v->u.array.n; i++) {
                        if (i > 0)
                                strbuf_append_c(b, ',');
                        cim_append_value_json(b, &v->u.array.items[i]);
                }
                strbuf_append_c(b, ']');
                return;
        }
        switch (v->type) {
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                if (!isfinite(v->u.real))
                        strbuf_append(b, "null");
                else
                        cim_append_real(b, v->u.real, v->type == LWMI_CIM_REAL32);
                break;
        case LWMI_CIM_BOOLEAN:
                strbuf_append(b, v->u.boolean ? "true" : "false");
                break;
        case LWMI_CIM_CHAR16:
                l = utf8_encode(v->u.char16, u);
                if (l < 0)
                        l = utf8_encode(0xFFFD, u);
                u[l] = 0;
                cim_append_json_string(b, u);
                break;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                cim_append_json_string(b, v->u.string);
                break;
        case LWMI_CIM_DATETIME:
                cim_append_json_string(b, lwmi_datetime_format(&v->u.datetime, dt));
                break;
        case LWMI_CIM_OBJECT:
                append_object_json(b, v->u.object);
                break;
        case LWMI_CIM_EMPTY:
                strbuf_append(b, "null");
                break;
        default:
                /* integers: the same text as MOF */
                append_value_mof(b, v, 0);
                break;
        }
}

static void append_json_member(StrBuf *b, bool *first, const char *name) {
        if (!*first)
                strbuf_append_c(b, ',');
        *first = false;
        cim_append_json_string(b, name);
        strbuf_append_c(b, ':');
}

static void append_object_json(StrBuf *b, const lwmi_object *o) {
        bool first = true;

        if (!o) {
                strbuf_append(b, "null");
                return;
        }
        strbuf_append_c(b, '{');
        append_json_member(b, &first, "__CLASS");
        cim_append_json_string(b, o->name);
        if (o->genus == CIM_GENUS_CLASS) {
                append_json_member(b, &first, "__SUPERCLASS");
                if (o->superclass)
                        cim_append_json_string(b, o->superclass);
                else
                        strbuf_append(b, "null");
        } else {
                _cleanup_free_ char *path = NULL;
                int r;

                append_json_member(b, &first, "__PATH");
                r = lwmi_object_get_path(o, false, &path);
                if (r == -ENOMEM)
                        b->oom = true;
                if (r < 0)
                        strbuf_append(b, "null");
                else
                        cim_append_json_string(b, path);
        }
        for (size_t i = 0; i < o->n_props; i++) {
                append_json_member(b, &first, o->props[i].name);
                cim_append_value_json(b, &o->props[i].value);
        }
        strbuf_append_c(b, '}');
}

_public_ int lwmi_value_to_json(const lwmi_value *v, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        assert_return(v, -EINVAL);
        assert_return(ret, -EINVAL);

        strbuf_append(&b, "");
        cim_append_value_json(&b, v);
        return steal(&b, ret);
}

_public_ int lwmi_object_to_json(const lwmi_object *o, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        assert_return(o, -EINVAL);
        assert_return(ret, -EINVAL);

        append_object_json(&b, o);
        return steal(&b, ret);
}
