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
#include <time.h>
#include <unistd.h>

#include "core/object.h"
#include "mof/layout.h"
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
        /* provider peers: the instance registered per GUID (the tests register one each) */
        lwmi_guid guids[8];
        uint32_t instance_ids[8];
        size_t n_guids;
        /* the QUERY_ALL_DATA requests not answered yet, with their GUID's instance */
        uint32_t all_rids[8], all_instance[8];
        size_t n_all;
        /* client peers: events received but not taken yet (an EVENTS frame may hold many) */
        lwmi_object *events[4096];
        uint32_t event_subs[4096];
        size_t events_head, n_events;
        lwmi_object *classes[16]; /* from CLASSES, for the events' instances */
        size_t n_classes;
} Peer;

static lwmi_object *expect_event(Peer *c, uint32_t sub);
static void broker_start_args(Broker *b, const char *timeout, const char *admin_group,
                              const char *extra_option, const char *extra_value);

static void broker_start(Broker *b, const char *timeout) {
        broker_start_args(b, timeout, NULL, NULL, NULL);
}

static void broker_start_args(Broker *b, const char *timeout, const char *admin_group,
                              const char *extra_option, const char *extra_value) {
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
                {
                        const char *argv[20] = {
                                "wmid",   "--socket",    b->socket, "--state",
                                b->state, "--ready-fd",  fdarg,     "--provider-timeout",
                                timeout,  "--log-level", "debug"
                        };
                        size_t argc = 11;

                        if (admin_group) {
                                argv[argc++] = "--admin-group";
                                argv[argc++] = admin_group;
                        }
                        if (extra_option) {
                                argv[argc++] = extra_option;
                                argv[argc++] = extra_value;
                        }
                        execv(wmid_path, (char *const *) argv);
                }
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
        if (m->type == WIRE_MSG_INSTANCE_REGISTER && p->n_guids < ELEMENTSOF(p->guids)) {
                const char *name;

                ASSERT_OK(wire_msg_read(m, &p->guids[p->n_guids], &p->instance_ids[p->n_guids],
                                        &name));
                p->n_guids++;
        }
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

/* The classes of CLASSES messages, for decoding the instances that follow. */
typedef struct SeenClasses {
        lwmi_object *cls[16];
        size_t n;
} SeenClasses;

static lwmi_object *seen_lookup(void *userdata, const char *name) {
        SeenClasses *seen = userdata;

        for (size_t i = seen->n; i-- > 0;)
                if (strcmp(lwmi_object_get_class_name(seen->cls[i]), name) == 0)
                        return lwmi_object_ref(seen->cls[i]);
        return NULL;
}

static void seen_add(SeenClasses *seen, WireList *l) {
        const void *data;
        size_t size;

        while (wire_list_next_bytes(l, &data, &size) > 0) {
                ASSERT_TRUE(seen->n < ELEMENTSOF(seen->cls));
                ASSERT_OK(cim_object_decode(data, size, NULL, NULL, &seen->cls[seen->n]));
                ASSERT_TRUE(lwmi_object_is_class(seen->cls[seen->n]));
                seen->n++;
        }
}

static void seen_clear(SeenClasses *seen) {
        for (size_t i = 0; i < seen->n; i++)
                lwmi_object_unref(seen->cls[i]);
        seen->n = 0;
}

/*
 * Reads the STATUS of @rid, counting OBJECTS before it (and checking that
 * each decodes, instances with the classes of the CLASSES before them);
 * returns the status.
 */
static uint32_t peer_status(Peer *p, uint32_t rid, size_t *ret_n_objects, lwmi_object **ret_first) {
        SeenClasses seen = { .n = 0 };
        size_t n_objects = 0;
        WireMsg m;

        for (;;) {
                ASSERT_EQ(peer_recv(p, &m, 30000), 1);
                ASSERT_EQ(m.request_id, rid);
                if (m.type == WIRE_MSG_CLASSES) {
                        WireList l;

                        ASSERT_OK(wire_msg_read(&m, &l));
                        seen_add(&seen, &l);
                        continue;
                }
                if (m.type == WIRE_MSG_BLOCKS) {
                        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
                        _cleanup_(block_layout_freep) BlockLayout *layout = NULL;
                        const char *class_name;
                        const void *data;
                        size_t size;
                        WireList l;

                        ASSERT_OK(wire_msg_read(&m, &class_name, &l));
                        cls = seen_lookup(&seen, class_name);
                        ASSERT_NOT_NULL(cls); /* CLASSES came first */
                        ASSERT_OK(block_layout_compute(cls, seen_lookup, &seen, &layout, NULL));
                        n_objects += l.count;
                        while (wire_list_next_bytes(&l, &data, &size) > 0) {
                                const uint8_t *b = data;
                                lwmi_object *o = NULL;
                                uint32_t len;
                                char name[256];

                                ASSERT_TRUE(size >= 4);
                                len = (uint32_t) b[0] | (uint32_t) b[1] << 8 |
                                      (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
                                ASSERT_TRUE(len < sizeof(name) && len <= size - 4);
                                memcpy(name, b + 4, len);
                                name[len] = 0;
                                ASSERT_OK(lwmi_class_spawn_instance(cls, &o));
                                if (size > 4 + len)
                                        ASSERT_OK(block_decode(layout, b + 4 + len, size - 4 - len,
                                                               o));
                                if (lwmi_object_find_property(o, "InstanceName") >= 0)
                                        ASSERT_OK(lwmi_object_set_string(o, "InstanceName", name));
                                if (lwmi_object_find_property(o, "Active") >= 0)
                                        ASSERT_OK(lwmi_object_set_bool(o, "Active", true));
                                if (ret_first && !*ret_first)
                                        *ret_first = o;
                                else
                                        lwmi_object_unref(o);
                        }
                        continue;
                }
                if (m.type == WIRE_MSG_OBJECTS) {
                        WireList l;
                        const void *data;
                        size_t size;

                        ASSERT_OK(wire_msg_read(&m, &l));
                        n_objects += l.count;
                        while (wire_list_next_bytes(&l, &data, &size) > 0) {
                                lwmi_object *o = NULL;

                                ASSERT_OK(cim_object_decode(data, size, seen_lookup, &seen, &o));
                                if (ret_first && !*ret_first)
                                        *ret_first = o;
                                else
                                        lwmi_object_unref(o);
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
                        seen_clear(&seen);
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
        for (size_t i = 0; i < p->n_events; i++)
                lwmi_object_unref(p->events[(p->events_head + i) % ELEMENTSOF(p->events)]);
        p->n_events = 0;
        for (size_t i = 0; i < p->n_classes; i++)
                lwmi_object_unref(p->classes[i]);
        p->n_classes = 0;
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

/*
 * Receives one QUERY_INSTANCE, or a QUERY_ALL_DATA (queries and polls), which
 * provider_reply() then answers with one ALL_DATA entry for the GUID's
 * instance; returns its request id and buffer size.
 */
static uint32_t provider_expect_query(Peer *prov, uint32_t *ret_buffer_size) {
        uint32_t id = 0, size, uid, gid, pid;
        lwmi_guid guid;
        WireMsg m;

        ASSERT_EQ(peer_recv(prov, &m, 30000), 1);
        if (m.type == WIRE_MSG_QUERY_ALL_DATA) {
                ASSERT_OK(wire_msg_read(&m, &guid, &size, &uid, &gid, &pid));
                for (size_t k = 0; k < prov->n_guids; k++)
                        if (lwmi_guid_equal(&prov->guids[k], &guid))
                                id = prov->instance_ids[k];
                ASSERT_TRUE(prov->n_all < ELEMENTSOF(prov->all_rids));
                prov->all_rids[prov->n_all] = m.request_id;
                prov->all_instance[prov->n_all++] = id;
        } else {
                if (m.type != WIRE_MSG_QUERY_INSTANCE)
                        TEST_FAIL("expected a query, got %s", wire_msg_type_to_string(m.type));
                ASSERT_OK(wire_msg_read(&m, &guid, &id, &size, &uid, &gid, &pid));
        }
        ASSERT_EQ(uid, (uint32_t) getuid());
        ASSERT_EQ(pid, (uint32_t) getpid());
        if (ret_buffer_size)
                *ret_buffer_size = size;
        return m.request_id;
}

static void provider_reply(Peer *prov, uint32_t rid, uint32_t status, uint32_t size_needed,
                           const void *data, size_t size) {
        WireMsg m;

        for (size_t k = 0; k < prov->n_all; k++)
                if (prov->all_rids[k] == rid) {
                        _cleanup_(wire_list_buf_deinitp) WireListBuf l = WIRE_LIST_BUF_INIT;
                        WireList list;

                        ASSERT_OK(wire_list_buf_add_data(&l, prov->all_instance[k], status,
                                                         size_needed, data, size));
                        list = wire_list_buf_get(&l);
                        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_ALL_DATA, rid, 1u, &list));
                        peer_send(prov, &m);
                        prov->all_rids[k] = prov->all_rids[--prov->n_all];
                        prov->all_instance[k] = prov->all_instance[prov->n_all];
                        return;
                }
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
        /* spec 57: the instance is queried first */
        rid = provider_expect_query(&prov, NULL);
        provider_reply(&prov, rid, 0, 0, block42, sizeof(block42));
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

static void check_time_created(const lwmi_object *ev);

static void test_events(void) {
        static const uint8_t code1[4] = { 1, 0, 0, 0 }, code5[4] = { 5, 0, 0, 0 };
        _cleanup_(lwmi_object_unrefp) lwmi_object *ev = NULL;
        WireListBuf events = WIRE_LIST_BUF_INIT;
        const char *name;
        lwmi_guid g3;
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

        ev = expect_event(&c, 40);
        ASSERT_OK(lwmi_object_get_uint64(ev, "Code", &v));
        ASSERT_EQ(v, 5u);
        ASSERT_OK(lwmi_object_get_string(ev, "InstanceName", &name));
        ASSERT_STREQ(name, "EvDev_0");
        check_time_created(ev);

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

static lwmi_object *peer_class_lookup(void *userdata, const char *name) {
        Peer *p = userdata;

        for (size_t i = 0; i < p->n_classes; i++)
                if (strcmp(lwmi_object_get_class_name(p->classes[i]), name) == 0)
                        return lwmi_object_ref(p->classes[i]);
        return NULL;
}

/*
 * Reads one CLASSES or EVENTS frame of a client peer: classes are kept (a
 * class of the same name replaced), events queued with their subscription.
 * Returns the frame's type, or 0 at EOF.
 */
static uint16_t peer_read_events(Peer *p) {
        const void *data;
        uint32_t sub;
        size_t size;
        WireList l;
        WireMsg m;

        if (peer_recv(p, &m, 30000) == 0)
                return 0;
        if (m.type == WIRE_MSG_CLASSES) {
                ASSERT_OK(wire_msg_read(&m, &l));
                while (wire_list_next_bytes(&l, &data, &size) > 0) {
                        lwmi_object *cls = NULL;
                        size_t i;

                        ASSERT_OK(cim_object_decode(data, size, NULL, NULL, &cls));
                        ASSERT_TRUE(lwmi_object_is_class(cls));
                        for (i = 0; i < p->n_classes; i++)
                                if (strcmp(lwmi_object_get_class_name(p->classes[i]),
                                           lwmi_object_get_class_name(cls)) == 0)
                                        break;
                        if (i < p->n_classes)
                                lwmi_object_unref(p->classes[i]);
                        else
                                ASSERT_TRUE(p->n_classes++ < ELEMENTSOF(p->classes));
                        p->classes[i] = cls;
                }
                return m.type;
        }
        if (m.type == WIRE_MSG_EVENT_BLOCKS) {
                /* entries: name, TIME_CREATED (u64), the provider's block */
                _cleanup_(block_layout_freep) BlockLayout *layout = NULL;
                _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
                const char *class_name;

                ASSERT_OK(wire_msg_read(&m, &sub, &class_name, &l));
                ASSERT_EQ(sub, m.request_id);
                cls = peer_class_lookup(p, class_name);
                ASSERT_NOT_NULL(cls); /* CLASSES came first */
                ASSERT_OK(block_layout_compute(cls, peer_class_lookup, p, &layout, NULL));
                ASSERT_TRUE(l.count > 0);
                while (wire_list_next_bytes(&l, &data, &size) > 0) {
                        size_t at = (p->events_head + p->n_events) % ELEMENTSOF(p->events);
                        char name[WIRE_BLOCK_NAME_MAX];
                        const uint8_t *blk;
                        const void *bv;
                        size_t bs;
                        uint64_t t = 0;
                        lwmi_object *o = NULL;

                        ASSERT_OK(wire_block_entry_parse(data, size, name, &bv, &bs));
                        ASSERT_TRUE(bs >= 8);
                        blk = bv;
                        for (size_t i = 0; i < 8; i++)
                                t |= (uint64_t) blk[i] << (8 * i);
                        ASSERT_OK(lwmi_class_spawn_instance(cls, &o));
                        if (bs > 8)
                                ASSERT_OK(block_decode(layout, blk + 8, bs - 8, o));
                        if (lwmi_object_find_property(o, "InstanceName") >= 0)
                                ASSERT_OK(lwmi_object_set_string(o, "InstanceName", name));
                        if (lwmi_object_find_property(o, "Active") >= 0)
                                ASSERT_OK(lwmi_object_set_bool(o, "Active", true));
                        if (lwmi_object_find_property(o, "TIME_CREATED") >= 0)
                                ASSERT_OK(lwmi_object_set_uint64(o, "TIME_CREATED", t));
                        ASSERT_TRUE(p->n_events < ELEMENTSOF(p->events));
                        p->events[at] = o;
                        p->event_subs[at] = sub;
                        p->n_events++;
                }
                return m.type;
        }
        if (m.type != WIRE_MSG_EVENTS)
                TEST_FAIL("expected EVENTS, got %s", wire_msg_type_to_string(m.type));
        ASSERT_OK(wire_msg_read(&m, &sub, &l));
        ASSERT_EQ(sub, m.request_id);
        ASSERT_TRUE(l.count > 0);
        while (wire_list_next_bytes(&l, &data, &size) > 0) {
                size_t at = (p->events_head + p->n_events) % ELEMENTSOF(p->events);

                ASSERT_TRUE(p->n_events < ELEMENTSOF(p->events));
                ASSERT_OK(cim_object_decode(data, size, peer_class_lookup, p, &p->events[at]));
                p->event_subs[at] = sub;
                p->n_events++;
        }
        return m.type;
}

/* The next event of the peer, which must belong to subscription @sub. */
static lwmi_object *expect_event(Peer *c, uint32_t sub) {
        lwmi_object *ev;

        while (c->n_events == 0)
                ASSERT_TRUE(peer_read_events(c) != 0);
        ASSERT_EQ(c->event_subs[c->events_head], sub);
        ev = c->events[c->events_head];
        c->events_head = (c->events_head + 1) % ELEMENTSOF(c->events);
        c->n_events--;
        return ev;
}

/* TIME_CREATED is FILETIME (100 ns since 1601) and close to now. */
static void check_time_created(const lwmi_object *ev) {
        uint64_t t, now = 116444736000000000ULL + (uint64_t) time(NULL) * 10000000ULL;

        ASSERT_OK(lwmi_object_get_uint64(ev, "TIME_CREATED", &t));
        ASSERT_TRUE(t + 600000000ULL > now && t < now + 600000000ULL);
}

/* The TargetInstance of an intrinsic event: its class and InstanceName. */
static void check_target(const lwmi_object *ev, const char *event_class, const char *class_name,
                         const char *instance_name) {
        const char *name;
        lwmi_value v;

        ASSERT_STREQ(lwmi_object_get_class_name(ev), event_class);
        check_time_created(ev);
        ASSERT_OK(lwmi_object_get(ev, "TargetInstance", &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
        ASSERT_FALSE(v.is_null);
        ASSERT_STREQ(lwmi_object_get_class_name(v.u.object), class_name);
        ASSERT_OK(lwmi_object_get_string(v.u.object, "InstanceName", &name));
        ASSERT_STREQ(name, instance_name);
        lwmi_value_clear(&v);
}

static void subscribe(Peer *c, uint32_t rid, const char *wql) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, rid, "root\\wmi", wql, 0u,
                                 0u));
        peer_send(c, &m);
}

static void test_intrinsic_events(void) {
        lwmi_object *ev;
        lwmi_guid g2;
        Peer c, prov;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID2_STR, &g2));
        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "intrprov");
        ASSERT_EQ(provider_setup(&prov, "IDev", TEST_GUID2_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "intr");

        subscribe(&c, 60,
                  "SELECT * FROM __InstanceCreationEvent WITHIN 1 "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\"");
        /* Another class: never matches. */
        subscribe(&c, 61,
                  "SELECT * FROM __InstanceCreationEvent WITHIN 1 "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock\"");
        /* Provider classes need no WITHIN for creation and deletion. */
        subscribe(&c, 62,
                  "SELECT * FROM __InstanceDeletionEvent "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\"");
        /* Polling without WITHIN is too precise: modifications, static classes, no ISA. */
        subscribe(&c, 63,
                  "SELECT * FROM __InstanceModificationEvent "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\"");
        ASSERT_EQ(peer_status(&c, 63, NULL, NULL),
                  (uint32_t) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        subscribe(&c, 64,
                  "SELECT * FROM __InstanceOperationEvent "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\"");
        ASSERT_EQ(peer_status(&c, 64, NULL, NULL),
                  (uint32_t) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        subscribe(&c, 65,
                  "SELECT * FROM __InstanceCreationEvent "
                  "WHERE TargetInstance ISA \"Lwmi_Static\"");
        ASSERT_EQ(peer_status(&c, 65, NULL, NULL),
                  (uint32_t) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        subscribe(&c, 66, "SELECT * FROM __InstanceCreationEvent");
        ASSERT_EQ(peer_status(&c, 66, NULL, NULL),
                  (uint32_t) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);

        /* A new instance: creation; its name is the second of the device. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_REGISTER, 4, &g2, 2u, ""));
        peer_send(&prov, &m);
        ASSERT_EQ(peer_status(&prov, 4, NULL, NULL), 0u);
        ev = expect_event(&c, 60);
        check_target(ev, "__InstanceCreationEvent", "Lwmi_TestBlock2", "IDev_1");
        lwmi_object_unref(ev);

        /* Deregistration: deletion, with the name the instance had. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_DEREGISTER, 5, &g2, 1u));
        peer_send(&prov, &m);
        ASSERT_EQ(peer_status(&prov, 5, NULL, NULL), 0u);
        ev = expect_event(&c, 62);
        check_target(ev, "__InstanceDeletionEvent", "Lwmi_TestBlock2", "IDev_0");
        lwmi_object_unref(ev);

        /* The provider goes away: one deletion per instance left. */
        peer_close(&prov);
        ev = expect_event(&c, 62);
        check_target(ev, "__InstanceDeletionEvent", "Lwmi_TestBlock2", "IDev_0");
        lwmi_object_unref(ev);
        peer_close(&c);
}

/*
 * A subscriber with a queue of 4 that does not read while the provider fires
 * far more than its socket and queue hold: the broker drops, never blocks,
 * and each time the queue has room again it sends one __EventQueueOverflowEvent
 * whose Event.NumberOfEvents counts the drops since the last one: their sum
 * is exactly fired - delivered.
 */
static void test_overflow(void) {
        enum {
                N_FIRED = 20000,
                BATCH = 500
        };
        static const uint8_t code[4] = { 7, 0, 0, 0 };
        uint64_t delivered = 0, dropped = 0;
        unsigned n_reports = 0;
        lwmi_object *ev;
        lwmi_guid g3;
        Peer c, prov;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID3_STR, &g3));
        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "ovprov");
        ASSERT_EQ(provider_setup(&prov, "OvDev", TEST_GUID3_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "ovclient");
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, 70, "root\\wmi",
                                 "SELECT * FROM Lwmi_TestEvent", 4u, 0u));
        peer_send(&c, &m);
        expect_function_control(&prov, 1);

        for (unsigned i = 0; i < N_FIRED / BATCH; i++) {
                WireListBuf events = WIRE_LIST_BUF_INIT;
                WireList l;

                for (unsigned k = 0; k < BATCH; k++)
                        ASSERT_OK(wire_list_buf_add_event(&events, &g3, 1, code, sizeof(code)));
                l = wire_list_buf_get(&events);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENTS, 80 + i, &l));
                peer_send(&prov, &m);
                wire_list_buf_deinit(&events);
        }
        /* Everything fired before this STATUS has been fanned out. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_REGISTER, 4, &g3, 2u, ""));
        peer_send(&prov, &m);
        ASSERT_EQ(peer_status(&prov, 4, NULL, NULL), 0u);

        /*
         * Drops are reported whenever the queue has room again, possibly
         * several times while the provider fires: read until every fired
         * event is accounted for, delivered or counted in an overflow event.
         */
        while (delivered + dropped < N_FIRED) {
                ev = expect_event(&c, 70);
                if (strcmp(lwmi_object_get_class_name(ev), "__EventQueueOverflowEvent") == 0) {
                        lwmi_value v, rep;
                        uint64_t n;

                        check_time_created(ev);
                        ASSERT_OK(lwmi_object_get(ev, "Event", &v, NULL));
                        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
                        ASSERT_STREQ(lwmi_object_get_class_name(v.u.object), "__AggregateEvent");
                        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "NumberOfEvents", &n));
                        ASSERT_TRUE(n > 0);
                        dropped += n;
                        n_reports++;
                        ASSERT_OK(lwmi_object_get(v.u.object, "Representative", &rep, NULL));
                        ASSERT_EQ(rep.type, LWMI_CIM_OBJECT);
                        ASSERT_STREQ(lwmi_object_get_class_name(rep.u.object), "Lwmi_TestEvent");
                        lwmi_value_clear(&rep);
                        lwmi_value_clear(&v);
                } else {
                        ASSERT_STREQ(lwmi_object_get_class_name(ev), "Lwmi_TestEvent");
                        delivered++;
                }
                lwmi_object_unref(ev);
        }
        fprintf(stderr, "overflow: %llu delivered, %llu dropped in %u reports\n",
                (unsigned long long) delivered, (unsigned long long) dropped, n_reports);
        ASSERT_TRUE(dropped > 0);
        ASSERT_UEQ(dropped, N_FIRED - delivered);

        /* The queue recovered: the next event goes through. */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENT, 79, &g3, 1u, code, sizeof(code)));
        peer_send(&prov, &m);
        ev = expect_event(&c, 70);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "Lwmi_TestEvent");
        lwmi_object_unref(ev);

        peer_close(&c);
        expect_function_control(&prov, 0);
        peer_close(&prov);
}

