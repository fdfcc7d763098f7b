/* SPDX-License-Identifier: MIT */
/*
 * wmid provider registry: devices and their MOF, providers by GUID (one live
 * holder per GUID), instances with their KMDF-style names.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "core/object.h"
#include "mof/mof.h"
#include "shared/name.h"

/* ---- the provider registry ---- */

/**
 * provider_find() - the live provider of a GUID.
 * @b: the broker
 * @guid: the GUID
 *
 * Return: the provider (borrowed) or NULL.
 */
Provider *provider_find(Broker *b, const lwmi_guid *guid) {
        for (Provider *p = b->providers; p; p = p->next)
                if (lwmi_guid_equal(&p->guid, guid))
                        return p;
        return NULL;
}

/**
 * provider_find_class() - the live provider backing a class of root\\wmi.
 * @b: the broker
 * @class_name: the class (case-insensitive)
 *
 * Return: the provider (borrowed) or NULL.
 */
Provider *provider_find_class(Broker *b, const char *class_name) {
        for (Provider *p = b->providers; p; p = p->next)
                if (p->class_name && lwmi_name_eq(p->class_name, class_name))
                        return p;
        return NULL;
}

/**
 * provider_free() - free a provider (unlinked) and its instances.
 * @p: the provider, or NULL
 *
 * Return: NULL.
 */
Provider *provider_free(Provider *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_instances; i++)
                free(p->instances[i].name);
        free(p->instances);
        raw_class_clear(&p->ev);
        free(p->ev_name);
        free(p->device);
        free(p->class_name);
        free(p);
        return NULL;
}

/* The instance name: the static name, or "<device>_<index>" (KMDF: PDO name + index). */
/**
 * instance_name() - the name of instance @index of @p.
 * @p: the provider
 * @index: position among its registered instances
 *
 * Return: a new string, or NULL without memory.
 */
char *instance_name(const Provider *p, size_t index) {
        char *s;

        if (p->instances[index].name)
                return strdup(p->instances[index].name);
        if (asprintf(&s, "%s_%zu", p->device, index) < 0)
                return NULL;
        return s;
}

/**
 * instance_find_name() - find an instance by name (case-insensitive).
 * @p: the provider
 * @name: the instance name
 *
 * Return: its index, or -1.
 */
ssize_t instance_find_name(const Provider *p, const char *name) {
        for (size_t i = 0; i < p->n_instances; i++) {
                _cleanup_free_ char *n = instance_name(p, i);

                if (n && lwmi_name_eq(n, name))
                        return (ssize_t) i;
        }
        return -1;
}

/**
 * instance_find_id() - find an instance by the provider's id.
 * @p: the provider
 * @id: the instance id
 *
 * Return: its index, or -1.
 */
ssize_t instance_find_id(const Provider *p, uint32_t id) {
        for (size_t i = 0; i < p->n_instances; i++)
                if (p->instances[i].id == id)
                        return (ssize_t) i;
        return -1;
}

/* ---- provider messages ---- */

static Provider *conn_provider(Conn *c, const lwmi_guid *guid) {
        Provider *p = provider_find(c->broker, guid);

        return p && p->conn == c ? p : NULL;
}

/*
 * What a provider that is neither root nor in the admin group may register:
 * classes (and qualifier declarations) of root\wmi, not system classes, no
 * instances (root\subscription instances would run consumers), no deletions.
 * Returns NULL when allowed, else why not.
 */
static const char *mof_check_unprivileged(const MofResult *res) {
        for (size_t i = 0; i < res->n_items; i++) {
                const MofItem *it = &res->items[i];

                switch (it->kind) {
                case MOF_ITEM_CLASS:
                        if (it->namespace_ && !lwmi_name_eq(it->namespace_, NS_WMI))
                                return "only root\\wmi classes may be registered";
                        if (strncmp(lwmi_object_get_class_name(it->object), "__", 2) == 0)
                                return "system classes may not be registered";
                        break;
                case MOF_ITEM_QUALIFIER_DECL:
                case MOF_ITEM_CPP_QUOTE:
                        break;
                case MOF_ITEM_INSTANCE:
                        return "instances need root or the admin group";
                default:
                        return "deletions need root or the admin group";
                }
        }
        return NULL;
}

