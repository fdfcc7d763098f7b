/* SPDX-License-Identifier: MIT */
/*
 * wmid events: subscriptions (EXEC_NOTIFICATION_QUERY), function control and
 * the fan-out of provider events.
 *
 * A subscription names an event class; an event a provider fires for a GUID
 * is decoded once with the layout of the GUID's class, given its
 * InstanceName, encoded once, and sent as EVENTS to every subscription whose
 * class is that class or one of its superclasses and whose WHERE matches.
 * The broker, not the provider, counts listeners (KMDF spec 60): a provider
 * gets FUNCTION_CONTROL(event, enable) when its class gains its first
 * subscription and (event, disable) when it loses the last one. A subscriber
 * that does not read its socket loses events once its unread output exceeds
 * the subscription's queue bytes; the drops are counted and logged.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "core/object.h"
#include "shared/name.h"

typedef struct EvLookup {
        Repo *repo;
} EvLookup;

static lwmi_object *ev_lookup(void *userdata, const char *class_name) {
        EvLookup *l = userdata;
        lwmi_object *o = NULL;

        if (repo_get_class(l->repo, NS_WMI, class_name, &o) < 0)
                return NULL;
        return o;
}

static bool ns_is_wmi(const char *ns) {
        _cleanup_free_ char *norm = NULL;

        if (lwmi_namespace_normalize(ns, &norm) < 0)
                return false;
        return lwmi_name_eq(norm, NS_WMI);
}

static Subscription *subscription_free(Subscription *s) {
        if (!s)
                return NULL;
        if (s->n_dropped > 0)
                log_warn("subscription %u of %s dropped %llu events (client too slow)",
                         s->request_id, s->client ? s->client->name : "?",
                         (unsigned long long) s->n_dropped);
        wql_query_free(s->query);
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

static void update_all_controls(Broker *b) {
        for (Provider *p = b->providers; p; p = p->next)
                provider_update_control(b, p);
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
        uint32_t queue_count, queue_bytes;
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

        s = calloc(1, sizeof(*s));
        if (!s)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        *s = (Subscription){ .client = c,
                             .request_id = m->request_id,
                             .ns = strdup(ns),
                             .class_name = strdup(from),
                             .queue_max_bytes =
                                     queue_bytes ? queue_bytes : BROKER_EVENT_QUEUE_DEFAULT };
        if (!s->ns || !s->class_name) {
                subscription_free(s);
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        s->query = TAKE_PTR(q);
        s->next = b->subs;
        b->subs = s;
        update_all_controls(b);
        return 0;
}

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
 * events_provider_added() - a new provider: enable its events if someone listens.
 * @p: the provider
 */
void events_provider_added(Provider *p) {
        provider_update_control(p->conn->broker, p);
}

static void event_fan_out(Broker *b, Provider *p, uint32_t instance_id, const void *data,
                          size_t size) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *ev = NULL;
        _cleanup_(block_layout_freep) BlockLayout *layout = NULL;
        _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
        _cleanup_free_ char *name = NULL;
        WireListBuf list = WIRE_LIST_BUF_INIT;
        ssize_t idx;

        if (!b->subs || !p->class_name || repo_get_class(b->repo, NS_WMI, p->class_name, &cls) < 0)
                return;
        if (block_layout_compute(cls, ev_lookup, &(EvLookup){ .repo = b->repo }, &layout, NULL) <
                    0 ||
            lwmi_class_spawn_instance(cls, &ev) < 0 || block_decode(layout, data, size, ev) < 0) {
                log_warn("provider %s: event data does not match class %s", p->conn->name,
                         p->class_name);
                return;
        }
        idx = instance_find_id(p, instance_id);
        if (idx >= 0)
                name = instance_name(p, (size_t) idx);
        else if (asprintf(&name, "%s_0", p->device) < 0)
                name = NULL;
        if (name && lwmi_object_find_property(ev, "InstanceName") >= 0)
                lwmi_object_set_string(ev, "InstanceName", name);
        if (lwmi_object_find_property(ev, "Active") >= 0)
                lwmi_object_set_bool(ev, "Active", true);
        lwmi_object_set_namespace(ev, NULL, NS_WMI);
        /* Encoded once for every subscriber. */
        if (cim_object_encode_full(ev, &enc) < 0 || enc.oom ||
            wire_list_buf_add_bytes(&list, enc.s, enc.len) < 0) {
                wire_list_buf_deinit(&list);
                return;
        }
        for (Subscription *s = b->subs; s; s = s->next) {
                WireList l = wire_list_buf_get(&list);
                bool match = false;
                WireMsg m;

                if (!s->client || s->client->dead || !subscription_wants(s, cls))
                        continue;
                if (wql_query_eval_object(s->query, ev, &match, NULL) < 0 || !match)
                        continue;
                if (wire_writer_pending(&s->client->out) > s->queue_max_bytes) {
                        s->n_dropped++;
                        continue;
                }
                if (wire_msg_build(&m, WIRE_MSG_EVENTS, s->request_id, s->request_id, &l) >= 0)
                        conn_send(s->client, &m);
        }
        wire_list_buf_deinit(&list);
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

        if (m->type == WIRE_MSG_FIRE_EVENT) {
                Provider *p;

                wire_msg_read(m, &guid, &id, &data, &size);
                p = provider_find(b, &guid);
                if (p && p->conn == c)
                        event_fan_out(b, p, id, data, size);
                return 0;
        }
        WireList l;

        wire_msg_read(m, &l);
        while (wire_list_next_event(&l, &guid, &id, &data, &size) > 0) {
                Provider *p = provider_find(b, &guid);

                if (p && p->conn == c)
                        event_fan_out(b, p, id, data, size);
        }
        return 0;
}

/**
 * events_free_all() - free every subscription (shutdown).
 * @b: the broker
 */
void events_free_all(Broker *b) {
        while (b->subs) {
                Subscription *s = b->subs;

                b->subs = s->next;
                subscription_free(s);
        }
}