/* Answers one QUERY_INSTANCE of Lwmi_TestBlock2 with Value = @value. */
static void provider_answer_value(Peer *prov, uint32_t value) {
        uint8_t data[4] = { (uint8_t) value, (uint8_t) (value >> 8), (uint8_t) (value >> 16),
                            (uint8_t) (value >> 24) };
        uint32_t rid = provider_expect_query(prov, NULL);

        provider_reply(prov, rid, 0, 0, data, sizeof(data));
}

static void check_value(const lwmi_object *ev, const char *prop, uint64_t want) {
        lwmi_value v;
        uint64_t got;

        ASSERT_OK(lwmi_object_get(ev, prop, &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
        ASSERT_FALSE(v.is_null);
        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "Value", &got));
        ASSERT_UEQ(got, want);
        lwmi_value_clear(&v);
}

/*
 * WITHIN 0.2: the broker polls the provider (the first poll is the baseline)
 * and reports a changed instance with TargetInstance and PreviousInstance.
 */
static void test_modification(void) {
        static const uint8_t value5[4] = { 5, 0, 0, 0 };
        uint32_t poll_rid;
        lwmi_object *ev;
        Peer c, prov;
        WireMsg m;

        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "modprov");
        ASSERT_EQ(provider_setup(&prov, "MDev", TEST_GUID2_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "mod");
        subscribe(&c, 91,
                  "SELECT * FROM __InstanceModificationEvent WITHIN 0.2 "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\" "
                  "AND TargetInstance.Value > 1");
        provider_answer_value(&prov, 1); /* baseline */
        provider_answer_value(&prov, 1); /* unchanged */
        provider_answer_value(&prov, 1);
        provider_answer_value(&prov, 7); /* changed: an event */
        ev = expect_event(&c, 91);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__InstanceModificationEvent");
        check_time_created(ev);
        check_value(ev, "TargetInstance", 7);
        check_value(ev, "PreviousInstance", 1);
        lwmi_object_unref(ev);
        provider_answer_value(&prov, 1); /* changed, but the WHERE says no */
        provider_answer_value(&prov, 9);
        ev = expect_event(&c, 91);
        check_value(ev, "TargetInstance", 9);
        check_value(ev, "PreviousInstance", 1);
        lwmi_object_unref(ev);

        /* CANCEL while a poll runs ends the subscription; the late reply is dropped. */
        poll_rid = provider_expect_query(&prov, NULL);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 92, 91u));
        peer_send(&c, &m);
        ASSERT_EQ(peer_status(&c, 91, NULL, NULL), (uint32_t) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_EQ(peer_status(&c, 92, NULL, NULL), 0u);
        provider_reply(&prov, poll_rid, 0, 0, value5, sizeof(value5));
        /* The broker still answers this client, and nothing else came before. */
        subscribe(&c, 93, "SELECT * FROM Lwmi_Static");
        ASSERT_EQ(peer_status(&c, 93, NULL, NULL), (uint32_t) LWMI_WBEM_E_NOT_EVENT_CLASS);
        /* No more polls: three periods pass without a QUERY_INSTANCE. */
        {
                struct pollfd pfd = { .fd = prov.fd, .events = POLLIN };

                ASSERT_EQ(poll(&pfd, 1, 600), 0);
        }
        peer_close(&c);
        peer_close(&prov);
}