/**
 * provider_device_register() - handle DEVICE_REGISTER from a provider connection; answers with one
 * STATUS.
 * @c: the provider connection
 * @m: the decoded message
 *
 * Return: 0, or a negative errno when the connection must close.
 */
int provider_device_register(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(mof_result_freep) MofResult *res = NULL;
        _cleanup_strbuf_ StrBuf diag = STRBUF_INIT;
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        const char *name, *mof;
        size_t n_devices = 0;
        Device *d;
        int r;

        wire_msg_read(m, &name, &mof);
        if (!*name)
                return conn_send_status(c, m->request_id, WBEM(INVALID_PARAMETER),
                                        "empty device name");
        for (d = c->devices; d; d = d->next)
                n_devices++;
        if (n_devices >= BROKER_DEVICES_PER_CONN)
                return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION), NULL);
        if (*mof) {
                MofOptions opts = { .default_namespace = NS_WMI,
                                    .lookup = repo_mof_lookup,
                                    .userdata = b->repo };

                r = mof_compile_buffer(name, mof, strlen(mof), &opts, &res, &diags);
                if (r >= 0 && !conn_is_admin(c)) {
                        const char *why = mof_check_unprivileged(res);

                        if (why) {
                                mof_diag_list_deinit(&diags);
                                log_warn("device %s of %s (uid %u): MOF refused: %s", name, c->name,
                                         (unsigned) c->uid, why);
                                return conn_send_status(c, m->request_id, WBEM(ACCESS_DENIED), "%s",
                                                        why);
                        }
                }
                if (r >= 0)
                        r = repo_store_mof(b->repo, res, &diags);
                b->class_serial++; /* classes may have changed: caches check again */
                if (r < 0) {
                        for (size_t i = 0; i < diags.n && i < 4; i++)
                                strbuf_printf(&diag, "%s%s:%u:%u: %s", i ? "; " : "",
                                              diags.items[i].file ? diags.items[i].file : name,
                                              diags.items[i].line, diags.items[i].col,
                                              diags.items[i].message);
                        mof_diag_list_deinit(&diags);
                        log_warn("device %s of %s: MOF refused: %s", name, c->name,
                                 diag.len ? strbuf_str(&diag) : strerror(-r));
                        return conn_send_status(c, m->request_id, WBEM(INVALID_SYNTAX), "%s",
                                                diag.len ? strbuf_str(&diag) : strerror(-r));
                }
                mof_diag_list_deinit(&diags);
        }
        d = calloc(1, sizeof(*d));
        if (!d || !(d->name = strdup(name))) {
                free(d);
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        d->next = c->devices;
        c->devices = d;
        log_info("device %s registered by %s (uid %u)", name, c->name, (unsigned) c->uid);
        return conn_send_status(c, m->request_id, 0, NULL);
}

