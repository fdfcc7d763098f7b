/* SPDX-License-Identifier: MIT */
/*
 * The behaviours of /work/shared/spec/kmdf-wmi.md section 1 end to end, with
 * real processes: instance naming and index shift, missing callbacks, buffer
 * retries, duplicate GUIDs, deferred answers, provider failure and timeouts,
 * misbehaving clients and an unprivileged caller.
 * Usage: test-integ-spec WMID SAMPLEDRV INTEG-PROVIDER
 */
#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"

#define S0         "Sample_Settings.InstanceName=\"sampledrv_0\""
#define M0         "Sample_Methods.InstanceName=\"sampledrv_0\""
#define B0         "Integ_Block.InstanceName=\"integ_0\""
#define B1         "Integ_Block.InstanceName=\"integ_1\""
#define B2         "Integ_Block.InstanceName=\"integ_2\""
#define ALL_BLOCKS "SELECT * FROM Integ_Block"

static pid_t start_sampledrv(Harness *h, const char *extra) {
        const char *argv[] = { h_sampledrv_bin, extra, NULL };

        return h_start_provider(h, argv, -1, "SELECT * FROM Sample_Settings", 2);
}

static pid_t start_integ(Harness *h, const char *mode, int stdout_fd, int n) {
        const char *argv[] = { h_provider_bin, "--mode", mode, NULL };

        return h_start_provider(h, argv, stdout_fd, n >= 0 ? ALL_BLOCKS : NULL, n);
}

static uint64_t tag_of(lwmi_client *c, const char *path) {
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        uint64_t v;

        if (lwmi_client_get_object(c, path, &o, &err) < 0)
                TEST_FAIL("get %s: %s", path, err.message);
        v = h_get_u64(o, "Tag");
        lwmi_object_unref(o);
        return v;
}

/* Reads one line from @fd within the harness's bound; fails the test at EOF. */
static void read_line(int fd, char *buf, size_t size) {
        if (!h_read_line(fd, buf, size))
                TEST_FAIL("EOF before a line");
}

/* Spec 27, 28: "<name>_<index>", and a deregistration shifts later indexes down. */
TEST(instance_names_and_index_shift) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        int p[2];
        char line[64];
        pid_t pid;
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        pid = start_integ(h, "basic", p[1], 3);
        close(p[1]);
        c = h_connect(h);
        ASSERT_EQ(tag_of(c, B0), 100);
        ASSERT_EQ(tag_of(c, B1), 101);
        ASSERT_EQ(tag_of(c, B2), 102);
        lwmi_client_unref(c);

        ASSERT_OK(kill(pid, SIGUSR1));
        read_line(p[0], line, sizeof(line));
        ASSERT_STREQ(line, "DEREGISTERED");
        h_wait_count(h, ALL_BLOCKS, 2);
        c = h_connect(h);
        ASSERT_EQ(tag_of(c, B0), 101);
        ASSERT_EQ(tag_of(c, B1), 102);
        ASSERT_ERRNO(lwmi_client_get_object(c, B2, &o, &err), ENOENT);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        lwmi_client_unref(c);
        close(p[0]);
        h_stop();
}

/* Spec 14, 19: the statically named "hotplug" instance is registered later, comes and goes. */
TEST(hotplug_instance_comes_and_goes) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        const char *argv[] = { h_sampledrv_bin, "--hotplug-interval", "400", NULL };
        uint64_t deadline;

        h_start_provider(h, argv, -1, "SELECT * FROM Sample_PortTable", 2);
        /* A static name ("hotplug"), there half of the time: poll (bounded) for it. */
        deadline = h_now_usec() + H_WAIT_USEC;
        c = h_connect(h);
        while (lwmi_client_get_object(c, "Sample_PortTable.InstanceName=\"hotplug\"", &o, &err) <
               0) {
                ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
                ASSERT_TRUE(h_now_usec() < deadline);
                usleep(20000);
        }
        ASSERT_STREQ(h_get_str(o, "Name"), "hotplug bay");
        ASSERT_EQ(h_get_u64(o, "PortCount"), 3);
        lwmi_object_unref(o);
        o = NULL;
        lwmi_client_unref(c);
        h_wait_count(h, "SELECT * FROM Sample_PortTable", 1);
        /* The first table keeps index 0 throughout. */
        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_object(c, "Sample_PortTable.InstanceName=\"sampledrv_0\"", &o,
                                         &err));
        lwmi_client_unref(c);
        ASSERT_STREQ(h_get_str(o, "Name"), "uplinks");
        lwmi_object_unref(o);
        h_stop();
}

