/* SPDX-License-Identifier: MIT */
/*
 * libwmiprov: devices (the connection to wmid), providers, instances and the
 * dispatch of the broker's requests to the driver's callbacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <lwmi/provider.h>

#include "provider/provider-internal.h"
#include "shared/macro.h"
#include "wire/wire.h"

/*
 * The event queue (STYLE 3.6): a bounded lock-free MPSC ring of pre-sized
 * slots (Vyukov's bounded queue with a sequence number per slot; any thread
 * produces, the device's loop consumes). A slot at position pos is free for
 * the producer that claims pos when seq == pos, readable by the consumer when
 * seq == pos + 1, and free again for the next lap when seq == pos + len.
 */
typedef struct EventSlot {
        atomic_size_t seq;
        lwmi_guid guid;
        uint32_t instance_id;
        uint32_t size;
        uint8_t data[]; /* event_size_max bytes */
} EventSlot;

typedef struct EventQueue {
        atomic_size_t tail; /* next position producers claim; = events queued */
        char pad0[64 - sizeof(atomic_size_t)];
        atomic_size_t head; /* next position the consumer reads (atomic for get_events/stats) */
        atomic_bool wake_pending; /* the loop was woken and has not drained since */
        char pad1[64 - sizeof(atomic_size_t) - sizeof(atomic_bool)];
        atomic_uint_fast64_t dropped;
        atomic_uint_fast64_t wakeups;
        atomic_uint_fast64_t sent;
        atomic_uint_fast64_t frames;
        atomic_uint_fast64_t direct; /* events sent by the producer itself (no slot) */
        uint8_t *slots;
        size_t slot_size; /* a multiple of 64 */
        size_t mask;      /* slots - 1 */
} EventQueue;

struct lwmi_device {
        EventQueue evq; /* first: 64-byte padded parts */
        atomic_uint n_ref;
        char *name;
        int fd;
        int efd; /* wakes lwmi_device_wait() / the library thread */
        pid_t pid;
        uint32_t max_frame;
        uint32_t event_size_max;
        uint32_t next_request_id;
        pthread_mutex_t lock; /* output, providers, registrations */
        WireReader in;
        WireWriter out;
        int error; /* < 0 once the connection is unusable */
        bool in_dispatch;
        bool defer_flush;   /* under the lock: the loop flushes after its batch of input */
        bool input_pending; /* frames arrived with the handshake: process() has work */
        atomic_bool exit_requested;
        atomic_uint_fast64_t last_direct_nsec; /* CLOCK_MONOTONIC of the last direct event */
        bool thread_running;
        pthread_t thread;
        lwmi_provider **providers;
        size_t n_providers, n_providers_alloc;
        lwmi_error last_error;    /* the broker's latest refusal (STATUS), status 0 = none */
        lwmi_instance **floating; /* instances created without a reference for the caller */
        size_t n_floating, n_floating_alloc;
        WireListBuf batch; /* the FIRE_EVENTS being built (lock held) */
};

struct lwmi_provider {
        lwmi_device *device; /* owner (back pointer) */
        lwmi_guid guid;
        uint32_t min_instance_buffer_size;
        uint32_t flags;
        lwmi_provider_function_control_fn function_control;
        void *userdata;
        atomic_bool enabled[3]; /* indexed by LWMI_EVENT_CONTROL / LWMI_INSTANCE_CONTROL */
        uint32_t next_instance_id;
        uint32_t register_id;       /* request id of PROVIDER_REGISTER */
        lwmi_status broker_status;  /* the broker's refusal of it, or 0 */
        lwmi_instance **registered; /* in registration order: the index is the position */
        size_t n_registered, n_registered_alloc;
        atomic_uint_fast64_t refused; /* fires refused with -ENOBUFS (queue full) */
        uint64_t refused_reported;    /* of those, told the broker (EVENTS_DROPPED); lock held */
};

struct lwmi_instance {
        atomic_uint n_ref;
        lwmi_provider *provider;
        lwmi_device *device;
        bool floating; /* owned by the device: holds no device reference */
        bool registered;
        atomic_bool fire_ok; /* registered, for lwmi_instance_fire_event() without the lock */
        uint32_t id;
        uint32_t register_id;      /* request id of the latest INSTANCE_REGISTER */
        lwmi_status broker_status; /* the broker's refusal of it, or 0 */
        char *name;
        bool use_context_for_query;
        void *context;
        size_t context_size;
        lwmi_query_instance_fn query_instance;
        lwmi_set_instance_fn set_instance;
        lwmi_set_item_fn set_item;
        lwmi_execute_method_fn execute_method;
        void *userdata;
};

typedef enum RequestState {
        REQUEST_RUNNING,   /* in the callback */
        REQUEST_COMPLETED, /* completed by another thread before the callback returned */
        REQUEST_DEFERRED,  /* the callback returned -EINPROGRESS; waiting for completion */
} RequestState;

/*
 * A QUERY_ALL_DATA in progress: the answers of its instances are collected
 * into ALL_DATA frames (a frame goes out whenever it is full, the final one
 * when the last instance has answered, deferred ones included).
 */
typedef struct AllData {
        lwmi_device *device; /* reference */
        uint32_t request_id;
        unsigned outstanding; /* instances still to answer, +1 while they are started */
        WireListBuf list;     /* under the device lock */
} AllData;

struct lwmi_request {
        AllData *all;            /* QUERY_ALL_DATA: where the answer goes, else NULL */
        lwmi_device *device;     /* reference */
        lwmi_instance *instance; /* reference */
        uint16_t type;
        uint32_t request_id;
        lwmi_caller caller;
        uint8_t *buffer; /* query / method output */
        size_t buffer_size;
        bool scratch;       /* query with 0 bytes available: 1-byte scratch buffer (item 39) */
        RequestState state; /* under the device lock */
        int early_error;    /* lwmi_request_complete() while the callback still ran */
        size_t early_size;
};

static int prov_error(lwmi_error *err, int errnum, lwmi_status status, const char *ntstatus,
                      const char *fmt, ...) _printf_(5, 6);

static int prov_error(lwmi_error *err, int errnum, lwmi_status status, const char *ntstatus,
                      const char *fmt, ...) {
        va_list ap;
        int n;

        if (!err)
                return -errnum;
        err->status = status;
        err->cim_status = lwmi_status_to_cim(status);
        n = snprintf(err->message, sizeof(err->message), "%s: ", ntstatus);
        if (n < 0 || (size_t) n >= sizeof(err->message))
                return -errnum;
        va_start(ap, fmt);
        vsnprintf(err->message + n, sizeof(err->message) - (size_t) n, fmt, ap);
        va_end(ap);
        return -errnum;
}

/* ---- output ---- */

/*
 * Writes what the socket takes now; never blocks. Called with the lock held.
 * Return: the bytes written (progress for device_process()), or < 0 once the
 * connection is unusable.
 */
static ssize_t device_flush_locked(lwmi_device *d) {
        ssize_t n = wire_writer_send(&d->out, d->fd);

        if (n < 0)
                d->error = (int) n;
        return n;
}

static void device_wake(lwmi_device *d) {
        uint64_t one = 1;

        if (d->efd >= 0)
                (void) !write(d->efd, &one, sizeof(one));
}

