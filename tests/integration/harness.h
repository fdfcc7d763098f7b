/* SPDX-License-Identifier: MIT */
/*
 * Integration test harness: a real wmid on a private socket and state
 * directory, real provider processes, and bounded waits through libwmi.
 *
 * Every child gets PR_SET_PDEATHSIG(SIGKILL), and the harness kills its
 * children and removes its temp directory from atexit() and from a SIGABRT
 * handler (the assertions of src/shared/test.h abort), so nothing outlives a
 * failing test. Nothing sleeps to wait for readiness: wmid reports it on a
 * pipe (--ready-fd) and providers are ready once libwmi sees their instances.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

#include <lwmi/client.h>

#include "shared/test.h"

#define H_MAX_CHILDREN 16
/* Generous: the machine is shared and the sanitizer builds are slow. */
#define H_WAIT_USEC    (30ULL * 1000000ULL)

typedef struct Harness {
        char dir[256];    /* the private temp dir (mkdtemp under $TMPDIR) */
        char socket[300]; /* dir/wmid.sock */
        char state[300];  /* dir/state */
        pid_t wmid;       /* the broker */
        pid_t children[H_MAX_CHILDREN];
        size_t n_children;
} Harness;

/* One harness per test process; tests in a file run one after the other. */
static Harness h_global;
static bool h_hooks_installed;

static inline uint64_t h_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int h_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        remove(path);
        return 0;
}

/* Kills every child (SIGKILL: cleanup must not hang) and removes the temp dir. */
static inline void h_cleanup(void) {
        Harness *h = &h_global;

        for (size_t i = 0; i < h->n_children; i++)
                if (h->children[i] > 0) {
                        kill(h->children[i], SIGKILL);
                        waitpid(h->children[i], NULL, 0);
                        h->children[i] = 0;
                }
        h->n_children = 0;
        h->wmid = 0;
        if (h->dir[0]) {
                nftw(h->dir, h_rm_one, 16, FTW_DEPTH | FTW_PHYS);
                h->dir[0] = 0;
        }
}

static void h_on_abort(int sig) {
        h_cleanup();
        signal(sig, SIG_DFL);
        raise(sig);
}

static inline void h_install_hooks(void) {
        if (h_hooks_installed)
                return;
        h_hooks_installed = true;
        atexit(h_cleanup);
        signal(SIGABRT, h_on_abort);
        signal(SIGTERM, h_on_abort);
        signal(SIGINT, h_on_abort);
        signal(SIGPIPE, SIG_IGN);
}

static inline void h_track(pid_t pid) {
        if (h_global.n_children >= H_MAX_CHILDREN)
                TEST_FAIL("too many children");
        h_global.children[h_global.n_children++] = pid;
}

/* Forgets a child that the test reaped itself. */
static inline void h_untrack(pid_t pid) {
        for (size_t i = 0; i < h_global.n_children; i++)
                if (h_global.children[i] == pid)
                        h_global.children[i] = 0;
}

/*
 * h_spawn2() - fork and exec @argv (NULL-terminated), stdout to @stdout_fd
 * and stderr to @stderr_fd when >= 0, @keep_fd as fd 3; killed with the
 * test. Return: the pid.
 */
static inline pid_t h_spawn2(char *const *argv, int stdout_fd, int stderr_fd, int keep_fd) {
        pid_t pid = fork();

        if (pid < 0)
                TEST_FAIL("fork: %s", strerror(errno));
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                signal(SIGABRT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGINT, SIG_DFL);
                signal(SIGPIPE, SIG_DFL);
                if (stdout_fd >= 0 && stdout_fd != STDOUT_FILENO)
                        dup2(stdout_fd, STDOUT_FILENO);
                if (stderr_fd >= 0 && stderr_fd != STDERR_FILENO)
                        dup2(stderr_fd, STDERR_FILENO);
                if (keep_fd >= 0 && keep_fd != 3) {
                        dup2(keep_fd, 3);
                        close(keep_fd);
                } else if (keep_fd == 3) {
                        fcntl(3, F_SETFD, 0);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        h_track(pid);
        return pid;
}

static inline pid_t h_spawn(char *const *argv, int stdout_fd, int keep_fd) {
        return h_spawn2(argv, stdout_fd, -1, keep_fd);
}

/*
 * h_start_wmid() - start wmid on a new temp dir and wait for READY=1 on the
 * --ready-fd pipe (bounded). @extra: more wmid arguments, NULL-terminated, or NULL.
 */
static inline Harness *h_start_wmid(const char *wmid, const char *const *extra) {
        Harness *h = &h_global;
        const char *tmp = getenv("TMPDIR");
        char *argv[32];
        size_t n = 0;
        int p[2];
        char buf[64] = { 0 };
        ssize_t k;
        struct pollfd pfd;

        h_install_hooks();
        h_cleanup();
        snprintf(h->dir, sizeof(h->dir), "%s/lwmi-integ-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(h->dir))
                TEST_FAIL("mkdtemp: %s", strerror(errno));
        /* The unprivileged-client case connects as another uid. */
        ASSERT_OK(chmod(h->dir, 0755));
        snprintf(h->socket, sizeof(h->socket), "%s/wmid.sock", h->dir);
        snprintf(h->state, sizeof(h->state), "%s/state", h->dir);
        ASSERT_OK(mkdir(h->state, 0700));
        ASSERT_OK(pipe2(p, O_CLOEXEC));

        argv[n++] = (char *) wmid;
        argv[n++] = (char *) "--socket";
        argv[n++] = h->socket;
        argv[n++] = (char *) "--state";
        argv[n++] = h->state;
        argv[n++] = (char *) "--ready-fd";
        argv[n++] = (char *) "3";
        for (size_t i = 0; extra && extra[i] && n < 30; i++)
                argv[n++] = (char *) extra[i];
        argv[n] = NULL;
        /* dup2() to fd 3 clears O_CLOEXEC; the read end stays closed-on-exec. */
        h->wmid = h_spawn(argv, -1, p[1]);
        close(p[1]);

        pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
        if (poll(&pfd, 1, (int) (H_WAIT_USEC / 1000)) != 1)
                TEST_FAIL("wmid did not report READY in time");
        k = read(p[0], buf, sizeof(buf) - 1);
        close(p[0]);
        if (k <= 0 || strcmp(buf, "READY=1\n") != 0)
                TEST_FAIL("wmid did not start (read \"%s\")", k > 0 ? buf : "");
        return h;
}

/* h_connect() - a libwmi connection to the harness's broker. */
static inline lwmi_client *h_connect(const Harness *h) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        int r = lwmi_client_connect(h->socket, "root\\wmi", &c, &err);

        if (r < 0)
                TEST_FAIL("connect: %d %s", r, err.message);
        return c;
}

/* h_count() - the number of instances @wql returns, or a negative errno. */
static inline int h_count(lwmi_client *c, const char *wql) {
        lwmi_object **objs = NULL;
        size_t n = 0;
        int r = lwmi_client_exec_query(c, wql, &objs, &n, NULL);

        if (r < 0)
                return r;
        lwmi_objects_free(objs, n);
        return (int) n;
}

/*
 * h_wait_count() - poll @wql until it returns exactly @n instances (errors
 * count as 0 instances), at most H_WAIT_USEC; fails the test on timeout.
 */
static inline void h_wait_count(const Harness *h, const char *wql, int n) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        int got = -1;

        for (;;) {
                lwmi_client *c = h_connect(h);

                got = h_count(c, wql);
                lwmi_client_unref(c);
                if (got == n || (n == 0 && got < 0))
                        return;
                if (h_now_usec() > deadline)
                        TEST_FAIL("'%s' did not reach %d instances in time (last: %d)", wql, n,
                                  got);
                /* Not readiness by sleep: a short back-off between bounded polls. */
                usleep(20000);
        }
}

