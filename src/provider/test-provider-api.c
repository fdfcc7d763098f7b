/* SPDX-License-Identifier: MIT */
/*
 * libwmiprov API tests: the argument checks of spec/kmdf-wmi.md items 1-19 and
 * the request dispatch of items 35-59, against a fake broker on a socketpair.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/provider.h>

#include "shared/macro.h"
#include "shared/test.h"
#include "wire/wire.h"

#if defined(__SANITIZE_THREAD__)
# define TEST_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define TEST_TSAN 1
# endif
#endif

static const lwmi_guid GUID_A = {
        0xa1c15015, 0xb069, 0x11d1, { 0x92, 0x90, 0, 0xa0, 0xc9, 6, 0x29, 0x10 }
};
static const lwmi_guid GUID_B = { 0x12345678, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 } };
static const lwmi_guid GUID_C = { 0xdeadbeef, 0x1, 0x2, { 9, 9, 9, 9, 9, 9, 9, 9 } };

/* The broker end of a socketpair. */
typedef struct Fake {
        int fd;
        WireReader in;
        lwmi_device *dev;
        uint32_t next_id;
        uint64_t drops_reported; /* sum of the EVENTS_DROPPED counts seen (GUID_A) */
} Fake;

static void fake_send(Fake *f, uint16_t type, uint32_t id, ...) {
        WireMsg m;
        WireWriter w = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT);
        va_list ap;

        va_start(ap, id);
        ASSERT_OK(wire_msg_buildv(&m, type, id, ap));
        va_end(ap);
        ASSERT_OK(wire_writer_append(&w, &m));
        while (wire_writer_pending(&w) > 0) {
                ssize_t n = write(f->fd, wire_writer_data(&w), wire_writer_pending(&w));
                ASSERT_TRUE(n > 0);
                wire_writer_advance(&w, (size_t) n);
        }
        wire_writer_deinit(&w);
}

/* Whether a frame is waiting (buffered or on the socket) within @ms. */
static bool fake_ready(Fake *f, int ms) {
        struct pollfd p = { .fd = f->fd, .events = POLLIN };

        /* buffered bytes are the start of a frame still being received */
        if (wire_reader_buffered(&f->in) > 0)
                return true;
        return poll(&p, 1, ms) > 0;
}

static void fake_recv(Fake *f, uint16_t type, WireMsg *m) {
        WireFrame fr;
        int r;
again:
        for (;;) {
                void *p;
                size_t avail;
                ssize_t n;

                r = wire_reader_next(&f->in, &fr);
                ASSERT_OK(r);
                if (r > 0)
                        break;
                if (!fake_ready(f, 2000))
                        TEST_FAIL("no frame from the provider (expected %s)",
                                  wire_msg_type_to_string(type));
                ASSERT_OK(wire_reader_reserve(&f->in, 4096, &p, &avail));
                n = read(f->fd, p, avail);
                ASSERT_TRUE(n > 0);
                wire_reader_commit(&f->in, (size_t) n);
        }
        if (fr.type == WIRE_MSG_EVENTS_DROPPED && type == WIRE_MSG_FIRE_EVENTS) {
                /* a drop report between event frames: counted, then the next frame */
                lwmi_guid g;
                uint64_t n;

                ASSERT_OK(wire_msg_decode_frame(&fr, m));
                ASSERT_OK(wire_msg_read(m, &g, &n));
                ASSERT_TRUE(lwmi_guid_equal(&g, &GUID_A));
                ASSERT_CMP(n, >, 0);
                f->drops_reported += n;
                goto again;
        }
        if (fr.type != type)
                TEST_FAIL("got %s, expected %s", wire_msg_type_to_string(fr.type),
                          wire_msg_type_to_string(type));
        ASSERT_OK(wire_msg_decode_frame(&fr, m));
}

/* Nothing more was sent by the provider, but drop reports (counted in f->drops_reported). */
static void fake_expect_silence(Fake *f) {
        while (wire_reader_buffered(&f->in) > 0 || fake_ready(f, 0)) {
                WireMsg m;
                lwmi_guid g;
                uint64_t n;

                fake_recv(f, WIRE_MSG_EVENTS_DROPPED, &m);
                ASSERT_OK(wire_msg_read(&m, &g, &n));
                ASSERT_TRUE(lwmi_guid_equal(&g, &GUID_A));
                f->drops_reported += n;
        }
}

static void fake_start_cfg(Fake *f, const char *mof, uint32_t queue_len, uint32_t size_max) {
        int sv[2];
        WireMsg m;
        lwmi_device_config cfg;
        lwmi_error err;
        uint32_t magic, max_frame;
        uint16_t vmin, vmax;
        uint8_t role;
        const char *name, *text;

        memset(f, 0, sizeof(*f));
        f->in = (WireReader) WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT);
        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        f->fd = sv[0];
        /* the answers are queued before the device even says hello */
        fake_send(f, WIRE_MSG_HELLO_REPLY, 0, 1u, (unsigned) WIRE_FRAME_MAX_DEFAULT, 0u, "fake");
        fake_send(f, WIRE_MSG_STATUS, 1, 0u, "");

        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.fd = sv[1];
        cfg.event_queue_len = queue_len;
        cfg.event_size_max = size_max;
        ASSERT_OK(lwmi_device_new("dev0", mof, &cfg, &f->dev, &err));
        ASSERT_TRUE(lwmi_device_get_fd(f->dev) >= 0);
        ASSERT_EQ(strcmp(lwmi_device_get_name(f->dev), "dev0"), 0);

        fake_recv(f, WIRE_MSG_HELLO, &m);
        ASSERT_OK(wire_msg_read(&m, &magic, &vmin, &vmax, &role, &max_frame, &name));
        ASSERT_EQ(magic, WIRE_MAGIC);
        ASSERT_EQ(role, WIRE_ROLE_PROVIDER);
        ASSERT_EQ(strcmp(name, "dev0"), 0);
        fake_recv(f, WIRE_MSG_DEVICE_REGISTER, &m);
        ASSERT_OK(wire_msg_read(&m, &name, &text));
        ASSERT_EQ(strcmp(name, "dev0"), 0);
        ASSERT_EQ(strcmp(text, mof ? mof : ""), 0);
}

static void fake_start(Fake *f, const char *mof) {
        fake_start_cfg(f, mof, 0, 0);
}

/*
 * Receives one FIRE_EVENTS frame and checks its events against GUID_A; with
 * @data, copies each payload (up to @stride bytes) there. Returns the count.
 */
static size_t fake_recv_events(Fake *f, void *data, size_t stride) {
        WireMsg m;
        WireList l;
        lwmi_guid g;
        uint32_t id;
        const void *d;
        size_t size, n = 0;
        int r;

        fake_recv(f, WIRE_MSG_FIRE_EVENTS, &m);
        ASSERT_OK(wire_msg_read(&m, &l));
        while ((r = wire_list_next_event(&l, &g, &id, &d, &size)) > 0) {
                ASSERT_TRUE(lwmi_guid_equal(&g, &GUID_A));
                if (data) {
                        ASSERT_CMP(size, <=, stride);
                        memcpy((uint8_t *) data + n * stride, d, size);
                }
                n++;
        }
        ASSERT_OK(r);
        return n;
}

/*
 * Fires @size-byte events while the fake broker does not read, letting the
 * device send them (directly, or from its queue in lwmi_device_process():
 * a burst queues), until the socket takes only part of a frame, whose rest
 * then waits in the device (POLLOUT); events fired after that are queued.
 * Returns how many were fired (all sent, none dropped).
 */
static size_t fake_fill(Fake *f, lwmi_instance *i, const void *ev, size_t size) {
        lwmi_event_stats a, b;
        size_t n = 0;

        ASSERT_OK(lwmi_device_get_event_stats(f->dev, &a));
        while (!(lwmi_device_get_events(f->dev) & POLLOUT)) {
                ASSERT_EQ(lwmi_instance_fire_event(i, ev, size), 0);
                n++;
                ASSERT_CMP(lwmi_device_process(f->dev), >=, 0);
                ASSERT_CMP(n, <, 100000);
        }
        ASSERT_OK(lwmi_device_get_event_stats(f->dev, &b));
        ASSERT_EQ(b.queued - a.queued, n);
        ASSERT_EQ(b.sent - a.sent, n);
        ASSERT_EQ(b.dropped - a.dropped, 0);
        ASSERT_CMP(b.frames - a.frames, >=, 1);
        return n;
}

/*
 * Events within 20 us of a direct one queue (a burst); a test that wants the
 * next event sent directly waits a little longer.
 */
static void past_burst_gap(void) {
        nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
}

static void fake_stop(Fake *f) {
        f->dev = lwmi_device_unref(f->dev);
        wire_reader_deinit(&f->in);
        close(f->fd);
}

/* Sends a request, lets the device process it and returns its REPLY. */
typedef struct Reply {
        uint32_t status;
        uint32_t needed;
        uint8_t data[256];
        size_t size;
} Reply;

static void fake_get_reply(Fake *f, uint32_t id, Reply *ret) {
        WireMsg m;
        const void *data;
        size_t size;

        fake_recv(f, WIRE_MSG_REPLY, &m);
        ASSERT_EQ(m.request_id, id);
        ASSERT_OK(wire_msg_read(&m, &ret->status, &ret->needed, &data, &size));
        ASSERT_TRUE(size <= sizeof(ret->data));
        if (size)
                memcpy(ret->data, data, size);
        ret->size = size;
}

static void fake_query(Fake *f, const lwmi_guid *g, uint32_t inst, uint32_t bufsize, Reply *ret) {
        uint32_t id = ++f->next_id;

        fake_send(f, WIRE_MSG_QUERY_INSTANCE, id, g, inst, bufsize, 1000u, 100u, 4242u);
        ASSERT_CMP(lwmi_device_process(f->dev), >, 0);
        fake_get_reply(f, id, ret);
}

static void fake_set(Fake *f, const lwmi_guid *g, uint32_t inst, const void *d, size_t n,
                     Reply *ret) {
        uint32_t id = ++f->next_id;

        fake_send(f, WIRE_MSG_SET_INSTANCE, id, g, inst, d, n, 1000u, 100u, 4242u);
        ASSERT_CMP(lwmi_device_process(f->dev), >, 0);
        fake_get_reply(f, id, ret);
}

