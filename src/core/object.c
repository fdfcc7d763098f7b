/* SPDX-License-Identifier: MIT */
/*
 * Objects: class definitions (properties, methods, qualifiers, inheritance)
 * and instances (values of a class's properties), as IWbemClassObject.
 */
#include "core/object.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "shared/macro.h"
#include "shared/name.h"

/*
 * Theory of operation: a class is self-contained. lwmi_class_new() copies
 * every member of the superclass into the new class (properties and methods
 * marked propagated, qualifiers filtered by flavor), so a class never needs
 * its superclass again and the superclass may be freed or changed. Redeclaring
 * or changing an inherited member locally (add_property with the same name,
 * put of a default, set_qualifier) clears its propagated flag: it is then
 * part of this class's own declaration (and printed by lwmi_object_to_mof()).
 *
 * An instance copies the class's property array (values start as the class
 * defaults) and holds a reference on the class for qualifiers, methods and
 * the schema. Its qualifier set holds instance qualifiers only; lookups fall
 * back to the class.
 */

static int strdup_null(const char *s, char **ret) {
        char *c = NULL;

        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* ---- qualifier sets ---- */

/**
 * cim_qualifier_set_deinit() - free the qualifiers of @s and empty it.
 * @s: the set (may be half-initialized, i.e. zeroed)
 */
void cim_qualifier_set_deinit(CimQualifierSet *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].name);
                lwmi_value_clear(&s->items[i].value);
        }
        free(s->items);
        *s = (CimQualifierSet){};
}

/**
 * cim_qualifier_set_copy() - deep copy of a qualifier set.
 * @dst: uninitialized destination (zeroed on failure)
 * @src: source
 *
 * Return: 0 or -ENOMEM.
 */
int cim_qualifier_set_copy(CimQualifierSet *dst, const CimQualifierSet *src) {
        CimQualifierSet s = {};
        int r;

        *dst = (CimQualifierSet){};
        for (size_t i = 0; i < src->n; i++) {
                r = cim_qualifier_set_put(&s, src->items[i].name, &src->items[i].value,
                                          src->items[i].flavor);
                if (r < 0) {
                        cim_qualifier_set_deinit(&s);
                        return r;
                }
        }
        *dst = s;
        return 0;
}

/**
 * cim_qualifier_set_find() - look a qualifier up by name (case-insensitive).
 * @s: the set
 * @name: qualifier name
 *
 * Return: the qualifier (borrowed) or NULL.
 */
CimQualifier *cim_qualifier_set_find(const CimQualifierSet *s, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < s->n; i++)
                if (lwmi_name_eq(s->items[i].name, name))
                        return &s->items[i];
        return NULL;
}

/**
 * cim_qualifier_set_put() - add a qualifier or replace the value and flavor of
 * an existing one (the stored name keeps its first spelling).
 * @s: the set
 * @name: qualifier name
 * @v: the value (copied)
 * @flavor: LWMI_FLAVOR_* bits
 *
 * Return: 0 or -ENOMEM (the set is unchanged then).
 */
int cim_qualifier_set_put(CimQualifierSet *s, const char *name, const lwmi_value *v,
                          uint32_t flavor) {
        CimQualifier *q = cim_qualifier_set_find(s, name);
        lwmi_value copy;
        char *n;
        int r;

        r = lwmi_value_copy(&copy, v);
        if (r < 0)
                return r;
        if (q) {
                lwmi_value_clear(&q->value);
                q->value = copy;
                q->flavor = flavor;
                return 0;
        }
        n = strdup(name);
        if (!n || GROW(s->items, s->alloc, s->n + 1) < 0) {
                free(n);
                lwmi_value_clear(&copy);
                return -ENOMEM;
        }
        s->items[s->n++] = (CimQualifier){ .name = n, .value = copy, .flavor = flavor };
        return 0;
}

/* Copies the qualifiers a subclass inherits: not RESTRICTED ones, marked PROPAGATED. */
static int qualifier_set_inherit(CimQualifierSet *dst, const CimQualifierSet *src) {
        CimQualifierSet s = {};
        int r;

        *dst = (CimQualifierSet){};
        for (size_t i = 0; i < src->n; i++) {
                const CimQualifier *q = &src->items[i];

                if (q->flavor & LWMI_FLAVOR_RESTRICTED)
                        continue;
                r = cim_qualifier_set_put(&s, q->name, &q->value,
                                          q->flavor | LWMI_FLAVOR_PROPAGATED);
                if (r < 0) {
                        cim_qualifier_set_deinit(&s);
                        return r;
                }
        }
        *dst = s;
        return 0;
}

static bool qualifier_set_equal(const CimQualifierSet *a, const CimQualifierSet *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->items[i].name, b->items[i].name) != 0 ||
                    a->items[i].flavor != b->items[i].flavor ||
                    !lwmi_value_equal(&a->items[i].value, &b->items[i].value))
                        return false;
        return true;
}

/* A qualifier is "set" when present and not boolean FALSE (or NULL). */
static bool qualifier_is_true(const CimQualifier *q) {
        if (!q || q->value.is_null)
                return false;
        if (q->value.type == LWMI_CIM_BOOLEAN)
                return q->value.u.boolean;
        return true;
}

/* ---- properties ---- */

/**
 * cim_property_deinit() - free what a property owns and zero it.
 * @p: the property (may be zeroed)
 */
void cim_property_deinit(CimProperty *p) {
        if (!p->borrowed) {
                free(p->name);
                free(p->origin);
        }
        free(p->ref_class);
        cim_qualifier_set_deinit(&p->quals);
        lwmi_value_clear(&p->value);
        *p = (CimProperty){};
}

/*
 * Copies @src into @dst; with @inherit the qualifiers are filtered as for a
 * subclass and the copy is marked propagated.
 */
static int property_copy_internal(CimProperty *dst, const CimProperty *src, bool inherit) {
        CimProperty p = {
                .type = src->type,
                .array_size = src->array_size,
                .propagated = inherit ? true : src->propagated,
        };
        int r;

        *dst = (CimProperty){};
        if (strdup_null(src->name, &p.name) < 0 || strdup_null(src->ref_class, &p.ref_class) < 0 ||
            strdup_null(src->origin, &p.origin) < 0) {
                cim_property_deinit(&p);
                return -ENOMEM;
        }
        r = inherit ? qualifier_set_inherit(&p.quals, &src->quals)
                    : cim_qualifier_set_copy(&p.quals, &src->quals);
        if (r >= 0)
                r = lwmi_value_copy(&p.value, &src->value);
        if (r < 0) {
                cim_property_deinit(&p);
                return r;
        }
        *dst = p;
        return 0;
}

/**
 * cim_property_copy() - deep copy of a property.
 * @dst: uninitialized destination (zeroed on failure)
 * @src: source
 *
 * Return: 0 or -ENOMEM.
 */
int cim_property_copy(CimProperty *dst, const CimProperty *src) {
        return property_copy_internal(dst, src, false);
}

