/* SPDX-License-Identifier: MIT */
/*
 * Integration test of wmid: starts the real broker binary on a private socket
 * and state directory, and speaks the wire protocol to it as clients and as
 * fake providers over raw AF_UNIX sockets. Waits on events, never sleeps.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/object.h"
#include "shared/test.h"
#include "wire/wire.h"

static const char *wmid_path;

#define TEST_GUID_STR  "{6c2b6d6e-1f0e-4a57-9d2e-5b0c1e7a3f11}"
#define TEST_GUID2_STR "{6c2b6d6e-1f0e-4a57-9d2e-5b0c1e7a3f12}"
#define TEST_GUID3_STR "{6c2b6d6e-1f0e-4a57-9d2e-5b0c1e7a3f13}"

static const char test_mof[] =
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"" TEST_GUID_STR "\")]\n"
        "class Lwmi_TestBlock {\n"
        "  [key, read] string InstanceName;\n"
        "  [read] boolean Active;\n"
        "  [WmiDataId(1), read, write] uint32 Value;\n"
        "  [WmiDataId(2), read] uint32 Other;\n"
        "  [WmiMethodId(1), Implemented] void Add([in, ID(0)] uint32 A, [out, ID(1)] uint32 "
        "Sum);\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"" TEST_GUID3_STR "\")]\n"
        "class Lwmi_TestEvent : WMIEvent {\n"
        "  [key, read] string InstanceName;\n"
        "  [read] boolean Active;\n"
        "  [WmiDataId(1), read] uint32 Code;\n"
        "};\n"
        "class Lwmi_Static {\n"
        "  [key] string Name;\n"
        "  uint32 N;\n"
        "};\n"
        "instance of Lwmi_Static { Name = \"a\"; N = 1; };\n"
        "instance of Lwmi_Static { Name = \"b\"; N = 2; };\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"" TEST_GUID2_STR "\")]\n"
        "class Lwmi_TestBlock2 {\n"
        "  [key, read] string InstanceName;\n"
        "  [read] boolean Active;\n"
        "  [WmiDataId(1), read] uint32 Value;\n"
        "};\n";

typedef struct Broker {
        char dir[256];
        char socket[300];
        char state[300];
        pid_t pid;
} Broker;

typedef struct Peer {
        int fd;
        WireReader in;
        WireWriter out;
} Peer;

static void broker_start_args(Broker *b, const char *timeout, const char *admin_group);

static void broker_start(Broker *b, const char *timeout) {
        broker_start_args(b, timeout, NULL);
}

static void broker_start_args(Broker *b, const char *timeout, const char *admin_group) {
        char fdarg[16];
        int pfd[2];
        char buf[16] = { 0 };
        struct pollfd p;
        const char *tmp = getenv("TMPDIR");
        ssize_t n;

        snprintf(b->dir, sizeof(b->dir), "%s/test-broker-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ASSERT_NOT_NULL(mkdtemp(b->dir));
        /* Other uids must reach the socket (the authorization test). */
        ASSERT_OK(chmod(b->dir, 0755));
        snprintf(b->socket, sizeof(b->socket), "%s/wmid.sock", b->dir);
        snprintf(b->state, sizeof(b->state), "%s/state", b->dir);
        ASSERT_OK(pipe2(pfd, O_CLOEXEC));
        b->pid = fork();
        ASSERT_TRUE(b->pid >= 0);
        if (b->pid == 0) {
                /* Never outlive a test that aborts. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
                        _exit(127);
                /* fd 3 is the ready fd; dup2() clears O_CLOEXEC. */
                if (dup2(pfd[1], 3) < 0)
                        _exit(127);
                snprintf(fdarg, sizeof(fdarg), "3");
                execl(wmid_path, "wmid", "--socket", b->socket, "--state", b->state, "--ready-fd",
                      fdarg, "--provider-timeout", timeout, "--log-level", "debug",
                      admin_group ? "--admin-group" : (char *) NULL, admin_group, (char *) NULL);
                _exit(127);
        }
        close(pfd[1]);
        p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
        ASSERT_EQ(poll(&p, 1, 60000), 1);
        n = read(pfd[0], buf, sizeof(buf) - 1);
        ASSERT_EQ(n, 8);
        ASSERT_STREQ(buf, "READY=1\n");
        close(pfd[0]);
}

static int rm_rf_state(Broker *b) {
        char cmd[700];

        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", b->dir);
        return system(cmd);
}