/* Fires one FIRE_EVENTS of Lwmi_TestEvent with these codes. */
static void fire_codes(Peer *prov, uint32_t rid, const uint8_t *codes, size_t n) {
        WireListBuf events = WIRE_LIST_BUF_INIT;
        lwmi_guid g3;
        WireList l;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID3_STR, &g3));
        for (size_t i = 0; i < n; i++) {
                uint8_t code[4] = { codes[i], 0, 0, 0 };

                ASSERT_OK(wire_list_buf_add_event(&events, &g3, 1, code, sizeof(code)));
        }
        l = wire_list_buf_get(&events);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENTS, rid, &l));
        peer_send(prov, &m);
        wire_list_buf_deinit(&events);
}

/* An __AggregateEvent: NumberOfEvents and the Code of its Representative. */
static void check_aggregate(const lwmi_object *ev, uint64_t want_n, uint64_t want_code) {
        uint64_t n, code;
        lwmi_value v;

        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__AggregateEvent");
        ASSERT_OK(lwmi_object_get_uint64(ev, "NumberOfEvents", &n));
        ASSERT_UEQ(n, want_n);
        ASSERT_OK(lwmi_object_get(ev, "Representative", &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
        ASSERT_STREQ(lwmi_object_get_class_name(v.u.object), "Lwmi_TestEvent");
        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "Code", &code));
        ASSERT_UEQ(code, want_code);
        lwmi_value_clear(&v);
}

