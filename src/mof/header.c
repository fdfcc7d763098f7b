/* SPDX-License-Identifier: MIT */
/*
 * C header output for the WMI classes of a MOF file, in the format of
 * `wmimofck -h -m` (docs/data-block-layout.md, spec section 3).
 *
 * Format (one section per class with the WMI qualifier, in MOF order):
 *
 *   #ifndef _<base>_h_                include guard from the output base name
 *   #define _<base>_h_
 *   <preamble>                        Linux typedefs, see below
 *
 *   // <Class> - <HeaderName or Class>
 *   // <Description>                  when the class has one
 *   <cpp_quote text>                  class cpp_quote qualifier, verbatim
 *   #define <GuidName1 or Class"Guid"> \
 *       { 0x%08x,0x%04x,0x%04x, { 0x%02x,... } }
 *
 *   #if ! (defined(MIDL_PASS))
 *   DEFINE_GUID(<Class>_GUID, \
 *               0x%08x,0x%04x,0x%04x,0x%02x,...);
 *   #endif
 *
 *   //                                 when the class has methods
 *   // Method id definitions for <Class>
 *   #define <Method>     <WmiMethodId>
 *   typedef struct _<Method>_IN {...} <Method>_IN, *P<Method>_IN;   (-m, [in] params)
 *   #define <Method>_IN_SIZE (...)                                   (fixed size only)
 *   ... the same for _OUT
 *
 *   typedef struct _<S>               S = HeaderName or class name
 *   {
 *       // <Description or empty>
 *       <CTYPE> <Name>;               in WmiDataId order
 *       #define <S>_<Name>_SIZE sizeof(<CTYPE>)     fixed-size items only
 *       #define <S>_<Name>_ID <WmiDataId>
 *
 *   } <S>, *P<S>;
 *
 *   #define <S>_SIZE (FIELD_OFFSET(<S>, <Last>) + <S>_<Last>_SIZE)   fixed-size classes
 *
 * Types: boolean BOOLEAN, uint8 UCHAR, sint8 CHAR, uint16 USHORT, sint16 SHORT,
 * uint32 ULONG, sint32 LONG, uint64 ULONGLONG, sint64 LONGLONG, datetime
 * WCHAR x[25], embedded class its struct name, fixed arrays T x[n]; lwmi
 * extensions: char16 WCHAR, real32 FLOAT, real64 DOUBLE. Variable items: a
 * WmiSizeIs array T x[1], a string array WCHAR x[1], a plain string
 * CHAR VariableData[1], each with only its _ID define; a struct that ends in
 * one gets no <S>_SIZE. A class whose variable item is not its last, or that
 * has no data items, gets "// Warning: Header for class <C> cannot be
 * created" and a one-member struct (named <S>). DefineValues with Values /
 * ValueMap put "// <Value>" / "#define <DefineValue> <ValueMap or index>"
 * lines before the member. WmiGenerateHeader(FALSE) leaves a class out.
 * cpp_quote text (top-level statement, or class, property or method
 * qualifier) is copied verbatim: top-level where it stands, a class's after
 * its banner, a property's before its member, a method's before its #define.
 *
 * Alignment (lwmi addition): the C struct must place every member where the
 * block has it. Two things can break that: a trailing string's
 * CHAR VariableData[1] lands on the first free byte, not on the 2-aligned
 * count, and a struct whose last member or warning form is weaker-aligned than
 * its block is embedded in another one. Only then is LWMI_WMI_ALIGN(n) added
 * to that member (or to the first member of an embedded struct); headers that
 * do not need it are unchanged.
 *
 * Preamble (lwmi addition, so that the header compiles on Linux by itself):
 * LWMI_WMI_ALIGN(n) / LWMI_WMI_UNUSED (GNU attributes) unless defined, then
 * under "#ifndef LWMI_WMI_TYPES_DEFINED" the Windows integer types from
 * <stdint.h> (64-bit ones aligned to 8 as MSVC does, also on i386), then
 * FIELD_OFFSET as offsetof and, unless defined, DEFINE_GUID producing a
 * "static const" GUID struct with the layout of lwmi_guid (lwmi_guid itself
 * when <lwmi/common.h> was included first).
 */
#include "mof/header.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"