static void broker_stop(Broker *b) {
        int status;
        struct stat st;

        ASSERT_OK(kill(b->pid, SIGTERM));
        ASSERT_EQ(waitpid(b->pid, &status, 0), b->pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
        /* The socket is removed on a clean shutdown. */
        ASSERT_TRUE(stat(b->socket, &st) < 0 && errno == ENOENT);
        ASSERT_EQ(rm_rf_state(b), 0);
}

static void peer_send(Peer *p, const WireMsg *m) {
        ASSERT_OK(wire_writer_append(&p->out, m));
        while (wire_writer_pending(&p->out) > 0) {
                ssize_t n = send(p->fd, wire_writer_data(&p->out), wire_writer_pending(&p->out),
                                 MSG_NOSIGNAL);
                ASSERT_TRUE(n > 0);
                wire_writer_advance(&p->out, (size_t) n);
        }
}

/* Next frame, decoded (borrowed until the next call); 0 on EOF. */
static int peer_recv(Peer *p, WireMsg *ret, int timeout_ms) {
        for (;;) {
                WireFrame f;
                struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
                size_t avail;
                void *buf;
                ssize_t n;
                int r = wire_reader_next(&p->in, &f);

                ASSERT_TRUE(r >= 0);
                if (r > 0) {
                        ASSERT_OK(wire_msg_decode_frame(&f, ret));
                        return 1;
                }
                ASSERT_EQ(poll(&pfd, 1, timeout_ms), 1);
                ASSERT_OK(wire_reader_reserve(&p->in, 65536, &buf, &avail));
                n = recv(p->fd, buf, avail, 0);
                if (n == 0 || (n < 0 && errno == ECONNRESET))
                        return 0;
                ASSERT_TRUE(n > 0);
                wire_reader_commit(&p->in, (size_t) n);
        }
}

static void peer_expect(Peer *p, uint16_t type, WireMsg *ret) {
        ASSERT_EQ(peer_recv(p, ret, 30000), 1);
        if (ret->type != type)
                TEST_FAIL("expected %s, got %s", wire_msg_type_to_string(type),
                          wire_msg_type_to_string(ret->type));
}

/* Reads the STATUS of @rid, counting OBJECTS before it; returns the status. */
static uint32_t peer_status(Peer *p, uint32_t rid, size_t *ret_n_objects, lwmi_object **ret_first) {
        size_t n_objects = 0;
        WireMsg m;

        for (;;) {
                ASSERT_EQ(peer_recv(p, &m, 30000), 1);
                ASSERT_EQ(m.request_id, rid);
                if (m.type == WIRE_MSG_OBJECTS) {
                        WireList l;

                        ASSERT_OK(wire_msg_read(&m, &l));
                        n_objects += l.count;
                        if (ret_first && !*ret_first && l.count > 0) {
                                const void *data;
                                size_t size;

                                ASSERT_EQ(wire_list_next_bytes(&l, &data, &size), 1);
                                ASSERT_OK(cim_object_decode(data, size, NULL, NULL, ret_first));
                        }
                        continue;
                }
                if (m.type == WIRE_MSG_STATUS) {
                        uint32_t status;
                        const char *msg;

                        ASSERT_OK(wire_msg_read(&m, &status, &msg));
                        if (status)
                                fprintf(stderr, "status 0x%08x: %s\n", status, msg);
                        if (ret_n_objects)
                                *ret_n_objects = n_objects;
                        return status;
                }
                TEST_FAIL("unexpected %s", wire_msg_type_to_string(m.type));
        }
}

static int raw_connect(const Broker *b) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ASSERT_TRUE(fd >= 0);
        strcpy(sa.sun_path, b->socket);
        ASSERT_OK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)));
        return fd;
}

static void peer_open(Peer *p, const Broker *b, uint8_t role, const char *name) {
        WireMsg m;
        uint16_t version;
        uint32_t max_frame, status;

        *p = (Peer){ .fd = raw_connect(b),
                     .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT),
                     .out = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT) };
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_HELLO, 0, (unsigned) WIRE_MAGIC, 1u, 1u,
                                 (unsigned) role, (unsigned) WIRE_FRAME_MAX_DEFAULT, name));
        peer_send(p, &m);
        peer_expect(p, WIRE_MSG_HELLO_REPLY, &m);
        ASSERT_OK(wire_msg_read(&m, &version, &max_frame, &status, NULL));
        ASSERT_EQ(version, 1);
        ASSERT_EQ(status, 0u);
        ASSERT_EQ(max_frame, WIRE_FRAME_MAX_DEFAULT);
}

static void peer_close(Peer *p) {
        if (p->fd >= 0)
                close(p->fd);
        p->fd = -1;
        wire_reader_deinit(&p->in);
        wire_writer_deinit(&p->out);
}

static uint32_t provider_setup(Peer *prov, const char *device, const char *guid_str,
                               uint32_t min_size, uint32_t instance_id) {
        lwmi_guid guid;
        WireMsg m;
        uint32_t st;

        ASSERT_OK(lwmi_guid_parse(guid_str, &guid));
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 1, device, test_mof));
        peer_send(prov, &m);
        ASSERT_EQ(peer_status(prov, 1, NULL, NULL), 0u);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_PROVIDER_REGISTER, 2, &guid, 0u, min_size));
        peer_send(prov, &m);
        st = peer_status(prov, 2, NULL, NULL);
        if (st)
                return st;
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_REGISTER, 3, &guid, instance_id, ""));
        peer_send(prov, &m);
        ASSERT_EQ(peer_status(prov, 3, NULL, NULL), 0u);
        return 0;
}

