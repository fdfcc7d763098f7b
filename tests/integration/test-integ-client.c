/* SPDX-License-Identifier: MIT */
/*
 * libwmi against a real wmid and a real sampledrv: queries, WHERE, get,
 * put_instance, put_property, methods, classes and the async sink contract.
 * Usage: test-integ-client WMID SAMPLEDRV INTEG-PROVIDER
 */
#include "harness.h"

#define S0 "Sample_Settings.InstanceName=\"sampledrv_0\""
#define S1 "Sample_Settings.InstanceName=\"sampledrv_1\""
#define M0 "Sample_Methods.InstanceName=\"sampledrv_0\""

/* wmid + sampledrv, waiting until both Sample_Settings instances answer. */
static Harness *start(void) {
        Harness *h = h_start_wmid(h_wmid_bin, NULL);
        const char *argv[] = { h_sampledrv_bin, NULL };

        h_start_provider(h, argv, -1, "SELECT * FROM Sample_Settings", 2);
        return h;
}

static int name_cmp(const void *a, const void *b) {
        const lwmi_object *const *x = a, *const *y = b;

        return strcmp(h_get_str(*x, "InstanceName"), h_get_str(*y, "InstanceName"));
}

TEST(exec_query_two_settings) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        int64_t tx;

        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample_Settings", &objs, &n, &err));
        ASSERT_EQ(n, 2);
        qsort(objs, n, sizeof(*objs), name_cmp);
        ASSERT_STREQ(lwmi_object_get_class_name(objs[0]), "Sample_Settings");
        ASSERT_STREQ(h_get_str(objs[0], "InstanceName"), "sampledrv_0");
        ASSERT_STREQ(h_get_str(objs[1], "InstanceName"), "sampledrv_1");
        ASSERT_OK(lwmi_object_get_sint64(objs[0], "TxPower", &tx));
        ASSERT_EQ(tx, 10);
        ASSERT_OK(lwmi_object_get_sint64(objs[1], "TxPower", &tx));
        ASSERT_EQ(tx, 11);
        ASSERT_EQ(h_get_u64(objs[1], "LinkSpeed"), 1000);
        lwmi_objects_free(objs, n);
        lwmi_client_unref(c);
        h_stop();
}

TEST(exec_query_where) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object **objs = NULL;
        size_t n = 0;

        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample_Settings WHERE TxPower = 11",
                                         &objs, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(h_get_str(objs[0], "InstanceName"), "sampledrv_1");
        lwmi_objects_free(objs, n);

        ASSERT_OK(lwmi_client_exec_query(
                c, "SELECT * FROM Sample_Settings WHERE InstanceName LIKE '%_0'", &objs, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(h_get_str(objs[0], "InstanceName"), "sampledrv_0");
        lwmi_objects_free(objs, n);

        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample_Settings WHERE TxPower > 50",
                                         &objs, &n, NULL));
        ASSERT_EQ(n, 0);
        lwmi_objects_free(objs, n);
        lwmi_client_unref(c);
        h_stop();
}

TEST(get_object_and_missing) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };

        ASSERT_OK(lwmi_client_get_object(c, S1, &o, &err));
        ASSERT_STREQ(h_get_str(o, "InstanceName"), "sampledrv_1");
        ASSERT_EQ(h_get_u64(o, "IrqModeration"), 50);
        lwmi_object_unref(o);
        o = NULL;

        ASSERT_ERRNO(
                lwmi_client_get_object(c, "Sample_Settings.InstanceName=\"sampledrv_7\"", &o, &err),
                ENOENT);
        ASSERT_NULL(o);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        lwmi_client_unref(c);
        h_stop();
}

