/* SPDX-License-Identifier: MIT */
/*
 * Tiny in-tree test harness. Each unit test is one executable whose main()
 * runs TEST() functions registered in a table; assertions print the expression,
 * both values and file:line, then abort. Exit 0 = pass, 77 = skip.
 * Set TESTFUNCS=name1,name2 to run a subset.
 */
#pragma once

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TEST_SKIP 77

typedef struct TestEntry {
        const char *name;
        void (*func)(void);
        int line; /* tests run in source order; the linker may reorder the section */
} TestEntry;

#define TEST_SECTION __attribute__((used, section("lwmi_tests"), aligned(sizeof(void *))))

#define TEST(n)                                                             \
 static void test_##n(void);                                                \
 static const TestEntry test_entry_##n TEST_SECTION = { .name = #n,         \
                                                        .func = test_##n,   \
                                                        .line = __LINE__ }; \
 static void test_##n(void)

extern const TestEntry __start_lwmi_tests[];
extern const TestEntry __stop_lwmi_tests[];

static inline bool test_selected(const char *name) {
        const char *sel = getenv("TESTFUNCS");
        size_t n = strlen(name);

        if (!sel || !*sel)
                return true;
        for (const char *p = sel; *p;) {
                const char *e = strchr(p, ',');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                if (l == n && strncmp(p, name, n) == 0)
                        return true;
                if (!e)
                        break;
                p = e + 1;
        }
        return false;
}

static inline int test_entry_cmp(const void *a, const void *b) {
        const TestEntry *const *x = a, *const *y = b;

        return (*x)->line - (*y)->line;
}

/* Defines main(): runs every registered test in source order. */
#define TEST_MAIN()                                                        \
 int main(void) {                                                          \
  size_t n_all = (size_t) (__stop_lwmi_tests - __start_lwmi_tests), n = 0; \
  const TestEntry **order = calloc(n_all ? n_all : 1, sizeof(*order));     \
  if (!order)                                                              \
   return EXIT_FAILURE;                                                    \
  for (size_t i = 0; i < n_all; i++)                                       \
   order[i] = &__start_lwmi_tests[i];                                      \
  qsort(order, n_all, sizeof(*order), test_entry_cmp);                     \
  for (size_t i = 0; i < n_all; i++) {                                     \
   if (!test_selected(order[i]->name))                                     \
    continue;                                                              \
   fprintf(stderr, "=== %s\n", order[i]->name);                            \
   order[i]->func();                                                       \
   n++;                                                                    \
  }                                                                        \
  free(order);                                                             \
  fprintf(stderr, "%zu tests passed\n", n);                                \
  return 0;                                                                \
 }

#define TEST_FAIL(...)                            \
 do {                                             \
  fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
  fprintf(stderr, __VA_ARGS__);                   \
  fputc('\n', stderr);                            \
  abort();                                        \
 } while (0)

#define ASSERT_TRUE(expr)                    \
 do {                                        \
  if (!(expr))                               \
   TEST_FAIL("assertion failed: %s", #expr); \
 } while (0)
#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_OK(expr)                                                           \
 do {                                                                             \
  long long assert_r = (long long) (expr);                                        \
  if (assert_r < 0)                                                               \
   TEST_FAIL("%s failed: %lld (%s)", #expr, assert_r, strerror((int) -assert_r)); \
 } while (0)

#define ASSERT_ERRNO(expr, err)                                                   \
 do {                                                                             \
  long long assert_r = (long long) (expr);                                        \
  if (assert_r != -(long long) (err))                                             \
   TEST_FAIL("%s = %lld, expected -%s (%d)", #expr, assert_r, #err, (int) (err)); \
 } while (0)

#define ASSERT_CMP(a, op, b)                                             \
 do {                                                                    \
  long long assert_a = (long long) (a), assert_b = (long long) (b);      \
  if (!(assert_a op assert_b))                                           \
   TEST_FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, assert_a, assert_b); \
 } while (0)
#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)

#define ASSERT_UEQ(a, b)                                                                       \
 do {                                                                                          \
  unsigned long long assert_a = (unsigned long long) (a), assert_b = (unsigned long long) (b); \
  if (assert_a != assert_b)                                                                    \
   TEST_FAIL("%s == %s: %llu vs %llu", #a, #b, assert_a, assert_b);                            \
 } while (0)

#define ASSERT_STREQ(a, b)                                                         \
 do {                                                                              \
  const char *assert_a = (a), *assert_b = (b);                                     \
  if (!assert_a || !assert_b || strcmp(assert_a, assert_b) != 0)                   \
   TEST_FAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b, assert_a ? assert_a : "(null)", \
             assert_b ? assert_b : "(null)");                                      \
 } while (0)

#define ASSERT_NOT_NULL(p)      \
 do {                           \
  if (!(p))                     \
   TEST_FAIL("%s is NULL", #p); \
 } while (0)
#define ASSERT_NULL(p)              \
 do {                               \
  if ((p))                          \
   TEST_FAIL("%s is not NULL", #p); \
 } while (0)
