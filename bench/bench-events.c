/* SPDX-License-Identifier: MIT */
/*
 * Event path benchmark: lwmi_instance_fire_event() in a libwmiprov provider
 * -> wmid -> a libwmi subscriber (exec_notification_query), beside two peers
 * measured by this program in the same run on the same job:
 *
 *   raw relay:   the physical limit, plain AF_UNIX stream sockets over the
 *                same hops (provider -> relay -> subscriber); the relay only
 *                read()s and write()s, in chunks of up to 64 KiB;
 *   dbus-daemon: a D-Bus bus started here on a private socket with its own
 *                configuration; the provider emits signals carrying a 64-byte
 *                byte array, each subscriber has a match rule (libdbus-1).
 *
 * Every event carries 64 bytes: 8 uint64 values (for lwmi the 8 data items of
 * the event class BenchEvent), the first a CLOCK_MONOTONIC timestamp, then a
 * sequence number and the kind of event.
 *
 *   latency:    one subscriber, paced: the provider fires one event and waits
 *               until the subscriber has it (the subscriber writes a byte to
 *               a pipe after taking its timestamp), then fires the next, so
 *               that the figure is latency, not queueing. The three sides run
 *               alternately in blocks so that load from elsewhere on the
 *               machine weighs on all of them.
 *   throughput: 1 and 4 subscribers; the provider fires flat out (lwmi: on
 *               -ENOBUFS it sleeps 20 us and fires again, so it drops nothing) for
 *               at most THROUGHPUT_MAX events or THROUGHPUT_TIME_NSEC; each
 *               subscriber counts what it got, and the broker's drops
 *               (__EventQueueOverflowEvent) are reported. The raw provider
 *               writes 64 KiB batches, as libwmiprov batches FIRE_EVENTS.
 *
 * Usage: bench-events [--wmid PATH] [--latency | --throughput] [--subscribers 1|4]
 *                     [--only lwmi|raw|dbus] [corpus folder, ignored]
 * (all but --wmid run one part only, for profiling)
 *
 * Processes (all forked, so that the two cores are used as in reality): wmid
 * (the build tree's, started with --ready-fd) and dbus-daemon, one provider
 * per side, the raw relay, and the subscribers. The coordinator (this
 * process) uses no lwmi connection: it sends commands to the providers over
 * pipes and reads the subscribers' counters in shared memory. All children
 * are killed at exit (and die with the benchmark through PR_SET_PDEATHSIG).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef LWMI_BENCH_DBUS
# include <dbus/dbus.h>
#endif

#include <lwmi/client.h>
#include <lwmi/provider.h>

#include "bench-util.h"

#define EVENT_SIZE           64
#define MAX_SUBS             4
#define LAT_WARMUP           200           /* paced events per side before timing */
#define LAT_EVENTS           4000          /* timed paced events per side */
#define LAT_BLOCK            50            /* events of one side before the next side runs */
#define LAT_GOAL             1.2           /* lwmi p50 / raw relay p50 */
#define THROUGHPUT_MAX       4000000u      /* events fired at most ... */
#define THROUGHPUT_TIME_NSEC 2000000000ull /* ... or for this long */
#define THROUGHPUT_RAW_GOAL  0.25          /* lwmi / raw relay */
#define THROUGHPUT_DBUS_GOAL 20.0          /* lwmi / dbus-daemon */
#define DRAIN_IDLE_NSEC      1500000000ull /* subscribers that got nothing this long are done */
#define DRAIN_MAX_NSEC       10000000000ull
#define ACK_TIMEOUT_MS       2000
#define RAW_CHUNK            65536
#define READY_TIMEOUT_MS     10000

#define BENCH_GUID  "{4C3E6A10-6B1D-4E0A-9C55-0B3E5E1A00E1}"
#define BENCH_WQL   "SELECT * FROM BenchEvent"
#define DBUS_PATH   "/org/lwmi/Bench"
#define DBUS_IFACE  "org.lwmi.Bench"
#define DBUS_MEMBER "Event"
#define DBUS_MATCH  "type='signal',interface='" DBUS_IFACE "',member='" DBUS_MEMBER "'"

static const char bench_mof[] = "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
                                "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"" BENCH_GUID "\")]\n"
                                "class BenchEvent : WMIEvent\n{\n"
                                "    [key, read] string InstanceName;\n"
                                "    [read] boolean Active;\n"
                                "    [WmiDataId(1), read] uint64 Item1;\n"
                                "    [WmiDataId(2), read] uint64 Item2;\n"
                                "    [WmiDataId(3), read] uint64 Item3;\n"
                                "    [WmiDataId(4), read] uint64 Item4;\n"
                                "    [WmiDataId(5), read] uint64 Item5;\n"
                                "    [WmiDataId(6), read] uint64 Item6;\n"
                                "    [WmiDataId(7), read] uint64 Item7;\n"
                                "    [WmiDataId(8), read] uint64 Item8;\n"
                                "};\n";

enum {
        SYS_LWMI,
        SYS_RAW,
        SYS_DBUS,
        SYS_LWMI_BLOCKS, /* lwmi again, the subscriber taking events as data blocks */
        N_SYS,
};

static const char *const sys_name[N_SYS] = { "lwmi", "raw relay", "dbus-daemon", "lwmi blocks" };
static const char *const server_name[N_SYS] = { "wmid", "relay", "daemon", "wmid" };

/* The two lwmi sides share wmid and the provider (its statistics are SYS_LWMI's). */
static bool is_lwmi(int sys) {
        return sys == SYS_LWMI || sys == SYS_LWMI_BLOCKS;
}

static int emit_of(int sys) {
        return is_lwmi(sys) ? SYS_LWMI : sys;
}

enum {
        KIND_WARMUP = 1,
        KIND_LATENCY,
        KIND_THROUGHPUT,
};

/* The payload of every event: Item1..Item8 of BenchEvent. */
typedef struct Event {
        uint64_t ts;   /* CLOCK_MONOTONIC nanoseconds at the fire (paced events) */
        uint64_t seq;  /* sequence number of the provider */
        uint64_t kind; /* KIND_* */
        uint64_t pad[5];
} Event;

_Static_assert(sizeof(Event) == EVENT_SIZE, "the event payload is 64 bytes");

/* ---- shared memory between the coordinator and the children ------------- */

/* One subscriber's counters, written by the subscriber only. */
typedef struct SubSlot {
        _Atomic uint64_t received;  /* throughput events */
        _Atomic uint64_t dropped;   /* events the broker reported dropped */
        _Atomic uint64_t overflows; /* __EventQueueOverflowEvent received */
        _Atomic uint64_t t_last;    /* when the last throughput event came */
        _Atomic int state;          /* 0 starting, 1 subscribed, -1 failed */
} SubSlot;

/* One provider's counters, written by the provider only. */
typedef struct EmitStats {
        _Atomic uint64_t fired;        /* throughput events fired by the last command */
        _Atomic uint64_t t_start;      /* when the last throughput command started */
        _Atomic uint64_t retries;      /* -ENOBUFS retried (lwmi) */
        _Atomic uint64_t not_enabled;  /* LWMI_EVENT_NOT_ENABLED: lost (lwmi) */
        _Atomic uint64_t lost_acks;    /* paced events the subscriber never confirmed */
        _Atomic uint64_t prov_dropped; /* lwmi_event_stats.dropped */
        _Atomic uint64_t prov_frames;  /* lwmi_event_stats.frames */
        _Atomic uint64_t prov_wakeups; /* lwmi_event_stats.wakeups */
} EmitStats;

typedef struct Shared {
        _Atomic int stop[N_SYS]; /* subscribers of that side end */
        EmitStats emit[N_SYS];
        SubSlot subs[N_SYS][MAX_SUBS];
        _Atomic size_t n_lat[N_SYS];
        uint64_t lat[N_SYS][LAT_EVENTS + LAT_BLOCK];
} Shared;

static Shared *shm;
static pid_t wmid_pid, dbus_pid;

/* Children to kill at exit, and the temporary directory to remove. */