/* Queues a message and sends what it can. Called with the lock held. */
static int device_send_locked(lwmi_device *d, uint16_t type, uint32_t request_id, ...) {
        WireMsg m;
        va_list ap;
        int r;

        if (d->error < 0)
                return -ENOTCONN;
        va_start(ap, request_id);
        r = wire_msg_buildv(&m, type, request_id, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = wire_writer_append(&d->out, &m);
        if (r < 0)
                return r;
        if (d->defer_flush)
                return 0; /* replies of one input batch go out in one write */
        if (device_flush_locked(d) < 0)
                return -ENOTCONN;
        if (wire_writer_pending(&d->out) > 0)
                device_wake(d); /* the loop must poll for POLLOUT */
        return 0;
}

static uint32_t device_next_id_locked(lwmi_device *d) {
        d->next_request_id++;
        if (d->next_request_id == 0)
                d->next_request_id = 1;
        return d->next_request_id;
}

/* ---- event queue ---- */

static EventSlot *evq_slot(const EventQueue *q, size_t pos) {
        return (EventSlot *) (q->slots + (pos & q->mask) * q->slot_size);
}

static int evq_init(EventQueue *q, uint32_t len, uint32_t size_max) {
        size_t n = 1;

        while (n < (len ? len : PROV_EVENT_QUEUE_LEN_DEFAULT))
                n <<= 1;
        q->slot_size = ALIGN_TO(sizeof(EventSlot) + size_max, 64);
        if (n > SIZE_MAX / q->slot_size)
                return -ENOMEM;
        q->slots = aligned_alloc(64, n * q->slot_size);
        if (!q->slots)
                return -ENOMEM;
        q->mask = n - 1;
        for (size_t i = 0; i < n; i++)
                atomic_init(&evq_slot(q, i)->seq, i);
        atomic_init(&q->tail, 0);
        atomic_init(&q->head, 0);
        atomic_init(&q->wake_pending, false);
        atomic_init(&q->dropped, 0);
        atomic_init(&q->wakeups, 0);
        atomic_init(&q->sent, 0);
        atomic_init(&q->frames, 0);
        atomic_init(&q->direct, 0);
        return 0;
}

static bool evq_empty(EventQueue *q) {
        /* relaxed: a hint for get_events; a miss is caught by the eventfd wake-up */
        return atomic_load_explicit(&q->head, memory_order_relaxed) ==
               atomic_load_explicit(&q->tail, memory_order_relaxed);
}

/* Sends the batch being built as one FIRE_EVENTS frame. Lock held. */
static int device_send_batch_locked(lwmi_device *d) {
        WireList l = wire_list_buf_get(&d->batch);
        uint32_t n = d->batch.count;
        int r;

        if (n == 0)
                return 0;
        r = device_send_locked(d, WIRE_MSG_FIRE_EVENTS, device_next_id_locked(d), &l);
        d->batch.buf.len = 0;
        d->batch.count = 0;
        if (r < 0) {
                /* relaxed: a statistic */
                atomic_fetch_add_explicit(&d->evq.dropped, n, memory_order_relaxed);
                return r;
        }
        /* relaxed: statistics, written under the lock only (the loop, the direct path) */
        atomic_fetch_add_explicit(&d->evq.sent, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->evq.frames, 1, memory_order_relaxed);
        return 0;
}

/*
 * Moves queued events into FIRE_EVENTS frames of at most PROV_EVENT_BATCH_MAX
 * bytes, until the queue is empty or PROV_OUT_HIGH_WATER bytes wait for the
 * socket (then the queue fills and producers drop: backpressure without
 * blocking). With the connection lost, the queued events are counted dropped.
 * Lock held. Returns whether any event was taken.
 */
static bool device_drain_events_locked(lwmi_device *d) {
        EventQueue *q = &d->evq;
        size_t limit = MIN((size_t) d->max_frame, PROV_EVENT_BATCH_MAX) - 64;
        /* relaxed: only this (the consumer) thread writes head */
        size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
        size_t start = head;

        /*
         * Output backed up: nothing is drained, and the flag stays set, so
         * that producers do not wake the loop for every event meanwhile (it
         * waits for POLLOUT, and drains once the output went below the mark).
         */
        if (d->error >= 0 && wire_writer_pending(&d->out) >= PROV_OUT_HIGH_WATER)
                return false;
        /*
         * acq_rel: clear the flag before reading the slots, so that a producer
         * publishing after this point sees it clear and wakes us again (the
         * uv_async_send protocol); acquire pairs with the producers' exchange.
         */
        (void) atomic_exchange_explicit(&q->wake_pending, false, memory_order_acq_rel);
        while (d->error < 0 || wire_writer_pending(&d->out) < PROV_OUT_HIGH_WATER) {
                EventSlot *s = evq_slot(q, head);
                /* acquire: pairs with the producer's release store of seq; the slot's data */
                size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);

                if (seq != head + 1)
                        break; /* empty, or the next producer has not finished copying */
                if (d->error < 0)
                        /* relaxed: a statistic */
                        atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
                else {
                        if (d->batch.count > 0 && d->batch.buf.len + 24 + s->size > limit)
                                (void) device_send_batch_locked(d);
                        if (wire_list_buf_add_event(&d->batch, &s->guid, s->instance_id, s->data,
                                                    s->size) < 0)
                                /* relaxed: a statistic (out of memory) */
                                atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
                }
                /* release: our reads of the slot happen before its reuse by a producer */
                atomic_store_explicit(&s->seq, head + q->mask + 1, memory_order_release);
                head++;
        }
        if (d->error >= 0)
                (void) device_send_batch_locked(d);
        /* relaxed: read only as a hint (get_events) and for statistics */
        atomic_store_explicit(&q->head, head, memory_order_relaxed);
        return head != start;
}

/*
 * Tells the broker how many fires each provider refused since the last
 * report (EVENTS_DROPPED, docs/protocol.md 4.7), once the loop has drained
 * the queue. Lock held.
 */
static void device_report_drops_locked(lwmi_device *d) {
        for (size_t k = 0; k < d->n_providers && d->error >= 0; k++) {
                lwmi_provider *p = d->providers[k];
                /* relaxed: a count; what arrives later goes in the next report */
                uint64_t n = atomic_load_explicit(&p->refused, memory_order_relaxed);

                if (n == p->refused_reported)
                        continue;
                if (device_send_locked(d, WIRE_MSG_EVENTS_DROPPED, device_next_id_locked(d),
                                       &p->guid, (uint64_t) (n - p->refused_reported)) < 0)
                        break;
                p->refused_reported = n;
        }
}

/*
 * The direct path of lwmi_instance_fire_event() (docs/protocol.md 4.7): when
 * the queue is empty, the device lock is free (trylock: never waits) and no
 * output is waiting, the event goes out from the caller's thread as a
 * one-event FIRE_EVENTS frame, one send(MSG_DONTWAIT) instead of the queue,
 * the eventfd and the loop's wake-up. What the socket does not take stays in
 * the writer and the loop is woken to poll for POLLOUT (device_send_locked()).
 *
 * Order per producing thread: the queue is checked empty again under the
 * lock. The loop drains (head moves) only under the lock, after the drained
 * events were appended to the output; an event this thread queued earlier
 * still counts in tail - head until then, so it cannot be overtaken.
 *
 * Returns whether the event was taken: sent (or left in the writer), or
 * counted dropped when the write found the connection gone; false to queue it.
 */
/* Events closer together than this after a direct one are a burst: they queue. */
#define DIRECT_GAP_NSEC 20000u

static uint64_t monotonic_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static bool instance_send_event_direct(lwmi_instance *i, const void *data, size_t size) {
        lwmi_device *d = i->device;
        EventQueue *q = &d->evq;
        bool taken = false;

        uint64_t now;

        /* within a burst the queue is rarely empty: no clock read then */
        if (!evq_empty(q))
                return false;
        now = monotonic_nsec();
        /*
         * Only an event that comes alone goes direct (low latency); within
         * DIRECT_GAP_NSEC of the previous direct one it is part of a burst
         * and queues, so that the loop sends the burst in batches instead of
         * one system call per event. relaxed: a hint.
         */
        if (now - atomic_load_explicit(&d->last_direct_nsec, memory_order_relaxed) <
                    DIRECT_GAP_NSEC ||
            pthread_mutex_trylock(&d->lock) != 0)
                return false;
        /*
         * evq_empty() under the lock: head is stored under it, and our own
         * earlier claims of tail are sequenced before. d->defer_flush: inside
         * the loop's dispatch, events queue as before (drained after the batch).
         */
        if (d->error >= 0 && !d->defer_flush && d->batch.count == 0 &&
            wire_writer_pending(&d->out) == 0 && evq_empty(q) &&
            d->pid == lwmi_internal_self_pid() &&
            wire_list_buf_add_event(&d->batch, &i->provider->guid, i->id, data, size) >= 0) {
                /* relaxed, all: statistics (queued = tail + direct) */
                atomic_fetch_add_explicit(&q->direct, 1, memory_order_relaxed);
                atomic_store_explicit(&d->last_direct_nsec, now, memory_order_relaxed);
                /* counts the event sent and one frame, or dropped if the write failed */
                (void) device_send_batch_locked(d);
                if (d->error >= 0 && wire_writer_pending(&d->out) > 0)
                        /* device_send_locked() woke the loop for POLLOUT */
                        atomic_fetch_add_explicit(&q->wakeups, 1, memory_order_relaxed);
                taken = true;
        }
        pthread_mutex_unlock(&d->lock);
        return taken;
}

/* The enabled path of lwmi_instance_fire_event(): the direct path, else a producer of the queue. */
static __attribute__((noinline)) int instance_enqueue_event(lwmi_instance *i, const void *data,
                                                            size_t size) {
        lwmi_device *d = i->device;
        EventQueue *q = &d->evq;
        EventSlot *s;
        size_t pos;

        if (!data)
                size = 0; /* item 65 */
        if (size > d->event_size_max)
                return -EMSGSIZE; /* item 66: STATUS_BUFFER_OVERFLOW */
        /* relaxed: a hint; a racing deregistration is the broker's to ignore */
        if (!atomic_load_explicit(&i->fire_ok, memory_order_relaxed))
                return -ENOENT;
        if (instance_send_event_direct(i, data, size))
                return 0;
        /* relaxed: the slot's seq (acquire below) orders the claim */
        pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
        for (;;) {
                intptr_t diff;

                s = evq_slot(q, pos);
                /* acquire: pairs with the consumer's release when it freed the slot */
                diff = (intptr_t) atomic_load_explicit(&s->seq, memory_order_acquire) -
                       (intptr_t) pos;
                if (diff == 0) {
                        /* relaxed: claiming the position; the slot's seq publishes */
                        if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1,
                                                                  memory_order_relaxed,
                                                                  memory_order_relaxed))
                                break;
                } else if (diff < 0) {
                        /* relaxed: statistics; the provider's count goes to the broker */
                        atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
                        atomic_fetch_add_explicit(&i->provider->refused, 1, memory_order_relaxed);
                        return -ENOBUFS; /* full: one lap behind */
                } else
                        /* relaxed: another producer took pos; retry at the new tail */
                        pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
        }
        s->guid = i->provider->guid;
        s->instance_id = i->id;
        s->size = (uint32_t) size;
        if (size > 0)
                memcpy(s->data, data, size);
        /* release: publishes the slot's contents to the consumer's acquire load */
        atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
        /*
         * acq_rel: release orders our publication before the flag the consumer
         * clears (with acquire) before draining; only the producer that sets
         * the flag writes the eventfd: one system call per burst.
         */
        if (!atomic_exchange_explicit(&q->wake_pending, true, memory_order_acq_rel)) {
                /* relaxed: a statistic */
                atomic_fetch_add_explicit(&q->wakeups, 1, memory_order_relaxed);
                device_wake(d);
        }
        return 0;
}

