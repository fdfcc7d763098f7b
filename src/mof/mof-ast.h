/* SPDX-License-Identifier: MIT */
/*
 * MOF syntax tree: what the parser produces and the compiler consumes. Every
 * node and string lives in one MofArena, freed in one go after compilation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwmi/common.h>

/* Limits on what an input can make the compiler allocate or recurse into. */
#define MOF_MAX_INPUT_SIZE    (64u * 1024u * 1024u) /* bytes of one source file */
#define MOF_MAX_INCLUDE_DEPTH 16u                   /* nested #pragma include */
#define MOF_MAX_NESTING       32u                   /* nested instance values */
#define MOF_MAX_STRING        (1u << 20)            /* bytes of one string literal */

typedef struct MofArenaBlock MofArenaBlock;

/* A bump allocator: allocations are freed only by mof_arena_deinit(). */
typedef struct MofArena {
        MofArenaBlock *blocks;
        bool oom; /* sticky: an allocation failed */
} MofArena;

#define MOF_ARENA_INIT \
 { .blocks = NULL, .oom = false }

void mof_arena_deinit(MofArena *a);
void *mof_arena_alloc(MofArena *a, size_t size);
char *mof_arena_strndup(MofArena *a, const char *s, size_t n);
char *mof_arena_strdup(MofArena *a, const char *s);
/* Grows an arena-backed array (old storage is abandoned to the arena). */
int mof_arena_grow(MofArena *a, void **array, size_t *n_alloc, size_t need, size_t elsize);
#define MOF_ARENA_GROW(a, array, n_alloc, need) \
 mof_arena_grow((a), (void **) &(array), &(n_alloc), (need), sizeof(*(array)))

/* A source position; @file is interned in the arena. */
typedef struct MofPos {
        const char *file;
        unsigned line;
        unsigned col;
} MofPos;

typedef enum MofLitKind {
        MOF_LIT_NULL,
        MOF_LIT_BOOL,
        MOF_LIT_INT, /* @u with @neg for negative numbers */
        MOF_LIT_REAL,
        MOF_LIT_STRING, /* adjacent literals already concatenated */
        MOF_LIT_CHAR16,
        MOF_LIT_ARRAY, /* { v, v, ... } */
        MOF_LIT_ALIAS, /* $name: a reference to an aliased instance */
} MofLitKind;

typedef struct MofLit {
        MofLitKind kind;
        MofPos pos;
        bool b;
        bool neg; /* MOF_LIT_INT: the value is -@u */
        uint64_t u;
        double r;
        uint16_t c;
        char *s; /* STRING (UTF-8), ALIAS (name without '$') */
        struct MofLit *items;
        size_t n_items;
        size_t alloc_items;
} MofLit;

typedef struct MofQual {
        char *name;
        MofPos pos;
        bool has_value; /* false for a bare qualifier such as "read" (TRUE) */
        MofLit value;
        uint32_t flavor;       /* LWMI_FLAVOR_* */
        uint32_t flavor_clear; /* flavors explicitly turned off (ToSubclass, EnableOverride) */
        bool has_flavor;
} MofQual;

typedef struct MofQualList {
        MofQual *items;
        size_t n;
        size_t alloc;
} MofQualList;

/*
 * A property, reference, method or method parameter. @type is the base CIM
 * type; LWMI_CIM_OBJECT with @class_ref for an embedded class, and
 * LWMI_CIM_REFERENCE with @class_ref for "Class ref".
 */
typedef struct MofFeature {
        MofPos pos;      /* of the name */
        MofPos type_pos; /* of the type */
        MofQualList quals;
        char *name;
        lwmi_cimtype type;
        char *class_ref;
        bool is_array;
        int32_t array_size; /* x[n]: n, x[]: -1 */
        bool has_default;
        MofLit def;
        bool is_method;
        struct MofFeature *params;
        size_t n_params;
        size_t alloc_params;
} MofFeature;

typedef struct MofClassDecl {
        MofPos pos; /* of the class name */
        MofQualList quals;
        char *name;
        char *super; /* NULL when none */
        MofPos super_pos;
        MofFeature *features;
        size_t n_features;
        size_t alloc_features;
} MofClassDecl;

typedef struct MofPropInit {
        MofPos pos;
        MofQualList quals;
        char *name;
        MofLit value;
} MofPropInit;

typedef struct MofInstanceDecl {
        MofPos pos; /* of the class name */
        MofQualList quals;
        char *class_name;
        char *alias; /* without '$', or NULL */
        MofPos alias_pos;
        MofPropInit *props;
        size_t n_props;
        size_t alloc_props;
} MofInstanceDecl;

typedef struct MofQualDeclAst {
        MofPos pos;
        char *name;
        lwmi_cimtype type; /* with LWMI_CIM_FLAG_ARRAY */
        bool has_default;
        MofLit def;
        uint32_t scopes;
        uint32_t flavor;
} MofQualDeclAst;

typedef enum MofNodeKind {
        MOF_NODE_CLASS,
        MOF_NODE_INSTANCE,
        MOF_NODE_QUALIFIER_DECL,
        MOF_NODE_DELETE_CLASS,
        MOF_NODE_DELETE_INSTANCE,
        MOF_NODE_CPP_QUOTE,
} MofNodeKind;

/* One top-level production, with the pragma state in force where it starts. */
typedef struct MofNode {
        MofNodeKind kind;
        MofPos pos;
        const char *namespace_; /* canonical, interned */
        uint32_t class_flags;
        union {
                MofClassDecl cls;
                MofInstanceDecl inst;
                MofQualDeclAst qual;
                struct {
                        char *target;
                        bool fail_if_missing;
                } del;
                char *text; /* CPP_QUOTE */
        } u;
} MofNode;

/* The whole parsed input, in file order (included files inline). */
typedef struct MofAst {
        MofNode *nodes;
        size_t n_nodes;
        size_t alloc_nodes;
        bool autorecover;
        char *locale;
} MofAst;
