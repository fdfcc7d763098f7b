/* SPDX-License-Identifier: MIT */
/* C header output for MOF classes, in the spirit of `wmimofck -h -m` (spec section 3). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "mof/layout.h"
#include "mof/mof.h"

typedef struct MofHeaderOptions {
        const char *guard_name; /* base name for the include guard (from the output file) */
        bool method_structs;    /* -m: emit <Method>_IN / _OUT structs (default on) */
        bool no_preamble;       /* leave out the Linux type preamble (types come from elsewhere) */
        BlockClassLookupFn lookup; /* embedded classes the file does not define (may be NULL) */
        void *userdata;
} MofHeaderOptions;

/*
 * mof_header_emit() - write the C header for every WMI class of @r to @out.
 * @opts: NULL for the defaults (guard "_wmidata_h_", method structs on)
 * Return: 0, -EINVAL with *reterr_message when a class cannot be laid out,
 * -ENOMEM, -EIO.
 */
int mof_header_emit(const MofResult *r, const MofHeaderOptions *opts, FILE *out,
                    char **reterr_message);

/*
 * mof_header_class_emitted() - whether mof_header_emit() writes a section for
 * @cls: a class with the WMI qualifier and a guid or data items, not marked
 * WmiGenerateHeader(FALSE).
 */
bool mof_header_class_emitted(const lwmi_object *cls);

/* mof_header_struct_name() - the struct name of @cls: its HeaderName, else its name (borrowed). */
const char *mof_header_struct_name(const lwmi_object *cls);

/*
 * mof_header_layout_representable() - whether the header gives @l a real struct
 * (true) or the "cannot be created" form: the block has items and any
 * variable-size item is the last one.
 */
bool mof_header_layout_representable(const BlockLayout *l);
