/* SPDX-License-Identifier: MIT */
/*
 * integ-provider: a small provider for the integration tests, showing what
 * sampledrv cannot: missing callbacks, index shift, deferred completion, a
 * provider that never answers, one that dies mid-call, a duplicate GUID.
 *
 * Usage: integ-provider --mode MODE --socket PATH
 *   basic   Integ_Block: integ_0 query only; integ_1 query + set_instance;
 *           integ_2 query + set_instance + set_item + execute_method.
 *           SIGUSR1 deregisters integ_0 (the others shift down).
 *   defer   Integ_Block: one instance; queries and methods answer through
 *           lwmi_request_complete() about 300 ms later.
 *   hang    Integ_Block: one instance; queries are deferred and never answered.
 * Modes defer and hang print "PENDING" on stdout for each deferred request.
 *   die     Integ_Block: one instance; a query kills the process.
 *   dup     registers Sample_Settings' GUID (held by sampledrv) and prints
 *           "STATUS 0x%08x" with the broker's answer on stdout.
 * Each instance's Tag is 100 + its creation number.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/common.h>
#include <lwmi/provider.h>

static const char integ_mof[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B01}\"),\n"
        " Description(\"Integration test block\")]\n"
        "class Integ_Block\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read, write, Description(\"Tag\")] uint32 Tag;\n"
        "    [WmiMethodId(1), Implemented, Description(\"Doubles X\")]\n"
        "    void Twice([in, ID(0)] uint32 X, [out, ID(1)] uint32 Y);\n"
        "};\n";

/* libwmiprov exports no GUID parser: the two GUIDs, spelled out. */
static const lwmi_guid block_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x01 }
};
/* Sample_Settings of sampledrv.mof. */
static const lwmi_guid settings_guid = {
        0x6C1C6A80, 0x2B6E, 0x4F7A, { 0x9A, 0x1F, 0x3C, 0x2D, 0x9E, 0x5B, 0x7A, 0x03 }
};

#define N_BLOCKS 3

typedef struct Block {
        uint32_t tag;
} Block;

/* One deferred request (modes defer and hang). */
typedef struct Pending {
        lwmi_request *req;
        void *buf;
        size_t size;
        bool is_method;
        uint32_t x;
        struct timespec due;
} Pending;

static const char *mode = "basic";
static Block blocks[N_BLOCKS];
static Pending pending[16];
static size_t n_pending;

static void due_in_ms(struct timespec *ts, long ms) {
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_nsec += ms * 1000000L;
        ts->tv_sec += ts->tv_nsec / 1000000000L;
        ts->tv_nsec %= 1000000000L;
}

static bool is_due(const struct timespec *ts) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

static int defer(lwmi_request *req, void *buf, size_t size, bool is_method, uint32_t x) {
        if (n_pending >= sizeof(pending) / sizeof(pending[0]))
                return -EBUSY;
        pending[n_pending] =
                (Pending){ .req = req, .buf = buf, .size = size, .is_method = is_method, .x = x };
        due_in_ms(&pending[n_pending].due, 300);
        n_pending++;
        /* Tells the test that the request reached the provider. */
        printf("PENDING\n");
        return -EINPROGRESS;
}

static int block_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        Block *b = userdata;

        (void) inst;
        if (strcmp(mode, "die") == 0) {
                /* Mid-call: the request was received, no reply will ever come. */
                raise(SIGKILL);
        }
        if (strcmp(mode, "defer") == 0 || strcmp(mode, "hang") == 0) {
                if (size < 4) {
                        *ret_size = 4;
                        return -ENOBUFS;
                }
                return defer(req, buf, size, false, b->tag);
        }
        *ret_size = 4;
        if (size < 4)
                return -ENOBUFS;
        memcpy(buf, &b->tag, 4);
        return 0;
}

static int block_set(lwmi_instance *inst, lwmi_request *req, const void *data, size_t size,
                     void *userdata) {
        Block *b = userdata;

        (void) inst;
        (void) req;
        if (size < 4)
                return -EINVAL;
        memcpy(&b->tag, data, 4);
        return 0;
}

static int block_set_item(lwmi_instance *inst, lwmi_request *req, uint32_t item_id,
                          const void *data, size_t size, void *userdata) {
        Block *b = userdata;

        (void) inst;
        (void) req;
        if (item_id != 1)
                return -EROFS;
        if (size < 4)
                return -EINVAL;
        memcpy(&b->tag, data, 4);
        return 0;
}

static int block_execute(lwmi_instance *inst, lwmi_request *req, uint32_t method_id, const void *in,
                         size_t in_size, void *out, size_t out_size, size_t *ret_size,
                         void *userdata) {
        uint32_t x, y;

        (void) inst;
        (void) userdata;
        if (method_id != 1)
                return -EBADRQC;
        if (in_size < 4)
                return -EINVAL;
        *ret_size = 4;
        if (out_size < 4)
                return -ENOBUFS;
        memcpy(&x, in, 4);
        if (strcmp(mode, "defer") == 0)
                return defer(req, out, out_size, true, x);
        y = 2 * x;
        memcpy(out, &y, 4);
        return 0;
}