/* Receives one QUERY_INSTANCE; returns its request id and buffer size. */
static uint32_t provider_expect_query(Peer *prov, uint32_t *ret_buffer_size) {
        uint32_t id, size, uid, gid, pid;
        lwmi_guid guid;
        WireMsg m;

        peer_expect(prov, WIRE_MSG_QUERY_INSTANCE, &m);
        ASSERT_OK(wire_msg_read(&m, &guid, &id, &size, &uid, &gid, &pid));
        ASSERT_EQ(uid, (uint32_t) getuid());
        ASSERT_EQ(pid, (uint32_t) getpid());
        if (ret_buffer_size)
                *ret_buffer_size = size;
        return m.request_id;
}

static void provider_reply(Peer *prov, uint32_t rid, uint32_t status, uint32_t size_needed,
                           const void *data, size_t size) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_REPLY, rid, status, size_needed, data, size));
        peer_send(prov, &m);
}

static void client_query(Peer *c, uint32_t rid, const char *wql) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_QUERY, rid, "root\\wmi", wql, 0u));
        peer_send(c, &m);
}

static const uint8_t block42[8] = { 42, 0, 0, 0, 5, 0, 0, 0 };

static Broker broker_main;

static void test_handshake_and_class(void) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        Peer c;
        WireMsg m;
        size_t n;

        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "test");
        ASSERT_OK(
                wire_msg_build(&m, WIRE_MSG_GET_CLASS, 5, "root\\wmi", "__InstanceCreationEvent"));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 5, &n, &cls), 0u);
        ASSERT_EQ(n, 1u);
        ASSERT_TRUE(lwmi_object_is_class(cls));
        ASSERT_STREQ(lwmi_object_get_class_name(cls), "__InstanceCreationEvent");

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 6, "root\\wmi", "No_Such_Class"));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 6, &n, NULL), (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_EQ(n, 0u);

        /* A provider message from a client closes that client. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_REPLY, 7, 0u, 0u, NULL, (size_t) 0));
        peer_send(&c, &m);
        ASSERT_EQ(peer_recv(&c, &m, 30000), 0);
        peer_close(&c);
}

static void test_query_provider(void) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        Peer c, prov;
        const char *name;
        uint32_t rid, bufsize;
        uint64_t v;
        bool active;
        size_t n;

        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "testprov");
        ASSERT_EQ(provider_setup(&prov, "TestDev", TEST_GUID_STR, 8, 7), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "test");

        /* A plain query: one QUERY_INSTANCE, one instance decoded. */
        client_query(&c, 10, "SELECT * FROM Lwmi_TestBlock");
        rid = provider_expect_query(&prov, &bufsize);
        ASSERT_TRUE(bufsize >= 8);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_EQ(peer_status(&c, 10, &n, &o), 0u);
        ASSERT_EQ(n, 1u);
        ASSERT_OK(lwmi_object_get_uint64(o, "Value", &v));
        ASSERT_EQ(v, 42u);
        ASSERT_OK(lwmi_object_get_uint64(o, "Other", &v));
        ASSERT_EQ(v, 5u);
        ASSERT_OK(lwmi_object_get_string(o, "InstanceName", &name));
        ASSERT_STREQ(name, "TestDev_0");
        ASSERT_OK(lwmi_object_get_bool(o, "Active", &active));
        ASSERT_TRUE(active);
        o = lwmi_object_unref(o);

        /* WHERE filters in the broker. */
        client_query(&c, 11, "SELECT * FROM Lwmi_TestBlock WHERE Value = 1");
        rid = provider_expect_query(&prov, NULL);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_EQ(peer_status(&c, 11, &n, NULL), 0u);
        ASSERT_EQ(n, 0u);

        /* Buffer too small: the broker retries with the size asked, the client never knows. */
        client_query(&c, 12, "SELECT Value FROM Lwmi_TestBlock WHERE Value = 42");
        rid = provider_expect_query(&prov, &bufsize);
        provider_reply(&prov, rid, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL, bufsize + 100, NULL, 0);
        rid = provider_expect_query(&prov, &bufsize);
        ASSERT_TRUE(bufsize >= 164);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_EQ(peer_status(&c, 12, &n, &o), 0u);
        ASSERT_EQ(n, 1u);
        ASSERT_OK(lwmi_object_get_uint64(o, "Value", &v));
        ASSERT_EQ(v, 42u);
        /* Not selected: NULL. */
        ASSERT_ERRNO(lwmi_object_get_uint64(o, "Other", &v), ENODATA);
        o = lwmi_object_unref(o);

        /* GET_OBJECT by path. */
        {
                WireMsg m;

                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_OBJECT, 13, "root\\wmi",
                                         "Lwmi_TestBlock.InstanceName=\"TestDev_0\""));
                peer_send(&c, &m);
                rid = provider_expect_query(&prov, NULL);
                provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
                ASSERT_EQ(peer_status(&c, 13, &n, NULL), 0u);
                ASSERT_EQ(n, 1u);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_OBJECT, 14, "root\\wmi",
                                         "Lwmi_TestBlock.InstanceName=\"TestDev_9\""));
                peer_send(&c, &m);
                ASSERT_EQ(peer_status(&c, 14, &n, NULL), (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        }

        /* A second provider may not take the GUID while the first lives. */
        {
                Peer p2;

                peer_open(&p2, &broker_main, WIRE_ROLE_PROVIDER, "intruder");
                ASSERT_EQ(provider_setup(&p2, "Other", TEST_GUID_STR, 8, 1),
                          (uint32_t) LWMI_WBEM_E_ALREADY_EXISTS);
                peer_close(&p2);
        }

        /* The provider dies mid-call: WBEM_E_PROVIDER_FAILURE, and its instances disappear. */
        client_query(&c, 15, "SELECT * FROM Lwmi_TestBlock");
        provider_expect_query(&prov, NULL);
        peer_close(&prov);
        ASSERT_EQ(peer_status(&c, 15, &n, NULL), (uint32_t) LWMI_WBEM_E_PROVIDER_FAILURE);
        client_query(&c, 16, "SELECT * FROM Lwmi_TestBlock");
        ASSERT_EQ(peer_status(&c, 16, &n, NULL), 0u);
        ASSERT_EQ(n, 0u);

        /* Now the GUID is free again. */
        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "testprov2");
        ASSERT_EQ(provider_setup(&prov, "TestDev", TEST_GUID_STR, 8, 7), 0u);
        peer_close(&prov);
        peer_close(&c);
}