static const char preamble[] =
        "// Windows types of the WMI data blocks (lwmi: for gcc / clang on Linux)\n"
        "#include <stddef.h>\n"
        "#include <stdint.h>\n"
        "#ifndef LWMI_WMI_ALIGN\n"
        "#if defined(__GNUC__) || defined(__clang__)\n"
        "#define LWMI_WMI_ALIGN(n) __attribute__((aligned(n)))\n"
        "#define LWMI_WMI_UNUSED __attribute__((unused))\n"
        "#else\n"
        "#define LWMI_WMI_ALIGN(n)\n"
        "#define LWMI_WMI_UNUSED\n"
        "#endif\n"
        "#endif\n"
        "\n"
        "#ifndef LWMI_WMI_TYPES_DEFINED\n"
        "#define LWMI_WMI_TYPES_DEFINED\n"
        "typedef uint8_t BOOLEAN;\n"
        "typedef uint8_t UCHAR;\n"
        "typedef int8_t CHAR;\n"
        "typedef uint16_t USHORT;\n"
        "typedef int16_t SHORT;\n"
        "typedef uint32_t ULONG;\n"
        "typedef int32_t LONG;\n"
        "typedef uint64_t ULONGLONG LWMI_WMI_ALIGN(8);\n"
        "typedef int64_t LONGLONG LWMI_WMI_ALIGN(8);\n"
        "typedef uint16_t WCHAR;\n"
        "typedef float FLOAT;\n"
        "typedef double DOUBLE LWMI_WMI_ALIGN(8);\n"
        "#endif\n"
        "\n"
        "#ifndef FIELD_OFFSET\n"
        "#define FIELD_OFFSET(type, field) offsetof(type, field)\n"
        "#endif\n"
        "\n"
        "#ifndef DEFINE_GUID\n"
        "#if !defined(LWMI_COMMON_H) && defined(__has_include)\n"
        "#if __has_include(<lwmi/common.h>)\n"
        "#include <lwmi/common.h>\n"
        "#endif\n"
        "#endif\n"
        "#ifdef LWMI_COMMON_H\n"
        "#define LWMI_WMI_GUID lwmi_guid\n"
        "#else\n"
        "typedef struct lwmi_wmi_guid {\n"
        "    uint32_t data1;\n"
        "    uint16_t data2;\n"
        "    uint16_t data3;\n"
        "    uint8_t data4[8];\n"
        "} lwmi_wmi_guid;\n"
        "#define LWMI_WMI_GUID lwmi_wmi_guid\n"
        "#endif\n"
        "#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \\\n"
        "    static const LWMI_WMI_GUID name LWMI_WMI_UNUSED = \\\n"
        "        { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }\n"
        "#endif\n"
        "\n";

typedef struct Emitter {
        const MofResult *r;
        const MofHeaderOptions *opts;
        StrBuf out;
        char **reterr_message;
} Emitter;

static const CimQualifier *local_qual(const CimQualifierSet *s, const char *name) {
        const CimQualifier *q = cim_qualifier_set_find(s, name);

        if (!q || (q->flavor & LWMI_FLAVOR_PROPAGATED))
                return NULL;
        return q;
}

static const char *qual_str(const CimQualifier *q) {
        if (!q || q->value.is_null || q->value.type != LWMI_CIM_STRING)
                return NULL;
        return q->value.u.string;
}

/* A qualifier holding FALSE (boolean FALSE, integer 0, or the text "FALSE"). */
static bool qual_is_false(const CimQualifier *q) {
        const lwmi_value *v = &q->value;

        if (v->is_null || LWMI_CIM_IS_ARRAY(v->type))
                return false;
        switch (v->type) {
        case LWMI_CIM_BOOLEAN:
                return !v->u.boolean;
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                return v->u.sint == 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                return v->u.uint == 0;
        case LWMI_CIM_STRING:
                return lwmi_name_eq(v->u.string, "FALSE") || strcmp(v->u.string, "0") == 0;
        default:
                return false;
        }
}

/**
 * mof_header_struct_name() - the C struct name of a class.
 * @cls: the class
 *
 * Return: its HeaderName qualifier, else its name (borrowed).
 */
const char *mof_header_struct_name(const lwmi_object *cls) {
        const char *h = qual_str(local_qual(&cls->quals, "HeaderName"));

        return h && lwmi_name_is_valid(h) ? h : cls->name;
}