/* Spec 12, 41, 47, 50: UseContextForQuery serves the context; writes are READ_ONLY. */
TEST(use_context_for_query_read_only) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;
        bool removable = true;

        start_sampledrv(h, NULL);
        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_object(c, "Sample_DeviceInfo.InstanceName=\"sampledrv_0\"", &o,
                                         &err));
        ASSERT_EQ(h_get_u64(o, "FirmwareVersion"), 0x00020003);
        ASSERT_EQ(h_get_u64(o, "HardwareRevision"), 7);
        ASSERT_EQ(h_get_u64(o, "PortCount"), 2);
        ASSERT_OK(lwmi_object_get_bool(o, "Removable", &removable));
        ASSERT_FALSE(removable);
        ASSERT_UEQ(h_get_u64(o, "SerialNumber"), 0x5A4D504C0001ULL);

        ASSERT_OK(lwmi_object_set_uint64(o, "PortCount", 9));
        ASSERT_ERRNO(lwmi_client_put_instance(c, o, 0, &err), EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        lwmi_object_unref(o);
        lwmi_value_set_uint(&v, LWMI_CIM_UINT8, 9);
        ASSERT_ERRNO(lwmi_client_put_property(c, "Sample_DeviceInfo.InstanceName=\"sampledrv_0\"",
                                              "PortCount", &v, &err),
                     EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        lwmi_value_clear(&v);
        lwmi_client_unref(c);
        h_stop();
}

/* Spec 47, 50, 53: a missing set / set_item / execute callback is refused. */
TEST(missing_callbacks) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL, *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL,
                    *out = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;

        start_integ(h, "basic", -1, 3);
        c = h_connect(h);

        /* integ_0: query only. */
        ASSERT_OK(lwmi_client_get_object(c, B0, &o, &err));
        ASSERT_OK(lwmi_object_set_uint64(o, "Tag", 7));
        ASSERT_ERRNO(lwmi_client_put_instance(c, o, 0, &err), EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        lwmi_object_unref(o);
        o = NULL;
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 7);
        ASSERT_ERRNO(lwmi_client_put_property(c, B0, "Tag", &v, &err), EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);

        /* integ_1: set_instance but no set_item: no emulation (50). */
        ASSERT_ERRNO(lwmi_client_put_property(c, B1, "Tag", &v, &err), EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        ASSERT_EQ(tag_of(c, B1), 101);
        ASSERT_OK(lwmi_client_get_object(c, B1, &o, &err));
        ASSERT_OK(lwmi_object_set_uint64(o, "Tag", 7));
        ASSERT_OK(lwmi_client_put_instance(c, o, 0, &err));
        lwmi_object_unref(o);
        o = NULL;
        ASSERT_EQ(tag_of(c, B1), 7);

        /* integ_2: set_item works. */
        lwmi_value_clear(&v);
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 8);
        ASSERT_OK(lwmi_client_put_property(c, B2, "Tag", &v, &err));
        ASSERT_EQ(tag_of(c, B2), 8);
        lwmi_value_clear(&v);

        /* Methods: no execute callback -> WBEM_E_NOT_SUPPORTED (53); integ_2 runs it. */
        ASSERT_OK(lwmi_client_get_class(c, "Integ_Block", &cls, &err));
        ASSERT_OK(lwmi_object_get_method_signature(cls, "Twice", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "X", 21));
        ASSERT_ERRNO(lwmi_client_exec_method(c, B0, "Twice", in, &out, &err), EOPNOTSUPP);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_SUPPORTED);
        ASSERT_NULL(out);
        ASSERT_ERRNO(lwmi_client_exec_method(c, B1, "Twice", in, &out, &err), EOPNOTSUPP);
        ASSERT_OK(lwmi_client_exec_method(c, B2, "Twice", in, &out, &err));
        ASSERT_EQ(h_get_u64(out, "Y"), 42);
        lwmi_object_unref(out);
        lwmi_object_unref(in);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        h_stop();
}

/* Spec 37, 56: a method output far above the first buffer; run exactly once. */
TEST(buffer_too_small_retry) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL, *out = NULL;
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        const char *result = NULL;
        size_t n = 0;
        lwmi_value speeds = LWMI_VALUE_NULL;

        start_sampledrv(h, NULL);
        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_class(c, "Sample_Methods", &cls, &err));
        ASSERT_OK(lwmi_object_get_method_signature(cls, "EchoText", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "Repeat", 400));
        ASSERT_OK(lwmi_object_set_string(in, "Text", "0123456789"));
        ASSERT_OK(lwmi_client_exec_method(c, M0, "EchoText", in, &out, &err));
        ASSERT_OK(lwmi_object_get_string(out, "Result", &result));
        /* 4000 characters: 8002 bytes as a counted UTF-16 string. */
        ASSERT_EQ(strlen(result), 4000);
        ASSERT_TRUE(strncmp(result, "01234567890123456789", 20) == 0);
        lwmi_object_unref(out);
        out = NULL;
        ASSERT_OK(lwmi_client_get_object(c, M0, &out, &err));
        ASSERT_EQ(h_get_u64(out, "CallCount"), 1);
        lwmi_object_unref(out);

        /* Variable-length query data (37): the counted array and the string decode. */
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample_PortTable", &objs, &n, &err));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(h_get_str(objs[0], "Name"), "uplinks");
        ASSERT_OK(lwmi_object_get(objs[0], "Speeds", &speeds, NULL));
        lwmi_value_clear(&speeds);
        lwmi_objects_free(objs, n);
        lwmi_object_unref(in);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        h_stop();
}

/* Reads lines from @fd until one equals @want (bounded). */
static void expect_line(int fd, const char *want) {
        char line[256];

        for (;;) {
                read_line(fd, line, sizeof(line));
                if (strcmp(line, want) == 0)
                        return;
        }
}

/*
 * Spec 58-62: a query of the Expensive Sample_Statistics enables collection
 * (and the linger ends it); a subscription to Sample_Event enables events and
 * its end disables them. sampledrv logs each control on stderr.
 */
