/* SPDX-License-Identifier: MIT */
/*
 * integ-evprov: the event provider of test-integ-events. It fires events on
 * command, reports its function-control callbacks, and offers the blocks the
 * intrinsic-event and collection tests need.
 *
 * Usage: integ-evprov --socket PATH [--name NAME]
 *
 * The device runs on the library's thread (lwmi_device_start_thread()); the
 * main thread reads commands, one per line, from fd 3 and answers each with
 * one line on fd 3, "OK ..." or "ERR ...":
 *
 *   fire SOURCE KIND SEQ N  fire N Evt_Event (Seq = SEQ, SEQ+1, ...), retrying
 *                           on -ENOBUFS; answers once every event went into a
 *                           FIRE_EVENTS frame: "OK <retries>", or "ERR <result>"
 *                           (ERR 1: LWMI_EVENT_NOT_ENABLED)
 *   kinds SOURCE SEQ K,K,.. one event per listed Kind (Seq = SEQ, SEQ+1, ...)
 *   mt T N                  T threads fire N events each at once (Source = the
 *                           thread, 0..T-1; Kind = 0; Seq = 0..N-1): "OK"
 *   reg, dereg              (de)register Evt_Block "hot": "OK <result>"
 *   set V                   Evt_Block "anchor" now reads Value = V: "OK"
 *   polls                   queries of "anchor" so far: "OK <count>"
 *
 * Reports, one line each on stdout, written by the callbacks in the order
 * they run (so in the order of the broker's messages):
 *
 *   FC ev|st CONTROL 0|1    function control of Evt_Event / Evt_Stats
 *   SYNC                    a query of Evt_Sync (the tests' barrier)
 *   QS 0|1                  a query of Evt_Stats, with its collection state
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/common.h>
#include <lwmi/provider.h>

#define CMD_FD 3

static const char evprov_mof[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{7A3E0C51-4B2D-4E6F-8A19-5C3D2E1F0A01}\"),\n"
        " Description(\"Events of the integration tests\")]\n"
        "class Evt_Event : WMIEvent\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Source;\n"
        "    [WmiDataId(2), read] uint32 Kind;\n"
        "    [WmiDataId(3), read] uint64 Seq;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{7A3E0C51-4B2D-4E6F-8A19-5C3D2E1F0A02}\"),\n"
        " Description(\"Polled for modifications; 'hot' comes and goes\")]\n"
        "class Evt_Block\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Value;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{7A3E0C51-4B2D-4E6F-8A19-5C3D2E1F0A03}\"),\n"
        " Description(\"Each query is reported: the tests' barrier\")]\n"
        "class Evt_Sync\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Count;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{7A3E0C51-4B2D-4E6F-8A19-5C3D2E1F0A04}\"),\n"
        " WmiExpense(1), Description(\"Expensive: collected only while held\")]\n"
        "class Evt_Stats\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Collecting;\n"
        "};\n";

static const lwmi_guid event_guid = {
        0x7A3E0C51, 0x4B2D, 0x4E6F, { 0x8A, 0x19, 0x5C, 0x3D, 0x2E, 0x1F, 0x0A, 0x01 }
};
static const lwmi_guid block_guid = {
        0x7A3E0C51, 0x4B2D, 0x4E6F, { 0x8A, 0x19, 0x5C, 0x3D, 0x2E, 0x1F, 0x0A, 0x02 }
};
static const lwmi_guid sync_guid = {
        0x7A3E0C51, 0x4B2D, 0x4E6F, { 0x8A, 0x19, 0x5C, 0x3D, 0x2E, 0x1F, 0x0A, 0x03 }
};
static const lwmi_guid stats_guid = {
        0x7A3E0C51, 0x4B2D, 0x4E6F, { 0x8A, 0x19, 0x5C, 0x3D, 0x2E, 0x1F, 0x0A, 0x04 }
};

/* The data block of Evt_Event (natural alignment: 16 bytes). */
typedef struct EvtEvent {
        uint32_t source;
        uint32_t kind;
        uint64_t seq;
} EvtEvent;

static lwmi_device *dev;
static lwmi_instance *event_inst, *hot_inst;
static atomic_uint anchor_value = 1;
static atomic_uint anchor_polls;
static atomic_uint sync_count;

