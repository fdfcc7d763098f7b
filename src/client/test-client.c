/* SPDX-License-Identifier: MIT */
/*
 * Tests of libwmi against a fake broker: a thread that serves one connection
 * on a temporary AF_UNIX socket with canned answers built with src/wire.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lwmi/client.h>

#include "client/fake-broker.h"
#include "core/object.h"
#include "shared/macro.h"
#include "shared/test.h"
#include "wire/wire.h"

/*
 * recv() and poll() on one socket, counted: libwmi's calls land here (the
 * test program's definitions come first in the symbol lookup); the fake
 * broker uses read(). n_recv_eagain counts the non-blocking reads that found
 * nothing; a blocking recv() that times out is a wait, not one of them.
 */
static int counted_fd = -1;
static unsigned n_recv, n_recv_eagain, n_recv_blocking, n_poll;

_public_ ssize_t recv(int fd, void *buf, size_t len, int flags) {
        ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);

        if (fd == counted_fd) {
                n_recv++;
                if (!(flags & MSG_DONTWAIT))
                        n_recv_blocking++;
                else if (n < 0 && errno == EAGAIN)
                        n_recv_eagain++;
        }
        return n;
}

/* glibc declares poll()'s array write-only (the kernel fills revents): reading .fd is fine */
#pragma GCC diagnostic push
#ifndef __clang__
# pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
_public_ int poll(struct pollfd *fds, nfds_t n, int timeout_ms) {
        struct timespec ts = { .tv_sec = timeout_ms / 1000,
                               .tv_nsec = (long) (timeout_ms % 1000) * 1000000L };

        for (nfds_t i = 0; i < n; i++)
                if (fds[i].fd == counted_fd)
                        n_poll++;
        return ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, NULL);
}
#pragma GCC diagnostic pop

static lwmi_client *connect_fake(Fake *f) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };

        fake_start(f);
        ASSERT_OK(lwmi_client_connect(f->path, "root/wmi", &c, &err));
        ASSERT_STREQ(lwmi_client_get_namespace(c), "root\\wmi");
        return c;
}

/* ---- synchronous calls ---- */

TEST(connect_fails) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        int r;

        r = lwmi_client_connect("/nonexistent/lwmi/wmid.sock", NULL, &c, &err);
        ASSERT_ERRNO(r, ENOENT);
        ASSERT_NULL(c);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_CONNECTION_FAILED);
        ASSERT_TRUE(strstr(err.message, "/nonexistent/lwmi/wmid.sock") != NULL);
}

TEST(socket_from_environment) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        Fake f;

        fake_start(&f);
        ASSERT_OK(setenv("LWMI_SOCKET", f.path, 1));
        ASSERT_OK(lwmi_client_connect(NULL, NULL, &c, &err));
        ASSERT_OK(unsetenv("LWMI_SOCKET"));
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(handshake_refused) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        Fake f;

        fake_start(&f);
        f.refuse_hello = true;
        ASSERT_ERRNO(lwmi_client_connect(f.path, NULL, &c, &err), EPROTONOSUPPORT);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_ACCESS_DENIED);
        fake_stop(&f);
}

TEST(get_class_and_object) {
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        const char *s;
        uint64_t v;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_get_class(c, "Sample", &o, &err));
        ASSERT_TRUE(lwmi_object_is_class(o));
        ASSERT_STREQ(lwmi_object_get_class_name(o), "Sample");
        ASSERT_EQ(lwmi_object_get_method_count(o), 1);
        o = lwmi_object_unref(o);

        ASSERT_OK(lwmi_client_get_object(c, "Sample.Name=\"a\"", &o, &err));
        ASSERT_FALSE(lwmi_object_is_class(o));
        ASSERT_OK(lwmi_object_get_string(o, "Name", &s));
        ASSERT_STREQ(s, "a");
        ASSERT_OK(lwmi_object_get_uint64(o, "Value", &v));
        ASSERT_EQ(v, 1);
        o = lwmi_object_unref(o);

        /* A WBEM error becomes a negative errno plus a filled lwmi_error. */
        ASSERT_ERRNO(lwmi_client_get_object(c, "Sample.Name=\"zz\"", &o, &err), ENOENT);
        ASSERT_NULL(o);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_UEQ(err.cim_status, lwmi_status_to_cim(LWMI_WBEM_E_NOT_FOUND));
        ASSERT_STREQ(err.message, "no such instance");

        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(exec_query) {
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        const char *s;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample", &objs, &n, &err));
        ASSERT_EQ(n, 3);
        ASSERT_OK(lwmi_object_get_string(objs[2], "Name", &s));
        ASSERT_STREQ(s, "c");
        lwmi_objects_free(objs, n);

        ASSERT_ERRNO(lwmi_client_exec_query(c, "SELECT Bad", &objs, &n, &err),
                     -lwmi_status_to_errno(LWMI_WBEM_E_INVALID_QUERY));
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_QUERY);
        ASSERT_STREQ(err.message, "syntax error");

        lwmi_client_unref(c);
        fake_stop(&f);
}

