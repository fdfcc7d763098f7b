/* SPDX-License-Identifier: MIT */
/*
 * wmid events: subscriptions (EXEC_NOTIFICATION_QUERY), function control,
 * intrinsic events, WITHIN polling, GROUP WITHIN, flow control and the
 * collection control of Expensive blocks (docs/protocol.md 4.6, "Events").
 *
 * A subscription names an event class; an event a provider fires for a GUID
 * is decoded once with the layout of the GUID's class, given its
 * InstanceName and TIME_CREATED, encoded once, and offered to every
 * subscription whose class is that class or one of its superclasses and
 * whose WHERE matches. The broker, not the provider, counts listeners (KMDF
 * spec 60): a provider gets FUNCTION_CONTROL(event, enable) when its class
 * gains its first subscription and (event, disable) when it loses the last
 * one; FUNCTION_CONTROL(collection) follows the holders of Expensive blocks
 * (BLOCK_OPEN, queries and their linger, WITHIN polls) the same way.
 *
 * Instance registration gives __InstanceCreationEvent and
 * __InstanceDeletionEvent at once; __InstanceModificationEvent comes from
 * polling the providers every WITHIN seconds and comparing snapshots.
 *
 * Each subscription has a bounded queue: the events not yet written to its
 * client's socket. A full queue drops events, never blocks; once it has room
 * again one __EventQueueOverflowEvent tells the exact number dropped. A
 * subscriber whose output makes no progress for --slow-subscriber-timeout is
 * disconnected.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/broker.h"
#include "core/object.h"
#include "shared/name.h"

/* Whether the normalized namespace of a subscription names the normalized namespace @norm. */
static bool ns_eq(const char *ns, const char *norm) {
        return lwmi_name_eq(ns, norm);
}

static bool ns_is_wmi(const char *ns) {
        _cleanup_free_ char *norm = NULL;

        if (lwmi_namespace_normalize(ns, &norm) < 0)
                return false;
        return lwmi_name_eq(norm, NS_WMI);
}

static void groups_clear(Subscription *s) {
        for (size_t i = 0; i < s->n_groups; i++) {
                free(s->groups[i].key);
                lwmi_object_unref(s->groups[i].representative);
        }
        s->n_groups = 0;
        s->window_end_usec = 0;
}

static Subscription *subscription_free(Subscription *s) {
        if (!s)
                return NULL;
        if (s->n_dropped > 0)
                log_warn("subscription %u of %s dropped %llu events (client too slow)",
                         s->request_id, s->client ? s->client->name : "?",
                         (unsigned long long) s->n_dropped);
        if (s->n_dropped_unreported > 0 && s->client)
                s->client->n_subs_dropping--;
        if (s->poll_req)
                dispatch_poll_orphan(s->poll_req);
        groups_clear(s);
        free(s->groups);
        for (size_t i = 0; i < s->n_snap; i++)
                lwmi_object_unref(s->snap[i]);
        free(s->snap);
        free(s->target_class);
        wql_query_free(s->query);
        lwmi_object_unref(s->first_dropped);
        obj_out_deinit(&s->out);
        free(s->queued);
        free(s->class_name);
        free(s->ns);
        free(s);
        return NULL;
}

/* Whether a subscription wants events of the class @cls. */
static bool subscription_wants(const Subscription *s, const lwmi_object *cls) {
        return ns_is_wmi(s->ns) && lwmi_object_derives_from(cls, s->class_name);
}

/* Sends FUNCTION_CONTROL(event) when whether anyone listens to @p changed. */
static void provider_update_control(Broker *b, Provider *p) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        bool wanted = false;
        WireMsg m;

        if (!p->class_name || p->conn->dead ||
            repo_get_class(b->repo, NS_WMI, p->class_name, &cls) < 0)
                return;
        for (Subscription *s = b->subs; s && !wanted; s = s->next)
                wanted = subscription_wants(s, cls);
        if (wanted == p->events_enabled)
                return;
        p->events_enabled = wanted;
        /* The provider's REPLY matches no call and is dropped: nothing waits for it. */
        if (b->next_call_id == 0)
                b->next_call_id = 1;
        if (wire_msg_build(&m, WIRE_MSG_FUNCTION_CONTROL, b->next_call_id++, &p->guid, 1u,
                           wanted ? 1u : 0u, (uint64_t) 0) >= 0)
                conn_send(p->conn, &m);
        log_debug("events of %s %s", p->class_name, wanted ? "enabled" : "disabled");
}

/* Whether anything holds the collection of @p: BLOCK_OPEN, linger, a query, a WITHIN poll. */
static bool collect_wanted(Broker *b, Provider *p, uint64_t now) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;

        if (p->n_collect_calls > 0)
                return true;
        for (CollectHold *h = b->holds; h; h = h->next)
                if (lwmi_guid_equal(&h->guid, &p->guid) &&
                    (h->client ? h->n > 0 : h->linger_usec > now))
                        return true;
        for (Subscription *s = b->subs; s; s = s->next) {
                if (!s->poll || !s->client || s->client->dead)
                        continue;
                if (!cls && repo_get_class(b->repo, NS_WMI, p->class_name, &cls) < 0)
                        return false;
                if (lwmi_object_derives_from(cls, s->target_class))
                        return true;
        }
        return false;
}

/* Sends FUNCTION_CONTROL(collection) to an Expensive provider when its holders changed. */
static void provider_update_collection(Broker *b, Provider *p) {
        bool wanted;
        WireMsg m;

        if (!(p->flags & BROKER_PROVIDER_EXPENSIVE) || !p->class_name || p->conn->dead)
                return;
        wanted = collect_wanted(b, p, broker_now_usec());
        if (wanted == p->collect_enabled)
                return;
        p->collect_enabled = wanted;
        if (b->next_call_id == 0)
                b->next_call_id = 1;
        if (wire_msg_build(&m, WIRE_MSG_FUNCTION_CONTROL, b->next_call_id++, &p->guid, 2u,
                           wanted ? 1u : 0u, (uint64_t) 0) >= 0)
                conn_send(p->conn, &m);
        log_debug("collection of %s %s", p->class_name, wanted ? "enabled" : "disabled");
}

static void update_all_controls(Broker *b) {
        for (Provider *p = b->providers; p; p = p->next) {
                provider_update_control(b, p);
                provider_update_collection(b, p);
        }
}

static void update_collection_guid(Broker *b, const lwmi_guid *guid) {
        Provider *p = provider_find(b, guid);

        if (p)
                provider_update_collection(b, p);
}

/* The linger hold of @guid, created on first use; NULL on OOM. */
static CollectHold *linger_hold(Broker *b, const lwmi_guid *guid) {
        CollectHold *h;

        for (h = b->holds; h; h = h->next)
                if (!h->client && lwmi_guid_equal(&h->guid, guid))
                        return h;
        h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        *h = (CollectHold){ .guid = *guid, .next = b->holds };
        b->holds = h;
        return h;
}

/**
 * events_collect_call_start() - a QUERY_INSTANCE is about to go to @p: when
 * @p is Expensive, count it and enable the collection first.
 * @p: the provider
 *
 * Return: true when the call was counted (events_collect_call_end() later).
 */
