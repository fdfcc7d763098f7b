/* SPDX-License-Identifier: MIT */
/*
 * A fake broker for the libwmi and wmic tests: serves connections on a
 * temporary AF_UNIX socket with canned answers built with src/wire.
 */
#include "client/fake-broker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/test.h"
#include "wire/wire.h"

/* The class "Sample": [Key] string Name, uint32 Value, uint32 Double([In] In, [Out] Out). */
lwmi_object *sample_class(void) {
        lwmi_object *cls = NULL;
        lwmi_value key;
        size_t mi;

        ASSERT_OK(lwmi_class_new("Sample", NULL, &cls));
        ASSERT_OK(lwmi_class_add_property(cls, "Name", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "Value", LWMI_CIM_UINT32, NULL, NULL));
        lwmi_value_set_bool(&key, true);
        ASSERT_OK(lwmi_object_set_qualifier(cls, "Name", "Key", &key, 0));
        ASSERT_OK(lwmi_class_add_method(cls, "Double", LWMI_CIM_UINT32, &mi));
        ASSERT_OK(lwmi_class_add_parameter(cls, mi, "In", LWMI_CIM_UINT32, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(cls, mi, "Out", LWMI_CIM_UINT32, NULL, false, true));
        return cls;
}

/* An instance of Sample with Name @name and Value @value. */
lwmi_object *sample_instance(lwmi_object *cls, const char *name, uint64_t value) {
        lwmi_object *o = NULL;

        ASSERT_OK(lwmi_class_spawn_instance(cls, &o));
        ASSERT_OK(lwmi_object_set_string(o, "Name", name));
        ASSERT_OK(lwmi_object_set_uint64(o, "Value", value));
        return o;
}

static void send_msg(Fake *f, WireWriter *w, const WireMsg *m) {
        ASSERT_OK(wire_writer_append(w, m));
        while (wire_writer_pending(w) > 0) {
                ssize_t n = send(f->fd, wire_writer_data(w), wire_writer_pending(w), MSG_NOSIGNAL);
                if (n <= 0)
                        return; /* the client went away */
                wire_writer_advance(w, (size_t) n);
        }
}

static void send_status(Fake *f, WireWriter *w, uint32_t id, lwmi_status status, const char *msg) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_STATUS, id, (unsigned) status, msg));
        send_msg(f, w, &m);
}

/* Sends one OBJECTS (or EVENTS) batch with @n objects. */
static void send_objects(Fake *f, WireWriter *w, uint16_t type, uint32_t id,
                         lwmi_object *const *objs, size_t n) {
        WireListBuf lb = WIRE_LIST_BUF_INIT;
        WireList l;
        WireMsg m;

        for (size_t i = 0; i < n; i++) {
                StrBuf b = STRBUF_INIT;

                ASSERT_OK(cim_object_encode_full(objs[i], &b));
                ASSERT_OK(wire_list_buf_add_bytes(&lb, b.s, b.len));
                strbuf_deinit(&b);
        }
        l = wire_list_buf_get(&lb);
        if (type == WIRE_MSG_EVENTS)
                ASSERT_OK(wire_msg_build(&m, type, id, (unsigned) id, &l));
        else
                ASSERT_OK(wire_msg_build(&m, type, id, &l));
        send_msg(f, w, &m);
        wire_list_buf_deinit(&lb);
}

/*
 * "...Blocks...": CLASSES with BlockSample (Value: WmiDataId 1, uint32), then
 * BLOCKS with two instances; "...BlocksBad<k>..." breaks it in way k: 1 an
 * entry whose name runs past its end, 2 a block too short for the layout,
 * 3 BLOCKS of a class never sent.
 */