/**
 * mof_header_class_emitted() - whether the header has a section for a class.
 * @cls: the class
 *
 * Return: true for a class with the WMI qualifier (own or inherited) that has
 * a guid or WmiDataId items, unless it carries WmiGenerateHeader(FALSE).
 */
bool mof_header_class_emitted(const lwmi_object *cls) {
        const CimQualifier *q;

        if (!cls || cls->genus != CIM_GENUS_CLASS || !cls->name)
                return false;
        q = cim_qualifier_set_find(&cls->quals, "WMI");
        if (!q || qual_is_false(q))
                return false;
        q = local_qual(&cls->quals, "WmiGenerateHeader");
        if (q && qual_is_false(q))
                return false;
        if (local_qual(&cls->quals, "guid"))
                return true;
        for (size_t i = 0; i < cls->n_props; i++)
                if (cim_qualifier_set_find(&cls->props[i].quals, "WmiDataId"))
                        return true;
        return false;
}

/**
 * mof_header_layout_representable() - whether a layout gets a real struct.
 * @l: the layout
 *
 * Return: true when @l has items and only its last item may be variable-size.
 */
bool mof_header_layout_representable(const BlockLayout *l) {
        if (!l || l->n_items == 0)
                return false;
        for (size_t i = 0; i + 1 < l->n_items; i++)
                if (!l->items[i].fixed)
                        return false;
        return l->items[l->n_items - 1].offset_known;
}

/* Appends @s as a one-line comment body: line breaks become spaces, no trailing backslash. */
static void append_comment_text(StrBuf *b, const char *s) {
        size_t start = b->len;

        for (; s && *s; s++)
                strbuf_append_c(b, *s == '\n' || *s == '\r' ? ' ' : *s);
        while (b->len > start && (b->s[b->len - 1] == '\\' || b->s[b->len - 1] == ' '))
                strbuf_truncate(b, b->len - 1);
}

static void append_cpp_quote(StrBuf *b, const CimQualifierSet *quals) {
        const CimQualifier *q = local_qual(quals, "cpp_quote");
        const lwmi_value *v;

        if (!q || q->value.is_null)
                return;
        v = &q->value;
        if (v->type == LWMI_CIM_STRING) {
                strbuf_append(b, v->u.string);
                if (!*v->u.string || v->u.string[strlen(v->u.string) - 1] != '\n')
                        strbuf_append_c(b, '\n');
        } else if (v->type == (LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY)) {
                for (size_t i = 0; i < v->u.array.n; i++)
                        if (!v->u.array.items[i].is_null)
                                strbuf_append(b, v->u.array.items[i].u.string);
                strbuf_append_c(b, '\n');
        }
}

static const char *ctype_name(const BlockItem *it) {
        switch (it->type) {
        case LWMI_CIM_BOOLEAN:
                return "BOOLEAN";
        case LWMI_CIM_UINT8:
                return "UCHAR";
        case LWMI_CIM_SINT8:
                return "CHAR";
        case LWMI_CIM_UINT16:
                return "USHORT";
        case LWMI_CIM_SINT16:
                return "SHORT";
        case LWMI_CIM_UINT32:
                return "ULONG";
        case LWMI_CIM_SINT32:
                return "LONG";
        case LWMI_CIM_UINT64:
                return "ULONGLONG";
        case LWMI_CIM_SINT64:
                return "LONGLONG";
        case LWMI_CIM_CHAR16:
        case LWMI_CIM_STRING:
        case LWMI_CIM_DATETIME:
                return "WCHAR";
        case LWMI_CIM_REAL32:
                return "FLOAT";
        case LWMI_CIM_REAL64:
                return "DOUBLE";
        case LWMI_CIM_OBJECT:
                return it->embedded && it->embedded->cls ? mof_header_struct_name(it->embedded->cls)
                                                         : it->embedded_class;
        default:
                return "UCHAR";
        }
}