bool events_collect_call_start(Provider *p) {
        if (!(p->flags & BROKER_PROVIDER_EXPENSIVE))
                return false;
        p->n_collect_calls++;
        provider_update_collection(p->conn->broker, p);
        return true;
}

/**
 * events_collect_call_end() - a counted call ended: the collection lingers
 * for --collection-linger so that back-to-back queries do not toggle it.
 * @b: the broker
 * @provider: the provider connection of the call
 * @guid: the call's GUID
 */
void events_collect_call_end(Broker *b, Conn *provider, const lwmi_guid *guid) {
        Provider *p = provider_find(b, guid);
        CollectHold *h;

        if (p && p->conn == provider && p->n_collect_calls > 0)
                p->n_collect_calls--;
        h = b->config.collection_linger_usec > 0 ? linger_hold(b, guid) : NULL;
        if (h)
                h->linger_usec = broker_now_usec() + b->config.collection_linger_usec;
        if (p)
                provider_update_collection(b, p);
}

/**
 * events_block_open() - BLOCK_OPEN / BLOCK_CLOSE: hold or release the data
 * collection of a WMI class (its GUID), reference counted per client and
 * across clients; a client's holds go with its connection. The first holder
 * of an Expensive block enables its collection, the last one disables it.
 * @c: the client
 * @m: the message
 *
 * Return: 0 or a negative errno (close the connection).
 */
int events_block_open(Conn *c, const WireMsg *m) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        Broker *b = c->broker;
        const char *ns, *name;
        const lwmi_value *gv;
        size_t n_holds = 0;
        CollectHold *h;
        lwmi_guid guid;
        int r;

        wire_msg_read(m, &ns, &name);
        r = repo_get_class(b->repo, ns, name, &cls);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        r == -ENXIO ? WBEM(INVALID_NAMESPACE) : WBEM(INVALID_CLASS),
                                        "class %s in %s", name, ns);
        gv = lwmi_object_get_qualifier(cls, NULL, "guid");
        if (!ns_is_wmi(ns) || !gv || gv->is_null || LWMI_CIM_BASE(gv->type) != LWMI_CIM_STRING ||
            lwmi_guid_parse(gv->u.string, &guid) < 0)
                return conn_send_status(c, m->request_id, WBEM(INVALID_CLASS),
                                        "%s is not a WMI data block", name);
        for (h = b->holds; h; h = h->next) {
                if (h->client != c)
                        continue;
                if (lwmi_guid_equal(&h->guid, &guid))
                        break;
                n_holds++;
        }
        if (m->type == WIRE_MSG_BLOCK_CLOSE) {
                if (!h || h->n == 0)
                        return conn_send_status(c, m->request_id, WBEM(NOT_FOUND), "%s is not open",
                                                name);
                if (--h->n == 0) {
                        for (CollectHold **pp = &b->holds; *pp; pp = &(*pp)->next)
                                if (*pp == h) {
                                        *pp = h->next;
                                        break;
                                }
                        free(h);
                }
        } else if (h) {
                if (h->n == UINT_MAX)
                        return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION), NULL);
                h->n++;
        } else {
                if (n_holds >= BROKER_HOLDS_PER_CLIENT)
                        return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION), NULL);
                h = calloc(1, sizeof(*h));
                if (!h)
                        return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
                *h = (CollectHold){ .guid = guid, .client = c, .n = 1, .next = b->holds };
                b->holds = h;
        }
        r = conn_send_status(c, m->request_id, 0, NULL);
        update_collection_guid(b, &guid);
        return r;
}

/*
 * Whether the broker can serve an intrinsic instance event query. Creation
 * and deletion of instances of provider classes (a class with a guid
 * qualifier named by "TargetInstance ISA") are seen at once; anything else
 * needs polling, which a query without WITHIN may not ask for
 * (WBEMESS_E_REGISTRATION_TOO_PRECISE). Modifications are found by polling
 * the providers of the ISA class every WITHIN seconds (*@ret_poll). Static
 * repository instances are not polled: their changes come from PUT_INSTANCE
 * and DELETE_INSTANCE at once, but as in WMI the query still needs WITHIN.
 */
static lwmi_status intrinsic_check(Broker *b, const char *ns, const lwmi_object *cls,
                                   const WqlQuery *q, bool *ret_poll) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *target_cls = NULL;
        const char *target = wql_query_get_target_class(q);
        bool modification =
                lwmi_object_derives_from(cls, "__InstanceModificationEvent") ||
                lwmi_name_eq(lwmi_object_get_class_name(cls), "__InstanceOperationEvent");
        bool backed = target && repo_get_class(b->repo, ns, target, &target_cls) >= 0 &&
                      lwmi_object_get_qualifier(target_cls, NULL, "guid");

        *ret_poll = false;
        if (!q->has_within && (modification || !backed))
                return (lwmi_status) LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE;
        if (modification && backed && ns_is_wmi(ns))
                *ret_poll = true;
        return 0;
}

/* WITHIN seconds as microseconds, between 1 ms and a year. */
static uint64_t seconds_to_usec(double sec) {
        if (!(sec >= 0.001))
                return 1000;
        if (sec > 365.0 * 86400.0)
                sec = 365.0 * 86400.0;
        return (uint64_t) (sec * 1e6);
}

/**
 * events_subscribe() - EXEC_NOTIFICATION_QUERY: add a subscription. The
 * request stays open; its STATUS comes with CANCEL or never (disconnect).
 * @c: the client
 * @m: the message
 *
 * Return: 0 or a negative errno (close the connection).
 */
