/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every component. */
#include <stdint.h>
#include <stdlib.h>

#include "shared/macro.h"

int lwmi_internal_grow(void **array, size_t *n_alloc, size_t need, size_t elsize) {
        size_t n;
        void *p;

        if (need <= *n_alloc)
                return 0;
        n = MAX(need, *n_alloc * 2);
        n = MAX(n, (size_t) 8);
        if (n > SIZE_MAX / elsize)
                return -ENOMEM;
        p = realloc(*array, n * elsize);
        if (!p)
                return -ENOMEM;
        *array = p;
        *n_alloc = n;
        return 0;
}