/* Time on CPU of every thread of @pid in ms, from schedstat (ns); < 0 when not there. */
static double proc_schedstat_msec(pid_t pid) {
        char path[64], buf[128];
        unsigned long long ns, sum = 0;
        struct dirent *d;
        DIR *dir;
        bool any = false;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        dir = opendir(path);
        if (!dir)
                return -1;
        while ((d = readdir(dir))) {
                ssize_t n;
                int fd;

                if (d->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat", (int) pid, d->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                n = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                if (n <= 0)
                        continue;
                buf[n] = 0;
                if (sscanf(buf, "%llu", &ns) == 1) {
                        sum += ns;
                        any = true;
                }
        }
        closedir(dir);
        return any ? (double) sum / 1e6 : -1;
}

/*
 * The CPU time (user + system, all threads) of process @pid so far, in
 * milliseconds: from schedstat (ns) where the kernel has it, else from the
 * 10 ms clock ticks of /proc/PID/stat.
 */
static double proc_cpu_msec(pid_t pid) {
        unsigned long long utime = 0, stime = 0;
        char path[64], buf[1024];
        const char *p;
        double ms;
        ssize_t n;
        int fd;

        if (pid <= 0)
                return 0;
        ms = proc_schedstat_msec(pid);
        if (ms >= 0)
                return ms;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        /* Fields 14 and 15, counted from the state after the command name "(...)". */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &utime,
                         &stime) != 2)
                return 0;
        return (double) (utime + stime) * 1e3 / (double) sysconf(_SC_CLK_TCK);
}

static void sleep_usec(long usec) {
        nanosleep(
                &(struct timespec){ .tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000 },
                NULL);
}

/* Waits for a child at most @timeout_ms, then kills it. */
static void reap(pid_t pid, int timeout_ms) {
        uint64_t deadline = now_nsec() + (uint64_t) timeout_ms * 1000000u;

        if (pid <= 0)
                return;
        while (waitpid(pid, NULL, WNOHANG) == 0) {
                if (now_nsec() > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        break;
                }
                sleep_usec(1000);
        }
        bench_forget_child(pid);
}

/* Reads one byte within @timeout_ms: 0, -ETIMEDOUT, or the error. */
static int read_byte(int fd, int timeout_ms, uint8_t *ret) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, timeout_ms);

        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        return read_full(fd, ret, 1);
}

/*
 * Starts @argv[0] with fd 3 = the write end of a pipe; reads what it writes
 * there up to "\n". @quiet: its stderr goes to /dev/null. Return: its pid.
 */
static int start_daemon(const char *const argv[], bool quiet, char *line, size_t size) {
        size_t got = 0;
        int p[2];
        pid_t pid;

        if (pipe(p) < 0)
                return -errno;
        pid = bench_fork_child(&p[1], 1);
        if (pid < 0)
                return (int) pid;
        if (pid == 0) {
                int null;

                if (p[1] != 3 && (dup2(p[1], 3) < 0 || close(p[1]) < 0))
                        _exit(127);
                null = quiet ? open("/dev/null", O_WRONLY) : -1;
                if (null > 3)
                        (void) dup2(null, 2);
                /* execv() does not write its arguments; its prototype predates const. */
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(p[1]);
        /* One byte at a time: nothing after the line is read. */
        while (got < size - 1 && (got == 0 || line[got - 1] != '\n'))
                if (read_byte(p[0], READY_TIMEOUT_MS, (uint8_t *) line + got++) < 0) {
                        got--;
                        break;
                }
        close(p[0]);
        line[got] = 0;
        if (got == 0 || line[got - 1] != '\n') {
                fprintf(stderr, "bench-events: %s did not become ready\n", argv[0]);
                return -ETIMEDOUT;
        }
        line[got - 1] = 0;
        return (int) pid;
}

/* ---- providers: one loop, three ways to fire -------------------------------- */

/*
 * The commands of a provider process: each is answered by one byte on the
 * done pipe (0 success, 1 failure).
 */
enum {
        CMD_QUIT,
        CMD_WARMUP,        /* @count paced events, not recorded */
        CMD_LATENCY,       /* @count paced events */
        CMD_THROUGHPUT,    /* up to @count events flat out, THROUGHPUT_TIME_NSEC at most */
        CMD_WAIT_ENABLED,  /* lwmi: until the broker enabled the events */
        CMD_WAIT_DISABLED, /* lwmi: until the broker disabled them (no subscriber left) */
};

typedef struct Cmd {
        uint32_t op;
        uint32_t count;
} Cmd;

typedef struct Emitter {
        /* @more: other events follow at once (throughput), so output may be batched. */
        int (*fire)(void *ctx, const Event *ev, bool more);
        int (*flush)(void *ctx);
        int (*wait_enabled)(void *ctx, bool enabled);
        void *ctx;
        EmitStats *stats;
} Emitter;

/* A provider process's handle in the coordinator. */
typedef struct EmitterHandle {
        pid_t pid;
        int cmd;  /* coordinator -> provider */
        int done; /* provider -> coordinator */
} EmitterHandle;

static int emit_paced(const Emitter *em, int ack_fd, uint32_t count, uint64_t kind, uint64_t *seq) {
        for (uint32_t i = 0; i < count; i++) {
                Event ev = { .seq = (*seq)++, .kind = kind };
                uint8_t b;
                int r;

                ev.ts = now_nsec();
                r = em->fire(em->ctx, &ev, false);
                if (r < 0)
                        return r;
                r = read_byte(ack_fd, ACK_TIMEOUT_MS, &b);
                if (r == -ETIMEDOUT)
                        atomic_fetch_add(&em->stats->lost_acks, 1);
                else if (r < 0)
                        return r;
        }
        return 0;
}

static int emit_flat_out(const Emitter *em, uint32_t count, uint64_t *seq) {
        uint64_t t0 = now_nsec();
        uint32_t n;
        int r = 0;

        atomic_store(&em->stats->t_start, t0);
        for (n = 0; n < count && r >= 0; n++) {
                Event ev = { .seq = (*seq)++, .kind = KIND_THROUGHPUT };

                if ((n & 1023) == 0 && now_nsec() - t0 >= THROUGHPUT_TIME_NSEC)
                        break;
                r = em->fire(em->ctx, &ev, n + 1 < count);
        }
        if (r >= 0 && em->flush)
                r = em->flush(em->ctx);
        atomic_store(&em->stats->fired, n);
        return r;
}

/* The provider's command loop; returns when told to quit or on failure. */
static int emitter_main(const Emitter *em, int cmd_fd, int done_fd, int ack_fd) {
        uint64_t seq = 0;
        Cmd cmd;

        while (read_full(cmd_fd, &cmd, sizeof(cmd)) >= 0 && cmd.op != CMD_QUIT) {
                uint8_t status;
                int r = 0;

                switch (cmd.op) {
                case CMD_WARMUP:
                case CMD_LATENCY:
                        r = emit_paced(em, ack_fd, cmd.count,
                                       cmd.op == CMD_WARMUP ? KIND_WARMUP : KIND_LATENCY, &seq);
                        break;
                case CMD_THROUGHPUT:
                        r = emit_flat_out(em, cmd.count, &seq);
                        break;
                case CMD_WAIT_ENABLED:
                case CMD_WAIT_DISABLED:
                        if (em->wait_enabled)
                                r = em->wait_enabled(em->ctx, cmd.op == CMD_WAIT_ENABLED);
                        break;
                default:
                        r = -EINVAL;
                }
                if (r < 0)
                        fprintf(stderr, "bench-events: provider: %s\n", strerror(-r));
                status = r < 0;
                if (write_full(done_fd, &status, 1) < 0)
                        return 1;
        }
        return 0;
}

/* Sends a command and waits for its answer. */
static int emitter_cmd(const EmitterHandle *h, uint32_t op, uint32_t count) {
        Cmd cmd = { .op = op, .count = count };
        uint8_t status = 1;
        int r;

        r = write_full(h->cmd, &cmd, sizeof(cmd));
        if (r < 0)
                return r;
        r = read_byte(h->done, 60000, &status);
        if (r < 0)
                return r;
        return status ? -EIO : 0;
}

/*
 * Forks a provider process running emitter_main() through @child_main, which
 * gets the command and done pipes; @keep are further descriptors it needs.
 */
static int emitter_start(EmitterHandle *h, const int *keep, size_t n_keep,
                         int (*child_main)(int cmd_fd, int done_fd, void *arg), void *arg) {
        int cmd[2], done[2], all[8];
        pid_t pid;

        if (n_keep > 6)
                return -EINVAL;
        if (pipe(cmd) < 0 || pipe(done) < 0)
                return -errno;
        memcpy(all, keep, n_keep * sizeof(*keep));
        all[n_keep] = cmd[0];
        all[n_keep + 1] = done[1];
        pid = bench_fork_child(all, n_keep + 2);
        if (pid < 0)
                return (int) pid;
        if (pid == 0)
                _exit(child_main(cmd[0], done[1], arg));
        close(cmd[0]);
        close(done[1]);
        *h = (EmitterHandle){ .pid = pid, .cmd = cmd[1], .done = done[0] };
        return 0;
}

static void emitter_stop(EmitterHandle *h) {
        Cmd cmd = { .op = CMD_QUIT };

        if (h->pid <= 0)
                return;
        (void) write_full(h->cmd, &cmd, sizeof(cmd));
        close(h->cmd);
        close(h->done);
        reap(h->pid, 5000);
        h->pid = 0;
}

/* ---- subscribers: what they do with each event ------------------------------ */

typedef struct Sub {
        int sys;
        SubSlot *slot;
        int ack_fd;
        uint64_t received, dropped, overflows;
} Sub;

static void sub_event(Sub *s, const Event *ev, uint64_t now) {
        if (ev->kind == KIND_THROUGHPUT) {
                s->received++;
                return;
        }
        if (ev->kind == KIND_LATENCY) {
                size_t i = atomic_fetch_add(&shm->n_lat[s->sys], 1);

                if (i < LAT_EVENTS + LAT_BLOCK)
                        shm->lat[s->sys][i] = now - ev->ts;
        }
        /* Paced (warm-up and latency): the provider waits for this before the next. */
        if (ev->kind == KIND_LATENCY || ev->kind == KIND_WARMUP)
                (void) write_full(s->ack_fd, "a", 1);
}

/* Publishes the counters after a batch. */
static void sub_publish(Sub *s, uint64_t now) {
        if (atomic_load_explicit(&s->slot->received, memory_order_relaxed) != s->received)
                atomic_store_explicit(&s->slot->t_last, now, memory_order_relaxed);
        atomic_store_explicit(&s->slot->received, s->received, memory_order_relaxed);
        atomic_store_explicit(&s->slot->dropped, s->dropped, memory_order_relaxed);
        atomic_store_explicit(&s->slot->overflows, s->overflows, memory_order_relaxed);
}

static bool sub_stopped(const Sub *s) {
        return atomic_load_explicit(&shm->stop[s->sys], memory_order_relaxed) != 0;
}

/* ---- lwmi ------------------------------------------------------------------- */

typedef struct LwmiEmitter {
        const char *sock;
        int ack_fd;
        lwmi_device *dev;
        lwmi_instance *inst;
        EmitStats *stats;
} LwmiEmitter;

static int lwmi_fire(void *ctx, const Event *ev, bool more) {
        LwmiEmitter *l = ctx;
        int r;

        /*
         * Queue full: wait a little and fire again, as the D-Bus emitter
         * blocks in its write when the bus does not read (a spinning retry
         * would take the CPU the subscribers need on two cores).
         */
        while ((r = lwmi_instance_fire_event(l->inst, ev, sizeof(*ev))) == -ENOBUFS) {
                atomic_fetch_add_explicit(&l->stats->retries, 1, memory_order_relaxed);
                nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 }, NULL);
        }
        if (r == LWMI_EVENT_NOT_ENABLED)
                atomic_fetch_add(&l->stats->not_enabled, 1);
        return r < 0 ? r : 0;
}

