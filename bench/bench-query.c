/* SPDX-License-Identifier: MIT */
/*
 * Query path benchmark: get_object round trips and a 10,000-instance
 * exec_query through a real wmid and a libwmiprov provider, beside the
 * physical limit measured in the same run: plain AF_UNIX stream sockets over
 * the same hops (client -> relay -> server -> relay -> client) carrying the
 * same number of bytes.
 *
 * Usage: bench-query [--wmid PATH] [--query-only] [corpus folder, ignored]
 *
 * Processes: the benchmark (the client), wmid, and a forked provider that
 * registers bench_mof (BenchOne with 1 instance for get_object; BenchBlock and
 * its subclasses BenchBlock2/3 with 10,000 instances together, because wmid
 * accepts at most 4096 instances per GUID). Each instance is a 64-byte block
 * (8 uint64 data items) filled by a query_instance callback. For the raw
 * limit, a server and a relay process are forked per measurement; the relay
 * does the least a broker can do: read() from one socket, write() to the other.
 * The lwmi and raw sides run alternately (blocks of 1000 round trips, one
 * query per round), so that load from elsewhere on the machine weighs on both.
 *
 * Wire sizes are not computed from the protocol: they are measured by a
 * second client connection that goes through a byte-counting proxy (libwmi
 * uses send()/recv(), which /proc/self/io does not count), so the raw relay
 * moves exactly the bytes libwmi moved. The timed calls use a direct
 * connection. All children are killed at exit (and die with the benchmark
 * through PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/client.h>
#include <lwmi/provider.h>

#include "bench-util.h"

#define BLOCK_SIZE       64            /* bytes of data items per instance */
#define N_QUERY          10000         /* instances of BenchBlock and its subclasses */
#define GET_WARMUP       1000          /* get_object calls before timing */
#define GET_CALLS_MAX    20000         /* timed round trips of each side at most ... */
#define GET_TIME_NSEC    3000000000ull /* ... or this long (each side) */
#define GET_BLOCK        1000          /* round trips of one side before the other side runs */
#define QUERY_ROUNDS     20
#define QUERY_GOAL       1000000.0 /* instances/s */
#define GET_GOAL         1.3       /* get_object p50 / raw p50 */
#define RAW_BATCH_BYTES  65536     /* wmid flushes an OBJECTS batch past 64 KiB */
#define READY_TIMEOUT_MS 10000

#define BENCH_PATH "BenchOne.InstanceName=\"bench_0\""
#define BENCH_WQL  "SELECT * FROM BenchBlock"

/* One data block class per GUID; BenchBlock2/3 only add GUIDs (4096 instances each at most). */
#define ITEMS                               \
 "    [key, read] string InstanceName;\n"   \
 "    [read] boolean Active;\n"             \
 "    [WmiDataId(1), read] uint64 Item1;\n" \
 "    [WmiDataId(2), read] uint64 Item2;\n" \
 "    [WmiDataId(3), read] uint64 Item3;\n" \
 "    [WmiDataId(4), read] uint64 Item4;\n" \
 "    [WmiDataId(5), read] uint64 Item5;\n" \
 "    [WmiDataId(6), read] uint64 Item6;\n" \
 "    [WmiDataId(7), read] uint64 Item7;\n" \
 "    [WmiDataId(8), read] uint64 Item8;\n"

static const char bench_mof[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0001}\")]\n"
        "class BenchOne\n{\n" ITEMS "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0002}\")]\n"
        "class BenchBlock\n{\n" ITEMS "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0003}\")]\n"
        "class BenchBlock2 : BenchBlock\n{\n};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0004}\")]\n"
        "class BenchBlock3 : BenchBlock\n{\n};\n";

static const struct {
        const char *guid;
        unsigned n_instances;
} bench_classes[] = {
        { "{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0001}", 1 },    /* BenchOne */
        { "{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0002}", 4000 }, /* BenchBlock */
        { "{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0003}", 3000 }, /* BenchBlock2 */
        { "{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A0004}", 3000 }, /* BenchBlock3 */
};

typedef struct Stats {
        size_t n;
        double p50_us, p99_us, per_sec;
} Stats;