/* BLOCKS: instances decoded by the client with the class from CLASSES; bad ones end the call. */
TEST(blocks) {
        Fake f;
        lwmi_client *c = NULL;
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        const char *name;
        uint64_t v;
        bool active;
        size_t n = 0;

        fake_start(&f);
        ASSERT_OK(lwmi_client_connect(f.path, "root\\wmi", &c, &err));
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Blocks", &objs, &n, &err));
        ASSERT_EQ(n, 2);
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(lwmi_object_get_class_name(objs[i]), "BlockSample");
                ASSERT_OK(lwmi_object_get_string(objs[i], "InstanceName", &name));
                ASSERT_EQ(name[2], (char) ('0' + i));
                ASSERT_OK(lwmi_object_get_bool(objs[i], "Active", &active));
                ASSERT_TRUE(active);
                ASSERT_OK(lwmi_object_get_uint64(objs[i], "Value", &v));
                ASSERT_EQ(v, 40 + i);
        }
        lwmi_objects_free(objs, n);
        for (int k = 1; k <= 3; k++) {
                char wql[64];

                snprintf(wql, sizeof(wql), "SELECT * FROM BlocksBad%d", k);
                objs = NULL;
                n = 0;
                ASSERT_CMP(lwmi_client_exec_query(c, wql, &objs, &n, &err), <, 0);
                ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_STREAM);
                lwmi_objects_free(objs, n);
        }
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(enum_classes_put_and_method) {
        lwmi_object **objs = NULL, *cls = NULL, *in = NULL, *inst = NULL, *out = NULL;
        lwmi_error err = { 0 };
        lwmi_value v;
        uint64_t u;
        size_t n = 0;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_enum_classes(c, NULL, true, &objs, &n, &err));
        ASSERT_EQ(n, 1);
        cls = lwmi_object_ref(objs[0]);
        lwmi_objects_free(objs, n);

        lwmi_value_set_uint(&v, LWMI_CIM_UINT64, 42);
        ASSERT_OK(lwmi_client_put_property(c, "Sample.Name=\"a\"", "Value", &v, &err));
        ASSERT_ERRNO(lwmi_client_put_property(c, "Sample.Name=\"a\"", "Nope", &v, &err), ENOENT);

        inst = sample_instance(cls, "x", 7);
        ASSERT_OK(lwmi_client_put_instance(c, inst, LWMI_PUT_CREATE_OR_UPDATE, &err));

        ASSERT_OK(lwmi_object_get_method_signature(cls, "Double", &in, NULL));
        lwmi_object *ini = NULL;
        ASSERT_OK(lwmi_class_spawn_instance(in, &ini));
        ASSERT_OK(lwmi_object_set_uint64(ini, "In", 21));
        ASSERT_OK(lwmi_client_exec_method(c, "Sample.Name=\"a\"", "Double", ini, &out, &err));
        ASSERT_OK(lwmi_object_get_uint64(out, "Out", &u));
        ASSERT_EQ(u, 42);

        lwmi_object_unref(out);
        lwmi_object_unref(ini);
        lwmi_object_unref(in);
        lwmi_object_unref(inst);
        lwmi_object_unref(cls);
        lwmi_client_unref(c);
        fake_stop(&f);
        ASSERT_EQ(f.n_put_property, 1);
}