static int lwmi_flush(void *ctx) {
        LwmiEmitter *l = ctx;
        lwmi_event_stats st;

        if (lwmi_device_get_event_stats(l->dev, &st) >= 0) {
                atomic_store(&l->stats->prov_dropped, st.dropped);
                atomic_store(&l->stats->prov_frames, st.frames);
                atomic_store(&l->stats->prov_wakeups, st.wakeups);
        }

        return 0;
}

static int lwmi_wait_enabled(void *ctx, bool enabled) {
        LwmiEmitter *l = ctx;
        lwmi_provider *p = lwmi_instance_get_provider(l->inst);
        uint64_t deadline = now_nsec() + (uint64_t) READY_TIMEOUT_MS * 1000000u;

        while (lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL) != enabled) {
                if (now_nsec() > deadline)
                        return -ETIMEDOUT;
                sleep_usec(500);
        }
        return 0;
}

/* The lwmi provider process: registers BenchEvent, then obeys commands until told to quit. */
static int lwmi_emitter_main(int cmd_fd, int done_fd, void *arg) {
        LwmiEmitter *l = arg;
        lwmi_device_config dc;
        lwmi_provider_config pc;
        lwmi_instance_config ic;
        lwmi_error err = { 0 };
        lwmi_guid g;
        Emitter em = { .fire = lwmi_fire,
                       .flush = lwmi_flush,
                       .wait_enabled = lwmi_wait_enabled,
                       .ctx = l,
                       .stats = l->stats };
        int r;

        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = l->sock;
        dc.event_size_max = EVENT_SIZE;
        r = lwmi_device_new("bench", bench_mof, &dc, &l->dev, &err);
        if (r < 0) {
                fprintf(stderr, "bench-events: device: %s (%s)\n", strerror(-r), err.message);
                return 1;
        }
        if (lwmi_guid_parse(BENCH_GUID, &g) < 0)
                return 1;
        LWMI_PROVIDER_CONFIG_INIT(&pc, &g);
        pc.flags = LWMI_PROVIDER_EVENT_ONLY;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&ic, &pc);
        ic.register_at_create = true;
        r = lwmi_instance_new(l->dev, &ic, &l->inst, &err);
        if (r < 0) {
                fprintf(stderr, "bench-events: instance: %s (%s)\n", strerror(-r), err.message);
                return 1;
        }
        /* The library thread drains the event queue and answers the broker. */
        r = lwmi_device_start_thread(l->dev);
        if (r < 0)
                return 1;
        r = emitter_main(&em, cmd_fd, done_fd, l->ack_fd);
        lwmi_device_stop_thread(l->dev);
        lwmi_instance_unref(l->inst);
        lwmi_device_unref(l->dev);
        return r;
}

/*
 * The three properties the subscriber reads, by index (property handles, as
 * WMI's IWbemObjectAccess): looked up by name once per class object, as a
 * program that reads many events of one class does. The raw and D-Bus
 * subscribers read their fields by position too.
 */
typedef struct Handles {
        const lwmi_object *cls;
        int item[3];
} Handles;

static bool handle_u64(const lwmi_object *o, int index, uint64_t *ret) {
        const lwmi_value *v = index >= 0 ? lwmi_object_peek_at(o, (size_t) index) : NULL;

        if (!v || v->is_null || v->type != LWMI_CIM_UINT64)
                return false;
        *ret = v->u.uint;
        return true;
}

static void lwmi_sub_object(Sub *s, Handles *h, const lwmi_object *o, uint64_t now) {
        const char *cls = lwmi_object_get_class_name(o);

        if (cls && strcmp(cls, "BenchEvent") == 0) {
                const lwmi_object *c = lwmi_object_get_class(o);
                Event ev = { 0 };

                if (c != h->cls) {
                        static const char *const names[3] = { "Item1", "Item2", "Item3" };

                        for (size_t i = 0; i < 3; i++)
                                h->item[i] = lwmi_object_find_property(c, names[i]);
                        h->cls = c;
                }
                if (!handle_u64(o, h->item[0], &ev.ts) || !handle_u64(o, h->item[1], &ev.seq) ||
                    !handle_u64(o, h->item[2], &ev.kind))
                        return;
                sub_event(s, &ev, now);
        } else if (cls && strcmp(cls, "__EventQueueOverflowEvent") == 0) {
                const lwmi_value *v = lwmi_object_peek(o, "Event");
                uint64_t n = 0;

                s->overflows++;
                if (v && !v->is_null && v->u.object &&
                    lwmi_object_get_uint64(v->u.object, "NumberOfEvents", &n) >= 0)
                        s->dropped += n;
        }
}

