/* SPDX-License-Identifier: MIT */
/*
 * sampledrv: the lwmi sample driver, in the manner of the WDK's wmisamp.
 *
 * It publishes the blocks of sampledrv.mof through libwmiprov, using the
 * structs and GUIDs that `mofcomp --header` generated from that MOF:
 *
 *   Sample_DeviceInfo  read-only, served from the instance context (UseContextForQuery)
 *   Sample_Settings    read-write, two instances, set_instance and set_item
 *   Sample_Control     write-only (no query callback)
 *   Sample_Methods     methods; EchoText's output outgrows the first buffer
 *   Sample_Statistics  Expensive: collects only while collection is enabled
 *   Sample_PortTable   variable length; a "hotplug" instance comes and goes
 *   Sample_Event       fired periodically and by Sample_Methods.FireSampleEvent
 *
 * The main loop polls the device's fd and a timerfd, so the driver is an
 * ordinary single-threaded Linux daemon.
 */
#include "sampledrv.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/common.h>
#include <lwmi/provider.h>

/* The MOF, embedded at build time (the driver's MOF resource). */
extern const unsigned char sampledrv_mof[];

typedef struct Settings {
        int32_t tx_power;
        uint32_t link_speed;
        uint8_t power_save;
        uint16_t irq_moderation;
} Settings;

