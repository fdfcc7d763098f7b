/* SPDX-License-Identifier: MIT */
/*
 * MOF compiler: syntax tree to lwmi_object classes and instances, with the
 * semantic checks of DSP0004 and of WMI driver classes (spec items 77-80).
 *
 * The tree of mof-parse.c keeps every position, so each check reports the
 * offending token. Nodes are compiled in file order; a class can only use
 * classes declared before it (or found by the caller's lookup). Alias
 * references may point forward: they are recorded as fixups and filled in
 * once every instance exists. A node with an error is dropped and the next
 * one is compiled, so one run reports every independent problem.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/object.h"
#include "mof/mof-ast.h"
#include "mof/mof-cpp.h"
#include "mof/mof-diag.h"
#include "mof/mof-parse.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

typedef struct AliasFixup {
        lwmi_object *inst; /* borrowed from the result */
        char *property;    /* arena */
        size_t index;      /* element for arrays, SIZE_MAX for scalars */
        const char *alias; /* arena */
        MofPos pos;
} AliasFixup;

typedef struct Compiler {
        const MofOptions *opts;
        MofDiagList *diags;
        unsigned n_errors;
        bool oom;
        MofArena arena;
        MofAst ast;
        MofResult *res;
        AliasFixup *fixups;
        size_t n_fixups;
        size_t alloc_fixups;
        const MofNode *cur; /* the node being compiled */
} Compiler;

_printf_(3, 4) static void cerror(Compiler *c, const MofPos *pos, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (mof_diag_addv(c->diags, pos->file, pos->line, pos->col, false, fmt, ap) < 0)
                c->oom = true;
        va_end(ap);
        c->n_errors++;
}

static bool too_many_errors(const Compiler *c) {
        unsigned max = c->opts && c->opts->max_errors ? c->opts->max_errors : 50;

        return c->oom || c->n_errors >= max;
}

/* ------------------------------------------------------------------------- */
/* Results                                                                    */
/* ------------------------------------------------------------------------- */

static void mof_item_deinit(MofItem *it) {
        free(it->namespace_);
        lwmi_object_unref(it->object);
        free(it->qualifier.name);
        lwmi_value_clear(&it->qualifier.default_value);
        free(it->target);
        free(it->alias);
        free(it->file);
        free(it->text);
}

MofResult *mof_result_free(MofResult *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_items; i++)
                mof_item_deinit(&r->items[i]);
        free(r->items);
        free(r->locale);
        free(r);
        return NULL;
}

lwmi_object *mof_result_find_class(const MofResult *r, const char *class_name) {
        for (size_t i = 0; r && i < r->n_items; i++) {
                const MofItem *it = &r->items[i];

                if (it->kind == MOF_ITEM_CLASS &&
                    lwmi_name_eq(lwmi_object_get_class_name(it->object), class_name))
                        return it->object;
        }
        return NULL;
}

/* Appends an item for the current node; the caller fills the kind-specific fields. */
static MofItem *item_add(Compiler *c, MofItemKind kind) {
        MofResult *r = c->res;
        const MofNode *n = c->cur;
        MofItem *it;
        int k;

        if (GROW(r->items, r->alloc_items, r->n_items + 1) < 0) {
                c->oom = true;
                return NULL;
        }
        it = &r->items[r->n_items];
        *it = (MofItem){
                .kind = kind,
                .class_flags = n->class_flags,
                .line = n->pos.line,
                .col = n->pos.col,
                .resolved = true,
        };
        it->file = strdup(n->pos.file);
        k = lwmi_namespace_normalize(n->namespace_, &it->namespace_);
        if (k < 0)
                it->namespace_ = strdup(n->namespace_);
        if (!it->file || !it->namespace_) {
                mof_item_deinit(it);
                c->oom = true;
                return NULL;
        }
        r->n_items++;
        return it;
}

/* An earlier item of @kind named @name in namespace @ns (classes: by class name). */
static MofItem *find_item(Compiler *c, MofItemKind kind, const char *ns, const char *name) {
        _cleanup_free_ char *canon = NULL;

        if (lwmi_namespace_normalize(ns, &canon) < 0)
                return NULL;
        for (size_t i = 0; i < c->res->n_items; i++) {
                MofItem *it = &c->res->items[i];

                if (it->kind != kind || !lwmi_name_eq(it->namespace_, canon))
                        continue;
                if (kind == MOF_ITEM_CLASS &&
                    lwmi_name_eq(lwmi_object_get_class_name(it->object), name))
                        return it;
                if (kind == MOF_ITEM_INSTANCE && it->alias && lwmi_name_eq(it->alias, name))
                        return it;
                if (kind == MOF_ITEM_QUALIFIER_DECL && lwmi_name_eq(it->qualifier.name, name))
                        return it;
        }
        return NULL;
}

static const MofNode *find_class_node_after(Compiler *c, const MofNode *from, const char *name) {
        for (const MofNode *n = from + 1; n < c->ast.nodes + c->ast.n_nodes; n++)
                if (n->kind == MOF_NODE_CLASS && lwmi_name_eq(n->u.cls.name, name))
                        return n;
        return NULL;
}

/* ------------------------------------------------------------------------- */
/* Values                                                                     */
/* ------------------------------------------------------------------------- */

static const char *lit_kind_name(MofLitKind k) {
        switch (k) {
        case MOF_LIT_NULL:
                return "NULL";
        case MOF_LIT_BOOL:
                return "boolean";
        case MOF_LIT_INT:
                return "integer";
        case MOF_LIT_REAL:
                return "real";
        case MOF_LIT_STRING:
                return "string";
        case MOF_LIT_CHAR16:
                return "char16";
        case MOF_LIT_ARRAY:
                return "array";
        case MOF_LIT_ALIAS:
                return "alias";
        }
        return "value";
}

static bool int_in_range(const MofLit *l, lwmi_cimtype t) {
        uint64_t umax = 0;
        uint64_t smax = 0; /* magnitude limit of the positive side; negative side is smax + 1 */

        switch (t) {
        case LWMI_CIM_UINT8:
                umax = UINT8_MAX;
                break;
        case LWMI_CIM_UINT16:
                umax = UINT16_MAX;
                break;
        case LWMI_CIM_UINT32:
                umax = UINT32_MAX;
                break;
        case LWMI_CIM_UINT64:
                umax = UINT64_MAX;
                break;
        case LWMI_CIM_SINT8:
                smax = INT8_MAX;
                goto sig;
        case LWMI_CIM_SINT16:
                smax = INT16_MAX;
                goto sig;
        case LWMI_CIM_SINT32:
                smax = INT32_MAX;
                goto sig;
        case LWMI_CIM_SINT64:
                smax = INT64_MAX;
                goto sig;
        default:
                return false;
        }
        return !l->neg && l->u <= umax;
sig:
        return l->neg ? l->u <= smax + 1 : l->u <= smax;
}