static void fake_set_item(Fake *f, const lwmi_guid *g, uint32_t inst, uint32_t item, const void *d,
                          size_t n, Reply *ret) {
        uint32_t id = ++f->next_id;

        fake_send(f, WIRE_MSG_SET_ITEM, id, g, inst, item, d, n, 1000u, 100u, 4242u);
        ASSERT_CMP(lwmi_device_process(f->dev), >, 0);
        fake_get_reply(f, id, ret);
}

static void fake_method(Fake *f, const lwmi_guid *g, uint32_t inst, uint32_t method, const void *d,
                        size_t n, uint32_t out, Reply *ret) {
        uint32_t id = ++f->next_id;

        fake_send(f, WIRE_MSG_EXECUTE_METHOD, id, g, inst, method, d, n, out, 1000u, 100u, 4242u);
        ASSERT_CMP(lwmi_device_process(f->dev), >, 0);
        fake_get_reply(f, id, ret);
}

static void fake_control(Fake *f, const lwmi_guid *g, uint32_t control, bool enable, Reply *ret) {
        uint32_t id = ++f->next_id;

        fake_send(f, WIRE_MSG_FUNCTION_CONTROL, id, g, control, (unsigned) enable, (uint64_t) 0);
        ASSERT_CMP(lwmi_device_process(f->dev), >, 0);
        fake_get_reply(f, id, ret);
}

static void expect_provider_register(Fake *f, const lwmi_guid *g, uint32_t flags, uint32_t min) {
        WireMsg m;
        lwmi_guid got;
        uint32_t fl, mn;

        fake_recv(f, WIRE_MSG_PROVIDER_REGISTER, &m);
        ASSERT_OK(wire_msg_read(&m, &got, &fl, &mn));
        ASSERT_TRUE(lwmi_guid_equal(&got, g));
        ASSERT_EQ(fl, flags);
        ASSERT_EQ(mn, min);
}

static uint32_t expect_instance_register(Fake *f, const lwmi_guid *g, const char *name) {
        WireMsg m;
        lwmi_guid got;
        uint32_t id;
        const char *n;

        fake_recv(f, WIRE_MSG_INSTANCE_REGISTER, &m);
        ASSERT_OK(wire_msg_read(&m, &got, &id, &n));
        ASSERT_TRUE(lwmi_guid_equal(&got, g));
        ASSERT_EQ(strcmp(n, name), 0);
        return id;
}

static bool starts_with(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int fc_ok(lwmi_provider *p, uint32_t control, bool enable, void *userdata) {
        int *calls = userdata;

        if (calls)
                (*calls)++;
        return 0;
}

static int fc_fail(lwmi_provider *p, uint32_t control, bool enable, void *userdata) {
        return -EIO;
}

/* ---- spec items 1-8: providers ---- */

TEST(provider_config_checks) {
        Fake f;
        lwmi_provider_config c;
        lwmi_provider *p = NULL;
        lwmi_error err;

        fake_start(&f, "class X {};");

        /* item 1, in order: size first (even with bad flags) */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        c.size--;
        c.flags = 0x8;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INFO_LENGTH_MISMATCH"));
        ASSERT_EQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);

        /* flag bits outside 0x7 (checked before the GUID) */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        memset(&c.guid, 0, sizeof(c.guid));
        c.flags = 0x8;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INVALID_PARAMETER"));
        ASSERT_TRUE(strstr(err.message, "flags") != NULL);

        /* Tracing with any other flag */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        c.flags = LWMI_PROVIDER_TRACING | LWMI_PROVIDER_EXPENSIVE;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "Tracing") != NULL);
        c.flags = LWMI_PROVIDER_TRACING | LWMI_PROVIDER_EVENT_ONLY;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, NULL), EINVAL);

        /* function control without Expensive or Tracing; item 3: EventOnly alone too */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        c.function_control = fc_ok;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "function control") != NULL);
        c.flags = LWMI_PROVIDER_EVENT_ONLY;
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);

        /* all-zero GUID */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        memset(&c.guid, 0, sizeof(c.guid));
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "GUID") != NULL);
        fake_expect_silence(&f);

        /* item 2: Expensive without a callback is legal */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        c.flags = LWMI_PROVIDER_EXPENSIVE;
        c.min_instance_buffer_size = 12;
        ASSERT_OK(lwmi_provider_new(f.dev, &c, &p, &err));
        ASSERT_TRUE(lwmi_provider_get_device(p) == f.dev);
        ASSERT_TRUE(lwmi_guid_equal(lwmi_provider_get_guid(p), &GUID_A));
        ASSERT_FALSE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL));
        ASSERT_FALSE(lwmi_provider_is_enabled(p, LWMI_INSTANCE_CONTROL));
        ASSERT_FALSE(lwmi_provider_is_enabled(p, 7)); /* item 8 */
        expect_provider_register(&f, &GUID_A, LWMI_PROVIDER_EXPENSIVE, 12);

        /* item 3: EventOnly + Expensive may have the callback; Tracing too */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_B);
        c.flags = LWMI_PROVIDER_EVENT_ONLY | LWMI_PROVIDER_EXPENSIVE;
        c.function_control = fc_ok;
        ASSERT_OK(lwmi_provider_new(f.dev, &c, NULL, NULL));
        expect_provider_register(&f, &GUID_B, c.flags, 0);
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_C);
        c.flags = LWMI_PROVIDER_TRACING;
        c.function_control = fc_ok;
        ASSERT_OK(lwmi_provider_new(f.dev, &c, NULL, NULL));
        expect_provider_register(&f, &GUID_C, LWMI_PROVIDER_TRACING, 0);

        /* item 5 / section 5: a duplicate GUID is an error, not a detached provider */
        LWMI_PROVIDER_CONFIG_INIT(&c, &GUID_A);
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &c, &p, &err), EEXIST);
        ASSERT_TRUE(starts_with(err.message, "STATUS_OBJECT_NAME_EXISTS"));
        fake_expect_silence(&f);

        fake_stop(&f);
}

/* ---- items 9-19: instances ---- */

static int q_fixed(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                   void *userdata);
static int set_ok(lwmi_instance *i, lwmi_request *q, const void *d, size_t n, void *userdata);
static int item_ok(lwmi_instance *i, lwmi_request *q, uint32_t item, const void *d, size_t n,
                   void *userdata);
static int method_echo(lwmi_instance *i, lwmi_request *q, uint32_t method, const void *in,
                       size_t in_size, void *out, size_t out_size, size_t *ret_size,
                       void *userdata);

TEST(instance_config_checks) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_instance_config c;
        lwmi_provider *p, *ev, *tr;
        lwmi_instance *i = NULL;
        lwmi_error err;
        uint8_t ctx[4] = { 1, 2, 3, 4 };

        fake_start(&f, NULL);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        pc.min_instance_buffer_size = 4;
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        expect_provider_register(&f, &GUID_A, 0, 4);

        /* item 9: size, then exactly one of provider / provider config */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
        c.size++;
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EINVAL);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INFO_LENGTH_MISMATCH"));
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, NULL);
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EINVAL);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INVALID_PARAMETER"));
        c.provider = p;
        c.provider_config = &pc;
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EINVAL);

        /* item 10: the provider config gets the provider checks */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
        pc.flags = 0x10;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, &pc);
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "flags") != NULL);
        pc.flags = 0;
        pc.size = 3;
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EINVAL);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INFO_LENGTH_MISMATCH"));
        fake_expect_silence(&f);

        /* item 11: EventOnly: no UseContextForQuery, no callback */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
        pc.flags = LWMI_PROVIDER_EVENT_ONLY;
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &ev, NULL));
        expect_provider_register(&f, &GUID_B, LWMI_PROVIDER_EVENT_ONLY, 0);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        c.query_instance = q_fixed;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "EventOnly") != NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        c.set_instance = set_ok;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        c.set_item = item_ok;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        c.execute_method = method_echo;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        c.use_context_for_query = true;
        c.context = ctx;
        c.context_size = sizeof(ctx);
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, ev);
        ASSERT_OK(lwmi_instance_new(NULL, &c, &i, &err)); /* the device argument is not used */
        ASSERT_TRUE(lwmi_instance_get_provider(i) == ev);
        ASSERT_TRUE(lwmi_instance_get_device(i) == f.dev);
        i = lwmi_instance_unref(i);

        /* item 12: UseContextForQuery */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
        c.use_context_for_query = true;
        c.context = ctx;
        c.context_size = sizeof(ctx);
        c.set_instance = set_ok;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        c.set_instance = NULL;
        c.set_item = item_ok;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        c.set_item = NULL;
        c.context_size = 0;
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EINVAL);
        ASSERT_TRUE(strstr(err.message, "context") != NULL);
        if (SIZE_MAX > UINT32_MAX) {
                c.context = NULL;
                c.context_size = (size_t) UINT32_MAX + 1;
                ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), EOVERFLOW);
                ASSERT_TRUE(starts_with(err.message, "STATUS_INTEGER_OVERFLOW"));
                c.context = ctx;
        }
        c.context_size = 3; /* below MinInstanceBufferSize 4 */
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &i, &err), ENOBUFS);
        ASSERT_TRUE(starts_with(err.message, "STATUS_BUFFER_TOO_SMALL"));
        c.context_size = sizeof(ctx);
        c.execute_method = method_echo; /* allowed */
        c.query_instance = q_fixed;     /* ignored */
        ASSERT_OK(lwmi_instance_new(NULL, &c, &i, &err));
        i = lwmi_instance_unref(i);
        fake_expect_silence(&f);

        /* item 16: a Tracing provider's instances cannot be registered */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_C);
        pc.flags = LWMI_PROVIDER_TRACING;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, &pc);
        c.register_at_create = true;
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EOPNOTSUPP);
        ASSERT_TRUE(starts_with(err.message, "STATUS_INVALID_DEVICE_REQUEST"));
        fake_expect_silence(&f); /* item 10: the implicit provider was not kept */
        c.register_at_create = false;
        ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, &err));
        expect_provider_register(&f, &GUID_C, LWMI_PROVIDER_TRACING, 0);
        tr = lwmi_instance_get_provider(i);
        ASSERT_TRUE(lwmi_guid_equal(lwmi_provider_get_guid(tr), &GUID_C));
        ASSERT_ERRNO(lwmi_instance_register(i), EOPNOTSUPP);
        i = lwmi_instance_unref(i);

        /* a provider config whose GUID is taken fails (section 5) */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, &pc);
        ASSERT_ERRNO(lwmi_instance_new(f.dev, &c, &i, &err), EEXIST);
        fake_expect_silence(&f);

        fake_stop(&f);
}