static bool str_equal_null(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static bool property_equal(const CimProperty *a, const CimProperty *b) {
        return str_equal_null(a->name, b->name) && a->type == b->type &&
               a->array_size == b->array_size && str_equal_null(a->ref_class, b->ref_class) &&
               qualifier_set_equal(&a->quals, &b->quals) &&
               lwmi_value_equal(&a->value, &b->value) && str_equal_null(a->origin, b->origin) &&
               a->propagated == b->propagated;
}

/* ---- methods ---- */

static void method_deinit(CimMethod *m) {
        free(m->name);
        free(m->return_ref_class);
        free(m->origin);
        cim_qualifier_set_deinit(&m->quals);
        for (size_t i = 0; i < m->n_params; i++)
                cim_property_deinit(&m->params[i]);
        free(m->params);
        *m = (CimMethod){};
}

static int method_copy_internal(CimMethod *dst, const CimMethod *src, bool inherit) {
        CimMethod m = {
                .return_type = src->return_type,
                .propagated = inherit ? true : src->propagated,
        };
        int r;

        *dst = (CimMethod){};
        if (strdup_null(src->name, &m.name) < 0 ||
            strdup_null(src->return_ref_class, &m.return_ref_class) < 0 ||
            strdup_null(src->origin, &m.origin) < 0) {
                method_deinit(&m);
                return -ENOMEM;
        }
        r = inherit ? qualifier_set_inherit(&m.quals, &src->quals)
                    : cim_qualifier_set_copy(&m.quals, &src->quals);
        if (r < 0) {
                method_deinit(&m);
                return r;
        }
        if (src->n_params > 0) {
                m.params = calloc(src->n_params, sizeof(*m.params));
                if (!m.params) {
                        method_deinit(&m);
                        return -ENOMEM;
                }
                m.alloc_params = src->n_params;
        }
        for (size_t i = 0; i < src->n_params; i++) {
                /* parameters keep In/Out/ID: they are never filtered */
                r = cim_property_copy(&m.params[i], &src->params[i]);
                if (r < 0) {
                        method_deinit(&m);
                        return r;
                }
                m.n_params++;
        }
        *dst = m;
        return 0;
}

static bool method_equal(const CimMethod *a, const CimMethod *b) {
        if (!str_equal_null(a->name, b->name) || a->return_type != b->return_type ||
            !str_equal_null(a->return_ref_class, b->return_ref_class) ||
            !qualifier_set_equal(&a->quals, &b->quals) || a->n_params != b->n_params ||
            !str_equal_null(a->origin, b->origin) || a->propagated != b->propagated)
                return false;
        for (size_t i = 0; i < a->n_params; i++)
                if (!property_equal(&a->params[i], &b->params[i]))
                        return false;
        return true;
}

/**
 * cim_method_find_param() - a parameter of @m by name (case-insensitive).
 * @m: the method
 * @name: parameter name
 *
 * Return: the parameter (borrowed) or NULL.
 */
CimProperty *cim_method_find_param(const CimMethod *m, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < m->n_params; i++)
                if (lwmi_name_eq(m->params[i].name, name))
                        return &m->params[i];
        return NULL;
}

/* ---- objects ---- */

/*
 * A per-thread cache of the memory of freed instances (the object and its
 * property array, by array size), reused by the next instances spawned on
 * that thread. A query's instances are decoded, used and freed together;
 * handing their memory back to malloc let glibc trim the heap and the next
 * query fault every page in again (0.43 us per decoded instance with the
 * heap kept, 5.8 us without, on these virtual machines: docs/performance.md).
 * Bounded (CACHE_BYTES per thread); freed at thread exit.
 */
#define CACHE_MAX_PROPS 32
#define CACHE_BYTES     (16u << 20)

typedef struct CacheBlock {
        struct CacheBlock *next;
} CacheBlock;

typedef struct ObjCache {
        CacheBlock *props[CACHE_MAX_PROPS + 1]; /* by alloc_props */
        CacheBlock *objs;
        size_t bytes;
        bool registered; /* the thread-exit destructor knows this thread */
} ObjCache;

static _Thread_local ObjCache obj_cache;
static pthread_key_t obj_cache_key;
static pthread_once_t obj_cache_once = PTHREAD_ONCE_INIT;

static void cache_list_free(CacheBlock *b) {
        while (b) {
                CacheBlock *next = b->next;

                free(b);
                b = next;
        }
}

static void obj_cache_destroy(void *arg) {
        ObjCache *c = arg;

        for (size_t i = 0; i <= CACHE_MAX_PROPS; i++) {
                cache_list_free(c->props[i]);
                c->props[i] = NULL;
        }
        cache_list_free(c->objs);
        c->objs = NULL;
        c->bytes = 0;
}

static atomic_bool obj_cache_off; /* set at exit: free()d from then on */

/* exit() runs no thread destructor: the exiting thread's cache goes here. */
static void obj_cache_exit(void) {
        /* relaxed: only stops further caching; a racing put just frees later */
        atomic_store_explicit(&obj_cache_off, true, memory_order_relaxed);
        obj_cache_destroy(&obj_cache);
}

static void obj_cache_key_init(void) {
        (void) pthread_key_create(&obj_cache_key, obj_cache_destroy);
        (void) atexit(obj_cache_exit);
}

/* Keeps @p (@size bytes) in @list when the cache has room; false: free it. */
static bool obj_cache_put(CacheBlock **list, void *p, size_t size) {
        ObjCache *c = &obj_cache;

        /* relaxed: see obj_cache_exit() */
        if (c->bytes + size > CACHE_BYTES ||
            atomic_load_explicit(&obj_cache_off, memory_order_relaxed))
                return false;
        if (!c->registered) {
                (void) pthread_once(&obj_cache_once, obj_cache_key_init);
                if (pthread_setspecific(obj_cache_key, c) != 0)
                        return false;
                c->registered = true;
        }
        ((CacheBlock *) p)->next = *list;
        *list = p;
        c->bytes += size;
        return true;
}

/* A block of @size bytes from @list, or from malloc(); not zeroed. */
static void *obj_cache_take(CacheBlock **list, size_t size) {
        CacheBlock *b = *list;

        if (!b)
                return malloc(size);
        *list = b->next;
        obj_cache.bytes -= size;
        return b;
}

/* A zeroed block of @size bytes from @list, or from calloc(). */
static void *obj_cache_get(CacheBlock **list, size_t size) {
        CacheBlock *b = *list;

        if (!b)
                return calloc(1, size);
        b = obj_cache_take(list, size);
        memset(b, 0, size);
        return b;
}

/* Whether @v owns memory (lwmi_value_clear() has something to free). */
static inline bool value_owns(const lwmi_value *v) {
        return !v->is_null && (LWMI_CIM_IS_ARRAY(v->type) || v->type == LWMI_CIM_STRING ||
                               v->type == LWMI_CIM_REFERENCE || v->type == LWMI_CIM_OBJECT);
}