/* Receives one broker request of @type; returns its id and the data it carries. */
static uint32_t provider_expect_set(Peer *prov, uint16_t type, uint32_t *ret_item,
                                    uint8_t *ret_data, size_t *ret_size) {
        uint32_t id, item = 0, out_size, uid, gid, pid;
        const void *data;
        lwmi_guid guid;
        size_t size;
        WireMsg m;

        peer_expect(prov, type, &m);
        if (type == WIRE_MSG_SET_INSTANCE)
                ASSERT_OK(wire_msg_read(&m, &guid, &id, &data, &size, &uid, &gid, &pid));
        else if (type == WIRE_MSG_SET_ITEM)
                ASSERT_OK(wire_msg_read(&m, &guid, &id, &item, &data, &size, &uid, &gid, &pid));
        else
                ASSERT_OK(wire_msg_read(&m, &guid, &id, &item, &data, &size, &out_size, &uid, &gid,
                                        &pid));
        ASSERT_TRUE(size <= 64);
        memcpy(ret_data, data, size);
        *ret_size = size;
        if (ret_item)
                *ret_item = item;
        return m.request_id;
}

static void send_object(Peer *c, uint16_t type, uint32_t rid, const char *path, const char *name,
                        const lwmi_object *o) {
        _cleanup_strbuf_ StrBuf s = STRBUF_INIT;
        WireMsg m;

        if (o)
                ASSERT_OK(cim_object_encode_full(o, &s));
        if (type == WIRE_MSG_PUT_INSTANCE)
                ASSERT_OK(wire_msg_build(&m, type, rid, "root\\wmi", s.s, s.len, 0u));
        else if (type == WIRE_MSG_PUT_PROPERTY)
                ASSERT_OK(wire_msg_build(&m, type, rid, "root\\wmi", path, name, s.s, s.len));
        else
                ASSERT_OK(wire_msg_build(&m, type, rid, "root\\wmi", path, name, s.s, s.len));
        peer_send(c, &m);
}

#define WPATH "Lwmi_TestBlock.InstanceName=\"WDev_0\""