TEST(function_control_collection_and_events) {
        const char *extra[] = { "--collection-linger", "1", NULL };
        Harness *h = h_start_wmid(h_wmid_bin, extra);
        const char *argv[] = { h_sampledrv_bin, NULL };
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_enum *e = NULL;
        lwmi_object **evs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        int p[2];

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        h_start_provider2(h, argv, -1, p[1], "SELECT * FROM Sample_Settings", 2);
        close(p[1]);
        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_object(c, "Sample_Statistics.InstanceName=\"sampledrv_0\"", &o,
                                         &err));
        lwmi_object_unref(o);
        expect_line(p[0], "sampledrv: statistics collection enabled");
        expect_line(p[0], "sampledrv: statistics collection disabled");

        ASSERT_OK(lwmi_client_exec_notification_query(c, "SELECT * FROM Sample_Event", &e, &err));
        /* Let the subscription reach the broker: pull once (bounded, nothing fires). */
        ASSERT_ERRNO(lwmi_enum_next(e, 200000, 1, &evs, &n, NULL), ETIMEDOUT);
        expect_line(p[0], "sampledrv: events enabled");
        lwmi_enum_unref(e);
        /* The cancel is sent by the next processing of the connection. */
        ASSERT_OK(h_count(c, "SELECT * FROM Sample_Settings"));
        expect_line(p[0], "sampledrv: events disabled");
        lwmi_client_unref(c);
        close(p[0]);
        h_stop();
}

/* Spec 5 (lwmi deviation): a second process registering a held GUID is refused. */
TEST(duplicate_guid_refused) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object **objs = NULL;
        size_t n = 0;
        char line[64];
        int p[2];

        start_sampledrv(h, NULL);
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        start_integ(h, "dup", p[1], -1);
        close(p[1]);
        read_line(p[0], line, sizeof(line));
        ASSERT_STREQ(line, "STATUS 0x80041019"); /* WBEM_E_ALREADY_EXISTS */
        close(p[0]);

        c = h_connect(h);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample_Settings", &objs, &n, NULL));
        ASSERT_EQ(n, 2);
        for (size_t i = 0; i < n; i++)
                ASSERT_TRUE(strncmp(h_get_str(objs[i], "InstanceName"), "sampledrv_", 10) == 0);
        lwmi_objects_free(objs, n);
        lwmi_client_unref(c);
        h_stop();
}

/* lwmi extension (spec 33 deviation): -EINPROGRESS + lwmi_request_complete(). */
TEST(deferred_completion) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL, *out = NULL;
        lwmi_error err = { 0 };

        start_integ(h, "defer", -1, 1);
        c = h_connect(h);
        ASSERT_EQ(tag_of(c, B0), 100);
        ASSERT_OK(lwmi_client_get_class(c, "Integ_Block", &cls, &err));
        ASSERT_OK(lwmi_object_get_method_signature(cls, "Twice", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "X", 5));
        ASSERT_OK(lwmi_client_exec_method(c, B0, "Twice", in, &out, &err));
        ASSERT_EQ(h_get_u64(out, "Y"), 10);
        lwmi_object_unref(out);
        lwmi_object_unref(in);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        h_stop();
}

/* A provider slower than --provider-timeout: WBEM_E_TIMED_OUT from the broker. */
TEST(provider_timeout) {
        const char *extra[] = { "--provider-timeout", "1", NULL };
        Harness *h = h_start_wmid(h_wmid_bin, extra);
        lwmi_client *c;
        lwmi_object *cls = NULL;
        lwmi_error err = { 0 };
        uint64_t t0, deadline = h_now_usec() + H_WAIT_USEC;
        int r;

        /* Wait for the instance's registration through the class, as its query hangs. */
        start_integ(h, "hang", -1, -1);
        c = h_connect(h);
        ASSERT_OK(lwmi_client_set_timeout(c, 60ULL * 1000000ULL));
        /* NOT_FOUND (class or instance not registered yet), then the hang. */
        for (;;) {
                t0 = h_now_usec();
                r = lwmi_client_get_object(c, B0, &cls, &err);
                ASSERT_TRUE(r < 0);
                if (r != -ENOENT)
                        break;
                ASSERT_TRUE(h_now_usec() < deadline);
                usleep(20000);
        }
        ASSERT_ERRNO(r, ETIMEDOUT);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_TIMED_OUT);
        /* The broker's 1 s, not the client's 60 s. */
        ASSERT_TRUE(h_now_usec() - t0 < 30ULL * 1000000ULL);
        /* The broker still serves. */
        ASSERT_OK(lwmi_client_get_class(c, "Integ_Block", &cls, &err));
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

/* A provider that dies mid-call: WBEM_E_PROVIDER_FAILURE, then its instances go. */
TEST(provider_dies_mid_call) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        pid_t pid;
        int r;

        pid = start_integ(h, "die", -1, -1);
        c = h_connect(h);
        /* Until the instance is registered the answer is NOT_FOUND; then the provider dies. */
        for (;;) {
                r = lwmi_client_get_object(c, B0, &o, &err);
                ASSERT_TRUE(r < 0);
                if (err.status != (lwmi_status) LWMI_WBEM_E_NOT_FOUND)
                        break;
                ASSERT_TRUE(h_now_usec() < deadline);
                usleep(20000);
        }
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_PROVIDER_FAILURE);
        ASSERT_ERRNO(r, EIO);
        waitpid(pid, NULL, 0);
        h_untrack(pid);
        lwmi_client_unref(c);
        h_wait_count(h, ALL_BLOCKS, 0);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

typedef struct CallEnd {
        int n_status;
        lwmi_status status;
} CallEnd;

static void on_end(lwmi_call *call, lwmi_status s, const char *m, void *u) {
        CallEnd *e = u;

        (void) call;
        (void) m;
        e->n_status++;
        e->status = s;
}