static bool is_integer_type(lwmi_cimtype t) {
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

static bool is_signed_type(lwmi_cimtype t) {
        return t == LWMI_CIM_SINT8 || t == LWMI_CIM_SINT16 || t == LWMI_CIM_SINT32 ||
               t == LWMI_CIM_SINT64;
}

static int64_t lit_sint(const MofLit *l) {
        if (l->neg)
                return l->u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) l->u;
        return (int64_t) l->u;
}

/*
 * Converts scalar literal @l to base type @t (strictly, as a MOF default or
 * property value). Aliases are handled by the caller. @what names the target
 * for messages. Return: false after reporting an error.
 */
static bool scalar_to_value(Compiler *c, const MofLit *l, lwmi_cimtype t, const char *what,
                            lwmi_value *ret) {
        if (l->kind == MOF_LIT_NULL) {
                lwmi_value_set_null(ret, t);
                return true;
        }
        switch (t) {
        case LWMI_CIM_BOOLEAN:
                if (l->kind != MOF_LIT_BOOL)
                        break;
                lwmi_value_set_bool(ret, l->b);
                return true;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_SINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_UINT64:
        case LWMI_CIM_SINT64:
                if (l->kind != MOF_LIT_INT)
                        break;
                if (!int_in_range(l, t)) {
                        cerror(c, &l->pos, "value %s%" PRIu64 " out of range for %s %s",
                               l->neg ? "-" : "", l->u, lwmi_cimtype_name(t), what);
                        return false;
                }
                if (is_signed_type(t))
                        lwmi_value_set_sint(ret, t, lit_sint(l));
                else
                        lwmi_value_set_uint(ret, t, l->u);
                return true;
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                if (l->kind == MOF_LIT_REAL)
                        lwmi_value_set_real(ret, t, l->r);
                else if (l->kind == MOF_LIT_INT)
                        lwmi_value_set_real(ret, t, l->neg ? -(double) l->u : (double) l->u);
                else
                        break;
                return true;
        case LWMI_CIM_CHAR16:
                if (l->kind != MOF_LIT_CHAR16)
                        break;
                lwmi_value_set_char16(ret, l->c);
                return true;
        case LWMI_CIM_STRING:
                if (l->kind != MOF_LIT_STRING)
                        break;
                if (lwmi_value_set_string(ret, LWMI_CIM_STRING, l->s) < 0) {
                        c->oom = true;
                        return false;
                }
                return true;
        case LWMI_CIM_DATETIME: {
                lwmi_datetime dt;

                if (l->kind != MOF_LIT_STRING)
                        break;
                if (lwmi_datetime_parse(l->s, &dt) < 0) {
                        cerror(c, &l->pos, "invalid datetime \"%s\" for %s", l->s, what);
                        return false;
                }
                lwmi_value_set_datetime(ret, &dt);
                return true;
        }
        case LWMI_CIM_REFERENCE: {
                _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;

                if (l->kind != MOF_LIT_STRING)
                        break;
                if (lwmi_path_parse(l->s, &path) < 0) {
                        cerror(c, &l->pos, "invalid object path \"%s\" for %s", l->s, what);
                        return false;
                }
                if (lwmi_value_set_string(ret, LWMI_CIM_REFERENCE, l->s) < 0) {
                        c->oom = true;
                        return false;
                }
                return true;
        }
        case LWMI_CIM_OBJECT:
                cerror(c, &l->pos, "embedded object values are not supported (%s)", what);
                return false;
        default:
                break;
        }
        cerror(c, &l->pos, "%s value does not match type %s of %s", lit_kind_name(l->kind),
               lwmi_cimtype_name(t), what);
        return false;
}

static int fixup_add(Compiler *c, lwmi_object *inst, const char *prop, size_t index,
                     const MofLit *l) {
        AliasFixup *f;

        if (GROW(c->fixups, c->alloc_fixups, c->n_fixups + 1) < 0) {
                c->oom = true;
                return -ENOMEM;
        }
        f = &c->fixups[c->n_fixups++];
        *f = (AliasFixup){
                .inst = inst,
                .property = mof_arena_strdup(&c->arena, prop),
                .index = index,
                .alias = l->s,
                .pos = l->pos,
        };
        return 0;
}

/*
 * Converts literal @l to type @type (with LWMI_CIM_FLAG_ARRAY) for @what.
 * @inst/@prop: where an alias reference goes (NULL: aliases not allowed).
 */
static bool lit_to_value(Compiler *c, const MofLit *l, lwmi_cimtype type, int32_t array_size,
                         const char *what, lwmi_object *inst, const char *prop, lwmi_value *ret) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);

        if (l->kind == MOF_LIT_NULL) {
                lwmi_value_set_null(ret, type);
                return true;
        }
        if (LWMI_CIM_IS_ARRAY(type)) {
                if (l->kind != MOF_LIT_ARRAY) {
                        cerror(c, &l->pos, "%s value for array %s; expected {...}",
                               lit_kind_name(l->kind), what);
                        return false;
                }
                if (array_size > 0 && l->n_items > (size_t) array_size) {
                        cerror(c, &l->pos, "%zu values for %s, which holds %d", l->n_items, what,
                               (int) array_size);
                        return false;
                }
                if (lwmi_value_set_array(ret, base, l->n_items) < 0) {
                        c->oom = true;
                        return false;
                }
                for (size_t i = 0; i < l->n_items; i++) {
                        const MofLit *e = &l->items[i];

                        lwmi_value_clear(&ret->u.array.items[i]);
                        if (e->kind == MOF_LIT_ALIAS && base == LWMI_CIM_REFERENCE && inst) {
                                lwmi_value_set_null(&ret->u.array.items[i], base);
                                if (fixup_add(c, inst, prop, i, e) < 0)
                                        goto fail;
                                continue;
                        }
                        if (e->kind == MOF_LIT_ALIAS) {
                                cerror(c, &e->pos, "alias $%s is only valid for references", e->s);
                                goto fail;
                        }
                        if (!scalar_to_value(c, e, base, what, &ret->u.array.items[i]))
                                goto fail;
                }
                return true;
fail:
                lwmi_value_clear(ret);
                return false;
        }
        if (l->kind == MOF_LIT_ARRAY) {
                cerror(c, &l->pos, "array value for scalar %s", what);
                return false;
        }
        if (l->kind == MOF_LIT_ALIAS) {
                if (base != LWMI_CIM_REFERENCE || !inst) {
                        cerror(c, &l->pos, "alias $%s is only valid for references", l->s);
                        return false;
                }
                lwmi_value_set_null(ret, base);
                return fixup_add(c, inst, prop, SIZE_MAX, l) >= 0;
        }
        return scalar_to_value(c, l, base, what, ret);
}

