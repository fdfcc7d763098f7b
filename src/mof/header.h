/* SPDX-License-Identifier: MIT */
/* C header output for MOF classes, in the spirit of `wmimofck -h -m` (spec section 3). */
#pragma once

#include <stdio.h>

#include "mof/mof.h"

typedef struct MofHeaderOptions {
        const char *guard_name;  /* base name for the include guard (from the output file) */
        bool method_structs;     /* -m: emit <Method>_IN / _OUT structs (default on) */
} MofHeaderOptions;

/*
 * mof_header_emit() - write the C header for every WMI class of @r to @out.
 * Return: 0, -EINVAL with *reterr_message when a class cannot be laid out,
 * -ENOMEM, -EIO.
 */
int mof_header_emit(const MofResult *r, const MofHeaderOptions *opts, FILE *out,
                    char **reterr_message);