static void test_writes_and_methods(void) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL, *cls = NULL, *in_cls = NULL,
                                                  *out_cls = NULL, *in = NULL, *out = NULL,
                                                  *cls2 = NULL, *o2 = NULL;
        uint8_t data[64];
        uint32_t rid, item;
        uint64_t v;
        size_t size, n;
        Peer c, prov;
        WireMsg m;

        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "writeprov");
        ASSERT_EQ(provider_setup(&prov, "WDev", TEST_GUID_STR, 8, 3), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "test");

        /* Static instances of a class no provider backs, filtered by WHERE. */
        client_query(&c, 20, "SELECT * FROM Lwmi_Static WHERE N = 2");
        ASSERT_EQ(peer_status(&c, 20, &n, &o), 0u);
        ASSERT_EQ(n, 1u);
        ASSERT_OK(lwmi_object_get_uint64(o, "N", &v));
        ASSERT_EQ(v, 2u);
        o = lwmi_object_unref(o);

        /* PUT_INSTANCE -> SET_INSTANCE with the whole block. */
        client_query(&c, 21, "SELECT * FROM Lwmi_TestBlock");
        rid = provider_expect_query(&prov, NULL);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_EQ(peer_status(&c, 21, &n, &o), 0u);
        ASSERT_OK(lwmi_object_set_uint64(o, "Value", 7));
        send_object(&c, WIRE_MSG_PUT_INSTANCE, 22, NULL, NULL, o);
        rid = provider_expect_set(&prov, WIRE_MSG_SET_INSTANCE, NULL, data, &size);
        ASSERT_EQ(size, 8u);
        ASSERT_EQ(data[0], 7);
        ASSERT_EQ(data[4], 5);
        provider_reply(&prov, rid, 0, 0, NULL, 0);
        ASSERT_EQ(peer_status(&c, 22, NULL, NULL), 0u);

        /* PUT_PROPERTY -> SET_ITEM with the item's id and bytes; provider errors pass through. */
        ASSERT_OK(lwmi_object_set_uint64(o, "Value", 9));
        send_object(&c, WIRE_MSG_PUT_PROPERTY, 23, WPATH, "Value", o);
        rid = provider_expect_set(&prov, WIRE_MSG_SET_ITEM, &item, data, &size);
        ASSERT_EQ(item, 1u);
        ASSERT_EQ(size, 4u);
        ASSERT_EQ(data[0], 9);
        provider_reply(&prov, rid, (uint32_t) LWMI_WBEM_E_READ_ONLY, 0, NULL, 0);
        ASSERT_EQ(peer_status(&c, 23, NULL, NULL), (uint32_t) LWMI_WBEM_E_READ_ONLY);

        /* EXEC_METHOD -> EXECUTE_METHOD: in-parameters in, out-parameters back. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 24, "root\\wmi", "Lwmi_TestBlock"));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 24, NULL, &cls), 0u);
        ASSERT_OK(lwmi_object_get_method_signature(cls, "Add", &in_cls, &out_cls));
        ASSERT_OK(lwmi_class_spawn_instance(in_cls, &in));
        ASSERT_OK(lwmi_object_set_uint64(in, "A", 41));
        send_object(&c, WIRE_MSG_EXEC_METHOD, 25, WPATH, "Add", in);
        rid = provider_expect_set(&prov, WIRE_MSG_EXECUTE_METHOD, &item, data, &size);
        ASSERT_EQ(item, 1u);
        ASSERT_EQ(size, 4u);
        ASSERT_EQ(data[0], 41);
        /* Too small first: retried invisibly. */
        provider_reply(&prov, rid, (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL, 16, NULL, 0);
        rid = provider_expect_set(&prov, WIRE_MSG_EXECUTE_METHOD, &item, data, &size);
        data[0] = 42;
        provider_reply(&prov, rid, 0, 0, data, 4);
        ASSERT_EQ(peer_status(&c, 25, &n, &out), 0u);
        ASSERT_EQ(n, 1u);
        ASSERT_OK(lwmi_object_get_uint64(out, "Sum", &v));
        ASSERT_EQ(v, 42u);

        /* Static instances: put (create-only refused on a duplicate), query, delete. */
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *scls = NULL, *si = NULL;

                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 26, "root\\wmi", "Lwmi_Static"));
                peer_send(&c, &m);
                ASSERT_EQ(peer_status(&c, 26, NULL, &scls), 0u);
                ASSERT_OK(lwmi_class_spawn_instance(scls, &si));
                ASSERT_OK(lwmi_object_set_string(si, "Name", "c"));
                ASSERT_OK(lwmi_object_set_uint64(si, "N", 3));
                send_object(&c, WIRE_MSG_PUT_INSTANCE, 27, NULL, NULL, si);
                ASSERT_EQ(peer_status(&c, 27, NULL, NULL), 0u);
                client_query(&c, 28, "SELECT * FROM Lwmi_Static");
                ASSERT_EQ(peer_status(&c, 28, &n, NULL), 0u);
                ASSERT_EQ(n, 3u);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DELETE_INSTANCE, 29, "root\\wmi",
                                         "Lwmi_Static.Name=\"c\""));
                peer_send(&c, &m);
                ASSERT_EQ(peer_status(&c, 29, NULL, NULL), 0u);
                client_query(&c, 30, "SELECT * FROM Lwmi_Static");
                ASSERT_EQ(peer_status(&c, 30, &n, NULL), 0u);
                ASSERT_EQ(n, 2u);
        }

        /* An object of Lwmi_TestBlock2 carrying a Value, for PUT_PROPERTY. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 31, "root\\wmi", "Lwmi_TestBlock2"));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 31, NULL, &cls2), 0u);
        ASSERT_OK(lwmi_class_spawn_instance(cls2, &o2));
        ASSERT_OK(lwmi_object_set_uint64(o2, "Value", 3));

        /* Writes need root, the admin group or the provider's uid. */
        if (getuid() == 0) {
                pid_t pid = fork();
                int status;

                ASSERT_TRUE(pid >= 0);
                if (pid == 0) {
                        Peer u;

                        if (setresgid(65534, 65534, 65534) < 0 || setgroups(0, NULL) < 0 ||
                            setresuid(65534, 65534, 65534) < 0)
                                _exit(2);
                        peer_open(&u, &broker_main, WIRE_ROLE_CLIENT, "nobody");
                        send_object(&u, WIRE_MSG_PUT_PROPERTY, 1, WPATH, "Value", o);
                        if (peer_status(&u, 1, NULL, NULL) != (uint32_t) LWMI_WBEM_E_ACCESS_DENIED)
                                _exit(3);
                        client_query(&u, 2, "SELECT * FROM Lwmi_Static");
                        if (peer_status(&u, 2, &n, NULL) != 0 || n != 2)
                                _exit(4);

                        /* An unprivileged provider may add classes, not instances. */
                        {
                                Peer up;
                                lwmi_guid g2;

                                peer_open(&up, &broker_main, WIRE_ROLE_PROVIDER, "nobodyprov");
                                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 1, "N",
                                                         test_mof));
                                peer_send(&up, &m);
                                if (peer_status(&up, 1, NULL, NULL) !=
                                    (uint32_t) LWMI_WBEM_E_ACCESS_DENIED)
                                        _exit(5);
                                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 2, "N",
                                                         "class Lwmi_Nobody { [key] string K; };"));
                                peer_send(&up, &m);
                                if (peer_status(&up, 2, NULL, NULL) != 0)
                                        _exit(6);
                                /* Its own provider's data: writes allowed to its uid. */
                                ASSERT_OK(lwmi_guid_parse(TEST_GUID2_STR, &g2));
                                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_PROVIDER_REGISTER, 3, &g2, 0u,
                                                         4u));
                                peer_send(&up, &m);
                                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_REGISTER, 4, &g2, 1u,
                                                         "Mine"));
                                peer_send(&up, &m);
                                if (peer_status(&up, 3, NULL, NULL) != 0 ||
                                    peer_status(&up, 4, NULL, NULL) != 0)
                                        _exit(7);
                                send_object(&u, WIRE_MSG_PUT_PROPERTY, 3,
                                            "Lwmi_TestBlock2.InstanceName=\"Mine\"", "Value", o2);
                                rid = provider_expect_set(&up, WIRE_MSG_SET_ITEM, &item, data,
                                                          &size);
                                provider_reply(&up, rid, 0, 0, NULL, 0);
                                if (peer_status(&u, 3, NULL, NULL) != 0)
                                        _exit(8);
                                peer_close(&up);
                        }
                        peer_close(&u);
                        _exit(0);
                }
                ASSERT_EQ(waitpid(pid, &status, 0), pid);
                ASSERT_TRUE(WIFEXITED(status));
                ASSERT_EQ(WEXITSTATUS(status), 0);
        }

        peer_close(&prov);
        peer_close(&c);
}