/* The type a literal has on its own (qualifiers without declaration, unresolved instances). */
static bool lit_implicit_type(Compiler *c, const MofLit *l, lwmi_cimtype *ret) {
        switch (l->kind) {
        case MOF_LIT_NULL:
                *ret = LWMI_CIM_STRING;
                return true;
        case MOF_LIT_BOOL:
                *ret = LWMI_CIM_BOOLEAN;
                return true;
        case MOF_LIT_INT:
                if (int_in_range(l, LWMI_CIM_SINT32))
                        *ret = LWMI_CIM_SINT32;
                else if (int_in_range(l, LWMI_CIM_SINT64))
                        *ret = LWMI_CIM_SINT64;
                else
                        *ret = LWMI_CIM_UINT64;
                return true;
        case MOF_LIT_REAL:
                *ret = LWMI_CIM_REAL64;
                return true;
        case MOF_LIT_STRING:
                *ret = LWMI_CIM_STRING;
                return true;
        case MOF_LIT_CHAR16:
                *ret = LWMI_CIM_CHAR16;
                return true;
        case MOF_LIT_ALIAS:
                *ret = LWMI_CIM_REFERENCE;
                return true;
        case MOF_LIT_ARRAY: {
                lwmi_cimtype t = LWMI_CIM_EMPTY;

                for (size_t i = 0; i < l->n_items; i++) {
                        lwmi_cimtype e;

                        if (l->items[i].kind == MOF_LIT_NULL)
                                continue;
                        (void) lit_implicit_type(c, &l->items[i], &e);
                        if (t == LWMI_CIM_EMPTY || t == e)
                                t = e;
                        else if (is_integer_type(t) && is_integer_type(e))
                                t = (t == LWMI_CIM_UINT64 || e == LWMI_CIM_UINT64)
                                            ? LWMI_CIM_UINT64
                                            : LWMI_CIM_SINT64;
                        else if ((t == LWMI_CIM_REAL64 && is_integer_type(e)) ||
                                 (e == LWMI_CIM_REAL64 && is_integer_type(t)))
                                t = LWMI_CIM_REAL64;
                        else {
                                cerror(c, &l->items[i].pos, "array mixes %s and %s values",
                                       lwmi_cimtype_name(t), lwmi_cimtype_name(e));
                                return false;
                        }
                }
                *ret = (t == LWMI_CIM_EMPTY ? LWMI_CIM_STRING : t) | LWMI_CIM_FLAG_ARRAY;
                return true;
        }
        }
        return false;
}

/* ------------------------------------------------------------------------- */
/* Qualifiers                                                                 */
/* ------------------------------------------------------------------------- */

static const MofQual *qual_find(const MofQualList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (lwmi_name_eq(l->items[i].name, name))
                        return &l->items[i];
        return NULL;
}

/* Whether a boolean qualifier is present and not FALSE ("[in]", "[in(TRUE)]"). */
static bool qual_is_true(const MofQualList *l, const char *name) {
        const MofQual *q = qual_find(l, name);

        if (!q)
                return false;
        if (!q->has_value)
                return true;
        return q->value.kind == MOF_LIT_BOOL ? q->value.b : true;
}

/*
 * The value of qualifier @q: the declared type when the file declares it,
 * otherwise the literal's own type (bare = TRUE).
 */
static bool qual_value(Compiler *c, const MofQual *q, lwmi_value *ret, uint32_t *ret_flavor) {
        const MofItem *decl = find_item(c, MOF_ITEM_QUALIFIER_DECL, c->cur->namespace_, q->name);
        uint32_t flavor = decl ? decl->qualifier.flavor : 0;
        lwmi_cimtype t;

        flavor = (flavor | q->flavor) & ~q->flavor_clear;
        *ret_flavor = flavor;
        if (decl) {
                if (!q->has_value) {
                        if (LWMI_CIM_BASE(decl->qualifier.type) != LWMI_CIM_BOOLEAN) {
                                cerror(c, &q->pos, "qualifier %s needs a %s value", q->name,
                                       lwmi_cimtype_name(decl->qualifier.type));
                                return false;
                        }
                        lwmi_value_set_bool(ret, true);
                        return true;
                }
                return lit_to_value(c, &q->value, decl->qualifier.type, -1, q->name, NULL, NULL,
                                    ret);
        }
        if (!q->has_value) {
                lwmi_value_set_bool(ret, true);
                return true;
        }
        if (q->value.kind == MOF_LIT_ALIAS) {
                cerror(c, &q->value.pos, "alias $%s is not a valid qualifier value", q->value.s);
                return false;
        }
        if (q->value.kind == MOF_LIT_NULL) {
                lwmi_value_set_null(ret, LWMI_CIM_EMPTY);
                return true;
        }
        if (!lit_implicit_type(c, &q->value, &t))
                return false;
        return lit_to_value(c, &q->value, t, -1, q->name, NULL, NULL, ret);
}

/* Checks the qualifiers every element shares: no duplicates, a valid guid. */
static bool quals_check(Compiler *c, const MofQualList *l) {
        bool ok = true;

        for (size_t i = 0; i < l->n; i++) {
                const MofQual *q = &l->items[i];

                for (size_t j = 0; j < i; j++)
                        if (lwmi_name_eq(l->items[j].name, q->name)) {
                                cerror(c, &q->pos, "duplicate qualifier %s", q->name);
                                ok = false;
                                break;
                        }
                if (lwmi_name_eq(q->name, "guid")) {
                        lwmi_guid g;

                        if (!q->has_value || q->value.kind != MOF_LIT_STRING) {
                                cerror(c, &q->pos, "guid qualifier needs a string value");
                                ok = false;
                        } else if (lwmi_guid_parse(q->value.s, &g) < 0) {
                                cerror(c, &q->value.pos, "malformed GUID \"%s\"", q->value.s);
                                ok = false;
                        }
                }
        }
        return ok;
}

/* Applies @l to a qualifier set through @put (class, property, method or parameter). */
static bool quals_apply(Compiler *c, const MofQualList *l, lwmi_object *o, const char *prop,
                        CimQualifierSet *set) {
        bool ok = true;

        for (size_t i = 0; i < l->n; i++) {
                const MofQual *q = &l->items[i];
                lwmi_value v = LWMI_VALUE_NULL;
                uint32_t flavor;
                int r;

                if (!qual_value(c, q, &v, &flavor)) {
                        ok = false;
                        continue;
                }
                if (set)
                        r = cim_qualifier_set_put(set, q->name, &v, flavor);
                else
                        r = lwmi_object_set_qualifier(o, prop, q->name, &v, flavor);
                lwmi_value_clear(&v);
                if (r == -ENOMEM) {
                        c->oom = true;
                        return false;
                }
                if (r < 0) {
                        cerror(c, &q->pos, "cannot set qualifier %s: %s", q->name, strerror(-r));
                        ok = false;
                }
        }
        return ok;
}

/* ------------------------------------------------------------------------- */
/* Classes                                                                    */
/* ------------------------------------------------------------------------- */

