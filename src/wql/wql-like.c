/* SPDX-License-Identifier: MIT */
/*
 * WQL LIKE patterns: % (any run of characters), _ (one character), [abc] and
 * [a-f] (one character of a set or range), [^...] (one character outside it).
 * A pattern is compiled once per query: literals are case-folded, sets become
 * range lists, and the common shapes (exact, "abc%", "%abc", "%abc%") get a
 * byte-wise fast path. Matching is case-insensitive (ASCII folding) and works
 * on UTF-8 code points; it never backtracks more than once per '%', so its
 * cost is bounded by length(pattern) * length(subject).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/utf.h"
#include "wql/wql-internal.h"

typedef enum PatKind {
        PAT_LIT,
        PAT_ONE,
        PAT_ANY,
        PAT_SET,
} PatKind;

typedef struct PatItem {
        PatKind kind;
        bool negate;  /* PAT_SET */
        uint32_t cp;  /* PAT_LIT: folded code point */
        size_t set;   /* PAT_SET: first range in WqlPattern.ranges */
        size_t n_set; /* PAT_SET: number of ranges */
} PatItem;

typedef enum PatFast {
        FAST_NONE,
        FAST_EXACT,    /* lit */
        FAST_PREFIX,   /* lit% */
        FAST_SUFFIX,   /* %lit */
        FAST_CONTAINS, /* %lit% */
        FAST_ALL,      /* % */
} PatFast;

struct WqlPattern {
        PatItem *items;
        size_t n_items;
        size_t alloc_items;
        uint32_t (*ranges)[2];
        size_t n_ranges;
        size_t alloc_ranges;
        PatFast fast;
        char *lit; /* folded literal bytes of the fast shapes */
        size_t n_lit;
};

/**
 * wql_pattern_free() - free a compiled pattern; accepts NULL.
 * @p: the pattern
 *
 * Return: NULL.
 */