/* Connects a subscriber once wmid knows BenchEvent (the provider registers its MOF on its own). */
static int lwmi_sub_connect(const char *sock, lwmi_client **ret, lwmi_error *err) {
        uint64_t deadline = now_nsec() + (uint64_t) READY_TIMEOUT_MS * 1000000u;
        lwmi_object *cls = NULL;
        int r;

        r = lwmi_client_connect(sock, "root\\wmi", ret, err);
        while (r >= 0 && (r = lwmi_client_get_class(*ret, "BenchEvent", &cls, err)) == -ENOENT &&
               now_nsec() < deadline)
                sleep_usec(10000);
        lwmi_object_unref(cls);
        return r;
}

/*
 * After the subscription (@r: how it went): a round trip behind it (once it
 * returns, wmid holds the subscription), then the subscriber says it is ready.
 */
static int lwmi_sub_ready(Sub *s, lwmi_client *c, int r, lwmi_error *err, const char *who) {
        lwmi_object *cls = NULL;

        if (r >= 0)
                r = lwmi_client_get_class(c, "BenchEvent", &cls, err);
        lwmi_object_unref(cls);
        if (r < 0) {
                fprintf(stderr, "bench-events: %s: %s (%s)\n", who, strerror(-r), err->message);
                atomic_store(&s->slot->state, -1);
                return r;
        }
        atomic_store(&s->slot->state, 1);
        return 0;
}

/* An lwmi subscriber: exec_notification_query, then lwmi_enum_next() until stopped. */
static int lwmi_sub_main(Sub *s, const char *sock) {
        lwmi_client *c = NULL;
        lwmi_enum *e = NULL;
        lwmi_error err = { 0 };
        Handles handles = { 0 };
        int r;

        r = lwmi_sub_connect(sock, &c, &err);
        if (r >= 0)
                r = lwmi_client_exec_notification_query(c, BENCH_WQL, &e, &err);
        if (lwmi_sub_ready(s, c, r, &err, "lwmi subscriber") < 0)
                return 1;
        while (!sub_stopped(s)) {
                lwmi_object **objs = NULL;
                size_t n = 0;
                uint64_t now;

                r = lwmi_enum_next(e, 50000, 256, &objs, &n, &err);
                if (r == -ETIMEDOUT)
                        continue;
                if (r <= 0) {
                        fprintf(stderr, "bench-events: lwmi_enum_next: %s (%s)\n",
                                strerror(r < 0 ? -r : EPIPE), err.message);
                        break;
                }
                now = now_nsec();
                for (size_t i = 0; i < n; i++)
                        lwmi_sub_object(s, &handles, objs[i], now);
                lwmi_objects_free(objs, n);
                sub_publish(s, now);
        }
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        return 0;
}

/*
 * The lwmi subscriber that takes events as data blocks (lwmi_sink's
 * indicate_blocks, WmiNotificationRegistration's counterpart): the block is
 * the provider's 64-byte struct, read as such; other events (overflow
 * reports) still come as objects.
 */
typedef struct BlocksSub {
        Sub *s;
        Handles handles;
} BlocksSub;

static void lwmi_blocks_indicate(lwmi_call *call, const lwmi_event_block *b, size_t n,
                                 void *userdata) {
        BlocksSub *bs = userdata;
        uint64_t now = now_nsec();

        (void) call;
        for (size_t i = 0; i < n; i++) {
                Event ev;

                if (b[i].size < sizeof(ev) || strcmp(b[i].class_name, "BenchEvent") != 0)
                        continue;
                memcpy(&ev, b[i].data, sizeof(ev));
                sub_event(bs->s, &ev, now);
        }
        sub_publish(bs->s, now);
}

static void lwmi_blocks_objects(lwmi_call *call, lwmi_object *const *objs, size_t n,
                                void *userdata) {
        BlocksSub *bs = userdata;
        uint64_t now = now_nsec();

        (void) call;
        for (size_t i = 0; i < n; i++)
                lwmi_sub_object(bs->s, &bs->handles, objs[i], now);
        sub_publish(bs->s, now);
}

static int lwmi_blocks_sub_main(Sub *s, const char *sock) {
        lwmi_sink sink = LWMI_SINK_INIT(lwmi_blocks_objects, NULL);
        BlocksSub bs = { .s = s };
        lwmi_client *c = NULL;
        lwmi_call *call = NULL;
        lwmi_error err = { 0 };
        int r;

        sink.indicate_blocks = lwmi_blocks_indicate;
        r = lwmi_sub_connect(sock, &c, &err);
        if (r >= 0)
                r = lwmi_client_exec_notification_query_async(c, BENCH_WQL, &sink, &bs, &call);
        if (lwmi_sub_ready(s, c, r, &err, "lwmi blocks subscriber") < 0)
                return 1;
        while (!sub_stopped(s) && !lwmi_call_is_done(call)) {
                r = lwmi_client_wait(c, 50000);
                if (r > 0)
                        r = lwmi_client_process(c);
                if (r < 0) {
                        fprintf(stderr, "bench-events: lwmi blocks subscriber: %s\n", strerror(-r));
                        break;
                }
        }
        lwmi_call_unref(call);
        lwmi_client_unref(c);
        return 0;
}

/* ---- the raw relay ------------------------------------------------------------ */

typedef struct RawEmitter {
        int fd;
        size_t len;
        uint8_t buf[RAW_CHUNK];
} RawEmitter;

static int raw_flush(void *ctx) {
        RawEmitter *w = ctx;
        int r = write_full(w->fd, w->buf, w->len);

        w->len = 0;
        return r;
}

/* Batches up to 64 KiB while more events follow; a paced event goes out alone. */
static int raw_fire(void *ctx, const Event *ev, bool more) {
        RawEmitter *w = ctx;

        memcpy(w->buf + w->len, ev, sizeof(*ev));
        w->len += sizeof(*ev);
        if (more && w->len + sizeof(*ev) <= sizeof(w->buf))
                return 0;
        return raw_flush(w);
}

typedef struct RawArg {
        int fd, ack_fd;
        EmitStats *stats;
} RawArg;

static int raw_emitter_main(int cmd_fd, int done_fd, void *arg) {
        RawArg *a = arg;
        static RawEmitter w;
        Emitter em = { .fire = raw_fire, .flush = raw_flush, .ctx = &w, .stats = a->stats };

        w.fd = a->fd;
        return emitter_main(&em, cmd_fd, done_fd, a->ack_fd);
}

/* The relay: read() up to 64 KiB from the provider, write() it to every subscriber. */
static int raw_relay_main(int in, const int *out, size_t n_out) {
        static uint8_t buf[RAW_CHUNK];

        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return 0;
                for (size_t i = 0; i < n_out; i++)
                        if (write_full(out[i], buf, (size_t) n) < 0)
                                return 0;
        }
}

/* A raw subscriber: reads chunks, handles every complete 64-byte event, until EOF. */
static int raw_sub_main(Sub *s, int fd) {
        static uint8_t buf[RAW_CHUNK + EVENT_SIZE];
        size_t have = 0;

        atomic_store(&s->slot->state, 1);
        for (;;) {
                ssize_t n = read(fd, buf + have, sizeof(buf) - have);
                uint64_t now = now_nsec();
                size_t off = 0;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return 0;
                have += (size_t) n;
                for (; have - off >= EVENT_SIZE; off += EVENT_SIZE) {
                        Event ev;

                        memcpy(&ev, buf + off, sizeof(ev));
                        sub_event(s, &ev, now);
                }
                memmove(buf, buf + off, have - off);
                have -= off;
                sub_publish(s, now);
        }
}