/*
 * Frees what a spawned instance's property owns. Most own nothing: their
 * names are the class's, they have no qualifiers of their own and a scalar
 * value; the property is not zeroed (the block is reused or freed whole).
 */
static inline void spawned_property_deinit(CimProperty *p) {
        if (p->borrowed && !p->ref_class && !p->quals.items) {
                if (value_owns(&p->value))
                        lwmi_value_clear(&p->value);
                return;
        }
        cim_property_deinit(p);
}

static void object_free(lwmi_object *o) {
        bool spawned = o->identity_borrowed; /* an instance made by lwmi_class_spawn_instance() */

        if (!o->identity_borrowed) {
                free(o->name);
                free(o->superclass);
                for (size_t i = 0; i < o->n_derivation; i++)
                        free(o->derivation[i]);
                free(o->derivation);
        }
        free(o->server);
        if (!o->namespace_borrowed)
                free(o->namespace_);
        cim_qualifier_set_deinit(&o->quals);
        if (spawned)
                for (size_t i = 0; i < o->n_props; i++)
                        spawned_property_deinit(&o->props[i]);
        else
                for (size_t i = 0; i < o->n_props; i++)
                        cim_property_deinit(&o->props[i]);
        if (!spawned || !o->props || o->alloc_props > CACHE_MAX_PROPS ||
            !obj_cache_put(&obj_cache.props[o->alloc_props], o->props,
                           o->alloc_props * sizeof(*o->props)))
                free(o->props);
        for (size_t i = 0; i < o->n_methods; i++)
                method_deinit(&o->methods[i]);
        free(o->methods);
        lwmi_object_unref(o->cls);
        if (!spawned || !obj_cache_put(&obj_cache.objs, o, sizeof(*o)))
                free(o);
}

static void object_freep(lwmi_object **o) {
        if (*o)
                object_free(*o);
}

static lwmi_object *object_alloc(CimGenus genus) {
        lwmi_object *o = calloc(1, sizeof(*o));

        if (!o)
                return NULL;
        o->n_ref = 1;
        o->genus = genus;
        return o;
}

_public_ lwmi_object *lwmi_object_ref(lwmi_object *o) {
        if (o)
                o->n_ref++;
        return o;
}

_public_ lwmi_object *lwmi_object_unref(lwmi_object *o) {
        if (o && --o->n_ref == 0)
                object_free(o);
        return NULL;
}

static int derivation_copy(lwmi_object *o, const char *first, char *const *rest, size_t n_rest) {
        size_t n = n_rest + (first ? 1 : 0);

        if (n == 0)
                return 0;
        o->derivation = calloc(n, sizeof(char *));
        if (!o->derivation)
                return -ENOMEM;
        if (first) {
                o->derivation[o->n_derivation] = strdup(first);
                if (!o->derivation[o->n_derivation])
                        return -ENOMEM;
                o->n_derivation++;
        }
        for (size_t i = 0; i < n_rest; i++) {
                o->derivation[o->n_derivation] = strdup(rest[i]);
                if (!o->derivation[o->n_derivation])
                        return -ENOMEM;
                o->n_derivation++;
        }
        return 0;
}