TEST(timeout) {
        lwmi_object **objs = NULL, *o = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_set_timeout(c, 100000));
        ASSERT_ERRNO(lwmi_client_exec_query(c, "SELECT * FROM Slow", &objs, &n, &err), ETIMEDOUT);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_TIMED_OUT);
        /* The timed-out call was cancelled; its late STATUS is ignored by the next call. */
        ASSERT_OK(lwmi_client_set_timeout(c, LWMI_TIMEOUT_INFINITE));
        ASSERT_OK(lwmi_client_get_object(c, "Sample.Name=\"a\"", &o, &err));
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        fake_stop(&f);
        ASSERT_EQ(f.n_cancels, 1);
}

/* ---- asynchronous calls ---- */

typedef struct Rec {
        unsigned n_indicate;
        size_t n_objects;
        unsigned n_status;
        unsigned n_destroy;
        lwmi_status status;
        bool indicate_after_status;
        bool unref_in_indicate;
        bool cancel_in_indicate;
        lwmi_call *call;
} Rec;

static void rec_indicate(lwmi_call *call, lwmi_object *const *objects, size_t n, void *userdata) {
        Rec *rec = userdata;

        ASSERT_TRUE(n > 0);
        ASSERT_TRUE(objects[n - 1] != NULL);
        if (rec->n_status > 0)
                rec->indicate_after_status = true;
        rec->n_indicate++;
        rec->n_objects += n;
        if (rec->unref_in_indicate)
                rec->call = lwmi_call_unref(rec->call);
        if (rec->cancel_in_indicate && rec->n_indicate == 1)
                ASSERT_OK(lwmi_call_cancel(call));
}

static void rec_set_status(lwmi_call *call, lwmi_status status, const char *message,
                           void *userdata) {
        Rec *rec = userdata;

        ASSERT_TRUE(message != NULL);
        rec->n_status++;
        rec->status = status;
}

static void rec_destroy(void *userdata) {
        Rec *rec = userdata;

        rec->n_destroy++;
}

static const lwmi_sink rec_sink = { sizeof(lwmi_sink), rec_indicate, rec_set_status, rec_destroy,
                                    NULL };

static void run_until(lwmi_client *c, const unsigned *counter, unsigned want) {
        while (*counter < want) {
                int r = lwmi_client_process(c);

                ASSERT_TRUE(r >= 0);
                if (r == 0)
                        ASSERT_TRUE(lwmi_client_wait(c, 5000000) > 0);
        }
}