/* ---- D-Bus ------------------------------------------------------------------ */

#ifdef LWMI_BENCH_DBUS
static DBusConnection *dbus_open(const char *address) {
        DBusConnection *conn;
        DBusError err;

        dbus_error_init(&err);
        conn = dbus_connection_open_private(address, &err);
        if (conn && !dbus_bus_register(conn, &err)) {
                dbus_connection_close(conn);
                dbus_connection_unref(conn);
                conn = NULL;
        }
        if (!conn) {
                fprintf(stderr, "bench-events: D-Bus %s: %s\n", address, err.message);
                dbus_error_free(&err);
                return NULL;
        }
        dbus_connection_set_exit_on_disconnect(conn, FALSE);
        return conn;
}

typedef struct DbusEmitter {
        DBusConnection *conn;
        unsigned unflushed;
} DbusEmitter;

static int dbus_flush(void *ctx) {
        DbusEmitter *d = ctx;

        dbus_connection_flush(d->conn);
        d->unflushed = 0;
        return dbus_connection_get_is_connected(d->conn) ? 0 : -ECONNRESET;
}

/* One signal with the event as a byte array; flushed at once when paced, else every 64. */
static int dbus_fire(void *ctx, const Event *ev, bool more) {
        DbusEmitter *d = ctx;
        const uint8_t *bytes = (const uint8_t *) ev;
        DBusMessage *m;
        bool ok;

        m = dbus_message_new_signal(DBUS_PATH, DBUS_IFACE, DBUS_MEMBER);
        if (!m)
                return -ENOMEM;
        ok = dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &bytes, EVENT_SIZE,
                                      DBUS_TYPE_INVALID) &&
             dbus_connection_send(d->conn, m, NULL);
        dbus_message_unref(m);
        if (!ok)
                return -ENOMEM;
        if (!more || ++d->unflushed == 64)
                return dbus_flush(d);
        return 0;
}

typedef struct DbusArg {
        const char *address;
        int ack_fd;
        EmitStats *stats;
} DbusArg;

static int dbus_emitter_main(int cmd_fd, int done_fd, void *arg) {
        DbusArg *a = arg;
        DbusEmitter d = { 0 };
        Emitter em = { .fire = dbus_fire, .flush = dbus_flush, .ctx = &d, .stats = a->stats };
        int r;

        d.conn = dbus_open(a->address);
        if (!d.conn)
                return 1;
        r = emitter_main(&em, cmd_fd, done_fd, a->ack_fd);
        dbus_connection_close(d.conn);
        dbus_connection_unref(d.conn);
        return r;
}

/* A D-Bus subscriber: AddMatch (a blocking call), then reads and pops signals until stopped. */
static int dbus_sub_main(Sub *s, const char *address) {
        DBusConnection *conn = dbus_open(address);
        DBusError err;

        if (!conn) {
                atomic_store(&s->slot->state, -1);
                return 1;
        }
        dbus_error_init(&err);
        dbus_bus_add_match(conn, DBUS_MATCH, &err);
        if (dbus_error_is_set(&err)) {
                fprintf(stderr, "bench-events: AddMatch: %s\n", err.message);
                dbus_error_free(&err);
                atomic_store(&s->slot->state, -1);
                return 1;
        }
        atomic_store(&s->slot->state, 1);
        while (!sub_stopped(s) && dbus_connection_read_write(conn, 50)) {
                DBusMessage *m;
                uint64_t now = now_nsec();

                while ((m = dbus_connection_pop_message(conn))) {
                        const uint8_t *bytes = NULL;
                        int len = 0;

                        if (dbus_message_is_signal(m, DBUS_IFACE, DBUS_MEMBER) &&
                            dbus_message_get_args(m, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &bytes,
                                                  &len, DBUS_TYPE_INVALID) &&
                            len == EVENT_SIZE) {
                                Event ev;

                                memcpy(&ev, bytes, sizeof(ev));
                                sub_event(s, &ev, now);
                        }
                        dbus_message_unref(m);
                }
                sub_publish(s, now);
        }
        dbus_connection_close(conn);
        dbus_connection_unref(conn);
        return 0;
}

/* The first dbus-daemon on $PATH. */
static bool find_dbus_daemon(char *out, size_t size) {
        const char *path = getenv("PATH");
        char dirs[4096];

        snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
        for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
                if ((size_t) snprintf(out, size, "%s/dbus-daemon", d) < size &&
                    access(out, X_OK) == 0)
                        return true;
        return false;
}

/* Writes the bus configuration and starts dbus-daemon; @address receives its address. */
static int start_dbus(const char *daemon, char *address, size_t size) {
        char conf[PATH_MAX + 16], conf_arg[PATH_MAX + 32];
        const char *argv[] = { daemon, conf_arg, "--nofork", "--nopidfile", "--print-address=3",
                               NULL };
        FILE *f;

        snprintf(conf, sizeof(conf), "%s/bus.conf", bench_tmpdir);
        snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", conf);
        f = fopen(conf, "w");
        if (!f)
                return -errno;
        fprintf(f,
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <listen>unix:path=%s/bus.sock</listen>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <allow own=\"*\"/>\n"
                "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                "    <allow receive_sender=\"*\"/>\n"
                "  </policy>\n"
                "</busconfig>\n",
                bench_tmpdir);
        if (fclose(f) != 0)
                return -EIO;
        /* As root without CAP_SYS_RESOURCE it warns that it cannot raise its fd limit. */
        return start_daemon(argv, true, address, size);
}
#endif

/* ---- the coordinator's view of one side ------------------------------------------ */

typedef struct Side {
        int sys;
        bool available;
        const char *target; /* wmid's socket or the bus address */
        int ack[2];         /* subscriber -> provider: "got it" of paced events */
        EmitterHandle em;   /* lwmi: for the whole run; others: per phase */
        pid_t relay;
        size_t n_subs;
        pid_t subs[MAX_SUBS];
} Side;

/* The child body of a subscriber: @fd is its raw socket (raw only). */
static int sub_child(Side *side, size_t i, int fd) {
        Sub s = { .sys = side->sys, .slot = &shm->subs[side->sys][i], .ack_fd = side->ack[1] };

        switch (side->sys) {
        case SYS_LWMI:
                return lwmi_sub_main(&s, side->target);
        case SYS_LWMI_BLOCKS:
                return lwmi_blocks_sub_main(&s, side->target);
        case SYS_RAW:
                return raw_sub_main(&s, fd);
#ifdef LWMI_BENCH_DBUS
        case SYS_DBUS:
                return dbus_sub_main(&s, side->target);
#endif
        default:
                return 1;
        }
}

/* Waits until the @n subscribers of @side subscribed. */
static int subs_wait_ready(const Side *side) {
        uint64_t deadline = now_nsec() + (uint64_t) READY_TIMEOUT_MS * 1000000u;

        for (size_t i = 0; i < side->n_subs; i++)
                for (;;) {
                        int st = atomic_load(&shm->subs[side->sys][i].state);

                        if (st < 0)
                                return -EIO;
                        if (st > 0)
                                break;
                        if (now_nsec() > deadline)
                                return -ETIMEDOUT;
                        sleep_usec(1000);
                }
        return 0;
}

/*
 * Starts @n subscribers of @side (and for raw the relay and the provider, for
 * D-Bus the provider) and waits until they subscribed and the provider may fire.
 */