static void send_blocks(Fake *f, WireWriter *w, uint32_t id, const char *wql) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        WireListBuf lb = WIRE_LIST_BUF_INIT;
        StrBuf b = STRBUF_INIT;
        const char *bad = strstr(wql, "BlocksBad");
        int k = bad ? bad[9] - '0' : 0;
        lwmi_value v;
        WireList l;
        WireMsg m;

        ASSERT_OK(lwmi_class_new("BlockSample", NULL, &cls));
        ASSERT_OK(lwmi_class_add_property(cls, "InstanceName", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "Active", LWMI_CIM_BOOLEAN, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "Value", LWMI_CIM_UINT32, NULL, NULL));
        lwmi_value_set_bool(&v, true);
        ASSERT_OK(lwmi_object_set_qualifier(cls, "InstanceName", "Key", &v, 0));
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 1);
        ASSERT_OK(lwmi_object_set_qualifier(cls, "Value", "WmiDataId", &v, 0));
        ASSERT_OK(cim_object_encode(cls, &b));
        ASSERT_OK(wire_list_buf_add_bytes(&lb, b.s, b.len));
        l = wire_list_buf_get(&lb);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CLASSES, id, &l));
        send_msg(f, w, &m);
        wire_list_buf_deinit(&lb);
        strbuf_deinit(&b);

        lb = (WireListBuf) WIRE_LIST_BUF_INIT;
        for (uint32_t i = 0; i < 2; i++) {
                /* u32 name length, name, block (a little-endian uint32) */
                uint8_t e[4 + 3 + 4] = {
                        3, 0, 0, 0, 'd', 'v', (uint8_t) ('0' + i), (uint8_t) (40 + i), 0, 0, 0
                };
                size_t n = sizeof(e);

                if (k == 1 && i == 1)
                        e[0] = 200;
                if (k == 2 && i == 1)
                        n -= 2;
                ASSERT_OK(wire_list_buf_add_bytes(&lb, e, n));
        }
        l = wire_list_buf_get(&lb);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_BLOCKS, id, k == 3 ? "NoSuchClass" : "BlockSample",
                                 &l));
        send_msg(f, w, &m);
        wire_list_buf_deinit(&lb);
        send_status(f, w, id, 0, "");
}

static void send_one(Fake *f, WireWriter *w, uint32_t id, lwmi_object *o) {
        send_objects(f, w, WIRE_MSG_OBJECTS, id, &o, 1);
        lwmi_object_unref(o);
        send_status(f, w, id, 0, "");
}

static lwmi_object *decode(const void *data, size_t size) {
        lwmi_object *o = NULL;

        ASSERT_OK(cim_object_decode(data, size, NULL, NULL, &o));
        return o;
}

