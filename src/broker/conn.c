/* SPDX-License-Identifier: MIT */
/*
 * wmid connections: accepting, peer identity, reading frames in batches,
 * queued output written once per loop iteration, closing.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker/broker.h"

static int conn_update_events(Conn *c) {
        bool want = wire_writer_pending(&c->out) > 0;
        struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c };

        if (want == c->epollout)
                return 0;
        if (epoll_ctl(c->broker->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
                return -errno;
        c->epollout = want;
        return 0;
}

/**
 * conn_flush() - write pending output until EAGAIN; EPOLLOUT is armed only
 * while output remains.
 * @c: the connection
 *
 * Return: 0 or a negative errno (the caller closes the connection).
 */
int conn_flush(Conn *c) {
        ssize_t n = wire_writer_send(&c->out, c->fd);

        if (n < 0)
                return (int) n;
        if (n > 0) {
                c->out_done += (uint64_t) n;
                c->stall_usec = 0;
        }
        if (wire_writer_pending(&c->out) > 0 && c->stall_usec == 0)
                c->stall_usec = broker_now_usec();
        if (c->n_subs_dropping > 0)
                events_conn_drained(c);
        return conn_update_events(c);
}

/**
 * conn_close() - mark a connection dead; it is freed at the end of the iteration.
 * @c: the connection
 * @why: reason for the log, or NULL
 */
void conn_close(Conn *c, const char *why) {
        if (c->dead)
                return;
        if (why)
                log_info("connection %llu (%s, uid %u, pid %d) closed: %s",
                         (unsigned long long) c->serial, c->name ? c->name : "?", (unsigned) c->uid,
                         (int) c->pid, why);
        c->dead = true;
        dispatch_conn_gone(c);
}

/**
 * conn_send() - queue a message; it is written at the end of the loop iteration.
 * @c: the connection (ignored when dead)
 * @m: the message
 *
 * Return: 0, or a negative errno (the connection is then closed).
 */
int conn_send(Conn *c, const WireMsg *m) {
        size_t before;
        int r;

        if (c->dead || c->doom)
                return c->doom ? -ENOBUFS : 0;
        before = wire_writer_pending(&c->out);
        r = wire_writer_append(&c->out, m);
        if (r >= 0)
                c->out_total += wire_writer_pending(&c->out) - before;
        /*
         * Closed at the end of the loop iteration, not here: the caller may be
         * walking the subscriptions or calls that closing would free.
         */
        if (r < 0) {
                log_warn("cannot queue %s: %s", wire_msg_type_to_string(m->type), strerror(-r));
                c->doom = "output failure";
                return r;
        }
        /* Written at the end of the loop iteration, with everything else queued meanwhile. */
        if (wire_writer_pending(&c->out) > BROKER_OUTPUT_MAX) {
                c->doom = "peer does not read its output";
                return -ENOBUFS;
        }
        return 0;
}

/**
 * conn_send_status() - send the final STATUS of a request.
 * @c: the connection
 * @request_id: the request
 * @status: the WBEM status
 * @fmt: message format, or NULL for the status's standard message
 *
 * Return: as conn_send().
 */
int conn_send_status(Conn *c, uint32_t request_id, lwmi_status status, const char *fmt, ...) {
        _cleanup_free_ char *text = NULL;
        WireMsg m;
        va_list ap;
        int r;

        if (fmt) {
                va_start(ap, fmt);
                r = vasprintf(&text, fmt, ap);
                va_end(ap);
                if (r < 0)
                        text = NULL;
        }
        if (status != 0)
                log_debug("request %u of connection %llu: status 0x%08x: %s", request_id,
                          (unsigned long long) c->serial, status,
                          text ? text : lwmi_status_message(status));
        r = wire_msg_build(&m, WIRE_MSG_STATUS, request_id, (unsigned) status,
                           text ? text : (status ? lwmi_status_message(status) : ""));
        if (r < 0)
                r = wire_msg_build(&m, WIRE_MSG_STATUS, request_id, (unsigned) status, "");
        if (r < 0)
                return r;
        return conn_send(c, &m);
}

/**
 * conn_free() - close and free a connection (already unlinked from the broker).
 * @c: the connection, or NULL
 *
 * Return: NULL.
 */