static int side_open(Side *side, size_t n) {
        int r;

        atomic_store(&shm->stop[side->sys], 0);
        memset(shm->subs[side->sys], 0, sizeof(shm->subs[side->sys]));
        side->n_subs = n;
        if (side->sys == SYS_RAW) {
                static RawArg raw_arg;
                int e[2], s[MAX_SUBS][2], relay_keep[MAX_SUBS + 1], relay_out[MAX_SUBS];

                if (socketpair(AF_UNIX, SOCK_STREAM, 0, e) < 0)
                        return -errno;
                relay_keep[0] = e[1];
                for (size_t i = 0; i < n; i++) {
                        if (socketpair(AF_UNIX, SOCK_STREAM, 0, s[i]) < 0)
                                return -errno;
                        relay_keep[i + 1] = relay_out[i] = s[i][0];
                }
                side->relay = bench_fork_child(relay_keep, n + 1);
                if (side->relay < 0)
                        return (int) side->relay;
                if (side->relay == 0)
                        _exit(raw_relay_main(e[1], relay_out, n));
                for (size_t i = 0; i < n; i++) {
                        int keep[2] = { s[i][1], side->ack[1] };

                        side->subs[i] = bench_fork_child(keep, 2);
                        if (side->subs[i] < 0)
                                return (int) side->subs[i];
                        if (side->subs[i] == 0)
                                _exit(sub_child(side, i, s[i][1]));
                }
                raw_arg = (RawArg){ .fd = e[0],
                                    .ack_fd = side->ack[0],
                                    .stats = &shm->emit[SYS_RAW] };
                r = emitter_start(&side->em, (int[]){ e[0], side->ack[0] }, 2, raw_emitter_main,
                                  &raw_arg);
                close(e[0]);
                close(e[1]);
                for (size_t i = 0; i < n; i++) {
                        close(s[i][0]);
                        close(s[i][1]);
                }
                if (r < 0)
                        return r;
                return subs_wait_ready(side);
        }
        for (size_t i = 0; i < n; i++) {
                side->subs[i] = bench_fork_child(&side->ack[1], 1);
                if (side->subs[i] < 0)
                        return (int) side->subs[i];
                if (side->subs[i] == 0)
                        _exit(sub_child(side, i, -1));
        }
        r = subs_wait_ready(side);
        if (r < 0)
                return r;
        if (is_lwmi(side->sys))
                return emitter_cmd(&side->em, CMD_WAIT_ENABLED, 0);
#ifdef LWMI_BENCH_DBUS
        {
                static DbusArg dbus_arg;

                dbus_arg = (DbusArg){ .address = side->target,
                                      .ack_fd = side->ack[0],
                                      .stats = &shm->emit[SYS_DBUS] };
                return emitter_start(&side->em, &side->ack[0], 1, dbus_emitter_main, &dbus_arg);
        }
#else
        return -EOPNOTSUPP;
#endif
}

/* Ends the subscribers of @side (and its per-phase processes); lwmi: until events are disabled. */
static void side_close(Side *side) {
        if (!is_lwmi(side->sys))
                emitter_stop(&side->em);
        atomic_store(&shm->stop[side->sys], 1);
        for (size_t i = 0; i < side->n_subs; i++) {
                reap(side->subs[i], 5000);
                side->subs[i] = 0;
        }
        side->n_subs = 0;
        if (side->relay > 0)
                reap(side->relay, 5000);
        side->relay = 0;
        if (is_lwmi(side->sys) && emitter_cmd(&side->em, CMD_WAIT_DISABLED, 0) < 0)
                fprintf(stderr,
                        "bench-events: lwmi events stayed enabled after the subscribers left\n");
}

/* ---- the measurements ---------------------------------------------------------- */

/* CPU time in ms of a side's processes: its server (wmid, relay, dbus-daemon), provider,
 * subscribers. */
typedef struct Cpu {
        double server, provider, subs;
} Cpu;

static Cpu side_cpu(const Side *side) {
        pid_t server = is_lwmi(side->sys)     ? wmid_pid
                       : side->sys == SYS_RAW ? side->relay
                                              : dbus_pid;
        Cpu c = { .server = proc_cpu_msec(server), .provider = proc_cpu_msec(side->em.pid) };

        for (size_t i = 0; i < side->n_subs; i++)
                c.subs += proc_cpu_msec(side->subs[i]);
        return c;
}

static Cpu cpu_since(Cpu now, Cpu before) {
        return (Cpu){ .server = now.server - before.server,
                      .provider = now.provider - before.provider,
                      .subs = now.subs - before.subs };
}

#define LAT_ROUNDS (LAT_EVENTS / LAT_BLOCK)

typedef struct Latency {
        size_t n;
        double p50_us, p99_us;
        uint64_t lost;
        double round_p50_us[LAT_ROUNDS]; /* the p50 of each block, in order */
        Cpu cpu;                         /* over the measured blocks (with the acks) */
} Latency;

/* The median over the rounds of the ratio of @a's block p50 to @b's in the same round. */
static double round_ratio(const Latency *a, const Latency *b) {
        double ratios[LAT_ROUNDS];
        size_t n = 0;

        for (size_t i = 0; i < LAT_ROUNDS; i++)
                if (a->round_p50_us[i] > 0 && b->round_p50_us[i] > 0)
                        ratios[n++] = a->round_p50_us[i] / b->round_p50_us[i];
        if (n == 0)
                return 0;
        qsort(ratios, n, sizeof(*ratios), cmp_double);
        return ratios[n / 2];
}

/*
 * Whether @side takes part in the latency run: not lwmi blocks, whose
 * subscribers would take the same provider's paced events as lwmi's at the
 * same time (its latency is that of lwmi's wait in poll() then recv()).
 */
static bool latency_side(const Side *side) {
        return side->available && side->sys != SYS_LWMI_BLOCKS;
}

/* Paced events of every available side, alternately in blocks of LAT_BLOCK. */
static int bench_latency(Side *sides, Latency *ret) {
        int r = 0;

        for (int k = 0; k < N_SYS && r >= 0; k++)
                if (latency_side(&sides[k])) {
                        r = side_open(&sides[k], 1);
                        if (r >= 0)
                                r = emitter_cmd(&sides[k].em, CMD_WARMUP, LAT_WARMUP);
                        if (r < 0)
                                fprintf(stderr, "bench-events: %s: starting: %s\n", sys_name[k],
                                        strerror(-r));
                        atomic_store(&shm->n_lat[k], 0);
                        atomic_store(&shm->emit[emit_of(k)].lost_acks, 0);
                }
        Cpu cpu[N_SYS] = { 0 };

        for (size_t done = 0; done < LAT_EVENTS && r >= 0; done += LAT_BLOCK)
                for (int k = 0; k < N_SYS && r >= 0; k++)
                        if (latency_side(&sides[k])) {
                                Cpu before = side_cpu(&sides[k]), d;

                                r = emitter_cmd(&sides[k].em, CMD_LATENCY, LAT_BLOCK);
                                d = cpu_since(side_cpu(&sides[k]), before);
                                cpu[k].server += d.server;
                                cpu[k].provider += d.provider;
                                cpu[k].subs += d.subs;
                        }
        for (int k = 0; k < N_SYS; k++)
                if (latency_side(&sides[k])) {
                        size_t n = atomic_load(&shm->n_lat[k]);

                        side_close(&sides[k]);
                        if (n > LAT_EVENTS + LAT_BLOCK)
                                n = LAT_EVENTS + LAT_BLOCK;
                        ret[k] = (Latency){ .n = n,
                                            .lost = atomic_load(&shm->emit[emit_of(k)].lost_acks),
                                            .cpu = cpu[k] };
                        if (n == 0)
                                continue;
                        for (size_t i = 0; i < LAT_ROUNDS && (i + 1) * LAT_BLOCK <= n; i++) {
                                uint64_t block[LAT_BLOCK];

                                memcpy(block, shm->lat[k] + i * LAT_BLOCK, sizeof(block));
                                qsort(block, LAT_BLOCK, sizeof(uint64_t), cmp_u64);
                                ret[k].round_p50_us[i] = (double) block[LAT_BLOCK / 2] / 1e3;
                        }
                        qsort(shm->lat[k], n, sizeof(uint64_t), cmp_u64);
                        ret[k].p50_us = (double) shm->lat[k][n * 50 / 100] / 1e3;
                        ret[k].p99_us = (double) shm->lat[k][n * 99 / 100] / 1e3;
                }
        return r;
}