/* GROUP WITHIN 0.3 BY Code HAVING NumberOfEvents > 1: one aggregate per code. */
static void test_group(void) {
        static const uint8_t burst1[] = { 1, 1, 2, 3, 1, 3 }, burst2[] = { 5, 5 };
        lwmi_object *ev;
        Peer c, prov;

        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "grpprov");
        ASSERT_EQ(provider_setup(&prov, "GDev", TEST_GUID3_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "grp");
        subscribe(&c, 100,
                  "SELECT * FROM Lwmi_TestEvent WHERE Code < 9 GROUP WITHIN 0.3 BY Code "
                  "HAVING NumberOfEvents > 1");
        expect_function_control(&prov, 1);

        /* Code 2 is alone: HAVING drops it. Groups come in the order they opened. */
        fire_codes(&prov, 101, burst1, sizeof(burst1));
        ev = expect_event(&c, 100);
        check_aggregate(ev, 3, 1);
        lwmi_object_unref(ev);
        ev = expect_event(&c, 100);
        check_aggregate(ev, 2, 3);
        lwmi_object_unref(ev);
        /* A new window: nothing of the first one is left over. */
        fire_codes(&prov, 102, burst2, sizeof(burst2));
        ev = expect_event(&c, 100);
        check_aggregate(ev, 2, 5);
        lwmi_object_unref(ev);

        peer_close(&c);
        expect_function_control(&prov, 0);
        peer_close(&prov);
}