/* Sorts @lat (nanoseconds) and fills the percentiles; @total_ns is the wall time of the loop. */
static Stats stats_compute(uint64_t *lat, size_t n, uint64_t total_ns) {
        qsort(lat, n, sizeof(*lat), cmp_u64);
        return (Stats){ .n = n,
                        .p50_us = (double) lat[n * 50 / 100] / 1e3,
                        .p99_us = (double) lat[n * 99 / 100] / 1e3,
                        .per_sec = (double) n * 1e9 / (double) total_ns };
}

/* ---- wmid ---------------------------------------------------------------- */

static int start_wmid(const char *wmid, const char *sock, const char *state) {
        char buf[64];
        size_t got = 0;
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = bench_fork_child(NULL, 0);
        if (pid < 0)
                return (int) pid;
        if (pid == 0) {
                /* dup2() clears O_CLOEXEC on fd 3 only. */
                if (dup2(p[1], 3) < 0)
                        _exit(127);
                execl(wmid, wmid, "--socket", sock, "--state", state, "--ready-fd", "3",
                      "--log-level", "err", (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        while (got < strlen("READY=1\n")) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                ssize_t n;

                if (poll(&pfd, 1, READY_TIMEOUT_MS) <= 0)
                        break;
                n = read(p[0], buf + got, sizeof(buf) - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t) n;
        }
        close(p[0]);
        buf[got] = 0;
        if (strncmp(buf, "READY=1\n", 8) != 0) {
                fprintf(stderr, "bench-query: %s did not become ready\n", wmid);
                return -ETIMEDOUT;
        }
        return 0;
}

/* ---- the provider process ---------------------------------------------- */

/* EvtWmiInstanceQueryInstance: the block of instance @userdata (its global index). */
static int block_query(lwmi_instance *inst, lwmi_request *req, void *buffer, size_t buffer_size,
                       size_t *ret_size, void *userdata) {
        uint64_t base = (uint64_t) (uintptr_t) userdata * 8, items[BLOCK_SIZE / 8];

        *ret_size = BLOCK_SIZE;
        if (buffer_size < BLOCK_SIZE)
                return -ENOBUFS;
        for (size_t i = 0; i < BLOCK_SIZE / 8; i++)
                items[i] = base + i;
        memcpy(buffer, items, BLOCK_SIZE);
        return 0;
}

/* Runs in the forked child: registers the classes and instances, then serves until killed. */
static int provider_main(const char *sock) {
        lwmi_device_config dc;
        lwmi_device *dev = NULL;
        lwmi_error err = { 0 };
        uintptr_t index = 0;
        int r;

        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = sock;
        r = lwmi_device_new("bench", bench_mof, &dc, &dev, &err);
        if (r < 0) {
                fprintf(stderr, "bench-query: device: %s (%s)\n", strerror(-r), err.message);
                return 1;
        }
        for (size_t k = 0; k < sizeof(bench_classes) / sizeof(bench_classes[0]); k++) {
                lwmi_provider_config pc;
                lwmi_provider *p;
                lwmi_guid g;

                if (lwmi_guid_parse(bench_classes[k].guid, &g) < 0)
                        return 1;
                LWMI_PROVIDER_CONFIG_INIT(&pc, &g);
                pc.min_instance_buffer_size = BLOCK_SIZE;
                r = lwmi_provider_new(dev, &pc, &p, &err);
                if (r < 0) {
                        fprintf(stderr, "bench-query: provider: %s\n", err.message);
                        return 1;
                }
                for (unsigned i = 0; i < bench_classes[k].n_instances; i++) {
                        lwmi_instance_config ic;

                        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
                        ic.register_at_create = true;
                        ic.query_instance = block_query;
                        ic.userdata = (void *) index++;
                        /* NULL: the device owns the instance. */
                        r = lwmi_instance_new(dev, &ic, NULL, &err);
                        if (r < 0) {
                                fprintf(stderr, "bench-query: instance: %s\n", err.message);
                                return 1;
                        }
                }
        }
        /* Ends when wmid goes away at bench_cleanup(): nothing to report then. */
        (void) lwmi_device_run(dev);
        return 0;
}

/* Waits until the provider's instances answer: get_object works and the query sees all. */
static int wait_queryable(lwmi_client *c) {
        uint64_t deadline = now_nsec() + 60 * 1000000000ull;

        for (;;) {
                lwmi_object *o = NULL, **objs = NULL;
                size_t n = 0;

                if (lwmi_client_get_object(c, BENCH_PATH, &o, NULL) >= 0) {
                        lwmi_object_unref(o);
                        if (lwmi_client_exec_query(c, BENCH_WQL, &objs, &n, NULL) >= 0) {
                                lwmi_objects_free(objs, n);
                                if (n == N_QUERY)
                                        return 0;
                        }
                }
                if (now_nsec() > deadline)
                        return -ETIMEDOUT;
                nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
        }
}

/* ---- the raw relay ----------------------------------------------------- */

/* Forwards exactly @size bytes from @in to @out, chunk by chunk as they arrive. */
static int forward(int in, int out, uint8_t *buf, size_t buf_size, size_t size) {
        while (size > 0) {
                ssize_t n = read(in, buf, size < buf_size ? size : buf_size);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -ECONNRESET;
                if (write_full(out, buf, (size_t) n) < 0)
                        return -EIO;
                size -= (size_t) n;
        }
        return 0;
}

/* The sizes of a raw exchange, sent by the client once the lwmi sizes are measured. */
typedef struct RawConfig {
        uint64_t req, reply, chunk;
} RawConfig;

/*
 * A raw exchange: the client writes req bytes, the relay forwards them to the
 * server, the server answers reply bytes in writes of chunk bytes, the relay
 * forwards them back. Starts the server and the relay, which first read a
 * RawConfig (forked early, before the client's heap grows, so that copy-on-write
 * faults of the fork do not land in the timed loops); returns the client's
 * socket (both children live until bench_cleanup() at exit).
 */
static int raw_start(void) {
        int cr[2], rs[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cr) < 0)
                return -errno;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rs) < 0)
                return -errno;

        pid = bench_fork_child(NULL, 0);
        if (pid < 0)
                return (int) pid;
        if (pid == 0) {
                /* The server. */
                RawConfig cfg;
                uint8_t *buf;
                size_t size;

                if (read_full(rs[1], &cfg, sizeof(cfg)) < 0 || cfg.chunk == 0)
                        _exit(1);
                size = cfg.req > cfg.chunk ? cfg.req : cfg.chunk;
                buf = malloc(size);
                if (!buf)
                        _exit(1);
                memset(buf, 0x5a, size);
                for (;;) {
                        if (read_full(rs[1], buf, cfg.req) < 0)
                                _exit(0);
                        for (size_t done = 0; done < cfg.reply; done += cfg.chunk)
                                if (write_full(rs[1], buf,
                                               cfg.reply - done < cfg.chunk ? cfg.reply - done
                                                                            : cfg.chunk) < 0)
                                        _exit(0);
                }
        }
        pid = bench_fork_child(NULL, 0);
        if (pid < 0)
                return (int) pid;
        if (pid == 0) {
                /* The relay: a read() and a write() per chunk, nothing else. */
                static uint8_t buf[RAW_BATCH_BYTES + 4096];
                RawConfig cfg;

                if (read_full(cr[1], &cfg, sizeof(cfg)) < 0 ||
                    write_full(rs[0], &cfg, sizeof(cfg)) < 0)
                        _exit(1);
                for (;;) {
                        if (forward(cr[1], rs[0], buf, sizeof(buf), cfg.req) < 0 ||
                            forward(rs[0], cr[1], buf, sizeof(buf), cfg.reply) < 0)
                                _exit(0);
                }
        }
        close(cr[1]);
        close(rs[0]);
        close(rs[1]);
        return cr[0];
}