static void test_cancel_enum_malformed(void) {
        static const uint8_t bad_payload[] = { 0xff, 0xff, 0xff, 0x7f };
        Peer c, prov;
        WireMsg m;
        uint32_t rid;
        size_t n;

        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "cancelprov");
        ASSERT_EQ(provider_setup(&prov, "CDev", TEST_GUID_STR, 8, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "test");

        /* CANCEL: the request ends with WBEM_E_CALL_CANCELLED, the CANCEL with 0. */
        client_query(&c, 30, "SELECT * FROM Lwmi_TestBlock");
        rid = provider_expect_query(&prov, NULL);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 31, 30u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 30, NULL, NULL), (uint32_t) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_EQ(peer_status(&c, 31, NULL, NULL), 0u);
        /* The provider's late answer is dropped; the next request is answered normally. */
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 32, 30u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 32, NULL, NULL), (uint32_t) LWMI_WBEM_E_NOT_FOUND);

        /* Every class of root\wmi, in several OBJECTS batches if needed. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_ENUM_CLASSES, 33, "root\\wmi", "", 1u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 33, &n, NULL), 0u);
        ASSERT_TRUE(n > 10);

        /* A well-framed but malformed request gets an error STATUS and the connection lives. */
        {
                uint8_t frame[WIRE_HEADER_SIZE + sizeof(bad_payload)] = {
                        sizeof(bad_payload), 0, 0, 0, 0x03, 0x01, 0, 0, 34, 0, 0, 0, 0, 0, 0, 0,
                };

                memcpy(frame + WIRE_HEADER_SIZE, bad_payload, sizeof(bad_payload));
                ASSERT_EQ(send(c.fd, frame, sizeof(frame), MSG_NOSIGNAL), (ssize_t) sizeof(frame));
                ASSERT_EQ(peer_status(&c, 34, NULL, NULL),
                          (uint32_t) LWMI_WBEM_E_INVALID_PARAMETER);
        }

        /* Bad queries. */
        client_query(&c, 35, "SELECT * FROM");
        ASSERT_TRUE(peer_status(&c, 35, NULL, NULL) != 0);
        client_query(&c, 36, "SELECT * FROM No_Such_Class");
        ASSERT_EQ(peer_status(&c, 36, NULL, NULL), (uint32_t) LWMI_WBEM_E_INVALID_CLASS);

        /* A provider with a MOF error is told where. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 9, "Bad", "class { oops"));
        peer_send(&prov, &m);
        ASSERT_EQ(peer_status(&prov, 9, NULL, NULL), (uint32_t) LWMI_WBEM_E_INVALID_SYNTAX);

        peer_close(&prov);
        peer_close(&c);
}

static void expect_function_control(Peer *prov, uint8_t want_enable) {
        uint32_t control;
        uint64_t handle;
        uint8_t enable;
        lwmi_guid guid, g3;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID3_STR, &g3));
        peer_expect(prov, WIRE_MSG_FUNCTION_CONTROL, &m);
        ASSERT_OK(wire_msg_read(&m, &guid, &control, &enable, &handle));
        ASSERT_TRUE(lwmi_guid_equal(&guid, &g3));
        ASSERT_EQ(control, 1u);
        ASSERT_EQ(enable, want_enable);
        provider_reply(prov, m.request_id, 0, 0, NULL, 0);
}

static void test_events(void) {
        static const uint8_t code1[4] = { 1, 0, 0, 0 }, code5[4] = { 5, 0, 0, 0 };
        _cleanup_(lwmi_object_unrefp) lwmi_object *ev = NULL;
        WireListBuf events = WIRE_LIST_BUF_INIT;
        const char *name;
        lwmi_guid g3;
        uint32_t sub;
        uint64_t v;
        Peer c, prov;
        WireList l;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID3_STR, &g3));
        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "evprov");
        ASSERT_EQ(provider_setup(&prov, "EvDev", TEST_GUID3_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "test");

        /* Not an event class. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, 39, "root\\wmi",
                                 "SELECT * FROM Lwmi_Static", 0u, 0u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 39, NULL, NULL), (uint32_t) LWMI_WBEM_E_NOT_EVENT_CLASS);

        /* The first subscriber enables the provider's events. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, 40, "root\\wmi",
                                 "SELECT * FROM Lwmi_TestEvent WHERE Code > 1", 0u, 0u));
        peer_send(&c, &m);
        expect_function_control(&prov, 1);

        /* Filtered by WHERE, then delivered (one FIRE_EVENT, one FIRE_EVENTS). */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENT, 50, &g3, 1u, code1, sizeof(code1)));
        peer_send(&prov, &m);
        ASSERT_OK(wire_list_buf_add_event(&events, &g3, 1, code5, sizeof(code5)));
        l = wire_list_buf_get(&events);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENTS, 51, &l));
        peer_send(&prov, &m);
        wire_list_buf_deinit(&events);

        peer_expect(&c, WIRE_MSG_EVENTS, &m);
        ASSERT_EQ(m.request_id, 40u);
        ASSERT_OK(wire_msg_read(&m, &sub, &l));
        ASSERT_EQ(sub, 40u);
        ASSERT_EQ(l.count, 1u);
        {
                const void *data;
                size_t size;

                ASSERT_EQ(wire_list_next_bytes(&l, &data, &size), 1);
                ASSERT_OK(cim_object_decode(data, size, NULL, NULL, &ev));
        }
        ASSERT_OK(lwmi_object_get_uint64(ev, "Code", &v));
        ASSERT_EQ(v, 5u);
        ASSERT_OK(lwmi_object_get_string(ev, "InstanceName", &name));
        ASSERT_STREQ(name, "EvDev_0");

        /* CANCEL ends the subscription; the last one disables the events. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 41, 40u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 40, NULL, NULL), (uint32_t) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_EQ(peer_status(&c, 41, NULL, NULL), 0u);
        expect_function_control(&prov, 0);

        /* A subscriber that disconnects counts down too. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, 42, "root\\wmi",
                                 "SELECT * FROM WMIEvent", 0u, 0u));
        peer_send(&c, &m);
        expect_function_control(&prov, 1);
        peer_close(&c);
        expect_function_control(&prov, 0);
        peer_close(&prov);
}

static void test_garbage(void) {
        static const char garbage[] = "this is not a frame of the lwmi protocol at all!!";
        Peer c;
        WireMsg m;
        char buf[64];
        int fd;

        /* Before the handshake. */
        fd = raw_connect(&broker_main);
        ASSERT_EQ(send(fd, garbage, sizeof(garbage), MSG_NOSIGNAL), (ssize_t) sizeof(garbage));
        ASSERT_EQ(read(fd, buf, sizeof(buf)), 0);
        close(fd);

        /* After the handshake. */
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "garbage");
        ASSERT_EQ(send(c.fd, garbage, sizeof(garbage), MSG_NOSIGNAL), (ssize_t) sizeof(garbage));
        ASSERT_EQ(peer_recv(&c, &m, 30000), 0);
        peer_close(&c);

        /* Random bytes on many connections, before and after the handshake. */
        srand(4242);
        for (int i = 0; i < 40; i++) {
                uint8_t buf2[512];
                size_t len = 1 + (size_t) rand() % sizeof(buf2);
                Peer g;

                for (size_t j = 0; j < len; j++)
                        buf2[j] = (uint8_t) rand();
                if (i % 2) {
                        peer_open(&g, &broker_main, WIRE_ROLE_CLIENT, "random");
                } else {
                        g = (Peer){ .fd = raw_connect(&broker_main),
                                    .in = WIRE_READER_INIT(WIRE_FRAME_MAX_DEFAULT),
                                    .out = WIRE_WRITER_INIT(WIRE_FRAME_MAX_DEFAULT) };
                }
                /* A valid header with room for the random payload sometimes. */
                if (i % 4 == 1 && len > WIRE_HEADER_SIZE) {
                        uint32_t plen = (uint32_t) (len - WIRE_HEADER_SIZE);

                        memcpy(buf2, &plen, 4);
                        buf2[4] = (uint8_t) (1 + rand() % 12);
                        buf2[5] = 1;
                        memset(buf2 + 6, 0, 10);
                }
                ASSERT_EQ(send(g.fd, buf2, len, MSG_NOSIGNAL), (ssize_t) len);
                peer_close(&g);
        }

        /* The broker keeps serving. */
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "after");
        ASSERT_OK(
                wire_msg_build(&m, WIRE_MSG_GET_CLASS, 1, "root\\wmi", "__InstanceCreationEvent"));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 1, NULL, NULL), 0u);
        peer_close(&c);
}