typedef struct Throughput {
        bool ran;
        size_t n_subs;
        uint64_t fired, retries, prov_dropped, prov_frames, prov_wakeups, not_enabled;
        uint64_t received[MAX_SUBS], dropped[MAX_SUBS], overflows[MAX_SUBS];
        Cpu cpu;        /* from the first fire to the end of the drain */
        double sec;     /* first fire to the last event received by any subscriber */
        double per_sub; /* median over subscribers of received / (its last event - first fire) */
        double total;   /* sum of received / sec */
} Throughput;

/* Waits until every subscriber got or was told it lost every fired event, or went idle. */
static void drain(const Side *side, uint64_t fired) {
        uint64_t start = now_nsec(), last_progress = start, last_sum = 0;

        for (;;) {
                uint64_t sum = 0;
                bool all = true;

                for (size_t i = 0; i < side->n_subs; i++) {
                        SubSlot *sl = &shm->subs[side->sys][i];
                        uint64_t got = atomic_load(&sl->received) + atomic_load(&sl->dropped);

                        sum += got;
                        all = all && got >= fired;
                }
                if (all)
                        return;
                if (sum != last_sum) {
                        last_sum = sum;
                        last_progress = now_nsec();
                }
                if (now_nsec() - last_progress > DRAIN_IDLE_NSEC ||
                    now_nsec() - start > DRAIN_MAX_NSEC)
                        return;
                sleep_usec(2000);
        }
}

static int bench_throughput(Side *side, size_t n, Throughput *ret) {
        EmitStats *st = &shm->emit[emit_of(side->sys)];
        uint64_t retries0, dropped0, frames0, wakeups0, t_start, t_end = 0, sum = 0;
        double rates[MAX_SUBS];
        Cpu cpu0;
        int r;

        *ret = (Throughput){ .n_subs = n };
        r = side_open(side, n);
        if (r < 0) {
                fprintf(stderr, "bench-events: %s: starting %zu subscribers: %s\n",
                        sys_name[side->sys], n, strerror(-r));
                side_close(side);
                return r;
        }
        retries0 = atomic_load(&st->retries);
        dropped0 = atomic_load(&st->prov_dropped);
        frames0 = atomic_load(&st->prov_frames);
        wakeups0 = atomic_load(&st->prov_wakeups);
        atomic_store(&st->not_enabled, 0);
        cpu0 = side_cpu(side);
        r = emitter_cmd(&side->em, CMD_THROUGHPUT, THROUGHPUT_MAX);
        ret->fired = atomic_load(&st->fired);
        t_start = atomic_load(&st->t_start);
        if (r >= 0)
                drain(side, ret->fired);
        ret->cpu = cpu_since(side_cpu(side), cpu0);
        ret->retries = atomic_load(&st->retries) - retries0;
        ret->prov_dropped = atomic_load(&st->prov_dropped) - dropped0;
        ret->prov_frames = atomic_load(&st->prov_frames) - frames0;
        ret->prov_wakeups = atomic_load(&st->prov_wakeups) - wakeups0;
        ret->not_enabled = atomic_load(&st->not_enabled);
        for (size_t i = 0; i < n; i++) {
                SubSlot *sl = &shm->subs[side->sys][i];
                uint64_t t = atomic_load(&sl->t_last);

                ret->received[i] = atomic_load(&sl->received);
                ret->dropped[i] = atomic_load(&sl->dropped);
                ret->overflows[i] = atomic_load(&sl->overflows);
                rates[i] =
                        t > t_start ? (double) ret->received[i] * 1e9 / (double) (t - t_start) : 0;
                sum += ret->received[i];
                if (t > t_end)
                        t_end = t;
        }
        side_close(side);
        if (r < 0) {
                fprintf(stderr, "bench-events: %s: throughput: %s\n", sys_name[side->sys],
                        strerror(-r));
                return r;
        }
        qsort(rates, n, sizeof(*rates), cmp_double);
        ret->ran = true;
        ret->sec = t_end > t_start ? (double) (t_end - t_start) / 1e9 : 0;
        ret->per_sub = rates[n / 2];
        ret->total = ret->sec > 0 ? (double) sum / ret->sec : 0;
        return 0;
}

/* ---- output ---------------------------------------------------------------------- */

static const char *met(bool ok) {
        return ok ? "met" : "NOT met";
}

static void print_latency(const Side *sides, const Latency *lat) {
        printf("fire -> indicate latency: %d-byte payload, 1 subscriber, paced (one event in "
               "flight), %d events per side after %d warm-up, blocks of %d alternating\n",
               EVENT_SIZE, LAT_EVENTS, LAT_WARMUP, LAT_BLOCK);
        for (int k = 0; k < N_SYS; k++) {
                if (!latency_side(&sides[k]))
                        continue;
                printf("  %-12s p50 %7.1f us  p99 %7.1f us  (%zu events", sys_name[k],
                       lat[k].p50_us, lat[k].p99_us, lat[k].n);
                if (lat[k].lost)
                        printf(", %" PRIu64 " never arrived", lat[k].lost);
                printf(")\n");
                /* CPU time per event of each process (the acks' share included) */
                printf("               CPU per event: %s %.1f us, provider %.1f us, subscriber "
                       "%.1f us\n",
                       server_name[k], lat[k].cpu.server * 1e3 / LAT_EVENTS,
                       lat[k].cpu.provider * 1e3 / LAT_EVENTS, lat[k].cpu.subs * 1e3 / LAT_EVENTS);
        }
        if (lat[SYS_LWMI].n && lat[SYS_RAW].n) {
                double ratio = lat[SYS_LWMI].p50_us / lat[SYS_RAW].p50_us;

                printf("  lwmi / raw relay: p50 %.2fx (goal <= %.1fx: %s), p99 %.2fx; "
                       "median of the %d rounds' p50 ratios %.2fx\n",
                       ratio, LAT_GOAL, met(ratio <= LAT_GOAL),
                       lat[SYS_LWMI].p99_us / lat[SYS_RAW].p99_us, LAT_ROUNDS,
                       round_ratio(&lat[SYS_LWMI], &lat[SYS_RAW]));
        }
        if (lat[SYS_LWMI].n && lat[SYS_DBUS].n)
                printf("  lwmi / dbus-daemon: p50 %.2fx, p99 %.2fx; median of the rounds' p50 "
                       "ratios %.2fx\n",
                       lat[SYS_LWMI].p50_us / lat[SYS_DBUS].p50_us,
                       lat[SYS_LWMI].p99_us / lat[SYS_DBUS].p99_us,
                       round_ratio(&lat[SYS_LWMI], &lat[SYS_DBUS]));
}

