/* SPDX-License-Identifier: MIT */
/* MOF parser: source text to the syntax tree of mof-ast.h. */
#pragma once

#include "mof/mof-ast.h"
#include "mof/mof.h"

/* One loaded source text (a file or a buffer), already UTF-8. */
typedef struct MofSource {
        char *path; /* name used in positions */
        char *data;
        size_t size;
        bool cpp_markers; /* preprocessed text with "# N "file"" line markers */
} MofSource;

void mof_source_done(MofSource *s);

/*
 * Loads the file named by "#pragma include(@name)" seen in @including_file.
 * Reports its own errors (at @pos) and returns a negative errno on failure.
 */
typedef int (*MofSourceLoadFn)(void *userdata, const char *including_file, const char *name,
                               const MofPos *pos, MofSource *ret);

typedef struct MofParseContext {
        MofArena *arena;
        MofDiagList *diags;
        unsigned *n_errors;
        unsigned max_errors;
        const char *default_namespace; /* "root\\wmi" when NULL */
        MofSourceLoadFn load;          /* NULL: #pragma include is an error */
        void *userdata;
} MofParseContext;

/*
 * mof_parse_source() - parse @src, appending its productions to @ast. Syntax
 * errors are reported to ctx->diags and counted in *ctx->n_errors; parsing
 * resumes after the next ';' or '}'.
 * Return: 0 (check *ctx->n_errors), -ENOMEM.
 */
int mof_parse_source(const MofParseContext *ctx, const MofSource *src, MofAst *ast);

/* The CIM type named by a MOF type keyword (case-insensitive), or LWMI_CIM_EMPTY. */
lwmi_cimtype mof_type_from_name(const char *name);
