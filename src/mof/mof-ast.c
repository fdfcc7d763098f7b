/* SPDX-License-Identifier: MIT */
/* The arena that holds one MOF syntax tree. */
#include "mof/mof-ast.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/macro.h"

struct MofArenaBlock {
        MofArenaBlock *next;
        size_t size;
        size_t used;
        max_align_t data[];
};

#define MOF_ARENA_BLOCK_SIZE ((size_t) 64 * 1024)

/**
 * mof_arena_deinit() - free every allocation of @a and reset it.
 * @a: the arena
 */
void mof_arena_deinit(MofArena *a) {
        MofArenaBlock *b = a->blocks;

        while (b) {
                MofArenaBlock *next = b->next;
                free(b);
                b = next;
        }
        *a = (MofArena) MOF_ARENA_INIT;
}

/**
 * mof_arena_alloc() - zeroed memory from @a, aligned for any type.
 * @a: the arena
 * @size: bytes wanted
 *
 * Return: the memory, or NULL (and @a->oom set) when out of memory.
 */
void *mof_arena_alloc(MofArena *a, size_t size) {
        MofArenaBlock *b = a->blocks;
        size_t need = ALIGN_TO(size ? size : 1, sizeof(max_align_t));
        void *p;

        if (need < size) {
                a->oom = true;
                return NULL;
        }
        if (!b || b->size - b->used < need) {
                size_t bsize = MAX(need, MOF_ARENA_BLOCK_SIZE);

                if (bsize > SIZE_MAX - sizeof(MofArenaBlock)) {
                        a->oom = true;
                        return NULL;
                }
                b = malloc(sizeof(MofArenaBlock) + bsize);
                if (!b) {
                        a->oom = true;
                        return NULL;
                }
                b->size = bsize;
                b->used = 0;
                if (a->blocks && need < MOF_ARENA_BLOCK_SIZE) {
                        b->next = a->blocks;
                        a->blocks = b;
                } else if (a->blocks) {
                        /* A big one-off block goes behind the current block, which keeps its room.
                         */
                        b->next = a->blocks->next;
                        a->blocks->next = b;
                } else {
                        b->next = NULL;
                        a->blocks = b;
                }
        }
        p = (char *) b->data + b->used;
        b->used += need;
        memset(p, 0, size);
        return p;
}

/**
 * mof_arena_strndup() - copy @n bytes of @s into @a, NUL-terminated.
 * Return: the copy, or NULL when out of memory.
 */
char *mof_arena_strndup(MofArena *a, const char *s, size_t n) {
        char *p;

        if (n == SIZE_MAX)
                return NULL;
        p = mof_arena_alloc(a, n + 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

/**
 * mof_arena_strdup() - copy the string @s into @a.
 * Return: the copy, or NULL when out of memory.
 */
char *mof_arena_strdup(MofArena *a, const char *s) {
        return mof_arena_strndup(a, s, strlen(s));
}

/**
 * mof_arena_grow() - make room for @need elements of @elsize bytes in an
 * arena-backed array; the old storage is left to the arena.
 * Return: 0 or -ENOMEM.
 */
int mof_arena_grow(MofArena *a, void **array, size_t *n_alloc, size_t need, size_t elsize) {
        size_t n;
        void *p;

        if (need <= *n_alloc)
                return 0;
        n = MAX(need, *n_alloc * 2);
        n = MAX(n, (size_t) 4);
        if (n > SIZE_MAX / elsize)
                return -ENOMEM;
        p = mof_arena_alloc(a, n * elsize);
        if (!p)
                return -ENOMEM;
        if (*array)
                memcpy(p, *array, *n_alloc * elsize);
        *array = p;
        *n_alloc = n;
        return 0;
}