static void print_throughput(const Side *sides, Throughput t[N_SYS], size_t n) {
        printf("throughput, 1 provider -> %zu subscriber%s: fired flat out, at most %u events or "
               "%.1f s\n",
               n, n > 1 ? "s" : "", THROUGHPUT_MAX, (double) THROUGHPUT_TIME_NSEC / 1e9);
        for (int k = 0; k < N_SYS; k++) {
                uint64_t missing = 0, dropped = 0, overflows = 0;

                if (!sides[k].available)
                        continue;
                if (!t[k].ran) {
                        printf("  %-12s failed\n", sys_name[k]);
                        continue;
                }
                printf("  %-12s %10.0f events/s per subscriber, %10.0f delivered in all; "
                       "%" PRIu64 " fired, received",
                       sys_name[k], t[k].per_sub, t[k].total, t[k].fired);
                for (size_t i = 0; i < n; i++) {
                        printf("%s%" PRIu64, i ? "/" : " ", t[k].received[i]);
                        dropped += t[k].dropped[i];
                        overflows += t[k].overflows[i];
                        if (t[k].received[i] + t[k].dropped[i] < t[k].fired)
                                missing += t[k].fired - t[k].received[i] - t[k].dropped[i];
                }
                printf(" in %.2f s\n", t[k].sec);
                printf("               CPU: %s %.0f ms, provider %.0f ms, subscribers %.0f ms "
                       "(%.2f / %.2f / %.2f us per event fired)\n",
                       server_name[k], t[k].cpu.server, t[k].cpu.provider, t[k].cpu.subs,
                       t[k].cpu.server * 1e3 / (double) (t[k].fired ? t[k].fired : 1),
                       t[k].cpu.provider * 1e3 / (double) (t[k].fired ? t[k].fired : 1),
                       t[k].cpu.subs * 1e3 / (double) (t[k].fired ? t[k].fired : 1));
                if (is_lwmi(k))
                        printf("               broker drops reported: %" PRIu64
                               " events in %" PRIu64
                               " __EventQueueOverflowEvent; provider: %" PRIu64
                               " -ENOBUFS retried, %" PRIu64 " lost, %" PRIu64
                               " not enabled, %" PRIu64 " frames, %" PRIu64
                               " wake-ups; unaccounted: %" PRIu64 "\n",
                               dropped, overflows, t[k].retries,
                               /* lwmi counts each -ENOBUFS refusal as a drop; all were retried. */
                               t[k].prov_dropped > t[k].retries ? t[k].prov_dropped - t[k].retries
                                                                : 0,
                               t[k].not_enabled, t[k].prov_frames, t[k].prov_wakeups, missing);
                else if (missing)
                        printf("               not delivered: %" PRIu64 " events%s\n", missing,
                               k == SYS_DBUS ? " (dropped by dbus-daemon or still queued)" : "");
        }
        if (t[SYS_LWMI].ran && t[SYS_RAW].ran && t[SYS_RAW].total > 0) {
                double ratio = t[SYS_LWMI].total / t[SYS_RAW].total;

                printf("  lwmi / raw relay: %.4f (goal >= %.2f: %s)\n", ratio, THROUGHPUT_RAW_GOAL,
                       met(ratio >= THROUGHPUT_RAW_GOAL));
        }
        if (t[SYS_LWMI].ran && t[SYS_DBUS].ran && t[SYS_DBUS].total > 0) {
                double ratio = t[SYS_LWMI].total / t[SYS_DBUS].total;

                printf("  lwmi / dbus-daemon: %.2fx (goal >= %.0fx: %s)\n", ratio,
                       THROUGHPUT_DBUS_GOAL, met(ratio >= THROUGHPUT_DBUS_GOAL));
        }
        if (t[SYS_LWMI_BLOCKS].ran && t[SYS_RAW].ran && t[SYS_RAW].total > 0) {
                double ratio = t[SYS_LWMI_BLOCKS].total / t[SYS_RAW].total;

                printf("  lwmi blocks / raw relay: %.4f (goal >= %.2f: %s)\n", ratio,
                       THROUGHPUT_RAW_GOAL, met(ratio >= THROUGHPUT_RAW_GOAL));
        }
        if (t[SYS_LWMI_BLOCKS].ran && t[SYS_DBUS].ran && t[SYS_DBUS].total > 0) {
                double ratio = t[SYS_LWMI_BLOCKS].total / t[SYS_DBUS].total;

                printf("  lwmi blocks / dbus-daemon: %.2fx (goal >= %.0fx: %s)\n", ratio,
                       THROUGHPUT_DBUS_GOAL, met(ratio >= THROUGHPUT_DBUS_GOAL));
        }
}

/* ---- main -------------------------------------------------------------------------- */

int main(int argc, char *argv[]) {
        static LwmiEmitter lwmi_arg;
        static Latency lat[N_SYS];
        static Throughput tput[2][N_SYS];
        static const size_t n_subs[2] = { 1, MAX_SUBS };
        char wmid[PATH_MAX], sock[PATH_MAX + 16], state[PATH_MAX + 16], ready[64];
        bool run_latency = true, run_throughput = true;
        size_t only_subs = 0;
        const char *only = NULL;
        Side sides[N_SYS];
        int r;

        wmid[0] = 0;
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--wmid") == 0 && i + 1 < argc)
                        snprintf(wmid, sizeof(wmid), "%s", argv[++i]);
                else if (strcmp(argv[i], "--latency") == 0)
                        run_throughput = false;
                else if (strcmp(argv[i], "--throughput") == 0)
                        run_latency = false;
                else if (strcmp(argv[i], "--subscribers") == 0 && i + 1 < argc)
                        only_subs = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
                        only = argv[++i];
        if (!wmid[0] && find_wmid(wmid, sizeof(wmid)) < 0) {
                fprintf(stderr, "bench-events: wmid not found next to the benchmark; use --wmid\n");
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shm == MAP_FAILED) {
                perror("bench-events: mmap");
                return 1;
        }

        r = bench_tmpdir_make("lwmi-bench-events");
        if (r < 0) {
                fprintf(stderr, "bench-events: mkdtemp: %s\n", strerror(-r));
                return 1;
        }
        snprintf(sock, sizeof(sock), "%s/wmid.sock", bench_tmpdir);
        snprintf(state, sizeof(state), "%s/state", bench_tmpdir);

        for (int k = 0; k < N_SYS; k++) {
                sides[k] = (Side){ .sys = k, .available = k != SYS_DBUS };
                if (pipe(sides[k].ack) < 0) {
                        perror("bench-events: pipe");
                        return 1;
                }
        }
        sides[SYS_LWMI].target = sock;
        /* lwmi blocks: the same wmid, provider and ack pipe as lwmi */
        close(sides[SYS_LWMI_BLOCKS].ack[0]);
        close(sides[SYS_LWMI_BLOCKS].ack[1]);
        sides[SYS_LWMI_BLOCKS].ack[0] = sides[SYS_LWMI].ack[0];
        sides[SYS_LWMI_BLOCKS].ack[1] = sides[SYS_LWMI].ack[1];
        sides[SYS_LWMI_BLOCKS].target = sock;

        {
                const char *wmid_argv[] = { wmid,  "--socket",   sock, "--state",
                                            state, "--ready-fd", "3",  "--log-level",
                                            "err", NULL };

                wmid_pid = start_daemon(wmid_argv, false, ready, sizeof(ready));
                if (wmid_pid < 0 || strcmp(ready, "READY=1") != 0)
                        return 1;
        }
        /* The lwmi provider lives for the whole run: wmid registers its MOF once. */
        lwmi_arg = (LwmiEmitter){ .sock = sock,
                                  .ack_fd = sides[SYS_LWMI].ack[0],
                                  .stats = &shm->emit[SYS_LWMI] };
        r = emitter_start(&sides[SYS_LWMI].em, &sides[SYS_LWMI].ack[0], 1, lwmi_emitter_main,
                          &lwmi_arg);
        if (r < 0) {
                fprintf(stderr, "bench-events: starting the provider: %s\n", strerror(-r));
                return 1;
        }
        sides[SYS_LWMI_BLOCKS].em = sides[SYS_LWMI].em;

#ifdef LWMI_BENCH_DBUS
        {
                static char dbus_address[512];
                char daemon[PATH_MAX];

                if (!find_dbus_daemon(daemon, sizeof(daemon)))
                        printf("dbus-daemon: not found on $PATH, the D-Bus peer is skipped\n");
                else if ((dbus_pid = start_dbus(daemon, dbus_address, sizeof(dbus_address))) < 0)
                        printf("dbus-daemon: did not start, the D-Bus peer is skipped\n");
                else {
                        sides[SYS_DBUS].available = true;
                        sides[SYS_DBUS].target = dbus_address;
                }
        }
#else
        printf("dbus-daemon: bench-events was built without libdbus-1, the D-Bus peer is skipped\n");
#endif

        for (int k = 0; k < N_SYS && only; k++)
                if (strncmp(sys_name[k], only, strlen(only)) != 0)
                        sides[k].available = false;
        r = run_latency ? bench_latency(sides, lat) : 0;
        if (r < 0) {
                fprintf(stderr, "bench-events: latency: %s\n", strerror(-r));
                return 1;
        }
        if (run_latency)
                print_latency(sides, lat);
        for (size_t j = 0; j < 2 && run_throughput; j++) {
                if (only_subs && only_subs != n_subs[j])
                        continue;
                for (int k = 0; k < N_SYS; k++)
                        if (sides[k].available)
                                (void) bench_throughput(&sides[k], n_subs[j], &tput[j][k]);
                print_throughput(sides, tput[j], n_subs[j]);
        }
        emitter_stop(&sides[SYS_LWMI].em);
        return 0;
}