/* The integer text of a ValueMap entry, or NULL when it is not a plain C integer. */
static bool is_c_integer(const char *s) {
        if (*s == '-' || *s == '+')
                s++;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                if (!s[2])
                        return false;
                for (s += 2; *s; s++)
                        if (!strchr("0123456789abcdefABCDEF", *s))
                                return false;
                return true;
        }
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static const lwmi_value *string_array_qual(const CimQualifierSet *quals, const char *name) {
        const CimQualifier *q = cim_qualifier_set_find(quals, name);

        if (!q || q->value.is_null || q->value.type != (LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY))
                return NULL;
        return &q->value;
}

/* DefineValues: a blank line, then "// <Values[i]>" and "#define <Define[i]> <ValueMap[i] or i>".
 */
static void append_define_values(StrBuf *b, const CimQualifierSet *quals) {
        const lwmi_value *defs = string_array_qual(quals, "DefineValues");
        const lwmi_value *vals = string_array_qual(quals, "Values");
        const lwmi_value *map = string_array_qual(quals, "ValueMap");

        if (!defs || defs->u.array.n == 0)
                return;
        strbuf_append_c(b, '\n');
        for (size_t i = 0; i < defs->u.array.n; i++) {
                const lwmi_value *d = &defs->u.array.items[i];
                const char *mv = NULL;

                if (d->is_null || !lwmi_name_is_valid(d->u.string))
                        continue;
                if (map && i < map->u.array.n && !map->u.array.items[i].is_null) {
                        mv = map->u.array.items[i].u.string;
                        if (!is_c_integer(mv))
                                continue;
                }
                if (vals && i < vals->u.array.n && !vals->u.array.items[i].is_null) {
                        strbuf_append(b, "// ");
                        append_comment_text(b, vals->u.array.items[i].u.string);
                        strbuf_append_c(b, '\n');
                }
                if (mv)
                        strbuf_printf(b, "#define %s %s\n", d->u.string, mv);
                else
                        strbuf_printf(b, "#define %s %zu\n", d->u.string, i);
        }
        strbuf_append_c(b, '\n');
}

/* " LWMI_WMI_ALIGN(n)" when @n > 1, else "". */
static void append_align(StrBuf *b, size_t n) {
        if (n > 1)
                strbuf_printf(b, " LWMI_WMI_ALIGN(%zu)", n);
}

static void append_warning_struct(StrBuf *b, const char *class_name, const char *s, size_t align) {
        strbuf_printf(b, "// Warning: Header for class %s cannot be created\n", class_name);
        strbuf_printf(b, "typedef struct _%s\n{\n    char VariableData[1]", s);
        append_align(b, align);
        strbuf_printf(b, ";\n\n} %s, *P%s;\n\n", s, s);
}

/*
 * One struct: @s its name, @l its layout, @quals[i] the qualifiers of item i
 * (property or parameter). @warn_name is the class named by the warning form.
 *
 * @embedded: the struct is used by other structs, so its C alignment must be
 * the block's. The C members have the alignment of their items except the
 * CHAR VariableData[1] of a trailing string (1, where the string needs 2) and
 * the warning form; LWMI_WMI_ALIGN(n) then raises it (on the first member, so
 * no offset moves). A trailing string whose real offset is past the first free
 * byte gets LWMI_WMI_ALIGN(2) itself, so that FIELD_OFFSET finds its count.
 * Neither appears in headers without odd-sized items before a string.
 */