_public_ int lwmi_class_new(const char *name, lwmi_object *superclass, lwmi_object **ret) {
        _cleanup_(object_freep) lwmi_object *o = NULL;
        int r;

        assert_return(lwmi_name_is_valid(name), -EINVAL);
        assert_return(!superclass || superclass->genus == CIM_GENUS_CLASS, -EINVAL);
        assert_return(ret, -EINVAL);

        o = object_alloc(CIM_GENUS_CLASS);
        if (!o)
                return -ENOMEM;
        o->name = strdup(name);
        if (!o->name)
                return -ENOMEM;
        if (!superclass) {
                *ret = TAKE_PTR(o);
                return 0;
        }

        /* a class cannot derive from itself, directly or through its chain */
        if (lwmi_object_derives_from(superclass, name))
                return -ELOOP;

        o->superclass = strdup(superclass->name);
        if (!o->superclass)
                return -ENOMEM;
        r = derivation_copy(o, superclass->name, superclass->derivation, superclass->n_derivation);
        if (r < 0)
                return r;
        r = qualifier_set_inherit(&o->quals, &superclass->quals);
        if (r < 0)
                return r;

        if (superclass->n_props > 0) {
                o->props = calloc(superclass->n_props, sizeof(*o->props));
                if (!o->props)
                        return -ENOMEM;
                o->alloc_props = superclass->n_props;
        }
        for (size_t i = 0; i < superclass->n_props; i++) {
                r = property_copy_internal(&o->props[i], &superclass->props[i], true);
                if (r < 0)
                        return r;
                o->n_props++;
        }
        if (superclass->n_methods > 0) {
                o->methods = calloc(superclass->n_methods, sizeof(*o->methods));
                if (!o->methods)
                        return -ENOMEM;
                o->alloc_methods = superclass->n_methods;
        }
        for (size_t i = 0; i < superclass->n_methods; i++) {
                r = method_copy_internal(&o->methods[i], &superclass->methods[i], true);
                if (r < 0)
                        return r;
                o->n_methods++;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/**
 * cim_is_system_property() - whether @name is a system property name.
 * @name: a property name
 *
 * Return: true for __CLASS, __PATH and the other computed properties.
 */
bool cim_is_system_property(const char *name) {
        static const char *const names[] = {
                "__CLASS",     "__SUPERCLASS", "__DYNASTY", "__DERIVATION", "__GENUS",
                "__NAMESPACE", "__SERVER",     "__PATH",    "__RELPATH",    "__PROPERTY_COUNT",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (lwmi_name_eq(name, names[i]))
                        return true;
        return false;
}

/* Property, method and parameter names: valid identifiers, not "__"-prefixed. */
static bool member_name_is_valid(const char *name) {
        return lwmi_name_is_valid(name) && !(name[0] == '_' && name[1] == '_');
}

static bool ref_class_is_valid(lwmi_cimtype type, const char *ref_class) {
        lwmi_cimtype base = LWMI_CIM_BASE(type);

        if (!ref_class)
                return true;
        return (base == LWMI_CIM_REFERENCE || base == LWMI_CIM_OBJECT) &&
               lwmi_name_is_valid(ref_class);
}

static int property_init(CimProperty *p, const char *name, lwmi_cimtype type, const char *ref_class,
                         const char *origin) {
        *p = (CimProperty){ .type = type, .array_size = -1 };
        lwmi_value_set_null(&p->value, type);
        if (strdup_null(name, &p->name) < 0 || strdup_null(ref_class, &p->ref_class) < 0 ||
            strdup_null(origin, &p->origin) < 0) {
                cim_property_deinit(p);
                return -ENOMEM;
        }
        return 0;
}

_public_ int lwmi_class_add_property(lwmi_object *cls, const char *name, lwmi_cimtype type,
                                     const char *ref_class, size_t *ret_index) {
        CimProperty *p;
        int r;

        assert_return(cls && cls->genus == CIM_GENUS_CLASS, -EINVAL);
        assert_return(member_name_is_valid(name), -EINVAL);
        assert_return(cim_type_is_valid(type), -EINVAL);
        assert_return(ref_class_is_valid(type, ref_class), -EINVAL);

        p = cim_object_find_property(cls, name);
        if (p) {
                char *rc = NULL;

                if (!p->propagated)
                        return -EEXIST;
                if (p->type != type)
                        return -EINVAL;
                /* an override may narrow the reference / embedded class */
                if (ref_class && !str_equal_null(ref_class, p->ref_class)) {
                        rc = strdup(ref_class);
                        if (!rc)
                                return -ENOMEM;
                        free(p->ref_class);
                        p->ref_class = rc;
                }
                p->propagated = false;
                if (ret_index)
                        *ret_index = (size_t) (p - cls->props);
                return 0;
        }

        if (GROW(cls->props, cls->alloc_props, cls->n_props + 1) < 0)
                return -ENOMEM;
        r = property_init(&cls->props[cls->n_props], name, type, ref_class, cls->name);
        if (r < 0)
                return r;
        if (ret_index)
                *ret_index = cls->n_props;
        cls->n_props++;
        return 0;
}

_public_ int lwmi_class_add_method(lwmi_object *cls, const char *name, lwmi_cimtype return_type,
                                   size_t *ret_index) {
        CimMethod *m;
        CimMethod nm = {};

        assert_return(cls && cls->genus == CIM_GENUS_CLASS, -EINVAL);
        assert_return(member_name_is_valid(name), -EINVAL);
        assert_return(return_type == LWMI_CIM_EMPTY || cim_type_is_valid(return_type), -EINVAL);

        nm.return_type = return_type;
        nm.name = strdup(name);
        nm.origin = strdup(cls->name);
        if (!nm.name || !nm.origin) {
                method_deinit(&nm);
                return -ENOMEM;
        }

        m = cim_object_find_method(cls, name);
        if (m) {
                /* redeclaring an inherited method replaces it (same position) */
                if (!m->propagated) {
                        method_deinit(&nm);
                        return -EEXIST;
                }
                free(nm.origin);
                nm.origin = TAKE_PTR(m->origin);
                method_deinit(m);
                *m = nm;
                if (ret_index)
                        *ret_index = (size_t) (m - cls->methods);
                return 0;
        }

        if (GROW(cls->methods, cls->alloc_methods, cls->n_methods + 1) < 0) {
                method_deinit(&nm);
                return -ENOMEM;
        }
        cls->methods[cls->n_methods] = nm;
        if (ret_index)
                *ret_index = cls->n_methods;
        cls->n_methods++;
        return 0;
}

_public_ int lwmi_class_add_parameter(lwmi_object *cls, size_t method, const char *name,
                                      lwmi_cimtype type, const char *ref_class, bool in, bool out) {
        lwmi_value t;
        CimProperty p;
        CimMethod *m;
        int r;

        assert_return(cls && cls->genus == CIM_GENUS_CLASS, -EINVAL);
        assert_return(member_name_is_valid(name), -EINVAL);
        assert_return(cim_type_is_valid(type), -EINVAL);
        assert_return(ref_class_is_valid(type, ref_class), -EINVAL);

        if (method >= cls->n_methods)
                return -ENOENT;
        m = &cls->methods[method];
        if (cim_method_find_param(m, name))
                return -EEXIST;
        if (lwmi_name_eq(name, "ReturnValue") && m->return_type != LWMI_CIM_EMPTY)
                return -EEXIST;

        r = property_init(&p, name, type, ref_class, m->origin);
        if (r < 0)
                return r;
        lwmi_value_set_bool(&t, true);
        if ((in && cim_qualifier_set_put(&p.quals, "In", &t, 0) < 0) ||
            (out && cim_qualifier_set_put(&p.quals, "Out", &t, 0) < 0) ||
            GROW(m->params, m->alloc_params, m->n_params + 1) < 0) {
                cim_property_deinit(&p);
                return -ENOMEM;
        }
        m->params[m->n_params++] = p;
        return 0;
}

/* Copies the identity (names, placement, derivation) of @src into @o. */
static int object_copy_identity(lwmi_object *o, const lwmi_object *src) {
        if (strdup_null(src->name, &o->name) < 0 ||
            strdup_null(src->superclass, &o->superclass) < 0 ||
            strdup_null(src->server, &o->server) < 0 ||
            strdup_null(src->namespace_, &o->namespace_) < 0)
                return -ENOMEM;
        return derivation_copy(o, NULL, src->derivation, src->n_derivation);
}

/*
 * Copies the properties of @src into @o. @with_quals false (a new instance of
 * the class @src): without their qualifiers, which stay in the class
 * (lwmi_object_get_qualifier() looks there for an instance; an instance's own
 * qualifiers are only those set on it), and with the class's name and origin
 * strings, which the instance's reference to its class keeps alive.
 */
static int object_copy_props(lwmi_object *o, const lwmi_object *src, bool with_quals) {
        int r = 0;

        if (src->n_props == 0)
                return 0;
        if (with_quals) {
                o->props = calloc(src->n_props, sizeof(*o->props));
                if (!o->props)
                        return -ENOMEM;
                o->alloc_props = src->n_props;
                for (size_t i = 0; i < src->n_props; i++) {
                        r = cim_property_copy(&o->props[i], &src->props[i]);
                        if (r < 0)
                                return r;
                        o->n_props++;
                }
                return 0;
        }
        /* every element is written below: no zeroing */
        o->props = src->n_props <= CACHE_MAX_PROPS
                           ? obj_cache_take(&obj_cache.props[src->n_props],
                                            src->n_props * sizeof(*o->props))
                           : malloc(src->n_props * sizeof(*o->props));
        if (!o->props)
                return -ENOMEM;
        o->alloc_props = src->n_props;
        /*
         * The class's properties as they are, then what an instance must not
         * share: class properties are never removed or renamed, so the names
         * are borrowed; the qualifiers stay the class's (an instance has none
         * of its own); a default that owns nothing is a plain copy.
         */
        memcpy(o->props, src->props, src->n_props * sizeof(*o->props));
        for (size_t i = 0; i < src->n_props; i++) {
                const CimProperty *sp = &src->props[i];
                CimProperty *p = &o->props[i];

                p->borrowed = true;
                p->quals = (CimQualifierSet){ 0 };
                if (__builtin_expect(sp->ref_class != NULL || value_owns(&sp->value), 0)) {
                        p->ref_class = NULL;
                        p->value = (lwmi_value) LWMI_VALUE_NULL;
                        if (value_owns(&sp->value))
                                r = lwmi_value_copy(&p->value, &sp->value);
                        if (r >= 0 && sp->ref_class && !(p->ref_class = strdup(sp->ref_class)))
                                r = -ENOMEM;
                        if (r < 0) {
                                cim_property_deinit(p);
                                o->n_props = i;
                                return r;
                        }
                }
        }
        o->n_props = src->n_props;
        return 0;
}

_public_ int lwmi_class_spawn_instance(lwmi_object *cls, lwmi_object **ret) {
        _cleanup_(object_freep) lwmi_object *o = NULL;
        int r;

        assert_return(cls && cls->genus == CIM_GENUS_CLASS, -EINVAL);
        assert_return(ret, -EINVAL);

        o = obj_cache_get(&obj_cache.objs, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->n_ref = 1;
        o->genus = CIM_GENUS_INSTANCE;
        /*
         * The class's names are the instance's: borrowed, kept alive by the
         * reference (a class is never renamed). Only the placement is its own.
         */
        o->cls = lwmi_object_ref(cls);
        o->identity_borrowed = true;
        o->name = cls->name;
        o->superclass = cls->superclass;
        o->derivation = cls->derivation;
        o->n_derivation = cls->n_derivation;
        if (strdup_null(cls->server, &o->server) < 0)
                return -ENOMEM;
        /* the class's namespace too, until the instance is placed elsewhere */
        o->namespace_ = cls->namespace_;
        o->namespace_borrowed = cls->namespace_ != NULL;
        r = object_copy_props(o, cls, false);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

_public_ int lwmi_object_clone(const lwmi_object *src, lwmi_object **ret) {
        _cleanup_(object_freep) lwmi_object *o = NULL;
        int r;

        assert_return(src, -EINVAL);
        assert_return(ret, -EINVAL);

        o = object_alloc(src->genus);
        if (!o)
                return -ENOMEM;
        r = object_copy_identity(o, src);
        if (r < 0)
                return r;
        r = cim_qualifier_set_copy(&o->quals, &src->quals);
        if (r < 0)
                return r;
        r = object_copy_props(o, src, true);
        if (r < 0)
                return r;
        if (src->n_methods > 0) {
                o->methods = calloc(src->n_methods, sizeof(*o->methods));
                if (!o->methods)
                        return -ENOMEM;
                o->alloc_methods = src->n_methods;
        }
        for (size_t i = 0; i < src->n_methods; i++) {
                r = method_copy_internal(&o->methods[i], &src->methods[i], false);
                if (r < 0)
                        return r;
                o->n_methods++;
        }
        o->cls = lwmi_object_ref(src->cls);
        *ret = TAKE_PTR(o);
        return 0;
}

/**
 * cim_object_equal() - deep structural equality.
 * @a: first object (or NULL)
 * @b: second object (or NULL)
 *
 * Return: true when both describe the same class or instance; an instance's
 * class is compared structurally too.
 */
bool cim_object_equal(const lwmi_object *a, const lwmi_object *b) {
        if (a == b)
                return true;
        if (!a || !b)
                return false;
        if (a->genus != b->genus || !str_equal_null(a->name, b->name) ||
            !str_equal_null(a->superclass, b->superclass) ||
            !str_equal_null(a->server, b->server) ||
            !str_equal_null(a->namespace_, b->namespace_) || a->n_derivation != b->n_derivation ||
            !qualifier_set_equal(&a->quals, &b->quals) || a->n_props != b->n_props ||
            a->n_methods != b->n_methods)
                return false;
        for (size_t i = 0; i < a->n_derivation; i++)
                if (strcmp(a->derivation[i], b->derivation[i]) != 0)
                        return false;
        for (size_t i = 0; i < a->n_props; i++)
                if (!property_equal(&a->props[i], &b->props[i]))
                        return false;
        for (size_t i = 0; i < a->n_methods; i++)
                if (!method_equal(&a->methods[i], &b->methods[i]))
                        return false;
        return cim_object_equal(a->cls, b->cls);
}

_public_ bool lwmi_object_is_class(const lwmi_object *o) {
        return o && o->genus == CIM_GENUS_CLASS;
}

_public_ const char *lwmi_object_get_class_name(const lwmi_object *o) {
        return o ? o->name : NULL;
}

_public_ const char *lwmi_object_get_superclass(const lwmi_object *o) {
        return o ? o->superclass : NULL;
}

_public_ const char *lwmi_object_get_namespace(const lwmi_object *o) {
        return o ? o->namespace_ : NULL;
}

_public_ const char *lwmi_object_get_server(const lwmi_object *o) {
        return o ? o->server : NULL;
}

_public_ lwmi_object *lwmi_object_get_class(const lwmi_object *o) {
        return o ? o->cls : NULL;
}

_public_ int lwmi_object_set_namespace(lwmi_object *o, const char *server, const char *namespace_) {
        _cleanup_free_ char *s = NULL, *ns = NULL;
        int r;

        assert_return(o, -EINVAL);
        assert_return(!server || *server, -EINVAL);

        if (namespace_) {
                r = lwmi_namespace_normalize(namespace_, &ns);
                if (r < 0)
                        return r;
        }
        if (strdup_null(server, &s) < 0)
                return -ENOMEM;
        free(o->server);
        o->server = TAKE_PTR(s);
        if (o->namespace_borrowed && o->cls && ns && strcmp(ns, o->cls->namespace_) == 0)
                return 0; /* still the class's */
        if (!o->namespace_borrowed)
                free(o->namespace_);
        o->namespace_borrowed = false;
        o->namespace_ = TAKE_PTR(ns);
        return 0;
}

_public_ size_t lwmi_object_get_property_count(const lwmi_object *o) {
        return o ? o->n_props : 0;
}

_public_ const char *lwmi_object_get_property_name(const lwmi_object *o, size_t index) {
        if (!o || index >= o->n_props)
                return NULL;
        return o->props[index].name;
}

_public_ const lwmi_value *lwmi_object_peek_at(const lwmi_object *o, size_t index) {
        if (!o || index >= o->n_props)
                return NULL;
        return &o->props[index].value;
}

/*
 * Per thread, the last property lookups of instances: class, the caller's
 * name string (by address: programs look up the same literals again and
 * again) and the index found. Only a hint: the property at the index is
 * compared by name before it is returned, so a stale entry (a class freed
 * and another at its address, a buffer that now holds another name) costs
 * a scan, never a wrong answer.
 */
#define FIND_CACHE_SIZE 8
static _Thread_local struct {
        const lwmi_object *cls;
        const char *name;
        size_t index;
} find_cache[FIND_CACHE_SIZE];
static _Thread_local unsigned find_cache_next;

/* ASCII case folding, as lwmi_name_eq() compares. */
static inline unsigned char fold_ascii(unsigned char c) {
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c + 32) : c;
}

/**
 * cim_object_find_property() - a property of @o by name (case-insensitive).
 * @o: class or instance
 * @name: property name
 *
 * Return: the property (borrowed) or NULL.
 */
CimProperty *cim_object_find_property(const lwmi_object *o, const char *name) {
        unsigned char first;

        if (!o || !name)
                return NULL;
        if (o->cls) {
                /* an instance: where this name (the same string) was found last time */
                for (size_t k = 0; k < FIND_CACHE_SIZE; k++) {
                        size_t i = find_cache[k].index;

                        if (find_cache[k].name != name || find_cache[k].cls != o->cls)
                                continue;
                        if (i < o->n_props && o->props[i].name &&
                            lwmi_name_eq(o->props[i].name, name))
                                return &o->props[i];
                        break;
                }
        }
        /* most names differ in their first letter: compare the rest only when it matches */
        first = fold_ascii((unsigned char) name[0]);
        for (size_t i = 0; i < o->n_props; i++)
                if (o->props[i].name && fold_ascii((unsigned char) o->props[i].name[0]) == first &&
                    lwmi_name_eq(o->props[i].name, name)) {
                        if (o->cls) {
                                unsigned k = find_cache_next++ % FIND_CACHE_SIZE;

                                find_cache[k].cls = o->cls;
                                find_cache[k].name = name;
                                find_cache[k].index = i;
                        }
                        return &o->props[i];
                }
        return NULL;
}

/* The object that holds the methods: the class itself or an instance's class. */
static const lwmi_object *method_holder(const lwmi_object *o) {
        return o && o->genus == CIM_GENUS_INSTANCE && o->cls ? o->cls : o;
}

/**
 * cim_object_find_method() - a method by name (case-insensitive); instances
 * look in their class.
 * @o: class or instance
 * @name: method name
 *
 * Return: the method (borrowed) or NULL.
 */
CimMethod *cim_object_find_method(const lwmi_object *o, const char *name) {
        o = method_holder(o);
        if (!o || !name)
                return NULL;
        for (size_t i = 0; i < o->n_methods; i++)
                if (lwmi_name_eq(o->methods[i].name, name))
                        return &o->methods[i];
        return NULL;
}

_public_ int lwmi_object_find_property(const lwmi_object *o, const char *name) {
        CimProperty *p;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);

        p = cim_object_find_property(o, name);
        return p ? (int) (p - o->props) : -ENOENT;
}

static int set_string_or_null(lwmi_value *v, const char *s) {
        if (!s) {
                lwmi_value_set_null(v, LWMI_CIM_STRING);
                return 0;
        }
        return lwmi_value_set_string(v, LWMI_CIM_STRING, s);
}

static const char *object_dynasty(const lwmi_object *o) {
        return o->n_derivation > 0 ? o->derivation[o->n_derivation - 1] : o->name;
}

/* Computes a system property. Return: 0, -ENOENT (not a system property), -ENOMEM. */
static int system_property_get(const lwmi_object *o, const char *name, lwmi_value *ret) {
        lwmi_value v;
        int r;

        if (lwmi_name_eq(name, "__CLASS"))
                return set_string_or_null(ret, o->name);
        if (lwmi_name_eq(name, "__SUPERCLASS"))
                return set_string_or_null(ret, o->superclass);
        if (lwmi_name_eq(name, "__DYNASTY"))
                return set_string_or_null(ret, object_dynasty(o));
        if (lwmi_name_eq(name, "__NAMESPACE"))
                return set_string_or_null(ret, o->namespace_);
        if (lwmi_name_eq(name, "__SERVER"))
                return set_string_or_null(ret, o->server);
        if (lwmi_name_eq(name, "__GENUS")) {
                lwmi_value_set_sint(ret, LWMI_CIM_SINT32, o->genus);
                return 0;
        }
        if (lwmi_name_eq(name, "__PROPERTY_COUNT")) {
                lwmi_value_set_sint(ret, LWMI_CIM_SINT32, (int64_t) o->n_props);
                return 0;
        }
        if (lwmi_name_eq(name, "__DERIVATION")) {
                r = lwmi_value_set_array(&v, LWMI_CIM_STRING, o->n_derivation);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < o->n_derivation; i++) {
                        r = lwmi_value_set_string(&v.u.array.items[i], LWMI_CIM_STRING,
                                                  o->derivation[i]);
                        if (r < 0) {
                                lwmi_value_clear(&v);
                                return r;
                        }
                }
                *ret = v;
                return 0;
        }
        if (lwmi_name_eq(name, "__PATH") || lwmi_name_eq(name, "__RELPATH")) {
                bool relative = lwmi_name_eq(name, "__RELPATH");
                _cleanup_free_ char *p = NULL;

                /* __PATH is NULL until the object is placed in a namespace */
                if (!relative && !o->namespace_) {
                        lwmi_value_set_null(ret, LWMI_CIM_STRING);
                        return 0;
                }
                r = lwmi_object_get_path(o, relative, &p);
                if (r == -ENOKEY) {
                        lwmi_value_set_null(ret, LWMI_CIM_STRING);
                        return 0;
                }
                if (r < 0)
                        return r;
                *ret = (lwmi_value){ .type = LWMI_CIM_STRING, .u.string = TAKE_PTR(p) };
                return 0;
        }
        return -ENOENT;
}

_public_ int lwmi_object_get(const lwmi_object *o, const char *name, lwmi_value *ret_value,
                             lwmi_cimtype *ret_type) {
        const CimProperty *p;
        lwmi_value v;
        int r;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);
        assert_return(ret_value, -EINVAL);

        p = cim_object_find_property(o, name);
        if (!p) {
                if (name[0] != '_' || name[1] != '_')
                        return -ENOENT;
                r = system_property_get(o, name, &v);
                if (r < 0)
                        return r;
                if (ret_type)
                        *ret_type = v.type;
                *ret_value = v;
                return 0;
        }
        r = lwmi_value_copy(&v, &p->value);
        if (r < 0)
                return r;
        if (ret_type)
                *ret_type = p->type;
        *ret_value = v;
        return 0;
}

_public_ const lwmi_value *lwmi_object_peek(const lwmi_object *o, const char *name) {
        const CimProperty *p = cim_object_find_property(o, name);

        return p ? &p->value : NULL;
}

_public_ int lwmi_object_put(lwmi_object *o, const char *name, const lwmi_value *value) {
        CimProperty *p;
        lwmi_value v;
        int r;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);
        assert_return(value, -EINVAL);

        p = cim_object_find_property(o, name);
        if (!p)
                return cim_is_system_property(name) ? -EPERM : -ENOENT;

        if (value->is_null) {
                lwmi_value_set_null(&v, p->type);
        } else {
                r = value->type == p->type ? lwmi_value_copy(&v, value)
                                           : lwmi_value_convert(value, p->type, &v);
                if (r < 0)
                        return r;
        }
        lwmi_value_clear(&p->value);
        p->value = v;
        /* a default set in a subclass overrides the inherited declaration */
        if (o->genus == CIM_GENUS_CLASS)
                p->propagated = false;
        return 0;
}

