/* SPDX-License-Identifier: MIT */
/*
 * The C preprocessor pass of mofcomp --cpp: the text goes to cpp's stdin, its
 * output and messages are read back through pipes with poll(), so neither
 * side can block the other. "#PRAGMA" in any case is lowered first, because
 * cpp only passes "#pragma" through.
 */
#include "mof/mof-cpp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mof/mof-ast.h"
#include "mof/mof-diag.h"
#include "shared/strbuf.h"

extern char **environ;

/* "#  PRAGMA" at the start of a line becomes "#  pragma" (same length). */
static void lower_pragmas(char *s, size_t len) {
        bool bol = true;

        for (size_t i = 0; i < len; i++) {
                if (bol) {
                        size_t k = i;

                        while (k < len && (s[k] == ' ' || s[k] == '\t'))
                                k++;
                        if (k < len && s[k] == '#') {
                                k++;
                                while (k < len && (s[k] == ' ' || s[k] == '\t'))
                                        k++;
                                if (len - k >= 6 && strncasecmp(s + k, "pragma", 6) == 0)
                                        memcpy(s + k, "pragma", 6);
                        }
                }
                bol = s[i] == '\n';
        }
}

/* write() that returns -EPIPE instead of raising SIGPIPE when cpp stopped reading. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n) {
        sigset_t set, old;
        ssize_t k;
        int saved;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        k = write(fd, buf, n);
        saved = errno;
        if (k < 0 && errno == EPIPE) {
                const struct timespec zero = { 0, 0 };

                (void) sigtimedwait(&set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
        return k;
}

/* Turns cpp's "<stdin>:3:5: error: msg" lines into diagnostics. */
static void parse_messages(const char *name, const char *err, MofDiagList *diags,
                           unsigned *n_errors, bool *ret_any) {
        const char *line = err;

        *ret_any = false;
        while (line && *line) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t) (end - line) : strlen(line);
                _cleanup_free_ char *l = strndup(line, n);
                char *p, *file;
                unsigned ln = 0, col = 0;
                bool warning;

                line = end ? end + 1 : NULL;
                if (!l)
                        return;
                p = strstr(l, ": error: ");
                warning = false;
                if (!p)
                        p = strstr(l, ": fatal error: ");
                if (!p && (p = strstr(l, ": warning: ")))
                        warning = true;
                if (!p)
                        continue;
                *p = 0;
                p = strchr(p + 1, ':') + 2;
                /* file:line[:col] */
                file = l;
                {
                        char *c1 = strrchr(file, ':');

                        if (c1 && sscanf(c1 + 1, "%u", &col) == 1) {
                                *c1 = 0;
                                char *c2 = strrchr(file, ':');

                                if (c2 && sscanf(c2 + 1, "%u", &ln) == 1)
                                        *c2 = 0;
                                else {
                                        ln = col;
                                        col = 1;
                                }
                        }
                }
                if (strcmp(file, "<stdin>") == 0)
                        file = (char *) name;
                (void) mof_diag_add(diags, file, ln ? ln : 1, col ? col : 1, warning,
                                    "C preprocessor: %s", p);
                if (!warning) {
                        (*n_errors)++;
                        *ret_any = true;
                }
        }
}