typedef struct Driver {
        const char *name;
        lwmi_device *device;
        Settings settings[2];
        uint32_t call_count;
        uint32_t control_command;
        uint64_t control_argument;
        bool collecting;
        struct timespec collect_start;
        uint64_t rx_packets, tx_packets;
        uint64_t event_sequence;
        lwmi_provider *event_provider;
        lwmi_instance *event_instance;
        lwmi_instance *hotplug;
        lwmi_provider *port_provider;
} Driver;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...) {
        va_list ap;

        fputs("sampledrv: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* A WMI counted string: USHORT byte count, then UTF-16LE (ASCII only here). */
static size_t counted_string_size(const char *s) {
        return 2 + 2 * strlen(s);
}

static void put_counted_string(uint8_t *p, const char *s) {
        size_t n = strlen(s);

        p[0] = (uint8_t) (2 * n);
        p[1] = (uint8_t) ((2 * n) >> 8);
        for (size_t i = 0; i < n; i++) {
                p[2 + 2 * i] = (uint8_t) s[i];
                p[3 + 2 * i] = 0;
        }
}

/* Reads a counted string into @out (ASCII subset); returns its length or -1. */
static int get_counted_string(const uint8_t *p, size_t avail, char *out, size_t out_size) {
        size_t bytes, n;

        if (avail < 2)
                return -1;
        bytes = (size_t) p[0] | ((size_t) p[1] << 8);
        if (bytes % 2 || 2 + bytes > avail)
                return -1;
        n = bytes / 2;
        if (n >= out_size)
                n = out_size - 1;
        for (size_t i = 0; i < n; i++) {
                uint16_t c = (uint16_t) (p[2 + 2 * i] | (p[3 + 2 * i] << 8));
                if (c == 0) {
                        n = i;
                        break;
                }
                out[i] = c < 0x80 ? (char) c : '?';
        }
        out[n] = 0;
        return (int) n;
}

/* ---- Sample_Settings: read-write --------------------------------------- */

static int settings_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                          size_t *ret_size, void *userdata) {
        Settings *s = userdata;
        SAMPLE_SETTINGS out = { .TxPower = s->tx_power,
                                .LinkSpeed = s->link_speed,
                                .PowerSave = s->power_save,
                                .IrqModeration = s->irq_moderation };

        if (size < SAMPLE_SETTINGS_SIZE) {
                *ret_size = SAMPLE_SETTINGS_SIZE;
                return -ENOBUFS;
        }
        memcpy(buf, &out, SAMPLE_SETTINGS_SIZE);
        *ret_size = SAMPLE_SETTINGS_SIZE;
        return 0;
}

static bool link_speed_valid(uint32_t v) {
        return v == SAMPLE_SPEED_10 || v == SAMPLE_SPEED_100 || v == SAMPLE_SPEED_1000;
}

static int settings_set(lwmi_instance *inst, lwmi_request *req, const void *data, size_t size,
                        void *userdata) {
        Settings *s = userdata;
        SAMPLE_SETTINGS in;

        if (size < SAMPLE_SETTINGS_SIZE)
                return -EINVAL;
        memcpy(&in, data, SAMPLE_SETTINGS_SIZE);
        if (!link_speed_valid(in.LinkSpeed))
                return -EINVAL;
        s->tx_power = in.TxPower;
        s->link_speed = in.LinkSpeed;
        s->power_save = in.PowerSave ? 1 : 0;
        s->irq_moderation = in.IrqModeration;
        logf_("settings of instance %" PRIu32 " set by uid %" PRIu32, lwmi_instance_get_id(inst),
              lwmi_request_get_caller(req)->uid);
        return 0;
}

static int settings_set_item(lwmi_instance *inst, lwmi_request *req, uint32_t item_id,
                             const void *data, size_t size, void *userdata) {
        Settings *s = userdata;

        switch (item_id) {
        case SAMPLE_SETTINGS_TxPower_ID:
                if (size < SAMPLE_SETTINGS_TxPower_SIZE)
                        return -EINVAL;
                memcpy(&s->tx_power, data, sizeof(s->tx_power));
                break;
        case SAMPLE_SETTINGS_LinkSpeed_ID: {
                uint32_t v;
                if (size < SAMPLE_SETTINGS_LinkSpeed_SIZE)
                        return -EINVAL;
                memcpy(&v, data, sizeof(v));
                if (!link_speed_valid(v))
                        return -EINVAL;
                s->link_speed = v;
                break;
        }
        case SAMPLE_SETTINGS_PowerSave_ID:
                if (size < SAMPLE_SETTINGS_PowerSave_SIZE)
                        return -EINVAL;
                s->power_save = *(const uint8_t *) data ? 1 : 0;
                break;
        case SAMPLE_SETTINGS_IrqModeration_ID:
                if (size < SAMPLE_SETTINGS_IrqModeration_SIZE)
                        return -EINVAL;
                memcpy(&s->irq_moderation, data, sizeof(s->irq_moderation));
                break;
        default:
                return -EROFS; /* STATUS_WMI_READ_ONLY, as the WDK samples answer */
        }
        logf_("item %" PRIu32 " of instance %" PRIu32 " set", item_id, lwmi_instance_get_id(inst));
        return 0;
}

/* ---- Sample_Control: write-only --------------------------------------- */

static int control_set(lwmi_instance *inst, lwmi_request *req, const void *data, size_t size,
                       void *userdata) {
        Driver *d = userdata;
        SAMPLE_CONTROL in;

        if (size < SAMPLE_CONTROL_SIZE)
                return -EINVAL;
        memcpy(&in, data, SAMPLE_CONTROL_SIZE);
        d->control_command = in.Command;
        d->control_argument = in.Argument;
        logf_("control command %" PRIu32 " argument %" PRIu64, in.Command, in.Argument);
        return 0;
}

/* ---- Sample_Event ------------------------------------------------------ */

static int fire_sample_event(Driver *d, uint32_t code, const char *message) {
        uint8_t buf[256];
        size_t off = FIELD_OFFSET(SAMPLE_EVENT, VariableData);
        SAMPLE_EVENT head = { .Code = code, .Sequence = ++d->event_sequence };

        if (off + counted_string_size(message) > sizeof(buf))
                return -E2BIG;
        memcpy(buf, &head, off);
        put_counted_string(buf + off, message);
        /* Firing when nobody listens is cheap and returns LWMI_EVENT_NOT_ENABLED. */
        return lwmi_instance_fire_event(d->event_instance, buf, off + counted_string_size(message));
}

static int event_control(lwmi_provider *p, uint32_t control, bool enable, void *userdata) {
        logf_("%s %s", control == LWMI_EVENT_CONTROL ? "events" : "event collection",
              enable ? "enabled" : "disabled");
        return 0;
}

/* ---- Sample_Methods ---------------------------------------------------- */

static int methods_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                         size_t *ret_size, void *userdata) {
        Driver *d = userdata;
        SAMPLE_METHODS out = { .CallCount = d->call_count };

        *ret_size = SAMPLE_METHODS_SIZE;
        if (size < SAMPLE_METHODS_SIZE)
                return -ENOBUFS;
        memcpy(buf, &out, SAMPLE_METHODS_SIZE);
        return 0;
}