TEST(register_deregister) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_instance_config c;
        lwmi_instance *i, *j;
        WireMsg m;
        lwmi_guid g;
        uint32_t id, id2;
        size_t n;
        uint8_t ctx[3] = { 7, 8, 9 };
        int ud;

        fake_start(&f, NULL);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, &pc);
        c.register_at_create = true;
        c.context = ctx;
        c.context_size = sizeof(ctx);
        c.userdata = &ud;
        ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        expect_provider_register(&f, &GUID_A, 0, 0);
        id = expect_instance_register(&f, &GUID_A, "");
        ASSERT_EQ(id, lwmi_instance_get_id(i));
        ASSERT_TRUE(lwmi_instance_is_registered(i));
        ASSERT_TRUE(lwmi_instance_get_userdata(i) == &ud);
        ASSERT_EQ(memcmp(lwmi_instance_get_context(i, &n), ctx, sizeof(ctx)), 0);
        ASSERT_EQ(n, sizeof(ctx));

        /* item 15 */
        ASSERT_ERRNO(lwmi_instance_register(i), EALREADY);
        fake_expect_silence(&f);

        /* item 19: deregister is idempotent */
        ASSERT_OK(lwmi_instance_deregister(i));
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &m);
        ASSERT_OK(wire_msg_read(&m, &g, &id2));
        ASSERT_TRUE(lwmi_guid_equal(&g, &GUID_A));
        ASSERT_EQ(id2, id);
        ASSERT_OK(lwmi_instance_deregister(i));
        fake_expect_silence(&f);
        ASSERT_FALSE(lwmi_instance_is_registered(i));

        /* register again later, at any time */
        ASSERT_OK(lwmi_instance_register(i));
        ASSERT_EQ(expect_instance_register(&f, &GUID_A, ""), id);

        /* a second instance, created unregistered, static name */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, lwmi_instance_get_provider(i));
        c.name = "Static0";
        ASSERT_OK(lwmi_instance_new(NULL, &c, &j, NULL));
        ASSERT_FALSE(lwmi_instance_is_registered(j));
        ASSERT_TRUE(lwmi_instance_get_context(j, &n) == NULL);
        ASSERT_EQ(n, 0);
        ASSERT_OK(lwmi_instance_register(j));
        id2 = expect_instance_register(&f, &GUID_A, "Static0");
        ASSERT_NE(id2, id);

        /* dropping the last reference deregisters (WdfObjectDelete) */
        j = lwmi_instance_unref(j);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &m);
        i = lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &m);

        /* an instance left to the device (no reference for the caller) */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, &pc);
        c.register_at_create = true;
        ASSERT_OK(lwmi_instance_new(f.dev, &c, NULL, NULL));
        expect_provider_register(&f, &GUID_B, 0, 0);
        expect_instance_register(&f, &GUID_B, "");
        fake_stop(&f);
}

/* items 27-28: "<device>_<index>", positional; static names */
TEST(instance_names) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_instance_config c;
        lwmi_provider *p;
        lwmi_instance *i[3], *s;
        char *name;

        fake_start(&f, NULL);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        for (int k = 0; k < 3; k++) {
                LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(NULL, &c, &i[k], NULL));
                ASSERT_EQ(lwmi_instance_get_index(i[k]), k);
        }
        ASSERT_OK(lwmi_instance_get_name(i[2], &name));
        ASSERT_EQ(strcmp(name, "dev0_2"), 0);
        free(name);
        ASSERT_OK(lwmi_instance_deregister(i[1]));
        ASSERT_ERRNO(lwmi_instance_get_index(i[1]), ENOENT);
        ASSERT_ERRNO(lwmi_instance_get_name(i[1], &name), ENOENT);
        ASSERT_OK(lwmi_instance_get_name(i[2], &name));
        ASSERT_EQ(strcmp(name, "dev0_1"), 0); /* item 28: later instances shift down */
        free(name);

        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
        c.name = "";
        ASSERT_ERRNO(lwmi_instance_new(NULL, &c, &s, NULL), EINVAL);
        c.name = "MyDevice";
        ASSERT_OK(lwmi_instance_new(NULL, &c, &s, NULL));
        ASSERT_OK(lwmi_instance_get_name(s, &name));
        ASSERT_EQ(strcmp(name, "MyDevice"), 0);
        free(name);

        s = lwmi_instance_unref(s);
        for (int k = 0; k < 3; k++)
                lwmi_instance_unref(i[k]);
        fake_stop(&f);
}

/* ---- dispatch ---- */

static unsigned n_calls;
static lwmi_caller last_caller;
static lwmi_request *saved_request;
static int q_result;
static size_t q_size;

static int q_fixed(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                   void *userdata) {
        static const char data[] = "hello";

        n_calls++;
        last_caller = *lwmi_request_get_caller(q);
        if (q_result != 0) {
                *ret_size = q_size;
                return q_result;
        }
        if (size < sizeof(data)) {
                *ret_size = sizeof(data);
                return -ENOBUFS;
        }
        memcpy(buf, data, sizeof(data));
        *ret_size = sizeof(data);
        return 0;
}

static int q_defer(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                   void *userdata) {
        n_calls++;
        saved_request = q;
        if (size >= 2)
                memcpy(buf, "ok", 2);
        return -EINPROGRESS;
}

static int q_unref_self(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                        void *userdata) {
        lwmi_instance **owner = userdata;

        *owner = lwmi_instance_unref(*owner); /* drops the caller's reference */
        memcpy(buf, "x", 1);
        *ret_size = 1;
        return 0;
}

static uint8_t set_seen[64];
static size_t set_seen_size;
static uint32_t set_seen_item;
static int set_result;

static int set_ok(lwmi_instance *i, lwmi_request *q, const void *d, size_t n, void *userdata) {
        n_calls++;
        ASSERT_TRUE(n == 0 ? d == NULL : d != NULL);
        memcpy(set_seen, d ? d : "", MIN(n, sizeof(set_seen)));
        set_seen_size = n;
        return set_result;
}

static int item_ok(lwmi_instance *i, lwmi_request *q, uint32_t item, const void *d, size_t n,
                   void *userdata) {
        n_calls++;
        set_seen_item = item;
        memcpy(set_seen, d ? d : "", MIN(n, sizeof(set_seen)));
        set_seen_size = n;
        return set_result;
}

static int method_echo(lwmi_instance *i, lwmi_request *q, uint32_t method, const void *in,
                       size_t in_size, void *out, size_t out_size, size_t *ret_size,
                       void *userdata) {
        n_calls++;
        if (method != 1)
                return -EBADRQC; /* STATUS_WMI_ITEMID_NOT_FOUND */
        *ret_size = in_size + 1;
        if (out_size < in_size + 1)
                return -ENOBUFS;
        ((uint8_t *) out)[0] = (uint8_t) in_size;
        memcpy((uint8_t *) out + 1, in, in_size);
        return 0;
}

/* A device with one provider (GUID_A, min size @min) and one registered instance. */
static lwmi_instance *setup_instance(Fake *f, uint32_t min, lwmi_instance_config *c) {
        lwmi_provider_config pc;
        lwmi_instance *i;

        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        pc.min_instance_buffer_size = min;
        c->provider_config = &pc;
        c->register_at_create = true;
        ASSERT_OK(lwmi_instance_new(f->dev, c, &i, NULL));
        expect_provider_register(f, &GUID_A, 0, min);
        expect_instance_register(f, &GUID_A, c->name ? c->name : "");
        n_calls = 0;
        q_result = 0;
        set_result = 0;
        return i;
}

TEST(dispatch_query) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        i = setup_instance(&f, 0, &c);
        id = lwmi_instance_get_id(i);

        fake_query(&f, &GUID_A, id, 100, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 6);
        ASSERT_EQ(memcmp(r.data, "hello", 6), 0);
        ASSERT_EQ(n_calls, 1);
        ASSERT_EQ(last_caller.uid, 1000);
        ASSERT_EQ(last_caller.gid, 100);
        ASSERT_EQ(last_caller.pid, 4242);

        /* item 37: the callback says too small: the size it needs */
        fake_query(&f, &GUID_A, id, 3, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(r.needed, 6);
        ASSERT_EQ(r.size, 0);

        /* item 39: 0 bytes available: 1-byte scratch, success with data -> too small */
        fake_query(&f, &GUID_A, id, 0, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(r.needed, 6);

        /* unknown GUID (31) and instance (28) */
        fake_query(&f, &GUID_B, id, 100, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        fake_query(&f, &GUID_A, id + 77, 100, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_FOUND);

        /* a callback error is carried as a WBEM status */
        q_result = -EACCES;
        fake_query(&f, &GUID_A, id, 100, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_ACCESS_DENIED);
        q_result = 0;

        /* not registered: unknown to the broker */
        ASSERT_OK(lwmi_instance_deregister(i));
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});
        fake_query(&f, &GUID_A, id, 100, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_FOUND);

        ASSERT_EQ(lwmi_device_process(f.dev), 0); /* nothing to do */
        lwmi_instance_unref(i);
        fake_stop(&f);
}

static int q_lie(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                 void *userdata) {
        *ret_size = size + 10;
        return 0;
}