/* Receives one FUNCTION_CONTROL for @guid_str and answers it. */
static void expect_control(Peer *prov, const char *guid_str, uint32_t want_control,
                           uint8_t want_enable) {
        uint32_t control;
        uint64_t handle;
        uint8_t enable;
        lwmi_guid guid, want;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(guid_str, &want));
        peer_expect(prov, WIRE_MSG_FUNCTION_CONTROL, &m);
        ASSERT_OK(wire_msg_read(&m, &guid, &control, &enable, &handle));
        ASSERT_TRUE(lwmi_guid_equal(&guid, &want));
        ASSERT_EQ(control, want_control);
        ASSERT_EQ(enable, want_enable);
        provider_reply(prov, m.request_id, 0, 0, NULL, 0);
}

/* Registers @guid_str with PROVIDER_REGISTER @flags and one instance. */
static void provider_setup_flags(Peer *prov, const char *device, const char *guid_str,
                                 uint32_t flags, bool instance) {
        lwmi_guid guid;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(guid_str, &guid));
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DEVICE_REGISTER, 1, device, test_mof));
        peer_send(prov, &m);
        ASSERT_EQ(peer_status(prov, 1, NULL, NULL), 0u);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_PROVIDER_REGISTER, 2, &guid, flags, 4u));
        peer_send(prov, &m);
        ASSERT_EQ(peer_status(prov, 2, NULL, NULL), 0u);
        if (!instance)
                return;
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_INSTANCE_REGISTER, 3, &guid, 1u, ""));
        peer_send(prov, &m);
        ASSERT_EQ(peer_status(prov, 3, NULL, NULL), 0u);
}

