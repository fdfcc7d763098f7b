/* SPDX-License-Identifier: MIT */
/*
 * The repository's class cache: a chained hash table from (namespace id,
 * case-folded class name) to a decoded class. repo_get_class() answers from
 * here without touching SQLite; every class write invalidates it.
 */
#include <stdlib.h>
#include <string.h>

#include "repo/repo-internal.h"
#include "shared/name.h"

struct ClassCacheEntry {
        ClassCacheEntry *next;
        int64_t ns_id;
        uint64_t hash;
        lwmi_object *cls;
        char folded[];
};

static uint64_t cache_hash(int64_t ns_id, const char *folded) {
        return lwmi_name_hash(folded) ^ ((uint64_t) ns_id * UINT64_C(0x9E3779B97F4A7C15));
}

/**
 * class_cache_get() - find a cached class.
 * @c: the cache
 * @ns_id: namespace row id
 * @folded: case-folded class name
 *
 * Return: the class (borrowed; the cache keeps its reference) or NULL.
 */
lwmi_object *class_cache_get(const ClassCache *c, int64_t ns_id, const char *folded) {
        uint64_t h;

        if (c->n_buckets == 0)
                return NULL;
        h = cache_hash(ns_id, folded);
        for (ClassCacheEntry *e = c->buckets[h % c->n_buckets]; e; e = e->next)
                if (e->hash == h && e->ns_id == ns_id && strcmp(e->folded, folded) == 0)
                        return e->cls;
        return NULL;
}

static int cache_rehash(ClassCache *c, size_t n_buckets) {
        ClassCacheEntry **b;

        b = calloc(n_buckets, sizeof(*b));
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_buckets; i++)
                while (c->buckets[i]) {
                        ClassCacheEntry *e = c->buckets[i];

                        c->buckets[i] = e->next;
                        e->next = b[e->hash % n_buckets];
                        b[e->hash % n_buckets] = e;
                }
        free(c->buckets);
        c->buckets = b;
        c->n_buckets = n_buckets;
        return 0;
}

/**
 * class_cache_put() - add or replace a cached class.
 * @c: the cache
 * @ns_id: namespace row id
 * @folded: case-folded class name
 * @cls: the class; the cache takes a new reference
 *
 * Return: 0 or -ENOMEM (the cache is then unchanged).
 */
int class_cache_put(ClassCache *c, int64_t ns_id, const char *folded, lwmi_object *cls) {
        ClassCacheEntry *e;
        size_t l = strlen(folded);
        uint64_t h;
        int r;

        if (c->n_entries >= c->n_buckets) {
                r = cache_rehash(c, c->n_buckets ? c->n_buckets * 2 : 64);
                if (r < 0)
                        return r;
        }
        h = cache_hash(ns_id, folded);
        for (e = c->buckets[h % c->n_buckets]; e; e = e->next)
                if (e->hash == h && e->ns_id == ns_id && strcmp(e->folded, folded) == 0) {
                        lwmi_object_ref(cls);
                        lwmi_object_unref(e->cls);
                        e->cls = cls;
                        return 0;
                }
        e = malloc(sizeof(*e) + l + 1);
        if (!e)
                return -ENOMEM;
        *e = (ClassCacheEntry){ .ns_id = ns_id, .hash = h, .cls = lwmi_object_ref(cls) };
        memcpy(e->folded, folded, l + 1);
        e->next = c->buckets[h % c->n_buckets];
        c->buckets[h % c->n_buckets] = e;
        c->n_entries++;
        return 0;
}

/**
 * class_cache_clear() - drop every entry and free the table.
 * @c: the cache (stays usable)
 */
void class_cache_clear(ClassCache *c) {
        for (size_t i = 0; i < c->n_buckets; i++)
                while (c->buckets[i]) {
                        ClassCacheEntry *e = c->buckets[i];

                        c->buckets[i] = e->next;
                        lwmi_object_unref(e->cls);
                        free(e);
                }
        free(c->buckets);
        *c = (ClassCache){};
}
