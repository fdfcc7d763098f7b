/* SPDX-License-Identifier: MIT */
/*
 * Internal layout of lwmi_object and lwmi_path, shared by src/ code that walks
 * classes directly (MOF compiler, data-block layout, repository, WQL glue).
 * Code outside src/ uses only include/lwmi/common.h.
 */
#pragma once

#include <lwmi/common.h>

#include "shared/strbuf.h"

typedef struct CimQualifier {
        char *name;
        lwmi_value value;
        uint32_t flavor; /* LWMI_FLAVOR_* */
} CimQualifier;

typedef struct CimQualifierSet {
        CimQualifier *items;
        size_t n;
        size_t alloc;
} CimQualifierSet;

/*
 * A property of a class (or a parameter of a method). For instances the same
 * array is copied from the class and @value holds the instance's value.
 */
typedef struct CimProperty {
        char *name;
        lwmi_cimtype type;  /* with LWMI_CIM_FLAG_ARRAY for arrays */
        int32_t array_size; /* T x[n]: n; T x[]: -1; scalars: -1 */
        char *ref_class;    /* ref<C> target or embedded object class, else NULL */
        CimQualifierSet quals;
        lwmi_value value; /* class: default value; instance: the value */
        char *origin;     /* the class that declared it */
        bool propagated;  /* inherited, not (re)declared locally */
        bool borrowed;    /* instance: @name and @origin are its class's (held by o->cls) */
} CimProperty;

typedef struct CimMethod {
        char *name;
        lwmi_cimtype return_type; /* LWMI_CIM_EMPTY for void */
        char *return_ref_class;
        CimQualifierSet quals;
        CimProperty *params; /* declaration order; quals hold In, Out, ID, WmiSizeIs... */
        size_t n_params;
        size_t alloc_params;
        char *origin;
        bool propagated;
} CimMethod;

typedef enum CimGenus {
        CIM_GENUS_CLASS = 1,
        CIM_GENUS_INSTANCE = 2,
} CimGenus;

struct lwmi_object {
        unsigned n_ref;
        CimGenus genus;
        char *name;        /* class name */
        char *superclass;  /* direct superclass name or NULL */
        char *server;      /* NULL until placed */
        char *namespace_;  /* NULL until placed */
        char **derivation; /* superclass chain, nearest first (__DERIVATION) */
        size_t n_derivation;
        CimQualifierSet quals; /* class qualifiers (instances: instance qualifiers) */
        CimProperty *props;
        size_t n_props;
        size_t alloc_props;
        CimMethod *methods;
        size_t n_methods;
        size_t alloc_methods;
        lwmi_object *cls;        /* instances: their class (referenced); classes: NULL */
        bool identity_borrowed;  /* instance: name, superclass, derivation are cls's */
        bool namespace_borrowed; /* instance: namespace_ is cls->namespace_ */
};

struct lwmi_path_key {
        char *name;
        lwmi_value value;
};

struct lwmi_path {
        char *server;
        char *namespace_;
        char *class_name;
        bool singleton;
        struct lwmi_path_key *keys;
        size_t n_keys;
        size_t alloc_keys;
};

/* Qualifier sets */
void cim_qualifier_set_deinit(CimQualifierSet *s);
int cim_qualifier_set_copy(CimQualifierSet *dst, const CimQualifierSet *src);
CimQualifier *cim_qualifier_set_find(const CimQualifierSet *s, const char *name);
/* Adds or replaces a qualifier; the value is copied. */
int cim_qualifier_set_put(CimQualifierSet *s, const char *name, const lwmi_value *v,
                          uint32_t flavor);

/* Properties */
void cim_property_deinit(CimProperty *p);
int cim_property_copy(CimProperty *dst, const CimProperty *src);
CimProperty *cim_object_find_property(const lwmi_object *o, const char *name);
CimMethod *cim_object_find_method(const lwmi_object *o, const char *name);
CimProperty *cim_method_find_param(const CimMethod *m, const char *name);

/*
 * Binary encoding of objects, shared by the repository and the wire protocol.
 * The format is versioned, little-endian, length-prefixed; the decoder checks
 * every length against the input and never trusts a count. A decoded instance
 * refers to the class given to the decoder (instances are encoded without
 * their class definition: class name plus values).
 */
int cim_object_encode(const lwmi_object *o, StrBuf *out);
/*
 * The decoder's class lookup: returns a NEW reference to the class named
 * @class_name (the decoder drops it), or NULL when unknown (the decode then
 * fails with -ENOENT). Same convention as MofClassLookupFn.
 */
typedef lwmi_object *(*CimClassLookupFn)(void *userdata, const char *class_name);
int cim_object_decode(const void *data, size_t size, CimClassLookupFn lookup, void *userdata,
                      lwmi_object **ret);

/*
 * Added by src/core (not in the original contract):
 */

/*
 * Like cim_object_encode(), but an instance carries its full class definition,
 * so that it decodes without a lookup (__PARAMETERS objects, embedded objects,
 * events whose class the receiver does not know). Classes encode as with
 * cim_object_encode(). Embedded object values are always encoded this way.
 */
int cim_object_encode_full(const lwmi_object *o, StrBuf *out);

/*
 * The encoding of an instance of @cls (no qualifiers of its own, namespace
 * @ns) from one value per class property, without building the object.
 */
int cim_encode_instance_values(StrBuf *out, const lwmi_object *cls, const char *ns,
                               const lwmi_value *const *values);

/* Deep structural equality of two objects (names compared exactly). */
bool cim_object_equal(const lwmi_object *a, const lwmi_object *b);

/* A valid CIM type: a known base type (not EMPTY), optionally with LWMI_CIM_FLAG_ARRAY. */
bool cim_type_is_valid(lwmi_cimtype type);

/* Whether @name is one of the system properties (__CLASS, __PATH, ...). */
bool cim_is_system_property(const char *name);

/*
 * Text helpers shared with the MOF compiler and the tools. They append to
 * @b; an allocation failure is sticky in @b (b->oom).
 */
/* "..." with MOF escapes (\" \\ \n \t \r \b \f, \x0001 for other controls). */
void cim_append_mof_string(StrBuf *b, const char *s);
/* "..." with RFC 8259 escapes (invalid UTF-8 bytes become U+FFFD). */
void cim_append_json_string(StrBuf *b, const char *s);
/* The value as a MOF literal / as JSON (see lwmi_value_to_mof() / _to_json()). */
void cim_append_value_mof(StrBuf *b, const lwmi_value *v);
void cim_append_value_json(StrBuf *b, const lwmi_value *v);
/*
 * Parses an integer literal exactly: [+-]?(0x hex | decimal), nothing else.
 * Return: 0 (sign in *ret_neg, magnitude in *ret_mag), -EINVAL (syntax),
 * -ERANGE (magnitude above UINT64_MAX).
 */
int cim_parse_integer(const char *s, bool *ret_neg, uint64_t *ret_mag);
/* Shortest text that reads back as the same double (or float when @real32). */
void cim_append_real(StrBuf *b, double r, bool real32);

/* The status table of src/core/status.c, for tests: row count and row @i. */
size_t cim_status_table_size(void);
lwmi_status cim_status_table_get(size_t i, bool *ret_primary);
