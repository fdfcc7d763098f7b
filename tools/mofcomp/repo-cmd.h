/* SPDX-License-Identifier: MIT */
/* mofcomp's repository commands: store compiled MOF, list and show classes. */
#pragma once

#include "mof/mof.h"

/*
 * Compiles each file against the repository in @state_dir (superclasses such
 * as WMIEvent resolve there) and stores the result, one transaction per file.
 * @namespace_: default namespace (NULL: root\wmi). Prints diagnostics to stderr.
 * Return: 0, 1 (errors in the input), or a negative errno (repository unusable).
 */
int mofcomp_store(const char *state_dir, const char *namespace_, const MofOptions *base,
                  char *const *files, size_t n_files);

/* Prints the classes of @namespace_ (NULL: root\wmi), one per line: name : superclass. */
int mofcomp_list(const char *state_dir, const char *namespace_);

/* Prints one class of @namespace_ as MOF. */
int mofcomp_show(const char *state_dir, const char *namespace_, const char *class_name);