int events_subscribe(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        uint32_t queue_count, queue_bytes, max_count, max_bytes;
        bool poll = false;
        const char *ns, *wql, *from;
        size_t n = 0;
        Subscription *s;
        int r;

        wire_msg_read(m, &ns, &wql, &queue_count, &queue_bytes);
        for (s = b->subs; s; s = s->next) {
                if (s->client != c)
                        continue;
                if (s->request_id == m->request_id)
                        return conn_send_status(c, m->request_id, WBEM(INVALID_PARAMETER),
                                                "request id %u is in use", m->request_id);
                n++;
        }
        if (n >= BROKER_SUBS_PER_CLIENT)
                return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION),
                                        "too many subscriptions");
        r = wql_query_parse(wql, &q, &err);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        err.status ? err.status : WBEM(INVALID_QUERY), "%s",
                                        err.message ? err.message : "invalid query");
        from = wql_query_get_class(q);
        if (q->type != WQL_QUERY_SELECT || !from)
                return conn_send_status(c, m->request_id, WBEM(INVALID_QUERY_TYPE), NULL);
        r = repo_get_class(b->repo, ns, from, &cls);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        r == -ENXIO ? WBEM(INVALID_NAMESPACE) : WBEM(INVALID_CLASS),
                                        "class %s in %s", from, ns);
        if (!lwmi_object_derives_from(cls, "__Event"))
                return conn_send_status(c, m->request_id, WBEM(NOT_EVENT_CLASS), "%s", from);
        if (lwmi_object_derives_from(cls, "__InstanceOperationEvent")) {
                lwmi_status st = intrinsic_check(b, ns, cls, q, &poll);

                if (st)
                        return conn_send_status(c, m->request_id, st, "%s", wql);
        }

        max_count = b->config.event_queue_count ? b->config.event_queue_count
                                                : BROKER_EVENT_COUNT_DEFAULT;
        max_bytes = b->config.event_queue_bytes ? b->config.event_queue_bytes
                                                : BROKER_EVENT_QUEUE_DEFAULT;
        s = calloc(1, sizeof(*s));
        if (!s)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        *s = (Subscription){ .client = c,
                             .request_id = m->request_id,
                             .out = OBJ_OUT_INIT,
                             .class_name = strdup(from),
                             .queue_max_bytes =
                                     queue_bytes ? MIN(queue_bytes, max_bytes) : max_bytes,
                             .queue_max_count =
                                     queue_count ? MIN(queue_count, max_count) : max_count };
        s->out.events = true;
        s->queued = calloc(s->queue_max_count, sizeof(*s->queued));
        if (lwmi_namespace_normalize(ns, &s->ns) < 0 || !s->class_name || !s->queued) {
                subscription_free(s);
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        s->ns_wmi = ns_eq(s->ns, NS_WMI);
        if (poll) {
                s->poll = true;
                s->target_class = strdup(wql_query_get_target_class(q));
                if (!s->target_class) {
                        subscription_free(s);
                        return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
                }
                /* The first poll, at once, takes the baseline. */
                s->poll_usec = seconds_to_usec(q->within);
                s->next_poll_usec = broker_now_usec();
        }
        if (q->has_group)
                s->group_usec = seconds_to_usec(q->group_within);
        s->query = TAKE_PTR(q);
        s->next = b->subs;
        b->subs = s;
        update_all_controls(b);
        return 0;
}

static void sub_flush(Subscription *s);

static void subscription_unlink(Broker *b, Subscription *s) {
        for (Subscription **pp = &b->subs; *pp; pp = &(*pp)->next)
                if (*pp == s) {
                        *pp = s->next;
                        return;
                }
}

/**
 * events_cancel() - CANCEL of a subscription: it ends with WBEM_E_CALL_CANCELLED.
 * @c: the client
 * @request_id: the subscription's request id
 *
 * Return: true when @request_id was a subscription of @c.
 */
bool events_cancel(Conn *c, uint32_t request_id) {
        Broker *b = c->broker;

        for (Subscription *s = b->subs; s; s = s->next)
                if (s->client == c && s->request_id == request_id) {
                        sub_flush(s); /* the events before the CANCEL, then its STATUS */
                        subscription_unlink(b, s);
                        subscription_free(s);
                        conn_send_status(c, request_id, WBEM(CALL_CANCELLED), NULL);
                        update_all_controls(b);
                        return true;
                }
        return false;
}

/**
 * events_conn_gone() - drop the subscriptions of a closing client.
 * @c: the connection
 */
void events_conn_gone(Conn *c) {
        Broker *b = c->broker;
        bool changed = false;

        for (CollectHold **pp = &b->holds; *pp;) {
                CollectHold *h = *pp;

                if (h->client == c) {
                        *pp = h->next;
                        free(h);
                        changed = true;
                } else {
                        pp = &h->next;
                }
        }
        for (Subscription **pp = &b->subs; *pp;) {
                Subscription *s = *pp;

                if (s->client == c) {
                        *pp = s->next;
                        subscription_free(s);
                        changed = true;
                } else {
                        pp = &s->next;
                }
        }
        if (changed)
                update_all_controls(b);
}

/**
 * events_provider_added() - a new provider: enable its events if someone listens,
 * and its collection if someone holds it (BLOCK_OPEN before the provider came).
 * @p: the provider
 */
void events_provider_added(Provider *p) {
        provider_update_control(p->conn->broker, p);
        provider_update_collection(p->conn->broker, p);
}

/* 100-ns intervals between 1601-01-01 and 1970-01-01 (the FILETIME epoch). */
#define FILETIME_UNIX_EPOCH 116444736000000000ULL

/* Now as FILETIME: 100-ns intervals since 1601-01-01 UTC (TIME_CREATED). */
static uint64_t filetime_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return FILETIME_UNIX_EPOCH + (uint64_t) ts.tv_sec * 10000000ULL +
               (uint64_t) ts.tv_nsec / 100u;
}

/* Sets TIME_CREATED on an event. */
static void event_stamp(lwmi_object *ev) {
        if (lwmi_object_find_property(ev, "TIME_CREATED") >= 0)
                (void) lwmi_object_set_uint64(ev, "TIME_CREATED", filetime_now());
}

/* Forgets the events of @s that its client has read (written to its socket). */
static void sub_prune(Subscription *s) {
        while (s->queued_frames > 0 && s->queued[s->queued_head].end <= s->client->out_done) {
                s->queued_len -= s->queued[s->queued_head].n;
                if (++s->queued_head == s->queue_max_count)
                        s->queued_head = 0;
                s->queued_frames--;
        }
}

/* Events queued for @s: written to its client's output or waiting in its batch. */
static bool sub_has_room(Subscription *s) {
        sub_prune(s);
        return s->queued_len + s->out.batch.count + s->out.blocks.count < s->queue_max_count &&
               wire_writer_pending(&s->client->out) + s->out.batch.buf.len +
                               s->out.blocks.buf.len <=
                       s->queue_max_bytes;
}

/*
 * Sends the batched events of @s in one EVENTS frame and remembers where they
 * end in the output (they count as unread until the socket took them).
 */
static void sub_flush(Subscription *s) {
        /* one of the two batches at most: the other was flushed before it began */
        uint32_t n = s->out.batch.count + s->out.blocks.count, i;

        if (n == 0)
                return;
        if (!s->client || s->client->dead) {
                wire_list_buf_deinit(&s->out.batch);
                s->out.batch = (WireListBuf) WIRE_LIST_BUF_INIT;
                wire_list_buf_deinit(&s->out.blocks);
                s->out.blocks = (WireListBuf) WIRE_LIST_BUF_INIT;
                return;
        }
        obj_out_flush(s->client, s->request_id, &s->out);
        if (s->client->dead)
                return;
        /*
         * One entry per frame: each holds at least one event, and sub_has_room()
         * keeps the events below queue_max_count, so the ring does not fill;
         * if it did, the frame would join the latest entry (read together).
         */
        s->queued_len += n;
        if (s->queued_frames == s->queue_max_count) {
                i = s->queued_head + s->queued_frames - 1;
                i = i >= s->queue_max_count ? i - s->queue_max_count : i;
                s->queued[i].end = s->client->out_total;
                s->queued[i].n += n;
                return;
        }
        i = s->queued_head + s->queued_frames;
        if (i >= s->queue_max_count)
                i -= s->queue_max_count;
        s->queued[i] = (struct QueuedFrame){ .end = s->client->out_total, .n = n };
        s->queued_frames++;
}

/**
 * events_flush() - put the batched events of every subscription into EVENTS
 * frames; the loop calls it before writing its connections.
 * @b: the broker
 */
void events_flush(Broker *b) {
        for (Subscription *s = b->subs; s; s = s->next)
                sub_flush(s);
}