TEST(put_instance_changes_query) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        int64_t tx;

        ASSERT_OK(lwmi_client_get_object(c, S1, &o, &err));
        ASSERT_OK(lwmi_object_set_sint64(o, "TxPower", -3));
        ASSERT_OK(lwmi_object_set_uint64(o, "LinkSpeed", 100));
        ASSERT_OK(lwmi_client_put_instance(c, o, LWMI_PUT_UPDATE_ONLY, &err));
        lwmi_object_unref(o);
        o = NULL;

        ASSERT_OK(lwmi_client_get_object(c, S1, &o, &err));
        ASSERT_OK(lwmi_object_get_sint64(o, "TxPower", &tx));
        ASSERT_EQ(tx, -3);
        ASSERT_EQ(h_get_u64(o, "LinkSpeed"), 100);
        /* The driver validates: an invalid speed is refused and nothing changes. */
        ASSERT_OK(lwmi_object_set_uint64(o, "LinkSpeed", 12345));
        ASSERT_TRUE(lwmi_client_put_instance(c, o, 0, &err) < 0);
        lwmi_object_unref(o);
        o = NULL;
        ASSERT_OK(lwmi_client_get_object(c, S1, &o, &err));
        ASSERT_EQ(h_get_u64(o, "LinkSpeed"), 100);
        lwmi_object_unref(o);
        o = NULL;

        /* The other instance is untouched. */
        ASSERT_OK(lwmi_client_get_object(c, S0, &o, &err));
        ASSERT_OK(lwmi_object_get_sint64(o, "TxPower", &tx));
        ASSERT_EQ(tx, 10);
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        h_stop();
}

TEST(put_property_changes_query) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;

        lwmi_value_set_uint(&v, LWMI_CIM_UINT16, 333);
        ASSERT_OK(lwmi_client_put_property(c, S0, "IrqModeration", &v, &err));
        lwmi_value_clear(&v);

        ASSERT_OK(lwmi_client_get_object(c, S0, &o, &err));
        ASSERT_EQ(h_get_u64(o, "IrqModeration"), 333);
        ASSERT_EQ(h_get_u64(o, "LinkSpeed"), 1000);
        lwmi_object_unref(o);

        /* Read-only context block: WBEM_E_READ_ONLY (spec 47/50 for UseContextForQuery). */
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 1);
        ASSERT_ERRNO(lwmi_client_put_property(c, "Sample_DeviceInfo.InstanceName=\"sampledrv_0\"",
                                              "FirmwareVersion", &v, &err),
                     EROFS);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        lwmi_value_clear(&v);
        lwmi_client_unref(c);
        h_stop();
}

TEST(exec_method_in_out) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object *cls = NULL, *in_cls = NULL, *out_cls = NULL, *in = NULL, *out = NULL;
        lwmi_error err = { 0 };
        const char *result = NULL;
        char expected[1201];

        ASSERT_OK(lwmi_client_get_class(c, "Sample_Methods", &cls, &err));
        ASSERT_OK(lwmi_object_get_method_signature(cls, "AddNumbers", &in_cls, &out_cls));
        ASSERT_NOT_NULL(in_cls);
        ASSERT_NOT_NULL(out_cls);
        ASSERT_TRUE(lwmi_object_find_property(out_cls, "Sum") >= 0);
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "A", 1234));
        ASSERT_OK(lwmi_object_set_uint64(in, "B", 4321));
        ASSERT_OK(lwmi_client_exec_method(c, M0, "AddNumbers", in, &out, &err));
        ASSERT_NOT_NULL(out);
        ASSERT_EQ(h_get_u64(out, "Sum"), 5555);
        lwmi_object_unref(out);
        out = NULL;
        lwmi_object_unref(in);
        in = NULL;
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);

        /* EchoText: 1200 bytes out, more than the first buffer; the retry is invisible. */
        ASSERT_OK(lwmi_object_get_method_signature(cls, "EchoText", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "Repeat", 100));
        ASSERT_OK(lwmi_object_set_string(in, "Text", "abcdefghijkl"));
        ASSERT_OK(lwmi_client_exec_method(c, M0, "EchoText", in, &out, &err));
        ASSERT_NOT_NULL(out);
        for (size_t i = 0; i < 100; i++)
                memcpy(expected + 12 * i, "abcdefghijkl", 12);
        expected[1200] = 0;
        ASSERT_OK(lwmi_object_get_string(out, "Result", &result));
        ASSERT_STREQ(result, expected);
        lwmi_object_unref(out);
        out = NULL;

        /* Unknown method: an error, no output. */
        ASSERT_TRUE(lwmi_client_exec_method(c, M0, "NoSuchMethod", in, &out, &err) < 0);
        ASSERT_NULL(out);
        lwmi_object_unref(in);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(out_cls);

        /* Both successful calls were counted by the driver (exactly once each). */
        ASSERT_OK(lwmi_client_get_object(c, M0, &out, &err));
        ASSERT_EQ(h_get_u64(out, "CallCount"), 2);
        lwmi_object_unref(out);
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        h_stop();
}