Conn *conn_free(Conn *c) {
        if (!c)
                return NULL;
        if (c->fd >= 0) {
                /* Best effort for a last answer (a refused HELLO, a final STATUS). */
                if (wire_writer_pending(&c->out) > 0)
                        (void) send(c->fd, wire_writer_data(&c->out), wire_writer_pending(&c->out),
                                    MSG_NOSIGNAL | MSG_DONTWAIT);
                epoll_ctl(c->broker->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
        }
        wire_reader_deinit(&c->in);
        wire_writer_deinit(&c->out);
        while (c->devices) {
                Device *d = c->devices;

                c->devices = d->next;
                free(d->name);
                free(d);
        }
        free(c->groups);
        free(c->name);
        free(c);
        return NULL;
}

static void conn_read_groups(Conn *c) {
        socklen_t len = 64 * sizeof(gid_t);

        /* SO_PEERGROUPS says how much room it needs with ERANGE; try twice. */
        for (int attempt = 0; attempt < 2; attempt++) {
                gid_t *buf = malloc(len);

                if (!buf)
                        return;
                if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, buf, &len) == 0) {
                        free(c->groups);
                        c->groups = buf;
                        c->n_groups = len / sizeof(gid_t);
                        return;
                }
                free(buf);
                if (errno != ERANGE || len == 0 || len > 65536 * sizeof(gid_t))
                        return;
        }
}

/**
 * conn_accept_all() - accept every pending connection, taking its identity
 * from SO_PEERCRED (and SO_PEERGROUPS); refuse beyond BROKER_CONNS_MAX.
 * @b: the broker
 */
void conn_accept_all(Broker *b) {
        for (;;) {
                struct ucred cred;
                socklen_t len = sizeof(cred);
                struct epoll_event ev;
                Conn *c;
                int fd;

                fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno != EAGAIN)
                                log_warn("accept: %m");
                        return;
                }
                if (b->n_conns >= BROKER_CONNS_MAX) {
                        log_warn("too many connections, refusing one");
                        close(fd);
                        continue;
                }
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                        log_warn("SO_PEERCRED: %m");
                        close(fd);
                        continue;
                }
                c = calloc(1, sizeof(*c));
                if (!c) {
                        close(fd);
                        continue;
                }
                *c = (Conn){ .broker = b,
                             .fd = fd,
                             .serial = ++b->next_serial,
                             .pid = cred.pid,
                             .uid = cred.uid,
                             .gid = cred.gid,
                             .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT),
                             .out = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT) };
                conn_read_groups(c);
                ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = c };
                if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                        log_warn("epoll_ctl: %m");
                        c->fd = -1;
                        close(fd);
                        conn_free(c);
                        continue;
                }
                c->next = b->conns;
                if (b->conns)
                        b->conns->prev = c;
                b->conns = c;
                b->n_conns++;
                log_debug("connection %llu: uid %u pid %d", (unsigned long long) c->serial,
                          (unsigned) c->uid, (int) c->pid);
        }
}

static void conn_process_input(Conn *c) {
        WireFrame f;
        int r;

        while (!c->dead) {
                r = wire_reader_next(&c->in, &f);
                if (r == 0)
                        return;
                if (r < 0) {
                        log_warn("connection %llu (uid %u pid %d): framing violation: %s",
                                 (unsigned long long) c->serial, (unsigned) c->uid, (int) c->pid,
                                 strerror(-r));
                        conn_close(c, "framing violation");
                        return;
                }
                r = dispatch_frame(c, &f);
                if (r < 0 && !c->dead)
                        conn_close(c, strerror(-r));
        }
}

/**
 * conn_handle() - an epoll event of a connection: read until EAGAIN, then
 * process every complete frame; write on EPOLLOUT.
 * @c: the connection
 * @events: the epoll events
 */
#define CONN_READ_MAX (128u << 10)

void conn_handle(Conn *c, uint32_t events) {
        int r;

        if (events & EPOLLIN) {
                size_t taken = 0;

                /*
                 * At most CONN_READ_MAX per connection and loop iteration
                 * (epoll is level-triggered: the rest comes next time), so
                 * that a provider firing flat out cannot fill every
                 * subscriber's queue before the loop writes any of them.
                 */
                while (taken < CONN_READ_MAX) {
                        size_t avail;
                        void *p;
                        ssize_t n;

                        r = wire_reader_reserve(&c->in, 65536, &p, &avail);
                        if (r < 0) {
                                conn_close(c, "out of memory");
                                return;
                        }
                        n = recv(c->fd, p, avail, MSG_DONTWAIT);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                if (errno == EAGAIN)
                                        break;
                                conn_close(c, strerror(errno));
                                return;
                        }
                        if (n == 0) {
                                /* EOF: answer what was fully received, then close. */
                                conn_process_input(c);
                                conn_close(c, NULL);
                                return;
                        }
                        wire_reader_commit(&c->in, (size_t) n);
                        taken += (size_t) n;
                        if ((size_t) n < avail)
                                break;
                }
                conn_process_input(c);
        } else if (events & (EPOLLHUP | EPOLLERR)) {
                conn_close(c, NULL);
                return;
        }
        if (!c->dead && (events & EPOLLOUT)) {
                r = conn_flush(c);
                if (r < 0)
                        conn_close(c, strerror(-r));
        }
}
