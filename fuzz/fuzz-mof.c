/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the MOF compiler: any input compiles or fails cleanly, and
 * what compiles is stable through parse -> format (lwmi_object_to_mof) -> parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mof/mof.h"
#include "shared/name.h"
#include "shared/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Renders every class and instance of @res as one MOF text; false when not comparable. */
static bool render(const MofResult *res, StrBuf *out) {
        const char *ns = NULL;

        for (size_t i = 0; i < res->n_items; i++) {
                const MofItem *it = &res->items[i];
                char *text = NULL;

                if (it->kind != MOF_ITEM_CLASS && it->kind != MOF_ITEM_INSTANCE)
                        continue;
                /* One namespace only: the rendering does not carry namespaces. */
                if (ns && !lwmi_name_eq(ns, it->namespace_))
                        return false;
                ns = it->namespace_;
                if (lwmi_object_to_mof(it->object, &text) < 0)
                        return false;
                strbuf_append(out, text);
                strbuf_append(out, "\n");
                free(text);
        }
        return !out->oom;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MofOptions opts = { .max_errors = 20 };
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        MofResult *res = NULL;
        _cleanup_strbuf_ StrBuf text = STRBUF_INIT;
        int r;

        if (size > 512 * 1024)
                return 0;
        r = mof_compile_buffer("fuzz.mof", data, size, &opts, &res, &diags);
        mof_diag_list_deinit(&diags);
        if (r < 0)
                return 0;

        if (render(res, &text)) {
                MofResult *again = NULL;

                r = mof_compile_buffer("rendered.mof", text.s ? text.s : "", text.len, &opts,
                                       &again, &diags);
                if (r < 0) {
                        fprintf(stderr, "re-parse of rendered MOF failed:\n%s\n",
                                strbuf_str(&text));
                        mof_diag_list_print(&diags, stderr);
                        abort();
                }
                mof_result_free(again);
                mof_diag_list_deinit(&diags);
        }
        mof_result_free(res);
        return 0;
}
