/* SPDX-License-Identifier: MIT */
/* MOF diagnostics: "file:line:col: error: message". */
#include "mof/mof-diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"

void mof_diag_list_deinit(MofDiagList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].file);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (MofDiagList) MOF_DIAG_LIST_INIT;
}

size_t mof_diag_list_count_errors(const MofDiagList *l) {
        size_t n = 0;

        for (size_t i = 0; l && i < l->n; i++)
                if (!l->items[i].warning)
                        n++;
        return n;
}

void mof_diag_list_print(const MofDiagList *l, FILE *f) {
        for (size_t i = 0; l && i < l->n; i++) {
                const MofDiag *d = &l->items[i];

                fprintf(f, "%s:%u:%u: %s: %s\n", d->file ? d->file : "<input>", d->line, d->col,
                        d->warning ? "warning" : "error", d->message);
        }
}

/**
 * mof_diag_addv() - append a diagnostic to @l.
 * @l: the list (may be NULL: the diagnostic is dropped)
 * @file: file name (copied; NULL for "<input>")
 * @line: 1-based line
 * @col: 1-based column
 * @warning: a warning rather than an error
 * @fmt: printf format of the message
 * @ap: its arguments
 *
 * Return: 0 or -ENOMEM.
 */
int mof_diag_addv(MofDiagList *l, const char *file, unsigned line, unsigned col, bool warning,
                  const char *fmt, va_list ap) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        _cleanup_free_ char *f = NULL;
        char *msg;

        if (!l)
                return 0;
        strbuf_vprintf(&b, fmt, ap);
        msg = strbuf_steal(&b);
        if (!msg)
                return -ENOMEM;
        f = strdup(file ? file : "<input>");
        if (!f || GROW(l->items, l->alloc, l->n + 1) < 0) {
                free(msg);
                return -ENOMEM;
        }
        l->items[l->n++] = (MofDiag){
                .file = TAKE_PTR(f),
                .line = line,
                .col = col,
                .warning = warning,
                .message = msg,
        };
        return 0;
}

/**
 * mof_diag_add() - append a diagnostic to @l (printf-style, see mof_diag_addv()).
 * Return: 0 or -ENOMEM.
 */
int mof_diag_add(MofDiagList *l, const char *file, unsigned line, unsigned col, bool warning,
                 const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = mof_diag_addv(l, file, line, col, warning, fmt, ap);
        va_end(ap);
        return r;
}