/*
 * An event encoded once for all its subscribers: as class name + values with
 * @cls (sent once per subscription in CLASSES), or whole (@cls NULL).
 */
typedef struct EvEnc {
        const lwmi_object *cls;
        const char *data;
        size_t size;
        lwmi_object *ev; /* the event as an object, or NULL: built from @raw when needed */
        RawInst *raw;
} EvEnc;

/* The event as an object (GROUP BY, the first dropped event): NULL without memory. */
static lwmi_object *ev_object(EvEnc *e) {
        if (!e->ev && e->raw)
                e->ev = raw_inst_object(e->raw);
        return e->ev;
}

static void sub_flush_now(Subscription *s);

/* Adds one event to the batch of @s (sub_has_room() said yes). */
static void sub_send(Subscription *s, const EvEnc *e) {
        uint32_t max = s->client->out.max_frame - 64;

        if (e->size + 4 > max)
                return; /* cannot happen: provider frames are no larger */
        if (e->cls) {
                size_t same;

                if (!obj_out_has_class(&s->out, e->cls, &same)) {
                        sub_flush(s); /* events of an earlier definition go first */
                        if (s->client->dead ||
                            obj_out_send_class(s->client, s->request_id, &s->out, e->cls) != 0)
                                return;
                }
        }
        if (s->out.blocks.count > 0 || s->out.batch.buf.len + e->size + 4 > max)
                sub_flush(s); /* in order: the event blocks before it go first */
        if (s->client->dead || wire_list_buf_add_bytes(&s->out.batch, e->data, e->size) < 0)
                return;
        if (s->out.batch.buf.len >= BROKER_EVENT_BATCH_BYTES)
                sub_flush_now(s);
}

/*
 * Adds an extrinsic event as an EVENT_BLOCKS entry: the provider's block
 * after its TIME_CREATED (u64), decoded by the client with the class's
 * layout (sub_has_room() said yes). @entry: the entry, encoded once for all
 * subscribers (wire_timed_block_entry_encode()).
 */
static void sub_send_block(Subscription *s, const lwmi_object *cls, const char *entry,
                           size_t size) {
        uint32_t max = s->client->out.max_frame - 64 - 256; /* room for the class name */
        size_t same;

        if (size > max)
                return; /* cannot happen: provider frames are no larger */
        if (!obj_out_has_class(&s->out, cls, &same)) {
                sub_flush(s); /* events of an earlier definition go first */
                if (s->client->dead ||
                    obj_out_send_class(s->client, s->request_id, &s->out, cls) != 0)
                        return;
        }
        if (s->out.batch.count > 0 ||
            (s->out.blocks.count > 0 &&
             (s->out.blocks_cls != cls || s->out.blocks.buf.len + size > max)))
                sub_flush(s);
        s->out.blocks_cls = cls;
        if (s->client->dead || wire_list_buf_add_encoded(&s->out.blocks, entry, size) < 0)
                return;
        if (s->out.blocks.buf.len >= BROKER_EVENT_BLOCKS_BATCH_BYTES)
                sub_flush_now(s);
}

/* Flushes a full batch and writes it to the socket now. */
static void sub_flush_now(Subscription *s) {
        /*
         * A full frame goes to the socket now, not at the end of the loop
         * iteration: a provider's burst would otherwise fill the queue before
         * any of it is written, and the subscriber drop events it could have
         * read.
         */
        sub_flush(s);
        if (!s->client->dead && !s->client->doom && conn_flush(s->client) < 0)
                s->client->doom = "output failure"; /* closed by broker_flush() */
}

/*
 * Tells @s how many events it lost, once its queue has room again: an
 * __EventQueueOverflowEvent whose Event is an __AggregateEvent with
 * NumberOfEvents = the number of events dropped since the last report and
 * Representative = the first of them; CurrentQueueSize is the unread output.
 */
static void sub_report_overflow(Broker *b, Subscription *s) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *ocls = NULL, *acls = NULL, *ev = NULL,
                                                  *agg = NULL;
        _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
        lwmi_value v;
        int r;

        if (s->n_dropped_unreported == 0 || !s->client || s->client->dead || !sub_has_room(s))
                return;
        if (repo_get_class(b->repo, NS_WMI, "__EventQueueOverflowEvent", &ocls) < 0 ||
            repo_get_class(b->repo, NS_WMI, "__AggregateEvent", &acls) < 0 ||
            lwmi_class_spawn_instance(ocls, &ev) < 0 || lwmi_class_spawn_instance(acls, &agg) < 0)
                return;
        (void) lwmi_object_set_uint64(agg, "NumberOfEvents",
                                      MIN(s->n_dropped_unreported, (uint64_t) UINT32_MAX));
        if (s->first_dropped) {
                lwmi_value_set_object(&v, s->first_dropped);
                (void) lwmi_object_put(agg, "Representative", &v);
                lwmi_value_clear(&v);
        }
        lwmi_object_set_namespace(agg, NULL, NS_WMI);
        lwmi_value_set_object(&v, agg);
        r = lwmi_object_put(ev, "Event", &v);
        lwmi_value_clear(&v);
        if (r < 0)
                return;
        (void) lwmi_object_set_uint64(ev, "CurrentQueueSize",
                                      MIN(wire_writer_pending(&s->client->out), UINT32_MAX));
        event_stamp(ev);
        lwmi_object_set_namespace(ev, NULL, NS_WMI);
        if (cim_object_encode_full(ev, &enc) < 0 || enc.oom)
                return;
        log_warn("subscription %u of %s: queue overflow, %llu events dropped", s->request_id,
                 s->client->name ? s->client->name : "?",
                 (unsigned long long) s->n_dropped_unreported);
        /* Reset first: sending may close the connection, and free @s with it. */
        s->n_dropped_unreported = 0;
        s->client->n_subs_dropping--;
        s->first_dropped = lwmi_object_unref(s->first_dropped);
        sub_send(s, &(EvEnc){ .data = enc.s, .size = enc.len });
}

/* Queues an event (@e, the encoding of @ev) for @s, or drops it when the queue is full. */
/* Whether the next event for @s is dropped (its queue full, or drops not yet reported). */
static bool sub_must_drop(Broker *b, Subscription *s) {
        if (s->n_dropped_unreported > 0) /* the common case without a call */
                sub_report_overflow(b, s);
        return s->n_dropped_unreported > 0 || !sub_has_room(s);
}

/* Drops an event for @s: counted, reported once the queue has room (@e's object for the first). */
static void sub_drop(Subscription *s, EvEnc *e) {
        /* Never block on a slow subscriber: drop, count, report later. */
        if (s->n_dropped_unreported == 0) {
                log_warn("subscription %u of %s: queue full, dropping events", s->request_id,
                         s->client->name ? s->client->name : "?");
                s->first_dropped = lwmi_object_ref(ev_object(e));
                s->client->n_subs_dropping++;
        }
        s->n_dropped++;
        s->n_dropped_unreported++;
}

static void sub_offer(Broker *b, Subscription *s, EvEnc *e) {
        if (sub_must_drop(b, s))
                sub_drop(s, e);
        else
                sub_send(s, e);
}