/* A call pending at a provider when its process dies: WBEM_E_PROVIDER_FAILURE. */
TEST(provider_disconnect_fails_pending_call) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_sink sink = LWMI_SINK_INIT(NULL, on_end);
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        lwmi_call *call = NULL;
        lwmi_client *c;
        CallEnd e = { 0 };
        char line[64];
        bool pending = false;
        pid_t pid;
        int p[2];

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        pid = start_integ(h, "hang", p[1], -1);
        close(p[1]);
        c = h_connect(h);
        /* Retry while the instance is not registered yet (NOT_FOUND). */
        while (!pending) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };

                ASSERT_TRUE(h_now_usec() < deadline);
                if (!call) {
                        e = (CallEnd){ 0 };
                        ASSERT_OK(lwmi_client_get_object_async(c, B0, &sink, &e, &call));
                }
                ASSERT_OK(lwmi_client_wait(c, 20000));
                ASSERT_OK(lwmi_client_process(c));
                if (lwmi_call_is_done(call)) {
                        ASSERT_UEQ(e.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
                        call = lwmi_call_unref(call);
                        continue;
                }
                if (poll(&pfd, 1, 0) == 1) {
                        read_line(p[0], line, sizeof(line));
                        ASSERT_STREQ(line, "PENDING");
                        pending = true;
                }
        }
        h_kill(pid);
        while (!lwmi_call_is_done(call)) {
                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_wait(c, 100000));
                ASSERT_OK(lwmi_client_process(c));
        }
        ASSERT_EQ(e.n_status, 1);
        ASSERT_UEQ(e.status, (lwmi_status) LWMI_WBEM_E_PROVIDER_FAILURE);
        lwmi_call_unref(call);
        lwmi_client_unref(c);
        close(p[0]);
        h_wait_count(h, ALL_BLOCKS, 0);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

/* sampledrv killed: its instances disappear, the broker stays up. */
TEST(provider_disconnect_removes_instances) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        pid_t pid = start_sampledrv(h, NULL);

        h_kill(pid);
        h_wait_count(h, "SELECT * FROM Sample_Settings", 0);
        c = h_connect(h);
        ASSERT_TRUE(lwmi_client_get_object(c, S0, &o, &err) < 0);
        ASSERT_NULL(o);
        lwmi_client_unref(c);
        /* A new driver process takes the GUIDs over. */
        start_sampledrv(h, NULL);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

static void ignore_status(lwmi_call *call, lwmi_status s, const char *m, void *u) {
        (void) call;
        (void) s;
        (void) m;
        (void) u;
}

/* A client that goes away while its call is at the provider does not hurt the broker. */
TEST(client_disconnect_mid_call) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *a, *b;
        lwmi_sink sink = LWMI_SINK_INIT(NULL, ignore_status);
        lwmi_call *call = NULL;
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        char line[256];
        int p[2];

        ASSERT_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
        start_integ(h, "defer", p[1], 1);
        close(p[1]);
        /* Drop the PENDING lines of the readiness queries (all answered by now). */
        while (read(p[0], line, sizeof(line)) > 0)
                ;
        a = h_connect(h);
        ASSERT_OK(lwmi_client_get_object_async(a, B0, &sink, NULL, &call));
        /* Vanish once the provider holds the request (it answers 300 ms later). */
        for (;;) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };

                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_process(a));
                if (poll(&pfd, 1, 20) == 1)
                        break;
        }
        ASSERT_TRUE(read(p[0], line, sizeof(line)) > 0);
        ASSERT_TRUE(strncmp(line, "PENDING", 7) == 0);
        lwmi_call_unref(call);
        lwmi_client_unref(a);

        b = h_connect(h);
        ASSERT_EQ(tag_of(b, B0), 100);
        ASSERT_EQ(h_count(b, ALL_BLOCKS), 1);
        lwmi_client_unref(b);
        close(p[0]);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

/* Garbage on a raw socket closes that connection only. */
TEST(malformed_bytes_close_only_that_connection) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unsigned char junk[256];
        lwmi_client *c;
        struct pollfd pfd;
        char buf[256];
        ssize_t k;
        int fd;

        start_sampledrv(h, NULL);
        c = h_connect(h); /* connected before, used after */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_OK(fd);
        ASSERT_TRUE(strlen(h->socket) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, h->socket, strlen(h->socket) + 1);
        ASSERT_OK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)));
        memset(junk, 0xff, sizeof(junk));
        ASSERT_EQ(write(fd, junk, sizeof(junk)), (ssize_t) sizeof(junk));
        /* The broker must close it: EOF or reset within the bound, never a hang. */
        for (;;) {
                pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
                ASSERT_EQ(poll(&pfd, 1, (int) (H_WAIT_USEC / 1000)), 1);
                k = read(fd, buf, sizeof(buf));
                if (k <= 0)
                        break;
        }
        close(fd);

        ASSERT_EQ(h_count(c, "SELECT * FROM Sample_Settings"), 2);
        lwmi_client_unref(c);
        c = h_connect(h);
        ASSERT_EQ(h_count(c, "SELECT * FROM Sample_Settings"), 2);
        lwmi_client_unref(c);
        ASSERT_TRUE(h_alive(h->wmid));
        h_stop();
}