/* Whether class @name is known: declared earlier in the file, or by the lookup. */
static bool class_known(Compiler *c, const char *name) {
        lwmi_object *o;

        if (find_item(c, MOF_ITEM_CLASS, c->cur->namespace_, name))
                return true;
        if (!c->opts || !c->opts->lookup)
                return true; /* --check: accepted, unresolved */
        o = c->opts->lookup(c->opts->userdata, c->cur->namespace_, name);
        if (!o)
                return false;
        lwmi_object_unref(o);
        return true;
}

static bool check_class_ref(Compiler *c, const MofFeature *f) {
        if (!f->class_ref)
                return true;
        if (class_known(c, f->class_ref))
                return true;
        cerror(c, &f->type_pos, "class %s not found", f->class_ref);
        return false;
}

static bool is_standard_item(const char *name) {
        return lwmi_name_eq(name, "InstanceName") || lwmi_name_eq(name, "Active");
}

/* An integer qualifier value (any integer type), or -1. */
static int64_t qual_int(const lwmi_value *v) {
        if (!v || v->is_null || LWMI_CIM_IS_ARRAY(v->type))
                return -1;
        if (is_signed_type(v->type))
                return v->u.sint;
        if (is_integer_type(v->type))
                return v->u.uint > INT64_MAX ? -1 : (int64_t) v->u.uint;
        return -1;
}

typedef struct DataId {
        int64_t id;
        const char *name;
        MofPos pos;
} DataId;