/* The BY values of @ev as one string: each value's MOF text, or NULL. */
static char *group_key(const Subscription *s, const lwmi_object *ev) {
        _cleanup_strbuf_ StrBuf key = STRBUF_INIT;

        for (size_t i = 0; i < s->query->n_group_by; i++) {
                const WqlProperty *prop = s->query->group_by[i];
                const lwmi_value *v = lwmi_object_peek(ev, prop->parts[0]);
                _cleanup_free_ char *text = NULL;

                for (size_t k = 1; k < prop->n_parts && v; k++)
                        v = !v->is_null && v->type == LWMI_CIM_OBJECT
                                    ? lwmi_object_peek(v->u.object, prop->parts[k])
                                    : NULL;
                if (v && !v->is_null && lwmi_value_to_mof(v, &text) < 0)
                        return NULL;
                strbuf_printf(&key, "%s\x1f", text ? text : "NULL");
        }
        if (key.oom)
                return NULL;
        return strdup(key.s ? key.s : "");
}

/* GROUP WITHIN: counts @ev in its group; the window opens with its first event. */
static void group_add(Subscription *s, lwmi_object *ev) {
        _cleanup_free_ char *key = group_key(s, ev);
        size_t i;

        if (!key)
                return;
        for (i = 0; i < s->n_groups; i++)
                if (strcmp(s->groups[i].key, key) == 0) {
                        if (s->groups[i].count < UINT32_MAX)
                                s->groups[i].count++;
                        return;
                }
        if (s->n_groups >= BROKER_GROUPS_PER_SUB ||
            GROW(s->groups, s->alloc_groups, s->n_groups + 1) < 0) {
                s->n_dropped++;
                return;
        }
        s->groups[s->n_groups++] = (EventGroup){ .key = TAKE_PTR(key),
                                                 .representative = lwmi_object_ref(ev),
                                                 .count = 1 };
        if (!s->window_end_usec)
                s->window_end_usec = broker_now_usec() + s->group_usec;
}

typedef struct HavingCtx {
        const EventGroup *g;
        lwmi_value count;
} HavingCtx;

/* HAVING sees NumberOfEvents and, for the BY properties, the representative's values. */
static const lwmi_value *having_lookup(void *userdata, const WqlProperty *prop) {
        HavingCtx *ctx = userdata;

        if (lwmi_name_eq(prop->parts[0], "NumberOfEvents"))
                return &ctx->count;
        return lwmi_object_peek(ctx->g->representative, prop->parts[0]);
}

/*
 * The end of a GROUP WITHIN window: one __AggregateEvent per group that
 * satisfies HAVING, with NumberOfEvents and Representative (the first event
 * of the group). __AggregateEvent has no room for the BY properties: they
 * are read from the Representative.
 */
static void group_flush(Broker *b, Subscription *s) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *acls = NULL;

        if (repo_get_class(b->repo, NS_WMI, "__AggregateEvent", &acls) < 0) {
                groups_clear(s);
                return;
        }
        for (size_t i = 0; i < s->n_groups && s->client && !s->client->dead; i++) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *agg = NULL;
                _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
                HavingCtx ctx = { .g = &s->groups[i] };
                bool match = true;
                lwmi_value v;
                int r;

                lwmi_value_set_uint(&ctx.count, LWMI_CIM_UINT32, s->groups[i].count);
                if (s->query->having &&
                    (wql_query_eval_having(s->query, having_lookup, NULL, &ctx, &match, NULL) < 0 ||
                     !match))
                        continue;
                if (lwmi_class_spawn_instance(acls, &agg) < 0)
                        continue;
                (void) lwmi_object_set_uint64(agg, "NumberOfEvents", s->groups[i].count);
                lwmi_value_set_object(&v, s->groups[i].representative);
                r = lwmi_object_put(agg, "Representative", &v);
                lwmi_value_clear(&v);
                if (r < 0)
                        continue;
                lwmi_object_set_namespace(agg, NULL, NS_WMI);
                if (cim_object_encode_full(agg, &enc) < 0 || enc.oom)
                        continue;
                sub_offer(b, s, &(EvEnc){ .data = enc.s, .size = enc.len, .ev = agg });
        }
        groups_clear(s);
}

/* An event that matched @s: queued, or counted in a GROUP WITHIN window. */
static void sub_emit(Broker *b, Subscription *s, EvEnc *e) {
        if (!s->query->has_group)
                sub_offer(b, s, e);
        else if (ev_object(e))
                group_add(s, e->ev);
}

static uint64_t slow_limit(const Broker *b) {
        return b->config.slow_subscriber_usec ? b->config.slow_subscriber_usec
                                              : BROKER_SLOW_USEC_DEFAULT;
}

/* Disconnects the subscribers whose output made no progress for --slow-subscriber-timeout. */
static void close_slow_subscribers(Broker *b) {
        uint64_t limit = slow_limit(b);
        uint64_t now = broker_now_usec();
        bool again = true;

        while (again) {
                again = false;
                for (Subscription *s = b->subs; s; s = s->next) {
                        Conn *c = s->client;

                        if (c && !c->dead && c->stall_usec && now - c->stall_usec >= limit) {
                                log_warn("subscriber %s (pid %d) does not read its events: "
                                         "disconnected",
                                         c->name ? c->name : "?", (int) c->pid);
                                /* Frees its subscriptions: start over. */
                                conn_close(c, "slow subscriber");
                                again = true;
                                break;
                        }
                }
        }
}

/**
 * events_conn_drained() - a client's output moved: report overflows to its
 * subscriptions that have room again.
 * @c: the client connection
 */
void events_conn_drained(Conn *c) {
        for (Subscription *s = c->broker->subs; s; s = s->next)
                if (s->client == c && s->n_dropped_unreported > 0) {
                        sub_report_overflow(c->broker, s);
                        sub_flush(s); /* into the output now: no other event may follow */
                }
}

/*
 * Stamps @ev, encodes it once and sends it as EVENTS to every subscription
 * of namespace @ns whose FROM class is @ev's class or a superclass and whose
 * WHERE matches.
 */
static void event_deliver_ns(Broker *b, const char *ns, lwmi_object *ev) {
        _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
        _cleanup_free_ char *norm_buf = NULL;
        const char *norm = ns;
        EvEnc e;

        if (strcmp(ns, NS_WMI) != 0) {
                if (lwmi_namespace_normalize(ns, &norm_buf) < 0)
                        return;
                norm = norm_buf;
        }
        event_stamp(ev);
        lwmi_object_set_namespace(ev, NULL, norm);
        /* Encoded once for every subscriber; its class goes once per subscription. */
        if ((ev->cls ? cim_object_encode(ev, &enc) : cim_object_encode_full(ev, &enc)) < 0 ||
            enc.oom)
                return;
        e = (EvEnc){ .cls = ev->cls, .data = enc.s, .size = enc.len, .ev = ev };
        for (Subscription *s = b->subs; s; s = s->next) {
                bool match = !s->query->where;

                if (!s->client || s->client->dead || !ns_eq(s->ns, norm) ||
                    !lwmi_object_derives_from(ev, s->class_name))
                        continue;
                if (!match && (wql_query_eval_object(s->query, ev, &match, NULL) < 0 || !match))
                        continue;
                sub_emit(b, s, &e);
        }
}

