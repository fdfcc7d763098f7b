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
        lwmi_cimtype type;      /* with LWMI_CIM_FLAG_ARRAY for arrays */
        int32_t array_size;     /* T x[n]: n; T x[]: -1; scalars: -1 */
        char *ref_class;        /* ref<C> target or embedded object class, else NULL */
        CimQualifierSet quals;
        lwmi_value value;       /* class: default value; instance: the value */
        char *origin;           /* the class that declared it */
        bool propagated;        /* inherited, not (re)declared locally */
} CimProperty;

typedef struct CimMethod {
        char *name;
        lwmi_cimtype return_type;    /* LWMI_CIM_EMPTY for void */
        char *return_ref_class;
        CimQualifierSet quals;
        CimProperty *params;         /* declaration order; quals hold In, Out, ID, WmiSizeIs... */
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
        char *name;              /* class name */
        char *superclass;        /* direct superclass name or NULL */
        char *server;            /* NULL until placed */
        char *namespace_;        /* NULL until placed */
        char **derivation;       /* superclass chain, nearest first (__DERIVATION) */
        size_t n_derivation;
        CimQualifierSet quals;   /* class qualifiers (instances: instance qualifiers) */
        CimProperty *props;
        size_t n_props;
        size_t alloc_props;
        CimMethod *methods;
        size_t n_methods;
        size_t alloc_methods;
        lwmi_object *cls;        /* instances: their class (referenced); classes: NULL */
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
typedef lwmi_object *(*CimClassLookupFn)(void *userdata, const char *class_name);
int cim_object_decode(const void *data, size_t size, CimClassLookupFn lookup, void *userdata,
                      lwmi_object **ret);
