/* SPDX-License-Identifier: MIT */
/* Running the C preprocessor over MOF text (mofcomp --cpp). */
#pragma once

#include <stddef.h>

#include "mof/mof.h"

/*
 * mof_cpp_run() - preprocess @len bytes of UTF-8 @text, named @name, with
 * "cpp -undef -nostdinc -x c" (the program is $LWMI_CPP when set). #include
 * "x" is searched in @dir, then in @include_dirs. The output keeps line
 * markers so that positions still name the original files and lines.
 * Errors of the preprocessor become diagnostics (counted in *n_errors).
 * Return: 0, -EINVAL (the preprocessor failed), -ENOMEM, or another
 * negative errno when it cannot be run.
 */
int mof_cpp_run(const char *name, const char *dir, const char *text, size_t len,
                const char *const *include_dirs, size_t n_include_dirs, char **ret_out,
                size_t *ret_len, MofDiagList *diags, unsigned *n_errors);