static int data_id_cmp(const void *a, const void *b) {
        const DataId *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/* WmiDataId rules (spec item 78) for a class with the WMI qualifier. */
static bool check_data_ids(Compiler *c, const MofClassDecl *d, lwmi_object *cls) {
        _cleanup_free_ DataId *ids = NULL;
        size_t n = 0, n_local_with = 0;
        bool ok = true;
        int64_t expect = 1;

        /* inherited items plus every local declaration, compiled or not */
        ids = calloc(cls->n_props + d->n_features + 1, sizeof(DataId));
        if (!ids) {
                c->oom = true;
                return false;
        }
        /* Inherited items first (their position is the class name), then local ones. */
        for (size_t i = 0; i < cls->n_props; i++) {
                const CimProperty *p = &cls->props[i];
                const CimQualifier *q;

                if (!p->propagated)
                        continue;
                q = cim_qualifier_set_find(&p->quals, "WmiDataId");
                if (q)
                        ids[n++] = (DataId){ .id = qual_int(&q->value),
                                             .name = p->name,
                                             .pos = d->pos };
        }
        for (size_t i = 0; i < d->n_features; i++) {
                const MofQual *q;

                if (d->features[i].is_method)
                        continue;
                q = qual_find(&d->features[i].quals, "WmiDataId");
                if (q)
                        n_local_with++;
        }
        if (n == 0 && n_local_with == 0)
                return true; /* not a data block: an event base, method-only class... */

        for (size_t i = 0; i < d->n_features; i++) {
                const MofFeature *f = &d->features[i];
                const MofQual *q;
                int64_t id = -1;

                if (f->is_method)
                        continue;
                q = qual_find(&f->quals, "WmiDataId");
                if (!q) {
                        if (!is_standard_item(f->name)) {
                                cerror(c, &f->pos, "property %s of WMI class %s has no WmiDataId",
                                       f->name, d->name);
                                ok = false;
                        }
                        continue;
                }
                if (q->has_value && q->value.kind == MOF_LIT_INT && !q->value.neg &&
                    q->value.u <= INT32_MAX)
                        id = (int64_t) q->value.u;
                if (id < 1) {
                        cerror(c, q->has_value ? &q->value.pos : &q->pos,
                               "WmiDataId of %s must be a positive integer", f->name);
                        ok = false;
                        continue;
                }
                for (size_t k = 0; k < n; k++)
                        if (ids[k].id == id) {
                                cerror(c, &q->value.pos,
                                       "duplicate WmiDataId %" PRIi64 " (also on %s)", id,
                                       ids[k].name);
                                ok = false;
                                id = -1;
                                break;
                        }
                if (id < 0)
                        continue;
                ids[n++] = (DataId){ .id = id, .name = f->name, .pos = q->value.pos };
        }
        if (!ok)
                return false;
        qsort(ids, n, sizeof(DataId), data_id_cmp);
        for (size_t i = 0; i < n; i++, expect++)
                if (ids[i].id != expect) {
                        cerror(c, &ids[i].pos,
                               "WmiDataId %" PRIi64 " of %s is not contiguous: expected %" PRIi64
                               " (ids must be 1..n without gaps)",
                               ids[i].id, ids[i].name, expect);
                        return false;
                }
        return true;
}

/* WmiSizeIs("P") must name an integer item @find(P) of the same class or method. */
static bool check_size_is(Compiler *c, const MofFeature *f, const CimProperty *target,
                          const char *where) {
        const MofQual *q = qual_find(&f->quals, "WmiSizeIs");

        if (!q)
                return true;
        if (!q->has_value || q->value.kind != MOF_LIT_STRING) {
                cerror(c, &q->pos, "WmiSizeIs of %s needs a property name string", f->name);
                return false;
        }
        if (!target) {
                cerror(c, &q->value.pos, "WmiSizeIs of %s names \"%s\", which is not an item of %s",
                       f->name, q->value.s, where);
                return false;
        }
        if (LWMI_CIM_IS_ARRAY(target->type) || !is_integer_type(target->type)) {
                cerror(c, &q->value.pos, "WmiSizeIs of %s names %s, which is not an integer",
                       f->name, target->name);
                return false;
        }
        return true;
}

static const char *size_is_name(const MofFeature *f) {
        const MofQual *q = qual_find(&f->quals, "WmiSizeIs");

        return q && q->has_value && q->value.kind == MOF_LIT_STRING ? q->value.s : NULL;
}

static bool compile_method(Compiler *c, const MofClassDecl *d, const MofFeature *f,
                           lwmi_object *cls) {
        lwmi_cimtype rt = f->type;
        size_t midx;
        CimMethod *m;
        bool ok = true, any_id = false;
        int r;

        if (f->is_array && rt != LWMI_CIM_EMPTY)
                rt |= LWMI_CIM_FLAG_ARRAY;
        if (!check_class_ref(c, f))
                return false;
        r = lwmi_class_add_method(cls, f->name, rt, &midx);
        if (r == -ENOMEM) {
                c->oom = true;
                return false;
        }
        if (r < 0) {
                cerror(c, &f->pos, "cannot add method %s: %s", f->name, strerror(-r));
                return false;
        }
        if (f->class_ref) {
                m = &cls->methods[midx];
                free(m->return_ref_class);
                m->return_ref_class = strdup(f->class_ref);
                if (!m->return_ref_class) {
                        c->oom = true;
                        return false;
                }
        }
        if (!quals_check(c, &f->quals) ||
            !quals_apply(c, &f->quals, cls, NULL, &cls->methods[midx].quals))
                ok = false;

        for (size_t i = 0; i < f->n_params; i++)
                if (qual_find(&f->params[i].quals, "ID"))
                        any_id = true;
        for (size_t i = 0; i < f->n_params; i++) {
                const MofFeature *prm = &f->params[i];
                lwmi_cimtype t = prm->type | (prm->is_array ? LWMI_CIM_FLAG_ARRAY : 0);
                bool in = qual_is_true(&prm->quals, "In"), out = qual_is_true(&prm->quals, "Out");
                CimProperty *cp;
                bool dup = false;

                for (size_t j = 0; j < i; j++)
                        if (lwmi_name_eq(f->params[j].name, prm->name)) {
                                cerror(c, &prm->pos, "duplicate parameter %s in method %s",
                                       prm->name, f->name);
                                dup = true;
                                break;
                        }
                if (dup) {
                        ok = false;
                        continue;
                }
                if (!check_class_ref(c, prm)) {
                        ok = false;
                        continue;
                }
                if (!in && !out)
                        in = true;
                r = lwmi_class_add_parameter(cls, midx, prm->name, t, prm->class_ref, in, out);
                if (r == -ENOMEM) {
                        c->oom = true;
                        return false;
                }
                if (r < 0) {
                        cerror(c, &prm->pos, "cannot add parameter %s: %s", prm->name,
                               strerror(-r));
                        ok = false;
                        continue;
                }
                m = &cls->methods[midx];
                cp = cim_method_find_param(m, prm->name);
                if (!cp)
                        continue;
                cp->array_size = prm->is_array ? prm->array_size : -1;
                if (!quals_check(c, &prm->quals) ||
                    !quals_apply(c, &prm->quals, cls, NULL, &cp->quals))
                        ok = false;
                if (!any_id) {
                        lwmi_value v;

                        lwmi_value_set_sint(&v, LWMI_CIM_SINT32, (int64_t) i);
                        if (cim_qualifier_set_put(&cp->quals, "ID", &v, 0) < 0) {
                                c->oom = true;
                                return false;
                        }
                }
                if (prm->has_default) {
                        lwmi_value v = LWMI_VALUE_NULL;

                        if (!lit_to_value(c, &prm->def, t, prm->array_size, prm->name, NULL, NULL,
                                          &v)) {
                                ok = false;
                                continue;
                        }
                        lwmi_value_clear(&cp->value);
                        cp->value = v;
                }
        }
        if (!ok)
                return false;
        m = &cls->methods[midx];
        for (size_t i = 0; i < f->n_params; i++) {
                const char *target = size_is_name(&f->params[i]);
                char where[300];

                snprintf(where, sizeof(where), "method %s", f->name);
                if (!check_size_is(c, &f->params[i],
                                   target ? cim_method_find_param(m, target) : NULL, where))
                        ok = false;
        }
        (void) d;
        return ok;
}

static bool compile_property(Compiler *c, const MofFeature *f, lwmi_object *cls) {
        lwmi_cimtype t = f->type | (f->is_array ? LWMI_CIM_FLAG_ARRAY : 0);
        CimProperty *cp;
        bool ok = true;
        int r;

        if (!check_class_ref(c, f))
                return false;
        r = lwmi_class_add_property(cls, f->name, t, f->class_ref, NULL);
        if (r == -ENOMEM) {
                c->oom = true;
                return false;
        }
        if (r < 0) {
                cerror(c, &f->pos, "cannot declare property %s: %s", f->name,
                       r == -EINVAL ? "invalid name or a type that differs from the inherited one"
                                    : strerror(-r));
                return false;
        }
        cp = cim_object_find_property(cls, f->name);
        if (!cp)
                return false;
        cp->array_size = f->is_array ? f->array_size : -1;
        if (!quals_check(c, &f->quals) || !quals_apply(c, &f->quals, cls, f->name, NULL))
                ok = false;
        if (f->has_default) {
                lwmi_value v = LWMI_VALUE_NULL;
                char what[300];

                snprintf(what, sizeof(what), "property %s", f->name);
                if (!lit_to_value(c, &f->def, t, f->is_array ? f->array_size : -1, what, NULL, NULL,
                                  &v))
                        return false;
                cp = cim_object_find_property(cls, f->name);
                lwmi_value_clear(&cp->value);
                cp->value = v;
        }
        return ok;
}

/* Whether declaration @d has exactly the local properties and methods of @cls. */
static bool same_members(const lwmi_object *cls, const MofClassDecl *d) {
        size_t n_props = 0, n_methods = 0;

        for (size_t i = 0; i < cls->n_props; i++)
                if (!cls->props[i].propagated)
                        n_props++;
        for (size_t i = 0; i < cls->n_methods; i++)
                if (!cls->methods[i].propagated)
                        n_methods++;
        for (size_t i = 0; i < d->n_features; i++) {
                const MofFeature *f = &d->features[i];

                if (f->is_method) {
                        const CimMethod *m = cim_object_find_method(cls, f->name);

                        if (!m || m->propagated || m->n_params != f->n_params)
                                return false;
                        n_methods--;
                } else {
                        const CimProperty *p = cim_object_find_property(cls, f->name);
                        lwmi_cimtype t = f->type | (f->is_array ? LWMI_CIM_FLAG_ARRAY : 0);

                        if (!p || p->propagated || p->type != t)
                                return false;
                        n_props--;
                }
        }
        return n_props == 0 && n_methods == 0;
}

static void compile_class(Compiler *c, const MofNode *n) {
        const MofClassDecl *d = &n->u.cls;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *looked_up = NULL;
        lwmi_object *super = NULL;
        bool resolved = true, ok = true;
        MofItem *prev, *it;
        int r;

        prev = find_item(c, MOF_ITEM_CLASS, n->namespace_, d->name);
        if (prev) {
                const char *ps = lwmi_object_get_superclass(prev->object);

                if ((ps == NULL) != (d->super == NULL) || (ps && !lwmi_name_eq(ps, d->super)))
                        cerror(c, d->super ? &d->super_pos : &d->pos,
                               "class %s re-declared with a different superclass (%s, was %s)",
                               d->name, d->super ? d->super : "none", ps ? ps : "none");
                else if (same_members(prev->object, d)) {
                        /*
                         * Concatenated MOF files (iscsihba.mof) repeat shared classes with
                         * other class qualifiers; mofcomp takes that as an update. The
                         * first declaration is kept, so its header is emitted once.
                         */
                        if (mof_diag_add(c->diags, d->pos.file, d->pos.line, d->pos.col, true,
                                         "class %s re-declared with the same members; the "
                                         "declaration at %s:%u:%u is kept",
                                         d->name, prev->file, prev->line, prev->col) < 0)
                                c->oom = true;
                } else
                        cerror(c, &d->pos, "duplicate class %s (first declared at %s:%u:%u)",
                               d->name, prev->file, prev->line, prev->col);
                return;
        }
        if (c->opts && c->opts->lookup) {
                /* A class that exists already may be re-declared, with the same superclass. */
                _cleanup_(lwmi_object_unrefp) lwmi_object *old =
                        c->opts->lookup(c->opts->userdata, n->namespace_, d->name);

                if (old) {
                        const char *ps = lwmi_object_get_superclass(old);
                        bool same = (ps == NULL) == (d->super == NULL) &&
                                    (!ps || lwmi_name_eq(ps, d->super));

                        if (!same) {
                                cerror(c, d->super ? &d->super_pos : &d->pos,
                                       "class %s re-declared with a different superclass (%s, "
                                       "was %s)",
                                       d->name, d->super ? d->super : "none", ps ? ps : "none");
                                return;
                        }
                }
        }
        if (d->super) {
                MofItem *sup = find_item(c, MOF_ITEM_CLASS, n->namespace_, d->super);

                if (sup) {
                        super = sup->object;
                        resolved = sup->resolved;
                } else if (find_class_node_after(c, n, d->super)) {
                        cerror(c, &d->super_pos, "superclass %s must be declared before class %s",
                               d->super, d->name);
                        return;
                } else if (c->opts && c->opts->lookup) {
                        looked_up = c->opts->lookup(c->opts->userdata, n->namespace_, d->super);
                        if (!looked_up) {
                                cerror(c, &d->super_pos, "superclass %s of %s not found", d->super,
                                       d->name);
                                return;
                        }
                        super = looked_up;
                } else {
                        resolved = false;
                }
        }

        r = lwmi_class_new(d->name, super, &cls);
        if (r == -ENOMEM) {
                c->oom = true;
                return;
        }
        if (r < 0) {
                cerror(c, &d->pos, "invalid class name %s", d->name);
                return;
        }
        if (d->super && !super) {
                free(cls->superclass);
                cls->superclass = strdup(d->super);
                if (!cls->superclass) {
                        c->oom = true;
                        return;
                }
        }
        if (!quals_check(c, &d->quals) || !quals_apply(c, &d->quals, cls, NULL, NULL))
                ok = false;

        for (size_t i = 0; i < d->n_features && !too_many_errors(c); i++) {
                const MofFeature *f = &d->features[i];
                bool dup = false;

                for (size_t j = 0; j < i; j++)
                        if (lwmi_name_eq(d->features[j].name, f->name)) {
                                cerror(c, &f->pos, "duplicate %s %s in class %s",
                                       f->is_method ? "method" : "property", f->name, d->name);
                                dup = true;
                                break;
                        }
                if (dup) {
                        ok = false;
                        continue;
                }
                if (!(f->is_method ? compile_method(c, d, f, cls) : compile_property(c, f, cls)))
                        ok = false;
        }
        /*
         * The WmiSizeIs check needs every property compiled; the WmiDataId check
         * reads the declarations, so it runs even after a property error and
         * the user sees both problems in one run.
         */
        for (size_t i = 0; ok && i < d->n_features; i++) {
                const MofFeature *f = &d->features[i];
                const char *target;

                if (f->is_method)
                        continue;
                target = size_is_name(f);
                if (!check_size_is(c, f, target ? cim_object_find_property(cls, target) : NULL,
                                   d->name))
                        ok = false;
        }
        if (qual_is_true(&d->quals, "WMI") && !check_data_ids(c, d, cls))
                ok = false;
        if (!ok)
                return;

        it = item_add(c, MOF_ITEM_CLASS);
        if (!it)
                return;
        it->object = TAKE_PTR(cls);
        it->resolved = resolved;
}

/* ------------------------------------------------------------------------- */
/* Instances                                                                  */
/* ------------------------------------------------------------------------- */

/* A stand-in class for an instance of a class nobody defines (--check). */
static lwmi_object *placeholder_class(Compiler *c, const MofInstanceDecl *d) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        int r;

        r = lwmi_class_new(d->class_name, NULL, &cls);
        if (r == -ENOMEM)
                c->oom = true;
        if (r < 0) {
                if (r != -ENOMEM)
                        cerror(c, &d->pos, "invalid class name %s", d->class_name);
                return NULL;
        }
        for (size_t i = 0; i < d->n_props; i++) {
                lwmi_cimtype t;

                if (!lit_implicit_type(c, &d->props[i].value, &t))
                        return NULL;
                r = lwmi_class_add_property(cls, d->props[i].name, t, NULL, NULL);
                if (r == -ENOMEM) {
                        c->oom = true;
                        return NULL;
                }
        }
        return TAKE_PTR(cls);
}

