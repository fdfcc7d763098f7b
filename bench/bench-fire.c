/* SPDX-License-Identifier: MIT */
/*
 * lwmi_instance_fire_event() cost, against an in-process fake broker on a
 * socketpair (a thread that reads and discards what the device sends):
 *
 *   disabled: nobody subscribed, the fast path (goal: under 5 ns per call);
 *   enabled:  the enqueue cost per event with the library thread draining the
 *             queue into FIRE_EVENTS frames, for 1 and 2 producer threads,
 *             plus the events per second that reached the socket.
 *
 * Usage: bench-fire [disabled calls]   (default 100000000; a non-number, such
 * as the corpus folder scripts/bench.sh passes, is ignored)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/provider.h>

#include "wire/wire.h"

#define GOAL_NS        5.0
#define ENABLED_EVENTS 2000000u
#define EVENT_SIZE     16

static const lwmi_guid GUID_BENCH = { 0x6c1d5a43, 0x1f2e, 0x4b7a, { 1, 2, 3, 4, 5, 6, 7, 8 } };

static double now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static int send_msg(int fd, uint16_t type, uint32_t id, ...) {
        WireMsg m;
        WireWriter w = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT);
        va_list ap;
        int r;

        va_start(ap, id);
        r = wire_msg_buildv(&m, type, id, ap);
        va_end(ap);
        if (r >= 0)
                r = wire_writer_append(&w, &m);
        while (r >= 0 && wire_writer_pending(&w) > 0) {
                ssize_t n = write(fd, wire_writer_data(&w), wire_writer_pending(&w));
                if (n <= 0) {
                        r = -errno;
                        break;
                }
                wire_writer_advance(&w, (size_t) n);
        }
        wire_writer_deinit(&w);
        return r < 0 ? r : 0;
}

/* The fake broker's reader: discards everything until the socket closes. */
static void *sink(void *arg) {
        int fd = *(int *) arg;
        static char buf[1 << 16];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        return NULL;
}

typedef struct Producer {
        lwmi_instance *instance;
        unsigned n;
        bool retry; /* on -ENOBUFS, yield and fire again (end-to-end throughput) */
        uint64_t ok, dropped, retries;
        double ns;
} Producer;

static void *produce(void *arg) {
        Producer *p = arg;
        uint8_t ev[EVENT_SIZE] = { 0 };
        double t0 = now_ns();

        for (unsigned k = 0; k < p->n; k++) {
                int r;

                memcpy(ev, &k, sizeof(k));
                while ((r = lwmi_instance_fire_event(p->instance, ev, sizeof(ev))) == -ENOBUFS &&
                       p->retry) {
                        p->retries++;
                        sched_yield();
                }
                if (r == 0)
                        p->ok++;
                else
                        p->dropped++;
        }
        p->ns = now_ns() - t0;
        return NULL;
}

static void run_enabled(lwmi_device *dev, lwmi_instance *inst, unsigned n_threads, bool retry) {
        Producer p[2];
        pthread_t t[2];
        lwmi_event_stats a, b;
        double t0, t1, ns = 0;
        uint64_t ok = 0, dropped = 0, retries = 0;

        lwmi_device_get_event_stats(dev, &a);
        t0 = now_ns();
        for (unsigned k = 0; k < n_threads; k++) {
                p[k] = (Producer){ .instance = inst,
                                   .n = ENABLED_EVENTS / n_threads,
                                   .retry = retry };
                pthread_create(&t[k], NULL, produce, &p[k]);
        }
        for (unsigned k = 0; k < n_threads; k++) {
                pthread_join(t[k], NULL);
                ns += p[k].ns;
                ok += p[k].ok;
                dropped += p[k].dropped;
                retries += p[k].retries;
        }
        /* wait for the library thread to hand everything to the socket */
        for (;;) {
                lwmi_device_get_event_stats(dev, &b);
                if (b.sent + b.dropped - a.sent - a.dropped >= ok + dropped)
                        break;
                usleep(100);
        }
        t1 = now_ns();
        printf("enabled, %u producer%s, %s: %.1f ns per fire_event (%" PRIu64 " queued, %" PRIu64
               " dropped = %.2f%%, %" PRIu64 " -ENOBUFS retried), %.2f M events/s sent in %" PRIu64
               " FIRE_EVENTS frames (%.0f events/frame), %" PRIu64 " eventfd wake-ups\n",
               n_threads, n_threads > 1 ? "s" : "",
               retry ? "1024 slots, retry when full" : "1M slots", ns / (double) (ok + dropped), ok,
               dropped, 100.0 * (double) dropped / (double) (ok + dropped), retries,
               (double) (b.sent - a.sent) / (t1 - t0) * 1e3, b.frames - a.frames,
               (double) (b.sent - a.sent) /
                       (double) (b.frames - a.frames ? b.frames - a.frames : 1),
               b.wakeups - a.wakeups);
}