/* In a child as uid/gid 65534: reads work, writes and methods are ACCESS_DENIED. */
static int unprivileged_client(const Harness *h) {
        lwmi_client *c = NULL;
        lwmi_object *o = NULL, *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL,
                    *out = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;

        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                return 10;
        if (lwmi_client_connect(h->socket, NULL, &c, &err) < 0)
                return 11;
        if (h_count(c, "SELECT * FROM Sample_Settings") != 2)
                return 12;
        lwmi_value_set_uint(&v, LWMI_CIM_UINT16, 1);
        if (lwmi_client_put_property(c, S0, "IrqModeration", &v, &err) != -EACCES ||
            err.status != (lwmi_status) LWMI_WBEM_E_ACCESS_DENIED)
                return 13;
        if (lwmi_client_get_object(c, S0, &o, &err) < 0)
                return 14;
        if (lwmi_object_set_sint64(o, "TxPower", 1) < 0)
                return 15;
        if (lwmi_client_put_instance(c, o, 0, &err) != -EACCES ||
            err.status != (lwmi_status) LWMI_WBEM_E_ACCESS_DENIED)
                return 16;
        if (lwmi_client_get_class(c, "Sample_Methods", &cls, &err) < 0 ||
            lwmi_object_get_method_signature(cls, "AddNumbers", &in_cls, &out_cls) < 0 ||
            lwmi_class_spawn_instance(in_cls, &in) < 0)
                return 17;
        if (lwmi_client_exec_method(c, M0, "AddNumbers", in, &out, &err) != -EACCES ||
            err.status != (lwmi_status) LWMI_WBEM_E_ACCESS_DENIED)
                return 18;
        lwmi_object_unref(o);
        lwmi_object_unref(cls);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);
        lwmi_object_unref(in);
        lwmi_client_unref(c);
        return 0;
}

TEST(unprivileged_reads_but_cannot_write) {
        Harness *h;
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        int64_t tx;
        int status;
        pid_t pid;

        if (geteuid() != 0) {
                fprintf(stderr, "skipped: not root, cannot switch to uid 65534\n");
                return;
        }
        h = h_start_wmid(h_wmid_bin, NULL);
        start_sampledrv(h, NULL);
        pid = fork();
        ASSERT_OK(pid);
        if (pid == 0) {
                signal(SIGABRT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                _exit(unprivileged_client(h));
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);

        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_object(c, S0, &o, &err));
        ASSERT_OK(lwmi_object_get_sint64(o, "TxPower", &tx));
        ASSERT_EQ(tx, 10);
        ASSERT_EQ(h_get_u64(o, "IrqModeration"), 50);
        lwmi_object_unref(o);
        o = NULL;
        ASSERT_OK(lwmi_client_get_object(c, M0, &o, &err));
        ASSERT_EQ(h_get_u64(o, "CallCount"), 0);
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        h_stop();
}

/* ---- integ-provider --mode spec: the provider logs each callback on a pipe ---- */

#define LOG_MAX 16

/* Mode spec's log: one line per callback, in the order the provider runs them. */
typedef struct Log {
        int fd;
        size_t n;
        char lines[LOG_MAX][128];
} Log;

/*
 * Starts integ-provider --mode spec with its stdout on a pipe, waits for its
 * last instance (integ_0) and drops the log lines of that wait: every one was
 * written before the answer that the wait saw.
 */
static void start_spec(Harness *h, Log *log) {
        char buf[256];
        int p[2];

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        start_integ(h, "spec", p[1], 1);
        close(p[1]);
        ASSERT_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
        while (read(p[0], buf, sizeof(buf)) > 0)
                ;
        *log = (Log){ .fd = p[0] };
}

/*
 * Gets integ_0 through @c and collects in @log the lines the provider logged
 * before that query. The broker writes everything for one provider on one
 * connection in order, and handles one client's requests in order, so the
 * lines are exactly what @c's earlier requests caused (and anything else
 * pending at the provider).
 */
static void log_until_marker(lwmi_client *c, Log *log) {
        char line[128];

        ASSERT_EQ(tag_of(c, B0), 100);
        log->n = 0;
        for (;;) {
                read_line(log->fd, line, sizeof(line));
                if (strncmp(line, "Q integ_0 ", 10) == 0)
                        return;
                if (log->n >= LOG_MAX)
                        TEST_FAIL("too many log lines before the marker");
                snprintf(log->lines[log->n++], sizeof(log->lines[0]), "%s", line);
        }
}

/* Whether @line matches @pattern, where "#" stands for a decimal number. */
static bool log_match(const char *line, const char *pattern) {
        while (*line || *pattern) {
                if (*pattern == '#') {
                        if (*line < '0' || *line > '9')
                                return false;
                        while (*line >= '0' && *line <= '9')
                                line++;
                        pattern++;
                        continue;
                }
                if (*line != *pattern)
                        return false;
                line++;
                pattern++;
        }
        return true;
}

/* Checks that @log holds exactly the lines of @want (NULL-terminated); @at: the caller's line. */
static void log_expect(const Log *log, const char *const *want, int at) {
        size_t n = 0;

        while (want[n])
                n++;
        for (size_t i = 0; i < log->n || i < n; i++) {
                const char *got = i < log->n ? log->lines[i] : "(none)";

                if (i >= n || !log_match(got, want[i]))
                        TEST_FAIL("(line %d) log line %zu: \"%s\", expected \"%s\"", at, i, got,
                                  i < n ? want[i] : "(none)");
        }
}

/* The number in the third word of a "Q <name> <size> <collect>" line. */
static size_t log_size(const Log *log, size_t i) {
        size_t size = 0;

        ASSERT_TRUE(i < log->n);
        ASSERT_EQ(sscanf(log->lines[i], "%*s %*s %zu", &size), 1);
        return size;
}