WqlPattern *wql_pattern_free(WqlPattern *p) {
        if (!p)
                return NULL;
        free(p->items);
        free(p->ranges);
        free(p->lit);
        free(p);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(WqlPattern *, wql_pattern_free);

static uint32_t fold_cp(uint32_t cp) {
        return cp < 0x80 ? wql_fold((unsigned char) cp) : cp;
}

/* Decodes one code point; an invalid byte counts as one character. */
static size_t next_cp(const char *s, size_t n, uint32_t *ret) {
        int l;

        if ((unsigned char) s[0] < 0x80) {
                *ret = (unsigned char) s[0];
                return 1;
        }
        l = utf8_decode(s, n, ret);
        if (l < 0) {
                *ret = 0xDC00u | (unsigned char) s[0]; /* lone byte, never equal to text */
                return 1;
        }
        return (size_t) l;
}

static int add_item(WqlPattern *p, PatItem it) {
        if (GROW(p->items, p->alloc_items, p->n_items + 1) < 0)
                return -ENOMEM;
        p->items[p->n_items++] = it;
        return 0;
}

static void pattern_pick_fast(WqlPattern *p, const char *text, size_t n) {
        size_t first = 0, last = p->n_items, i;

        /* which shape: literals with at most one leading and one trailing % */
        if (p->n_items == 1 && p->items[0].kind == PAT_ANY) {
                p->fast = FAST_ALL;
                return;
        }
        if (last > 0 && p->items[0].kind == PAT_ANY)
                first = 1;
        if (last > first && p->items[last - 1].kind == PAT_ANY)
                last--;
        for (i = first; i < last; i++)
                if (p->items[i].kind != PAT_LIT)
                        return;
        if (last <= first)
                return; /* "%%" and the like: generic path */

        /* the literal bytes: the pattern text without the % marks, folded */
        size_t b = 0, e = n;
        while (b < n && text[b] == '%')
                b++;
        while (e > b && text[e - 1] == '%')
                e--;
        p->lit = malloc(e - b + 1);
        if (!p->lit)
                return; /* the generic path still works */
        for (i = b; i < e; i++)
                p->lit[i - b] = (char) wql_fold((unsigned char) text[i]);
        p->lit[e - b] = 0;
        p->n_lit = e - b;
        if (first && last < p->n_items)
                p->fast = FAST_CONTAINS;
        else if (first)
                p->fast = FAST_SUFFIX;
        else if (last < p->n_items)
                p->fast = FAST_PREFIX;
        else
                p->fast = FAST_EXACT;
}

/**
 * wql_pattern_compile() - compile a LIKE pattern.
 * @text: the pattern (the unescaped string literal, UTF-8)
 * @n: its length in bytes
 * @ret: the pattern
 * @reterr_offset: on -EINVAL, the byte offset of the offending '[' (may be NULL)
 *
 * Return: 0, -EINVAL (unterminated or reversed set), -ENOMEM.
 */
int wql_pattern_compile(const char *text, size_t n, WqlPattern **ret, size_t *reterr_offset) {
        _cleanup_(wql_pattern_freep) WqlPattern *p = NULL;
        size_t i = 0;
        bool any_set = false;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        while (i < n) {
                uint32_t cp;
                size_t l = next_cp(text + i, n - i, &cp);

                if (cp == '%') {
                        /* runs of % are one % */
                        if (p->n_items > 0 && p->items[p->n_items - 1].kind == PAT_ANY) {
                                i += l;
                                continue;
                        }
                        if (add_item(p, (PatItem){ .kind = PAT_ANY }) < 0)
                                return -ENOMEM;
                        i += l;
                } else if (cp == '_') {
                        if (add_item(p, (PatItem){ .kind = PAT_ONE }) < 0)
                                return -ENOMEM;
                        i += l;
                } else if (cp == '[') {
                        PatItem it = { .kind = PAT_SET, .set = p->n_ranges };
                        size_t open = i, j = i + l;
                        bool first = true;

                        any_set = true;
                        if (j < n && text[j] == '^') {
                                it.negate = true;
                                j++;
                        }
                        for (;;) {
                                uint32_t lo, hi;
                                size_t k;

                                if (j >= n) {
                                        if (reterr_offset)
                                                *reterr_offset = open;
                                        return -EINVAL;
                                }
                                if (text[j] == ']' && !first)
                                        break;
                                first = false;
                                k = next_cp(text + j, n - j, &lo);
                                j += k;
                                hi = lo;
                                if (j + 1 < n && text[j] == '-' && text[j + 1] != ']') {
                                        j++;
                                        j += next_cp(text + j, n - j, &hi);
                                        if (hi < lo) {
                                                if (reterr_offset)
                                                        *reterr_offset = open;
                                                return -EINVAL;
                                        }
                                }
                                if (GROW(p->ranges, p->alloc_ranges, p->n_ranges + 1) < 0)
                                        return -ENOMEM;
                                p->ranges[p->n_ranges][0] = lo;
                                p->ranges[p->n_ranges][1] = hi;
                                p->n_ranges++;
                        }
                        it.n_set = p->n_ranges - it.set;
                        if (add_item(p, it) < 0)
                                return -ENOMEM;
                        i = j + 1;
                } else {
                        if (add_item(p, (PatItem){ .kind = PAT_LIT, .cp = fold_cp(cp) }) < 0)
                                return -ENOMEM;
                        i += l;
                }
        }
        if (!any_set)
                pattern_pick_fast(p, text, n);
        *ret = TAKE_PTR(p);
        return 0;
}

static bool in_ranges(const WqlPattern *p, const PatItem *it, uint32_t cp) {
        for (size_t k = 0; k < it->n_set; k++) {
                const uint32_t *r = p->ranges[it->set + k];
                if (cp >= r[0] && cp <= r[1])
                        return true;
        }
        return false;
}

static bool item_matches(const WqlPattern *p, const PatItem *it, uint32_t cp) {
        switch (it->kind) {
        case PAT_LIT:
                return fold_cp(cp) == it->cp;
        case PAT_ONE:
                return true;
        case PAT_SET: {
                bool in = in_ranges(p, it, cp);
                if (!in && cp < 0x80) {
                        /* case-insensitive: try the other case of a letter */
                        if (cp >= 'a' && cp <= 'z')
                                in = in_ranges(p, it, cp - 32);
                        else if (cp >= 'A' && cp <= 'Z')
                                in = in_ranges(p, it, cp + 32);
                }
                return in != it->negate;
        }
        case PAT_ANY:
                break;
        }
        return false;
}

static bool fold_eq(const char *a, const char *folded, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (wql_fold((unsigned char) a[i]) != (unsigned char) folded[i])
                        return false;
        return true;
}

/**
 * wql_pattern_match() - whether @s matches the compiled pattern @p.
 * @p: the pattern
 * @s: the subject, NUL-terminated
 *
 * Return: the result.
 */
bool wql_pattern_match(const WqlPattern *p, const char *s) {
        size_t si = 0, pi = 0, star_pi = SIZE_MAX, star_si = 0, n;

        switch (p->fast) {
        case FAST_ALL:
                return true;
        case FAST_EXACT:
                for (size_t i = 0; i < p->n_lit; i++)
                        if (wql_fold((unsigned char) s[i]) != (unsigned char) p->lit[i])
                                return false;
                return s[p->n_lit] == 0;
        case FAST_PREFIX:
                for (size_t i = 0; i < p->n_lit; i++)
                        if (wql_fold((unsigned char) s[i]) != (unsigned char) p->lit[i])
                                return false;
                return true;
        case FAST_SUFFIX:
                n = strlen(s);
                return n >= p->n_lit && fold_eq(s + n - p->n_lit, p->lit, p->n_lit);
        case FAST_CONTAINS:
                n = strlen(s);
                for (size_t i = 0; i + p->n_lit <= n; i++)
                        if (fold_eq(s + i, p->lit, p->n_lit))
                                return true;
                return false;
        case FAST_NONE:
                break;
        }

        n = strlen(s);
        while (si < n) {
                uint32_t cp;
                size_t l = next_cp(s + si, n - si, &cp);

                if (pi < p->n_items && p->items[pi].kind == PAT_ANY) {
                        star_pi = pi++;
                        star_si = si;
                } else if (pi < p->n_items && item_matches(p, &p->items[pi], cp)) {
                        pi++;
                        si += l;
                } else if (star_pi != SIZE_MAX) {
                        /* let the last % swallow one more character */
                        uint32_t skip;
                        pi = star_pi + 1;
                        star_si += next_cp(s + star_si, n - star_si, &skip);
                        si = star_si;
                } else
                        return false;
        }
        while (pi < p->n_items && p->items[pi].kind == PAT_ANY)
                pi++;
        return pi == p->n_items;
}

int wql_like_match(const char *pattern, const char *s) {
        _cleanup_(wql_pattern_freep) WqlPattern *p = NULL;
        int r;

        if (!pattern || !s)
                return -EINVAL;
        r = wql_pattern_compile(pattern, strlen(pattern), &p, NULL);
        if (r < 0)
                return r;
        return wql_pattern_match(p, s) ? 1 : 0;
}