TEST(dispatch_query_limits) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        i = setup_instance(&f, 8, &c);
        id = lwmi_instance_get_id(i);

        /* item 36: below MinInstanceBufferSize: no callback, the minimum is needed */
        fake_query(&f, &GUID_A, id, 7, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(r.needed, 8);
        ASSERT_EQ(n_calls, 0);
        fake_query(&f, &GUID_A, id, 8, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(n_calls, 1);
        lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        /* item 40: success with more bytes than the buffer */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_lie;
        c.name = "liar";
        {
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
                c.provider_config = &pc;
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        }
        expect_provider_register(&f, &GUID_B, 0, 0);
        id = expect_instance_register(&f, &GUID_B, "liar");
        fake_query(&f, &GUID_B, id, 16, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_PROVIDER_FAILURE);
        ASSERT_EQ(r.size, 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

TEST(dispatch_context_for_query) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id, ctx = 0x11223344;
        uint32_t *area;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.use_context_for_query = true;
        c.context = &ctx;
        c.context_size = sizeof(ctx);
        c.query_instance = q_fixed; /* ignored (item 12) */
        i = setup_instance(&f, 4, &c);
        id = lwmi_instance_get_id(i);

        fake_query(&f, &GUID_A, id, 64, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 4);
        ASSERT_EQ(memcmp(r.data, &ctx, 4), 0);
        ASSERT_EQ(n_calls, 0);

        /* the driver updates its context: the next query sees it */
        area = lwmi_instance_get_context(i, NULL);
        *area = 0x55667788;
        fake_query(&f, &GUID_A, id, 64, &r);
        ASSERT_EQ(memcmp(r.data, area, 4), 0);

        /* item 47: UseContextForQuery is read-only */
        fake_set(&f, &GUID_A, id, "abcd", 4, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_READ_ONLY);
        ASSERT_EQ(n_calls, 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

TEST(dispatch_set) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        i = setup_instance(&f, 4, &c);
        id = lwmi_instance_get_id(i);

        /* items 47 and 50: no set callbacks: read-only */
        fake_set(&f, &GUID_A, id, "abcd", 4, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_READ_ONLY);
        fake_set_item(&f, &GUID_A, id, 2, "ab", 2, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_READ_ONLY);
        ASSERT_EQ(n_calls, 0);
        lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        c.set_instance = set_ok;
        {
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
                pc.min_instance_buffer_size = 4;
                c.provider_config = &pc;
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        }
        expect_provider_register(&f, &GUID_B, 0, 4);
        id = expect_instance_register(&f, &GUID_B, "");
        n_calls = 0;

        fake_set(&f, &GUID_B, id, "abcdef", 6, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(set_seen_size, 6);
        ASSERT_EQ(memcmp(set_seen, "abcdef", 6), 0);
        ASSERT_EQ(n_calls, 1);

        /* item 48: input below MinInstanceBufferSize: set failure, no callback */
        fake_set(&f, &GUID_B, id, "ab", 2, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_INVALID_PARAMETER);
        ASSERT_EQ(n_calls, 1);

        /* item 49: the callback's too-small becomes a set failure */
        set_result = -ENOBUFS;
        fake_set(&f, &GUID_B, id, "abcd", 4, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_INVALID_PARAMETER);
        set_result = 0;

        /* item 50: SetItem is not emulated through SetInstance */
        fake_set_item(&f, &GUID_B, id, 1, "zz", 2, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_READ_ONLY);
        lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        /* item 51: set item gets the id and the data, no size check */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        c.set_item = item_ok;
        {
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_C);
                pc.min_instance_buffer_size = 100;
                c.provider_config = &pc;
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        }
        expect_provider_register(&f, &GUID_C, 0, 100);
        id = expect_instance_register(&f, &GUID_C, "");
        fake_set_item(&f, &GUID_C, id, 7, "q", 1, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(set_seen_item, 7);
        ASSERT_EQ(set_seen_size, 1);
        fake_set_item(&f, &GUID_C, id, 8, NULL, 0, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(set_seen_size, 0);
        fake_set(&f, &GUID_C, id, "q", 1, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_READ_ONLY);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

TEST(dispatch_method) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id;

        fake_start(&f, NULL);
        /* item 35: no query, no context, no method: the query is not supported */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.set_instance = set_ok;
        i = setup_instance(&f, 0, &c);
        id = lwmi_instance_get_id(i);
        fake_query(&f, &GUID_A, id, 64, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_SUPPORTED);
        /* item 53: no method callback: invalid request */
        fake_method(&f, &GUID_A, id, 1, "in", 2, 64, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_SUPPORTED);
        ASSERT_EQ(n_calls, 0);
        lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        /* item 42: method-only instance: the query succeeds with 0 bytes */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.execute_method = method_echo;
        c.name = "m";
        {
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
                c.provider_config = &pc;
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        }
        expect_provider_register(&f, &GUID_B, 0, 0);
        id = expect_instance_register(&f, &GUID_B, "m");
        n_calls = 0;
        fake_query(&f, &GUID_B, id, 64, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 0);
        ASSERT_EQ(n_calls, 0);

        fake_method(&f, &GUID_B, id, 1, "abc", 3, 64, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 4);
        ASSERT_EQ(r.data[0], 3);
        ASSERT_EQ(memcmp(r.data + 1, "abc", 3), 0);
        /* item 56: too small: the size needed, the broker retries */
        fake_method(&f, &GUID_B, id, 1, "abc", 3, 2, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(r.needed, 4);
        /* item 55: the driver rejects an unknown method id */
        fake_method(&f, &GUID_B, id, 9, "abc", 3, 64, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_INVALID_METHOD);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

TEST(dispatch_deferred) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id, rid;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_defer;
        i = setup_instance(&f, 0, &c);
        id = lwmi_instance_get_id(i);

        rid = ++f.next_id;
        fake_send(&f, WIRE_MSG_QUERY_INSTANCE, rid, &GUID_A, id, 16u, 5u, 6u, 7u);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        ASSERT_EQ(n_calls, 1);
        ASSERT_TRUE(saved_request != NULL);
        fake_expect_silence(&f);
        ASSERT_EQ(lwmi_request_get_caller(saved_request)->pid, 7);

        /* the driver may drop its reference meanwhile: the request keeps the instance */
        i = lwmi_instance_unref(i);
        fake_expect_silence(&f);

        ASSERT_OK(lwmi_request_complete(saved_request, 0, 2));
        fake_get_reply(&f, rid, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 2);
        ASSERT_EQ(memcmp(r.data, "ok", 2), 0);
        saved_request = NULL;
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        fake_stop(&f);
}

TEST(dispatch_deferred_too_small) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id, rid;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_defer;
        i = setup_instance(&f, 0, &c);
        id = lwmi_instance_get_id(i);
        rid = ++f.next_id;
        fake_send(&f, WIRE_MSG_QUERY_INSTANCE, rid, &GUID_A, id, 1u, 0u, 0u, 0u);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        ASSERT_TRUE(saved_request != NULL);
        ASSERT_ERRNO(lwmi_request_complete(saved_request, -EINPROGRESS, 0), EINVAL);
        ASSERT_OK(lwmi_request_complete(saved_request, -ENOBUFS, 40));
        saved_request = NULL;
        fake_get_reply(&f, rid, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(r.needed, 40);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/*
 * QUERY_ALL_DATA: every registered instance in registration order, each
 * through the QUERY_INSTANCE rules (callback, too small, context, method-only
 * empty); one final ALL_DATA once the deferred one completes.
 */
TEST(dispatch_all_data) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *inst[4], *first;
        uint32_t ids[4], rid, id, st, need, ctx = 0xabcdef01;
        const void *data;
        size_t size;
        uint8_t fin;
        WireList l;
        WireMsg m;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        first = setup_instance(&f, 0, &c);
        inst[0] = first;
        for (int k = 1; k < 4; k++) {
                LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, lwmi_instance_get_provider(first));
                c.register_at_create = true;
                if (k == 1) {
                        c.use_context_for_query = true;
                        c.context = &ctx;
                        c.context_size = sizeof(ctx);
                } else if (k == 2)
                        c.execute_method = method_echo; /* method-only: queries as empty */
                else
                        c.query_instance = q_defer;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &inst[k], NULL));
                expect_instance_register(&f, &GUID_A, "");
        }
        for (int k = 0; k < 4; k++)
                ids[k] = lwmi_instance_get_id(inst[k]);

        /* 5 bytes: too small for q_fixed ("hello" + NUL), enough for the others */
        rid = ++f.next_id;
        fake_send(&f, WIRE_MSG_QUERY_ALL_DATA, rid, &GUID_A, 5u, 1000u, 100u, 4242u);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        ASSERT_EQ(n_calls, 2); /* q_fixed and q_defer; context and method-only need none */
        ASSERT_TRUE(saved_request != NULL);
        ASSERT_EQ(lwmi_request_get_caller(saved_request)->pid, 4242);
        fake_expect_silence(&f); /* nothing until the deferred instance answers */
        ASSERT_OK(lwmi_request_complete(saved_request, 0, 2));
        saved_request = NULL;

        fake_recv(&f, WIRE_MSG_ALL_DATA, &m);
        ASSERT_EQ(m.request_id, rid);
        ASSERT_OK(wire_msg_read(&m, &fin, &l));
        ASSERT_EQ(fin, 1);
        ASSERT_EQ(l.count, 4);
        ASSERT_EQ(wire_list_next_data(&l, &id, &st, &need, &data, &size), 1);
        ASSERT_EQ(id, ids[0]);
        ASSERT_EQ(st, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL);
        ASSERT_EQ(need, 6);
        ASSERT_EQ(wire_list_next_data(&l, &id, &st, &need, &data, &size), 1);
        ASSERT_EQ(id, ids[1]);
        ASSERT_EQ(st, 0);
        ASSERT_EQ(size, 4);
        ASSERT_EQ(memcmp(data, &ctx, 4), 0);
        ASSERT_EQ(wire_list_next_data(&l, &id, &st, &need, &data, &size), 1);
        ASSERT_EQ(id, ids[2]);
        ASSERT_EQ(st, 0);
        ASSERT_EQ(size, 0);
        ASSERT_EQ(wire_list_next_data(&l, &id, &st, &need, &data, &size), 1);
        ASSERT_EQ(id, ids[3]);
        ASSERT_EQ(st, 0);
        ASSERT_EQ(size, 2);
        ASSERT_EQ(memcmp(data, "ok", 2), 0);

        /* a GUID the device does not provide: one REPLY with the status */
        rid = ++f.next_id;
        fake_send(&f, WIRE_MSG_QUERY_ALL_DATA, rid, &GUID_B, 64u, 0u, 0u, 0u);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        {
                Reply r;

                fake_get_reply(&f, rid, &r);
                ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        }

        /* no instance registered: an empty final ALL_DATA */
        for (int k = 0; k < 4; k++) {
                ASSERT_OK(lwmi_instance_deregister(inst[k]));
                fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});
        }
        rid = ++f.next_id;
        fake_send(&f, WIRE_MSG_QUERY_ALL_DATA, rid, &GUID_A, 64u, 0u, 0u, 0u);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        fake_recv(&f, WIRE_MSG_ALL_DATA, &m);
        ASSERT_OK(wire_msg_read(&m, &fin, &l));
        ASSERT_EQ(fin, 1);
        ASSERT_EQ(l.count, 0);
        for (int k = 0; k < 4; k++)
                lwmi_instance_unref(inst[k]);
        fake_stop(&f);
}

TEST(callback_unrefs_its_instance) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i = NULL;
        Reply r;
        uint32_t id;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_unref_self;
        c.userdata = &i;
        {
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
                c.provider_config = &pc;
                c.register_at_create = true;
                ASSERT_OK(lwmi_instance_new(f.dev, &c, &i, NULL));
        }
        expect_provider_register(&f, &GUID_A, 0, 0);
        id = expect_instance_register(&f, &GUID_A, "");
        fake_query(&f, &GUID_A, id, 8, &r);
        ASSERT_TRUE(i == NULL);
        ASSERT_EQ(r.status, 0);
        /* the request held the last reference: deregistered after the reply */
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});
        fake_stop(&f);
}