/* The class of root\wmi whose guid qualifier is @guid (braces and case do not matter). */
static char *class_for_guid(Broker *b, const lwmi_guid *guid) {
        lwmi_object **classes = NULL;
        char *found = NULL;
        size_t n = 0;

        if (repo_enum_classes(b->repo, NS_WMI, NULL, true, &classes, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n && !found; i++) {
                const lwmi_value *v = lwmi_object_get_qualifier(classes[i], NULL, "guid");
                lwmi_guid g;

                if (v && !v->is_null && LWMI_CIM_BASE(v->type) == LWMI_CIM_STRING &&
                    lwmi_guid_parse(v->u.string, &g) >= 0 && lwmi_guid_equal(&g, guid))
                        found = strdup(lwmi_object_get_class_name(classes[i]));
        }
        repo_free_objects(classes, n);
        return found;
}

/**
 * provider_register() - handle PROVIDER_REGISTER from a provider connection; answers with one
 * STATUS.
 * @c: the provider connection
 * @m: the decoded message
 *
 * Return: 0, or a negative errno when the connection must close.
 */
int provider_register(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        char gs[LWMI_GUID_STRING_MAX];
        size_t n_providers = 0;
        uint32_t flags, min_size;
        lwmi_guid guid;
        Provider *p;
        int r;

        wire_msg_read(m, &guid, &flags, &min_size);
        lwmi_guid_format(&guid, gs);
        if (lwmi_guid_is_null(&guid))
                return conn_send_status(c, m->request_id, WBEM(INVALID_PARAMETER), "null GUID");
        p = provider_find(b, &guid);
        if (p)
                return conn_send_status(c, m->request_id, WBEM(ALREADY_EXISTS),
                                        "GUID %s is already registered by %s (pid %d)", gs,
                                        p->conn->name, (int) p->conn->pid);
        for (p = b->providers; p; p = p->next)
                if (p->conn == c)
                        n_providers++;
        if (n_providers >= BROKER_PROVIDERS_PER_CONN)
                return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION), NULL);
        p = calloc(1, sizeof(*p));
        if (!p)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        *p = (Provider){ .conn = c, .guid = guid, .flags = flags, .min_size = min_size };
        p->device = strdup(c->devices ? c->devices->name : (c->name ? c->name : "device"));
        p->class_name = class_for_guid(b, &guid);
        if (!p->device) {
                provider_free(p);
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        if (!p->class_name)
                log_warn("provider %s: no class of %s has guid %s; its data cannot be queried",
                         c->name, NS_WMI, gs);
        p->next = b->providers;
        b->providers = p;
        log_info("provider %s registered %s (%s)", c->name, gs,
                 p->class_name ? p->class_name : "no class");
        /* STATUS first: the provider knows its GUID before any FUNCTION_CONTROL for it. */
        r = conn_send_status(c, m->request_id, 0, NULL);
        events_provider_added(p);
        return r;
}

/**
 * provider_instance_register() - handle INSTANCE_REGISTER from a provider connection; answers with
 * one STATUS.
 * @c: the provider connection
 * @m: the decoded message
 *
 * Return: 0, or a negative errno when the connection must close.
 */
int provider_instance_register(Conn *c, const WireMsg *m) {
        const char *name;
        lwmi_guid guid;
        uint32_t id;
        Provider *p;
        int r;

        wire_msg_read(m, &guid, &id, &name);
        p = conn_provider(c, &guid);
        if (!p)
                return conn_send_status(c, m->request_id, WBEM(PROVIDER_NOT_REGISTERED), NULL);
        if (instance_find_id(p, id) >= 0)
                return conn_send_status(c, m->request_id, WBEM(ALREADY_EXISTS),
                                        "instance %u is registered already", id);
        if (p->n_instances >= BROKER_INSTANCES_PER_GUID)
                return conn_send_status(c, m->request_id, WBEM(QUOTA_VIOLATION), NULL);
        if (GROW(p->instances, p->alloc_instances, p->n_instances + 1) < 0)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        p->instances[p->n_instances] = (Instance){ .id = id, .name = *name ? strdup(name) : NULL };
        if (*name && !p->instances[p->n_instances].name)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        p->n_instances++;
        p->instances_serial++; /* names by index may have changed */
        r = conn_send_status(c, m->request_id, 0, NULL);
        events_instance_op(p, p->n_instances - 1, true);
        return r;
}

/**
 * provider_instance_deregister() - handle INSTANCE_DEREGISTER from a provider connection; answers
 * with one STATUS.
 * @c: the provider connection
 * @m: the decoded message
 *
 * Return: 0, or a negative errno when the connection must close.
 */
int provider_instance_deregister(Conn *c, const WireMsg *m) {
        lwmi_guid guid;
        uint32_t id;
        Provider *p;
        ssize_t i;

        wire_msg_read(m, &guid, &id);
        p = conn_provider(c, &guid);
        if (!p)
                return conn_send_status(c, m->request_id, WBEM(PROVIDER_NOT_REGISTERED), NULL);
        /* Idempotent, as in KMDF; later instances move down one index. */
        i = instance_find_id(p, id);
        if (i >= 0) {
                events_instance_op(p, (size_t) i, false);
                free(p->instances[i].name);
                memmove(p->instances + i, p->instances + i + 1,
                        (p->n_instances - (size_t) i - 1) * sizeof(*p->instances));
                p->n_instances--;
                p->instances_serial++;
        }
        return conn_send_status(c, m->request_id, 0, NULL);
}