static void test_timeout(void) {
        Broker b;
        Peer c, prov;
        uint32_t rid;

        broker_start(&b, "0.2");
        peer_open(&prov, &b, WIRE_ROLE_PROVIDER, "slowprov");
        ASSERT_EQ(provider_setup(&prov, "Slow", TEST_GUID_STR, 8, 1), 0u);
        peer_open(&c, &b, WIRE_ROLE_CLIENT, "test");
        client_query(&c, 1, "SELECT * FROM Lwmi_TestBlock");
        rid = provider_expect_query(&prov, NULL);
        ASSERT_EQ(peer_status(&c, 1, NULL, NULL), (uint32_t) LWMI_WBEM_E_TIMED_OUT);
        /* A late reply is dropped; the broker goes on. */
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        client_query(&c, 2, "SELECT * FROM Lwmi_TestBlock");
        rid = provider_expect_query(&prov, NULL);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
        ASSERT_EQ(peer_status(&c, 2, NULL, NULL), 0u);
        peer_close(&c);
        peer_close(&prov);
        broker_stop(&b);
}

/* In a child: become uid 65534 with primary group @gid, delete a static instance. */
static int child_delete(const Broker *b, gid_t gid, const char *path) {
        pid_t pid = fork();
        int status;

        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                WireMsg m;
                Peer u;

                if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
                    setresuid(65534, 65534, 65534) < 0)
                        _exit(100);
                peer_open(&u, b, WIRE_ROLE_CLIENT, "child");
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DELETE_INSTANCE, 1, "root\\wmi", path));
                peer_send(&u, &m);
                _exit(peer_status(&u, 1, NULL, NULL) == 0 ? 0 : 1);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_admin_group(void) {
        struct group *g = getgrnam("nogroup");
        Broker b;
        Peer prov;
        WireMsg m;

        if (getuid() != 0 || !g) {
                fprintf(stderr, "(skipped: needs root and the group nogroup)\n");
                return;
        }
        broker_start_args(&b, "10", "nogroup");
        peer_open(&prov, &b, WIRE_ROLE_PROVIDER, "adminprov");
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 1, "A", test_mof));
        peer_send(&prov, &m);
        ASSERT_EQ(peer_status(&prov, 1, NULL, NULL), 0u);
        /* Not in the admin group: refused; in it: allowed. */
        ASSERT_EQ(child_delete(&b, 1, "Lwmi_Static.Name=\"a\""), 1);
        ASSERT_EQ(child_delete(&b, g->gr_gid, "Lwmi_Static.Name=\"a\""), 0);
        peer_close(&prov);
        broker_stop(&b);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: test-broker PATH-TO-WMID\n");
                return EXIT_TEST_SKIP;
        }
        wmid_path = argv[1];
        signal(SIGPIPE, SIG_IGN);

        broker_start(&broker_main, "10");
        fprintf(stderr, "=== handshake_and_class\n");
        test_handshake_and_class();
        fprintf(stderr, "=== query_provider\n");
        test_query_provider();
        fprintf(stderr, "=== writes_and_methods\n");
        test_writes_and_methods();
        fprintf(stderr, "=== cancel_enum_malformed\n");
        test_cancel_enum_malformed();
        fprintf(stderr, "=== events\n");
        test_events();
        fprintf(stderr, "=== garbage\n");
        test_garbage();
        fprintf(stderr, "=== sigterm\n");
        broker_stop(&broker_main);
        fprintf(stderr, "=== timeout\n");
        test_timeout();
        fprintf(stderr, "=== admin_group\n");
        test_admin_group();
        fprintf(stderr, "all tests passed\n");
        return 0;
}