static int methods_execute(lwmi_instance *inst, lwmi_request *req, uint32_t method_id,
                           const void *in, size_t in_size, void *out, size_t out_size,
                           size_t *ret_size, void *userdata) {
        Driver *d = userdata;

        switch (method_id) {
        case AddNumbers: {
                AddNumbers_IN a;
                AddNumbers_OUT r;

                if (in_size < AddNumbers_IN_SIZE)
                        return -EINVAL; /* STATUS_INVALID_PARAMETER_MIX in the samples */
                *ret_size = AddNumbers_OUT_SIZE;
                if (out_size < AddNumbers_OUT_SIZE)
                        return -ENOBUFS; /* checked before any side effect: WMI retries */
                memcpy(&a, in, AddNumbers_IN_SIZE);
                r.Sum = a.A + a.B;
                memcpy(out, &r, AddNumbers_OUT_SIZE);
                d->call_count++;
                return 0;
        }
        case EchoText: {
                size_t off = FIELD_OFFSET(EchoText_IN, VariableData);
                char text[256], result[4096];
                uint32_t repeat;
                size_t len = 0, need;

                if (in_size < off + 2)
                        return -EINVAL;
                memcpy(&repeat, in, sizeof(repeat));
                if (get_counted_string((const uint8_t *) in + off, in_size - off, text,
                                       sizeof(text)) < 0)
                        return -EINVAL;
                result[0] = 0;
                for (uint32_t i = 0; i < repeat && len + strlen(text) < sizeof(result); i++) {
                        memcpy(result + len, text, strlen(text) + 1);
                        len += strlen(text);
                }
                need = counted_string_size(result);
                *ret_size = need;
                if (out_size < need)
                        return -ENOBUFS; /* the broker retries with *ret_size */
                put_counted_string(out, result);
                d->call_count++;
                return 0;
        }
        case FireSampleEvent: {
                FireSampleEvent_IN a;
                int r;

                if (in_size < FireSampleEvent_IN_SIZE)
                        return -EINVAL;
                memcpy(&a, in, FireSampleEvent_IN_SIZE);
                *ret_size = 0;
                r = fire_sample_event(d, a.Code, "fired on demand");
                if (r < 0)
                        return r;
                d->call_count++;
                return 0;
        }
        default:
                return -EBADRQC; /* STATUS_WMI_ITEMID_NOT_FOUND */
        }
}

/* ---- Sample_Statistics: Expensive -------------------------------------- */

static int stats_control(lwmi_provider *p, uint32_t control, bool enable, void *userdata) {
        Driver *d = userdata;

        if (control != LWMI_INSTANCE_CONTROL)
                return 0;
        d->collecting = enable;
        if (enable)
                clock_gettime(CLOCK_MONOTONIC, &d->collect_start);
        logf_("statistics collection %s", enable ? "enabled" : "disabled");
        return 0;
}

static int stats_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        Driver *d = userdata;
        SAMPLE_STATISTICS out = { 0 };
        struct timespec now;

        *ret_size = SAMPLE_STATISTICS_SIZE;
        if (size < SAMPLE_STATISTICS_SIZE)
                return -ENOBUFS;
        if (d->collecting) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                d->rx_packets += 17;
                d->tx_packets += 11;
                out.CollectMs = (uint64_t) (now.tv_sec - d->collect_start.tv_sec) * 1000 +
                                (uint64_t) ((now.tv_nsec - d->collect_start.tv_nsec) / 1000000);
        }
        out.Rx.Packets = d->rx_packets;
        out.Tx.Packets = d->tx_packets;
        memcpy(buf, &out, SAMPLE_STATISTICS_SIZE);
        return 0;
}

/* ---- Sample_PortTable: variable length --------------------------------- */

typedef struct PortTable {
        const char *name;
        uint32_t n_ports;
        uint32_t speeds[8];
} PortTable;

static int ports_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        const PortTable *t = userdata;
        uint8_t *p = buf;
        size_t name_off = 4 + 4 * (size_t) t->n_ports; /* count, speeds; the string is 2-aligned */
        size_t need = name_off + counted_string_size(t->name);

        *ret_size = need;
        if (size < need)
                return -ENOBUFS;
        memcpy(p, &t->n_ports, 4);
        memcpy(p + 4, t->speeds, 4 * (size_t) t->n_ports);
        put_counted_string(p + name_off, t->name);
        return 0;
}

/* ---- setup -------------------------------------------------------------- */

static int add_instance(Driver *d, lwmi_instance_config *cfg, lwmi_instance **ret) {
        lwmi_error err = { 0 };
        int r;

        cfg->register_at_create = true;
        r = lwmi_instance_new(d->device, cfg, ret, &err);
        if (r < 0)
                logf_("cannot create an instance: %s", err.message[0] ? err.message : strerror(-r));
        return r;
}