static void event_deliver(Broker *b, lwmi_object *ev) {
        event_deliver_ns(b, NS_WMI, ev);
}

/**
 * events_static_op() - a static repository instance was created, replaced
 * or deleted (PUT_INSTANCE, DELETE_INSTANCE): __InstanceCreationEvent,
 * __InstanceModificationEvent or __InstanceDeletionEvent to the
 * subscriptions of @ns.
 * @b: the broker
 * @ns: the namespace
 * @target: TargetInstance (the new instance; the deleted one for a deletion)
 * @previous: PreviousInstance for a modification, else NULL
 * @deleted: a deletion
 */
void events_static_op(Broker *b, const char *ns, lwmi_object *target, lwmi_object *previous,
                      bool deleted) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *ecls = NULL, *ev = NULL;
        const char *name = deleted    ? "__InstanceDeletionEvent"
                           : previous ? "__InstanceModificationEvent"
                                      : "__InstanceCreationEvent";
        lwmi_value v;
        int r;

        if (!b->subs || repo_get_class(b->repo, ns, name, &ecls) < 0 ||
            lwmi_class_spawn_instance(ecls, &ev) < 0)
                return;
        lwmi_value_set_object(&v, target);
        r = lwmi_object_put(ev, "TargetInstance", &v);
        lwmi_value_clear(&v);
        if (r < 0)
                return;
        if (previous) {
                lwmi_value_set_object(&v, previous);
                r = lwmi_object_put(ev, "PreviousInstance", &v);
                lwmi_value_clear(&v);
                if (r < 0)
                        return;
        }
        event_deliver_ns(b, ns, ev);
}

/* The provider's event class and layout, loaded again only when classes may have changed. */
static int provider_event_class(Broker *b, Provider *p) {
        int r;

        if (p->ev_checked == b->class_serial && p->ev.cls)
                return 0;
        if (!p->class_name)
                return -ENOENT;
        r = raw_class_load(b, p->class_name, &p->ev, NULL);
        if (r < 0) {
                log_warn("provider %s: no data block layout for class %s", p->conn->name,
                         p->class_name);
                return r;
        }
        p->ev_checked = b->class_serial;
        return 0;
}

/* The name of the firing instance, cached for the frame. */
static const char *provider_event_name(Broker *b, Provider *p, uint32_t instance_id) {
        ssize_t idx;

        if (p->ev_name && p->ev_name_serial == p->instances_serial && p->ev_name_id == instance_id)
                return p->ev_name;
        free(p->ev_name);
        idx = instance_find_id(p, instance_id);
        if (idx >= 0)
                p->ev_name = instance_name(p, (size_t) idx);
        else if (asprintf(&p->ev_name, "%s_0", p->device) < 0)
                p->ev_name = NULL;
        p->ev_name_len = p->ev_name ? strlen(p->ev_name) : 0;
        p->ev_name_id = instance_id;
        p->ev_name_serial = p->instances_serial;
        return p->ev_name;
}

/* Whether @s takes provider events of class @cls (root\wmi), remembered per class object. */
static bool subscription_takes(Broker *b, Subscription *s, const lwmi_object *cls) {
        if (!s->ns_wmi)
                return false;
        if (s->match_cls != cls || s->match_serial != b->class_serial) {
                s->match_cls = cls;
                s->match_serial = b->class_serial;
                s->match = lwmi_object_derives_from(cls, s->class_name);
        }
        return s->match;
}

/*
 * One provider event on its way to the subscriptions: its values are read
 * from the block (and the RawInst set up) only when something needs them.
 */
typedef struct FanOut {
        const Provider *p;
        const void *data;
        size_t size;
        const char *name;  /* InstanceName of the firing instance, or NULL */
        size_t name_len;   /* its length (0 for NULL) */
        const char *entry; /* its EVENT_BLOCKS entry (b->ev_entry) once encoded, or NULL */
        size_t entry_len;
        uint64_t now;
        lwmi_value *vals; /* p->ev.layout->n_items */
        RawInst *ri;      /* set up once @inited (not zeroed per event: 400 bytes) */
        EvEnc *e;
        bool inited, decoded, checked;
} FanOut;

/* Decodes the event's values (for a WHERE, a GROUP, a drop report, an encoding). */
static int event_decode(FanOut *f) {
        int r;

        if (f->decoded)
                return 0;
        if (!f->inited) {
                raw_inst_init(f->ri, &f->p->ev, f->vals, f->name, &f->now);
                f->inited = true;
                f->e->raw = f->ri;
        }
        r = block_decode_values(f->p->ev.layout, f->data, f->size, f->vals);
        f->decoded = r >= 0;
        f->checked = f->decoded;
        return r;
}

/*
 * Checks a provider's event block against its class's layout: a plain
 * layout by the size alone, any other by decoding it.
 */
static int event_check(FanOut *f) {
        const BlockLayout *l = f->p->ev.layout;

        if (f->checked)
                return 0;
        if (l->plain && l->n_items > 0) {
                if (f->size < l->size)
                        return -EBADMSG;
                f->checked = true;
                return 0;
        }
        return event_decode(f);
}

/*
 * One event of provider @p to its subscriptions. @now: its TIME_CREATED (the
 * time its frame was read: the events of one frame share it).
 */
static void event_fan_out(Broker *b, Provider *p, uint32_t instance_id, const void *data,
                          size_t size, uint64_t now) {
        lwmi_value stack_vals[16];
        _cleanup_free_ lwmi_value *heap_vals = NULL;
        StrBuf *enc = &b->ev_scratch; /* reused: no allocation per event */
        const lwmi_object *cls;
        EvEnc e = { 0 };
        RawInst ri;
        FanOut f = { .p = p,
                     .data = data,
                     .size = size,
                     .now = now,
                     .vals = stack_vals,
                     .ri = &ri,
                     .e = &e };
        size_t n_items;

        if (provider_event_class(b, p) < 0)
                return;
        cls = p->ev.cls;
        n_items = p->ev.layout->n_items;
        if (n_items > ELEMENTSOF(stack_vals) &&
            !(f.vals = heap_vals = calloc(n_items, sizeof(*f.vals))))
                return;
        f.name = provider_event_name(b, p, instance_id);
        f.name_len = f.name ? p->ev_name_len : 0; /* measured once per name */
        /*
         * The block is decoded, and the event encoded, only when a
         * subscription needs it: a WHERE to evaluate, a GROUP, an event it
         * takes. An event every subscriber would drop costs a count.
         */
        for (Subscription *s = b->subs; s; s = s->next) {
                bool match = !s->query->where;

                if (!s->client || s->client->dead || !subscription_takes(b, s, cls))
                        continue;
                if ((!match || s->query->has_group) && event_decode(&f) < 0)
                        goto bad;
                if (!match &&
                    (wql_query_eval(s->query, raw_inst_lookup, NULL, f.ri, &match, NULL) < 0 ||
                     !match))
                        continue;
                if (s->query->has_group) {
                        sub_emit(b, s, &e);
                        continue;
                }
                if (sub_must_drop(b, s)) {
                        /* the first drop of a series keeps the event for the report */
                        if (s->n_dropped_unreported == 0 && event_decode(&f) < 0)
                                goto bad;
                        sub_drop(s, &e);
                        continue;
                }
                /* checked before it reaches any subscriber */
                if (event_check(&f) < 0)
                        goto bad;
                if (p->ev.blocks_ok) {
                        /* the provider's block itself: the subscriber decodes it */
                        if (!f.entry) {
                                /* encoded once, for the first subscriber that takes it */
                                StrBuf *eb = &b->ev_entry;

                                if (eb->oom)
                                        strbuf_deinit(eb); /* a scratch buffer: try again */
                                strbuf_truncate(eb, 0);
                                if (wire_timed_block_entry_encode(eb, f.name ? f.name : "",
                                                                  f.name_len, now, data, size) < 0)
                                        break;
                                f.entry = eb->s;
                                f.entry_len = eb->len;
                        }
                        sub_send_block(s, cls, f.entry, f.entry_len);
                        continue;
                }
                if (!e.cls) {
                        /* Encoded once, for the first subscriber that takes it. */
                        if (event_decode(&f) < 0)
                                goto bad;
                        if (enc->s)
                                strbuf_truncate(enc, 0);
                        if (raw_inst_encode(f.ri, NULL, enc) < 0)
                                break;
                        e.cls = cls;
                        e.data = enc->s;
                        e.size = enc->len;
                }
                sub_send(s, &e);
        }
        goto out;
bad:
        log_warn("provider %s: event data does not match class %s", p->conn->name, p->class_name);
out:
        if (f.inited) /* all: a failed decode may have filled some (NULL from raw_inst_init()) */
                raw_inst_clear(f.ri, n_items);
}

