/* SPDX-License-Identifier: MIT */
/*
 * Events end to end with real processes: a real wmid, integ-evprov (a
 * provider on libwmiprov that fires on command and reports its function
 * control callbacks) and clients through libwmi. Filters across many
 * subscribers, function and collection control in every order, loss-free
 * delivery and exact overflow counts, intrinsic events, GROUP WITHIN,
 * cancellation, next() timeouts and concurrent producers.
 *
 * Usage: test-integ-events WMID SAMPLEDRV INTEG-PROVIDER INTEG-EVPROV
 *
 * Synchronization: a query of Evt_Sync is answered by the provider, which
 * writes "SYNC" on its report pipe. The broker handles one connection's
 * requests in order and talks to the provider over one socket, so once
 * such a query returns, every FUNCTION_CONTROL caused by what the same
 * connection sent before it has reached the provider and its report line
 * precedes "SYNC": sync_expect() asserts exactly which lines came.
 */
#include <sys/socket.h>

#include "harness.h"

#define EVT_ALL "SELECT * FROM Evt_Event"
/* Event control of Evt_Event, on and off, as integ-evprov reports it. */
#define FC_ON   "FC ev 1 1"
#define FC_OFF  "FC ev 1 0"
/* Collection control of the Expensive Evt_Stats. */
#define COL_ON  "FC st 2 1"
#define COL_OFF "FC st 2 0"

static const char *evprov_bin;

/*
 * The sanitizer builds move events some 20 times slower: they fire a tenth
 * of the events of the bulk tests, to stay within the test's time budget.
 */
#if defined(__SANITIZE_ADDRESS__)
# define EV_SCALE 10
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define EV_SCALE 10
# endif
#endif
#ifndef EV_SCALE
# define EV_SCALE 1
#endif

/* A running integ-evprov: its command socket and its report pipe. */
typedef struct Prov {
        pid_t pid;
        int cmd;
        int rep;
} Prov;

/* Starts integ-evprov and waits until its Evt_Block "anchor" answers. */
static void prov_start(Harness *h, Prov *p) {
        int sp[2], rp[2];
        char *argv[] = { (char *) evprov_bin, (char *) "--socket", h->socket, NULL };

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
        ASSERT_OK(pipe2(rp, O_CLOEXEC));
        p->pid = h_spawn2(argv, rp[1], -1, sp[1]);
        close(sp[1]);
        close(rp[1]);
        p->cmd = sp[0];
        p->rep = rp[0];
        h_wait_count(h, "SELECT * FROM Evt_Block", 1);
}

/* Kills integ-evprov (SIGKILL: no goodbye to the broker) and closes our ends. */
static void prov_kill(Prov *p) {
        h_kill(p->pid);
        close(p->cmd);
        close(p->rep);
        *p = (Prov){ 0 };
}

