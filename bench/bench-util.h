/* SPDX-License-Identifier: MIT */
/* Helpers shared by the benchmarks that run wmid (bench-query, bench-events). */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