/* ---- typed accessors ---- */

static bool type_is_integer(lwmi_cimtype t) {
        switch (t) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
        case LWMI_CIM_CHAR16:
                return true;
        default:
                return false;
        }
}

/*
 * Reads a property or a system property into @tmp (which the caller clears)
 * and points *ret at the value. Return: 0, -ENOENT, -ENOMEM.
 */
static int get_for_typed(const lwmi_object *o, const char *name, lwmi_value *tmp,
                         const lwmi_value **ret) {
        const lwmi_value *v;
        int r;

        *tmp = (lwmi_value) LWMI_VALUE_NULL;
        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);

        v = lwmi_object_peek(o, name);
        if (!v) {
                r = lwmi_object_get(o, name, tmp, NULL);
                if (r < 0)
                        return r;
                v = tmp;
        }
        *ret = v;
        return 0;
}

_public_ int lwmi_object_get_bool(const lwmi_object *o, const char *name, bool *ret) {
        _cleanup_(lwmi_value_clearp) lwmi_value tmp = LWMI_VALUE_NULL;
        const lwmi_value *v;
        int r;

        assert_return(ret, -EINVAL);
        r = get_for_typed(o, name, &tmp, &v);
        if (r < 0)
                return r;
        if (v->type != LWMI_CIM_BOOLEAN)
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        *ret = v->u.boolean;
        return 0;
}