static void compile_instance(Compiler *c, const MofNode *n) {
        const MofInstanceDecl *d = &n->u.inst;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *inst = NULL;
        MofItem *ci, *it;
        bool ok = true, resolved = true;
        int r;

        if (d->alias && find_item(c, MOF_ITEM_INSTANCE, n->namespace_, d->alias)) {
                cerror(c, &d->alias_pos, "alias $%s already defined", d->alias);
                return;
        }
        ci = find_item(c, MOF_ITEM_CLASS, n->namespace_, d->class_name);
        if (ci) {
                cls = lwmi_object_ref(ci->object);
                resolved = ci->resolved;
        } else if (c->opts && c->opts->lookup) {
                cls = c->opts->lookup(c->opts->userdata, n->namespace_, d->class_name);
                if (!cls) {
                        cerror(c, &d->pos, "class %s not found", d->class_name);
                        return;
                }
        } else {
                cls = placeholder_class(c, d);
                if (!cls)
                        return;
                resolved = false;
        }
        r = lwmi_class_spawn_instance(cls, &inst);
        if (r < 0) {
                if (r == -ENOMEM)
                        c->oom = true;
                else
                        cerror(c, &d->pos, "cannot create an instance of %s", d->class_name);
                return;
        }
        if (!quals_check(c, &d->quals) || !quals_apply(c, &d->quals, inst, NULL, NULL))
                ok = false;
        for (size_t i = 0; i < d->n_props; i++) {
                const MofPropInit *pi = &d->props[i];
                lwmi_value v = LWMI_VALUE_NULL;
                CimProperty *cp;
                bool dup = false;

                for (size_t j = 0; j < i; j++)
                        if (lwmi_name_eq(d->props[j].name, pi->name)) {
                                cerror(c, &pi->pos, "property %s set twice", pi->name);
                                dup = true;
                                break;
                        }
                if (dup) {
                        ok = false;
                        continue;
                }
                cp = cim_object_find_property(inst, pi->name);
                if (!cp) {
                        cerror(c, &pi->pos, "class %s has no property %s", d->class_name, pi->name);
                        ok = false;
                        continue;
                }
                if (!lit_to_value(c, &pi->value, cp->type, cp->array_size, pi->name, inst, cp->name,
                                  &v)) {
                        ok = false;
                        continue;
                }
                cp = cim_object_find_property(inst, pi->name);
                lwmi_value_clear(&cp->value);
                cp->value = v;
                if (pi->quals.n > 0 && (!quals_check(c, &pi->quals) ||
                                        !quals_apply(c, &pi->quals, inst, pi->name, NULL)))
                        ok = false;
        }
        if (!ok) {
                /* drop the fixups that point into this instance */
                while (c->n_fixups > 0 && c->fixups[c->n_fixups - 1].inst == inst)
                        c->n_fixups--;
                return;
        }
        it = item_add(c, MOF_ITEM_INSTANCE);
        if (!it)
                return;
        if (d->alias) {
                it->alias = strdup(d->alias);
                if (!it->alias) {
                        c->oom = true;
                        return;
                }
        }
        it->object = TAKE_PTR(inst);
        it->resolved = resolved;
}