/* Answers one request; returns false when the fake must hang up. */
static bool serve(Fake *f, WireWriter *w, const WireMsg *m) {
        const char *ns, *s1, *s2, *s3;
        const void *data;
        uint32_t u1, u2;
        size_t size;
        uint8_t deep;

        switch (m->type) {
        case WIRE_MSG_GET_CLASS:
                ASSERT_OK(wire_msg_read(m, &ns, &s1));
                ASSERT_STREQ(ns, "root\\wmi");
                if (strcmp(s1, "Sample") == 0)
                        send_one(f, w, m->request_id, lwmi_object_ref(f->cls));
                else
                        send_status(f, w, m->request_id, LWMI_WBEM_E_NOT_FOUND, "no class");
                break;
        case WIRE_MSG_ENUM_CLASSES:
                ASSERT_OK(wire_msg_read(m, &ns, &s1, &deep));
                send_one(f, w, m->request_id, lwmi_object_ref(f->cls));
                break;
        case WIRE_MSG_EXEC_QUERY:
                ASSERT_OK(wire_msg_read(m, &ns, &s1, &u1));
                if (strstr(s1, "Slow")) {
                        f->slow_ids[f->n_slow++] = m->request_id;
                } else if (strstr(s1, "Die")) {
                        return false;
                } else if (strstr(s1, "Blocks")) {
                        send_blocks(f, w, m->request_id, s1);
                } else if (strstr(s1, "Bad")) {
                        send_status(f, w, m->request_id, LWMI_WBEM_E_INVALID_QUERY, "syntax error");
                } else {
                        lwmi_object *o[3] = { sample_instance(f->cls, "a", 1),
                                              sample_instance(f->cls, "b", 2),
                                              sample_instance(f->cls, "c", 3) };

                        send_objects(f, w, WIRE_MSG_OBJECTS, m->request_id, o, 2);
                        send_objects(f, w, WIRE_MSG_OBJECTS, m->request_id, o + 2, 1);
                        send_status(f, w, m->request_id, 0, "");
                        for (size_t i = 0; i < 3; i++)
                                lwmi_object_unref(o[i]);
                }
                break;
        case WIRE_MSG_GET_OBJECT:
                ASSERT_OK(wire_msg_read(m, &ns, &s1));
                if (strcmp(s1, "Sample.Name=\"a\"") == 0)
                        send_one(f, w, m->request_id, sample_instance(f->cls, "a", 1));
                else
                        send_status(f, w, m->request_id, LWMI_WBEM_E_NOT_FOUND, "no such instance");
                break;
        case WIRE_MSG_EXEC_METHOD: {
                lwmi_object *in, *out_cls = NULL, *out = NULL;
                uint64_t v;

                ASSERT_OK(wire_msg_read(m, &ns, &s1, &s2, &data, &size));
                ASSERT_STREQ(s2, "Double");
                in = decode(data, size);
                ASSERT_OK(lwmi_object_get_uint64(in, "In", &v));
                ASSERT_OK(lwmi_object_get_method_signature(f->cls, "Double", NULL, &out_cls));
                ASSERT_OK(lwmi_class_spawn_instance(out_cls, &out));
                ASSERT_OK(lwmi_object_set_uint64(out, "Out", v * 2));
                ASSERT_OK(lwmi_object_set_uint64(out, "ReturnValue", 0));
                send_one(f, w, m->request_id, out);
                lwmi_object_unref(out_cls);
                lwmi_object_unref(in);
                break;
        }
        case WIRE_MSG_PUT_PROPERTY: {
                lwmi_object *o;
                uint64_t v;

                ASSERT_OK(wire_msg_read(m, &ns, &s1, &s3, &data, &size));
                ASSERT_STREQ(s1, "Sample.Name=\"a\"");
                ASSERT_STREQ(s3, "Value");
                o = decode(data, size);
                ASSERT_OK(lwmi_object_get_uint64(o, "Value", &v));
                ASSERT_EQ(v, 42);
                lwmi_object_unref(o);
                f->n_put_property++;
                send_status(f, w, m->request_id, 0, "");
                break;
        }
        case WIRE_MSG_PUT_INSTANCE: {
                lwmi_object *o;

                ASSERT_OK(wire_msg_read(m, &ns, &data, &size, &u1));
                o = decode(data, size);
                ASSERT_STREQ(lwmi_object_get_class_name(o), "Sample");
                lwmi_object_unref(o);
                send_status(f, w, m->request_id, 0, "");
                break;
        }
        case WIRE_MSG_EXEC_NOTIFICATION_QUERY: {
                lwmi_object *o[3] = { sample_instance(f->cls, "e1", 1),
                                      sample_instance(f->cls, "e2", 2),
                                      sample_instance(f->cls, "e3", 3) };

                ASSERT_OK(wire_msg_read(m, &ns, &s1, &u1, &u2));
                send_objects(f, w, WIRE_MSG_EVENTS, m->request_id, o, 2);
                send_objects(f, w, WIRE_MSG_EVENTS, m->request_id, o + 2, 1);
                for (size_t i = 0; i < 3; i++)
                        lwmi_object_unref(o[i]);
                f->slow_ids[f->n_slow++] = m->request_id;
                break;
        }
        case WIRE_MSG_DELETE_INSTANCE:
                ASSERT_OK(wire_msg_read(m, &ns, &s1));
                if (strcmp(s1, "Sample.Name=\"a\"") == 0)
                        send_status(f, w, m->request_id, 0, "");
                else
                        send_status(f, w, m->request_id, LWMI_WBEM_E_NOT_FOUND, "no such instance");
                break;
        case WIRE_MSG_CANCEL:
                ASSERT_OK(wire_msg_read(m, &u1));
                f->n_cancels++;
                for (size_t i = 0; i < f->n_slow; i++)
                        if (f->slow_ids[i] == u1) {
                                f->slow_ids[i] = 0;
                                send_status(f, w, u1, LWMI_WBEM_E_CALL_CANCELLED, "cancelled");
                        }
                break;
        default:
                ASSERT_TRUE(false);
        }
        return true;
}