_public_ int lwmi_object_get_sint64(const lwmi_object *o, const char *name, int64_t *ret) {
        _cleanup_(lwmi_value_clearp) lwmi_value tmp = LWMI_VALUE_NULL;
        lwmi_value c;
        const lwmi_value *v;
        int r;

        assert_return(ret, -EINVAL);
        r = get_for_typed(o, name, &tmp, &v);
        if (r < 0)
                return r;
        if (!type_is_integer(v->type))
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        r = lwmi_value_convert(v, LWMI_CIM_SINT64, &c);
        if (r < 0)
                return r;
        *ret = c.u.sint;
        return 0;
}

_public_ int lwmi_object_get_uint64(const lwmi_object *o, const char *name, uint64_t *ret) {
        _cleanup_(lwmi_value_clearp) lwmi_value tmp = LWMI_VALUE_NULL;
        lwmi_value c;
        const lwmi_value *v;
        int r;

        assert_return(ret, -EINVAL);
        r = get_for_typed(o, name, &tmp, &v);
        if (r < 0)
                return r;
        if (!type_is_integer(v->type))
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        if (v->type == LWMI_CIM_UINT64) {
                *ret = v->u.uint;
                return 0;
        }
        r = lwmi_value_convert(v, LWMI_CIM_UINT64, &c);
        if (r < 0)
                return r;
        *ret = c.u.uint;
        return 0;
}