typedef struct Bench {
        int sv[2];
        pthread_t reader;
        lwmi_device *dev;
        lwmi_instance *inst;
} Bench;

static int bench_open(Bench *b, uint32_t queue_len, uint32_t size_max) {
        lwmi_device_config cfg;
        lwmi_provider_config pc;
        lwmi_instance_config ic;
        lwmi_error err;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b->sv) < 0)
                return -errno;
        /* the broker's answers, queued before the device says hello */
        if (send_msg(b->sv[0], WIRE_MSG_HELLO_REPLY, 0, 1u, (unsigned) WIRE_FRAME_MAX_DEFAULT, 0u,
                     "bench") < 0 ||
            send_msg(b->sv[0], WIRE_MSG_STATUS, 1, 0u, "") < 0)
                return -EIO;
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.fd = b->sv[1];
        cfg.event_queue_len = queue_len;
        cfg.event_size_max = size_max;
        if (lwmi_device_new("bench", NULL, &cfg, &b->dev, &err) < 0) {
                fprintf(stderr, "bench-fire: lwmi_device_new: %s\n", err.message);
                return -EIO;
        }
        pthread_create(&b->reader, NULL, sink, &b->sv[0]);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_BENCH);
        pc.flags = LWMI_PROVIDER_EVENT_ONLY;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&ic, &pc);
        ic.register_at_create = true;
        return lwmi_instance_new(b->dev, &ic, &b->inst, NULL);
}

/* FUNCTION_CONTROL enable, as the broker sends on a first subscriber; then the library thread. */
static void bench_enable(Bench *b) {
        send_msg(b->sv[0], WIRE_MSG_FUNCTION_CONTROL, 100, &GUID_BENCH,
                 (unsigned) LWMI_EVENT_CONTROL, 1u, (uint64_t) 0);
        while (!lwmi_provider_is_enabled(lwmi_instance_get_provider(b->inst), LWMI_EVENT_CONTROL)) {
                lwmi_device_wait(b->dev, 100000);
                lwmi_device_process(b->dev);
        }
        lwmi_device_start_thread(b->dev);
}

static void bench_close(Bench *b) {
        lwmi_device_stop_thread(b->dev);
        lwmi_instance_unref(b->inst);
        lwmi_device_unref(b->dev);
        pthread_join(b->reader, NULL);
        close(b->sv[0]);
}

int main(int argc, char **argv) {
        Bench b;
        unsigned long long calls = 100000000ull;
        double t0, t1, best = 1e30;
        long long sum = 0;

        if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9')
                calls = strtoull(argv[1], NULL, 10);

        /* default device: 960-byte slots, 1024 of them */
        if (bench_open(&b, 0, 0) < 0)
                return 1;
        /* disabled: best of three rounds */
        for (int round = 0; round < 3; round++) {
                t0 = now_ns();
                for (unsigned long long k = 0; k < calls; k++)
                        sum += lwmi_instance_fire_event(b.inst, &k, sizeof(k));
                t1 = now_ns();
                if ((t1 - t0) / (double) calls < best)
                        best = (t1 - t0) / (double) calls;
        }
        if (sum != (long long) (3 * calls) * LWMI_EVENT_NOT_ENABLED)
                fprintf(stderr, "bench-fire: unexpected results on the disabled path\n");
        printf("disabled (nobody subscribed): %.2f ns per call over %llu calls, best of 3 "
               "(goal < %.0f ns: %.2fx the goal)\n",
               best, calls, GOAL_NS, best / GOAL_NS);
        bench_enable(&b);
        run_enabled(b.dev, b.inst, 1, true);
        run_enabled(b.dev, b.inst, 2, true);
        bench_close(&b);

        /* a queue that does not fill: the enqueue cost itself (16-byte slots payload) */
        if (bench_open(&b, 1u << 20, EVENT_SIZE) < 0)
                return 1;
        bench_enable(&b);
        run_enabled(b.dev, b.inst, 1, false);
        run_enabled(b.dev, b.inst, 2, false);
        bench_close(&b);
        return 0;
}