static int add_provider(Driver *d, const lwmi_guid *guid, uint32_t flags,
                        lwmi_provider_function_control_fn fc, lwmi_provider **ret) {
        lwmi_provider_config pc;
        lwmi_error err = { 0 };
        int r;

        LWMI_PROVIDER_CONFIG_INIT(&pc, guid);
        pc.flags = flags;
        pc.function_control = fc;
        pc.userdata = d;
        r = lwmi_provider_new(d->device, &pc, ret, &err);
        if (r < 0)
                logf_("cannot create a provider: %s", err.message[0] ? err.message : strerror(-r));
        return r;
}

static PortTable port_tables[] = {
        { .name = "uplinks", .n_ports = 2, .speeds = { 1000, 1000 } },
        { .name = "hotplug bay", .n_ports = 3, .speeds = { 10, 100, 1000 } },
};

static int setup(Driver *d) {
        static const SAMPLE_DEVICE_INFO info = { .FirmwareVersion = 0x00020003,
                                                 .HardwareRevision = 7,
                                                 .PortCount = 2,
                                                 .Removable = 0,
                                                 .SerialNumber = 0x5A4D504C0001ULL };
        lwmi_provider *p;
        lwmi_instance_config ic;
        int r;

        /* Read-only, from the context: no callback at all (UseContextForQuery). */
        r = add_provider(d, &Sample_DeviceInfo_GUID, 0, NULL, &p);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
        ic.use_context_for_query = true;
        ic.context = &info;
        ic.context_size = SAMPLE_DEVICE_INFO_SIZE;
        if ((r = add_instance(d, &ic, NULL)) < 0)
                return r;

        /* Read-write, two instances. */
        r = add_provider(d, &Sample_Settings_GUID, 0, NULL, &p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < 2; i++) {
                d->settings[i] = (Settings){ .tx_power = 10 + (int32_t) i,
                                             .link_speed = SAMPLE_SPEED_1000,
                                             .irq_moderation = 50 };
                LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
                ic.query_instance = settings_query;
                ic.set_instance = settings_set;
                ic.set_item = settings_set_item;
                ic.userdata = &d->settings[i];
                if ((r = add_instance(d, &ic, NULL)) < 0)
                        return r;
        }

        /* Write-only: set callbacks, no query_instance. */
        r = add_provider(d, &Sample_Control_GUID, 0, NULL, &p);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
        ic.set_instance = control_set;
        ic.userdata = d;
        if ((r = add_instance(d, &ic, NULL)) < 0)
                return r;

        /* Methods. */
        r = add_provider(d, &Sample_Methods_GUID, 0, NULL, &p);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
        ic.query_instance = methods_query;
        ic.execute_method = methods_execute;
        ic.userdata = d;
        if ((r = add_instance(d, &ic, NULL)) < 0)
                return r;

        /* Expensive statistics: collection control through the callback. */
        r = add_provider(d, &Sample_Statistics_GUID, LWMI_PROVIDER_EXPENSIVE, stats_control, &p);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, p);
        ic.query_instance = stats_query;
        ic.userdata = d;
        if ((r = add_instance(d, &ic, NULL)) < 0)
                return r;

        /* Variable-length tables; the second one is hot-plugged. */
        r = add_provider(d, &Sample_PortTable_GUID, 0, NULL, &d->port_provider);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, d->port_provider);
        ic.query_instance = ports_query;
        ic.userdata = &port_tables[0];
        if ((r = add_instance(d, &ic, NULL)) < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, d->port_provider);
        ic.query_instance = ports_query;
        ic.userdata = &port_tables[1];
        ic.name = "hotplug";
        ic.register_at_create = false;
        r = lwmi_instance_new(d->device, &ic, &d->hotplug, NULL);
        if (r < 0)
                return r;

        /* Events: event-only, expensive so that it gets the function-control callback. */
        r = add_provider(d, &Sample_Event_GUID, LWMI_PROVIDER_EVENT_ONLY | LWMI_PROVIDER_EXPENSIVE,
                         event_control, &d->event_provider);
        if (r < 0)
                return r;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, d->event_provider);
        return add_instance(d, &ic, &d->event_instance);
}

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        if (getdelim(&buf, &n, '\0', f) < 0) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