/* Sends one command line (printf format) without waiting for its answer. */
static void prov_send(Prov *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void prov_send(Prov *p, const char *fmt, ...) {
        char cmd[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
        va_end(ap);
        ASSERT_TRUE(n > 0 && n < (int) sizeof(cmd) - 1);
        cmd[n++] = '\n';
        ASSERT_EQ(write(p->cmd, cmd, (size_t) n), (ssize_t) n);
}

/* The answer to the last command, "OK ..." or "ERR ...". */
static void prov_answer(Prov *p, char *buf, size_t size) {
        if (!h_read_line(p->cmd, buf, size))
                TEST_FAIL("integ-evprov closed its command socket");
}

/* Runs a command and asserts its answer starts with @want ("OK", "ERR 1"). */
static void prov_cmd(Prov *p, const char *want, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void prov_cmd(Prov *p, const char *want, const char *fmt, ...) {
        char cmd[256], ans[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        prov_send(p, "%s", cmd);
        prov_answer(p, ans, sizeof(ans));
        if (strncmp(ans, want, strlen(want)) != 0)
                TEST_FAIL("'%s' answered '%s', expected '%s'", cmd, ans, want);
}

static unsigned prov_polls(Prov *p) {
        char ans[64];
        unsigned n = 0;

        prov_send(p, "polls");
        prov_answer(p, ans, sizeof(ans));
        ASSERT_EQ(sscanf(ans, "OK %u", &n), 1);
        return n;
}

/* Waits (bounded) until "anchor" was queried at least @n times in all. */
static void wait_polls(Prov *p, unsigned n) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;

        while (prov_polls(p) < n) {
                ASSERT_TRUE(h_now_usec() < deadline);
                usleep(10000);
        }
}

/* The next report line must be @want. */
static void expect_report(Prov *p, const char *want) {
        char line[128];

        if (!h_read_line(p->rep, line, sizeof(line)))
                TEST_FAIL("report pipe closed, expected '%s'", want);
        ASSERT_STREQ(line, want);
}

/* The next report line other than "QS ..." (WITHIN polls of Evt_Stats) must be @want. */
static void expect_report_skip_qs(Prov *p, const char *want) {
        char line[128];

        do
                if (!h_read_line(p->rep, line, sizeof(line)))
                        TEST_FAIL("report pipe closed, expected '%s'", want);
        while (strncmp(line, "QS ", 3) == 0);
        ASSERT_STREQ(line, want);
}

/*
 * The barrier: a query of Evt_Sync on @c; the provider must have reported
 * exactly the lines of @want (NULL-terminated) since the last check, then SYNC.
 */
static void sync_expect(lwmi_client *c, Prov *p, const char *const *want) {
        ASSERT_EQ(h_count(c, "SELECT * FROM Evt_Sync"), 1);
        for (size_t i = 0; want && want[i]; i++)
                expect_report(p, want[i]);
        expect_report(p, "SYNC");
}

#define SYNC_NONE(c, p)    sync_expect((c), (p), NULL)
#define SYNC_LINE(c, p, l) sync_expect((c), (p), (const char *const[]){ (l), NULL })

static lwmi_enum *sub(lwmi_client *c, const char *wql) {
        lwmi_enum *e = NULL;
        lwmi_error err = { 0 };

        if (lwmi_client_exec_notification_query(c, wql, &e, &err) < 0)
                TEST_FAIL("subscribe '%s': %s", wql, err.message);
        return e;
}

/* Receives exactly @n objects (bounded); *ret (free with lwmi_objects_free()). */
static lwmi_object **recv_n(lwmi_enum *e, size_t n) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        lwmi_object **all = calloc(n ? n : 1, sizeof(*all));
        size_t have = 0;

        ASSERT_NOT_NULL(all);
        while (have < n) {
                lwmi_object **objs = NULL;
                lwmi_error err = { 0 };
                size_t k = 0;
                int r;

                if (h_now_usec() > deadline)
                        TEST_FAIL("received %zu of %zu events in time", have, n);
                r = lwmi_enum_next(e, 100000, n - have, &objs, &k, &err);
                if (r == -ETIMEDOUT)
                        continue;
                if (r <= 0)
                        TEST_FAIL("lwmi_enum_next: %d (%s) after %zu of %zu", r, err.message, have,
                                  n);
                memcpy(all + have, objs, k * sizeof(*objs));
                have += k;
                free(objs);
        }
        return all;
}

/* Nothing arrives on @e within @usec. */
static void expect_none(lwmi_enum *e, uint64_t usec) {
        lwmi_object **objs = NULL;
        size_t n = 0;
        int r = lwmi_enum_next(e, usec, 1, &objs, &n, NULL);

        if (r > 0) {
                char *mof = NULL;

                (void) lwmi_object_to_mof(objs[0], &mof);
                TEST_FAIL("unexpected event: %s", mof ? mof : "?");
        }
        ASSERT_ERRNO(r, ETIMEDOUT);
}

static uint64_t seq_of(const lwmi_object *ev) {
        ASSERT_STREQ(lwmi_object_get_class_name(ev), "Evt_Event");
        return h_get_u64(ev, "Seq");
}

/* An embedded object property (borrowed from @o). */
static const lwmi_object *get_obj(const lwmi_object *o, const char *name) {
        const lwmi_value *v = lwmi_object_peek(o, name);

        ASSERT_NOT_NULL(v);
        ASSERT_EQ(v->type, LWMI_CIM_OBJECT);
        ASSERT_FALSE(v->is_null);
        ASSERT_NOT_NULL(v->u.object);
        return v->u.object;
}

/* The status with which a refused subscription ends (at its first next()). */
static lwmi_status sub_refused(lwmi_client *c, const char *wql) {
        lwmi_enum *e = sub(c, wql);
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        int r = lwmi_enum_next(e, H_WAIT_USEC, 1, &objs, &n, &err);

        if (r >= 0)
                TEST_FAIL("'%s' was accepted (%d)", wql, r);
        ASSERT_EQ(r, lwmi_status_to_errno(err.status));
        lwmi_enum_unref(e);
        return err.status;
}

static Harness *start(Prov *p, const char *const *extra) {
        Harness *h = h_start_wmid(h_wmid_bin, extra);

        prov_start(h, p);
        return h;
}

/*
 * Ends the test: integ-evprov sees EOF on its commands and exits cleanly
 * (in sanitizer builds, with its leak check), then everything is killed.
 */
static void stop(Prov *p) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;
        int status = 0;
        pid_t r;

        close(p->cmd);
        while ((r = waitpid(p->pid, &status, WNOHANG)) == 0) {
                ASSERT_TRUE(h_now_usec() < deadline);
                usleep(5000);
        }
        ASSERT_EQ(r, p->pid);
        h_untrack(p->pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                TEST_FAIL("integ-evprov ended with status 0x%x", (unsigned) status);
        close(p->rep);
        h_stop();
}

/* ------------------------------------------------------------------------- */

typedef struct Filter {
        lwmi_client *c;
        const char *wql;
        bool (*want)(uint64_t seq); /* for Seq < 100, Kind = Seq % 4, Source = 7 */
        lwmi_enum *e;
} Filter;

static bool want_all(uint64_t s) {
        (void) s;
        return true;
}
static bool want_kind1(uint64_t s) {
        return s % 4 == 1;
}
static bool want_10_19(uint64_t s) {
        return s >= 10 && s < 20;
}
static bool want_kind2_or_seq3(uint64_t s) {
        return s % 4 == 2 || s == 3;
}
static bool want_kind3(uint64_t s) {
        return s % 4 == 3;
}
static bool want_none(uint64_t s) {
        (void) s;
        return false;
}

/*
 * Seven subscriptions with different WHERE clauses on three connections
 * (three on one): each gets exactly its events, in firing order. Every
 * filter also takes the sentinel Seq 100, fired last, so that an extra
 * event anywhere shows up as a wrong sequence before it.
 */
TEST(filters_many_subscribers) {
        enum {
                N = 40,
                SENTINEL = 100
        };
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h), *b = h_connect(h), *c = h_connect(h);
        Filter f[] = {
                { a, EVT_ALL, want_all, NULL },
                { a, EVT_ALL " WHERE Kind = 1 OR Seq >= 100", want_kind1, NULL },
                { a, EVT_ALL " WHERE (Seq >= 10 AND Seq < 20) OR Seq >= 100", want_10_19, NULL },
                { b, EVT_ALL " WHERE Kind = 2 OR Seq = 3 OR Seq >= 100", want_kind2_or_seq3, NULL },
                { b, "SELECT * FROM WMIEvent", want_all, NULL },
                { c,
                  EVT_ALL " WHERE Source = 7 AND InstanceName = 'evprov_0' AND "
                          "(Kind = 3 OR Seq >= 100)",
                  want_kind3, NULL },
                { c, EVT_ALL " WHERE Kind = 9 OR Seq >= 100", want_none, NULL },
        };
        size_t n_f = sizeof(f) / sizeof(f[0]);
        char kinds[4 * N];
        size_t off = 0;

        /* The first subscription enables the events, the six others change nothing. */
        for (size_t i = 0; i < n_f; i++) {
                f[i].e = sub(f[i].c, f[i].wql);
                if (i == 0)
                        SYNC_LINE(a, &p, FC_ON);
                else
                        SYNC_NONE(f[i].c, &p);
        }
        for (size_t s = 0; s < N; s++)
                off += (size_t) snprintf(kinds + off, sizeof(kinds) - off, "%s%zu", s ? "," : "",
                                         s % 4);
        prov_cmd(&p, "OK", "kinds 7 0 %s", kinds);
        prov_cmd(&p, "OK", "fire 7 0 %d 1", SENTINEL);

        for (size_t i = 0; i < n_f; i++) {
                uint64_t expect[N + 1];
                size_t n = 0;
                lwmi_object **evs;

                for (uint64_t s = 0; s < N; s++)
                        if (f[i].want(s))
                                expect[n++] = s;
                expect[n++] = SENTINEL;
                evs = recv_n(f[i].e, n);
                for (size_t k = 0; k < n; k++) {
                        if (seq_of(evs[k]) != expect[k])
                                TEST_FAIL("'%s': event %zu has Seq %llu, expected %llu", f[i].wql,
                                          k, (unsigned long long) seq_of(evs[k]),
                                          (unsigned long long) expect[k]);
                        ASSERT_EQ(h_get_u64(evs[k], "Kind"), expect[k] % 4);
                        ASSERT_EQ(h_get_u64(evs[k], "Source"), 7);
                        ASSERT_STREQ(h_get_str(evs[k], "InstanceName"), "evprov_0");
                        ASSERT_TRUE(h_get_u64(evs[k], "TIME_CREATED") > 0);
                }
                lwmi_objects_free(evs, n);
        }
        /* The last unsubscription, whichever connection, disables. */
        for (size_t i = 0; i < n_f; i++) {
                lwmi_enum_unref(f[i].e);
                if (i + 1 == n_f)
                        SYNC_LINE(f[i].c, &p, FC_OFF);
                else
                        SYNC_NONE(f[i].c, &p);
        }
        lwmi_client_unref(a);
        lwmi_client_unref(b);
        lwmi_client_unref(c);
        stop(&p);
}

/*
 * Function control, observed in the provider: the first subscriber enables,
 * further ones and all but the last unsubscription do nothing, the last one
 * disables; in both unsubscription orders, across connections and within
 * one, and with lwmi_enum_cancel() as well as the last unref. A refused
 * subscription changes nothing; firing while disabled sends nothing.
 */
TEST(function_control_orders) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h), *b = h_connect(h);
        lwmi_enum *ea, *eb, *ea2;
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;

        SYNC_NONE(a, &p);
        prov_cmd(&p, "ERR 1", "fire 0 0 0 1"); /* LWMI_EVENT_NOT_ENABLED */

        /* First in, first out. */
        ea = sub(a, EVT_ALL);
        SYNC_LINE(a, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 0 0 0 1");
        eb = sub(b, EVT_ALL " WHERE Kind = 1");
        SYNC_NONE(b, &p);
        lwmi_enum_unref(ea);
        SYNC_NONE(a, &p);
        lwmi_enum_unref(eb);
        SYNC_LINE(b, &p, FC_OFF);
        prov_cmd(&p, "ERR 1", "fire 0 0 0 1");

        /* First in, last out; enabled again after a disable. */
        ea = sub(a, EVT_ALL);
        SYNC_LINE(a, &p, FC_ON);
        eb = sub(b, EVT_ALL);
        SYNC_NONE(b, &p);
        lwmi_enum_unref(eb);
        SYNC_NONE(b, &p);
        lwmi_enum_unref(ea);
        SYNC_LINE(a, &p, FC_OFF);

        /* Two in one connection, and lwmi_enum_cancel() for the last. */
        ea = sub(a, EVT_ALL " WHERE Kind = 1");
        ea2 = sub(a, EVT_ALL " WHERE Kind = 2");
        SYNC_LINE(a, &p, FC_ON);
        lwmi_enum_unref(ea2);
        SYNC_NONE(a, &p);
        ASSERT_OK(lwmi_enum_cancel(ea));
        SYNC_LINE(a, &p, FC_OFF);
        ASSERT_ERRNO(lwmi_enum_next(ea, H_WAIT_USEC, 1, &objs, &n, &err), ECANCELED);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED);
        lwmi_enum_unref(ea);
        SYNC_NONE(a, &p);

        /* A refused subscription enables nothing. */
        ASSERT_UEQ(sub_refused(a, EVT_ALL " WHERE"), (lwmi_status) LWMI_WBEM_E_INVALID_QUERY);
        SYNC_NONE(a, &p);

        lwmi_client_unref(a);
        lwmi_client_unref(b);
        stop(&p);
}