/* Whether some subscription may want the intrinsic event class @event_class. */
static bool someone_wants(Broker *b, const lwmi_object *event_cls) {
        for (Subscription *s = b->subs; s; s = s->next)
                if (s->client && !s->client->dead && subscription_wants(s, event_cls))
                        return true;
        return false;
}

/**
 * events_instance_op() - an instance of a provider appeared or went away:
 * __InstanceCreationEvent / __InstanceDeletionEvent.
 * @p: the provider
 * @index: the instance's index in @p (still registered)
 * @created: creation (true) or deletion (false)
 *
 * The TargetInstance is an instance of the provider's class with its key
 * InstanceName and Active = TRUE; the data items are NULL. The broker does
 * not query the provider for them: the event goes out at once, in order with
 * the registration, and a deletion has nothing left to query.
 */
void events_instance_op(Provider *p, size_t index, bool created) {
        Broker *b = p->conn->broker;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *target = NULL, *ecls = NULL,
                                                  *ev = NULL;
        _cleanup_free_ char *name = NULL;
        lwmi_value v;

        if (!b->subs || !p->class_name ||
            repo_get_class(b->repo, NS_WMI,
                           created ? "__InstanceCreationEvent" : "__InstanceDeletionEvent",
                           &ecls) < 0 ||
            !someone_wants(b, ecls))
                return;
        if (repo_get_class(b->repo, NS_WMI, p->class_name, &cls) < 0 ||
            lwmi_class_spawn_instance(cls, &target) < 0 || lwmi_class_spawn_instance(ecls, &ev) < 0)
                return;
        name = instance_name(p, index);
        if (name && lwmi_object_find_property(target, "InstanceName") >= 0)
                (void) lwmi_object_set_string(target, "InstanceName", name);
        if (lwmi_object_find_property(target, "Active") >= 0)
                (void) lwmi_object_set_bool(target, "Active", true);
        lwmi_object_set_namespace(target, NULL, NS_WMI);
        v = (lwmi_value){ 0 };
        lwmi_value_set_object(&v, target);
        if (lwmi_object_put(ev, "TargetInstance", &v) < 0) {
                lwmi_value_clear(&v);
                return;
        }
        lwmi_value_clear(&v);
        event_deliver(b, ev);
}

/**
 * events_dropped() - EVENTS_DROPPED: the provider refused events of a GUID
 * (its queue was full; the driver got -ENOBUFS and may fire them again).
 * Logged, counted, and fired as an __EventDroppedEvent (to the subscriptions
 * of __EventDroppedEvent or a superclass, as in WMI) whose Event is an
 * __AggregateEvent: NumberOfEvents = the count, Representative = an instance
 * of the provider's class with only InstanceName (the device's first) and
 * Active set.
 * @c: the provider connection
 * @m: the message
 *
 * Return: 0.
 */
int events_dropped(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(lwmi_object_unrefp) lwmi_object *dcls = NULL, *acls = NULL, *rep = NULL,
                                                  *agg = NULL, *ev = NULL;
        _cleanup_free_ char *name = NULL;
        lwmi_guid guid;
        uint64_t count;
        lwmi_value v;
        Provider *p;

        wire_msg_read(m, &guid, &count);
        p = provider_find(b, &guid);
        if (!p || p->conn != c || count == 0)
                return 0;
        p->n_provider_dropped += count;
        log_warn("provider %s refused %llu events of %s (%llu in all): its queue was full",
                 c->name ? c->name : "?", (unsigned long long) count,
                 p->class_name ? p->class_name : "?", (unsigned long long) p->n_provider_dropped);
        if (!b->subs || provider_event_class(b, p) < 0 ||
            repo_get_class(b->repo, NS_WMI, "__EventDroppedEvent", &dcls) < 0 ||
            repo_get_class(b->repo, NS_WMI, "__AggregateEvent", &acls) < 0 ||
            lwmi_class_spawn_instance(p->ev.cls, &rep) < 0 ||
            lwmi_class_spawn_instance(acls, &agg) < 0 || lwmi_class_spawn_instance(dcls, &ev) < 0)
                return 0;
        if (p->ev.idx_name >= 0 && asprintf(&name, "%s_0", p->device) >= 0)
                (void) lwmi_object_set_string(rep, "InstanceName", name);
        if (p->ev.idx_active >= 0)
                (void) lwmi_object_set_bool(rep, "Active", true);
        lwmi_object_set_namespace(rep, NULL, NS_WMI);
        (void) lwmi_object_set_uint64(agg, "NumberOfEvents", MIN(count, (uint64_t) UINT32_MAX));
        lwmi_value_set_object(&v, rep);
        (void) lwmi_object_put(agg, "Representative", &v);
        lwmi_value_clear(&v);
        lwmi_object_set_namespace(agg, NULL, NS_WMI);
        lwmi_value_set_object(&v, agg);
        (void) lwmi_object_put(ev, "Event", &v);
        lwmi_value_clear(&v);
        event_deliver(b, ev);
        return 0;
}

/**
 * events_fire() - FIRE_EVENT / FIRE_EVENTS of a provider connection.
 * @c: the provider connection
 * @m: the message
 *
 * Events for GUIDs the connection does not hold are dropped.
 *
 * Return: 0.
 */