static void help(void) {
        printf("Usage: sampledrv [OPTIONS]\n"
               "The lwmi sample driver.\n\n"
               "  --socket PATH           wmid's socket (default: $LWMI_SOCKET, then wmid's default)\n"
               "  --name NAME             device name, the base of instance names (sampledrv)\n"
               "  --mof FILE              the driver's MOF (default: the one built in)\n"
               "  --event-interval MS     fire Sample_Event every MS milliseconds (0: never)\n"
               "  --hotplug-interval MS   add/remove the 'hotplug' port table every MS ms (0: never)\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "name", required_argument, NULL, 'n' },
                { "mof", required_argument, NULL, 'm' },
                { "event-interval", required_argument, NULL, 'e' },
                { "hotplug-interval", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        Driver d = { .name = "sampledrv" };
        const char *socket_path = NULL, *mof_path = NULL;
        unsigned long event_ms = 0, hotplug_ms = 0, tick_ms;
        lwmi_device_config dc;
        lwmi_error err = { 0 };
        char *mof = NULL;
        int c, r, tfd = -1, sfd = -1;
        uint64_t ticks = 0;
        sigset_t mask;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 's':
                        socket_path = optarg;
                        break;
                case 'n':
                        d.name = optarg;
                        break;
                case 'm':
                        mof_path = optarg;
                        break;
                case 'e':
                        event_ms = strtoul(optarg, NULL, 10);
                        break;
                case 'p':
                        hotplug_ms = strtoul(optarg, NULL, 10);
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        }

        mof = mof_path ? read_file(mof_path) : strdup((const char *) sampledrv_mof);
        if (!mof) {
                logf_("cannot read %s: %m", mof_path);
                return 1;
        }
        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = socket_path;
        r = lwmi_device_new(d.name, mof, &dc, &d.device, &err);
        free(mof);
        if (r < 0) {
                logf_("cannot register with wmid: %s (%s, 0x%08" PRIx32 ")",
                      err.message[0] ? err.message : strerror(-r),
                      err.status ? lwmi_status_name(err.status) : "no status", err.status);
                return 1;
        }
        r = setup(&d);
        if (r < 0)
                goto out;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        tick_ms = event_ms && hotplug_ms ? (event_ms < hotplug_ms ? event_ms : hotplug_ms)
                                         : (event_ms ? event_ms : hotplug_ms);
        if (tick_ms) {
                struct itimerspec its = {
                        .it_interval = { (time_t) (tick_ms / 1000),
                                         (long) (tick_ms % 1000) * 1000000L },
                };
                its.it_value = its.it_interval;
                tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (tfd >= 0)
                        timerfd_settime(tfd, 0, &its, NULL);
        }
        logf_("registered as '%s'; serving", d.name);

        for (;;) {
                struct pollfd fds[3] = {
                        { .fd = lwmi_device_get_fd(d.device),
                          .events = (short) lwmi_device_get_events(d.device) },
                        { .fd = sfd, .events = POLLIN },
                        { .fd = tfd, .events = POLLIN },
                };

                if (poll(fds, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (fds[1].revents) {
                        logf_("stopping");
                        r = 0;
                        break;
                }
                if (fds[2].revents) {
                        uint64_t n = 0;
                        if (read(tfd, &n, sizeof(n)) == sizeof(n)) {
                                for (uint64_t i = 0; i < n; i++) {
                                        ticks++;
                                        if (event_ms && (ticks * tick_ms) % event_ms == 0)
                                                fire_sample_event(&d, 1, "periodic");
                                        if (hotplug_ms && (ticks * tick_ms) % hotplug_ms == 0) {
                                                if (lwmi_instance_is_registered(d.hotplug)) {
                                                        lwmi_instance_deregister(d.hotplug);
                                                        logf_("hotplug port table removed");
                                                } else {
                                                        lwmi_instance_register(d.hotplug);
                                                        logf_("hotplug port table added");
                                                }
                                        }
                                }
                        }
                }
                r = lwmi_device_process(d.device);
                if (r < 0) {
                        logf_("connection to wmid lost: %s", strerror(-r));
                        break;
                }
        }
out:
        if (tfd >= 0)
                close(tfd);
        if (sfd >= 0)
                close(sfd);
        lwmi_instance_unref(d.hotplug);
        lwmi_instance_unref(d.event_instance);
        lwmi_device_unref(d.device);
        return r < 0 ? 1 : 0;
}