/* A subscribing client killed with SIGKILL: its subscription goes, events are disabled. */
TEST(function_control_killed_client) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h);
        int rp[2];
        char byte = 0;
        pid_t pid;

        ASSERT_OK(pipe2(rp, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                lwmi_client *c = NULL;
                lwmi_enum *e = NULL;

                /* Never run the parent's cleanup here: just die on failure. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                signal(SIGABRT, SIG_DFL);
                if (lwmi_client_connect(h->socket, NULL, &c, NULL) < 0 ||
                    lwmi_client_exec_notification_query(c, EVT_ALL, &e, NULL) < 0 ||
                    h_count(c, "SELECT * FROM Evt_Sync") != 1 || write(rp[1], "R", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        h_track(pid);
        close(rp[1]);
        {
                struct pollfd pfd = { .fd = rp[0], .events = POLLIN };

                ASSERT_EQ(poll(&pfd, 1, (int) (H_WAIT_USEC / 1000)), 1);
                ASSERT_EQ(read(rp[0], &byte, 1), 1);
        }
        close(rp[0]);
        /* The child's subscription enabled, then its barrier query came. */
        expect_report(&p, FC_ON);
        expect_report(&p, "SYNC");
        h_kill(pid);
        expect_report(&p, FC_OFF);
        SYNC_NONE(a, &p);
        prov_cmd(&p, "ERR 1", "fire 0 0 0 1");
        lwmi_client_unref(a);
        stop(&p);
}

/*
 * The provider is killed while a subscription lives and started again: the
 * new process gets the enable right at registration, and its events reach
 * the subscription that was made before it existed.
 */
TEST(function_control_provider_restart) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h);
        lwmi_enum *e = sub(a, EVT_ALL " WHERE Kind = 5");
        lwmi_object **evs;

        SYNC_LINE(a, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 0 5 0 1");
        evs = recv_n(e, 1);
        ASSERT_EQ(seq_of(evs[0]), 0);
        lwmi_objects_free(evs, 1);

        prov_kill(&p);
        /* The broker dropped the old connection (its GUIDs are free again). */
        h_wait_count(h, "SELECT * FROM Evt_Block", 0);
        prov_start(h, &p);
        expect_report(&p, FC_ON);
        prov_cmd(&p, "OK", "kinds 0 1 5,6,5");
        evs = recv_n(e, 2);
        ASSERT_EQ(seq_of(evs[0]), 1);
        ASSERT_EQ(seq_of(evs[1]), 3);
        ASSERT_STREQ(h_get_str(evs[1], "InstanceName"), "evprov_0");
        lwmi_objects_free(evs, 2);
        lwmi_enum_unref(e);
        SYNC_LINE(a, &p, FC_OFF);
        lwmi_client_unref(a);
        stop(&p);
}

/* Subscriptions to superclasses (WMIEvent, __ExtrinsicEvent) enable the provider's GUID. */
TEST(function_control_superclass) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h), *b = h_connect(h);
        lwmi_enum *ea = sub(a, "SELECT * FROM WMIEvent"), *eb;
        lwmi_object **evs;

        SYNC_LINE(a, &p, FC_ON);
        eb = sub(b, "SELECT * FROM __ExtrinsicEvent");
        SYNC_NONE(b, &p);
        prov_cmd(&p, "OK", "fire 3 4 42 1");
        evs = recv_n(ea, 1);
        ASSERT_EQ(seq_of(evs[0]), 42);
        ASSERT_EQ(h_get_u64(evs[0], "Source"), 3);
        ASSERT_TRUE(lwmi_object_derives_from(evs[0], "WMIEvent"));
        lwmi_objects_free(evs, 1);
        evs = recv_n(eb, 1);
        ASSERT_EQ(seq_of(evs[0]), 42);
        lwmi_objects_free(evs, 1);
        lwmi_enum_unref(ea);
        SYNC_NONE(a, &p);
        lwmi_enum_unref(eb);
        SYNC_LINE(b, &p, FC_OFF);
        lwmi_client_unref(a);
        lwmi_client_unref(b);
        stop(&p);
}

/*
 * Collection control of the Expensive Evt_Stats (--collection-linger 1): a
 * query enables it before the query runs, a second query within the linger
 * changes nothing, the linger's end disables it; a get does the same.
 * (The client library has no BLOCK_OPEN / BLOCK_CLOSE call to test.)
 */