/* ---- items 58-62 and the events ---- */

TEST(function_control_and_events) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_instance_config c;
        lwmi_provider *p;
        lwmi_instance *i;
        Reply r;
        WireMsg m;
        lwmi_guid g;
        uint32_t id, id2;
        const void *data;
        size_t size;
        int calls = 0;
        char big[1000];

        fake_start(&f, NULL);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        pc.flags = LWMI_PROVIDER_EXPENSIVE;
        pc.function_control = fc_ok;
        pc.userdata = &calls;
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        expect_provider_register(&f, &GUID_A, LWMI_PROVIDER_EXPENSIVE, 0);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
        c.query_instance = q_fixed;
        c.register_at_create = true;
        ASSERT_OK(lwmi_instance_new(NULL, &c, &i, NULL));
        id = expect_instance_register(&f, &GUID_A, "");

        /* not enabled: nothing is sent */
        ASSERT_EQ(lwmi_instance_fire_event(i, "e", 1), LWMI_EVENT_NOT_ENABLED);
        fake_expect_silence(&f);

        /* item 62: both controls through one callback */
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(calls, 1);
        ASSERT_TRUE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL));
        ASSERT_FALSE(lwmi_provider_is_enabled(p, LWMI_INSTANCE_CONTROL));
        fake_control(&f, &GUID_A, LWMI_INSTANCE_CONTROL, true, &r);
        ASSERT_EQ(calls, 2);
        ASSERT_TRUE(lwmi_provider_is_enabled(p, LWMI_INSTANCE_CONTROL));

        ASSERT_EQ(lwmi_instance_fire_event(i, "evt", 3), 0);
        /* nothing queued, the lock free, no output waiting: sent at once (direct path) */
        fake_recv(&f, WIRE_MSG_FIRE_EVENTS, &m);
        {
                WireList l;

                ASSERT_OK(wire_msg_read(&m, &l));
                ASSERT_EQ(l.count, 1);
                ASSERT_EQ(wire_list_next_event(&l, &g, &id2, &data, &size), 1);
        }
        ASSERT_TRUE(lwmi_guid_equal(&g, &GUID_A));
        ASSERT_EQ(id2, id);
        ASSERT_EQ(size, 3);
        ASSERT_EQ(memcmp(data, "evt", 3), 0);
        /* item 65: NULL data means size 0 (sent alone too: past the burst gap) */
        past_burst_gap();
        ASSERT_EQ(lwmi_instance_fire_event(i, NULL, 10), 0);
        {
                uint8_t buf[16];

                ASSERT_EQ(fake_recv_events(&f, buf, 0), 1);
        }
        /* item 66: above the event limit */
        memset(big, 'x', sizeof(big));
        ASSERT_ERRNO(lwmi_instance_fire_event(i, big, sizeof(big)), EMSGSIZE);

        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, false, &r);
        ASSERT_FALSE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL));
        ASSERT_EQ(lwmi_instance_fire_event(i, "e", 1), LWMI_EVENT_NOT_ENABLED);

        /* unknown GUID and bad control */
        fake_control(&f, &GUID_C, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        fake_control(&f, &GUID_A, 3, true, &r);
        ASSERT_EQ(r.status, (uint32_t) LWMI_WBEM_E_INVALID_PARAMETER);

        /* item 59: a failing callback forces the state off; no callback: success */
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_B);
        pc.flags = LWMI_PROVIDER_EXPENSIVE;
        pc.function_control = fc_fail;
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        expect_provider_register(&f, &GUID_B, LWMI_PROVIDER_EXPENSIVE, 0);
        fake_control(&f, &GUID_B, LWMI_INSTANCE_CONTROL, true, &r);
        ASSERT_EQ(r.status, lwmi_status_from_errno(EIO));
        ASSERT_NE(r.status, 0);
        ASSERT_FALSE(lwmi_provider_is_enabled(p, LWMI_INSTANCE_CONTROL));
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_C);
        pc.flags = LWMI_PROVIDER_EVENT_ONLY;
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        expect_provider_register(&f, &GUID_C, LWMI_PROVIDER_EVENT_ONLY, 0);
        fake_control(&f, &GUID_C, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_TRUE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL)); /* item 3: polled */

        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* ---- event loop integration ---- */

TEST(library_thread) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        uint32_t id, rid;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        i = setup_instance(&f, 0, &c);
        id = lwmi_instance_get_id(i);
        ASSERT_EQ(lwmi_device_get_events(f.dev), POLLIN);

        ASSERT_OK(lwmi_device_start_thread(f.dev));
        ASSERT_ERRNO(lwmi_device_start_thread(f.dev), EBUSY);
        for (int k = 0; k < 20; k++) {
                rid = ++f.next_id;
                fake_send(&f, WIRE_MSG_QUERY_INSTANCE, rid, &GUID_A, id, 64u, 1u, 2u, 3u);
                fake_get_reply(&f, rid, &r);
                ASSERT_EQ(r.status, 0);
                ASSERT_EQ(r.size, 6);
        }
        ASSERT_OK(lwmi_device_stop_thread(f.dev));
        ASSERT_OK(lwmi_device_stop_thread(f.dev));
        lwmi_instance_unref(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});

        /* the thread is stopped by the last unref too */
        ASSERT_OK(lwmi_device_start_thread(f.dev));
        fake_stop(&f);
}

TEST(broker_goes_away) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_provider *p;
        lwmi_error err;

        fake_start(&f, NULL);
        ASSERT_EQ(lwmi_device_wait(f.dev, 0), 0);
        close(f.fd);
        f.fd = -1;
        ASSERT_EQ(lwmi_device_wait(f.dev, 1000000), 1);
        ASSERT_ERRNO(lwmi_device_process(f.dev), ECONNRESET);
        ASSERT_ERRNO(lwmi_device_process(f.dev), ECONNRESET);
        ASSERT_ERRNO(lwmi_device_run(f.dev), ECONNRESET);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        ASSERT_ERRNO(lwmi_provider_new(f.dev, &pc, &p, &err), ENOTCONN);
        f.dev = lwmi_device_unref(f.dev);
        wire_reader_deinit(&f.in);
}

TEST(device_refused) {
        int sv[2];
        lwmi_device_config cfg;
        lwmi_device *d = NULL;
        lwmi_error err;
        Fake f = { .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT) };

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        f.fd = sv[0];
        fake_send(&f, WIRE_MSG_HELLO_REPLY, 0, 0u, (unsigned) WIRE_FRAME_MAX_DEFAULT,
                  (unsigned) LWMI_WBEM_E_ACCESS_DENIED, "fake");
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.fd = sv[1];
        ASSERT_ERRNO(lwmi_device_new("dev0", NULL, &cfg, &d, &err), ECONNREFUSED);
        ASSERT_EQ(err.status, (lwmi_status) LWMI_WBEM_E_ACCESS_DENIED);
        ASSERT_TRUE(d == NULL);

        /* no answer at all */
        close(sv[0]);
        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        cfg.fd = sv[1];
        cfg.timeout_usec = 50000;
        ASSERT_ERRNO(lwmi_device_new("dev0", NULL, &cfg, &d, &err), ETIMEDOUT);
        close(sv[0]);

        /* the MOF does not compile: the broker's diagnostics */
        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        f.fd = sv[0];
        fake_send(&f, WIRE_MSG_HELLO_REPLY, 0, 1u, (unsigned) WIRE_FRAME_MAX_DEFAULT, 0u, "fake");
        fake_send(&f, WIRE_MSG_STATUS, 1, (unsigned) LWMI_WBEM_E_INVALID_SYNTAX,
                  "dev.mof:1:7: expected '{'");
        cfg.fd = sv[1];
        cfg.timeout_usec = 0;
        ASSERT_ERRNO(lwmi_device_new("dev0", "class X", &cfg, &d, &err), EINVAL);
        ASSERT_EQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_SYNTAX);
        ASSERT_TRUE(strstr(err.message, "dev.mof:1:7: expected '{'") != NULL);
        close(sv[0]);

        /* argument checks */
        ASSERT_ERRNO(lwmi_device_new("", NULL, NULL, &d, NULL), EINVAL);
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.size = 4;
        ASSERT_ERRNO(lwmi_device_new("x", NULL, &cfg, &d, &err), EINVAL);
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.socket_path = "/nonexistent/lwmi/wmid.sock";
        ASSERT_ERRNO(lwmi_device_new("x", NULL, &cfg, &d, &err), ENOENT);
        wire_reader_deinit(&f.in);
}

/* ---- connecting through a socket path ---- */

typedef struct Listener {
        int lfd;
        int fd;
} Listener;

static void *listener_thread(void *arg) {
        Listener *l = arg;
        Fake f = { .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT) };

        l->fd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC);
        f.fd = l->fd;
        if (l->fd >= 0) {
                fake_send(&f, WIRE_MSG_HELLO_REPLY, 0, 1u, (unsigned) WIRE_FRAME_MAX_DEFAULT, 0u,
                          "fake");
                fake_send(&f, WIRE_MSG_STATUS, 1, 0u, "");
        }
        return NULL;
}

static void connect_via(const char *path, bool env) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Listener l = { .fd = -1 };
        pthread_t t;
        lwmi_device_config cfg;
        lwmi_device *d;
        lwmi_error err;
        Fake f = { .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT) };
        WireMsg m;

        l.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(l.lfd >= 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        ASSERT_OK(bind(l.lfd, (struct sockaddr *) &sa, sizeof(sa)));
        ASSERT_OK(listen(l.lfd, 4));
        ASSERT_EQ(pthread_create(&t, NULL, listener_thread, &l), 0);
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        if (env)
                ASSERT_OK(setenv("LWMI_SOCKET", path, 1));
        else
                cfg.socket_path = path;
        ASSERT_OK(lwmi_device_new("sockdev", "", env ? NULL : &cfg, &d, &err));
        ASSERT_EQ(pthread_join(t, NULL), 0);
        if (env)
                unsetenv("LWMI_SOCKET");
        ASSERT_TRUE(l.fd >= 0);
        f.fd = l.fd;
        fake_recv(&f, WIRE_MSG_HELLO, &m);
        fake_recv(&f, WIRE_MSG_DEVICE_REGISTER, &m);
        lwmi_device_unref(d);
        wire_reader_deinit(&f.in);
        close(f.fd);
        close(l.lfd);
        unlink(path);
}