/* ---- device ---- */

static int socket_default_path(char *buf, size_t size) {
        const char *e = getenv("LWMI_SOCKET");
        int n;

        if (e && *e)
                n = snprintf(buf, size, "%s", e);
        else if (geteuid() == 0)
                n = snprintf(buf, size, "/run/lwmi/wmid.sock");
        else {
                e = getenv("XDG_RUNTIME_DIR");
                if (!e || !*e)
                        return -ENXIO;
                n = snprintf(buf, size, "%s/lwmi/wmid.sock", e);
        }
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

static int socket_connect(const char *path) {
        _cleanup_close_ int fd = -1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t l = strlen(path);

        if (l == 0 || l >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, l);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static int poll_one(int fd, short events, uint64_t timeout_usec) {
        struct pollfd p = { .fd = fd, .events = events };
        int r;

        do
                r = poll(&p, 1, (int) MIN(timeout_usec / 1000, (uint64_t) INT32_MAX));
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        return r == 0 ? -ETIMEDOUT : 0;
}

/* Sends all pending output, waiting for the socket (device creation only). */
static int device_flush_blocking(lwmi_device *d, uint64_t timeout_usec) {
        int r;

        while (wire_writer_pending(&d->out) > 0) {
                r = poll_one(d->fd, POLLOUT, timeout_usec);
                if (r < 0)
                        return r;
                if (device_flush_locked(d) < 0)
                        return d->error;
        }
        return 0;
}

/* Waits for the next frame (device creation only). */
static int device_next_frame_blocking(lwmi_device *d, uint64_t timeout_usec, WireFrame *ret) {
        int r;

        for (;;) {
                void *p;
                size_t avail;
                ssize_t n;

                r = wire_reader_next(&d->in, ret);
                if (r < 0)
                        return -EBADMSG;
                if (r > 0)
                        return 0;
                r = poll_one(d->fd, POLLIN, timeout_usec);
                if (r < 0)
                        return r;
                r = wire_reader_reserve(&d->in, 4096, &p, &avail);
                if (r < 0)
                        return r;
                n = recv(d->fd, p, avail, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -ECONNRESET;
                wire_reader_commit(&d->in, (size_t) n);
        }
}

/*
 * DEVICE_REGISTER and its STATUS (docs/protocol.md 4.6): the broker compiles
 * the MOF now, so that a driver learns about MOF errors at creation.
 */
static int device_register(lwmi_device *d, const char *mof_text, uint64_t timeout_usec,
                           lwmi_error *reterr) {
        WireMsg m;
        WireFrame f;
        uint32_t id = device_next_id_locked(d), status;
        const char *message;
        int r;

        r = wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, id, d->name, mof_text ? mof_text : "");
        if (r < 0)
                return r;
        r = wire_writer_append(&d->out, &m);
        if (r < 0)
                return r;
        r = device_flush_blocking(d, timeout_usec);
        if (r < 0)
                return r;
        for (;;) {
                r = device_next_frame_blocking(d, timeout_usec, &f);
                if (r < 0)
                        return r;
                if (f.type == WIRE_MSG_STATUS && f.request_id == id)
                        break;
                /* nothing else is expected before the device exists; dropped */
        }
        if (wire_msg_decode_frame(&f, &m) < 0 || wire_msg_read(&m, &status, &message) < 0)
                return -EBADMSG;
        if (status != 0) {
                r = lwmi_status_to_errno(status);
                return prov_error(reterr, r < 0 ? -r : EPROTO, status, "DEVICE_REGISTER", "%s",
                                  message);
        }
        d->input_pending = wire_reader_buffered(&d->in) > 0;
        return 0;
}

/* Blocking handshake: HELLO, then wait for HELLO_REPLY. */
static int device_handshake(lwmi_device *d, uint64_t timeout_usec, lwmi_error *reterr) {
        WireMsg m;
        WireFrame f;
        uint16_t version;
        uint32_t max_frame, status;
        const char *name;
        int r;

        r = wire_msg_build(&m, WIRE_MSG_HELLO, 0, (unsigned) WIRE_MAGIC,
                           (unsigned) WIRE_VERSION_MIN, (unsigned) WIRE_VERSION_MAX,
                           (unsigned) WIRE_ROLE_PROVIDER, (unsigned) WIRE_FRAME_MAX_DEFAULT,
                           d->name);
        if (r < 0)
                return r;
        r = wire_writer_append(&d->out, &m);
        if (r < 0)
                return r;
        r = device_flush_blocking(d, timeout_usec);
        if (r < 0)
                return r;
        r = device_next_frame_blocking(d, timeout_usec, &f);
        if (r < 0)
                return r;
        if (f.type != WIRE_MSG_HELLO_REPLY || wire_msg_decode_frame(&f, &m) < 0)
                return -EBADMSG;
        r = wire_msg_read(&m, &version, &max_frame, &status, &name);
        if (r < 0)
                return -EBADMSG;
        if (version == 0 || status != 0)
                return prov_error(reterr, ECONNREFUSED,
                                  status ? status : (lwmi_status) LWMI_WBEM_E_CONNECTION_FAILED,
                                  "HELLO_REPLY", "broker refused the connection");
        if (version < WIRE_VERSION_MIN || version > WIRE_VERSION_MAX ||
            max_frame < WIRE_FRAME_MAX_FLOOR || max_frame > WIRE_FRAME_MAX_DEFAULT)
                return -EBADMSG;
        d->input_pending = wire_reader_buffered(&d->in) > 0;
        d->max_frame = max_frame;
        d->in.max_frame = max_frame;
        d->out.max_frame = max_frame;
        return 0;
}

static void instance_free(lwmi_instance *i);

static lwmi_device *device_free(lwmi_device *d) {
        if (!d)
                return NULL;
        if (d->thread_running && !pthread_equal(d->thread, pthread_self()))
                (void) lwmi_device_stop_thread(d);
        else if (d->thread_running)
                pthread_detach(d->thread);
        for (size_t i = 0; i < d->n_floating; i++)
                instance_free(d->floating[i]);
        free(d->floating);
        for (size_t i = 0; i < d->n_providers; i++) {
                free(d->providers[i]->registered);
                free(d->providers[i]);
        }
        free(d->providers);
        wire_reader_deinit(&d->in);
        wire_writer_deinit(&d->out);
        wire_list_buf_deinit(&d->batch);
        free(d->evq.slots);
        if (d->fd >= 0)
                close(d->fd);
        if (d->efd >= 0)
                close(d->efd);
        pthread_mutex_destroy(&d->lock);
        free(d->name);
        free(d);
        return NULL;
}

_public_ int lwmi_device_new(const char *name, const char *mof_text,
                             const lwmi_device_config *config, lwmi_device **ret,
                             lwmi_error *reterr_error) {
        lwmi_device *d;
        uint64_t timeout = PROV_HANDSHAKE_TIMEOUT_USEC;
        int fd = config && config->size >= offsetof(lwmi_device_config, timeout_usec) ? config->fd
                                                                                      : -1;
        int r;

        if (!name || !*name || !ret || (config && config->size != sizeof(*config))) {
                if (fd >= 0)
                        close(fd);
                return prov_error(reterr_error, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER", "invalid device name or config");
        }

        d = calloc(1, sizeof(*d));
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return -ENOMEM;
        }
        atomic_init(&d->n_ref, 1);
        d->fd = fd;
        d->efd = -1;
        d->pid = lwmi_internal_self_pid();
        d->in = (WireReader) WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT);
        d->out = (WireWriter) WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT);
        d->event_size_max = PROV_EVENT_SIZE_MAX_DEFAULT;
        d->batch = (WireListBuf) WIRE_LIST_BUF_INIT;
        pthread_mutex_init(&d->lock, NULL);
        if (config && config->event_size_max)
                d->event_size_max = config->event_size_max;
        r = evq_init(&d->evq, config ? config->event_queue_len : 0, d->event_size_max);
        if (r < 0)
                goto fail;
        if (config && config->timeout_usec)
                timeout = config->timeout_usec;

        d->name = strdup(name);
        if (!d->name) {
                r = -ENOMEM;
                goto fail;
        }
        d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (d->efd < 0) {
                r = -errno;
                goto fail;
        }
        if (d->fd < 0) {
                char path[sizeof(((struct sockaddr_un *) NULL)->sun_path)];

                if (config && config->socket_path) {
                        if (strlen(config->socket_path) >= sizeof(path)) {
                                r = -ENAMETOOLONG;
                                goto fail;
                        }
                        snprintf(path, sizeof(path), "%s", config->socket_path);
                } else {
                        r = socket_default_path(path, sizeof(path));
                        if (r < 0)
                                goto fail;
                }
                r = socket_connect(path);
                if (r < 0) {
                        prov_error(reterr_error, -r, LWMI_WBEM_E_CONNECTION_FAILED,
                                   "STATUS_WMI_GUID_DISCONNECTED", "cannot connect to %s", path);
                        goto fail;
                }
                d->fd = r;
        }
        r = device_handshake(d, timeout, reterr_error);
        if (r < 0)
                goto fail;
        if ((uint64_t) d->event_size_max + 64 > d->max_frame) {
                r = prov_error(reterr_error, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                               "STATUS_INVALID_PARAMETER",
                               "event_size_max %u does not fit in a frame of %u bytes",
                               d->event_size_max, d->max_frame);
                goto fail;
        }
        r = device_register(d, mof_text, timeout, reterr_error);
        if (r < 0)
                goto fail;
        r = fcntl(d->fd, F_GETFL);
        if (r < 0 || fcntl(d->fd, F_SETFL, r | O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        *ret = d;
        return 0;
fail:
        device_free(d);
        return r;
}

_public_ lwmi_device *lwmi_device_ref(lwmi_device *device) {
        if (device)
                atomic_fetch_add_explicit(&device->n_ref, 1, memory_order_relaxed);
        return device;
}

_public_ lwmi_device *lwmi_device_unref(lwmi_device *device) {
        /* acq_rel: the freeing thread must see every write of the other owners */
        if (device && atomic_fetch_sub_explicit(&device->n_ref, 1, memory_order_acq_rel) == 1)
                device_free(device);
        return NULL;
}

_public_ const char *lwmi_device_get_name(const lwmi_device *device) {
        assert_return(device, NULL);
        return device->name;
}

_public_ int lwmi_device_get_last_error(lwmi_device *device, lwmi_error *ret) {
        int r = -ENODATA;

        assert_return(device && ret, -EINVAL);
        pthread_mutex_lock(&device->lock);
        if (device->last_error.status != 0) {
                *ret = device->last_error;
                r = 0;
        }
        pthread_mutex_unlock(&device->lock);
        return r;
}

_public_ int lwmi_device_get_fd(lwmi_device *device) {
        assert_return(device, -EINVAL);
        return device->fd >= 0 ? device->fd : -EBADF;
}

_public_ int lwmi_device_get_events(lwmi_device *device) {
        int events = POLLIN;

        assert_return(device, -EINVAL);
        pthread_mutex_lock(&device->lock);
        if (wire_writer_pending(&device->out) > 0 || !evq_empty(&device->evq))
                events |= POLLOUT;
        pthread_mutex_unlock(&device->lock);
        return events;
}

/* ---- providers ---- */

static lwmi_provider *device_find_provider_locked(lwmi_device *d, const lwmi_guid *g) {
        for (size_t i = 0; i < d->n_providers; i++)
                if (lwmi_guid_equal(&d->providers[i]->guid, g))
                        return d->providers[i];
        return NULL;
}

/* The checks of WdfWmiProviderCreate, in its order (spec item 1). */
static int provider_config_check(const lwmi_provider_config *c, lwmi_error *reterr) {
        if (c->size != sizeof(lwmi_provider_config))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INFO_LENGTH_MISMATCH",
                                  "provider config size %u, expected %zu", c->size,
                                  sizeof(lwmi_provider_config));
        if (c->flags & ~(uint32_t) (LWMI_PROVIDER_EVENT_ONLY | LWMI_PROVIDER_EXPENSIVE |
                                    LWMI_PROVIDER_TRACING))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER", "unknown provider flags 0x%x",
                                  c->flags);
        if ((c->flags & LWMI_PROVIDER_TRACING) && c->flags != LWMI_PROVIDER_TRACING)
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER",
                                  "Tracing cannot be combined with other flags (0x%x)", c->flags);
        if (c->function_control && !(c->flags & (LWMI_PROVIDER_EXPENSIVE | LWMI_PROVIDER_TRACING)))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER",
                                  "a function control callback needs Expensive or Tracing");
        if (lwmi_guid_is_null(&c->guid))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER", "the GUID is all zeroes");
        return 0;
}