TEST(collection_control_linger) {
        const char *extra[] = { "--collection-linger", "1", NULL };
        Prov p;
        Harness *h = start(&p, extra);
        lwmi_client *c = h_connect(h);
        lwmi_object **objs = NULL, *o = NULL;
        size_t n = 0;
        uint64_t t0;

        SYNC_NONE(c, &p);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Evt_Stats", &objs, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(h_get_u64(objs[0], "Collecting"), 1);
        lwmi_objects_free(objs, n);
        ASSERT_OK(lwmi_client_exec_query(c, "SELECT * FROM Evt_Stats", &objs, &n, NULL));
        lwmi_objects_free(objs, n);
        t0 = h_now_usec();
        expect_report(&p, COL_ON);
        expect_report(&p, "QS 1");
        expect_report(&p, "QS 1");
        expect_report(&p, COL_OFF);
        /* Not before the linger (1 s after the second query; generous margin). */
        ASSERT_TRUE(h_now_usec() - t0 >= 500000);
        SYNC_NONE(c, &p);

        ASSERT_OK(lwmi_client_get_object(c, "Evt_Stats.InstanceName=\"stats\"", &o, NULL));
        ASSERT_EQ(h_get_u64(o, "Collecting"), 1);
        lwmi_object_unref(o);
        expect_report(&p, COL_ON);
        expect_report(&p, "QS 1");
        expect_report(&p, COL_OFF);
        SYNC_NONE(c, &p);
        lwmi_client_unref(c);
        stop(&p);
}

/*
 * A WITHIN 0.8 subscription polling Evt_Stats holds its collection between
 * polls, longer apart than --collection-linger 0.3, until it ends; then
 * the linger of its last poll runs out.
 */
TEST(collection_control_within) {
        const char *extra[] = { "--collection-linger", "0.3", NULL };
        Prov p;
        Harness *h = start(&p, extra);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e;

        SYNC_NONE(c, &p);
        /* The baseline poll and the next one, 0.8 s later: no disable in between. */
        e = sub(c, "SELECT * FROM __InstanceModificationEvent WITHIN 0.8 "
                   "WHERE TargetInstance ISA 'Evt_Stats'");
        expect_report(&p, COL_ON);
        expect_report(&p, "QS 1");
        expect_report(&p, "QS 1");
        lwmi_enum_unref(e);
        /* A poll sent before the cancel may still be answered before SYNC. */
        ASSERT_EQ(h_count(c, "SELECT * FROM Evt_Sync"), 1);
        expect_report_skip_qs(&p, "SYNC");
        expect_report(&p, COL_OFF);
        SYNC_NONE(c, &p);
        lwmi_client_unref(c);
        stop(&p);
}

/* ------------------------------------------------------------------------- */

/*
 * Reads @n Evt_Event from @e (while a provider command runs: it answers
 * once everything went out); @check sees each one. Fails on any other class
 * (an overflow event).
 */
static void stream(lwmi_enum *e, uint64_t n, void (*check)(const lwmi_object *, void *),
                   void *userdata) {
        uint64_t deadline = h_now_usec() + 4 * H_WAIT_USEC, got = 0;

        while (got < n) {
                lwmi_object **objs = NULL;
                lwmi_error err = { 0 };
                size_t k = 0;
                int r;

                if (h_now_usec() > deadline)
                        TEST_FAIL("received %llu of %llu events in time", (unsigned long long) got,
                                  (unsigned long long) n);
                r = lwmi_enum_next(e, 100000, 4096, &objs, &k, &err);
                if (r == -ETIMEDOUT)
                        continue;
                if (r <= 0)
                        TEST_FAIL("lwmi_enum_next: %d (%s)", r, err.message);
                for (size_t i = 0; i < k; i++) {
                        const char *cls = lwmi_object_get_class_name(objs[i]);

                        if (strcmp(cls, "Evt_Event") != 0)
                                TEST_FAIL("%s after %llu events", cls, (unsigned long long) got);
                        check(objs[i], userdata);
                }
                got += k;
                lwmi_objects_free(objs, k);
        }
}

static void check_contiguous(const lwmi_object *ev, void *userdata) {
        uint64_t *next = userdata, s = h_get_u64(ev, "Seq");

        if (s != *next)
                TEST_FAIL("Seq %llu, expected %llu", (unsigned long long) s,
                          (unsigned long long) *next);
        (*next)++;
}

/* The sentinel (Source 99) is the next event: nothing extra came before it. */
static void expect_sentinel(Prov *p, lwmi_enum *e) {
        lwmi_object **evs;

        prov_cmd(p, "OK", "fire 99 0 999999999 1");
        evs = recv_n(e, 1);
        ASSERT_EQ(seq_of(evs[0]), 999999999);
        ASSERT_EQ(h_get_u64(evs[0], "Source"), 99);
        lwmi_objects_free(evs, 1);
}

/*
 * The largest subscriber queue wmid allows: 32 MiB of unwritten output (and
 * 65536 events). An Evt_Event takes about 970 bytes on the wire (its class
 * travels with it), so about 34,000 fit: a burst of 30,000 cannot overflow
 * even if the subscriber does not get the CPU at all while it is fanned out.
 */
static const char *const big_queues[] = { "--event-queue-count", "65536", "--event-queue-bytes",
                                          "33554432", NULL };

/* 30,000 events (3,000 in sanitizer builds) fired flat out (the provider retries on -ENOBUFS): all
 * arrive, in order. */
TEST(no_loss_flat_out) {
        enum {
                N = 30000 / EV_SCALE
        };
        Prov p;
        Harness *h = start(&p, big_queues);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e = sub(c, EVT_ALL);
        uint64_t next = 0, t0;
        char ans[64];

        SYNC_LINE(c, &p, FC_ON);
        t0 = h_now_usec();
        prov_send(&p, "fire 1 2 0 %d", N);
        stream(e, N, check_contiguous, &next);
        prov_answer(&p, ans, sizeof(ans));
        if (strncmp(ans, "OK ", 3) != 0)
                TEST_FAIL("fire answered \"%s\"", ans);
        fprintf(stderr, "%d events in %llu ms, provider retries: %s\n", N,
                (unsigned long long) (h_now_usec() - t0) / 1000, ans + 3);
        ASSERT_UEQ(next, N);
        expect_sentinel(&p, e);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        stop(&p);
}

typedef struct Accounted {
        uint64_t next, delivered, dropped;
        unsigned reports;
} Accounted;

/*
 * One event or overflow report of a stream whose drops are accounted for:
 * delivered events are contiguous except for the runs an
 * __EventQueueOverflowEvent reports, whose Representative is the first
 * event of the run and NumberOfEvents its exact length.
 */
static void account(Accounted *a, const lwmi_object *ev) {
        const char *cls = lwmi_object_get_class_name(ev);

        if (strcmp(cls, "__EventQueueOverflowEvent") == 0) {
                const lwmi_object *agg = get_obj(ev, "Event"), *rep;
                uint64_t k = h_get_u64(agg, "NumberOfEvents");

                ASSERT_STREQ(lwmi_object_get_class_name(agg), "__AggregateEvent");
                rep = get_obj(agg, "Representative");
                ASSERT_EQ(seq_of(rep), a->next);
                ASSERT_TRUE(k > 0);
                (void) h_get_u64(ev, "CurrentQueueSize");
                ASSERT_TRUE(h_get_u64(ev, "TIME_CREATED") > 0);
                a->dropped += k;
                a->next += k;
                a->reports++;
        } else {
                if (seq_of(ev) != a->next)
                        TEST_FAIL("Seq %llu, expected %llu", (unsigned long long) seq_of(ev),
                                  (unsigned long long) a->next);
                a->next++;
                a->delivered++;
        }
}