TEST(connect_socket_path) {
        char dir[] = "/tmp/lwmi-prov-XXXXXX", path[128];

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/wmid.sock", dir);
        connect_via(path, false);
        connect_via(path, true);
        ASSERT_OK(rmdir(dir));
}

/* ---- event loop rules ---- */

static int nested_result;

static int q_nested(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                    void *userdata) {
        nested_result = lwmi_device_process(lwmi_instance_get_device(i));
        *ret_size = 0;
        return 0;
}

TEST(process_rules) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        pid_t pid;
        int status;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_nested;
        i = setup_instance(&f, 0, &c);
        fake_query(&f, &GUID_A, lwmi_instance_get_id(i), 8, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(nested_result, -EBUSY);

        /* after fork() the child may not use the device */
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                _exit(lwmi_device_process(f.dev) == -ECHILD && lwmi_device_wait(f.dev, 0) == -ECHILD
                              ? 0
                              : 1);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* a frame pipelined right behind HELLO_REPLY is processed without waiting */
TEST(pipelined_after_handshake) {
        int sv[2];
        lwmi_device_config cfg;
        lwmi_provider_config pc;
        lwmi_provider *p;
        Fake f = { .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT) };
        WireMsg m;
        Reply r;

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        f.fd = sv[0];
        fake_send(&f, WIRE_MSG_HELLO_REPLY, 0, 1u, (unsigned) WIRE_FRAME_MAX_DEFAULT, 0u, "fake");
        fake_send(&f, WIRE_MSG_STATUS, 1, 0u, "");
        fake_send(&f, WIRE_MSG_FUNCTION_CONTROL, 99, &GUID_A, 1u, 1u, (uint64_t) 0);
        LWMI_DEVICE_CONFIG_INIT(&cfg);
        cfg.fd = sv[1];
        ASSERT_OK(lwmi_device_new("dev0", NULL, &cfg, &f.dev, NULL));
        fake_recv(&f, WIRE_MSG_HELLO, &m);
        fake_recv(&f, WIRE_MSG_DEVICE_REGISTER, &m);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        expect_provider_register(&f, &GUID_A, 0, 0);
        ASSERT_EQ(lwmi_device_wait(f.dev, 0), 1);
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        fake_get_reply(&f, 99, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_TRUE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL));
        fake_stop(&f);
}

static void *complete_now(void *arg) {
        lwmi_request *q = arg;

        ASSERT_OK(lwmi_request_complete(q, 0, 3));
        return NULL;
}

static int q_complete_early(lwmi_instance *i, lwmi_request *q, void *buf, size_t size,
                            size_t *ret_size, void *userdata) {
        pthread_t t;

        memcpy(buf, "abc", 3);
        /* a worker answers before this callback returns */
        ASSERT_EQ(pthread_create(&t, NULL, complete_now, q), 0);
        ASSERT_EQ(pthread_join(t, NULL), 0);
        ASSERT_ERRNO(lwmi_request_complete(q, 0, 3), EINVAL);
        return -EINPROGRESS;
}

TEST(dispatch_completed_early) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_complete_early;
        i = setup_instance(&f, 0, &c);
        fake_query(&f, &GUID_A, lwmi_instance_get_id(i), 8, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(r.size, 3);
        ASSERT_EQ(memcmp(r.data, "abc", 3), 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* Output that does not fit in the socket waits in the device: POLLOUT. */
TEST(output_backlog) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_provider *p;
        lwmi_event_stats st;
        Reply r;
        char ev[900];
        size_t n;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        p = lwmi_instance_get_provider(i);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_TRUE(lwmi_provider_is_enabled(p, LWMI_EVENT_CONTROL));
        memset(ev, 'e', sizeof(ev));
        /* sent directly until the socket is full: the rest waits in the device */
        n = fake_fill(&f, i, ev, sizeof(ev));
        ASSERT_CMP(n, >, 1);
        /* with output waiting, events are queued */
        for (int k = 0; k < 10; k++, n++)
                ASSERT_EQ(lwmi_instance_fire_event(i, ev, sizeof(ev)), 0);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.queued, n);
        ASSERT_EQ(st.sent, n - 10);
        ASSERT_TRUE(lwmi_device_get_events(f.dev) & POLLOUT);
        for (size_t got = 0; got < n;) {
                (void) lwmi_device_process(f.dev);
                got += fake_recv_events(&f, NULL, 0);
        }
        ASSERT_EQ(lwmi_device_get_events(f.dev), POLLIN);
        fake_expect_silence(&f);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.sent, n);
        ASSERT_EQ(st.frames, n - 10 + 1); /* the 10 queued ones in one frame */
        ASSERT_EQ(st.dropped, 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/*
 * While the output is backed up (the broker does not read), the loop takes
 * nothing from the queue, and the producers do not wake it per event: it
 * waits for POLLOUT. (The loop used to clear the wake-up flag on every pass,
 * so that each event fired meanwhile cost an eventfd write and a wake-up.)
 */
TEST(no_wakeups_while_backed_up) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats a, b;
        Reply r;
        char ev[900];
        size_t k;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        memset(ev, 'b', sizeof(ev));
        (void) fake_fill(&f, i, ev, sizeof(ev));
        /* fire and process until the loop stops taking events into the output */
        for (k = 0; k < 1000; k++) {
                ASSERT_OK(lwmi_device_get_event_stats(f.dev, &a));
                ASSERT_EQ(lwmi_instance_fire_event(i, ev, sizeof(ev)), 0);
                ASSERT_CMP(lwmi_device_process(f.dev), >=, 0);
                ASSERT_OK(lwmi_device_get_event_stats(f.dev, &b));
                if (b.sent == a.sent)
                        break;
        }
        ASSERT_CMP(k, <, 1000);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &a));
        for (k = 0; k < 50; k++) {
                ASSERT_EQ(lwmi_instance_fire_event(i, ev, sizeof(ev)), 0);
                ASSERT_EQ(lwmi_device_process(f.dev), 0); /* nothing moves */
        }
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &b));
        ASSERT_EQ(b.queued - a.queued, 50);
        ASSERT_EQ(b.sent, a.sent);
        ASSERT_CMP(b.wakeups - a.wakeups, <=, 1);
        ASSERT_TRUE(lwmi_device_get_events(f.dev) & POLLOUT);
        /* once the broker reads, everything arrives (the fake read none of it yet) */
        for (size_t seen = 0; seen < b.queued;) {
                (void) lwmi_device_process(f.dev);
                seen += fake_recv_events(&f, NULL, 0);
                ASSERT_CMP(seen, <=, b.queued);
        }
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &b));
        ASSERT_EQ(b.sent, b.queued);
        ASSERT_EQ(b.dropped, 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/*
 * A full socket is not work: lwmi_device_process() returns 0 and the loop
 * waits for POLLOUT instead of calling send() again and again (it used to
 * count waiting output as work and spin).
 */
static void *run_device(void *arg) {
        lwmi_device *d = arg;

        ASSERT_OK(lwmi_device_run(d));
        return NULL;
}

TEST(process_waits_for_pollout) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        struct timespec t0, t1;
        clockid_t cpu;
        pthread_t t;
        Reply r;
        char ev[900];
        size_t n;
        long long used_us;
        int k, w;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        memset(ev, 'w', sizeof(ev));
        n = fake_fill(&f, i, ev, sizeof(ev));
        for (k = 0; k < 5; k++, n++)
                ASSERT_EQ(lwmi_instance_fire_event(i, ev, sizeof(ev)), 0);
        /* taking the queued events into the output is work; after that nothing moves */
        ASSERT_EQ(lwmi_device_process(f.dev), 1);
        for (k = 0; k < 100; k++)
                ASSERT_EQ(lwmi_device_process(f.dev), 0);
        ASSERT_TRUE(lwmi_device_get_events(f.dev) & POLLOUT);
        /* the wait blocks on POLLOUT (after the eventfd's pending wake-ups) */
        for (k = 0; k < 3 && (w = lwmi_device_wait(f.dev, 20 * 1000)) > 0; k++)
                ASSERT_EQ(lwmi_device_process(f.dev), 0);
        ASSERT_EQ(w, 0);

        /* lwmi_device_run() in a thread for 100 ms: it must sleep, not spin */
        ASSERT_EQ(pthread_create(&t, NULL, run_device, f.dev), 0);
        ASSERT_EQ(pthread_getcpuclockid(t, &cpu), 0);
        usleep(20 * 1000); /* let it start */
        ASSERT_OK(clock_gettime(cpu, &t0));
        usleep(100 * 1000);
        ASSERT_OK(clock_gettime(cpu, &t1));
        used_us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
        fprintf(stderr, "  loop thread: %lld us of CPU in 100 ms with the socket full\n", used_us);
        ASSERT_CMP(used_us, <, 10000);

        /* the broker reads again: POLLOUT wakes the loop, everything arrives */
        for (size_t got = 0; got < n;)
                got += fake_recv_events(&f, NULL, 0);
        ASSERT_OK(lwmi_device_exit(f.dev));
        ASSERT_EQ(pthread_join(t, NULL), 0);
        ASSERT_EQ(lwmi_device_get_events(f.dev), POLLIN);
        fake_expect_silence(&f);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.queued, n);
        ASSERT_EQ(st.sent, n);
        ASSERT_EQ(st.dropped, 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* fire_event from many threads while the library thread serves requests */
static void *fire_many(void *arg) {
        lwmi_instance *i = arg;

        for (int k = 0; k < 200; k++)
                ASSERT_EQ(lwmi_instance_fire_event(i, &k, sizeof(k)), 0);
        return NULL;
}

TEST(fire_event_threads) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        Reply r;
        WireMsg m;
        pthread_t t[4];

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fixed;
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_OK(lwmi_device_start_thread(f.dev));
        for (size_t k = 0; k < ELEMENTSOF(t); k++)
                ASSERT_EQ(pthread_create(&t[k], NULL, fire_many, i), 0);
        for (size_t k = 0; k < 200 * ELEMENTSOF(t);)
                k += fake_recv_events(&f, NULL, 0);
        (void) m;
        for (size_t k = 0; k < ELEMENTSOF(t); k++)
                ASSERT_EQ(pthread_join(t[k], NULL), 0);
        ASSERT_OK(lwmi_device_stop_thread(f.dev));
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* docs/protocol.md 4.6: registrations are confirmed by STATUS; refusals are undone */
TEST(broker_refusals) {
        Fake f;
        lwmi_provider_config pc;
        lwmi_instance_config c;
        lwmi_provider *p;
        lwmi_instance *i, *j;
        lwmi_error err;
        WireMsg m;
        uint32_t pid_req, i_req;

        fake_start(&f, NULL);
        ASSERT_ERRNO(lwmi_device_get_last_error(f.dev, &err), ENODATA);
        LWMI_PROVIDER_CONFIG_INIT(&pc, &GUID_A);
        ASSERT_OK(lwmi_provider_new(f.dev, &pc, &p, NULL));
        fake_recv(&f, WIRE_MSG_PROVIDER_REGISTER, &m);
        pid_req = m.request_id;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&c, p);
        c.register_at_create = true;
        ASSERT_OK(lwmi_instance_new(NULL, &c, &i, NULL));
        fake_recv(&f, WIRE_MSG_INSTANCE_REGISTER, &m);
        ASSERT_OK(lwmi_instance_new(NULL, &c, &j, NULL));
        fake_recv(&f, WIRE_MSG_INSTANCE_REGISTER, &m);
        i_req = m.request_id;
        ASSERT_EQ(lwmi_instance_get_index(j), 1);

        fake_send(&f, WIRE_MSG_STATUS, pid_req, 0u, "");
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        ASSERT_EQ(lwmi_provider_get_broker_status(p), 0);
        ASSERT_ERRNO(lwmi_device_get_last_error(f.dev, &err), ENODATA);

        fake_send(&f, WIRE_MSG_STATUS, i_req, (unsigned) LWMI_WBEM_E_ALREADY_EXISTS,
                  "instance id 1 already registered");
        fake_send(&f, WIRE_MSG_STATUS, pid_req, (unsigned) LWMI_WBEM_E_ALREADY_EXISTS, "taken");
        ASSERT_CMP(lwmi_device_process(f.dev), >, 0);
        ASSERT_FALSE(lwmi_instance_is_registered(j));
        ASSERT_EQ(lwmi_instance_get_broker_status(j), (lwmi_status) LWMI_WBEM_E_ALREADY_EXISTS);
        ASSERT_ERRNO(lwmi_instance_get_index(j), ENOENT);
        ASSERT_TRUE(lwmi_instance_is_registered(i));
        ASSERT_EQ(lwmi_instance_get_broker_status(i), 0);
        ASSERT_EQ(lwmi_provider_get_broker_status(p), (lwmi_status) LWMI_WBEM_E_ALREADY_EXISTS);
        ASSERT_OK(lwmi_device_get_last_error(f.dev, &err));
        ASSERT_EQ(strcmp(err.message, "taken"), 0);
        /* registering again clears the instance's refusal */
        ASSERT_OK(lwmi_instance_register(j));
        fake_recv(&f, WIRE_MSG_INSTANCE_REGISTER, &m);
        ASSERT_EQ(lwmi_instance_get_broker_status(j), 0);

        lwmi_instance_unref(j);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* Write system calls of this process so far (/proc/self/io syscw), or -1. */
static long long proc_syscw(void) {
        char buf[512];
        const char *p;
        ssize_t n;
        int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = 0;
        p = strstr(buf, "syscw: ");
        return p ? strtoll(p + 7, NULL, 10) : -1;
}

/* Disabled: LWMI_EVENT_NOT_ENABLED, nothing queued, no eventfd write, no write system call. */
TEST(fire_event_disabled_fast_path) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats a, b;
        long long w0, w1;
        Reply r;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &a));
        w0 = proc_syscw();
        for (int k = 0; k < 1000000; k++)
                if (lwmi_instance_fire_event(i, &k, sizeof(k)) != LWMI_EVENT_NOT_ENABLED)
                        TEST_FAIL("fire_event on the disabled path returned something else");
        w1 = proc_syscw();
        if (w0 >= 0 && w1 >= 0)
                ASSERT_EQ(w1, w0); /* the read of /proc counts as syscr, not syscw */
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &b));
        ASSERT_EQ(b.queued, a.queued);
        ASSERT_EQ(b.wakeups, a.wakeups);
        ASSERT_EQ(b.dropped, 0);
        ASSERT_EQ(lwmi_device_process(f.dev), 0);
        fake_expect_silence(&f);

        /*
         * No system call at all: a child in strict seccomp mode (only read,
         * write, exit and sigreturn; anything else is SIGKILL) fires 1,000,000
         * times, checks the counters (no eventfd write either) and writes its
         * verdict to a pipe, then leaves through exit_group, which strict mode
         * answers with SIGKILL for the whole process (sanitizer threads too).
         * A system call in the loop kills it before the verdict: EOF here.
         */
