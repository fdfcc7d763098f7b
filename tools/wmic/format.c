/* SPDX-License-Identifier: MIT */
/*
 * wmic output formats. Columns of the table and CSV formats are the union of
 * the (non-system) properties of the objects, in order of first appearance.
 */
#include "format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/**
 * wmic_format_parse() - parse a --format value.
 * @s: "table", "list", "json" or "csv" (case-insensitive)
 * @ret: the format
 *
 * Return: 0 or -EINVAL.
 */
int wmic_format_parse(const char *s, WmicFormat *ret) {
        static const char *const names[] = {
                [WMIC_FORMAT_TABLE] = "table",
                [WMIC_FORMAT_LIST] = "list",
                [WMIC_FORMAT_JSON] = "json",
                [WMIC_FORMAT_CSV] = "csv",
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcasecmp(s, names[i]) == 0) {
                        *ret = (WmicFormat) i;
                        return 0;
                }
        return -EINVAL;
}

/* CIM names are case-insensitive; this is the one comparison wmic uses for them. */
static bool cim_name_equal(const char *a, const char *b) {
        return strcasecmp(a, b) == 0;
}

/* The select list of the query being printed (table, list, CSV); none: every property. */
static const char *const *column_filter;
static size_t n_column_filter;

void wmic_format_set_columns(const char *const *names, size_t n) {
        column_filter = n ? names : NULL;
        n_column_filter = n;
}

static bool column_wanted(const char *name) {
        if (!column_filter)
                return true;
        for (size_t i = 0; i < n_column_filter; i++)
                if (cim_name_equal(column_filter[i], name))
                        return true;
        return false;
}

typedef struct Columns {
        const char **names; /* borrowed from the objects */
        size_t n;
} Columns;

static int columns_collect(lwmi_object *const *objects, size_t n_objects, Columns *ret) {
        const char **names = NULL;
        size_t n = 0, alloc = 0;

        for (size_t i = 0; i < n_objects; i++)
                for (size_t p = 0; p < lwmi_object_get_property_count(objects[i]); p++) {
                        const char *name = lwmi_object_get_property_name(objects[i], p);
                        bool seen = !column_wanted(name);

                        for (size_t k = 0; k < n && !seen; k++)
                                seen = cim_name_equal(names[k], name);
                        if (seen)
                                continue;
                        if (n == alloc) {
                                const char **t;

                                alloc = alloc ? alloc * 2 : 16;
                                t = realloc(names, alloc * sizeof(*names));
                                if (!t) {
                                        free(names);
                                        return -ENOMEM;
                                }
                                names = t;
                        }
                        names[n++] = name;
                }
        *ret = (Columns){ .names = names, .n = n };
        return 0;
}

/* The value of @name as text; "" when @o lacks the property. Return: new string or NULL. */
static char *value_text(const lwmi_object *o, const char *name) {
        lwmi_value v;
        char *s = NULL;

        if (lwmi_object_get(o, name, &v, NULL) < 0)
                return strdup("");
        if (v.is_null)
                s = strdup("");
        else if (lwmi_value_to_text(&v, &s) < 0)
                s = NULL;
        lwmi_value_clear(&v);
        return s;
}

static int format_list(FILE *out, lwmi_object *const *objects, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        fputc('\n', out);
                for (size_t p = 0; p < lwmi_object_get_property_count(objects[i]); p++) {
                        const char *name = lwmi_object_get_property_name(objects[i], p);
                        char *s;

                        if (!column_wanted(name))
                                continue;
                        s = value_text(objects[i], name);
                        if (!s)
                                return -ENOMEM;
                        fprintf(out, "%s=%s\n", name, s);
                        free(s);
                }
        }
        return 0;
}

static int format_table(FILE *out, lwmi_object *const *objects, size_t n) {
        Columns cols;
        size_t *width;
        char **cells;
        int r = 0;

        if (n == 0)
                return 0;
        r = columns_collect(objects, n, &cols);
        if (r < 0)
                return r;
        width = calloc(cols.n ? cols.n : 1, sizeof(*width));
        cells = calloc(n * cols.n > 0 ? n * cols.n : 1, sizeof(*cells));
        if (!width || !cells) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t c = 0; c < cols.n; c++)
                width[c] = strlen(cols.names[c]);
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < cols.n; c++) {
                        char *s = value_text(objects[i], cols.names[c]);

                        if (!s) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        cells[i * cols.n + c] = s;
                        if (strlen(s) > width[c])
                                width[c] = strlen(s);
                }
        for (size_t i = 0; i <= n; i++) {
                for (size_t c = 0; c < cols.n; c++) {
                        const char *s = i == 0 ? cols.names[c] : cells[(i - 1) * cols.n + c];

                        if (c + 1 < cols.n)
                                fprintf(out, "%-*s  ", (int) width[c], s);
                        else
                                fputs(s, out);
                }
                fputc('\n', out);
        }
finish:
        if (cells)
                for (size_t i = 0; i < n * cols.n; i++)
                        free(cells[i]);
        free(cells);
        free(width);
        free(cols.names);
        return r;
}

static void csv_field(FILE *out, const char *s) {
        if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
            (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
                fputs(s, out);
                return;
        }
        fputc('"', out);
        for (; *s; s++) {
                if (*s == '"')
                        fputc('"', out);
                fputc(*s, out);
        }
        fputc('"', out);
}

static int format_csv(FILE *out, lwmi_object *const *objects, size_t n) {
        Columns cols;
        int r;

        if (n == 0)
                return 0;
        r = columns_collect(objects, n, &cols);
        if (r < 0)
                return r;
        for (size_t c = 0; c < cols.n; c++) {
                if (c > 0)
                        fputc(',', out);
                csv_field(out, cols.names[c]);
        }
        fputs("\r\n", out);
        for (size_t i = 0; i < n && r >= 0; i++) {
                for (size_t c = 0; c < cols.n; c++) {
                        char *s = value_text(objects[i], cols.names[c]);

                        if (!s) {
                                r = -ENOMEM;
                                break;
                        }
                        if (c > 0)
                                fputc(',', out);
                        csv_field(out, s);
                        free(s);
                }
                fputs("\r\n", out);
        }
        free(cols.names);
        return r;
}

static int format_json(FILE *out, lwmi_object *const *objects, size_t n, bool array) {
        if (array)
                fputs("[", out);
        for (size_t i = 0; i < n; i++) {
                char *s = NULL;
                int r;

                r = lwmi_object_to_json(objects[i], &s);
                if (r < 0)
                        return r;
                fprintf(out, "%s%s%s", i > 0 ? "," : "", array ? "\n  " : "", s);
                free(s);
        }
        if (array)
                fputs(n > 0 ? "\n]" : "]", out);
        if (array || n > 0)
                fputc('\n', out);
        return 0;
}

/**
 * wmic_format_objects() - print objects.
 * @out: the stream
 * @format: the format
 * @objects: the objects
 * @n: how many
 * @json_array: JSON only: print an array (a query) rather than the objects alone
 *
 * Return: 0 or -ENOMEM.
 */
int wmic_format_objects(FILE *out, WmicFormat format, lwmi_object *const *objects, size_t n,
                        bool json_array) {
        switch (format) {
        case WMIC_FORMAT_LIST:
                return format_list(out, objects, n);
        case WMIC_FORMAT_JSON:
                return format_json(out, objects, n, json_array);
        case WMIC_FORMAT_CSV:
                return format_csv(out, objects, n);
        case WMIC_FORMAT_TABLE:
        default:
                return format_table(out, objects, n);
        }
}