_public_ int lwmi_object_get_real64(const lwmi_object *o, const char *name, double *ret) {
        _cleanup_(lwmi_value_clearp) lwmi_value tmp = LWMI_VALUE_NULL;
        lwmi_value c;
        const lwmi_value *v;
        int r;

        assert_return(ret, -EINVAL);
        r = get_for_typed(o, name, &tmp, &v);
        if (r < 0)
                return r;
        if (!type_is_integer(v->type) && v->type != LWMI_CIM_REAL32 && v->type != LWMI_CIM_REAL64)
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        if (v->type == LWMI_CIM_CHAR16) {
                *ret = v->u.char16;
                return 0;
        }
        r = lwmi_value_convert(v, LWMI_CIM_REAL64, &c);
        if (r < 0)
                return r;
        *ret = c.u.real;
        return 0;
}

_public_ int lwmi_object_get_string(const lwmi_object *o, const char *name, const char **ret) {
        const lwmi_value *v;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);
        assert_return(ret, -EINVAL);

        v = lwmi_object_peek(o, name);
        if (!v) {
                const char *s;

                /* system properties that are stored strings can be borrowed */
                if (lwmi_name_eq(name, "__CLASS"))
                        s = o->name;
                else if (lwmi_name_eq(name, "__SUPERCLASS"))
                        s = o->superclass;
                else if (lwmi_name_eq(name, "__DYNASTY"))
                        s = object_dynasty(o);
                else if (lwmi_name_eq(name, "__NAMESPACE"))
                        s = o->namespace_;
                else if (lwmi_name_eq(name, "__SERVER"))
                        s = o->server;
                else
                        return cim_is_system_property(name) ? -EINVAL : -ENOENT;
                if (!s)
                        return -ENODATA;
                *ret = s;
                return 0;
        }
        if (LWMI_CIM_IS_ARRAY(v->type) ||
            (v->type != LWMI_CIM_STRING && v->type != LWMI_CIM_REFERENCE))
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        *ret = v->u.string;
        return 0;
}

_public_ int lwmi_object_get_datetime(const lwmi_object *o, const char *name, lwmi_datetime *ret) {
        const lwmi_value *v;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);
        assert_return(ret, -EINVAL);

        v = lwmi_object_peek(o, name);
        if (!v)
                return cim_is_system_property(name) ? -EINVAL : -ENOENT;
        if (v->type != LWMI_CIM_DATETIME)
                return -EINVAL;
        if (v->is_null)
                return -ENODATA;
        *ret = v->u.datetime;
        return 0;
}