#ifndef TEST_TSAN /* TSan's background thread would survive the child's main thread */
        {
                int pfd[2], status;
                char verdict = 0;
                pid_t pid;

                ASSERT_OK(pipe(pfd));
                pid = fork();
                ASSERT_TRUE(pid >= 0);
                if (pid == 0) {
                        bool ok = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) == 0;

                        for (int k = 0; ok && k < 1000000; k++)
                                ok = lwmi_instance_fire_event(i, &k, sizeof(k)) ==
                                     LWMI_EVENT_NOT_ENABLED;
                        ok = ok && lwmi_device_get_event_stats(f.dev, &b) == 0 &&
                             b.queued == a.queued && b.wakeups == a.wakeups;
                        verdict = ok ? 'y' : 'n';
                        (void) !write(pfd[1], &verdict, 1);
                        syscall(SYS_exit_group, 0);
                }
                close(pfd[1]);
                if (read(pfd[0], &verdict, 1) != 1 || verdict != 'y')
                        TEST_FAIL("the disabled path made a system call or queued (%c)",
                                  verdict ? verdict : '-');
                close(pfd[0]);
                ASSERT_EQ(waitpid(pid, &status, 0), pid);
        }
#endif

        /* enabled, then disabled again: back on the fast path */
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_EQ(lwmi_instance_fire_event(i, "x", 1), 0); /* the direct path */
        ASSERT_EQ(fake_recv_events(&f, NULL, 0), 1);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, false, &r);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &a));
        ASSERT_EQ(a.queued, 1);
        for (int k = 0; k < 1000; k++)
                ASSERT_EQ(lwmi_instance_fire_event(i, "x", 1), LWMI_EVENT_NOT_ENABLED);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &b));
        ASSERT_EQ(b.queued, 1);
        ASSERT_EQ(b.wakeups, a.wakeups);
        ASSERT_EQ(lwmi_device_process(f.dev), 0);
        fake_expect_silence(&f);

        /* not registered */
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        lwmi_instance_deregister(i);
        fake_recv(&f, WIRE_MSG_INSTANCE_DEREGISTER, &(WireMsg){});
        ASSERT_ERRNO(lwmi_instance_fire_event(i, "x", 1), ENOENT);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/*
 * A full queue drops and counts; a burst is one wake-up and one FIRE_EVENTS
 * frame, in order. The queue is used while output waits: the socket is filled
 * first (the fake broker does not read).
 */
TEST(fire_event_queue_full) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st0, st;
        uint32_t got[8];
        char pad[900];
        size_t filled;
        Reply r;

        fake_start_cfg(&f, NULL, 3, 0); /* rounded up to 4 slots */
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        memset(pad, 'p', sizeof(pad));
        filled = fake_fill(&f, i, pad, sizeof(pad));
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st0));
        for (uint32_t k = 0; k < 4; k++)
                ASSERT_EQ(lwmi_instance_fire_event(i, &k, sizeof(k)), 0);
        for (uint32_t k = 0; k < 3; k++)
                ASSERT_ERRNO(lwmi_instance_fire_event(i, &k, sizeof(k)), ENOBUFS);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.queued, filled + 4);
        ASSERT_EQ(st.dropped, 3);
        ASSERT_EQ(st.wakeups, st0.wakeups + 1);
        ASSERT_EQ(st.sent, filled);
        ASSERT_EQ(lwmi_device_get_dropped_events(f.dev), 3);

        /* the filler first, then the burst in one frame */
        for (size_t seen = 0; seen < filled;) {
                (void) lwmi_device_process(f.dev);
                seen += fake_recv_events(&f, NULL, 0);
                ASSERT_CMP(seen, <=, filled);
        }
        (void) lwmi_device_process(f.dev);
        ASSERT_EQ(fake_recv_events(&f, got, sizeof(got[0])), 4);
        for (uint32_t k = 0; k < 4; k++)
                ASSERT_EQ(got[k], k);
        if (f.drops_reported == 0) {
                /* the report follows the drain that made room; read it */
                WireMsg dm;
                lwmi_guid g;

                fake_recv(&f, WIRE_MSG_EVENTS_DROPPED, &dm);
                ASSERT_OK(wire_msg_read(&dm, &g, &f.drops_reported));
        }
        /* the three refused fires went to the broker as EVENTS_DROPPED, once */
        ASSERT_EQ(f.drops_reported, 3);
        fake_expect_silence(&f);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.sent, filled + 4);
        ASSERT_EQ(st.frames, st0.frames + 1);

        /* queue and output empty again: the next events go out directly, no wake-up */
        for (uint32_t k = 10; k < 12; k++) {
                past_burst_gap();
                ASSERT_EQ(lwmi_instance_fire_event(i, &k, sizeof(k)), 0);
                ASSERT_EQ(fake_recv_events(&f, got, sizeof(got[0])), 1);
                ASSERT_EQ(got[0], k);
        }
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.wakeups, st0.wakeups + 1);
        ASSERT_EQ(st.frames, st0.frames + 3);
        ASSERT_EQ(lwmi_device_get_dropped_events(f.dev), 3);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* The direct path: with the queue empty an event arrives without lwmi_device_process(). */
TEST(fire_event_direct) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        uint32_t got[2], v = 7;
        Reply r;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_EQ(lwmi_instance_fire_event(i, &v, sizeof(v)), 0);
        ASSERT_EQ(fake_recv_events(&f, got, sizeof(got[0])), 1);
        ASSERT_EQ(got[0], 7);
        fake_expect_silence(&f);
        ASSERT_EQ(lwmi_device_get_events(f.dev), POLLIN); /* nothing queued, nothing waits */
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.queued, 1);
        ASSERT_EQ(st.sent, 1);
        ASSERT_EQ(st.frames, 1);
        ASSERT_EQ(st.wakeups, 0);
        ASSERT_EQ(st.dropped, 0);
        ASSERT_EQ(lwmi_device_process(f.dev), 0); /* and the loop has nothing left to do */
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* Inside a callback (replies are batched) events are queued and go out after the reply. */
static lwmi_instance *fire_in_cb_instance;
static int fire_in_cb_events;