/* Completes the deferred requests that are due (never in mode hang). */
static void complete_due(void) {
        size_t k = 0;

        for (size_t i = 0; i < n_pending; i++) {
                Pending *p = &pending[i];

                if (strcmp(mode, "hang") == 0 || !is_due(&p->due)) {
                        pending[k++] = *p;
                        continue;
                }
                if (p->is_method) {
                        uint32_t y = 2 * p->x;
                        memcpy(p->buf, &y, 4);
                } else {
                        memcpy(p->buf, &p->x, 4);
                }
                lwmi_request_complete(p->req, 0, 4);
        }
        n_pending = k;
}

static int add_block(lwmi_device *dev, lwmi_provider *prov, size_t i, bool set, bool set_item,
                     bool execute, lwmi_instance **ret) {
        lwmi_instance_config ic;
        lwmi_error err = { 0 };
        int r;

        blocks[i].tag = 100 + (uint32_t) i;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, prov);
        ic.query_instance = block_query;
        if (set)
                ic.set_instance = block_set;
        if (set_item)
                ic.set_item = block_set_item;
        if (execute)
                ic.execute_method = block_execute;
        ic.userdata = &blocks[i];
        ic.register_at_create = true;
        r = lwmi_instance_new(dev, &ic, ret, &err);
        if (r < 0)
                fprintf(stderr, "integ-provider: instance: %s\n", err.message);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "mode", required_argument, NULL, 'm' },
                {},
        };
        const char *socket_path = NULL;
        lwmi_device_config dc;
        lwmi_provider_config pc;
        lwmi_device *dev = NULL;
        lwmi_provider *prov = NULL;
        lwmi_instance *inst[N_BLOCKS] = { NULL };
        lwmi_error err = { 0 };
        bool dup_reported = false;
        sigset_t mask;
        int c, r, sfd;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c == 's')
                        socket_path = optarg;
                else if (c == 'm')
                        mode = optarg;
                else
                        return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return 1;

        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = socket_path;
        r = lwmi_device_new(strcmp(mode, "dup") == 0 ? "intruder" : "integ",
                            strcmp(mode, "dup") == 0 ? NULL : integ_mof, &dc, &dev, &err);
        if (r < 0) {
                fprintf(stderr, "integ-provider: cannot register: %s\n", err.message);
                return 1;
        }
        LWMI_PROVIDER_CONFIG_INIT(&pc, strcmp(mode, "dup") == 0 ? &settings_guid : &block_guid);
        r = lwmi_provider_new(dev, &pc, &prov, &err);
        if (r < 0) {
                fprintf(stderr, "integ-provider: provider: %s\n", err.message);
                printf("STATUS create %d\n", r);
                return 1;
        }
        if (strcmp(mode, "basic") == 0) {
                r = add_block(dev, prov, 0, false, false, false, &inst[0]);
                if (r >= 0)
                        r = add_block(dev, prov, 1, true, false, false, &inst[1]);
                if (r >= 0)
                        r = add_block(dev, prov, 2, true, true, true, &inst[2]);
        } else {
                r = add_block(dev, prov, 0, false, false, true, &inst[0]);
        }
        if (r < 0)
                return 1;

        for (;;) {
                struct pollfd fds[2] = {
                        { .fd = lwmi_device_get_fd(dev),
                          .events = (short) lwmi_device_get_events(dev) },
                        { .fd = sfd, .events = POLLIN },
                };
                struct signalfd_siginfo si;

                if (poll(fds, 2, n_pending > 0 && strcmp(mode, "hang") != 0 ? 20 : 200) < 0 &&
                    errno != EINTR)
                        break;
                if (fds[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
                        if (si.ssi_signo != SIGUSR1)
                                break;
                        /* Index shift: integ_1 and integ_2 become integ_0 and integ_1. */
                        lwmi_instance_deregister(inst[0]);
                        printf("DEREGISTERED\n");
                }
                complete_due();
                r = lwmi_device_process(dev);
                if (r < 0)
                        break;
                if (strcmp(mode, "dup") == 0 && !dup_reported) {
                        lwmi_status st = lwmi_provider_get_broker_status(prov);
                        lwmi_status ist = lwmi_instance_get_broker_status(inst[0]);

                        if (st != 0 || ist != 0) {
                                printf("STATUS 0x%08" PRIx32 "\n", st ? st : ist);
                                dup_reported = true;
                        }
                }
        }
        /* Answer what is still pending so that nothing leaks. */
        for (size_t i = 0; i < n_pending; i++)
                lwmi_request_complete(pending[i].req, -ECANCELED, 0);
        for (size_t i = 0; i < N_BLOCKS; i++)
                lwmi_instance_unref(inst[i]);
        lwmi_device_unref(dev);
        close(sfd);
        return 0;
}