_public_ int lwmi_object_set_bool(lwmi_object *o, const char *name, bool b) {
        lwmi_value v;

        lwmi_value_set_bool(&v, b);
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_sint64(lwmi_object *o, const char *name, int64_t i) {
        lwmi_value v;

        lwmi_value_set_sint(&v, LWMI_CIM_SINT64, i);
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_uint64(lwmi_object *o, const char *name, uint64_t u) {
        lwmi_value v;

        lwmi_value_set_uint(&v, LWMI_CIM_UINT64, u);
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_real64(lwmi_object *o, const char *name, double r) {
        lwmi_value v;

        lwmi_value_set_real(&v, LWMI_CIM_REAL64, r);
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_string(lwmi_object *o, const char *name, const char *s) {
        _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;
        int r;

        assert_return(s, -EINVAL);
        r = lwmi_value_set_string(&v, LWMI_CIM_STRING, s);
        if (r < 0)
                return r;
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_datetime(lwmi_object *o, const char *name, const lwmi_datetime *dt) {
        lwmi_value v;

        assert_return(dt, -EINVAL);
        lwmi_value_set_datetime(&v, dt);
        return lwmi_object_put(o, name, &v);
}

_public_ int lwmi_object_set_null(lwmi_object *o, const char *name) {
        lwmi_value v;

        lwmi_value_set_null(&v, LWMI_CIM_EMPTY);
        return lwmi_object_put(o, name, &v);
}

/* ---- qualifiers ---- */

static const CimQualifierSet *qualifier_set_of(const lwmi_object *o, const char *property) {
        const CimProperty *p;

        if (!property)
                return &o->quals;
        p = cim_object_find_property(o, property);
        return p ? &p->quals : NULL;
}

_public_ const lwmi_value *lwmi_object_get_qualifier(const lwmi_object *o, const char *property,
                                                     const char *qualifier) {
        const CimQualifierSet *s;
        const CimQualifier *q;

        if (!o || !qualifier)
                return NULL;
        s = qualifier_set_of(o, property);
        if (!s)
                return NULL;
        q = cim_qualifier_set_find(s, qualifier);
        if (q)
                return &q->value;
        if (o->genus == CIM_GENUS_INSTANCE && o->cls)
                return lwmi_object_get_qualifier(o->cls, property, qualifier);
        return NULL;
}

_public_ int lwmi_object_set_qualifier(lwmi_object *o, const char *property, const char *qualifier,
                                       const lwmi_value *value, uint32_t flavor) {
        CimProperty *p = NULL;
        int r;

        assert_return(o, -EINVAL);
        assert_return(lwmi_name_is_valid(qualifier), -EINVAL);
        assert_return(value, -EINVAL);
        assert_return((flavor & ~(uint32_t) 0x3f) == 0, -EINVAL);

        if (property) {
                p = cim_object_find_property(o, property);
                if (!p)
                        return -ENOENT;
        }
        r = cim_qualifier_set_put(p ? &p->quals : &o->quals, qualifier, value, flavor);
        if (r < 0)
                return r;
        /* a qualifier added in a subclass makes the property a local override */
        if (p && o->genus == CIM_GENUS_CLASS && !(flavor & LWMI_FLAVOR_PROPAGATED))
                p->propagated = false;
        return 0;
}

/* ---- methods ---- */

_public_ size_t lwmi_object_get_method_count(const lwmi_object *o) {
        o = method_holder(o);
        return o ? o->n_methods : 0;
}

_public_ const char *lwmi_object_get_method_name(const lwmi_object *o, size_t index) {
        o = method_holder(o);
        if (!o || index >= o->n_methods)
                return NULL;
        return o->methods[index].name;
}

_public_ int lwmi_object_find_method(const lwmi_object *o, const char *name) {
        const CimMethod *m;

        assert_return(o, -EINVAL);
        assert_return(name, -EINVAL);

        m = cim_object_find_method(o, name);
        return m ? (int) (m - method_holder(o)->methods) : -ENOENT;
}

/* The ID qualifier of a parameter as an integer, or -1 when absent/invalid. */
static int64_t param_id(const CimProperty *p) {
        const CimQualifier *q = cim_qualifier_set_find(&p->quals, "ID");
        lwmi_value v;

        if (!q || lwmi_value_convert(&q->value, LWMI_CIM_SINT64, &v) < 0 || v.is_null ||
            v.u.sint < 0)
                return -1;
        return v.u.sint;
}

typedef struct ParamOrder {
        size_t index;
        int64_t id;
} ParamOrder;

static int param_order_cmp(const void *a, const void *b) {
        const ParamOrder *x = a, *y = b;

        /* parameters with an ID first, by ID; then the others in declaration order */
        if ((x->id < 0) != (y->id < 0))
                return x->id < 0 ? 1 : -1;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return (x->index > y->index) - (x->index < y->index);
}

static int params_class_add(lwmi_object *cls, const CimProperty *src) {
        CimProperty p;
        char *origin;
        int r;

        if (GROW(cls->props, cls->alloc_props, cls->n_props + 1) < 0)
                return -ENOMEM;
        r = cim_property_copy(&p, src);
        if (r < 0)
                return r;
        origin = strdup(cls->name);
        if (!origin) {
                cim_property_deinit(&p);
                return -ENOMEM;
        }
        free(p.origin);
        p.origin = origin;
        p.propagated = false;
        cls->props[cls->n_props++] = p;
        return 0;
}

_public_ int lwmi_object_get_method_signature(const lwmi_object *o, const char *method,
                                              lwmi_object **ret_in, lwmi_object **ret_out) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *in = NULL, *out = NULL;
        _cleanup_free_ ParamOrder *order = NULL;
        const CimMethod *m;
        int r;

        assert_return(o, -EINVAL);
        assert_return(method, -EINVAL);

        m = cim_object_find_method(o, method);
        if (!m)
                return -ENOENT;

        r = lwmi_class_new("__PARAMETERS", NULL, &in);
        if (r < 0)
                return r;
        r = lwmi_class_new("__PARAMETERS", NULL, &out);
        if (r < 0)
                return r;

        if (m->return_type != LWMI_CIM_EMPTY) {
                CimProperty rv;
                lwmi_value t;

                r = property_init(&rv, "ReturnValue", m->return_type, m->return_ref_class,
                                  "__PARAMETERS");
                if (r < 0)
                        return r;
                lwmi_value_set_bool(&t, true);
                r = cim_qualifier_set_put(&rv.quals, "Out", &t, 0);
                if (r >= 0)
                        r = params_class_add(out, &rv);
                cim_property_deinit(&rv);
                if (r < 0)
                        return r;
        }

        if (m->n_params > 0) {
                order = calloc(m->n_params, sizeof(*order));
                if (!order)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_params; i++)
                order[i] = (ParamOrder){ .index = i, .id = param_id(&m->params[i]) };
        if (m->n_params > 1)
                qsort(order, m->n_params, sizeof(*order), param_order_cmp);

        for (size_t i = 0; i < m->n_params; i++) {
                const CimProperty *p = &m->params[order[i].index];
                bool is_in = qualifier_is_true(cim_qualifier_set_find(&p->quals, "In"));
                bool is_out = qualifier_is_true(cim_qualifier_set_find(&p->quals, "Out"));

                /* MOF parameters without [in] or [out] are input parameters */
                if (!is_in && !is_out)
                        is_in = true;
                if (is_in) {
                        r = params_class_add(in, p);
                        if (r < 0)
                                return r;
                }
                if (is_out) {
                        r = params_class_add(out, p);
                        if (r < 0)
                                return r;
                }
        }

        if (ret_in)
                *ret_in = in->n_props > 0 ? TAKE_PTR(in) : NULL;
        if (ret_out)
                *ret_out = out->n_props > 0 ? TAKE_PTR(out) : NULL;
        return 0;
}

_public_ bool lwmi_object_is_key(const lwmi_object *o, const char *name) {
        const lwmi_value *v;

        if (!o || !name || !cim_object_find_property(o, name))
                return false;
        v = lwmi_object_get_qualifier(o, name, "Key");
        if (!v || v->is_null)
                return false;
        return v->type != LWMI_CIM_BOOLEAN || v->u.boolean;
}

_public_ bool lwmi_object_derives_from(const lwmi_object *o, const char *class_name) {
        if (!o || !class_name)
                return false;
        if (lwmi_name_eq(o->name, class_name))
                return true;
        for (size_t i = 0; i < o->n_derivation; i++)
                if (lwmi_name_eq(o->derivation[i], class_name))
                        return true;
        return false;
}