/* One report line on stdout; a single write() keeps lines whole. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
        char line[128];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0 || n >= (int) sizeof(line) - 1)
                return;
        line[n++] = '\n';
        (void) !write(STDOUT_FILENO, line, (size_t) n);
}

static int fc(lwmi_provider *p, uint32_t control, bool enable, void *userdata) {
        (void) p;
        report("FC %s %" PRIu32 " %d", (const char *) userdata, control, enable ? 1 : 0);
        return 0;
}

static int put_u32(uint32_t v, void *buf, size_t size, size_t *ret_size) {
        *ret_size = sizeof(v);
        if (size < sizeof(v))
                return -ENOBUFS;
        memcpy(buf, &v, sizeof(v));
        return 0;
}

static int block_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        int r;

        (void) inst;
        (void) req;
        if (!userdata)
                return put_u32(1000, buf, size, ret_size); /* "hot" */
        r = put_u32(atomic_load(&anchor_value), buf, size, ret_size);
        /* Counted after the value was read: a change made after the count is seen next time. */
        if (r == 0)
                atomic_fetch_add(&anchor_polls, 1);
        return r;
}

static int sync_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                      size_t *ret_size, void *userdata) {
        int r;

        (void) inst;
        (void) req;
        (void) userdata;
        r = put_u32(atomic_load(&sync_count), buf, size, ret_size);
        if (r == 0) {
                atomic_fetch_add(&sync_count, 1);
                report("SYNC");
        }
        return r;
}

static int stats_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        bool on = lwmi_provider_is_enabled(lwmi_instance_get_provider(inst), LWMI_INSTANCE_CONTROL);
        int r;

        (void) req;
        (void) userdata;
        r = put_u32(on ? 1 : 0, buf, size, ret_size);
        if (r == 0)
                report("QS %d", on ? 1 : 0);
        return r;
}

static int add_provider(const lwmi_guid *g, uint32_t flags, const char *tag, lwmi_provider **ret) {
        lwmi_provider_config pc;
        lwmi_error err = { 0 };
        int r;

        LWMI_PROVIDER_CONFIG_INIT(&pc, g);
        pc.flags = flags;
        if (tag) {
                pc.function_control = fc;
                pc.userdata = (void *) tag;
        }
        r = lwmi_provider_new(dev, &pc, ret, &err);
        if (r < 0)
                fprintf(stderr, "integ-evprov: provider: %s\n", err.message);
        return r;
}

static int add_instance(lwmi_provider *p, const char *name, lwmi_query_instance_fn query,
                        void *userdata, bool reg, lwmi_instance **ret) {
        lwmi_instance_config ic;
        lwmi_error err = { 0 };
        int r;

        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
        ic.name = name;
        ic.query_instance = query;
        ic.userdata = userdata;
        ic.register_at_create = reg;
        r = lwmi_instance_new(dev, &ic, ret, &err);
        if (r < 0)
                fprintf(stderr, "integ-evprov: instance: %s\n", err.message);
        return r;
}

static int setup(void) {
        lwmi_provider *p;
        int r;

        /* Expensive only so that the provider may have a function-control callback. */
        r = add_provider(&event_guid, LWMI_PROVIDER_EVENT_ONLY | LWMI_PROVIDER_EXPENSIVE, "ev", &p);
        if (r >= 0)
                r = add_instance(p, NULL, NULL, NULL, true, &event_inst);
        if (r >= 0)
                r = add_provider(&block_guid, 0, NULL, &p);
        if (r >= 0)
                r = add_instance(p, "anchor", block_query, &anchor_value, true, NULL);
        if (r >= 0)
                r = add_instance(p, "hot", block_query, NULL, false, &hot_inst);
        if (r >= 0)
                r = add_provider(&sync_guid, 0, NULL, &p);
        if (r >= 0)
                r = add_instance(p, "sync", sync_query, NULL, true, NULL);
        if (r >= 0)
                r = add_provider(&stats_guid, LWMI_PROVIDER_EXPENSIVE, "st", &p);
        if (r >= 0)
                r = add_instance(p, "stats", stats_query, NULL, true, NULL);
        return r;
}

/* Fires one event, retrying while the queue is full. Return: 0 or the error. */
static int fire(uint32_t source, uint32_t kind, uint64_t seq, uint64_t *retries) {
        EvtEvent e = { .source = source, .kind = kind, .seq = seq };
        int r;

        while ((r = lwmi_instance_fire_event(event_inst, &e, sizeof(e))) == -ENOBUFS) {
                (*retries)++;
                /* Leave the CPU to the broker and the subscriber (the machine may have 2 cores). */
                usleep(50);
        }
        return r;
}

/* Waits (bounded) until every accepted event went into a FIRE_EVENTS frame. */
static int wait_sent(void) {
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                lwmi_event_stats st;

                if (lwmi_device_get_event_stats(dev, &st) < 0)
                        return -EINVAL;
                /* dropped counts the -ENOBUFS refusals we retried: not a loss. */
                if (st.sent >= st.queued)
                        return 0;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec > 60)
                        return -ETIMEDOUT;
                usleep(1000);
        }
}

typedef struct Producer {
        pthread_t thread;
        uint32_t source;
        uint64_t n;
        uint64_t retries;
        int r;
} Producer;