/* Checks the config and builds an unlinked provider. */
static int provider_make(lwmi_device *d, const lwmi_provider_config *c, lwmi_provider **ret,
                         lwmi_error *reterr) {
        lwmi_provider *p;
        int r;

        r = provider_config_check(c, reterr);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->device = d;
        p->guid = c->guid;
        p->min_instance_buffer_size = c->min_instance_buffer_size;
        p->flags = c->flags;
        p->function_control = c->function_control;
        p->userdata = c->userdata;
        for (size_t i = 0; i < ELEMENTSOF(p->enabled); i++)
                atomic_init(&p->enabled[i], false);
        atomic_init(&p->refused, 0);
        *ret = p;
        return 0;
}

/* Adds the provider to the device and sends PROVIDER_REGISTER. Lock held. */
static int provider_link_locked(lwmi_device *d, lwmi_provider *p, lwmi_error *reterr) {
        char g[LWMI_GUID_STRING_MAX];
        int r;

        if (device_find_provider_locked(d, &p->guid))
                return prov_error(reterr, EEXIST, LWMI_WBEM_E_ALREADY_EXISTS,
                                  "STATUS_OBJECT_NAME_EXISTS",
                                  "a provider for %s already exists on device %s",
                                  lwmi_guid_format(&p->guid, g), d->name);
        if (d->error < 0)
                return prov_error(reterr, ENOTCONN, LWMI_WBEM_E_TRANSPORT_FAILURE,
                                  "STATUS_INVALID_DEVICE_STATE", "the connection to wmid is lost");
        r = GROW(d->providers, d->n_providers_alloc, d->n_providers + 1);
        if (r < 0)
                return r;
        p->register_id = device_next_id_locked(d);
        r = device_send_locked(d, WIRE_MSG_PROVIDER_REGISTER, p->register_id, &p->guid,
                               (unsigned) p->flags, (unsigned) p->min_instance_buffer_size);
        if (r < 0)
                return r;
        d->providers[d->n_providers++] = p;
        return 0;
}

_public_ int lwmi_provider_new(lwmi_device *device, const lwmi_provider_config *config,
                               lwmi_provider **ret, lwmi_error *reterr_error) {
        lwmi_provider *p;
        int r;

        assert_return(device && config, -EINVAL);
        r = provider_make(device, config, &p, reterr_error);
        if (r < 0)
                return r;
        pthread_mutex_lock(&device->lock);
        r = provider_link_locked(device, p, reterr_error);
        pthread_mutex_unlock(&device->lock);
        if (r < 0) {
                free(p);
                return r;
        }
        if (ret)
                *ret = p;
        return 0;
}

_public_ lwmi_device *lwmi_provider_get_device(lwmi_provider *provider) {
        assert_return(provider, NULL);
        return provider->device;
}

_public_ bool lwmi_provider_is_enabled(lwmi_provider *provider, uint32_t control) {
        if (!provider || (control != LWMI_EVENT_CONTROL && control != LWMI_INSTANCE_CONTROL))
                return false;
        /* relaxed: a boolean hint, as in KMDF; no data is published through it */
        return atomic_load_explicit(&provider->enabled[control], memory_order_relaxed);
}

_public_ lwmi_status lwmi_provider_get_broker_status(lwmi_provider *provider) {
        lwmi_status st;

        assert_return(provider, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);
        pthread_mutex_lock(&provider->device->lock);
        st = provider->broker_status;
        pthread_mutex_unlock(&provider->device->lock);
        return st;
}

_public_ const lwmi_guid *lwmi_provider_get_guid(const lwmi_provider *provider) {
        assert_return(provider, NULL);
        return &provider->guid;
}

/* ---- instances ---- */

static int instance_register_locked(lwmi_instance *i) {
        lwmi_provider *p = i->provider;
        lwmi_device *d = i->device;
        int r;

        if (i->registered)
                return -EALREADY;
        if (p->flags & LWMI_PROVIDER_TRACING)
                return -EOPNOTSUPP;
        if (d->error < 0)
                return -ENOTCONN;
        r = GROW(p->registered, p->n_registered_alloc, p->n_registered + 1);
        if (r < 0)
                return r;
        i->register_id = device_next_id_locked(d);
        r = device_send_locked(d, WIRE_MSG_INSTANCE_REGISTER, i->register_id, &p->guid,
                               (unsigned) i->id, i->name ? i->name : "");
        if (r < 0)
                return r;
        i->broker_status = 0;
        p->registered[p->n_registered++] = i;
        i->registered = true;
        /* relaxed: a hint for fire_event (the lock orders the rest) */
        atomic_store_explicit(&i->fire_ok, true, memory_order_relaxed);
        return 0;
}

static void instance_deregister_locked(lwmi_instance *i) {
        lwmi_provider *p = i->provider;
        lwmi_device *d = i->device;

        if (!i->registered)
                return;
        for (size_t k = 0; k < p->n_registered; k++)
                if (p->registered[k] == i) {
                        memmove(p->registered + k, p->registered + k + 1,
                                (p->n_registered - k - 1) * sizeof(*p->registered));
                        p->n_registered--;
                        break;
                }
        i->registered = false;
        /* relaxed: a hint for fire_event (the lock orders the rest) */
        atomic_store_explicit(&i->fire_ok, false, memory_order_relaxed);
        (void) device_send_locked(d, WIRE_MSG_INSTANCE_DEREGISTER, device_next_id_locked(d),
                                  &p->guid, (unsigned) i->id);
}

static void instance_free(lwmi_instance *i) {
        free(i->context);
        free(i->name);
        free(i);
}