TEST(delete_instance) {
        lwmi_error err = { 0 };
        Rec rec = { 0 };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_delete_instance(c, "Sample.Name=\"a\"", &err));
        ASSERT_ERRNO(lwmi_client_delete_instance(c, "Sample.Name=\"b\"", &err), ENOENT);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_OK(lwmi_client_delete_instance_async(c, "Sample.Name=\"a\"", &rec_sink, &rec, NULL));
        run_until(c, &rec.n_status, 1);
        ASSERT_UEQ(rec.status, 0);
        ASSERT_EQ(rec.n_indicate, 0);
        ASSERT_EQ(rec.n_destroy, 1);
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(async_query_order) {
        Rec rec = { 0 };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_TRUE(lwmi_client_get_fd(c) >= 0);
        ASSERT_TRUE(lwmi_client_get_events(c) > 0);
        ASSERT_OK(lwmi_client_exec_query_async(c, "SELECT * FROM Sample", &rec_sink, &rec,
                                               &rec.call));
        run_until(c, &rec.n_status, 1);
        ASSERT_EQ(rec.n_indicate, 2);
        ASSERT_EQ(rec.n_objects, 3);
        ASSERT_EQ(rec.n_status, 1);
        ASSERT_UEQ(rec.status, 0);
        ASSERT_FALSE(rec.indicate_after_status);
        ASSERT_TRUE(lwmi_call_is_done(rec.call));
        ASSERT_ERRNO(lwmi_call_cancel(rec.call), EALREADY);
        ASSERT_EQ(rec.n_destroy, 0);
        rec.call = lwmi_call_unref(rec.call);
        ASSERT_EQ(rec.n_destroy, 1);

        /* Floating: the call frees itself after set_status. */
        rec = (Rec){ 0 };
        ASSERT_OK(lwmi_client_get_object_async(c, "Sample.Name=\"zz\"", &rec_sink, &rec, NULL));
        run_until(c, &rec.n_status, 1);
        ASSERT_UEQ(rec.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_EQ(rec.n_destroy, 1);

        /* A failed start runs no callback but destroy. */
        rec = (Rec){ 0 };
        ASSERT_ERRNO(lwmi_client_exec_query_async(c, NULL, &rec_sink, &rec, NULL), EINVAL);
        ASSERT_EQ(rec.n_destroy, 1);
        ASSERT_EQ(rec.n_status, 0);

        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(async_unref_in_callback) {
        lwmi_object *o = NULL;
        Rec rec = { .unref_in_indicate = true };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_exec_query_async(c, "SELECT * FROM Sample", &rec_sink, &rec,
                                               &rec.call));
        run_until(c, &rec.n_destroy, 1);
        ASSERT_EQ(rec.n_indicate, 1);
        ASSERT_EQ(rec.n_status, 0);
        /* The rest of the answers is ignored; the connection still works. */
        ASSERT_OK(lwmi_client_get_object(c, "Sample.Name=\"a\"", &o, NULL));
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(async_notification_cancel) {
        Rec rec = { .cancel_in_indicate = true };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_exec_notification_query_async(c, "SELECT * FROM SampleEvent",
                                                            &rec_sink, &rec, &rec.call));
        run_until(c, &rec.n_status, 1);
        ASSERT_EQ(rec.n_status, 1);
        ASSERT_UEQ(rec.status, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED);
        /* cancelled in the first indicate(): the events after it are dropped */
        ASSERT_EQ(rec.n_indicate, 1);
        ASSERT_CMP(rec.n_objects, <, 3);
        ASSERT_FALSE(rec.indicate_after_status);
        rec.call = lwmi_call_unref(rec.call);
        ASSERT_EQ(rec.n_destroy, 1);
        lwmi_client_unref(c);
        fake_stop(&f);
}

/* The shape of an event watcher: subscribe, then pull batches. */
TEST(notification_enum) {
        lwmi_object **objs = NULL;
        lwmi_enum *e = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_exec_notification_query(c, "SELECT * FROM SampleEvent", &e, &err));
        ASSERT_EQ(lwmi_enum_next(e, 5000000, 1, &objs, &n, &err), 1);
        ASSERT_EQ(n, 1);
        lwmi_objects_free(objs, n);
        ASSERT_EQ(lwmi_enum_next(e, 5000000, 16, &objs, &n, &err), 1);
        ASSERT_TRUE(n >= 1);
        lwmi_objects_free(objs, n);
        if (n == 1) {
                ASSERT_EQ(lwmi_enum_next(e, 5000000, 16, &objs, &n, &err), 1);
                lwmi_objects_free(objs, n);
        }
        ASSERT_ERRNO(lwmi_enum_next(e, 50000, 16, &objs, &n, &err), ETIMEDOUT);
        /*
         * Timeouts that run out while the wait starts: never a wait without
         * end (SO_RCVTIMEO 0 means none, so a wait with 0 left must not be made).
         */
        for (unsigned i = 0; i < 3000; i++)
                ASSERT_ERRNO(lwmi_enum_next(e, i % 4, 16, &objs, &n, &err), ETIMEDOUT);
        ASSERT_OK(lwmi_enum_cancel(e));
        ASSERT_EQ(lwmi_enum_next(e, 5000000, 16, &objs, &n, &err),
                  lwmi_status_to_errno(LWMI_WBEM_E_CALL_CANCELLED));
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        fake_stop(&f);
}

/*
 * After a short read the socket is empty, so no recv() that can only say
 * EAGAIN (one per event, the benchmark saw): the synchronous calls poll()
 * first, and a subscription's lwmi_enum_next() waits in a blocking recv()
 * (one system call per wake-up, as a plain blocking read).
 */