#define LOG_EXPECT(log, ...) log_expect((log), (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)

#define FIXED_OK     "Integ_Fixed.InstanceName=\"fixed_ok\""
#define FIXED_LIAR   "Integ_Fixed.InstanceName=\"fixed_liar\""
#define VAR_LONG     "Integ_Var.InstanceName=\"var_long\""
#define VAR_OVERFLOW "Integ_Var.InstanceName=\"var_overflow\""
#define NAMED        "Integ_Named.InstanceName=\"named_0\""
#define METHODS      "Integ_Methods.InstanceName=\"methods_0\""
#define COLLECT      "Integ_Collect.InstanceName=\"collect_0\""

/* Integ_Fixed: Tag, then Values[i] = i. */
static void check_fixed(const lwmi_object *o, uint64_t tag) {
        lwmi_value v = LWMI_VALUE_NULL;

        ASSERT_EQ(h_get_u64(o, "Tag"), tag);
        ASSERT_OK(lwmi_object_get(o, "Values", &v, NULL));
        ASSERT_FALSE(v.is_null);
        ASSERT_EQ(v.u.array.n, 39);
        for (size_t i = 0; i < 39; i++)
                ASSERT_EQ(v.u.array.items[i].u.uint, i);
        lwmi_value_clear(&v);
}

static lwmi_object *get_ok(lwmi_client *c, const char *path) {
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };

        if (lwmi_client_get_object(c, path, &o, &err) < 0)
                TEST_FAIL("get %s: %s", path, err.message);
        return o;
}

/*
 * Spec 36: the provider declares MinInstanceBufferSize 160 (the size of
 * Integ_Fixed's block). Its query callback is never offered less: it runs
 * once per get, with at least 160 bytes, and the data arrive whole.
 */
TEST(min_instance_buffer_size) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o;
        lwmi_object **objs = NULL;
        size_t n = 0, n_ok = 0;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        o = get_ok(c, FIXED_OK);
        check_fixed(o, 1);
        lwmi_object_unref(o);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q fixed_ok # 0");
        ASSERT_TRUE(log_size(&log, 0) >= 160);

        /* A query of the class: each instance's callback once more, never below 160. */
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Integ_Fixed WHERE Tag = 1", &objs, &n,
                                         NULL));
        ASSERT_EQ(n, 1);
        check_fixed(objs[0], 1);
        lwmi_objects_free(objs, n);
        log_until_marker(c, &log);
        /* fixed_liar is queried too: its first answer is its breach (see lying_callbacks). */
        ASSERT_EQ(log.n, 3);
        for (size_t i = 0; i < log.n; i++) {
                ASSERT_TRUE(log_size(&log, i) >= 160);
                if (log_match(log.lines[i], "Q fixed_ok # 0"))
                        n_ok++;
                else
                        ASSERT_TRUE(log_match(log.lines[i], "Q fixed_liar # 0"));
        }
        ASSERT_EQ(n_ok, 1);
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 39 (and 37): with MinInstanceBufferSize 0 the broker still never
 * offers an empty buffer (KMDF's 1-byte scratch case, unit-tested in
 * libwmiprov, cannot happen through wmid): var_long's callback first gets a
 * non-empty buffer below the 4006 bytes it needs, says so, and is called
 * again with exactly 4006.
 */
TEST(zero_length_buffer_never_offered) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o;
        const char *text;
        size_t first;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        o = get_ok(c, VAR_LONG);
        ASSERT_EQ(h_get_u64(o, "Tag"), 3);
        text = h_get_str(o, "Text");
        ASSERT_EQ(strlen(text), 2000);
        for (size_t i = 0; i < 2000; i++)
                ASSERT_EQ(text[i], 'a' + (int) (i % 26));
        lwmi_object_unref(o);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q var_long # 0", "Q var_long 4006 0");
        first = log_size(&log, 0);
        ASSERT_TRUE(first > 0);
        ASSERT_TRUE(first < 4006);
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 40: a callback that reports success with more bytes than its buffer
 * fails the request (STATUS_UNSUCCESSFUL: WBEM_E_PROVIDER_FAILURE), without
 * a retry; one that says "too small" although MinInstanceBufferSize fits is
 * taken at its word: retried once with the size it asked for.
 */
TEST(lying_callbacks) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        size_t first;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        ASSERT_EQ(lwmi_client_get_object(c, VAR_OVERFLOW, &o, &err),
                  lwmi_status_to_errno(LWMI_WBEM_E_PROVIDER_FAILURE));
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_PROVIDER_FAILURE);
        ASSERT_NULL(o);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q var_overflow # 0");

        o = get_ok(c, FIXED_LIAR);
        check_fixed(o, 2);
        lwmi_object_unref(o);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q fixed_liar # 0", "Q fixed_liar # 0");
        first = log_size(&log, 0);
        ASSERT_TRUE(first >= 160);
        ASSERT_EQ(log_size(&log, 1), first + 40);
        lwmi_client_unref(c);
        ASSERT_TRUE(h_alive(h->wmid));
        close(log.fd);
        h_stop();
}

static lwmi_object *twice_in(lwmi_client *c, const char *class_name, uint64_t x) {
        lwmi_object *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL;
        lwmi_error err = { 0 };

        ASSERT_OK(lwmi_client_get_class(c, class_name, &cls, &err));
        ASSERT_OK(lwmi_object_get_method_signature(cls, "Twice", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "X", x));
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);
        lwmi_object_unref(cls);
        return in;
}