static void *producer_run(void *userdata) {
        Producer *p = userdata;

        for (uint64_t i = 0; i < p->n && p->r == 0; i++)
                p->r = fire(p->source, 0, i, &p->retries);
        return NULL;
}

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...) {
        char line[128];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0 || n >= (int) sizeof(line) - 1)
                return;
        line[n++] = '\n';
        (void) !write(CMD_FD, line, (size_t) n);
}

/* Fires what a fire or kinds command asks, then waits until it all went out. */
static void fire_answer(uint32_t source, const uint32_t *kinds, size_t n_kinds, uint64_t seq,
                        uint64_t n) {
        uint64_t retries = 0;
        int r = 0;

        for (uint64_t i = 0; i < n && r == 0; i++)
                r = fire(source, kinds[n_kinds > 1 ? i : 0], seq + i, &retries);
        if (r == 0)
                r = wait_sent();
        if (r != 0)
                answer("ERR %d", r);
        else
                answer("OK %" PRIu64, retries);
}

static void command(const char *line) {
        unsigned source, kind, t, v;
        unsigned long long seq, n;
        int off = 0;

        if (sscanf(line, "kinds %u %llu %n", &source, &seq, &off) == 2 && off > 0) {
                uint32_t kinds[64];
                size_t n_kinds = 0;

                for (const char *p = line + off; *p && n_kinds < 64;) {
                        kinds[n_kinds++] = (uint32_t) strtoul(p, (char **) &p, 10);
                        if (*p == ',')
                                p++;
                        else
                                break;
                }
                fire_answer(source, kinds, n_kinds, seq, n_kinds);
        } else if (sscanf(line, "fire %u %u %llu %llu", &source, &kind, &seq, &n) == 4) {
                uint64_t retries = 0;
                int r = 0;

                for (uint64_t i = 0; i < n && r == 0; i++)
                        r = fire(source, kind, seq + i, &retries);
                if (r == 0)
                        r = wait_sent();
                if (r != 0)
                        answer("ERR %d", r);
                else
                        answer("OK %" PRIu64, retries);
        } else if (sscanf(line, "mt %u %llu", &t, &n) == 2 && t > 0 && t <= 16) {
                Producer p[16] = { 0 };
                int r = 0;

                for (unsigned i = 0; i < t; i++) {
                        p[i] = (Producer){ .source = i, .n = n };
                        if (pthread_create(&p[i].thread, NULL, producer_run, &p[i]) != 0)
                                abort();
                }
                for (unsigned i = 0; i < t; i++) {
                        pthread_join(p[i].thread, NULL);
                        if (p[i].r != 0)
                                r = p[i].r;
                }
                if (r == 0)
                        r = wait_sent();
                if (r != 0)
                        answer("ERR %d", r);
                else
                        answer("OK");
        } else if (strcmp(line, "reg") == 0) {
                answer("OK %d", lwmi_instance_register(hot_inst));
        } else if (strcmp(line, "dereg") == 0) {
                answer("OK %d", lwmi_instance_deregister(hot_inst));
        } else if (sscanf(line, "set %u", &v) == 1) {
                atomic_store(&anchor_value, v);
                answer("OK");
        } else if (strcmp(line, "polls") == 0) {
                answer("OK %u", atomic_load(&anchor_polls));
        } else {
                answer("ERR unknown command");
        }
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "name", required_argument, NULL, 'n' },
                {},
        };
        const char *socket_path = NULL, *name = "evprov";
        lwmi_device_config dc;
        lwmi_error err = { 0 };
        char buf[256];
        size_t len = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c == 's')
                        socket_path = optarg;
                else if (c == 'n')
                        name = optarg;
                else
                        return 2;
        }
        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = socket_path;
        r = lwmi_device_new(name, evprov_mof, &dc, &dev, &err);
        if (r < 0) {
                fprintf(stderr, "integ-evprov: cannot register: %s\n", err.message);
                return 1;
        }
        if (setup() < 0 || lwmi_device_start_thread(dev) < 0)
                return 1;

        /* Commands until EOF on fd 3 (the test closed its end) or an error. */
        for (;;) {
                ssize_t k = read(CMD_FD, buf + len, sizeof(buf) - 1 - len);
                char *nl;

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t) k;
                while ((nl = memchr(buf, '\n', len))) {
                        *nl = 0;
                        command(buf);
                        len -= (size_t) (nl + 1 - buf);
                        memmove(buf, nl + 1, len);
                }
                if (len == sizeof(buf) - 1)
                        len = 0; /* an overlong line: drop it */
        }
        lwmi_device_stop_thread(dev);
        lwmi_instance_unref(hot_inst);
        lwmi_instance_unref(event_inst);
        lwmi_device_unref(dev);
        return 0;
}