static int q_fire(lwmi_instance *i, lwmi_request *q, void *buf, size_t size, size_t *ret_size,
                  void *userdata) {
        for (uint32_t k = 0; k < 2; k++)
                ASSERT_EQ(lwmi_instance_fire_event(fire_in_cb_instance, &k, sizeof(k)), 0);
        fire_in_cb_events = lwmi_device_get_events(lwmi_instance_get_device(i));
        *ret_size = 0;
        return 0;
}

TEST(fire_event_from_callback) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        uint32_t got[4];
        Reply r;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        c.query_instance = q_fire;
        i = setup_instance(&f, 0, &c);
        fire_in_cb_instance = i;
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        fake_query(&f, &GUID_A, lwmi_instance_get_id(i), 16, &r);
        ASSERT_EQ(r.status, 0);
        ASSERT_EQ(fire_in_cb_events, POLLIN | POLLOUT); /* queued events ask for POLLOUT */
        ASSERT_EQ(fake_recv_events(&f, got, sizeof(got[0])), 2);
        ASSERT_EQ(got[0], 0);
        ASSERT_EQ(got[1], 1);
        fake_expect_silence(&f);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.sent, 2);
        ASSERT_EQ(st.frames, 1);
        ASSERT_EQ(st.wakeups, 1);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/*
 * One producer thread, both paths: direct while the socket has room, queued
 * while the slow fake broker lets output wait. Every event arrives, in order,
 * and the counters agree.
 */
#define ORDER_EVENTS 5000

typedef struct OrderArg {
        lwmi_instance *instance;
        uint64_t refused; /* -ENOBUFS, fired again */
} OrderArg;

static void *fire_ordered(void *arg) {
        OrderArg *a = arg;
        uint8_t ev[512] = { 0 };

        for (uint32_t k = 1; k <= ORDER_EVENTS; k++) {
                int r;

                memcpy(ev, &k, sizeof(k));
                while ((r = lwmi_instance_fire_event(a->instance, ev, sizeof(ev))) == -ENOBUFS) {
                        a->refused++;
                        sched_yield();
                }
                ASSERT_EQ(r, 0);
        }
        return NULL;
}

TEST(fire_event_order_mixed_paths) {
        static uint8_t got[128][512];
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        OrderArg a = { 0 };
        pthread_t t;
        uint32_t v = 0, next = 1;
        uint64_t frames = 1, batched = 0;
        Reply r;

        fake_start_cfg(&f, NULL, 64, 512);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        /* event 0 directly, before the loop runs */
        ASSERT_EQ(lwmi_instance_fire_event(i, &v, sizeof(v)), 0);
        ASSERT_EQ(fake_recv_events(&f, got, sizeof(got[0])), 1);
        ASSERT_OK(lwmi_device_start_thread(f.dev));
        a.instance = i;
        ASSERT_EQ(pthread_create(&t, NULL, fire_ordered, &a), 0);
        while (next <= ORDER_EVENTS) {
                size_t n = fake_recv_events(&f, got, sizeof(got[0]));

                frames++;
                if (n > 1)
                        batched++;
                for (size_t k = 0; k < n; k++, next++) {
                        memcpy(&v, got[k], sizeof(v));
                        ASSERT_EQ(v, next);
                }
                if (frames % 4 == 0)
                        usleep(200); /* a slow broker: the socket fills, events queue */
        }
        ASSERT_EQ(pthread_join(t, NULL), 0);
        ASSERT_OK(lwmi_device_stop_thread(f.dev));
        fake_expect_silence(&f);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        fprintf(stderr, "  %llu frames (%llu of several events), %llu wake-ups, %llu refused\n",
                (unsigned long long) frames, (unsigned long long) batched,
                (unsigned long long) st.wakeups, (unsigned long long) a.refused);
        ASSERT_EQ(st.queued, ORDER_EVENTS + 1);
        ASSERT_EQ(st.sent, ORDER_EVENTS + 1);
        ASSERT_EQ(st.frames, frames);
        ASSERT_EQ(st.dropped, a.refused);
        ASSERT_CMP(batched, >, 0); /* the queue was used */
        ASSERT_CMP(frames, <, ORDER_EVENTS + 1);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* event_size_max is configurable: at the limit is fine, one byte more is -EMSGSIZE. */
TEST(fire_event_payload_limit) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        uint8_t big[101], got[128];
        Reply r;

        fake_start_cfg(&f, NULL, 0, 100);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        memset(big, 0x5a, sizeof(big));
        ASSERT_ERRNO(lwmi_instance_fire_event(i, big, 101), EMSGSIZE);
        ASSERT_EQ(lwmi_instance_fire_event(i, big, 100), 0);
        past_burst_gap();
        ASSERT_EQ(lwmi_instance_fire_event(i, NULL, 1000), 0); /* item 65: NULL is size 0 */
        /* each sent directly (apart in time), one frame each */
        ASSERT_EQ(fake_recv_events(&f, got, 100), 1);
        ASSERT_EQ(memcmp(got, big, 100), 0);
        ASSERT_EQ(fake_recv_events(&f, got, 100), 1);
        ASSERT_EQ(lwmi_device_process(f.dev), 0);
        ASSERT_EQ(lwmi_device_get_dropped_events(f.dev), 0);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* Events queued after the connection is lost are counted as dropped by the next process(). */
TEST(fire_event_connection_lost) {
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        Reply r;

        fake_start(&f, NULL);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        close(f.fd);
        f.fd = -1;
        ASSERT_ERRNO(lwmi_device_process(f.dev), ECONNRESET);
        for (int k = 0; k < 3; k++)
                ASSERT_EQ(lwmi_instance_fire_event(i, &k, sizeof(k)), 0);
        ASSERT_CMP(lwmi_device_process(f.dev), <, 0);
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.queued, 3);
        ASSERT_EQ(st.sent, 0);
        ASSERT_EQ(st.dropped, 3);
        ASSERT_EQ(lwmi_device_get_dropped_events(f.dev), 3);
        lwmi_instance_unref(i);
        f.dev = lwmi_device_unref(f.dev);
        wire_reader_deinit(&f.in);
}

/* 4 threads fire 50,000 events each into a small queue: received + dropped == fired, in order. */
#define STRESS_THREADS 4
#define STRESS_EVENTS  50000

typedef struct StressArg {
        lwmi_instance *instance;
        uint32_t thread;
        uint64_t dropped;
        bool yield;
        atomic_int *done;
} StressArg;

static void *fire_stress(void *arg) {
        StressArg *a = arg;

        for (uint32_t k = 0; k < STRESS_EVENTS; k++) {
                uint32_t ev[2] = { a->thread, k };
                int r = lwmi_instance_fire_event(a->instance, ev, sizeof(ev));

                if (r == -ENOBUFS)
                        a->dropped++;
                else if (r != 0)
                        TEST_FAIL("fire_event: %d", r);
                if (a->yield && k % 64 == 63)
                        sched_yield(); /* give the loop a chance: fewer drops, more ordering */
        }
        /* release: our dropped count is read after the main thread sees done */
        atomic_fetch_add_explicit(a->done, 1, memory_order_release);
        return NULL;
}

static void fire_stress_run(bool yield) {
        static uint32_t got[4096][2];
        Fake f;
        lwmi_instance_config c;
        lwmi_instance *i;
        lwmi_event_stats st;
        StressArg a[STRESS_THREADS];
        pthread_t t[STRESS_THREADS];
        int64_t last[STRESS_THREADS];
        atomic_int done;
        uint64_t received = 0, dropped = 0, frames = 0;
        Reply r;

        fake_start_cfg(&f, NULL, 256, 0);
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(&c, NULL);
        i = setup_instance(&f, 0, &c);
        fake_control(&f, &GUID_A, LWMI_EVENT_CONTROL, true, &r);
        ASSERT_OK(lwmi_device_start_thread(f.dev));
        atomic_init(&done, 0);
        for (int k = 0; k < STRESS_THREADS; k++) {
                a[k] = (StressArg){
                        .instance = i, .thread = (uint32_t) k, .yield = yield, .done = &done
                };
                last[k] = -1;
                ASSERT_EQ(pthread_create(&t[k], NULL, fire_stress, &a[k]), 0);
        }
        for (;;) {
                /* acquire: pairs with the threads' release; their drop counts */
                if (atomic_load_explicit(&done, memory_order_acquire) == STRESS_THREADS) {
                        dropped = 0;
                        for (int k = 0; k < STRESS_THREADS; k++)
                                dropped += a[k].dropped;
                        if (received + dropped == (uint64_t) STRESS_THREADS * STRESS_EVENTS)
                                break;
                }
                if (!fake_ready(&f, 100))
                        continue;
                size_t n = fake_recv_events(&f, got, sizeof(got[0]));
                frames++;
                for (size_t k = 0; k < n; k++) {
                        ASSERT_CMP(got[k][0], <, STRESS_THREADS);
                        ASSERT_CMP((int64_t) got[k][1], >, last[got[k][0]]);
                        last[got[k][0]] = got[k][1];
                }
                received += n;
                ASSERT_CMP(received, <=, (uint64_t) STRESS_THREADS * STRESS_EVENTS);
        }
        for (int k = 0; k < STRESS_THREADS; k++)
                ASSERT_EQ(pthread_join(t[k], NULL), 0);
        ASSERT_OK(lwmi_device_stop_thread(f.dev));
        ASSERT_OK(lwmi_device_get_event_stats(f.dev, &st));
        ASSERT_EQ(st.dropped, dropped);
        ASSERT_EQ(st.queued, received);
        ASSERT_EQ(st.sent, received);
        ASSERT_EQ(st.frames, frames);
        ASSERT_CMP(frames, <=, received); /* batching itself: fire_event_queue_full */
        fprintf(stderr, "  %llu received in %llu frames, %llu dropped, %llu wake-ups\n",
                (unsigned long long) received, (unsigned long long) frames,
                (unsigned long long) dropped, (unsigned long long) st.wakeups);
        /* the loop reported every refused fire to the broker (it ran after the last one) */
        ASSERT_EQ(lwmi_device_process(f.dev), 0);
        fake_expect_silence(&f);
        ASSERT_EQ(f.drops_reported, dropped);
        lwmi_instance_unref(i);
        fake_stop(&f);
}

/* producers that yield now and then: the loop keeps up, the order is checked at length */
TEST(fire_event_concurrent) {
        fire_stress_run(true);
}

/* producers flat out into 256 slots: many drops, each counted */
TEST(fire_event_concurrent_drops) {
        fire_stress_run(false);
}

TEST_MAIN()