TEST(get_class_and_enum_classes) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object *cls = NULL, **classes = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        bool seen_settings = false, seen_event = false;

        ASSERT_OK(lwmi_client_get_class(c, "Sample_Settings", &cls, &err));
        ASSERT_TRUE(lwmi_object_is_class(cls));
        ASSERT_STREQ(lwmi_object_get_class_name(cls), "Sample_Settings");
        ASSERT_TRUE(lwmi_object_find_property(cls, "TxPower") >= 0);
        ASSERT_TRUE(lwmi_object_is_key(cls, "InstanceName"));
        lwmi_object_unref(cls);
        cls = NULL;
        ASSERT_OK(lwmi_client_get_class(c, "Sample_Methods", &cls, &err));
        ASSERT_EQ(lwmi_object_get_method_count(cls), 3);
        ASSERT_TRUE(lwmi_object_find_method(cls, "EchoText") >= 0);
        lwmi_object_unref(cls);
        cls = NULL;
        ASSERT_TRUE(lwmi_client_get_class(c, "No_Such_Class", &cls, &err) < 0);

        ASSERT_OK(lwmi_client_enum_classes(c, NULL, true, &classes, &n, &err));
        for (size_t i = 0; i < n; i++) {
                const char *name = lwmi_object_get_class_name(classes[i]);
                seen_settings |= strcmp(name, "Sample_Settings") == 0;
                seen_event |= strcmp(name, "Sample_Event") == 0;
        }
        lwmi_objects_free(classes, n);
        ASSERT_TRUE(seen_settings);
        ASSERT_TRUE(seen_event);

        /* Subclasses of WMIEvent include Sample_Event. */
        seen_event = false;
        ASSERT_OK(lwmi_client_enum_classes(c, "WMIEvent", true, &classes, &n, &err));
        for (size_t i = 0; i < n; i++)
                seen_event |= strcmp(lwmi_object_get_class_name(classes[i]), "Sample_Event") == 0;
        lwmi_objects_free(classes, n);
        ASSERT_TRUE(seen_event);
        lwmi_client_unref(c);
        h_stop();
}

typedef struct SinkState {
        size_t n_indicate, n_objects, n_status;
        lwmi_status status;
        bool indicate_after_status;
        char names[2][32];
} SinkState;

static void on_indicate(lwmi_call *call, lwmi_object *const *objs, size_t n, void *userdata) {
        SinkState *s = userdata;

        (void) call;
        if (s->n_status > 0)
                s->indicate_after_status = true;
        s->n_indicate++;
        for (size_t i = 0; i < n; i++) {
                const char *name = NULL;
                if (s->n_objects < 2 && lwmi_object_get_string(objs[i], "InstanceName", &name) >= 0)
                        snprintf(s->names[s->n_objects], sizeof(s->names[0]), "%s", name);
                s->n_objects++;
        }
}

static void on_status(lwmi_call *call, lwmi_status status, const char *message, void *userdata) {
        SinkState *s = userdata;

        (void) call;
        (void) message;
        s->n_status++;
        s->status = status;
}

/* Drives the connection until the call ended and a little longer (bounded). */
static void drive(lwmi_client *c, lwmi_call *call) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;

        while (!lwmi_call_is_done(call)) {
                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_wait(c, 100000));
                ASSERT_OK(lwmi_client_process(c));
        }
        /* Anything after set_status would be a contract breach: give it a chance. */
        for (int i = 0; i < 5; i++) {
                lwmi_client_wait(c, 20000);
                ASSERT_OK(lwmi_client_process(c));
        }
}