/*
 * Spec 42: an instance with an execute_method callback only (of the
 * method-only class Integ_Methods) is queryable: an empty data block, so
 * get and query return it with its InstanceName and Active, and no callback
 * runs; its method works.
 */
TEST(method_only_instance_queries_empty) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o, *in, *out = NULL;
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        bool active = false;
        size_t n = 0;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        o = get_ok(c, METHODS);
        ASSERT_STREQ(h_get_str(o, "InstanceName"), "methods_0");
        ASSERT_OK(lwmi_object_get_bool(o, "Active", &active));
        ASSERT_TRUE(active);
        lwmi_object_unref(o);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Integ_Methods", &objs, &n, &err));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(h_get_str(objs[0], "InstanceName"), "methods_0");
        lwmi_objects_free(objs, n);
        log_until_marker(c, &log);
        ASSERT_EQ(log.n, 0);

        in = twice_in(c, "Integ_Methods", 21);
        ASSERT_OK(lwmi_client_exec_method(c, METHODS, "Twice", in, &out, &err));
        ASSERT_EQ(h_get_u64(out, "Y"), 42);
        lwmi_object_unref(out);
        lwmi_object_unref(in);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "M methods_0 1 4");
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 42 in a class with data items: data_methods_0 (execute_method only,
 * class Integ_DataMethods with a Tag) answers queries with 0 bytes, as KMDF,
 * and is still listed, with InstanceName (Tag has no value to show): wmid
 * takes an empty answer as an instance whose data items are NULL.
 */
TEST(method_only_instance_of_data_class) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o;
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        o = get_ok(c, "Integ_DataMethods.InstanceName=\"data_methods_0\"");
        ASSERT_STREQ(h_get_str(o, "InstanceName"), "data_methods_0");
        lwmi_object_unref(o);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Integ_DataMethods", &objs, &n, &err));
        ASSERT_EQ(n, 1);
        lwmi_objects_free(objs, n);
        log_until_marker(c, &log);
        ASSERT_EQ(log.n, 0);
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 57: WMI queries an instance before it runs a method on it, so the
 * provider sees QueryInstance, then ExecuteMethod, for one exec_method.
 */
TEST(query_precedes_method) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *in, *out = NULL;
        lwmi_error err = { 0 };
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        in = twice_in(c, "Integ_Fixed", 5);
        ASSERT_OK(lwmi_client_exec_method(c, FIXED_OK, "Twice", in, &out, &err));
        ASSERT_EQ(h_get_u64(out, "Y"), 10);
        lwmi_object_unref(out);
        lwmi_object_unref(in);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q fixed_ok # 0", "M fixed_ok 1 4");
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/* Puts named_0 with @name; returns the result of put_instance. */
static int put_named(lwmi_client *c, const char *name, uint64_t tag, lwmi_error *err) {
        lwmi_object *o = get_ok(c, NAMED);
        int r;

        ASSERT_OK(lwmi_object_set_string(o, "Name", name));
        ASSERT_OK(lwmi_object_set_uint64(o, "Tag", tag));
        r = lwmi_client_put_instance(c, o, 0, err);
        lwmi_object_unref(o);
        return r;
}

/*
 * Spec 48, 49: Integ_Named's provider declares MinInstanceBufferSize 12
 * (Tag, count, 3 characters). A 10-byte set input (2 characters) is refused
 * without calling set_instance (STATUS_WMI_SET_FAILURE: WBEM_E_INVALID_PARAMETER);
 * a callback answering "too small" (it wants 4 characters) gives the same;
 * 16 bytes are accepted. Refused puts change nothing.
 */
TEST(set_input_below_min_instance_buffer_size) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        const int einval = lwmi_status_to_errno(LWMI_WBEM_E_INVALID_PARAMETER);
        lwmi_client *c;
        lwmi_object *o;
        lwmi_error err = { 0 };
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        ASSERT_EQ(put_named(c, "ab", 9, &err), einval);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q named_0 # 0");

        ASSERT_EQ(put_named(c, "abc", 9, &err), einval);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q named_0 # 0", "S named_0 12");

        o = get_ok(c, NAMED);
        ASSERT_EQ(h_get_u64(o, "Tag"), 4);
        ASSERT_STREQ(h_get_str(o, "Name"), "abcd");
        lwmi_object_unref(o);

        ASSERT_OK(put_named(c, "abcde", 9, &err));
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q named_0 # 0", "Q named_0 # 0", "S named_0 16");
        o = get_ok(c, NAMED);
        ASSERT_EQ(h_get_u64(o, "Tag"), 9);
        ASSERT_STREQ(h_get_str(o, "Name"), "abcde");
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 63 (and 2): Integ_Costly has WmiExpense(9) in its MOF but is not
 * registered Expensive: a query of it does not enable its collection.
 * Integ_Cheap has no WmiExpense but is registered Expensive without a
 * function-control callback (legal, item 2): its query callback sees
 * lwmi_provider_is_enabled(LWMI_INSTANCE_CONTROL) true.
 */