/* Accepts one connection and serves it until the client hangs up. */
void fake_serve_one(Fake *f) {
        WireReader r = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT);
        WireWriter w = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT);
        bool hello = false, run = true;

        f->fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        ASSERT_TRUE(f->fd >= 0);
        while (run) {
                WireFrame fr;
                size_t avail;
                ssize_t n;
                void *p;
                int k;

                ASSERT_OK(wire_reader_reserve(&r, 4096, &p, &avail));
                n = read(f->fd, p, avail);
                if (n <= 0)
                        break;
                wire_reader_commit(&r, (size_t) n);
                while (run && (k = wire_reader_next(&r, &fr)) > 0) {
                        WireMsg m;

                        ASSERT_OK(wire_msg_decode_frame(&fr, &m));
                        if (!hello) {
                                ASSERT_EQ(m.type, WIRE_MSG_HELLO);
                                ASSERT_OK(wire_msg_build(
                                        &m, WIRE_MSG_HELLO_REPLY, 0, f->refuse_hello ? 0u : 1u,
                                        (unsigned) WIRE_FRAME_MAX_DEFAULT,
                                        f->refuse_hello ? (unsigned) LWMI_WBEM_E_ACCESS_DENIED : 0u,
                                        "fake"));
                                send_msg(f, &w, &m);
                                hello = true;
                                continue;
                        }
                        run = serve(f, &w, &m);
                }
                ASSERT_TRUE(k >= 0 || !run);
        }
        close(f->fd);
        f->fd = -1;
        f->n_slow = 0;
        wire_reader_deinit(&r);
        wire_writer_deinit(&w);
}

static void *fake_run(void *userdata) {
        fake_serve_one(userdata);
        return NULL;
}

/* Listens on a new temporary socket, f->path. */
void fake_listen(Fake *f) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        *f = (Fake){ .listen_fd = -1, .fd = -1 };
        snprintf(f->dir, sizeof(f->dir), "%s/lwmi-client-XXXXXX",
                 getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 40 ? getenv("TMPDIR") : "/tmp");
        ASSERT_TRUE(mkdtemp(f->dir) != NULL);
        snprintf(f->path, sizeof(f->path), "%s/wmid.sock", f->dir);
        memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
        f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(f->listen_fd >= 0);
        ASSERT_OK(bind(f->listen_fd, (struct sockaddr *) &sa, sizeof(sa)));
        ASSERT_OK(listen(f->listen_fd, 4));
        f->cls = sample_class();
}

/* Listens and serves one connection in a thread. */
void fake_start(Fake *f) {
        fake_listen(f);
        ASSERT_OK(pthread_create(&f->thread, NULL, fake_run, f));
}

/* The client must have disconnected (or be about to) before this. */
void fake_stop(Fake *f) {
        ASSERT_OK(pthread_join(f->thread, NULL));
        fake_close(f);
}

/* Closes the listening socket and removes it. */
void fake_close(Fake *f) {
        close(f->listen_fd);
        unlink(f->path);
        rmdir(f->dir);
        lwmi_object_unref(f->cls);
}