static void append_struct(StrBuf *b, const char *s, const BlockLayout *l,
                          const CimQualifierSet *const *quals, const char *warn_name,
                          bool embedded) {
        const BlockItem *last;
        size_t c_align = 1, end = 0;

        if (!mof_header_layout_representable(l)) {
                append_warning_struct(b, warn_name, s, embedded ? l->align : 1);
                return;
        }
        last = &l->items[l->n_items - 1];
        for (size_t i = 0; i + 1 < l->n_items; i++)
                c_align = MAX(c_align, l->items[i].align);
        if (l->n_items > 1)
                end = l->items[l->n_items - 2].offset + l->items[l->n_items - 2].size;
        if (last->type == LWMI_CIM_STRING && last->array == BLOCK_SCALAR && last->offset == end)
                ; /* CHAR VariableData[1] lands on the count by itself */
        else
                c_align = MAX(c_align, last->align);
        strbuf_printf(b, "typedef struct _%s\n{\n", s);
        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];
                const char *ct = ctype_name(it);
                const char *desc =
                        quals[i] ? qual_str(cim_qualifier_set_find(quals[i], "Description")) : NULL;
                bool dt = it->type == LWMI_CIM_DATETIME;

                if (quals[i]) {
                        append_cpp_quote(b, quals[i]);
                        append_define_values(b, quals[i]);
                }
                strbuf_append(b, "    // ");
                append_comment_text(b, desc);
                strbuf_append_c(b, '\n');
                size_t raise = i == 0 && embedded && c_align < l->align ? l->align : 1;

                if (!it->fixed) {
                        /* Variable-size last item: only its id (spec 3.7). */
                        if (it->type == LWMI_CIM_STRING && it->array == BLOCK_SCALAR) {
                                strbuf_append(b, "    CHAR VariableData[1]");
                                raise = MAX(raise, it->offset != end ? it->align : 1);
                        } else if (it->type == LWMI_CIM_STRING)
                                strbuf_printf(b, "    WCHAR %s[1]", it->name);
                        else if (it->type == LWMI_CIM_OBJECT && it->array == BLOCK_SCALAR)
                                strbuf_printf(b, "    %s %s", ct, it->name);
                        else
                                strbuf_printf(b, "    %s %s[1]%s", ct, it->name, dt ? "[25]" : "");
                        append_align(b, raise);
                        strbuf_printf(b, ";\n    #define %s_%s_ID %u\n\n", s, it->name,
                                      it->data_id);
                        continue;
                }
                if (it->array == BLOCK_ARRAY_FIXED) {
                        strbuf_printf(b, "    %s %s[%u]%s", ct, it->name, it->count,
                                      dt ? "[25]" : "");
                        append_align(b, raise);
                        strbuf_append(b, ";\n");
                        strbuf_printf(b, "    #define %s_%s_SIZE sizeof(%s[%u]%s)\n", s, it->name,
                                      ct, it->count, dt ? "[25]" : "");
                } else if (dt) {
                        strbuf_printf(b, "    WCHAR %s[25]", it->name);
                        append_align(b, raise);
                        strbuf_append(b, ";\n");
                        strbuf_printf(b, "    #define %s_%s_SIZE sizeof(WCHAR[25])\n", s, it->name);
                } else {
                        strbuf_printf(b, "    %s %s", ct, it->name);
                        append_align(b, raise);
                        strbuf_append(b, ";\n");
                        strbuf_printf(b, "    #define %s_%s_SIZE sizeof(%s)\n", s, it->name, ct);
                }
                strbuf_printf(b, "    #define %s_%s_ID %u\n\n", s, it->name, it->data_id);
        }
        strbuf_printf(b, "} %s, *P%s;\n\n", s, s);
        if (l->fixed)
                strbuf_printf(b, "#define %s_SIZE (FIELD_OFFSET(%s, %s) + %s_%s_SIZE)\n\n", s, s,
                              last->name, s, last->name);
}

static lwmi_object *emitter_lookup(void *userdata, const char *class_name) {
        Emitter *e = userdata;
        lwmi_object *o = mof_result_find_class(e->r, class_name);

        if (o)
                return lwmi_object_ref(o);
        if (e->opts && e->opts->lookup)
                return e->opts->lookup(e->opts->userdata, class_name);
        return NULL;
}

static int fail_with(Emitter *e, int r, char *msg) {
        if (e->reterr_message && !*e->reterr_message)
                *e->reterr_message = msg;
        else
                free(msg);
        return r;
}

static bool property_embeds(const CimProperty *p, const char *name) {
        return LWMI_CIM_BASE(p->type) == LWMI_CIM_OBJECT && p->ref_class &&
               lwmi_name_eq(p->ref_class, name);
}

/* Whether some class of @r has an item or parameter of embedded class @name. */
static bool class_is_embedded(const MofResult *r, const char *name) {
        for (size_t i = 0; i < r->n_items; i++) {
                const lwmi_object *o = r->items[i].object;

                if (r->items[i].kind != MOF_ITEM_CLASS || !o)
                        continue;
                for (size_t k = 0; k < o->n_props; k++)
                        if (property_embeds(&o->props[k], name))
                                return true;
                for (size_t m = 0; m < o->n_methods; m++)
                        for (size_t k = 0; k < o->methods[m].n_params; k++)
                                if (property_embeds(&o->methods[m].params[k], name))
                                        return true;
        }
        return false;
}