/*
 * h_start_provider2() - start a provider (argv NULL-terminated; "--socket
 * PATH" is appended) and, when @wql is set, wait until it shows @n instances.
 * @stdout_fd, @stderr_fd: where its output goes, or -1
 */
static inline pid_t h_start_provider2(const Harness *h, const char *const *argv, int stdout_fd,
                                      int stderr_fd, const char *wql, int n) {
        char *a[32];
        size_t k = 0;
        pid_t pid;

        for (; argv[k] && k < 28; k++)
                a[k] = (char *) argv[k];
        a[k++] = (char *) "--socket";
        a[k++] = (char *) h->socket;
        a[k] = NULL;
        pid = h_spawn2(a, stdout_fd, stderr_fd, -1);
        if (wql)
                h_wait_count(h, wql, n);
        return pid;
}

static inline pid_t h_start_provider(const Harness *h, const char *const *argv, int stdout_fd,
                                     const char *wql, int n) {
        return h_start_provider2(h, argv, stdout_fd, -1, wql, n);
}

/* h_kill() - SIGKILL one child and reap it. */
static inline void h_kill(pid_t pid) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        h_untrack(pid);
}

/* h_alive() - whether a child still runs (not exited, not a zombie). */
static inline bool h_alive(pid_t pid) {
        if (waitpid(pid, NULL, WNOHANG) == 0)
                return true;
        h_untrack(pid);
        return false;
}

/*
 * h_read_line() - one line from @fd (a provider's report or answer) within
 * H_WAIT_USEC, without its newline; the test fails when none comes in time.
 * Return: false at end of file.
 */
static inline bool h_read_line(int fd, char *buf, size_t size) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        size_t n = 0;

        while (n + 1 < size) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                ssize_t k;

                if (h_now_usec() > deadline)
                        TEST_FAIL("no line in time (got \"%.*s\")", (int) n, buf);
                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                k = read(fd, buf + n, 1);
                if (k <= 0)
                        return false;
                if (buf[n] == '\n')
                        break;
                n++;
        }
        buf[n] = 0;
        return true;
}

/* h_stop() - stop everything the test started. */
static inline void h_stop(void) {
        h_cleanup();
}

/* h_get_u64() - an unsigned property, failing the test when missing. */
static inline uint64_t h_get_u64(const lwmi_object *o, const char *name) {
        uint64_t v = 0;

        ASSERT_OK(lwmi_object_get_uint64(o, name, &v));
        return v;
}

static inline const char *h_get_str(const lwmi_object *o, const char *name) {
        const char *s = NULL;

        ASSERT_OK(lwmi_object_get_string(o, name, &s));
        return s;
}

/* Binary paths from the command line (CMake passes $<TARGET_FILE:...>). */
static const char *h_wmid_bin, *h_sampledrv_bin, *h_provider_bin;

/*
 * TEST_MAIN() of src/shared/test.h defines main(void). A test file renames it:
 *   #define main h_test_main
 *   TEST_MAIN()
 *   #undef main
 *   H_MAIN()
 * and H_MAIN() records WMID SAMPLEDRV INTEG-PROVIDER before running the tests.
 */
int h_test_main(void);

#define H_MAIN()                                                          \
 int main(int argc, char **argv) {                                        \
  if (argc < 4) {                                                         \
   fprintf(stderr, "usage: %s WMID SAMPLEDRV INTEG-PROVIDER\n", argv[0]); \
   return 2;                                                              \
  }                                                                       \
  h_wmid_bin = argv[1];                                                   \
  h_sampledrv_bin = argv[2];                                              \
  h_provider_bin = argv[3];                                               \
  return h_test_main();                                                   \
 }