TEST(wmi_expense_is_not_expensive) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *c;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        const lwmi_value *q;
        Log log;

        start_spec(h, &log);
        c = h_connect(h);
        ASSERT_OK(lwmi_client_get_class(c, "Integ_Costly", &o, &err));
        q = lwmi_object_get_qualifier(o, NULL, "WmiExpense");
        ASSERT_NOT_NULL(q);
        ASSERT_EQ(q->u.uint, 9);
        lwmi_object_unref(o);
        ASSERT_OK(lwmi_client_get_class(c, "Integ_Cheap", &o, &err));
        ASSERT_NULL(lwmi_object_get_qualifier(o, NULL, "WmiExpense"));
        lwmi_object_unref(o);

        o = get_ok(c, "Integ_Costly.InstanceName=\"costly_0\"");
        ASSERT_EQ(h_get_u64(o, "Tag"), 6);
        lwmi_object_unref(o);
        o = get_ok(c, "Integ_Cheap.InstanceName=\"cheap_0\"");
        ASSERT_EQ(h_get_u64(o, "Tag"), 7);
        lwmi_object_unref(o);
        log_until_marker(c, &log);
        LOG_EXPECT(&log, "Q costly_0 # 0", "Q cheap_0 # 1");
        lwmi_client_unref(c);
        close(log.fd);
        h_stop();
}

/*
 * Spec 60, events: Integ_Event (EventOnly + Expensive) gets one enable when
 * the first of two consumers subscribes, nothing for the second, nothing
 * when the first leaves and one disable when the last one does.
 */
TEST(function_control_several_event_consumers) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        lwmi_client *a, *b;
        lwmi_enum *ea = NULL, *eb = NULL;
        lwmi_error err = { 0 };
        Log log;

        start_spec(h, &log);
        a = h_connect(h);
        b = h_connect(h);
        ASSERT_OK(lwmi_client_exec_notification_query(a, "SELECT * FROM Integ_Event", &ea, &err));
        log_until_marker(a, &log);
        LOG_EXPECT(&log, "C event 1 1");
        ASSERT_OK(lwmi_client_exec_notification_query(b, "SELECT * FROM Integ_Event", &eb, &err));
        log_until_marker(b, &log);
        ASSERT_EQ(log.n, 0);
        /* The cancel goes out with a's next request (the marker), before it. */
        lwmi_enum_unref(ea);
        log_until_marker(a, &log);
        ASSERT_EQ(log.n, 0);
        lwmi_enum_unref(eb);
        log_until_marker(b, &log);
        LOG_EXPECT(&log, "C event 1 0");
        lwmi_client_unref(a);
        lwmi_client_unref(b);
        close(log.fd);
        h_stop();
}

typedef struct GateCall {
        lwmi_call *call;
        int n_objects;
        uint64_t tag;
        CallEnd end;
} GateCall;

static void gate_indicate(lwmi_call *call, lwmi_object *const *objs, size_t n, void *u) {
        GateCall *g = u;

        (void) call;
        for (size_t i = 0; i < n; i++) {
                g->tag = h_get_u64(objs[i], "Tag");
                g->n_objects++;
        }
}

static void gate_status(lwmi_call *call, lwmi_status s, const char *m, void *u) {
        on_end(call, s, m, &((GateCall *) u)->end);
}

/* Starts a get of collect_0 on @c and waits until the provider logs its query. */
static void gate_get(lwmi_client *c, GateCall *g, Log *log, const char *const *want) {
        lwmi_sink sink = LWMI_SINK_INIT(gate_indicate, gate_status);
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        char line[128];

        ASSERT_OK(lwmi_client_get_object_async(c, COLLECT, &sink, g, &g->call));
        log->n = 0;
        while (log->n == 0 || strncmp(log->lines[log->n - 1], "Q ", 2) != 0) {
                struct pollfd pfd = { .fd = log->fd, .events = POLLIN };

                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_process(c));
                if (poll(&pfd, 1, 20) != 1)
                        continue;
                read_line(log->fd, line, sizeof(line));
                ASSERT_TRUE(log->n < LOG_MAX);
                snprintf(log->lines[log->n++], sizeof(log->lines[0]), "%s", line);
        }
        log_expect(log, want, __LINE__);
}

static void gate_wait(lwmi_client *c, GateCall *g) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;

        while (!lwmi_call_is_done(g->call)) {
                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_wait(c, 100000));
                ASSERT_OK(lwmi_client_process(c));
        }
        ASSERT_EQ(g->end.n_status, 1);
        ASSERT_UEQ(g->end.status, 0);
        ASSERT_EQ(g->n_objects, 1);
        ASSERT_EQ(g->tag, 8);
        lwmi_call_unref(g->call);
}

/*
 * Spec 60, collection: two clients' gets of the Expensive Integ_Collect
 * overlap (the provider holds the first until the second arrives): one
 * enable before the first query, none for the second, one disable after the
 * last ends (--collection-linger 0).
 */
TEST(function_control_several_collection_holders) {
        const char *extra[] = { "--collection-linger", "0", NULL };
        Harness *h = h_start_wmid(h_wmid_bin, extra);
        GateCall ga = { 0 }, gb = { 0 };
        lwmi_client *a, *b;
        Log log;

        start_spec(h, &log);
        a = h_connect(h);
        b = h_connect(h);
        gate_get(a, &ga, &log, (const char *const[]){ "C collect 2 1", "Q collect_0 # 1", NULL });
        gate_get(b, &gb, &log, (const char *const[]){ "Q collect_0 # 1", NULL });
        gate_wait(a, &ga);
        gate_wait(b, &gb);
        log_until_marker(a, &log);
        LOG_EXPECT(&log, "C collect 2 0");
        lwmi_client_unref(a);
        lwmi_client_unref(b);
        close(log.fd);
        h_stop();
}

#define main h_test_main
TEST_MAIN()
#undef main
H_MAIN()
