/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every component. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

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

/*
 * The process id, without a system call: the libraries compare it with the
 * pid they saved at creation on every entry point to refuse use in a forked
 * child (-ECHILD). A fork() child handler refreshes it. (A child made by a raw
 * clone() or _Fork() runs no handler and keeps the parent's value.)
 */
static atomic_int self_pid;
static pthread_once_t self_pid_once = PTHREAD_ONCE_INIT;

static void self_pid_refresh(void) {
        atomic_store_explicit(&self_pid, (int) getpid(), memory_order_relaxed);
}

static void self_pid_init(void) {
        self_pid_refresh();
        (void) pthread_atfork(NULL, NULL, self_pid_refresh);
}

pid_t lwmi_internal_self_pid(void) {
        (void) pthread_once(&self_pid_once, self_pid_init);
        return (pid_t) atomic_load_explicit(&self_pid, memory_order_relaxed);
}