/*
 * 60,000 events (6,000 in sanitizer builds) fired flat out at a subscriber
 * that reads as fast as it can, with the largest queues (65,536 events, 32
 * MiB): all arrive, in order. The burst fits the queue, so this holds however
 * slow the subscriber is: the broker never slows a provider, so a longer
 * burst may overflow any queue when the machine is loaded (the exact
 * overflow accounting is flat_out_accounted's).
 */
TEST(no_loss_flat_out_60k) {
        enum {
                N = 60000 / EV_SCALE
        };
        Prov p;
        Harness *h = start(&p, big_queues);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e = sub(c, EVT_ALL);
        uint64_t next = 0;
        char ans[64];

        SYNC_LINE(c, &p, FC_ON);
        prov_send(&p, "fire 1 2 0 %d", (int) N);
        stream(e, N, check_contiguous, &next);
        prov_answer(&p, ans, sizeof(ans));
        if (strncmp(ans, "OK ", 3) != 0)
                TEST_FAIL("fire answered \"%s\"", ans);
        ASSERT_UEQ(next, N);
        expect_sentinel(&p, e);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        stop(&p);
}

/*
 * A subscriber that does not read while 20,000 events (2,000) are fired, with
 * --event-queue-count 10: it receives what its socket and queue held, in
 * order, with __EventQueueOverflowEvent reports between them whose
 * NumberOfEvents count the runs dropped exactly (Representative: the first
 * of the run), so that delivered + dropped = fired; afterwards the queue
 * works again.
 */
TEST(overflow_exact_counts) {
        enum {
                N = 20000 / EV_SCALE
        };
        const char *extra[] = { "--event-queue-count", "10", "--slow-subscriber-timeout", "120",
                                NULL };
        Prov p;
        Harness *h = start(&p, extra);
        lwmi_client *slow = h_connect(h), *other = h_connect(h);
        lwmi_enum *e = sub(slow, EVT_ALL);
        Accounted a = { 0 };

        SYNC_LINE(slow, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 1 1 0 %d", N);
        /* The provider's REPLY follows its FIRE_EVENTS: all of them were fanned out. */
        SYNC_NONE(other, &p);

        while (a.delivered + a.dropped < N) {
                lwmi_object **evs = recv_n(e, 1);

                account(&a, evs[0]);
                lwmi_objects_free(evs, 1);
        }
        fprintf(stderr, "overflow: %llu delivered, %llu dropped\n",
                (unsigned long long) a.delivered, (unsigned long long) a.dropped);
        ASSERT_UEQ(a.next, N);
        ASSERT_TRUE(a.dropped > 0);
        ASSERT_TRUE(a.delivered >= 10);
        /*
         * Several runs are possible: the queue counts events not yet written
         * to the socket, so each time wmid writes some before the socket
         * fills, the queue has room again and the run so far is reported.
         */
        ASSERT_TRUE(a.reports >= 1);
        /* The queue recovered: the next event is delivered, nothing else came. */
        expect_sentinel(&p, e);
        lwmi_enum_unref(e);
        lwmi_client_unref(slow);
        lwmi_client_unref(other);
        stop(&p);
}

typedef struct PerSource {
        uint64_t next[4];
        uint64_t total;
} PerSource;

static void check_per_source(const lwmi_object *ev, void *userdata) {
        PerSource *ps = userdata;
        uint64_t src = h_get_u64(ev, "Source"), s = h_get_u64(ev, "Seq");

        ASSERT_TRUE(src < 4);
        if (s != ps->next[src])
                TEST_FAIL("source %llu: Seq %llu, expected %llu", (unsigned long long) src,
                          (unsigned long long) s, (unsigned long long) ps->next[src]);
        ps->next[src]++;
        ps->total++;
}

/*
 * 4 threads fire 7,000 events (700) each at once (within big_queues, as in
 * no_loss_flat_out): every thread's sequence is complete and in order.
 */
TEST(concurrent_producers) {
        enum {
                T = 4,
                N = 7000 / EV_SCALE
        };
        Prov p;
        Harness *h = start(&p, big_queues);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e = sub(c, EVT_ALL);
        PerSource ps = { 0 };
        char ans[64];

        SYNC_LINE(c, &p, FC_ON);
        prov_send(&p, "mt %d %d", T, N);
        stream(e, (uint64_t) T * N, check_per_source, &ps);
        prov_answer(&p, ans, sizeof(ans));
        ASSERT_STREQ(ans, "OK");
        for (int i = 0; i < T; i++)
                ASSERT_UEQ(ps.next[i], N);
        expect_sentinel(&p, e);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        stop(&p);
}

/* ------------------------------------------------------------------------- */

static void check_target(const lwmi_object *ev, const char *cls, const char *name) {
        const lwmi_object *t = get_obj(ev, "TargetInstance");
        bool active = false;
        uint64_t v;

        ASSERT_STREQ(lwmi_object_get_class_name(ev), cls);
        ASSERT_STREQ(lwmi_object_get_class_name(t), "Evt_Block");
        ASSERT_STREQ(h_get_str(t, "InstanceName"), name);
        ASSERT_OK(lwmi_object_get_bool(t, "Active", &active));
        ASSERT_TRUE(active);
        /* The broker does not query the provider for these: data items are NULL. */
        ASSERT_ERRNO(lwmi_object_get_uint64(t, "Value", &v), ENODATA);
}

/*
 * __InstanceCreationEvent / __InstanceDeletionEvent as the provider
 * registers and deregisters "hot" (no WITHIN needed for a class with a
 * guid), and one deletion per instance when the provider dies. These
 * subscriptions do not enable Evt_Event.
 */
TEST(intrinsic_creation_deletion) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_enum *ec = sub(c, "SELECT * FROM __InstanceCreationEvent "
                               "WHERE TargetInstance ISA 'Evt_Block'");
        lwmi_enum *ed = sub(c, "SELECT * FROM __InstanceDeletionEvent "
                               "WHERE TargetInstance ISA \"Evt_Block\"");
        lwmi_enum *eo = sub(c, "SELECT * FROM __InstanceCreationEvent WITHIN 1 "
                               "WHERE TargetInstance ISA 'Evt_Sync'");
        lwmi_object **evs;
        const char *n0, *n1;

        SYNC_NONE(c, &p);
        prov_cmd(&p, "OK 0", "reg");
        evs = recv_n(ec, 1);
        check_target(evs[0], "__InstanceCreationEvent", "hot");
        ASSERT_TRUE(h_get_u64(evs[0], "TIME_CREATED") > 0);
        lwmi_objects_free(evs, 1);

        prov_cmd(&p, "OK 0", "dereg");
        evs = recv_n(ed, 1);
        check_target(evs[0], "__InstanceDeletionEvent", "hot");
        lwmi_objects_free(evs, 1);

        prov_cmd(&p, "OK 0", "reg");
        evs = recv_n(ec, 1);
        check_target(evs[0], "__InstanceCreationEvent", "hot");
        lwmi_objects_free(evs, 1);

        /* The provider dies: a deletion for each of its two Evt_Block instances. */
        prov_kill(&p);
        evs = recv_n(ed, 2);
        n0 = h_get_str(get_obj(evs[0], "TargetInstance"), "InstanceName");
        n1 = h_get_str(get_obj(evs[1], "TargetInstance"), "InstanceName");
        ASSERT_TRUE((strcmp(n0, "anchor") == 0 && strcmp(n1, "hot") == 0) ||
                    (strcmp(n0, "hot") == 0 && strcmp(n1, "anchor") == 0));
        check_target(evs[0], "__InstanceDeletionEvent", n0);
        check_target(evs[1], "__InstanceDeletionEvent", n1);
        lwmi_objects_free(evs, 2);
        /* Nothing for other classes, nothing extra. */
        expect_none(ed, 300000);
        expect_none(ec, 1);
        expect_none(eo, 1);
        lwmi_enum_unref(ec);
        lwmi_enum_unref(ed);
        lwmi_enum_unref(eo);
        lwmi_client_unref(c);
        h_stop();
}

