/* SPDX-License-Identifier: MIT */
/*
 * Internal base macros: cleanup attributes, ownership transfer, argument checks.
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define _public_             __attribute__((visibility("default")))
#define _cleanup_(f)         __attribute__((cleanup(f)))
#define _pure_               __attribute__((pure))
#define _printf_(a, b)       __attribute__((format(printf, a, b)))
#define _nonnull_(...)       __attribute__((nonnull(__VA_ARGS__)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _unused_             __attribute__((unused))
#define likely(x)            __builtin_expect(!!(x), 1)
#define unlikely(x)          __builtin_expect(!!(x), 0)

#define ELEMENTSOF(a)  (sizeof(a) / sizeof((a)[0]))
#define ALIGN_TO(x, a) (((x) + ((a) -1)) & ~((size_t) (a) -1))
#define MAX(a, b)      ((a) > (b) ? (a) : (b))
#define MIN(a, b)      ((a) < (b) ? (a) : (b))

/* Moves ownership out of a _cleanup_ variable: *ret = TAKE_PTR(x); */
#define TAKE_PTR(p)          \
 ({                          \
__typeof__(p) take_ptr_tmp = (p); \
(p) = NULL;                       \
take_ptr_tmp;                     \
 })

#define TAKE_FD(fd) \
 ({                 \
int take_fd_tmp = (fd);  \
(fd) = -1;               \
take_fd_tmp;             \
 })

/* Defines name##p(type **p) that calls func(*p) when *p is non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
 static inline void func##p(type *p) {          \
  if (*p)                                       \
   func(*p);                                    \
 }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Public entry points check their arguments with this and never abort. */
#define assert_return(expr, r) \
 do {                          \
  if (unlikely(!(expr)))       \
   return (r);                 \
 } while (0)

/* Grows *array (of *n_alloc elements of size elsize) to hold at least need elements. */
int lwmi_internal_grow(void **array, size_t *n_alloc, size_t need, size_t elsize);
/* getpid() without a system call (cached, refreshed in fork() children). */
pid_t lwmi_internal_self_pid(void);
#define GROW(array, n_alloc, need) \
 lwmi_internal_grow((void **) &(array), &(n_alloc), (need), sizeof(*(array)))

/* The value of one hexadecimal digit, or -1. */
static inline int unhexchar(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
