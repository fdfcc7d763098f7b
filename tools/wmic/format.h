/* SPDX-License-Identifier: MIT */
/* wmic output formats: table, list, JSON and CSV renderings of objects. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <lwmi/common.h>

typedef enum WmicFormat {
        WMIC_FORMAT_TABLE,
        WMIC_FORMAT_LIST,
        WMIC_FORMAT_JSON,
        WMIC_FORMAT_CSV,
} WmicFormat;

int wmic_format_parse(const char *s, WmicFormat *ret);
int wmic_format_objects(FILE *out, WmicFormat format, lwmi_object *const *objects, size_t n,
                        bool json_array);

/*
 * wmic_format_set_columns() - print only these properties in the table, list
 * and CSV formats (the select list of a query); n = 0 prints every property.
 * The names are borrowed until the next call.
 */
void wmic_format_set_columns(const char *const *names, size_t n);