static int instance_config_check(const lwmi_instance_config *c, const lwmi_provider_config *pc,
                                 lwmi_error *reterr) {
        bool any_cb = c->query_instance || c->set_instance || c->set_item || c->execute_method;

        /* item 11 */
        if ((pc->flags & LWMI_PROVIDER_EVENT_ONLY) && (c->use_context_for_query || any_cb))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER",
                                  "an EventOnly provider's instance has no query or callbacks");
        /* item 12 */
        if (c->use_context_for_query) {
                if (c->set_instance || c->set_item)
                        return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                          "STATUS_INVALID_PARAMETER",
                                          "UseContextForQuery is read-only: no set callbacks");
                if (c->context_size == 0)
                        return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                          "STATUS_INVALID_PARAMETER",
                                          "UseContextForQuery needs a context");
                if (c->context_size > UINT32_MAX)
                        return prov_error(reterr, EOVERFLOW, LWMI_WBEM_E_VALUE_OUT_OF_RANGE,
                                          "STATUS_INTEGER_OVERFLOW",
                                          "context size %zu above ULONG_MAX", c->context_size);
                if (c->context_size < pc->min_instance_buffer_size)
                        return prov_error(reterr, ENOBUFS, LWMI_WBEM_E_BUFFER_TOO_SMALL,
                                          "STATUS_BUFFER_TOO_SMALL",
                                          "context size %zu below MinInstanceBufferSize %u",
                                          c->context_size, pc->min_instance_buffer_size);
        }
        /* item 16 */
        if ((pc->flags & LWMI_PROVIDER_TRACING) && c->register_at_create)
                return prov_error(reterr, EOPNOTSUPP, LWMI_WBEM_E_INVALID_OPERATION,
                                  "STATUS_INVALID_DEVICE_REQUEST",
                                  "instances of a Tracing provider cannot be registered");
        if (c->name && (!*c->name || strlen(c->name) > 1024))
                return prov_error(reterr, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER", "invalid static instance name");
        return 0;
}

_public_ int lwmi_instance_new(lwmi_device *device, const lwmi_instance_config *config,
                               lwmi_instance **ret, lwmi_error *reterr_error) {
        lwmi_provider *p, *implicit = NULL;
        lwmi_instance *i;
        lwmi_provider_config pc;
        int r;

        assert_return(config, -EINVAL);
        /* item 9 */
        if (config->size != sizeof(lwmi_instance_config))
                return prov_error(reterr_error, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INFO_LENGTH_MISMATCH",
                                  "instance config size %u, expected %zu", config->size,
                                  sizeof(lwmi_instance_config));
        if (!config->provider == !config->provider_config)
                return prov_error(reterr_error, EINVAL, LWMI_WBEM_E_INVALID_PARAMETER,
                                  "STATUS_INVALID_PARAMETER",
                                  "exactly one of provider and provider_config must be set");
        if (config->provider) {
                p = config->provider;
                device = p->device; /* as in KMDF, the device argument is not used */
                pc = (lwmi_provider_config){
                        .size = sizeof(pc),
                        .guid = p->guid,
                        .min_instance_buffer_size = p->min_instance_buffer_size,
                        .flags = p->flags,
                };
        } else {
                assert_return(device, -EINVAL);
                /* item 10: the provider checks of WdfWmiProviderCreate */
                r = provider_make(device, config->provider_config, &implicit, reterr_error);
                if (r < 0)
                        return r;
                p = implicit;
                pc = *config->provider_config;
        }
        r = instance_config_check(config, &pc, reterr_error);
        if (r < 0) {
                free(implicit);
                return r;
        }

        i = calloc(1, sizeof(*i));
        if (!i) {
                free(implicit);
                return -ENOMEM;
        }
        atomic_init(&i->n_ref, 1);
        atomic_init(&i->fire_ok, false);
        i->provider = p;
        i->device = device;
        i->floating = !ret;
        i->use_context_for_query = config->use_context_for_query;
        i->query_instance = config->query_instance;
        i->set_instance = config->set_instance;
        i->set_item = config->set_item;
        i->execute_method = config->execute_method;
        i->userdata = config->userdata;
        if (config->name) {
                i->name = strdup(config->name);
                if (!i->name) {
                        instance_free(i);
                        free(implicit);
                        return -ENOMEM;
                }
        }
        if (config->context_size > 0) {
                i->context = config->context ? malloc(config->context_size)
                                             : calloc(1, config->context_size);
                if (!i->context) {
                        instance_free(i);
                        free(implicit);
                        return -ENOMEM;
                }
                if (config->context)
                        memcpy(i->context, config->context, config->context_size);
                i->context_size = config->context_size;
        }

        pthread_mutex_lock(&device->lock);
        if (i->floating) {
                r = GROW(device->floating, device->n_floating_alloc, device->n_floating + 1);
                if (r < 0)
                        goto fail_locked;
        }
        if (implicit) {
                r = provider_link_locked(device, implicit, reterr_error);
                if (r < 0)
                        goto fail_locked;
                implicit = NULL; /* linked: owned by the device from now on */
        }
        i->id = p->next_instance_id++;
        if (config->register_at_create) {
                r = instance_register_locked(i);
                if (r < 0) {
                        prov_error(reterr_error, -r, LWMI_WBEM_E_FAILED,
                                   "STATUS_INVALID_DEVICE_REQUEST",
                                   "registering the instance failed");
                        goto fail_locked;
                }
        }
        if (i->floating)
                device->floating[device->n_floating++] = i;
        else
                lwmi_device_ref(device);
        pthread_mutex_unlock(&device->lock);
        if (ret)
                *ret = i;
        return 0;

fail_locked:
        pthread_mutex_unlock(&device->lock);
        instance_free(i);
        free(implicit);
        return r;
}

_public_ lwmi_instance *lwmi_instance_ref(lwmi_instance *instance) {
        if (instance)
                atomic_fetch_add_explicit(&instance->n_ref, 1, memory_order_relaxed);
        return instance;
}

_public_ lwmi_instance *lwmi_instance_unref(lwmi_instance *instance) {
        lwmi_device *d;

        /* acq_rel: the freeing thread must see every write of the other owners */
        if (!instance || atomic_fetch_sub_explicit(&instance->n_ref, 1, memory_order_acq_rel) != 1)
                return NULL;
        d = instance->device;
        pthread_mutex_lock(&d->lock);
        instance_deregister_locked(instance);
        if (instance->floating)
                for (size_t k = 0; k < d->n_floating; k++)
                        if (d->floating[k] == instance) {
                                d->floating[k] = d->floating[--d->n_floating];
                                break;
                        }
        pthread_mutex_unlock(&d->lock);
        if (!instance->floating)
                lwmi_device_unref(d);
        instance_free(instance);
        return NULL;
}

_public_ int lwmi_instance_register(lwmi_instance *instance) {
        int r;

        assert_return(instance, -EINVAL);
        pthread_mutex_lock(&instance->device->lock);
        r = instance_register_locked(instance);
        pthread_mutex_unlock(&instance->device->lock);
        return r;
}

_public_ int lwmi_instance_deregister(lwmi_instance *instance) {
        assert_return(instance, -EINVAL);
        pthread_mutex_lock(&instance->device->lock);
        instance_deregister_locked(instance);
        pthread_mutex_unlock(&instance->device->lock);
        return 0;
}

_public_ bool lwmi_instance_is_registered(lwmi_instance *instance) {
        bool b;

        if (!instance)
                return false;
        pthread_mutex_lock(&instance->device->lock);
        b = instance->registered;
        pthread_mutex_unlock(&instance->device->lock);
        return b;
}

_public_ lwmi_status lwmi_instance_get_broker_status(lwmi_instance *instance) {
        lwmi_status st;

        assert_return(instance, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);
        pthread_mutex_lock(&instance->device->lock);
        st = instance->broker_status;
        pthread_mutex_unlock(&instance->device->lock);
        return st;
}

_public_ lwmi_provider *lwmi_instance_get_provider(lwmi_instance *instance) {
        assert_return(instance, NULL);
        return instance->provider;
}

_public_ lwmi_device *lwmi_instance_get_device(lwmi_instance *instance) {
        assert_return(instance, NULL);
        return instance->device;
}

_public_ void *lwmi_instance_get_context(lwmi_instance *instance, size_t *ret_size) {
        assert_return(instance, NULL);
        if (ret_size)
                *ret_size = instance->context_size;
        return instance->context;
}

_public_ void *lwmi_instance_get_userdata(lwmi_instance *instance) {
        assert_return(instance, NULL);
        return instance->userdata;
}

_public_ uint32_t lwmi_instance_get_id(lwmi_instance *instance) {
        assert_return(instance, UINT32_MAX);
        return instance->id;
}

static int instance_index_locked(lwmi_instance *i) {
        for (size_t k = 0; k < i->provider->n_registered; k++)
                if (i->provider->registered[k] == i)
                        return (int) MIN(k, (size_t) INT32_MAX);
        return -ENOENT;
}

_public_ int lwmi_instance_get_index(lwmi_instance *instance) {
        int r;

        assert_return(instance, -EINVAL);
        pthread_mutex_lock(&instance->device->lock);
        r = instance_index_locked(instance);
        pthread_mutex_unlock(&instance->device->lock);
        return r;
}