TEST(no_recv_for_eagain) {
        lwmi_object **objs = NULL;
        lwmi_object *o = NULL;
        lwmi_enum *e = NULL;
        lwmi_error err = { 0 };
        size_t n = 0, events = 0;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        counted_fd = lwmi_client_get_fd(c);
        n_recv = n_recv_eagain = n_recv_blocking = n_poll = 0;
        ASSERT_OK(lwmi_client_get_class(c, "Sample", &o, &err));
        lwmi_object_unref(o);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Sample", &objs, &n, &err));
        ASSERT_EQ(n, 3);
        lwmi_objects_free(objs, n);
        ASSERT_CMP(n_poll, >=, 2); /* the calls' waits */
        ASSERT_OK(lwmi_client_exec_notification_query(c, "SELECT * FROM SampleEvent", &e, &err));
        n_poll = n_recv_blocking = 0;
        while (events < 3) {
                ASSERT_EQ(lwmi_enum_next(e, 5000000, 1, &objs, &n, &err), 1);
                events += n;
                lwmi_objects_free(objs, n);
        }
        ASSERT_ERRNO(lwmi_enum_next(e, 20000, 16, &objs, &n, &err), ETIMEDOUT);
        ASSERT_EQ(n_poll, 0);               /* the subscription's waits are recv()s */
        ASSERT_CMP(n_recv_blocking, >=, 2); /* events, the timed-out wait among them */
        ASSERT_OK(lwmi_enum_cancel(e));
        ASSERT_EQ(lwmi_enum_next(e, 5000000, 16, &objs, &n, &err),
                  lwmi_status_to_errno(LWMI_WBEM_E_CALL_CANCELLED));
        ASSERT_CMP(n_recv, >=, 4);
        ASSERT_EQ(n_recv_eagain, 0);
        counted_fd = -1;
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST(broker_disconnects) {
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        Rec rec = { 0 };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        ASSERT_OK(lwmi_client_exec_query_async(c, "SELECT * FROM Slow", &rec_sink, &rec, NULL));
        ASSERT_TRUE(lwmi_client_exec_query(c, "SELECT * FROM Die", &objs, &n, &err) < 0);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_TRANSPORT_FAILURE);
        ASSERT_EQ(rec.n_status, 1);
        ASSERT_UEQ(rec.status, (lwmi_status) LWMI_WBEM_E_TRANSPORT_FAILURE);
        ASSERT_EQ(rec.n_destroy, 1);
        ASSERT_ERRNO(lwmi_client_process(c), ENOTCONN);
        ASSERT_ERRNO(lwmi_client_exec_query(c, "SELECT * FROM Sample", &objs, &n, &err), ENOTCONN);
        lwmi_client_unref(c);
        fake_stop(&f);
}

typedef struct Nested {
        lwmi_client *client;
        int sync_r;
        unsigned n_status;
} Nested;

static void nested_indicate(lwmi_call *call, lwmi_object *const *objects, size_t n,
                            void *userdata) {
        Nested *x = userdata;
        lwmi_object *o = NULL;

        /* Synchronous calls cannot nest in a callback of the same connection. */
        x->sync_r = lwmi_client_get_object(x->client, "Sample.Name=\"a\"", &o, NULL);
}

static void nested_set_status(lwmi_call *call, lwmi_status status, const char *message,
                              void *userdata) {
        Nested *x = userdata;

        x->n_status++;
        /* Dropping the last reference to the connection inside its own callback is fine. */
        x->client = lwmi_client_unref(x->client);
}

TEST(callbacks_reentrancy) {
        static const lwmi_sink sink = LWMI_SINK_INIT(nested_indicate, nested_set_status);
        Nested x = { 0 };
        Fake f;
        lwmi_client *c = connect_fake(&f);

        x.client = c;
        ASSERT_OK(lwmi_client_exec_query_async(c, "SELECT * FROM Sample", &sink, &x, NULL));
        while (x.n_status == 0) {
                /* An external loop: poll the fd for the events the connection asks for. */
                struct pollfd p = { .fd = lwmi_client_get_fd(c),
                                    .events = (short) lwmi_client_get_events(c) };
                uint64_t t;

                ASSERT_OK(lwmi_client_get_timeout(c, &t));
                ASSERT_TRUE(poll(&p, 1, 5000) > 0);
                ASSERT_TRUE(lwmi_client_process(c) >= 0);
        }
        ASSERT_ERRNO(x.sync_r, EBUSY);
        ASSERT_NULL(x.client);
        fake_stop(&f);
}

TEST(fork_returns_echild) {
        lwmi_object *o = NULL;
        pid_t pid;
        int status;
        Fake f;
        lwmi_client *c = connect_fake(&f);

        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int r = lwmi_client_get_object(c, "Sample.Name=\"a\"", &o, NULL);

                _exit(r == -ECHILD && lwmi_client_get_fd(c) == -ECHILD ? 0 : 1);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ASSERT_OK(lwmi_client_get_object(c, "Sample.Name=\"a\"", &o, NULL));
        lwmi_object_unref(o);
        lwmi_client_unref(c);
        fake_stop(&f);
}

TEST_MAIN();