static uint32_t block_request(Peer *c, uint16_t type, uint32_t rid, const char *class_name) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, type, rid, "root\\wmi", class_name));
        peer_send(c, &m);
        return peer_status(c, rid, NULL, NULL);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/*
 * Collection control of an Expensive block (its own broker, --collection-linger
 * 0.5): BLOCK_OPEN counts across clients and disconnects, one-shot queries
 * linger, a WITHIN poll holds it, and state goes to providers that come later.
 */
static void test_collection(void) {
        static const uint8_t one[4] = { 1, 0, 0, 0 };
        Broker b;
        Peer prov, prov1, prov3, c1, c2;
        uint64_t t0;
        size_t n;
        WireMsg m;

        broker_start_args(&b, "10", NULL, "--collection-linger", "0.5");
        peer_open(&prov, &b, WIRE_ROLE_PROVIDER, "expprov");
        provider_setup_flags(&prov, "XDev", TEST_GUID2_STR, 0x2, true);
        peer_open(&c1, &b, WIRE_ROLE_CLIENT, "c1");
        peer_open(&c2, &b, WIRE_ROLE_CLIENT, "c2");

        /* Not a WMI block. */
        ASSERT_EQ(block_request(&c1, WIRE_MSG_BLOCK_OPEN, 10, "Lwmi_Static"),
                  (uint32_t) LWMI_WBEM_E_INVALID_CLASS);
        /* The first holder enables, the last one (here by disconnecting) disables. */
        ASSERT_EQ(block_request(&c1, WIRE_MSG_BLOCK_OPEN, 11, "Lwmi_TestBlock2"), 0u);
        expect_control(&prov, TEST_GUID2_STR, 2, 1);
        ASSERT_EQ(block_request(&c2, WIRE_MSG_BLOCK_OPEN, 12, "Lwmi_TestBlock2"), 0u);
        ASSERT_EQ(block_request(&c1, WIRE_MSG_BLOCK_CLOSE, 13, "Lwmi_TestBlock2"), 0u);
        ASSERT_EQ(block_request(&c1, WIRE_MSG_BLOCK_CLOSE, 14, "Lwmi_TestBlock2"),
                  (uint32_t) LWMI_WBEM_E_NOT_FOUND);
        peer_close(&c2);
        expect_control(&prov, TEST_GUID2_STR, 2, 0);

        /* Back-to-back queries: enabled once, disabled after the linger. */
        client_query(&c1, 20, "SELECT * FROM Lwmi_TestBlock2");
        expect_control(&prov, TEST_GUID2_STR, 2, 1);
        provider_reply(&prov, provider_expect_query(&prov, NULL), 0, 0, one, sizeof(one));
        ASSERT_EQ(peer_status(&c1, 20, &n, NULL), 0u);
        ASSERT_EQ(n, 1u);
        client_query(&c1, 21, "SELECT * FROM Lwmi_TestBlock2");
        provider_reply(&prov, provider_expect_query(&prov, NULL), 0, 0, one, sizeof(one));
        t0 = now_usec();
        ASSERT_EQ(peer_status(&c1, 21, &n, NULL), 0u);
        expect_control(&prov, TEST_GUID2_STR, 2, 0);
        ASSERT_TRUE(now_usec() - t0 >= 400000u);

        /* A WITHIN poll holds the collection while the subscription lives. */
        subscribe(&c1, 30,
                  "SELECT * FROM __InstanceModificationEvent WITHIN 30 "
                  "WHERE TargetInstance ISA \"Lwmi_TestBlock2\"");
        expect_control(&prov, TEST_GUID2_STR, 2, 1);
        provider_reply(&prov, provider_expect_query(&prov, NULL), 0, 0, one, sizeof(one));
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 31, 30u));
        peer_send(&c1, &m);
        ASSERT_EQ(peer_status(&c1, 30, NULL, NULL), (uint32_t) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_EQ(peer_status(&c1, 31, NULL, NULL), 0u);
        expect_control(&prov, TEST_GUID2_STR, 2, 0);

        /*
         * Holders and listeners that came first: a provider is told right
         * after the STATUS of its PROVIDER_REGISTER.
         */
        ASSERT_EQ(block_request(&c1, WIRE_MSG_BLOCK_OPEN, 40, "Lwmi_TestBlock"), 0u);
        subscribe(&c1, 41, "SELECT * FROM Lwmi_TestEvent");
        peer_open(&prov1, &b, WIRE_ROLE_PROVIDER, "late1");
        provider_setup_flags(&prov1, "LDev", TEST_GUID_STR, 0x2, false);
        expect_control(&prov1, TEST_GUID_STR, 2, 1);
        peer_open(&prov3, &b, WIRE_ROLE_PROVIDER, "late3");
        provider_setup_flags(&prov3, "EDev", TEST_GUID3_STR, 0, false);
        expect_control(&prov3, TEST_GUID3_STR, 1, 1);
        /* The client goes: its holds and subscriptions with it. */
        peer_close(&c1);
        expect_control(&prov1, TEST_GUID_STR, 2, 0);
        expect_control(&prov3, TEST_GUID3_STR, 1, 0);

        peer_close(&prov3);
        peer_close(&prov1);
        peer_close(&prov);
        broker_stop(&b);
}

