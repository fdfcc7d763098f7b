/* SPDX-License-Identifier: MIT */
/*
 * MOF compiler front end: DSP0004 MOF as Microsoft's mofcomp accepts it, to
 * lwmi_object classes and instances. No I/O except reading the input file
 * and its #include / #pragma include files.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <lwmi/common.h>

/* One diagnostic: "file:line:col: error: message". */
typedef struct MofDiag {
        char *file;
        unsigned line; /* 1-based */
        unsigned col;  /* 1-based, in characters */
        bool warning;
        char *message;
} MofDiag;

typedef struct MofDiagList {
        MofDiag *items;
        size_t n;
        size_t alloc;
} MofDiagList;

#define MOF_DIAG_LIST_INIT \
 { .items = NULL, .n = 0, .alloc = 0 }
void mof_diag_list_deinit(MofDiagList *l);
size_t mof_diag_list_count_errors(const MofDiagList *l);
/* Prints every diagnostic as "file:line:col: error: message\n". */
void mof_diag_list_print(const MofDiagList *l, FILE *f);

/*
 * Looks up a class that the file does not define (its superclass, an embedded
 * class, a reference target). Returns a new reference or NULL when unknown.
 */
typedef lwmi_object *(*MofClassLookupFn)(void *userdata, const char *namespace_,
                                         const char *class_name);

typedef struct MofOptions {
        const char *const *include_dirs; /* -I folders, searched after the file's own folder */
        size_t n_include_dirs;
        bool run_cpp;                  /* run the C preprocessor first (--cpp) */
        const char *default_namespace; /* "root\\wmi" when NULL */
        /*
         * With a lookup function, every superclass / embedded class that the file
         * does not define must be found, else it is an error. Without one (--check),
         * unknown superclasses are accepted and their classes left unresolved.
         */
        MofClassLookupFn lookup;
        void *userdata;
        unsigned max_errors; /* stop after this many errors (0 = 50) */
} MofOptions;

typedef enum MofItemKind {
        MOF_ITEM_CLASS,
        MOF_ITEM_INSTANCE,
        MOF_ITEM_QUALIFIER_DECL,
        MOF_ITEM_DELETE_CLASS,    /* #pragma deleteclass("name", FAIL|NOFAIL) */
        MOF_ITEM_DELETE_INSTANCE, /* #pragma deleteinstance("path", FAIL|NOFAIL) */
        MOF_ITEM_CPP_QUOTE,       /* top-level cpp_quote("text"): @text, for the header emitter */
} MofItemKind;

/*
 * Qualifier values. A qualifier declared in the file ("Qualifier Name : type")
 * takes the declared type. Otherwise its type comes from the literal: a bare
 * qualifier ("read") is boolean TRUE; integers are LWMI_CIM_SINT32 (sint64 when
 * they do not fit, uint64 above INT64_MAX); reals real64; strings string;
 * 'c' char16; arrays ("Values{...}") an array of their elements' type (string
 * for an empty array). Unknown qualifiers are always kept.
 *
 * Classes: properties carry CimProperty.array_size (x[4] -> 4, x[] -> -1);
 * method parameters carry In / Out qualifiers as written and, when the method
 * gives none, an ID qualifier (sint32, 0-based, declaration order) like
 * Microsoft's mofcomp adds.
 */
typedef struct MofQualifierDecl {
        char *name;
        lwmi_cimtype type;
        lwmi_value default_value;
        uint32_t scopes; /* MOF_SCOPE_* bits */
        uint32_t flavor; /* LWMI_FLAVOR_* */
} MofQualifierDecl;

enum {
        MOF_SCOPE_CLASS = 1 << 0,
        MOF_SCOPE_ASSOCIATION = 1 << 1,
        MOF_SCOPE_INDICATION = 1 << 2,
        MOF_SCOPE_PROPERTY = 1 << 3,
        MOF_SCOPE_REFERENCE = 1 << 4,
        MOF_SCOPE_METHOD = 1 << 5,
        MOF_SCOPE_PARAMETER = 1 << 6,
        MOF_SCOPE_QUALIFIER = 1 << 7,
        MOF_SCOPE_ANY = 0xff,
};

enum {
        MOF_CLASSFLAG_FORCEUPDATE = 1 << 0,
        MOF_CLASSFLAG_SAFEUPDATE = 1 << 1,
        MOF_CLASSFLAG_UPDATEONLY = 1 << 2,
        MOF_CLASSFLAG_CREATEONLY = 1 << 3,
};

typedef struct MofItem {
        MofItemKind kind;
        char *namespace_;    /* canonical (lwmi_namespace_normalize), from #pragma namespace */
        lwmi_object *object; /* CLASS and INSTANCE */
        MofQualifierDecl qualifier; /* QUALIFIER_DECL */
        char *target;               /* DELETE_*: class name or instance path */
        bool fail_if_missing;       /* DELETE_*: FAIL rather than NOFAIL */
        char *alias;                /* INSTANCE with "as $alias" */
        uint32_t class_flags;       /* MOF_CLASSFLAG_* in force for a CLASS */
        bool resolved;              /* CLASS: superclass chain fully known; INSTANCE: class known */
        char *text;                 /* CPP_QUOTE: the quoted text (adjacent literals joined) */
        char *file;                 /* where the item starts */
        unsigned line;
        unsigned col;
} MofItem;

typedef struct MofResult {
        MofItem *items; /* in file order */
        size_t n_items;
        size_t alloc_items;
        bool autorecover; /* #pragma autorecover seen */
        char *locale;     /* #pragma locale */
} MofResult;

MofResult *mof_result_free(MofResult *r);
static inline void mof_result_freep(MofResult **r) {
        if (*r)
                mof_result_free(*r);
}

/* Finds a compiled class by name (case-insensitive) in @r, or NULL (borrowed). */
lwmi_object *mof_result_find_class(const MofResult *r, const char *class_name);

/*
 * mof_compile_file() / mof_compile_buffer() - compile MOF text.
 * Input may be UTF-8 (with or without BOM) or UTF-16LE/BE with BOM, LF or CRLF.
 * Every problem found is appended to @diags (several per run); compilation
 * goes on after an error where it can.
 *
 * Return: 0 when there were no errors (then *ret is set), -EINVAL when there
 * were errors (diagnostics in @diags, *ret untouched), -ENOENT / -EIO for an
 * unreadable input file (also reported in @diags), -ENOMEM.
 */
int mof_compile_file(const char *path, const MofOptions *opts, MofResult **ret, MofDiagList *diags);
int mof_compile_buffer(const char *name, const void *data, size_t size, const MofOptions *opts,
                       MofResult **ret, MofDiagList *diags);
