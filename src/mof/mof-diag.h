/* SPDX-License-Identifier: MIT */
/* Adding diagnostics to a MofDiagList. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#include "mof/mof.h"
#include "shared/macro.h"

_printf_(6, 7) int mof_diag_add(MofDiagList *l, const char *file, unsigned line, unsigned col,
                                bool warning, const char *fmt, ...);
_printf_(6, 0) int mof_diag_addv(MofDiagList *l, const char *file, unsigned line, unsigned col,
                                 bool warning, const char *fmt, va_list ap);