static void check_modification(const lwmi_object *ev, uint64_t before, uint64_t after) {
        const lwmi_object *t = get_obj(ev, "TargetInstance"),
                          *prev = get_obj(ev, "PreviousInstance");

        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__InstanceModificationEvent");
        ASSERT_STREQ(lwmi_object_get_class_name(t), "Evt_Block");
        ASSERT_STREQ(lwmi_object_get_class_name(prev), "Evt_Block");
        ASSERT_STREQ(h_get_str(t, "InstanceName"), "anchor");
        ASSERT_STREQ(h_get_str(prev, "InstanceName"), "anchor");
        ASSERT_EQ(h_get_u64(t, "Value"), after);
        ASSERT_EQ(h_get_u64(prev, "Value"), before);
}

/*
 * WITHIN 0.2: the broker polls "anchor"; the first poll is the baseline and
 * each change gives one __InstanceModificationEvent with TargetInstance and
 * PreviousInstance; unchanged polls give nothing; a WHERE on
 * TargetInstance.Value filters.
 */
TEST(intrinsic_modification_within) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *a = h_connect(h), *b = h_connect(h);
        lwmi_enum *ea, *eb;
        lwmi_object **evs;
        unsigned base;

        base = prov_polls(&p);
        ea = sub(a, "SELECT * FROM __InstanceModificationEvent WITHIN 0.2 "
                    "WHERE TargetInstance ISA 'Evt_Block'");
        /* The baseline (Value 1) was read before the change below. */
        wait_polls(&p, base + 1);
        prov_cmd(&p, "OK", "set 7");
        evs = recv_n(ea, 1);
        check_modification(evs[0], 1, 7);
        ASSERT_TRUE(h_get_u64(evs[0], "TIME_CREATED") > 0);
        lwmi_objects_free(evs, 1);

        /* Its baseline is 7 (the change came before it). */
        eb = sub(b, "SELECT * FROM __InstanceModificationEvent WITHIN 0.2 "
                    "WHERE TargetInstance ISA 'Evt_Block' AND TargetInstance.Value > 8");
        SYNC_NONE(b, &p);
        base = prov_polls(&p);
        /* Several unchanged polls of both: nothing. */
        wait_polls(&p, base + 4);
        expect_none(ea, 1);
        expect_none(eb, 1);
        prov_cmd(&p, "OK", "set 9");
        evs = recv_n(ea, 1);
        check_modification(evs[0], 7, 9);
        lwmi_objects_free(evs, 1);
        evs = recv_n(eb, 1);
        check_modification(evs[0], 7, 9);
        lwmi_objects_free(evs, 1);

        prov_cmd(&p, "OK", "set 3");
        evs = recv_n(ea, 1);
        check_modification(evs[0], 9, 3);
        lwmi_objects_free(evs, 1);
        base = prov_polls(&p);
        wait_polls(&p, base + 4);
        /* 9 -> 3 fails Value > 8; no event repeats. */
        expect_none(eb, 1);
        expect_none(ea, 1);
        lwmi_enum_unref(ea);
        lwmi_enum_unref(eb);
        lwmi_client_unref(a);
        lwmi_client_unref(b);
        stop(&p);
}

/*
 * Queries that would need polling without WITHIN are refused with
 * WBEMESS_E_REGISTRATION_TOO_PRECISE; other refusals carry their status;
 * the connection stays usable and nothing is enabled.
 */
TEST(registration_too_precise) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e;

        ASSERT_UEQ(sub_refused(c, "SELECT * FROM __InstanceModificationEvent "
                                  "WHERE TargetInstance ISA 'Evt_Block'"),
                   (lwmi_status) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        ASSERT_UEQ(sub_refused(c, "SELECT * FROM __InstanceOperationEvent "
                                  "WHERE TargetInstance ISA 'Evt_Block'"),
                   (lwmi_status) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        ASSERT_UEQ(sub_refused(c, "SELECT * FROM __InstanceCreationEvent"),
                   (lwmi_status) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE);
        ASSERT_UEQ(sub_refused(c, "SELECT * FROM Evt_Block"),
                   (lwmi_status) LWMI_WBEM_E_NOT_EVENT_CLASS);
        ASSERT_UEQ(sub_refused(c, "SELECT * FROM No_Such_Event"),
                   (lwmi_status) LWMI_WBEM_E_INVALID_CLASS);
        SYNC_NONE(c, &p);

        /* With WITHIN the same kinds of query are accepted. */
        e = sub(c, "SELECT * FROM __InstanceModificationEvent WITHIN 5 "
                   "WHERE TargetInstance ISA 'Evt_Block'");
        ASSERT_ERRNO(lwmi_enum_next(e, 100000, 1, &(lwmi_object **){ NULL }, &(size_t){ 0 }, NULL),
                     ETIMEDOUT);
        lwmi_enum_unref(e);
        e = sub(c, "SELECT * FROM __InstanceCreationEvent WITHIN 0.5");
        ASSERT_ERRNO(lwmi_enum_next(e, 100000, 1, &(lwmi_object **){ NULL }, &(size_t){ 0 }, NULL),
                     ETIMEDOUT);
        lwmi_enum_unref(e);
        SYNC_NONE(c, &p);
        lwmi_client_unref(c);
        stop(&p);
}

static void check_aggregate(const lwmi_object *ev, uint64_t count, uint64_t kind, uint64_t seq) {
        const lwmi_object *rep = get_obj(ev, "Representative");

        ASSERT_STREQ(lwmi_object_get_class_name(ev), "__AggregateEvent");
        ASSERT_EQ(h_get_u64(ev, "NumberOfEvents"), count);
        ASSERT_EQ(seq_of(rep), seq);
        ASSERT_EQ(h_get_u64(rep, "Kind"), kind);
        ASSERT_STREQ(h_get_str(rep, "InstanceName"), "evprov_0");
}

/*
 * GROUP WITHIN 1 BY Kind HAVING NumberOfEvents > 2: at the window's end one
 * __AggregateEvent per group that passes HAVING, with its count and its
 * first event as Representative; the next window starts afresh.
 */
TEST(group_within_aggregate) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e = sub(c, EVT_ALL " WHERE Kind < 9 GROUP WITHIN 1 BY Kind "
                                      "HAVING NumberOfEvents > 2");
        lwmi_object **evs;
        uint64_t t0;

        SYNC_LINE(c, &p, FC_ON);
        t0 = h_now_usec();
        /* Kind 1: Seq 0 2 4 7 9 (5); kind 2: 1 6 (2, fails HAVING); kind 3: 3 5 8 (3); 9: filtered.
         */
        prov_cmd(&p, "OK", "kinds 0 0 1,2,1,3,1,3,2,1,3,1,9,9,9");
        evs = recv_n(e, 2);
        /* The window is 1 s from the first event, which was fired after t0. */
        ASSERT_TRUE(h_now_usec() - t0 >= 950000);
        check_aggregate(evs[0], 5, 1, 0);
        check_aggregate(evs[1], 3, 3, 3);
        lwmi_objects_free(evs, 2);
        expect_none(e, 300000);

        /* A new window: only kind 2 passes this time. */
        prov_cmd(&p, "OK", "kinds 0 20 2,1,2,2,3");
        evs = recv_n(e, 1);
        check_aggregate(evs[0], 3, 2, 20);
        lwmi_objects_free(evs, 1);
        expect_none(e, 300000);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        stop(&p);
}

