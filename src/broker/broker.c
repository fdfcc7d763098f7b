/* SPDX-License-Identifier: MIT */
/*
 * wmid event loop: the listening socket, connections, signals and timeouts.
 *
 * Theory of operation
 *
 * One thread runs one epoll loop and owns every piece of state; nothing is
 * locked. The loop watches four kinds of file descriptors:
 *
 *  - the listening AF_UNIX socket: accept4() until EAGAIN, take the peer's
 *    identity from SO_PEERCRED (and SO_PEERGROUPS), and add the connection;
 *  - one signalfd for SIGTERM and SIGINT: a clean shutdown;
 *  - one timerfd, armed for the earliest provider-call deadline. Calls live on
 *    a list sorted by deadline (every call gets the same timeout, so appending
 *    keeps the order; a retried call moves to the tail with a fresh deadline),
 *    so the head is always the next one to expire;
 *  - one socket per connection. On EPOLLIN the connection reads into its
 *    WireReader until EAGAIN and then processes every complete frame (batch).
 *    Answers are appended to the connection's WireWriter and written at once;
 *    only when the socket is full is EPOLLOUT armed, and disarmed again when
 *    the output drains.
 *
 * A framing violation, an I/O error or hang-up marks the connection dead; it
 * is freed at the end of the iteration, so no callback ever sees a freed
 * connection. When a provider connection dies its pending calls fail with
 * WBEM_E_PROVIDER_FAILURE and its providers and instances disappear
 * (dispatch_conn_gone()).
 *
 * Files: conn.c holds the connections (accept, read, write, close);
 * registry.c the devices, providers by GUID and instances; dispatch.c the
 * handshake, the routing of client requests to providers or the repository,
 * the pending provider calls and their replies.
 */

#include "broker/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int broker_log_level = LOG_LVL_INFO;

/* Tags in the epoll data for the non-connection fds; connections use their pointer. */
static char tag_listen, tag_signal, tag_timer;

/**
 * broker_log() - print one log line to stderr when @level is enabled.
 * @level: LOG_LVL_*
 * @fmt: printf format
 */