TEST(async_exec_query_sink) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_sink sink = LWMI_SINK_INIT(on_indicate, on_status);
        SinkState s = { 0 };
        lwmi_call *call = NULL;

        ASSERT_OK(
                lwmi_client_exec_query_async(c, "SELECT * FROM Sample_Settings", &sink, &s, &call));
        ASSERT_NOT_NULL(call);
        drive(c, call);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_UEQ(s.status, 0);
        ASSERT_TRUE(s.n_indicate >= 1);
        ASSERT_EQ(s.n_objects, 2);
        ASSERT_FALSE(s.indicate_after_status);
        ASSERT_TRUE(
                (strcmp(s.names[0], "sampledrv_0") == 0 &&
                 strcmp(s.names[1], "sampledrv_1") == 0) ||
                (strcmp(s.names[0], "sampledrv_1") == 0 && strcmp(s.names[1], "sampledrv_0") == 0));
        lwmi_call_unref(call);

        /* A failing async call: no indicate, exactly one set_status with the error. */
        s = (SinkState){ 0 };
        call = NULL;
        ASSERT_OK(
                lwmi_client_exec_query_async(c, "SELECT * FROM Sample_Control", &sink, &s, &call));
        drive(c, call);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_TRUE(s.status != 0);
        ASSERT_EQ(s.n_objects, 0);
        lwmi_call_unref(call);
        lwmi_client_unref(c);
        h_stop();
}

/* put_property without blocking: the value goes with its own type, the broker converts it. */
TEST(async_put_property) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_sink sink = LWMI_SINK_INIT(on_indicate, on_status);
        SinkState s = { 0 };
        lwmi_call *call = NULL;
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;

        /* a uint32 value for the uint16 IrqModeration: converted by the broker */
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 444);
        ASSERT_OK(lwmi_client_put_property_async(c, S0, "IrqModeration", &v, &sink, &s, &call));
        drive(c, call);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_UEQ(s.status, 0);
        ASSERT_EQ(s.n_objects, 0);
        lwmi_call_unref(call);
        ASSERT_OK(lwmi_client_get_object(c, S0, &o, &err));
        ASSERT_EQ(h_get_u64(o, "IrqModeration"), 444);
        lwmi_object_unref(o);

        /* out of range for uint16: refused, nothing written */
        s = (SinkState){ 0 };
        call = NULL;
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 70000);
        ASSERT_OK(lwmi_client_put_property_async(c, S0, "IrqModeration", &v, &sink, &s, &call));
        drive(c, call);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_TRUE(s.status != 0);
        lwmi_call_unref(call);

        /* read-only block: WBEM_E_READ_ONLY through set_status */
        s = (SinkState){ 0 };
        call = NULL;
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 1);
        ASSERT_OK(lwmi_client_put_property_async(c,
                                                 "Sample_DeviceInfo.InstanceName=\"sampledrv_0\"",
                                                 "FirmwareVersion", &v, &sink, &s, &call));
        drive(c, call);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_UEQ(s.status, (lwmi_status) LWMI_WBEM_E_READ_ONLY);
        lwmi_call_unref(call);

        ASSERT_OK(lwmi_client_get_object(c, S0, &o, &err));
        ASSERT_EQ(h_get_u64(o, "IrqModeration"), 444);
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        h_stop();
}

TEST(write_only_query_refused) {
        Harness *h = start();
        lwmi_client *c = h_connect(h);
        lwmi_object **objs = NULL, *o = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;

        ASSERT_TRUE(lwmi_client_exec_query(c, "SELECT * FROM Sample_Control", &objs, &n, &err) < 0);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_SUPPORTED);
        ASSERT_TRUE(lwmi_client_get_object(c, "Sample_Control.InstanceName=\"sampledrv_0\"", &o,
                                           &err) < 0);
        ASSERT_NULL(o);
        lwmi_client_unref(c);
        h_stop();
}

#define main h_test_main
TEST_MAIN()
#undef main
H_MAIN()