int mof_cpp_run(const char *name, const char *dir, const char *text, size_t len,
                const char *const *include_dirs, size_t n_include_dirs, char **ret_out,
                size_t *ret_len, MofDiagList *diags, unsigned *n_errors) {
        const char *prog = getenv("LWMI_CPP");
        _cleanup_free_ char *input = NULL;
        _cleanup_free_ const char **argv = NULL;
        _cleanup_strbuf_ StrBuf out = STRBUF_INIT, err = STRBUF_INIT;
        posix_spawn_file_actions_t fa;
        int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
        size_t argc = 0, written = 0;
        pid_t pid;
        int r, status;
        bool any;

        if (!prog || !*prog)
                prog = "cpp";
        input = malloc(len + 1);
        argv = calloc(12 + 2 * n_include_dirs, sizeof(char *));
        if (!input || !argv)
                return -ENOMEM;
        memcpy(input, text, len);
        input[len] = 0;
        lower_pragmas(input, len);

        argv[argc++] = prog;
        argv[argc++] = "-undef";
        argv[argc++] = "-nostdinc";
        argv[argc++] = "-x";
        argv[argc++] = "c";
        argv[argc++] = "-I";
        argv[argc++] = dir;
        for (size_t i = 0; i < n_include_dirs; i++) {
                argv[argc++] = "-I";
                argv[argc++] = include_dirs[i];
        }
        argv[argc++] = "-";
        argv[argc] = NULL;

        if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 ||
            pipe2(err_pipe, O_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
        r = posix_spawnp(&pid, prog, &fa, NULL, (char *const *) argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                (void) mof_diag_add(diags, name, 1, 1, false,
                                    "cannot run the C preprocessor '%s': %s", prog, strerror(r));
                (*n_errors)++;
                r = -r;
                goto fail;
        }
        close(in_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[1]);
        in_pipe[0] = out_pipe[1] = err_pipe[1] = -1;
        (void) fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
        if (len == 0) {
                close(in_pipe[1]);
                in_pipe[1] = -1;
        }

        while (out_pipe[0] >= 0 || err_pipe[0] >= 0) {
                struct pollfd pfd[3];
                nfds_t n = 0;

                if (in_pipe[1] >= 0)
                        pfd[n++] = (struct pollfd){ .fd = in_pipe[1], .events = POLLOUT };
                if (out_pipe[0] >= 0)
                        pfd[n++] = (struct pollfd){ .fd = out_pipe[0], .events = POLLIN };
                if (err_pipe[0] >= 0)
                        pfd[n++] = (struct pollfd){ .fd = err_pipe[0], .events = POLLIN };
                if (poll(pfd, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                for (nfds_t i = 0; i < n; i++) {
                        char buf[65536];
                        ssize_t k;

                        if (!pfd[i].revents)
                                continue;
                        if (pfd[i].fd == in_pipe[1]) {
                                k = write_nosigpipe(in_pipe[1], input + written, len - written);
                                if (k > 0)
                                        written += (size_t) k;
                                if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
                                    written == len) {
                                        close(in_pipe[1]);
                                        in_pipe[1] = -1;
                                }
                                continue;
                        }
                        k = read(pfd[i].fd, buf, sizeof(buf));
                        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                                continue;
                        if (k <= 0) {
                                close(pfd[i].fd);
                                if (pfd[i].fd == out_pipe[0])
                                        out_pipe[0] = -1;
                                else
                                        err_pipe[0] = -1;
                                continue;
                        }
                        if (pfd[i].fd == out_pipe[0] && out.len < 2 * MOF_MAX_INPUT_SIZE)
                                strbuf_append_n(&out, buf, (size_t) k);
                        else if (pfd[i].fd == err_pipe[0] && err.len < 65536)
                                strbuf_append_n(&err, buf, (size_t) k);
                }
        }
        if (in_pipe[1] >= 0) {
                close(in_pipe[1]);
                in_pipe[1] = -1;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }
        if (out.oom || err.oom)
                return -ENOMEM;
        parse_messages(name, strbuf_str(&err), diags, n_errors, &any);
        if (status != 0) {
                if (!any) {
                        (void) mof_diag_add(diags, name, 1, 1, false,
                                            "the C preprocessor failed (status %d)", status);
                        (*n_errors)++;
                }
                return -EINVAL;
        }
        *ret_len = out.len;
        *ret_out = out.len ? strbuf_steal(&out) : strdup("");
        return *ret_out ? 0 : -ENOMEM;
fail:
        for (size_t i = 0; i < 2; i++) {
                if (in_pipe[i] >= 0)
                        close(in_pipe[i]);
                if (out_pipe[i] >= 0)
                        close(out_pipe[i]);
                if (err_pipe[i] >= 0)
                        close(err_pipe[i]);
        }
        return r;
}
