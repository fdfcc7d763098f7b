/* SPDX-License-Identifier: MIT */
/* Helpers shared by the benchmarks that run wmid (bench-query, bench-events). */
#pragma once

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static inline int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static inline int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

/* The wmid of this build tree: ../src/broker/wmid relative to the program. */
static inline int find_wmid(char *out, size_t size) {
        char exe[PATH_MAX];
        ssize_t n;
        char *slash;

        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n < 0)
                return -errno;
        exe[n] = 0;
        slash = strrchr(exe, '/');
        if (!slash)
                return -ENOENT;
        *slash = 0;
        if ((size_t) snprintf(out, size, "%s/../src/broker/wmid", exe) >= size)
                return -ENAMETOOLONG;
        return access(out, X_OK) < 0 ? -errno : 0;
}

/* Reads exactly @size bytes: 0, -ECONNRESET at EOF, or -errno. */
static inline int read_full(int fd, void *buf, size_t size) {
        for (size_t got = 0; got < size;) {
                ssize_t n = read(fd, (uint8_t *) buf + got, size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -ECONNRESET;
                got += (size_t) n;
        }
        return 0;
}

/* Writes exactly @size bytes: 0 or -errno. */
static inline int write_full(int fd, const void *buf, size_t size) {
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, (const uint8_t *) buf + done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                done += (size_t) n;
        }
        return 0;
}

/*
 * The children a benchmark forks (killed at exit, and dying with it through
 * PR_SET_PDEATHSIG) and its temporary directory (removed at exit): a slot of
 * bench_children is 0 when free; children are kept in the order of their fork
 * until reaped.
 */
#define BENCH_MAX_CHILDREN 64
static pid_t bench_children[BENCH_MAX_CHILDREN];
static char bench_tmpdir[PATH_MAX];

/* nftw() callback of bench_cleanup(). */
static inline int bench_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
        (void) st;
        (void) flag;
        (void) f;
        (void) remove(p);
        return 0;
}

/* Kills and waits for the children, removes the temporary directory (atexit). */
static inline void bench_cleanup(void) {
        for (size_t i = 0; i < BENCH_MAX_CHILDREN; i++)
                if (bench_children[i] > 0)
                        kill(bench_children[i], SIGKILL);
        for (size_t i = 0; i < BENCH_MAX_CHILDREN; i++)
                if (bench_children[i] > 0)
                        waitpid(bench_children[i], NULL, 0);
        memset(bench_children, 0, sizeof(bench_children));
        if (bench_tmpdir[0]) {
                (void) nftw(bench_tmpdir, bench_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
                bench_tmpdir[0] = 0;
        }
}

/* Makes the temporary directory $TMPDIR/@name-XXXXXX and arms bench_cleanup(): 0 or -errno. */
static inline int bench_tmpdir_make(const char *name) {
        const char *t = getenv("TMPDIR");

        snprintf(bench_tmpdir, sizeof(bench_tmpdir), "%s/%s-XXXXXX", t && *t ? t : "/tmp", name);
        if (!mkdtemp(bench_tmpdir)) {
                int r = -errno;

                bench_tmpdir[0] = 0;
                return r;
        }
        atexit(bench_cleanup);
        return 0;
}

/* Closes every descriptor above 2 but the @n in @keep (a child keeps only its own ends). */
static inline void close_fds_except(const int *keep, size_t n) {
        for (int fd = 3; fd < 1024; fd++) {
                bool kept = false;

                for (size_t i = 0; i < n && !kept; i++)
                        kept = keep[i] == fd;
                if (!kept)
                        (void) close(fd);
        }
}

/*
 * Forks a child that dies with the benchmark; with @keep it keeps only the
 * descriptors in @keep (NULL: all). Returns its pid in the parent, 0 in the
 * child, or -errno.
 */
static inline pid_t bench_fork_child(const int *keep, size_t n_keep) {
        size_t slot = 0;
        pid_t pid;

        while (slot < BENCH_MAX_CHILDREN && bench_children[slot] > 0)
                slot++;
        if (slot == BENCH_MAX_CHILDREN)
                return -ENOSPC;
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                memset(bench_children, 0, sizeof(bench_children));
                bench_tmpdir[0] = 0; /* only the benchmark removes it */
                if (keep)
                        close_fds_except(keep, n_keep);
                return 0;
        }
        bench_children[slot] = pid;
        return pid;
}

/* Forgets a child that was waited for. */
static inline void bench_forget_child(pid_t pid) {
        for (size_t i = 0; i < BENCH_MAX_CHILDREN; i++)
                if (bench_children[i] == pid)
                        bench_children[i] = 0;
}