void broker_log(int level, const char *fmt, ...) {
        static const char *const names[] = { [LOG_LVL_ERR] = "error",
                                             [LOG_LVL_WARNING] = "warning",
                                             [LOG_LVL_INFO] = "info",
                                             [LOG_LVL_DEBUG] = "debug" };
        va_list ap;

        if (level > broker_log_level)
                return;
        fprintf(stderr, "wmid: %s: ", names[level] ? names[level] : "log");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/**
 * broker_now_usec() - CLOCK_MONOTONIC in microseconds.
 *
 * Return: the time.
 */
uint64_t broker_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void timer_arm(Broker *b) {
        struct itimerspec its = { 0 };
        uint64_t d = b->calls_head ? MAX(b->calls_head->deadline_usec, (uint64_t) 1) : 0;
        uint64_t e = events_next_deadline(b);

        if (e && (!d || e < d))
                d = MAX(e, (uint64_t) 1);

        /*
         * One syscall only for an earlier deadline: a timer armed for a
         * deadline that went away (the call ended) just fires early once, and
         * broker_timeouts() re-arms it for the next one. New calls always end
         * later than the ones pending, so a round trip costs no timer call.
         */
        if (!d || (b->timer_usec && d >= b->timer_usec))
                return;
        b->timer_usec = d;
        its.it_value.tv_sec = (time_t) (d / 1000000ULL);
        its.it_value.tv_nsec = (long) (d % 1000000ULL) * 1000L;
        if (timerfd_settime(b->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                log_err("timerfd_settime: %m");
}

/*
 * Pending calls are also indexed by id (ids are unique among them): an open
 * addressing table with linear probing, twice BROKER_CALLS_MAX slots so it is
 * at most half full; removal shifts the following run back (no tombstones).
 */

static size_t call_slot(uint32_t id) {
        return (size_t) ((id * 2654435761u) & (BROKER_CALL_INDEX_SIZE - 1));
}

/**
 * call_lookup() - the pending call with id @id, whatever its provider.
 * @b: the broker
 * @id: a call id
 *
 * Return: the call or NULL.
 */
Call *call_lookup(Broker *b, uint32_t id) {
        for (size_t i = call_slot(id);; i = (i + 1) & (BROKER_CALL_INDEX_SIZE - 1)) {
                Call *call = b->call_index[i];

                if (!call || call->id == id)
                        return call;
        }
}

static void call_index_add(Broker *b, Call *call) {
        size_t i = call_slot(call->id);

        while (b->call_index[i])
                i = (i + 1) & (BROKER_CALL_INDEX_SIZE - 1);
        b->call_index[i] = call;
}

static void call_index_remove(Broker *b, const Call *call) {
        size_t i = call_slot(call->id), j;

        while (b->call_index[i] != call) {
                if (!b->call_index[i])
                        return;
                i = (i + 1) & (BROKER_CALL_INDEX_SIZE - 1);
        }
        /* Move back every later entry of the run that may not stay behind the hole. */
        for (j = (i + 1) & (BROKER_CALL_INDEX_SIZE - 1); b->call_index[j];
             j = (j + 1) & (BROKER_CALL_INDEX_SIZE - 1)) {
                size_t home = call_slot(b->call_index[j]->id);

                /* the entry at j may fill the hole at i unless its home lies in (i, j] */
                if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
                        b->call_index[i] = b->call_index[j];
                        i = j;
                }
        }
        b->call_index[i] = NULL;
}

/**
 * call_link() - append a call to the deadline-sorted list, with a fresh
 * deadline, and index it by id.
 * @b: the broker
 * @call: the call (not linked)
 */
void call_link(Broker *b, Call *call) {
        call->deadline_usec = broker_now_usec() + b->config.provider_timeout_usec;
        call->prev = b->calls_tail;
        call->next = NULL;
        if (b->calls_tail)
                b->calls_tail->next = call;
        else
                b->calls_head = call;
        b->calls_tail = call;
        b->n_calls++;
        call_index_add(b, call);
}

/**
 * call_unlink() - remove a call from the deadline list and the index.
 * @b: the broker
 * @call: a linked call
 */
void call_unlink(Broker *b, Call *call) {
        if (call->prev)
                call->prev->next = call->next;
        else
                b->calls_head = call->next;
        if (call->next)
                call->next->prev = call->prev;
        else
                b->calls_tail = call->prev;
        call->prev = call->next = NULL;
        b->n_calls--;
        call_index_remove(b, call);
}

/* One write per connection per loop iteration, for everything queued in it. */
static void broker_flush(Broker *b) {
        events_flush(b);
        for (Conn *c = b->conns; c; c = c->next) {
                int r;

                if (!c->dead && c->doom)
                        conn_close(c, c->doom);
                if (c->dead || wire_writer_pending(&c->out) == 0)
                        continue;
                r = conn_flush(c);
                if (r < 0)
                        conn_close(c, strerror(-r));
        }
}

static void broker_reap(Broker *b) {
        Conn *c = b->conns;

        while (c) {
                Conn *next = c->next;

                if (c->dead) {
                        if (c->prev)
                                c->prev->next = c->next;
                        else
                                b->conns = c->next;
                        if (c->next)
                                c->next->prev = c->prev;
                        b->n_conns--;
                        conn_free(c);
                }
                c = next;
        }
}

static void broker_timeouts(Broker *b) {
        uint64_t expirations, now = broker_now_usec();

        if (read(b->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
                log_warn("timerfd read: %m");
        /* The one-shot timer has expired: re-arm it whatever the next deadline is. */
        b->timer_usec = 0;
        while (b->calls_head && b->calls_head->deadline_usec <= now)
                dispatch_call_timeout(b, b->calls_head);
        events_timeouts(b, now);
}

static int listen_socket_open(const char *path, int *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *dir = NULL;
        char *slash;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A stale socket of a previous broker: nobody can be listening if bind fails. */
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int probe, connected;

                if (errno != EADDRINUSE)
                        return -errno;
                probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (probe < 0)
                        return -errno;
                connected = connect(probe, (struct sockaddr *) &sa, sizeof(sa)) == 0;
                close(probe);
                if (connected)
                        return -EADDRINUSE;
                if (unlink(path) < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return -errno;
        }
        /* Everyone may read; authorization happens per request. */
        if (chmod(path, 0666) < 0)
                return -errno;
        if (listen(fd, 128) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

/**
 * broker_new() - open the repository, the socket, the signalfd and the timerfd.
 * @config: options (copied; strings borrowed for the broker's lifetime)
 * @ret: the broker
 *
 * Return: 0 or a negative errno (logged).
 */
int broker_new(const BrokerConfig *config, Broker **ret) {
        _cleanup_(broker_freep) Broker *b = NULL;
        _cleanup_free_ char *msg = NULL;
        struct epoll_event ev;
        sigset_t mask;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        *b = (Broker){ .config = *config,
                       .epoll_fd = -1,
                       .signal_fd = -1,
                       .timer_fd = -1,
                       .listen_fd = -1,
                       .next_call_id = 1 };
        b->call_index = calloc(BROKER_CALL_INDEX_SIZE, sizeof(*b->call_index));
        if (!b->call_index)
                return -ENOMEM;

        r = repo_open(config->state_dir, &b->repo, &msg);
        if (r < 0) {
                log_err("cannot open the repository in %s: %s", config->state_dir,
                        msg ? msg : strerror(-r));
                return r;
        }

        b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (b->epoll_fd < 0)
                return -errno;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        b->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (b->signal_fd < 0)
                return -errno;
        b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (b->timer_fd < 0)
                return -errno;

        r = listen_socket_open(config->socket_path, &b->listen_fd);
        if (r < 0) {
                log_err("cannot listen on %s: %s", config->socket_path, strerror(-r));
                return r;
        }

        ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &tag_listen };
        if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, b->listen_fd, &ev) < 0)
                return -errno;
        ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &tag_signal };
        if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, b->signal_fd, &ev) < 0)
                return -errno;
        ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &tag_timer };
        if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, b->timer_fd, &ev) < 0)
                return -errno;

        log_info("listening on %s, repository in %s", config->socket_path, config->state_dir);
        *ret = TAKE_PTR(b);
        return 0;
}