static void resolve_fixups(Compiler *c) {
        for (size_t i = 0; i < c->n_fixups && !too_many_errors(c); i++) {
                const AliasFixup *f = &c->fixups[i];
                _cleanup_free_ char *path = NULL;
                const MofItem *target = NULL;
                CimProperty *cp;
                lwmi_value *dst;
                int r;

                for (size_t k = 0; k < c->res->n_items; k++) {
                        const MofItem *it = &c->res->items[k];

                        if (it->kind == MOF_ITEM_INSTANCE && it->alias &&
                            lwmi_name_eq(it->alias, f->alias)) {
                                target = it;
                                break;
                        }
                }
                if (!target) {
                        cerror(c, &f->pos, "undefined alias $%s", f->alias);
                        continue;
                }
                r = lwmi_object_get_path(target->object, true, &path);
                if (r == -ENOMEM) {
                        c->oom = true;
                        return;
                }
                if (r < 0) {
                        cerror(c, &f->pos, "alias $%s names an instance without a key value",
                               f->alias);
                        continue;
                }
                cp = cim_object_find_property(f->inst, f->property);
                if (!cp)
                        continue;
                dst = &cp->value;
                if (f->index != SIZE_MAX) {
                        if (!LWMI_CIM_IS_ARRAY(dst->type) || dst->is_null ||
                            f->index >= dst->u.array.n)
                                continue;
                        dst = &dst->u.array.items[f->index];
                }
                lwmi_value_clear(dst);
                if (lwmi_value_set_string(dst, LWMI_CIM_REFERENCE, path) < 0) {
                        c->oom = true;
                        return;
                }
        }
}

/* ------------------------------------------------------------------------- */
/* Other productions                                                          */
/* ------------------------------------------------------------------------- */

static void compile_qualifier_decl(Compiler *c, const MofNode *n) {
        const MofQualDeclAst *q = &n->u.qual;
        lwmi_value v = LWMI_VALUE_NULL;
        MofItem *it;

        if (q->has_default) {
                if (!lit_to_value(c, &q->def, q->type, -1, q->name, NULL, NULL, &v))
                        return;
        } else {
                lwmi_value_set_null(&v, q->type);
        }
        it = item_add(c, MOF_ITEM_QUALIFIER_DECL);
        if (!it) {
                lwmi_value_clear(&v);
                return;
        }
        it->qualifier = (MofQualifierDecl){
                .name = strdup(q->name),
                .type = q->type,
                .default_value = v,
                .scopes = q->scopes ? q->scopes : MOF_SCOPE_ANY,
                .flavor = q->flavor,
        };
        if (!it->qualifier.name)
                c->oom = true;
}

static void compile_simple(Compiler *c, const MofNode *n) {
        MofItem *it;

        switch (n->kind) {
        case MOF_NODE_DELETE_CLASS:
        case MOF_NODE_DELETE_INSTANCE:
                it = item_add(c, n->kind == MOF_NODE_DELETE_CLASS ? MOF_ITEM_DELETE_CLASS
                                                                  : MOF_ITEM_DELETE_INSTANCE);
                if (!it)
                        return;
                it->target = strdup(n->u.del.target);
                it->fail_if_missing = n->u.del.fail_if_missing;
                if (!it->target)
                        c->oom = true;
                return;
        case MOF_NODE_CPP_QUOTE:
                it = item_add(c, MOF_ITEM_CPP_QUOTE);
                if (!it)
                        return;
                it->text = strdup(n->u.text);
                if (!it->text)
                        c->oom = true;
                return;
        default:
                return;
        }
}

/* ------------------------------------------------------------------------- */
/* Sources                                                                    */
/* ------------------------------------------------------------------------- */