/*
 * --slow-subscriber-timeout 0.3: a subscriber whose output stays stuck is
 * disconnected; another one, reading, keeps its events.
 */
/*
 * EVENTS_DROPPED: a provider's refused fires become one __EventDroppedEvent
 * with the exact count, for the subscriptions of __EventDroppedEvent (not
 * in-band: the driver may have fired them again); a report for a GUID the
 * connection does not hold is ignored; events flow as before.
 */
static void test_provider_drops(void) {
        static const uint8_t nine[1] = { 9 };
        lwmi_guid g3, g1;
        lwmi_value v, rep;
        lwmi_object *ev;
        uint64_t n;
        Peer c, d, prov;
        WireMsg m;

        ASSERT_OK(lwmi_guid_parse(TEST_GUID3_STR, &g3));
        ASSERT_OK(lwmi_guid_parse(TEST_GUID_STR, &g1));
        peer_open(&prov, &broker_main, WIRE_ROLE_PROVIDER, "dropprov");
        ASSERT_EQ(provider_setup(&prov, "DropDev", TEST_GUID3_STR, 4, 1), 0u);
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "dropclient");
        peer_open(&d, &broker_main, WIRE_ROLE_CLIENT, "dropwatcher");
        subscribe(&c, 120, "SELECT * FROM Lwmi_TestEvent");
        expect_function_control(&prov, 1);
        subscribe(&d, 130,
                  "SELECT * FROM __EventDroppedEvent "
                  "WHERE Event.Representative ISA 'Lwmi_TestEvent'");
        /* the subscription is in place once a request sent after it is answered */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 131, "root\\wmi", "Lwmi_TestEvent"));
        peer_send(&d, &m);
        ASSERT_EQ(peer_status(&d, 131, NULL, NULL), 0u);

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EVENTS_DROPPED, 0, &g1, (uint64_t) 5));
        peer_send(&prov, &m); /* not its GUID: ignored */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EVENTS_DROPPED, 0, &g3, (uint64_t) 42));
        peer_send(&prov, &m);
        fire_codes(&prov, 121, nine, 1);

        ev = expect_event(&d, 130);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__EventDroppedEvent");
        check_time_created(ev);
        ASSERT_OK(lwmi_object_get(ev, "Event", &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
        ASSERT_STREQ(lwmi_object_get_class_name(v.u.object), "__AggregateEvent");
        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "NumberOfEvents", &n));
        ASSERT_EQ(n, 42u);
        ASSERT_OK(lwmi_object_get(v.u.object, "Representative", &rep, NULL));
        ASSERT_EQ(rep.type, LWMI_CIM_OBJECT);
        ASSERT_STREQ(lwmi_object_get_class_name(rep.u.object), "Lwmi_TestEvent");
        lwmi_value_clear(&rep);
        lwmi_value_clear(&v);
        lwmi_object_unref(ev);

        /* the event subscriber gets the event, and nothing about the refusals */
        ev = expect_event(&c, 120);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "Lwmi_TestEvent");
        ASSERT_OK(lwmi_object_get_uint64(ev, "Code", &n));
        ASSERT_EQ(n, 9u);
        lwmi_object_unref(ev);
        peer_close(&d);
        peer_close(&c);
        expect_function_control(&prov, 0);
        peer_close(&prov);
}