/**
 * broker_free() - close every connection and free everything.
 * @b: the broker, or NULL
 *
 * Return: NULL.
 */
Broker *broker_free(Broker *b) {
        if (!b)
                return NULL;
        for (Conn *c = b->conns; c; c = c->next)
                conn_close(c, NULL);
        broker_reap(b);
        dispatch_free_all(b);
        if (b->listen_fd >= 0) {
                close(b->listen_fd);
                unlink(b->config.socket_path);
        }
        if (b->timer_fd >= 0)
                close(b->timer_fd);
        if (b->signal_fd >= 0)
                close(b->signal_fd);
        if (b->epoll_fd >= 0)
                close(b->epoll_fd);
        repo_close(b->repo);
        for (size_t i = 0; i < ELEMENTSOF(b->class_enc); i++) {
                lwmi_object_unref(b->class_enc[i].cls);
                strbuf_deinit(&b->class_enc[i].enc);
        }
        strbuf_deinit(&b->ev_scratch);
        strbuf_deinit(&b->ev_entry);
        free(b->call_index);
        free(b);
        return NULL;
}

/**
 * broker_run() - signal readiness, then run the loop until SIGTERM or SIGINT.
 * @b: the broker
 *
 * Return: 0 after a clean shutdown, or a negative errno.
 */
int broker_run(Broker *b) {
        if (b->config.ready_fd >= 0) {
                static const char ready[] = "READY=1\n";
                ssize_t n = write(b->config.ready_fd, ready, sizeof(ready) - 1);

                if (n != (ssize_t) sizeof(ready) - 1)
                        log_warn("cannot write to the ready fd: %m");
                close(b->config.ready_fd);
                b->config.ready_fd = -1;
        }

        while (!b->quit) {
                struct epoll_event evs[64];
                int n;

                timer_arm(b);
                n = epoll_wait(b->epoll_fd, evs, (int) ELEMENTSOF(evs), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        void *p = evs[i].data.ptr;

                        if (p == &tag_listen) {
                                conn_accept_all(b);
                        } else if (p == &tag_signal) {
                                struct signalfd_siginfo si;

                                if (read(b->signal_fd, &si, sizeof(si)) == sizeof(si)) {
                                        log_info("signal %u received, shutting down", si.ssi_signo);
                                        b->quit = true;
                                }
                        } else if (p == &tag_timer) {
                                broker_timeouts(b);
                        } else {
                                Conn *c = p;

                                /* A connection closed earlier in this batch is not touched. */
                                if (!c->dead)
                                        conn_handle(c, evs[i].events);
                        }
                }
                broker_flush(b);
                broker_reap(b);
        }
        return 0;
}