/* ------------------------------------------------------------------------- */

typedef struct Sink {
        size_t n_indicate, n_objects, n_status, n_destroy;
        size_t indicate_after_status;
        lwmi_status status;
        uint64_t last_seq;
} Sink;

static void sink_indicate(lwmi_call *call, lwmi_object *const *objs, size_t n, void *userdata) {
        Sink *s = userdata;

        (void) call;
        if (s->n_status > 0)
                s->indicate_after_status++;
        s->n_indicate++;
        s->n_objects += n;
        s->last_seq = h_get_u64(objs[n - 1], "Seq");
}

static void sink_status(lwmi_call *call, lwmi_status status, const char *message, void *userdata) {
        Sink *s = userdata;

        (void) call;
        (void) message;
        s->n_status++;
        s->status = status;
}

static void sink_destroy(void *userdata) {
        ((Sink *) userdata)->n_destroy++;
}

/* Processes @c until @done(@s) (bounded). */
static void drive_until(lwmi_client *c, const Sink *s, size_t n_objects, size_t n_status) {
        uint64_t deadline = h_now_usec() + H_WAIT_USEC;

        while (s->n_objects < n_objects || s->n_status < n_status) {
                ASSERT_TRUE(h_now_usec() < deadline);
                ASSERT_OK(lwmi_client_wait(c, 100000));
                ASSERT_OK(lwmi_client_process(c));
        }
}

/* Processes @c for @usec, whatever comes. */
static void drive_for(lwmi_client *c, uint64_t usec) {
        uint64_t end = h_now_usec() + usec;

        while (h_now_usec() < end) {
                ASSERT_OK(lwmi_client_wait(c, 20000));
                ASSERT_OK(lwmi_client_process(c));
        }
}

/*
 * An asynchronous subscription: each batch is an indicate(); cancel ends it
 * with exactly one set_status(WBEM_E_CALL_CANCELLED), after which nothing
 * is indicated and the provider is disabled. Dropping the last reference of
 * another one ends it without any callback but destroy.
 */
