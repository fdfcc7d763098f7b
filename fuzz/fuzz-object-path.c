/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for object paths: parse, format, parse the formatted text and
 * format again; both formats must be identical (a fixed point after one round).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const lwmi_path *p, bool relative) {
        lwmi_path *q = NULL;
        char *a = NULL, *b = NULL;

        if (lwmi_path_format(p, relative, &a) < 0)
                abort();
        if (lwmi_path_parse(a, &q) < 0) {
                fprintf(stderr, "formatted path does not parse: %s\n", a);
                abort();
        }
        if (lwmi_path_format(q, relative, &b) < 0 || strcmp(a, b) != 0) {
                fprintf(stderr, "unstable format: \"%s\" vs \"%s\"\n", a, b ? b : "(null)");
                abort();
        }
        free(a);
        free(b);
        lwmi_path_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lwmi_path *p = NULL;
        char *text;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        if (lwmi_path_parse(text, &p) >= 0) {
                check(p, false);
                check(p, true);
                lwmi_path_free(p);
        }
        free(text);
        return 0;
}