/* Finds the line and column of byte @off of @data (for encoding errors). */
static void offset_pos(const char *data, size_t off, unsigned *line, unsigned *col) {
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (data[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else if (((unsigned char) data[i] & 0xc0) != 0x80) {
                        (*col)++;
                }
        }
}

/*
 * Decodes @size bytes of input (UTF-8 with or without BOM, UTF-16LE/BE with
 * BOM) into a NUL-terminated UTF-8 string.
 */
static int decode_input(Compiler *c, const char *name, const void *data, size_t size, char **ret,
                        size_t *ret_len) {
        const unsigned char *b = data;
        _cleanup_free_ char *out = NULL;

        if (size > MOF_MAX_INPUT_SIZE) {
                (void) mof_diag_add(c->diags, name, 1, 1, false, "input too large (%zu bytes)",
                                    size);
                c->n_errors++;
                return -EFBIG;
        }
        if (size >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
                bool be = b[0] == 0xfe;
                size_t units = (size - 2) / 2;
                _cleanup_free_ unsigned char *le = NULL;
                const unsigned char *src = b + 2;

                if ((size - 2) % 2 != 0) {
                        (void) mof_diag_add(c->diags, name, 1, 1, false,
                                            "UTF-16 input with an odd number of bytes");
                        c->n_errors++;
                        return -EINVAL;
                }
                if (be) {
                        le = calloc(units * 2 + 1, 1);
                        if (!le)
                                return -ENOMEM;
                        for (size_t i = 0; i < units; i++) {
                                le[2 * i] = src[2 * i + 1];
                                le[2 * i + 1] = src[2 * i];
                        }
                        src = le;
                }
                if (utf16le_to_utf8(src, units, false, &out) < 0)
                        return -ENOMEM;
                *ret_len = strlen(out);
                /* Embedded NUL units end the C string: keep them visible to the lexer. */
                if (*ret_len < units) {
                        size_t full = 0;

                        for (size_t i = 0; i < units; i++)
                                if (src[2 * i] == 0 && src[2 * i + 1] == 0) {
                                        full = 1;
                                        break;
                                }
                        if (full) {
                                unsigned line, col;

                                offset_pos(out, *ret_len, &line, &col);
                                (void) mof_diag_add(c->diags, name, line, col, false,
                                                    "NUL character in the input");
                                c->n_errors++;
                                return -EINVAL;
                        }
                }
                *ret = TAKE_PTR(out);
                return 0;
        }
        if (size >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
                b += 3;
                size -= 3;
        }
        if (!utf8_is_valid((const char *) b, size)) {
                size_t off = 0;
                unsigned line, col;

                while (off < size) {
                        uint32_t cp;
                        int n = utf8_decode((const char *) b + off, size - off, &cp);

                        if (n <= 0)
                                break;
                        off += (size_t) n;
                }
                offset_pos((const char *) b, off, &line, &col);
                (void) mof_diag_add(c->diags, name, line, col, false,
                                    "invalid UTF-8 (UTF-16 input needs a byte order mark)");
                c->n_errors++;
                return -EINVAL;
        }
        out = malloc(size + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, b, size);
        out[size] = 0;
        *ret_len = size;
        *ret = TAKE_PTR(out);
        return 0;
}

static char *dir_of(const char *path) {
        const char *slash = strrchr(path, '/');

        if (!slash)
                return strdup(".");
        if (slash == path)
                return strdup("/");
        return strndup(path, (size_t) (slash - path));
}

/* Builds a source from raw bytes: decoding, then the C preprocessor when asked. */
static int source_from_bytes(Compiler *c, const char *name, const void *data, size_t size,
                             MofSource *ret) {
        _cleanup_free_ char *text = NULL, *dir = NULL;
        MofSource s = {};
        size_t len;
        int r;

        r = decode_input(c, name, data, size, &text, &len);
        if (r < 0)
                return r;
        s.path = strdup(name);
        if (!s.path)
                return -ENOMEM;
        if (c->opts && c->opts->run_cpp) {
                dir = dir_of(name);
                if (!dir) {
                        mof_source_done(&s);
                        return -ENOMEM;
                }
                r = mof_cpp_run(name, dir, text, len, c->opts->include_dirs,
                                c->opts->n_include_dirs, &s.data, &s.size, c->diags, &c->n_errors);
                if (r < 0) {
                        mof_source_done(&s);
                        return r;
                }
                s.cpp_markers = true;
        } else {
                s.data = TAKE_PTR(text);
                s.size = len;
        }
        *ret = s;
        return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, alloc = 0;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        for (;;) {
                ssize_t k;

                if (n + 65536 > alloc && GROW(buf, alloc, n + 65536) < 0)
                        return -ENOMEM;
                k = read(fd, buf + n, alloc - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -EIO;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > MOF_MAX_INPUT_SIZE)
                        return -EFBIG;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int source_from_file(Compiler *c, const char *path, const MofPos *pos, MofSource *ret) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_file(path, &data, &size);
        if (r < 0) {
                if (r == -ENOMEM)
                        return r;
                if (pos)
                        (void) mof_diag_add(c->diags, pos->file, pos->line, pos->col, false,
                                            "cannot read %s: %s", path, strerror(-r));
                else
                        (void) mof_diag_add(c->diags, path, 1, 1, false, "cannot read file: %s",
                                            strerror(-r));
                if (!pos)
                        c->n_errors++;
                return r == -ENOENT ? -ENOENT : -EIO;
        }
        return source_from_bytes(c, path, data ? data : "", size, ret);
}

/* The loader of "#pragma include": the including file's folder, then -I folders. */
static int load_include(void *userdata, const char *including_file, const char *name,
                        const MofPos *pos, MofSource *ret) {
        Compiler *c = userdata;
        _cleanup_free_ char *dir = NULL;
        int r;

        if (name[0] == '/')
                return source_from_file(c, name, pos, ret);
        dir = dir_of(including_file);
        if (!dir)
                return -ENOMEM;
        for (size_t i = 0; i <= (c->opts ? c->opts->n_include_dirs : 0); i++) {
                const char *d = i == 0 ? dir : c->opts->include_dirs[i - 1];
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", d, name) < 0)
                        return -ENOMEM;
                if (access(p, R_OK) == 0) {
                        r = source_from_file(c, p, pos, ret);
                        return r;
                }
        }
        (void) mof_diag_add(c->diags, pos->file, pos->line, pos->col, false,
                            "cannot find include file \"%s\"", name);
        return -ENOENT;
}

/* ------------------------------------------------------------------------- */
/* Entry points                                                               */
/* ------------------------------------------------------------------------- */

static int compile_source(Compiler *c, MofSource *src, MofResult **ret) {
        MofParseContext ctx = {
                .arena = &c->arena,
                .diags = c->diags,
                .n_errors = &c->n_errors,
                .max_errors = c->opts ? c->opts->max_errors : 0,
                .default_namespace = c->opts ? c->opts->default_namespace : NULL,
                .load = load_include,
                .userdata = c,
        };
        int r;

        r = mof_parse_source(&ctx, src, &c->ast);
        if (r < 0)
                return r;
        c->res = calloc(1, sizeof(MofResult));
        if (!c->res)
                return -ENOMEM;
        for (size_t i = 0; i < c->ast.n_nodes && !too_many_errors(c); i++) {
                const MofNode *n = &c->ast.nodes[i];

                c->cur = n;
                switch (n->kind) {
                case MOF_NODE_CLASS:
                        compile_class(c, n);
                        break;
                case MOF_NODE_INSTANCE:
                        compile_instance(c, n);
                        break;
                case MOF_NODE_QUALIFIER_DECL:
                        compile_qualifier_decl(c, n);
                        break;
                default:
                        compile_simple(c, n);
                        break;
                }
        }
        if (!too_many_errors(c))
                resolve_fixups(c);
        if (c->oom)
                return -ENOMEM;
        c->res->autorecover = c->ast.autorecover;
        if (c->ast.locale) {
                c->res->locale = strdup(c->ast.locale);
                if (!c->res->locale)
                        return -ENOMEM;
        }
        if (c->n_errors > 0 || mof_diag_list_count_errors(c->diags) > 0)
                return -EINVAL;
        *ret = TAKE_PTR(c->res);
        return 0;
}

static void compiler_done(Compiler *c) {
        mof_result_free(c->res);
        free(c->fixups);
        mof_arena_deinit(&c->arena);
}

int mof_compile_buffer(const char *name, const void *data, size_t size, const MofOptions *opts,
                       MofResult **ret, MofDiagList *diags) {
        Compiler c = { .opts = opts, .diags = diags, .arena = MOF_ARENA_INIT };
        MofSource src = {};
        int r;

        if (!ret || (!data && size > 0))
                return -EINVAL;
        if (!name)
                name = "<input>";
        r = source_from_bytes(&c, name, data ? data : "", size, &src);
        if (r == -ENOMEM)
                goto out;
        if (r < 0) {
                r = -EINVAL;
                goto out;
        }
        r = compile_source(&c, &src, ret);
out:
        mof_source_done(&src);
        compiler_done(&c);
        return r;
}

int mof_compile_file(const char *path, const MofOptions *opts, MofResult **ret,
                     MofDiagList *diags) {
        Compiler c = { .opts = opts, .diags = diags, .arena = MOF_ARENA_INIT };
        MofSource src = {};
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = source_from_file(&c, path, NULL, &src);
        if (r == -ENOENT || r == -EIO || r == -ENOMEM)
                goto out;
        if (r < 0) {
                r = -EINVAL;
                goto out;
        }
        r = compile_source(&c, &src, ret);
out:
        mof_source_done(&src);
        compiler_done(&c);
        return r;
}