TEST(async_subscription_cancel) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_sink sink = LWMI_SINK_INIT(sink_indicate, sink_status);
        Sink s = { 0 }, s2 = { 0 };
        lwmi_call *call = NULL, *call2 = NULL;
        size_t at_cancel;

        sink.destroy = sink_destroy;
        ASSERT_OK(lwmi_client_exec_notification_query_async(c, EVT_ALL, &sink, &s, &call));
        SYNC_LINE(c, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 0 0 0 5");
        drive_until(c, &s, 5, 0);
        ASSERT_EQ(s.last_seq, 4);
        ASSERT_EQ(s.n_status, 0);
        ASSERT_FALSE(lwmi_call_is_done(call));

        /* Five more in flight when the cancel goes out. */
        prov_cmd(&p, "OK", "fire 0 0 5 5");
        ASSERT_OK(lwmi_call_cancel(call));
        at_cancel = s.n_objects;
        drive_until(c, &s, 0, 1);
        /* Allowed by client.h (see async_cancel_no_indicate_after_cancel below). */
        fprintf(stderr, "indicated between cancel and set_status: %zu\n", s.n_objects - at_cancel);
        ASSERT_TRUE(lwmi_call_is_done(call));
        ASSERT_UEQ(s.status, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_TRUE(s.n_objects <= 10);
        SYNC_LINE(c, &p, FC_OFF);
        prov_cmd(&p, "ERR 1", "fire 0 0 10 1");
        drive_for(c, 200000);
        ASSERT_EQ(s.n_status, 1);
        ASSERT_EQ(s.indicate_after_status, 0);
        ASSERT_ERRNO(lwmi_call_cancel(call), EALREADY);
        ASSERT_EQ(s.n_destroy, 0);
        lwmi_call_unref(call);
        ASSERT_EQ(s.n_destroy, 1);

        /* The last unref of a running subscription: no callback at all, then destroy. */
        ASSERT_OK(lwmi_client_exec_notification_query_async(c, EVT_ALL, &sink, &s2, &call2));
        SYNC_LINE(c, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 0 0 0 3");
        drive_until(c, &s2, 3, 0);
        prov_cmd(&p, "OK", "fire 0 0 3 3");
        lwmi_call_unref(call2);
        ASSERT_EQ(s2.n_destroy, 1);
        SYNC_LINE(c, &p, FC_OFF);
        drive_for(c, 200000);
        ASSERT_EQ(s2.n_objects, 3);
        ASSERT_EQ(s2.n_status, 0);
        lwmi_client_unref(c);
        stop(&p);
}

/*
 * No indicate() once lwmi_call_cancel() has returned, although events fired
 * just before the cancel are still on their way; then exactly one
 * set_status().
 */
TEST(async_cancel_no_indicate_after_cancel) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_sink sink = LWMI_SINK_INIT(sink_indicate, sink_status);
        Sink s = { 0 };
        lwmi_call *call = NULL;
        size_t at_cancel;

        ASSERT_OK(lwmi_client_exec_notification_query_async(c, EVT_ALL, &sink, &s, &call));
        SYNC_LINE(c, &p, FC_ON);
        prov_cmd(&p, "OK", "fire 0 0 0 5");
        ASSERT_OK(lwmi_call_cancel(call));
        at_cancel = s.n_objects;
        drive_until(c, &s, 0, 1);
        ASSERT_UEQ(s.status, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED);
        ASSERT_EQ(s.n_objects, at_cancel);
        lwmi_call_unref(call);
        lwmi_client_unref(c);
        stop(&p);
}

/* What indicate_blocks() saw: Evt_Event's block is Source (u32), Kind (u32), Seq (u64). */
typedef struct BlockSink {
        size_t n_blocks, n_batches;
        uint64_t next_seq;
        size_t bad; /* blocks with a wrong class, name, size, time, order or kind */
} BlockSink;

static void blocks_indicate(lwmi_call *call, const lwmi_event_block *b, size_t n, void *userdata) {
        BlockSink *bs = userdata;

        (void) call;
        bs->n_batches++;
        for (size_t i = 0; i < n; i++) {
                uint32_t kind;
                uint64_t seq;

                if (b[i].size < 16 || strcmp(b[i].class_name, "Evt_Event") != 0 ||
                    strcmp(b[i].instance_name, "evprov_0") != 0 || b[i].time_created == 0) {
                        bs->bad++;
                        continue;
                }
                memcpy(&kind, (const uint8_t *) b[i].data + 4, 4);
                memcpy(&seq, (const uint8_t *) b[i].data + 8, 8);
                if (kind != 1 || seq != bs->next_seq)
                        bs->bad++;
                bs->next_seq = seq + 1;
                bs->n_blocks++;
        }
}

static void blocks_objects(lwmi_call *call, lwmi_object *const *objs, size_t n, void *userdata) {
        (void) call;
        (void) objs;
        ((BlockSink *) userdata)->bad += n; /* Evt_Event must come as blocks */
}

/*
 * A sink with indicate_blocks gets a provider's events as data blocks, in
 * order, filtered by the broker, with class, instance name and TIME_CREATED,
 * and no object; a sink of the size before indicate_blocks existed gets
 * objects as before. A second client's blocks subscription gets the same
 * events (the broker encodes each entry once for all of them).
 */
TEST(async_blocks) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h), *c2 = h_connect(h);
        lwmi_sink sink = LWMI_SINK_INIT(blocks_objects, NULL), old;
        BlockSink bs = { 0 }, bs2 = { 0 };
        Sink s = { 0 };
        lwmi_call *call = NULL, *call_old = NULL, *call2 = NULL;

        sink.indicate_blocks = blocks_indicate;
        ASSERT_OK(lwmi_client_exec_notification_query_async(c, EVT_ALL " WHERE Kind = 1", &sink,
                                                            &bs, &call));
        ASSERT_OK(lwmi_client_exec_notification_query_async(c2, EVT_ALL " WHERE Kind = 1", &sink,
                                                            &bs2, &call2));
        old = (lwmi_sink) LWMI_SINK_INIT(sink_indicate, sink_status);
        old.indicate_blocks = blocks_indicate; /* beyond its size: never read */
        old.size = (uint32_t) offsetof(lwmi_sink, indicate_blocks);
        ASSERT_OK(lwmi_client_exec_notification_query_async(c, EVT_ALL " WHERE Kind = 1", &old, &s,
                                                            &call_old));
        SYNC_LINE(c, &p, FC_ON);
        SYNC_NONE(c2, &p); /* c2's subscription is in place too */
        prov_cmd(&p, "OK", "fire 0 1 0 500");
        prov_cmd(&p, "OK", "fire 0 2 500 100"); /* Kind 2: not for these subscriptions */
        prov_cmd(&p, "OK", "fire 0 1 500 500");
        {
                uint64_t deadline = h_now_usec() + H_WAIT_USEC;

                while (bs.n_blocks < 1000 || s.n_objects < 1000 || bs2.n_blocks < 1000) {
                        ASSERT_TRUE(h_now_usec() < deadline);
                        ASSERT_OK(lwmi_client_wait(c, 10000));
                        ASSERT_OK(lwmi_client_process(c));
                        ASSERT_OK(lwmi_client_wait(c2, 10000));
                        ASSERT_OK(lwmi_client_process(c2));
                }
        }
        drive_for(c, 200000);
        drive_for(c2, 100000);
        ASSERT_EQ(bs.bad, 0);
        ASSERT_EQ(bs.n_blocks, 1000);
        ASSERT_EQ(bs.next_seq, 1000);
        ASSERT_CMP(bs.n_batches, <, bs.n_blocks); /* batched, not one call per event */
        ASSERT_EQ(s.n_objects, 1000);
        ASSERT_EQ(s.last_seq, 999);
        ASSERT_EQ(bs2.bad, 0);
        ASSERT_EQ(bs2.n_blocks, 1000);
        ASSERT_EQ(bs2.next_seq, 1000);
        ASSERT_OK(lwmi_call_cancel(call));
        ASSERT_OK(lwmi_call_cancel(call_old));
        ASSERT_OK(lwmi_call_cancel(call2));
        lwmi_call_unref(call);
        lwmi_call_unref(call_old);
        lwmi_call_unref(call2);
        lwmi_client_unref(c2);
        lwmi_client_unref(c);
        stop(&p);
}

/*
 * lwmi_enum_next() on a subscription: -ETIMEDOUT within its bound when
 * nothing fires (0 returns at once), and the subscription still works.
 */
TEST(next_timeout_then_events) {
        Prov p;
        Harness *h = start(&p, NULL);
        lwmi_client *c = h_connect(h);
        lwmi_enum *e = sub(c, EVT_ALL);
        lwmi_object **objs = NULL;
        size_t n = 0;
        uint64_t t0, dt;

        SYNC_LINE(c, &p, FC_ON);
        t0 = h_now_usec();
        ASSERT_ERRNO(lwmi_enum_next(e, 300000, 8, &objs, &n, NULL), ETIMEDOUT);
        dt = h_now_usec() - t0;
        ASSERT_TRUE(dt >= 299000);
        ASSERT_TRUE(dt < 300000 + 5000000);
        t0 = h_now_usec();
        ASSERT_ERRNO(lwmi_enum_next(e, 0, 8, &objs, &n, NULL), ETIMEDOUT);
        ASSERT_TRUE(h_now_usec() - t0 < 2000000);

        prov_cmd(&p, "OK", "fire 0 0 0 1");
        ASSERT_EQ(lwmi_enum_next(e, H_WAIT_USEC, 8, &objs, &n, NULL), 1);
        ASSERT_EQ(n, 1);
        ASSERT_EQ(seq_of(objs[0]), 0);
        lwmi_objects_free(objs, n);

        ASSERT_ERRNO(lwmi_enum_next(e, 50000, 8, &objs, &n, NULL), ETIMEDOUT);
        prov_cmd(&p, "OK", "fire 0 0 1 2");
        /* max 1: one at a time, in order. */
        for (uint64_t s = 1; s <= 2; s++) {
                ASSERT_EQ(lwmi_enum_next(e, H_WAIT_USEC, 1, &objs, &n, NULL), 1);
                ASSERT_EQ(n, 1);
                ASSERT_EQ(seq_of(objs[0]), s);
                lwmi_objects_free(objs, n);
        }
        expect_none(e, 50000);
        lwmi_enum_unref(e);
        lwmi_client_unref(c);
        stop(&p);
}

#define main h_test_main
TEST_MAIN()
#undef main

int main(int argc, char **argv) {
        if (argc < 5) {
                fprintf(stderr, "usage: %s WMID SAMPLEDRV INTEG-PROVIDER INTEG-EVPROV\n", argv[0]);
                return 2;
        }
        h_wmid_bin = argv[1];
        h_sampledrv_bin = argv[2];
        h_provider_bin = argv[3];
        evprov_bin = argv[4];
        return h_test_main();
}