/* ---- the byte-counting proxy -------------------------------------------- */

/* Bytes the proxy forwarded so far, in shared memory; written by the proxy only. */
typedef struct ProxyCount {
        uint64_t up;   /* client -> wmid */
        uint64_t down; /* wmid -> client */
} ProxyCount;

static ProxyCount *proxy_count;

static int unix_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/*
 * Listens on @path and forwards one connection to wmid at @target, counting
 * the bytes of each direction into proxy_count. Returns once it listens; the
 * forwarding runs in a child.
 */
static int start_count_proxy(const char *path, const char *target) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        pid_t pid;
        int lfd;

        proxy_count = mmap(NULL, sizeof(*proxy_count), PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (proxy_count == MAP_FAILED)
                return -errno;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0)
                return -errno;
        if (bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
                close(lfd);
                return -errno;
        }
        pid = bench_fork_child(NULL, 0);
        if (pid < 0) {
                close(lfd);
                return (int) pid;
        }
        if (pid == 0) {
                static uint8_t buf[65536];
                struct pollfd pfd[2];
                int cfd, sfd;

                cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                sfd = unix_connect(target);
                if (cfd < 0 || sfd < 0)
                        _exit(1);
                pfd[0] = (struct pollfd){ .fd = cfd, .events = POLLIN };
                pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
                for (;;) {
                        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                                _exit(1);
                        for (int i = 0; i < 2; i++) {
                                uint64_t *counter = i == 0 ? &proxy_count->up : &proxy_count->down;
                                ssize_t n;

                                if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                        continue;
                                n = read(pfd[i].fd, buf, sizeof(buf));
                                if (n <= 0)
                                        _exit(0);
                                /* Counted before forwarding: the reader never sees more than this.
                                 */
                                __atomic_add_fetch(counter, (uint64_t) n, __ATOMIC_SEQ_CST);
                                if (write_full(pfd[1 - i].fd, buf, (size_t) n) < 0)
                                        _exit(0);
                        }
                }
        }
        close(lfd);
        return 0;
}