static int append_method(Emitter *e, const lwmi_object *cls, const CimMethod *m) {
        uint64_t id = 0;
        const CimQualifier *q = cim_qualifier_set_find(&m->quals, "WmiMethodId");

        if (!q || q->value.is_null)
                return 0;
        if (q->value.type == LWMI_CIM_UINT8 || q->value.type == LWMI_CIM_UINT16 ||
            q->value.type == LWMI_CIM_UINT32 || q->value.type == LWMI_CIM_UINT64)
                id = q->value.u.uint;
        else if (q->value.type == LWMI_CIM_SINT8 || q->value.type == LWMI_CIM_SINT16 ||
                 q->value.type == LWMI_CIM_SINT32 || q->value.type == LWMI_CIM_SINT64)
                id = (uint64_t) q->value.u.sint;
        else
                return 0;

        append_cpp_quote(&e->out, &m->quals);
        strbuf_printf(&e->out, "#define %s     %llu\n", m->name, (unsigned long long) id);
        if (e->opts && !e->opts->method_structs)
                return 0;
        for (int dir = 0; dir < 2; dir++) {
                _cleanup_(block_layout_freep) BlockLayout *l = NULL;
                _cleanup_free_ const CimQualifierSet **quals = NULL;
                _cleanup_free_ char *name = NULL, *msg = NULL;
                int r;

                r = block_layout_compute_method(cls, m->name, dir == 1, emitter_lookup, e, &l,
                                                &msg);
                if (r < 0)
                        return fail_with(e, r, TAKE_PTR(msg));
                if (l->n_items == 0)
                        continue;
                quals = calloc(l->n_items, sizeof(*quals));
                if (asprintf(&name, "%s_%s", m->name, dir ? "OUT" : "IN") < 0)
                        name = NULL;
                if (!quals || !name)
                        return -ENOMEM;
                for (size_t i = 0; i < l->n_items; i++) {
                        const CimProperty *p = cim_method_find_param(m, l->items[i].name);
                        quals[i] = p ? &p->quals : NULL;
                }
                append_struct(&e->out, name, l, quals, name, false);
        }
        return 0;
}

static int append_class(Emitter *e, const lwmi_object *cls) {
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_free_ const CimQualifierSet **quals = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *s = mof_header_struct_name(cls);
        const char *desc = qual_str(local_qual(&cls->quals, "Description"));
        const char *guid = qual_str(local_qual(&cls->quals, "guid"));
        const char *gname = qual_str(local_qual(&cls->quals, "GuidName1"));
        StrBuf *b = &e->out;
        bool any_method = false;
        int r;

        r = block_layout_compute(cls, emitter_lookup, e, &l, &msg);
        if (r < 0)
                return fail_with(e, r, TAKE_PTR(msg));

        strbuf_printf(b, "// %s - %s\n", cls->name, s);
        if (desc) {
                strbuf_append(b, "// ");
                append_comment_text(b, desc);
                strbuf_append_c(b, '\n');
        }
        append_cpp_quote(b, &cls->quals);
        if (guid) {
                lwmi_guid g;
                char gs[160];

                if (lwmi_guid_parse(guid, &g) < 0) {
                        char *m = NULL;
                        if (asprintf(&m, "%s: invalid guid \"%s\"", cls->name, guid) < 0)
                                m = NULL;
                        return fail_with(e, -EINVAL, m);
                }
                snprintf(gs, sizeof(gs),
                         "0x%08x,0x%04x,0x%04x,0x%02x,0x%02x,0x%02x,0x%02x,"
                         "0x%02x,0x%02x,0x%02x,0x%02x",
                         g.data1, g.data2, g.data3, g.data4[0], g.data4[1], g.data4[2], g.data4[3],
                         g.data4[4], g.data4[5], g.data4[6], g.data4[7]);
                if (gname && lwmi_name_is_valid(gname))
                        strbuf_printf(b, "#define %s \\\n", gname);
                else
                        strbuf_printf(b, "#define %sGuid \\\n", cls->name);
                strbuf_printf(b,
                              "    { 0x%08x,0x%04x,0x%04x, { 0x%02x,0x%02x,0x%02x,0x%02x,0x%02x,"
                              "0x%02x,0x%02x,0x%02x } }\n\n",
                              g.data1, g.data2, g.data3, g.data4[0], g.data4[1], g.data4[2],
                              g.data4[3], g.data4[4], g.data4[5], g.data4[6], g.data4[7]);
                strbuf_printf(
                        b,
                        "#if ! (defined(MIDL_PASS))\nDEFINE_GUID(%s_GUID, \\\n            %s);\n"
                        "#endif\n\n",
                        cls->name, gs);
        }

        for (size_t i = 0; i < cls->n_methods; i++) {
                if (!cim_qualifier_set_find(&cls->methods[i].quals, "WmiMethodId"))
                        continue;
                if (!any_method)
                        strbuf_printf(b, "//\n// Method id definitions for %s\n", cls->name);
                any_method = true;
                r = append_method(e, cls, &cls->methods[i]);
                if (r < 0)
                        return r;
        }
        strbuf_append_c(b, '\n');

        quals = calloc(MAX(l->n_items, (size_t) 1), sizeof(*quals));
        if (!quals)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_items; i++) {
                const CimProperty *p = cim_object_find_property(cls, l->items[i].name);
                quals[i] = p ? &p->quals : NULL;
        }
        append_struct(b, s, l, quals, cls->name, class_is_embedded(e->r, cls->name));
        return b->oom ? -ENOMEM : 0;
}