_public_ int lwmi_instance_get_name(lwmi_instance *instance, char **ret) {
        char *s;
        int idx;

        assert_return(instance && ret, -EINVAL);
        if (instance->name) {
                s = strdup(instance->name);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        idx = lwmi_instance_get_index(instance);
        if (idx < 0)
                return idx;
        if (asprintf(&s, "%s_%d", instance->device->name, idx) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

_public_ int lwmi_instance_fire_event(lwmi_instance *instance, const void *data, size_t size) {
        assert_return(instance, -EINVAL);
        /*
         * relaxed: the disabled fast path is this one load and a branch (STYLE
         * 3.6); the flag publishes no data, a stale value only means an event
         * queued just after the disable (the broker drops it) or one reported
         * not enabled just after the enable (as a race in KMDF would).
         */
        if (likely(!atomic_load_explicit(&instance->provider->enabled[LWMI_EVENT_CONTROL],
                                         memory_order_relaxed)))
                return LWMI_EVENT_NOT_ENABLED;
        return instance_enqueue_event(instance, data, size);
}

_public_ int lwmi_device_get_event_stats(lwmi_device *device, lwmi_event_stats *ret) {
        EventQueue *q;

        assert_return(device && ret, -EINVAL);
        q = &device->evq;
        /* relaxed, all: statistics; tail counts the claimed (queued) positions */
        ret->queued = atomic_load_explicit(&q->tail, memory_order_relaxed) +
                      atomic_load_explicit(&q->direct, memory_order_relaxed);
        ret->sent = atomic_load_explicit(&q->sent, memory_order_relaxed);
        ret->dropped = atomic_load_explicit(&q->dropped, memory_order_relaxed);
        ret->frames = atomic_load_explicit(&q->frames, memory_order_relaxed);
        ret->wakeups = atomic_load_explicit(&q->wakeups, memory_order_relaxed);
        return 0;
}

_public_ uint64_t lwmi_device_get_dropped_events(lwmi_device *device) {
        assert_return(device, 0);
        /* relaxed: a statistic */
        return atomic_load_explicit(&device->evq.dropped, memory_order_relaxed);
}

/* ---- requests ---- */

_public_ const lwmi_caller *lwmi_request_get_caller(const lwmi_request *request) {
        assert_return(request, NULL);
        return &request->caller;
}

static void request_free(lwmi_request *q) {
        lwmi_instance_unref(q->instance);
        lwmi_device_unref(q->device);
        free(q->buffer);
        free(q);
}

static void device_reply(lwmi_device *d, uint32_t request_id, uint32_t status, uint32_t needed,
                         const void *data, size_t size) {
        pthread_mutex_lock(&d->lock);
        (void) device_send_locked(d, WIRE_MSG_REPLY, request_id, (unsigned) status,
                                  (unsigned) needed, data, size);
        pthread_mutex_unlock(&d->lock);
}

/* Room for the data of ALL_DATA entries: the frame minus headers and one entry's fields. */
static size_t all_data_room(const lwmi_device *d) {
        return d->max_frame - 64;
}

/* Sends the entries collected so far (@final: and ends the request). Lock held. */
static void all_data_send_locked(AllData *a, bool final) {
        WireList l = wire_list_buf_get(&a->list);

        (void) device_send_locked(a->device, WIRE_MSG_ALL_DATA, a->request_id,
                                  (unsigned) (final ? 1 : 0), &l);
        /* a full frame goes out at once, so that the broker works while we go on */
        if (!final && a->device->error == 0)
                (void) device_flush_locked(a->device);
        wire_list_buf_deinit(&a->list);
        a->list = (WireListBuf) WIRE_LIST_BUF_INIT;
}

/* Drops one outstanding answer; the last one sends the final frame and frees @a. */
static void all_data_put(AllData *a) {
        lwmi_device *d = a->device;
        bool last;

        pthread_mutex_lock(&d->lock);
        last = --a->outstanding == 0;
        if (last)
                all_data_send_locked(a, true);
        pthread_mutex_unlock(&d->lock);
        if (last) {
                wire_list_buf_deinit(&a->list);
                lwmi_device_unref(d);
                free(a);
        }
}

/* Adds the answer of one instance, then drops it from the outstanding ones. */
static void all_data_add(AllData *a, uint32_t instance_id, uint32_t status, uint32_t needed,
                         const void *data, size_t size) {
        lwmi_device *d = a->device;

        pthread_mutex_lock(&d->lock);
        if (a->list.count > 0 && a->list.buf.len + size + 16 > all_data_room(d))
                all_data_send_locked(a, false);
        if (wire_list_buf_add_data(&a->list, instance_id, status, needed, data, size) < 0)
                (void) wire_list_buf_add_data(&a->list, instance_id,
                                              (uint32_t) LWMI_WBEM_E_OUT_OF_MEMORY, 0, NULL, 0);
        if (a->list.buf.len >= 65536)
                all_data_send_locked(a, false);
        pthread_mutex_unlock(&d->lock);
        all_data_put(a);
}

/* Turns a callback's result into a REPLY (items 37-40, 48-49, 56) and frees @q. */
static void request_finish(lwmi_request *q, int error, size_t size) {
        uint32_t status = prov_status_from_callback(error);
        uint32_t needed = 0;
        const void *data = NULL;
        size_t n = 0;

        switch (q->type) {
        case WIRE_MSG_QUERY_INSTANCE:
        case WIRE_MSG_EXECUTE_METHOD:
                if (error == 0 && q->scratch && size > 0)
                        error = -ENOBUFS; /* item 39 */
                if (error == 0 && size > q->buffer_size)
                        status = PROV_STATUS_UNSUCCESSFUL; /* item 40 */
                else if (error == 0) {
                        data = q->buffer;
                        n = q->scratch ? 0 : size;
                } else if (error == -ENOBUFS) {
                        status = PROV_STATUS_TOO_SMALL;
                        needed = (uint32_t) MIN(size, (size_t) UINT32_MAX);
                } else if (error == -EBADRQC && q->type == WIRE_MSG_EXECUTE_METHOD)
                        status = PROV_STATUS_BAD_METHOD; /* STATUS_WMI_ITEMID_NOT_FOUND */
                break;
        default: /* SET_INSTANCE, SET_ITEM: item 49 */
                if (error == -ENOBUFS)
                        status = PROV_STATUS_SET_FAILURE;
                break;
        }
        if (q->all)
                all_data_add(q->all, q->instance->id, status, needed, data, n);
        else
                device_reply(q->device, q->request_id, status, needed, data, n);
        request_free(q);
}

_public_ int lwmi_request_complete(lwmi_request *request, int error, size_t size) {
        lwmi_device *d;
        RequestState state;

        assert_return(request && error != -EINPROGRESS, -EINVAL);
        d = request->device;
        pthread_mutex_lock(&d->lock);
        state = request->state;
        if (state == REQUEST_RUNNING) {
                /* the callback has not returned yet: it finishes the request */
                request->state = REQUEST_COMPLETED;
                request->early_error = error;
                request->early_size = size;
        }
        pthread_mutex_unlock(&d->lock);
        if (state == REQUEST_COMPLETED)
                return -EINVAL;
        if (state == REQUEST_DEFERRED)
                request_finish(request, error, size);
        return 0;
}

/* Room for a reply's data: the frame minus the REPLY fields. */
static size_t device_reply_room(const lwmi_device *d) {
        return d->max_frame - 16;
}

static int request_new(lwmi_device *d, lwmi_instance *i, const WireMsg *m, uint32_t uid,
                       uint32_t gid, uint32_t pid, lwmi_request **ret) {
        lwmi_request *q = calloc(1, sizeof(*q));

        if (!q)
                return -ENOMEM;
        q->device = lwmi_device_ref(d);
        q->instance = lwmi_instance_ref(i);
        q->type = m->type;
        q->request_id = m->request_id;
        q->caller = (lwmi_caller){ .uid = uid, .gid = gid, .pid = pid };
        *ret = q;
        return 0;
}

static int request_alloc_buffer(lwmi_request *q, size_t size) {
        q->buffer_size = size;
        q->buffer = malloc(size ? size : 1);
        return q->buffer ? 0 : -ENOMEM;
}

/* Takes a reference unless the last one is being dropped on another thread. */
static bool instance_ref_unless_zero(lwmi_instance *i) {
        unsigned n = atomic_load_explicit(&i->n_ref, memory_order_relaxed);

        do
                if (n == 0)
                        return false;
        while (!atomic_compare_exchange_weak_explicit(&i->n_ref, &n, n + 1, memory_order_relaxed,
                                                      memory_order_relaxed));
        return true;
}

/* Finds a registered instance by GUID and id, with a reference. */
static uint32_t device_lookup(lwmi_device *d, const lwmi_guid *g, uint32_t id,
                              lwmi_instance **ret) {
        lwmi_provider *p;
        uint32_t status = PROV_STATUS_NOT_FOUND;

        pthread_mutex_lock(&d->lock);
        p = device_find_provider_locked(d, g);
        if (p)
                for (size_t k = 0; k < p->n_registered; k++)
                        if (p->registered[k]->id == id) {
                                if (instance_ref_unless_zero(p->registered[k])) {
                                        *ret = p->registered[k];
                                        status = 0;
                                }
                                break;
                        }
        pthread_mutex_unlock(&d->lock);
        return status;
}

static void dispatch_call(lwmi_request *q, const void *in, size_t in_size, uint32_t item_id) {
        lwmi_instance *i = q->instance;
        size_t size = 0;
        int r = 0;

        switch (q->type) {
        case WIRE_MSG_QUERY_INSTANCE:
                r = i->query_instance(i, q, q->buffer, q->scratch ? 1 : q->buffer_size, &size,
                                      i->userdata);
                break;
        case WIRE_MSG_SET_INSTANCE:
                r = i->set_instance(i, q, in_size ? in : NULL, in_size, i->userdata);
                break;
        case WIRE_MSG_SET_ITEM:
                r = i->set_item(i, q, item_id, in_size ? in : NULL, in_size, i->userdata);
                break;
        case WIRE_MSG_EXECUTE_METHOD:
                r = i->execute_method(i, q, item_id, in_size ? in : NULL, in_size, q->buffer,
                                      q->buffer_size, &size, i->userdata);
                break;
        }
        pthread_mutex_lock(&q->device->lock);
        if (q->state == REQUEST_COMPLETED) {
                /* completed on another thread already (a driver's worker may be fast) */
                if (r == -EINPROGRESS) {
                        r = q->early_error;
                        size = q->early_size;
                }
        } else if (r == -EINPROGRESS) {
                q->state = REQUEST_DEFERRED; /* lwmi_request_complete() finishes it */
                pthread_mutex_unlock(&q->device->lock);
                return;
        }
        pthread_mutex_unlock(&q->device->lock);
        request_finish(q, r, size);
}

/* Answers a query without a callback: a REPLY, or an entry of a QUERY_ALL_DATA. */
static void query_answer(lwmi_device *d, AllData *all, uint32_t request_id, lwmi_instance *i,
                         uint32_t status, uint32_t needed, const void *data, size_t size) {
        if (all)
                all_data_add(all, i->id, status, needed, data, size);
        else
                device_reply(d, request_id, status, needed, data, size);
}

/*
 * QUERY_INSTANCE of one instance (@all NULL), or one instance of a
 * QUERY_ALL_DATA (@all set; the answer becomes one entry of it).
 */
static void query_instance(lwmi_device *d, AllData *all, const WireMsg *m, lwmi_instance *i,
                           uint32_t size, uint32_t uid, uint32_t gid, uint32_t pid) {
        lwmi_provider *p = i->provider;
        lwmi_request *q;
        size_t room;
        int r;

        if (!i->query_instance && !i->use_context_for_query && !i->execute_method) {
                /* item 35 */
                query_answer(d, all, m->request_id, i, PROV_STATUS_NOT_SUPPORTED, 0, NULL, 0);
                return;
        }
        if (size < p->min_instance_buffer_size) {
                /* item 36: no callback */
                query_answer(d, all, m->request_id, i, PROV_STATUS_TOO_SMALL,
                             p->min_instance_buffer_size, NULL, 0);
                return;
        }
        if (i->use_context_for_query) {
                /* item 41: the context bytes, no callback */
                if (size < i->context_size)
                        query_answer(d, all, m->request_id, i, PROV_STATUS_TOO_SMALL,
                                     (uint32_t) i->context_size, NULL, 0);
                else
                        query_answer(d, all, m->request_id, i, 0, 0, i->context, i->context_size);
                return;
        }
        if (!i->query_instance) {
                query_answer(d, all, m->request_id, i, 0, 0, NULL, 0); /* item 42 */
                return;
        }
        room = MIN((size_t) size, all ? all_data_room(d) : device_reply_room(d));
        r = request_new(d, i, m, uid, gid, pid, &q);
        if (r >= 0) {
                q->type = WIRE_MSG_QUERY_INSTANCE;
                q->all = all;
                q->scratch = room == 0; /* item 39 */
                r = request_alloc_buffer(q, room);
                if (r < 0)
                        request_free(q);
        }
        if (r < 0) {
                query_answer(d, all, m->request_id, i, (uint32_t) LWMI_WBEM_E_OUT_OF_MEMORY, 0,
                             NULL, 0);
                return;
        }
        dispatch_call(q, NULL, 0, 0);
}

/*
 * QUERY_ALL_DATA: every registered instance of the GUID, in registration
 * order, through the same steps as QUERY_INSTANCE; the answers go out in
 * ALL_DATA frames, the last one final. Instances registered while it runs
 * are not part of it.
 */
static void dispatch_all_data(lwmi_device *d, const WireMsg *m) {
        _cleanup_free_ lwmi_instance **insts = NULL;
        uint32_t size, uid, gid, pid;
        size_t n = 0;
        lwmi_provider *p;
        AllData *all;
        lwmi_guid g;

        if (wire_msg_read(m, &g, &size, &uid, &gid, &pid) < 0) {
                device_reply(d, m->request_id, PROV_STATUS_INVALID, 0, NULL, 0);
                return;
        }
        all = calloc(1, sizeof(*all));
        if (!all) {
                device_reply(d, m->request_id, (uint32_t) LWMI_WBEM_E_OUT_OF_MEMORY, 0, NULL, 0);
                return;
        }
        pthread_mutex_lock(&d->lock);
        p = device_find_provider_locked(d, &g);
        if (p && p->n_registered > 0) {
                insts = calloc(p->n_registered, sizeof(*insts));
                for (size_t k = 0; insts && k < p->n_registered; k++)
                        if (instance_ref_unless_zero(p->registered[k]))
                                insts[n++] = p->registered[k];
        }
        pthread_mutex_unlock(&d->lock);
        if (!p || (p->n_registered > 0 && !insts)) {
                free(all);
                device_reply(d, m->request_id,
                             p ? (uint32_t) LWMI_WBEM_E_OUT_OF_MEMORY : PROV_STATUS_NOT_FOUND, 0,
                             NULL, 0);
                return;
        }
        *all = (AllData){ .device = lwmi_device_ref(d),
                          .request_id = m->request_id,
                          .outstanding = (unsigned) n + 1,
                          .list = WIRE_LIST_BUF_INIT };
        for (size_t k = 0; k < n; k++) {
                query_instance(d, all, m, insts[k], size, uid, gid, pid);
                lwmi_instance_unref(insts[k]);
        }
        all_data_put(all); /* the final frame, unless deferred answers are still due */
}

static void dispatch_instance_request(lwmi_device *d, const WireMsg *m) {
        lwmi_guid g;
        uint32_t id, size = 0, item = 0, uid, gid, pid, status;
        const void *in = NULL;
        size_t in_size = 0;
        lwmi_instance *i = NULL;
        lwmi_provider *p;
        lwmi_request *q;
        int r;

        switch (m->type) {
        case WIRE_MSG_QUERY_INSTANCE:
                r = wire_msg_read(m, &g, &id, &size, &uid, &gid, &pid);
                break;
        case WIRE_MSG_SET_INSTANCE:
                r = wire_msg_read(m, &g, &id, &in, &in_size, &uid, &gid, &pid);
                break;
        case WIRE_MSG_SET_ITEM:
                r = wire_msg_read(m, &g, &id, &item, &in, &in_size, &uid, &gid, &pid);
                break;
        default:
                r = wire_msg_read(m, &g, &id, &item, &in, &in_size, &size, &uid, &gid, &pid);
                break;
        }
        if (r < 0) {
                device_reply(d, m->request_id, PROV_STATUS_INVALID, 0, NULL, 0);
                return;
        }
        status = device_lookup(d, &g, id, &i);
        if (status != 0) {
                device_reply(d, m->request_id, status, 0, NULL, 0);
                return;
        }
        p = i->provider;

        switch (m->type) {
        case WIRE_MSG_QUERY_INSTANCE:
                query_instance(d, NULL, m, i, size, uid, gid, pid);
                goto out;
        case WIRE_MSG_SET_INSTANCE:
                if (!i->set_instance || i->use_context_for_query)
                        status = PROV_STATUS_READ_ONLY; /* item 47 */
                else if (in_size < p->min_instance_buffer_size)
                        status = PROV_STATUS_SET_FAILURE; /* item 48 */
                break;
        case WIRE_MSG_SET_ITEM:
                if (!i->set_item)
                        status = PROV_STATUS_READ_ONLY; /* item 50 */
                break;
        default:
                if (!i->execute_method)
                        status = PROV_STATUS_NOT_SUPPORTED; /* item 53 */
                break;
        }
        if (status != 0) {
                device_reply(d, m->request_id, status, 0, NULL, 0);
                goto out;
        }

        r = request_new(d, i, m, uid, gid, pid, &q);
        if (r >= 0 && m->type == WIRE_MSG_EXECUTE_METHOD) {
                r = request_alloc_buffer(q, MIN((size_t) size, device_reply_room(d)));
                if (r < 0)
                        request_free(q);
        }
        if (r < 0) {
                device_reply(d, m->request_id, (uint32_t) LWMI_WBEM_E_OUT_OF_MEMORY, 0, NULL, 0);
                goto out;
        }
        dispatch_call(q, in, in_size, item);
out:
        lwmi_instance_unref(i);
}

static void dispatch_function_control(lwmi_device *d, const WireMsg *m) {
        lwmi_guid g;
        uint32_t control;
        uint8_t enable;
        uint64_t handle;
        lwmi_provider *p;
        int r;

        if (wire_msg_read(m, &g, &control, &enable, &handle) < 0 ||
            (control != LWMI_EVENT_CONTROL && control != LWMI_INSTANCE_CONTROL)) {
                device_reply(d, m->request_id, PROV_STATUS_INVALID, 0, NULL, 0);
                return;
        }
        pthread_mutex_lock(&d->lock);
        p = device_find_provider_locked(d, &g);
        pthread_mutex_unlock(&d->lock);
        if (!p) {
                device_reply(d, m->request_id, PROV_STATUS_NOT_FOUND, 0, NULL, 0);
                return;
        }
        /*
         * item 59: the boolean is set before the callback, forced off when it
         * fails. release: whatever this thread did before (the provider's
         * setup) is visible to a thread that sees the flag with acquire; the
         * fire_event fast path reads it relaxed as it needs no such data.
         */
        atomic_store_explicit(&p->enabled[control], enable != 0, memory_order_release);
        r = p->function_control ? p->function_control(p, control, enable != 0, p->userdata) : 0;
        if (r < 0)
                atomic_store_explicit(&p->enabled[control], false, memory_order_release);
        device_reply(d, m->request_id, prov_status_from_callback(r), 0, NULL, 0);
}

/*
 * STATUS answers PROVIDER_REGISTER, INSTANCE_REGISTER and INSTANCE_DEREGISTER
 * (docs/protocol.md 4.6). A refused registration is undone here so that our
 * lists (and the instance indexes) agree with the broker's.
 */
static void dispatch_status(lwmi_device *d, const WireMsg *m) {
        uint32_t status;
        const char *message;

        if (wire_msg_read(m, &status, &message) < 0 || status == 0)
                return;
        pthread_mutex_lock(&d->lock);
        d->last_error.status = status;
        d->last_error.cim_status = lwmi_status_to_cim(status);
        snprintf(d->last_error.message, sizeof(d->last_error.message), "%s", message);
        for (size_t k = 0; k < d->n_providers; k++) {
                lwmi_provider *p = d->providers[k];

                if (p->register_id == m->request_id) {
                        p->broker_status = status;
                        break;
                }
                for (size_t j = 0; j < p->n_registered; j++)
                        if (p->registered[j]->register_id == m->request_id) {
                                lwmi_instance *i = p->registered[j];

                                memmove(p->registered + j, p->registered + j + 1,
                                        (p->n_registered - j - 1) * sizeof(*p->registered));
                                p->n_registered--;
                                i->registered = false;
                                /* relaxed: a hint for fire_event */
                                atomic_store_explicit(&i->fire_ok, false, memory_order_relaxed);
                                i->broker_status = status;
                                break;
                        }
        }
        pthread_mutex_unlock(&d->lock);
}

static void device_dispatch(lwmi_device *d, const WireMsg *m) {
        switch (m->type) {
        case WIRE_MSG_STATUS:
                dispatch_status(d, m);
                break;
        case WIRE_MSG_QUERY_INSTANCE:
        case WIRE_MSG_SET_INSTANCE:
        case WIRE_MSG_SET_ITEM:
        case WIRE_MSG_EXECUTE_METHOD:
                dispatch_instance_request(d, m);
                break;
        case WIRE_MSG_FUNCTION_CONTROL:
                dispatch_function_control(d, m);
                break;
        case WIRE_MSG_QUERY_ALL_DATA:
                dispatch_all_data(d, m);
                break;
        default:
                break; /* nothing else is expected from the broker; ignored */
        }
}

/* ---- event loop ---- */

/*
 * One round of I/O and dispatch. @hold: keep a reference for the duration, so
 * that a callback may drop the caller's last one. The library thread runs
 * without it: the last unref joins that thread instead.
 *
 * Work (a return of 1) is only progress: bytes written or read, events taken
 * from the queue, frames dispatched. Output that merely waits for a full
 * socket is not: the loop then waits for POLLOUT (lwmi_device_get_events())
 * instead of calling again at once.
 */
static int device_process(lwmi_device *d, bool hold) {
        WireFrame f;
        WireMsg m;
        bool did = false;
        ssize_t w;
        int r;

        if (d->pid != lwmi_internal_self_pid())
                return -ECHILD;
        if (d->in_dispatch)
                return -EBUSY;
        pthread_mutex_lock(&d->lock);
        r = d->error;
        if (r < 0)
                (void) device_drain_events_locked(d); /* lost with the connection: dropped */
        pthread_mutex_unlock(&d->lock);
        if (r < 0)
                return r;

        if (hold)
                lwmi_device_ref(d);
        did = d->input_pending;
        d->input_pending = false;
        pthread_mutex_lock(&d->lock);
        if (device_drain_events_locked(d))
                did = true;
        device_report_drops_locked(d);
        w = device_flush_locked(d);
        pthread_mutex_unlock(&d->lock);
        if (w < 0) {
                r = (int) w;
                goto finish;
        }
        if (w > 0)
                did = true;

        for (;;) {
                void *p;
                size_t avail;
                ssize_t n;

                r = wire_reader_reserve(&d->in, 65536, &p, &avail);
                if (r < 0)
                        goto finish;
                n = recv(d->fd, p, avail, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        r = -errno;
                        goto finish;
                }
                if (n == 0) {
                        r = -ECONNRESET;
                        goto finish;
                }
                wire_reader_commit(&d->in, (size_t) n);
                did = true;
                if ((size_t) n < avail)
                        break;
        }

        d->in_dispatch = true;
        pthread_mutex_lock(&d->lock);
        d->defer_flush = true;
        pthread_mutex_unlock(&d->lock);
        while ((r = wire_reader_next(&d->in, &f)) > 0) {
                if (wire_msg_decode_frame(&f, &m) < 0) {
                        if ((f.type >> 8) == 0x04)
                                device_reply(d, f.request_id, PROV_STATUS_INVALID, 0, NULL, 0);
                        continue;
                }
                device_dispatch(d, &m);
        }
        d->in_dispatch = false;
        pthread_mutex_lock(&d->lock);
        d->defer_flush = false;
        pthread_mutex_unlock(&d->lock);
        if (r < 0) {
                r = -EBADMSG;
                goto finish;
        }
        pthread_mutex_lock(&d->lock);
        if (device_drain_events_locked(d))
                did = true;
        device_report_drops_locked(d);
        w = device_flush_locked(d);
        pthread_mutex_unlock(&d->lock);
        r = w < 0 ? (int) w : 0;
        if (w > 0)
                did = true;
finish:
        if (r < 0) {
                pthread_mutex_lock(&d->lock);
                if (d->error == 0)
                        d->error = r;
                (void) device_drain_events_locked(d); /* lost with the connection: dropped */
                pthread_mutex_unlock(&d->lock);
        } else
                r = did ? 1 : 0;
        if (hold)
                lwmi_device_unref(d);
        return r;
}

_public_ int lwmi_device_process(lwmi_device *device) {
        assert_return(device, -EINVAL);
        return device_process(device, true);
}

_public_ int lwmi_device_wait(lwmi_device *device, uint64_t timeout_usec) {
        struct pollfd p[2];
        int r, t;

        assert_return(device, -EINVAL);
        if (device->pid != lwmi_internal_self_pid())
                return -ECHILD;
        if (device->input_pending)
                return 1;
        r = lwmi_device_get_events(device);
        p[0] = (struct pollfd){ .fd = device->fd, .events = (short) r };
        p[1] = (struct pollfd){ .fd = device->efd, .events = POLLIN };
        t = timeout_usec == UINT64_MAX
                    ? -1
                    : (int) MIN((timeout_usec + 999) / 1000, (uint64_t) INT32_MAX);
        r = poll(p, 2, t);
        if (r < 0)
                return errno == EINTR ? 0 : -errno;
        if (p[1].revents & POLLIN) {
                uint64_t v;
                (void) !read(device->efd, &v, sizeof(v));
        }
        return r > 0;
}

static int device_run(lwmi_device *device, bool hold) {
        int r;

        /* seq_cst (default): checked once per round, cost irrelevant; pairs with the store in exit
         */
        while (!atomic_load(&device->exit_requested)) {
                r = device_process(device, hold);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = lwmi_device_wait(device, UINT64_MAX);
                if (r < 0)
                        return r;
        }
        /* seq_cst (default): ready for the next run */
        atomic_store(&device->exit_requested, false);
        return 0;
}

_public_ int lwmi_device_run(lwmi_device *device) {
        assert_return(device, -EINVAL);
        return device_run(device, true);
}

_public_ int lwmi_device_exit(lwmi_device *device) {
        assert_return(device, -EINVAL);
        /* seq_cst (default): seen by the loop's next check; device_wake() makes it look */
        atomic_store(&device->exit_requested, true);
        device_wake(device);
        return 0;
}

static void *device_thread(void *arg) {
        lwmi_device *d = arg;

        (void) device_run(d, false);
        return NULL;
}

_public_ int lwmi_device_start_thread(lwmi_device *device) {
        int r;

        assert_return(device, -EINVAL);
        if (device->thread_running)
                return -EBUSY;
        /* seq_cst (default); pthread_create() orders it before the thread starts anyway */
        atomic_store(&device->exit_requested, false);
        r = pthread_create(&device->thread, NULL, device_thread, device);
        if (r != 0)
                return -r;
        device->thread_running = true;
        return 0;
}

_public_ int lwmi_device_stop_thread(lwmi_device *device) {
        assert_return(device, -EINVAL);
        if (!device->thread_running)
                return 0;
        lwmi_device_exit(device);
        pthread_join(device->thread, NULL);
        device->thread_running = false;
        return 0;
}