static void proxy_snapshot(uint64_t *ret_up, uint64_t *ret_down) {
        *ret_up = __atomic_load_n(&proxy_count->up, __ATOMIC_SEQ_CST);
        *ret_down = __atomic_load_n(&proxy_count->down, __ATOMIC_SEQ_CST);
}

/*
 * The wire bytes of one get_object (request; OBJECTS + STATUS reply) and of
 * one query, averaged over repeated calls through the counting proxy.
 */
static int measure_sizes(const char *proxy_sock, size_t *ret_get_req, size_t *ret_get_reply,
                         size_t *ret_q_req, size_t *ret_q_reply) {
        uint64_t u0, d0, u1, d1;
        lwmi_object **objs = NULL;
        lwmi_client *c = NULL;
        size_t n = 0;
        int r;

        r = lwmi_client_connect(proxy_sock, "root\\wmi", &c, NULL);
        if (r < 0)
                return r;
        proxy_snapshot(&u0, &d0);
        for (size_t i = 0; i < GET_WARMUP && r >= 0; i++) {
                lwmi_object *o = NULL;

                r = lwmi_client_get_object(c, BENCH_PATH, &o, NULL);
                lwmi_object_unref(o);
        }
        proxy_snapshot(&u1, &d1);
        *ret_get_req = (size_t) ((u1 - u0 + GET_WARMUP / 2) / GET_WARMUP);
        *ret_get_reply = (size_t) ((d1 - d0 + GET_WARMUP / 2) / GET_WARMUP);
        if (r >= 0) {
                proxy_snapshot(&u0, &d0);
                r = lwmi_client_exec_query(c, BENCH_WQL, &objs, &n, NULL);
                proxy_snapshot(&u1, &d1);
                lwmi_objects_free(objs, n);
                *ret_q_req = (size_t) (u1 - u0);
                *ret_q_reply = (size_t) (d1 - d0);
        }
        lwmi_client_unref(c);
        return r;
}

/* ---- the measurements, lwmi and raw interleaved ---------------------------- */

/*
 * The two sides of each figure run alternately, in blocks, so that load from
 * other processes on the machine weighs on both alike and the ratio holds.
 */
typedef struct Raw {
        int fd;
        size_t req, reply;
        uint8_t *out, *in;
} Raw;

/* One raw exchange: @req bytes out, @reply bytes back (read as they come). */
static int raw_call(const Raw *raw) {
        int r = write_full(raw->fd, raw->out, raw->req);

        for (size_t got = 0; r >= 0 && got < raw->reply;) {
                size_t want =
                        raw->reply - got < RAW_BATCH_BYTES ? raw->reply - got : RAW_BATCH_BYTES;
                ssize_t k = read(raw->fd, raw->in, want);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -ECONNRESET;
                else
                        got += (size_t) k;
        }
        return r;
}