/* "_<base>_h_" from an output file name: folder and extension dropped. */
static void append_guard(StrBuf *b, const char *name) {
        const char *base, *dot;
        size_t n;

        if (!name || !*name)
                name = "wmidata";
        base = strrchr(name, '/');
        base = base ? base + 1 : name;
        dot = strrchr(base, '.');
        n = dot && dot != base ? (size_t) (dot - base) : strlen(base);
        strbuf_append_c(b, '_');
        for (size_t i = 0; i < n; i++) {
                char c = base[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_';
                strbuf_append_c(b, ok ? c : '_');
        }
        strbuf_append(b, "_h_");
}

/**
 * mof_header_emit() - write the C header for the WMI classes of a compiled MOF file.
 * @r: the compilation result
 * @opts: options, or NULL for the defaults
 * @out: where to write; nothing is written when a class fails
 * @reterr_message: optional, a malloc'ed description on -EINVAL
 *
 * Return: 0, -EINVAL, -ENOMEM, -EIO.
 */
int mof_header_emit(const MofResult *r, const MofHeaderOptions *opts, FILE *out,
                    char **reterr_message) {
        MofHeaderOptions defaults = { .method_structs = true };
        Emitter e = { .r = r,
                      .opts = opts ? opts : &defaults,
                      .out = STRBUF_INIT,
                      .reterr_message = reterr_message };
        _cleanup_strbuf_ StrBuf guard = STRBUF_INIT;
        int ret = 0;

        if (reterr_message)
                *reterr_message = NULL;
        if (!r || !out)
                return -EINVAL;
        append_guard(&guard, e.opts->guard_name);
        if (guard.oom)
                return -ENOMEM;
        strbuf_printf(&e.out, "#ifndef %s\n#define %s\n\n", strbuf_str(&guard), strbuf_str(&guard));
        if (!e.opts->no_preamble)
                strbuf_append(&e.out, preamble);
        for (size_t i = 0; i < r->n_items && ret >= 0; i++) {
                const MofItem *it = &r->items[i];

                if (it->kind == MOF_ITEM_CPP_QUOTE && it->text) {
                        /* Top-level cpp_quote("..."): copied where it stands. */
                        strbuf_append(&e.out, it->text);
                        if (!*it->text || it->text[strlen(it->text) - 1] != '\n')
                                strbuf_append_c(&e.out, '\n');
                        continue;
                }
                if (it->kind != MOF_ITEM_CLASS || !mof_header_class_emitted(it->object))
                        continue;
                ret = append_class(&e, it->object);
        }
        strbuf_append(&e.out, "#endif\n");
        if (ret >= 0 && e.out.oom)
                ret = -ENOMEM;
        if (ret >= 0 && (fwrite(e.out.s, 1, e.out.len, out) != e.out.len || fflush(out) != 0))
                ret = -EIO;
        strbuf_deinit(&e.out);
        return ret;
}
