/* SPDX-License-Identifier: MIT */
/*
 * CIM names (classes, properties, qualifiers, namespaces, keywords) compare
 * case-insensitively in ASCII. Every comparison goes through these helpers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool lwmi_name_eq(const char *a, const char *b);
bool lwmi_name_eq_n(const char *a, const char *b, size_t n_b);
int lwmi_name_cmp(const char *a, const char *b);
uint64_t lwmi_name_hash(const char *a);
/* A valid CIM identifier: [A-Za-z_][A-Za-z0-9_]*, non-empty. */
bool lwmi_name_is_valid(const char *a);