static int lwmi_get(lwmi_client *c) {
        lwmi_object *o = NULL;
        int r = lwmi_client_get_object(c, BENCH_PATH, &o, NULL);

        lwmi_object_unref(o);
        return r;
}

/*
 * One block of round trips of one side; appends the latencies to @lat and the
 * block's wall time to *total_ns.
 */
static int rtt_block(lwmi_client *c, const Raw *raw, size_t count, uint64_t *lat, size_t *n,
                     uint64_t *total_ns) {
        uint64_t start = now_nsec(), t = start;

        for (size_t i = 0; i < count; i++) {
                int r = c ? lwmi_get(c) : raw_call(raw);
                uint64_t t1 = now_nsec();

                if (r < 0)
                        return r;
                lat[(*n)++] = t1 - t;
                t = t1;
        }
        *total_ns += t - start;
        return 0;
}

/* get_object and the raw round trip: warm-up, then blocks until GET_CALLS_MAX or the time limit. */
static int bench_rtt(lwmi_client *c, const Raw *raw, uint64_t *lat, uint64_t *raw_lat, Stats *ret,
                     Stats *ret_raw) {
        uint64_t total = 0, raw_total = 0, start;
        size_t n = 0, raw_n = 0;
        int r;

        for (size_t i = 0; i < GET_WARMUP; i++) {
                r = lwmi_get(c);
                if (r >= 0)
                        r = raw_call(raw);
                if (r < 0)
                        return r;
        }
        start = now_nsec();
        while (n < GET_CALLS_MAX && now_nsec() - start < 2 * GET_TIME_NSEC) {
                r = rtt_block(c, NULL, GET_BLOCK, lat, &n, &total);
                if (r >= 0)
                        r = rtt_block(NULL, raw, GET_BLOCK, raw_lat, &raw_n, &raw_total);
                if (r < 0)
                        return r;
        }
        *ret = stats_compute(lat, n, total);
        *ret_raw = stats_compute(raw_lat, raw_n, raw_total);
        return 0;
}

static int lwmi_query(lwmi_client *c) {
        lwmi_object **objs = NULL;
        size_t n = 0;
        int r = lwmi_client_exec_query(c, BENCH_WQL, &objs, &n, NULL);

        lwmi_objects_free(objs, n);
        if (r >= 0 && n != N_QUERY)
                r = -EBADMSG;
        return r;
}

/*
 * The query and the raw stream, alternately: instances/s of each round,
 * sorted. The time runs from the call to the last instance (the final STATUS).
 */