static void test_slow_subscriber(void) {
        static const uint8_t burst[200] = { 0 };
        Broker b;
        Peer prov, slow, fast;
        uint64_t got = 0;
        lwmi_object *ev;

        broker_start_args(&b, "10", NULL, "--slow-subscriber-timeout", "0.3");
        peer_open(&prov, &b, WIRE_ROLE_PROVIDER, "slowsubprov");
        provider_setup_flags(&prov, "SDev", TEST_GUID3_STR, 0, true);
        peer_open(&slow, &b, WIRE_ROLE_CLIENT, "slow");
        peer_open(&fast, &b, WIRE_ROLE_CLIENT, "fast");
        subscribe(&slow, 1, "SELECT * FROM Lwmi_TestEvent");
        expect_control(&prov, TEST_GUID3_STR, 1, 1);
        subscribe(&fast, 1, "SELECT * FROM Lwmi_TestEvent WHERE Code = 9");
        /* Sync: the fast subscription is in place once an error of the same client is back. */
        subscribe(&fast, 2, "SELECT * FROM Lwmi_Static");
        ASSERT_EQ(peer_status(&fast, 2, NULL, NULL), (uint32_t) LWMI_WBEM_E_NOT_EVENT_CLASS);

        /* Fill the slow subscriber's socket: its output gets stuck. */
        for (unsigned i = 0; i < 100; i++)
                fire_codes(&prov, 10 + i, burst, sizeof(burst));
        {
                static const uint8_t nine[1] = { 9 };

                fire_codes(&prov, 200, nine, 1);
        }
        ev = expect_event(&fast, 1);
        lwmi_object_unref(ev);
        /*
         * The timeout is the thing under test: stay idle past it. The broker's
         * timer cuts the slow one off, no further event is needed; it then
         * reads what was written before, then EOF.
         */
        usleep(800000);
        for (;;) {
                uint16_t type = peer_read_events(&slow);

                if (type == 0)
                        break;
                got += slow.n_events;
                while (slow.n_events > 0)
                        lwmi_object_unref(expect_event(&slow, slow.event_subs[slow.events_head]));
        }
        ASSERT_TRUE(got < 100u * sizeof(burst) + 1);
        /* The other subscriber is unaffected. */
        {
                static const uint8_t nine[1] = { 9 };

                fire_codes(&prov, 201, nine, 1);
        }
        ev = expect_event(&fast, 1);
        lwmi_object_unref(ev);

        peer_close(&slow);
        peer_close(&fast);
        peer_close(&prov);
        broker_stop(&b);
}

/* Static instances: PUT_INSTANCE and DELETE_INSTANCE fire at once (WITHIN still required). */
static void test_static_events(void) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *scls = NULL, *si = NULL;
        const char *name;
        lwmi_object *ev;
        lwmi_value v;
        uint64_t n;
        Peer c, w;
        WireMsg m;

        if (getuid() != 0) {
                fprintf(stderr, "(skipped: static writes need root)\n");
                return;
        }
        peer_open(&c, &broker_main, WIRE_ROLE_CLIENT, "staticsub");
        peer_open(&w, &broker_main, WIRE_ROLE_CLIENT, "staticwriter");
        subscribe(&c, 110,
                  "SELECT * FROM __InstanceOperationEvent WITHIN 5 "
                  "WHERE TargetInstance ISA \"Lwmi_Static\"");
        subscribe(&c, 111,
                  "SELECT * FROM __InstanceDeletionEvent "
                  "WHERE TargetInstance ISA \"Lwmi_Static\"");
        ASSERT_EQ(peer_status(&c, 111, NULL, NULL),
                  (uint32_t) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_CLASS, 1, "root\\wmi", "Lwmi_Static"));
        peer_send(&w, &m);
        ASSERT_EQ(peer_status(&w, 1, NULL, &scls), 0u);
        ASSERT_OK(lwmi_class_spawn_instance(scls, &si));
        ASSERT_OK(lwmi_object_set_string(si, "Name", "ev"));
        ASSERT_OK(lwmi_object_set_uint64(si, "N", 1));
        send_object(&w, WIRE_MSG_PUT_INSTANCE, 2, NULL, NULL, si);
        ASSERT_EQ(peer_status(&w, 2, NULL, NULL), 0u);
        ev = expect_event(&c, 110);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__InstanceCreationEvent");
        check_time_created(ev);
        lwmi_object_unref(ev);

        /* A replacement: modification, with the previous instance. */
        ASSERT_OK(lwmi_object_set_uint64(si, "N", 2));
        send_object(&w, WIRE_MSG_PUT_INSTANCE, 3, NULL, NULL, si);
        ASSERT_EQ(peer_status(&w, 3, NULL, NULL), 0u);
        ev = expect_event(&c, 110);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__InstanceModificationEvent");
        ASSERT_OK(lwmi_object_get(ev, "PreviousInstance", &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_OBJECT);
        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "N", &n));
        ASSERT_UEQ(n, 1u);
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(ev, "TargetInstance", &v, NULL));
        ASSERT_OK(lwmi_object_get_uint64(v.u.object, "N", &n));
        ASSERT_UEQ(n, 2u);
        lwmi_value_clear(&v);
        lwmi_object_unref(ev);

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_DELETE_INSTANCE, 4, "root\\wmi",
                                 "Lwmi_Static.Name=\"ev\""));
        peer_send(&w, &m);
        ASSERT_EQ(peer_status(&w, 4, NULL, NULL), 0u);
        ev = expect_event(&c, 110);
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__InstanceDeletionEvent");
        ASSERT_OK(lwmi_object_get(ev, "TargetInstance", &v, NULL));
        ASSERT_OK(lwmi_object_get_string(v.u.object, "Name", &name));
        ASSERT_STREQ(name, "ev");
        lwmi_value_clear(&v);
        lwmi_object_unref(ev);
        peer_close(&w);
        peer_close(&c);
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
        broker_start_args(&b, "10", "nogroup", NULL, NULL);
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
        fprintf(stderr, "=== intrinsic_events\n");
        test_intrinsic_events();
        fprintf(stderr, "=== modification\n");
        test_modification();
        fprintf(stderr, "=== static_events\n");
        test_static_events();
        fprintf(stderr, "=== group\n");
        test_group();
        fprintf(stderr, "=== overflow\n");
        test_overflow();
        fprintf(stderr, "=== provider_drops\n");
        test_provider_drops();
        fprintf(stderr, "=== garbage\n");
        test_garbage();
        fprintf(stderr, "=== sigterm\n");
        broker_stop(&broker_main);
        fprintf(stderr, "=== timeout\n");
        test_timeout();
        fprintf(stderr, "=== collection\n");
        test_collection();
        fprintf(stderr, "=== slow_subscriber\n");
        test_slow_subscriber();
        fprintf(stderr, "=== admin_group\n");
        test_admin_group();
        fprintf(stderr, "all tests passed\n");
        return 0;
}