int events_fire(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        lwmi_guid guid;
        uint32_t id;
        const void *data;
        size_t size;
        uint64_t now;

        b->fire_serial++;
        close_slow_subscribers(b);
        if (!b->subs)
                return 0;
        /* one clock read per frame: a system call's worth on these machines */
        now = filetime_now();
        if (m->type == WIRE_MSG_FIRE_EVENT) {
                Provider *p;

                wire_msg_read(m, &guid, &id, &data, &size);
                p = provider_find(b, &guid);
                if (p && p->conn == c)
                        event_fan_out(b, p, id, data, size, now);
                return 0;
        }
        WireList l;

        Provider *p = NULL;

        wire_msg_read(m, &l);
        while (wire_list_next_event(&l, &guid, &id, &data, &size) > 0) {
                if (!p || !lwmi_guid_equal(&p->guid, &guid))
                        p = provider_find(b, &guid);
                if (p && p->conn == c)
                        event_fan_out(b, p, id, data, size, now);
                if (!b->subs)
                        break; /* the last subscriber went (a slow one closed) */
        }
        return 0;
}

/**
 * events_free_all() - free every subscription (shutdown).
 * @b: the broker
 */
void events_free_all(Broker *b) {
        while (b->holds) {
                CollectHold *h = b->holds;

                b->holds = h->next;
                free(h);
        }
        while (b->subs) {
                Subscription *s = b->subs;

                b->subs = s->next;
                subscription_free(s);
        }
}

/**
 * events_next_deadline() - when the next WITHIN poll, GROUP WITHIN window,
 * collection linger or slow subscriber timeout is due.
 * @b: the broker
 *
 * Return: CLOCK_MONOTONIC microseconds, or 0 for none.
 */
uint64_t events_next_deadline(Broker *b) {
        uint64_t d = 0;

        for (Subscription *s = b->subs; s; s = s->next) {
                if (!s->client || s->client->dead)
                        continue;
                if (s->client->stall_usec && (!d || s->client->stall_usec + slow_limit(b) < d))
                        d = s->client->stall_usec + slow_limit(b);
                if (s->poll && !s->poll_req && (!d || s->next_poll_usec < d))
                        d = s->next_poll_usec;
                if (s->window_end_usec && (!d || s->window_end_usec < d))
                        d = s->window_end_usec;
        }
        for (CollectHold *h = b->holds; h; h = h->next)
                if (!h->client && h->linger_usec && (!d || h->linger_usec < d))
                        d = h->linger_usec;
        return d;
}

/**
 * events_timeouts() - disconnect slow subscribers, end lingers and GROUP
 * WITHIN windows, and start the WITHIN polls that are due.
 * @b: the broker
 * @now: broker_now_usec()
 */
void events_timeouts(Broker *b, uint64_t now) {
        close_slow_subscribers(b);
        /* Lingers that ended: release them, then tell their providers. */
        for (CollectHold **pp = &b->holds; *pp;) {
                CollectHold *h = *pp;

                if (!h->client && h->linger_usec <= now) {
                        lwmi_guid guid = h->guid;

                        *pp = h->next;
                        free(h);
                        update_collection_guid(b, &guid);
                } else {
                        pp = &h->next;
                }
        }
        for (Subscription *s = b->subs; s; s = s->next)
                if (s->window_end_usec && s->window_end_usec <= now && s->client &&
                    !s->client->dead)
                        group_flush(b, s);
        for (Subscription *s = b->subs; s; s = s->next) {
                if (!s->poll || s->poll_req || !s->client || s->client->dead ||
                    s->next_poll_usec > now)
                        continue;
                /* A poll that outlasts WITHIN delays the next one, it never overlaps it. */
                s->next_poll_usec = now + s->poll_usec;
                if (dispatch_poll_start(s) < 0)
                        log_debug("subscription %u: cannot poll %s", s->request_id,
                                  s->target_class);
        }
}

static const lwmi_object *snap_find(const Subscription *s, const char *name) {
        const char *n;

        for (size_t i = 0; i < s->n_snap; i++)
                if (lwmi_object_get_string(s->snap[i], "InstanceName", &n) >= 0 &&
                    strcmp(n, name) == 0)
                        return s->snap[i];
        return NULL;
}

static bool objects_differ(const lwmi_object *a, const lwmi_object *b) {
        _cleanup_strbuf_ StrBuf ea = STRBUF_INIT, eb = STRBUF_INIT;

        if (cim_object_encode_full(a, &ea) < 0 || ea.oom || cim_object_encode_full(b, &eb) < 0 ||
            eb.oom)
                return false;
        return ea.len != eb.len || memcmp(ea.s, eb.s, ea.len) != 0;
}

/* Sends one __InstanceModificationEvent to @s when its WHERE matches. */
static void poll_modified(Broker *b, Subscription *s, lwmi_object *now, lwmi_object *before) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *ecls = NULL, *ev = NULL;
        _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
        bool match = false;
        lwmi_value v;
        int r;

        if (repo_get_class(b->repo, NS_WMI, "__InstanceModificationEvent", &ecls) < 0 ||
            lwmi_class_spawn_instance(ecls, &ev) < 0)
                return;
        lwmi_value_set_object(&v, now);
        r = lwmi_object_put(ev, "TargetInstance", &v);
        lwmi_value_clear(&v);
        if (r < 0)
                return;
        lwmi_value_set_object(&v, before);
        r = lwmi_object_put(ev, "PreviousInstance", &v);
        lwmi_value_clear(&v);
        if (r < 0)
                return;
        event_stamp(ev);
        lwmi_object_set_namespace(ev, NULL, NS_WMI);
        if (wql_query_eval_object(s->query, ev, &match, NULL) < 0 || !match)
                return;
        if (cim_object_encode(ev, &enc) < 0 || enc.oom)
                return;
        sub_emit(b, s, &(EvEnc){ .cls = ev->cls, .data = enc.s, .size = enc.len, .ev = ev });
}

/**
 * events_poll_done() - a WITHIN poll ended: compare with the last snapshot
 * (by InstanceName) and send __InstanceModificationEvent for each instance
 * whose properties changed. Instances that appeared or went away are left to
 * the creation and deletion events of registration. A failed poll keeps the
 * last snapshot.
 * @s: the subscription
 * @objs: the instances read (borrowed)
 * @n: their number
 * @status: the poll's status
 */
void events_poll_done(Subscription *s, lwmi_object **objs, size_t n, lwmi_status status) {
        Broker *b = s->client->broker;
        lwmi_object **snap;

        s->poll_req = NULL;
        if (status != 0) {
                log_debug("subscription %u: poll of %s failed: 0x%08x", s->request_id,
                          s->target_class, (unsigned) status);
                return;
        }
        if (s->have_snap && s->client && !s->client->dead)
                for (size_t i = 0; i < n; i++) {
                        const lwmi_object *old;
                        const char *name;

                        if (lwmi_object_get_string(objs[i], "InstanceName", &name) < 0)
                                continue;
                        old = snap_find(s, name);
                        if (old && objects_differ(old, objs[i]))
                                poll_modified(b, s, objs[i], (lwmi_object *) old);
                }
        snap = n > 0 ? calloc(n, sizeof(*snap)) : NULL;
        if (n > 0 && !snap)
                return;
        for (size_t i = 0; i < s->n_snap; i++)
                lwmi_object_unref(s->snap[i]);
        free(s->snap);
        for (size_t i = 0; i < n; i++)
                snap[i] = lwmi_object_ref(objs[i]);
        s->snap = snap;
        s->n_snap = n;
        s->have_snap = true;
}