/* CPU time (user + system) of a process in µs: /proc (10 ms ticks), or this process (µs). */
static uint64_t cpu_usec(pid_t pid) {
        unsigned long ut = 0, st = 0;
        char path[64], buf[1024], *p;
        struct rusage ru;
        ssize_t n;
        int fd;

        if (pid == 0) {
                if (getrusage(RUSAGE_SELF, &ru) < 0)
                        return 0;
                return (uint64_t) ru.ru_utime.tv_sec * 1000000u + (uint64_t) ru.ru_utime.tv_usec +
                       (uint64_t) ru.ru_stime.tv_sec * 1000000u + (uint64_t) ru.ru_stime.tv_usec;
        }
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        p = strrchr(buf, ')'); /* the command may hold spaces */
        if (!p ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
                return 0;
        return (uint64_t) (ut + st) * 1000000u / (uint64_t) sysconf(_SC_CLK_TCK);
}

/* CPU per instance of the lwmi query rounds, per process: client, wmid, provider. */
static double cpu_ns_client, cpu_ns_wmid, cpu_ns_provider;

static int bench_stream(lwmi_client *c, const Raw *raw, double *rates, double *raw_rates) {
        uint64_t cpu[3] = { 0, 0, 0 };

        for (size_t round = 0; round < QUERY_ROUNDS + 1; round++) {
                uint64_t t0, t1, t2, c0[3], c1[3];
                int r;

                c0[0] = cpu_usec(0);
                c0[1] = cpu_usec(bench_children[0]);
                c0[2] = cpu_usec(bench_children[1]);
                t0 = now_nsec();
                r = lwmi_query(c);
                t1 = now_nsec();
                c1[0] = cpu_usec(0);
                c1[1] = cpu_usec(bench_children[0]);
                c1[2] = cpu_usec(bench_children[1]);
                for (size_t k = 0; round > 0 && k < 3; k++)
                        cpu[k] += c1[k] - c0[k];
                if (r >= 0)
                        r = raw_call(raw);
                t2 = now_nsec();
                if (r < 0)
                        return r;
                /* Round 0 is the warm-up. */
                if (round > 0) {
                        rates[round - 1] = (double) N_QUERY * 1e9 / (double) (t1 - t0);
                        raw_rates[round - 1] = (double) N_QUERY * 1e9 / (double) (t2 - t1);
                }
        }
        qsort(rates, QUERY_ROUNDS, sizeof(*rates), cmp_double);
        qsort(raw_rates, QUERY_ROUNDS, sizeof(*raw_rates), cmp_double);
        cpu_ns_client = (double) cpu[0] * 1e3 / (QUERY_ROUNDS * (double) N_QUERY);
        cpu_ns_wmid = (double) cpu[1] * 1e3 / (QUERY_ROUNDS * (double) N_QUERY);
        cpu_ns_provider = (double) cpu[2] * 1e3 / (QUERY_ROUNDS * (double) N_QUERY);
        return 0;
}

/* Sets the sizes of the raw exchange on @raw->fd (started by raw_start()). */
static int raw_init(Raw *raw, size_t req, size_t reply, size_t chunk) {
        RawConfig cfg = { .req = req, .reply = reply, .chunk = chunk };

        raw->req = req;
        raw->reply = reply;
        raw->out = calloc(1, req ? req : 1);
        raw->in = malloc(RAW_BATCH_BYTES);
        if (!raw->out || !raw->in)
                return -ENOMEM;
        return write_full(raw->fd, &cfg, sizeof(cfg));
}

static void raw_deinit(Raw *raw) {
        if (raw->fd >= 0)
                close(raw->fd);
        free(raw->out);
        free(raw->in);
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char *argv[]) {
        static uint64_t lat[GET_CALLS_MAX + GET_BLOCK], raw_lat[GET_CALLS_MAX + GET_BLOCK];
        double q_rates[QUERY_ROUNDS], raw_rates[QUERY_ROUNDS];
        char wmid[PATH_MAX], sock[PATH_MAX + 16], state[PATH_MAX + 16], psock[PATH_MAX + 16];
        size_t get_req = 0, get_reply = 0, q_req = 0, q_reply = 0;
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        Raw raw_rtt = { .fd = -1 }, raw_stream = { .fd = -1 };
        Stats get, raw;
        bool query_only = false;
        pid_t pid;
        int r;

        wmid[0] = 0;
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--wmid") == 0 && i + 1 < argc)
                        snprintf(wmid, sizeof(wmid), "%s", argv[++i]);
                else if (strcmp(argv[i], "--query-only") == 0)
                        query_only = true; /* for profiling the query path */
        if (!wmid[0] && find_wmid(wmid, sizeof(wmid)) < 0) {
                fprintf(stderr, "bench-query: wmid not found next to the benchmark; use --wmid\n");
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);

        r = bench_tmpdir_make("lwmi-bench-query");
        if (r < 0) {
                fprintf(stderr, "bench-query: mkdtemp: %s\n", strerror(-r));
                return 1;
        }
        snprintf(sock, sizeof(sock), "%s/wmid.sock", bench_tmpdir);
        snprintf(state, sizeof(state), "%s/state", bench_tmpdir);
        snprintf(psock, sizeof(psock), "%s/count.sock", bench_tmpdir);

        if (start_wmid(wmid, sock, state) < 0)
                return 1;
        /* The provider forks before this process opens any lwmi connection. */
        pid = bench_fork_child(NULL, 0);
        if (pid < 0)
                return 1;
        if (pid == 0)
                _exit(provider_main(sock));

        /* Every other child, too, is forked before the client's heap grows. */
        raw_rtt.fd = raw_start();
        raw_stream.fd = raw_start();
        if (raw_rtt.fd < 0 || raw_stream.fd < 0 || start_count_proxy(psock, sock) < 0) {
                fprintf(stderr, "bench-query: starting the relays failed\n");
                return 1;
        }
        r = lwmi_client_connect(sock, "root\\wmi", &c, &err);
        if (r < 0) {
                fprintf(stderr, "bench-query: connect: %s (%s)\n", strerror(-r), err.message);
                return 1;
        }
        if (wait_queryable(c) < 0) {
                fprintf(stderr, "bench-query: the provider's instances never became queryable\n");
                return 1;
        }

        r = measure_sizes(psock, &get_req, &get_reply, &q_req, &q_reply);
        if (r < 0) {
                fprintf(stderr, "bench-query: measuring the wire sizes: %s\n", strerror(-r));
                return 1;
        }
        r = raw_init(&raw_rtt, get_req, get_reply, get_reply);
        if (r >= 0)
                r = raw_init(&raw_stream, q_req, q_reply, RAW_BATCH_BYTES);
        if (r < 0) {
                fprintf(stderr, "bench-query: raw relay: %s\n", strerror(-r));
                return 1;
        }
        r = query_only ? 0 : bench_rtt(c, &raw_rtt, lat, raw_lat, &get, &raw);
        if (r < 0) {
                fprintf(stderr, "bench-query: get_object: %s\n", strerror(-r));
                return 1;
        }
        r = bench_stream(c, &raw_stream, q_rates, raw_rates);
        if (r < 0) {
                fprintf(stderr, "bench-query: exec_query: %s\n", strerror(-r));
                return 1;
        }
        lwmi_client_unref(c);
        raw_deinit(&raw_rtt);
        raw_deinit(&raw_stream);

        if (query_only)
                goto query;
        printf("get_object %s (%d-byte block), %zu calls after %d warm-up\n", BENCH_PATH,
               BLOCK_SIZE, get.n, GET_WARMUP);
        printf("  wire bytes per call: request %zu, reply %zu (OBJECTS + STATUS)\n", get_req,
               get_reply);
        printf("  lwmi:      p50 %7.1f us  p99 %7.1f us  %9.0f calls/s\n", get.p50_us, get.p99_us,
               get.per_sec);
        printf("  raw relay: p50 %7.1f us  p99 %7.1f us  %9.0f calls/s (%zu calls)\n", raw.p50_us,
               raw.p99_us, raw.per_sec, raw.n);
        printf("  ratio p50 %.2fx (goal <= %.1fx: %s), p99 %.2fx\n", get.p50_us / raw.p50_us,
               GET_GOAL, get.p50_us / raw.p50_us <= GET_GOAL ? "met" : "NOT met",
               get.p99_us / raw.p99_us);
query:
        printf("exec_query \"%s\": %d instances, %d rounds after 1 warm-up\n", BENCH_WQL, N_QUERY,
               QUERY_ROUNDS);
        printf("  wire bytes per query: request %zu, reply %zu (%.1f per instance)\n", q_req,
               q_reply, (double) q_reply / N_QUERY);
        printf("  lwmi:      median %10.0f instances/s  best %10.0f  (%.2f ms per query, %.0f ns/instance)\n",
               q_rates[QUERY_ROUNDS / 2], q_rates[QUERY_ROUNDS - 1],
               N_QUERY * 1e3 / q_rates[QUERY_ROUNDS / 2], 1e9 / q_rates[QUERY_ROUNDS / 2]);
        printf("  raw relay: median %10.0f instances/s  best %10.0f  (%.2f ms per query, %.0f ns/instance)\n",
               raw_rates[QUERY_ROUNDS / 2], raw_rates[QUERY_ROUNDS - 1],
               N_QUERY * 1e3 / raw_rates[QUERY_ROUNDS / 2], 1e9 / raw_rates[QUERY_ROUNDS / 2]);
        printf("  lwmi CPU per instance: client %.0f ns, wmid %.0f ns, provider %.0f ns (total %.0f ns)\n",
               cpu_ns_client, cpu_ns_wmid, cpu_ns_provider,
               cpu_ns_client + cpu_ns_wmid + cpu_ns_provider);
        printf("  ratio to goal %.2f (goal >= %.0f instances/s: %s), to raw relay %.3f\n",
               q_rates[QUERY_ROUNDS / 2] / QUERY_GOAL, QUERY_GOAL,
               q_rates[QUERY_ROUNDS / 2] >= QUERY_GOAL ? "met" : "NOT met",
               q_rates[QUERY_ROUNDS / 2] / raw_rates[QUERY_ROUNDS / 2]);
        return 0;
}
