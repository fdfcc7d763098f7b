/* SPDX-License-Identifier: MIT */
/*
 * wmid request routing: the handshake, client requests, provider
 * registrations, provider calls and their replies.
 *
 * Every client request ends with exactly one STATUS. Requests the repository
 * answers alone (classes, static instances) finish inside dispatch_frame();
 * those that need providers become a Request with one Call per provider
 * instance involved. A Call carries a broker-chosen request id, unique among
 * all pending calls; the provider's REPLY with that id completes it, and so
 * do the timeout (WBEM_E_TIMED_OUT) and the provider's disconnection
 * (WBEM_E_PROVIDER_FAILURE). A REPLY of WBEM_E_BUFFER_TOO_SMALL with a size
 * is retried with that size, invisibly to the client. When a Request's last
 * Call ends, the pending objects and the final STATUS go out.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "core/object.h"
#include "mof/mof.h"
#include "shared/name.h"

/* WBEM_FLAG_UPDATE_ONLY / WBEM_FLAG_CREATE_ONLY of PUT_INSTANCE. */
#define PUT_FLAG_UPDATE_ONLY 0x1u
#define PUT_FLAG_CREATE_ONLY 0x2u

/* Room kept free in a frame for the OBJECTS header and list count. */
#define FRAME_SLACK 64u

static lwmi_status status_from_errno(int r) {
        switch (r) {
        case -ENXIO:
                return WBEM(INVALID_NAMESPACE);
        case -ENOENT:
                return WBEM(NOT_FOUND);
        case -EEXIST:
                return WBEM(ALREADY_EXISTS);
        case -ENOMEM:
                return WBEM(OUT_OF_MEMORY);
        case -EINVAL:
        case -EBADMSG:
                return WBEM(INVALID_PARAMETER);
        case -ENOKEY:
                return WBEM(ILLEGAL_NULL);
        case -ERANGE:
                return WBEM(VALUE_OUT_OF_RANGE);
        case -EBUSY:
                return WBEM(SERVER_TOO_BUSY);
        case -ECONNRESET:
                return WBEM(PROVIDER_FAILURE);
        default:
                return WBEM(FAILED);
        }
}

static bool ns_is_wmi(const char *ns) {
        _cleanup_free_ char *norm = NULL;

        if (lwmi_namespace_normalize(ns, &norm) < 0)
                return false;
        return lwmi_name_eq(norm, NS_WMI);
}

/* ---- objects batches ---- */

static uint32_t batch_limit(const Conn *c) {
        uint32_t max = c->out.max_frame > FRAME_SLACK ? c->out.max_frame - FRAME_SLACK : 0;

        return MIN(max, (uint32_t) BROKER_BATCH_BYTES);
}

/**
 * obj_out_flush() - send the OBJECTS batch built so far, if any.
 * @c: the client (NULL or dead: the batch is dropped)
 * @request_id: its request id
 * @out: the objects
 *
 * Return: 0 or a negative errno from sending.
 */
/* Empties a batch, keeping its memory for the next one. */
static void batch_reset(WireListBuf *batch) {
        if (batch->buf.oom) {
                wire_list_buf_deinit(batch);
                *batch = (WireListBuf) WIRE_LIST_BUF_INIT;
        } else {
                strbuf_truncate(&batch->buf, 0);
                batch->count = 0;
        }
}

/* Sends the BLOCKS being built, if any. */
static int obj_out_flush_blocks(Conn *c, uint32_t request_id, ObjOut *out) {
        WireList l;
        WireMsg m;
        int r = 0;

        if (out->blocks.count == 0)
                return 0;
        if (c && !c->dead) {
                l = wire_list_buf_get(&out->blocks);
                r = out->events ? wire_msg_build(&m, WIRE_MSG_EVENT_BLOCKS, request_id, request_id,
                                                 out->blocks_cls->name, &l)
                                : wire_msg_build(&m, WIRE_MSG_BLOCKS, request_id,
                                                 out->blocks_cls->name, &l);
                if (r >= 0)
                        r = conn_send(c, &m);
        }
        batch_reset(&out->blocks);
        return r;
}

int obj_out_flush(Conn *c, uint32_t request_id, ObjOut *out) {
        WireListBuf *batch = &out->batch;
        WireList l;
        WireMsg m;
        int r;

        if (out->blocks.count > 0)
                return obj_out_flush_blocks(c, request_id, out);
        if (batch->count == 0)
                return 0;
        if (c && !c->dead) {
                l = wire_list_buf_get(batch);
                r = out->events ? wire_msg_build(&m, WIRE_MSG_EVENTS, request_id, request_id, &l)
                                : wire_msg_build(&m, WIRE_MSG_OBJECTS, request_id, &l);
                if (r >= 0)
                        r = conn_send(c, &m);
        } else {
                r = 0;
        }
        /* emptied, its memory kept for the next batch (freed by obj_out_deinit()) */
        batch_reset(batch);
        return r;
}

/**
 * obj_out_deinit() - drop the batch and the classes of an ObjOut.
 * @out: the objects
 */
void obj_out_deinit(ObjOut *out) {
        wire_list_buf_deinit(&out->batch);
        wire_list_buf_deinit(&out->blocks);
        for (size_t i = 0; i < out->n_classes; i++)
                lwmi_object_unref(out->classes[i]);
        free(out->classes);
        *out = (ObjOut) OBJ_OUT_INIT;
}

/*
 * Whether the client has @cls for this request id. A class object is compared
 * by identity first (instances of one provider class share it), then by name
 * and content, so that the same class from another cache entry is not sent
 * again; a changed class of the same name is sent again and replaces it.
 */
bool obj_out_has_class(ObjOut *out, const lwmi_object *cls, size_t *ret_same_name) {
        *ret_same_name = SIZE_MAX;
        for (size_t i = 0; i < out->n_classes; i++) {
                if (out->classes[i] == cls)
                        return true;
                if (strcmp(out->classes[i]->name, cls->name) != 0)
                        continue;
                *ret_same_name = i;
                if (cim_object_equal(out->classes[i], cls)) {
                        if (out->blocks_cls == out->classes[i])
                                out->blocks_cls = cls; /* the same definition */
                        lwmi_object_unref(out->classes[i]);
                        out->classes[i] = lwmi_object_ref((lwmi_object *) cls);
                        return true;
                }
        }
        return false;
}

/*
 * The encoding of a class, from the broker's cache of recently sent ones
 * (each request that returns instances sends its class once), or into
 * @scratch when it cannot be cached. NULL without memory.
 */
static const StrBuf *class_encoding(Broker *b, const lwmi_object *cls, StrBuf *scratch) {
        unsigned k;

        for (size_t i = 0; i < ELEMENTSOF(b->class_enc); i++)
                if (b->class_enc[i].cls == cls)
                        return &b->class_enc[i].enc;
        k = b->class_enc_next++ % ELEMENTSOF(b->class_enc);
        lwmi_object_unref(b->class_enc[k].cls);
        b->class_enc[k].cls = NULL;
        if (b->class_enc[k].enc.s)
                strbuf_truncate(&b->class_enc[k].enc, 0);
        if (cim_object_encode(cls, &b->class_enc[k].enc) < 0 || b->class_enc[k].enc.oom) {
                strbuf_deinit(&b->class_enc[k].enc);
                b->class_enc[k].enc = (StrBuf) STRBUF_INIT;
                if (cim_object_encode(cls, scratch) < 0 || scratch->oom)
                        return NULL;
                return scratch;
        }
        b->class_enc[k].cls = lwmi_object_ref((lwmi_object *) cls);
        return &b->class_enc[k].enc;
}

/**
 * obj_out_send_class() - send CLASSES with @cls unless the client has it for
 * @request_id; the objects batched so far go out first.
 * @c: the client
 * @request_id: the request (or subscription) id
 * @out: its objects
 * @cls: the class
 *
 * Return: 0 or a WBEM status.
 */
lwmi_status obj_out_send_class(Conn *c, uint32_t request_id, ObjOut *out, const lwmi_object *cls) {
        _cleanup_(wire_list_buf_deinitp) WireListBuf l = WIRE_LIST_BUF_INIT;
        _cleanup_strbuf_ StrBuf s = STRBUF_INIT;
        const StrBuf *enc;
        size_t same;
        WireList list;
        WireMsg m;

        if (obj_out_has_class(out, cls, &same))
                return 0;
        if (same == SIZE_MAX && GROW(out->classes, out->alloc_classes, out->n_classes + 1) < 0)
                return WBEM(OUT_OF_MEMORY);
        enc = class_encoding(c->broker, cls, &s);
        if (!enc || wire_list_buf_add_bytes(&l, enc->s, enc->len) < 0)
                return WBEM(OUT_OF_MEMORY);
        if (enc->len + 4 > c->out.max_frame - FRAME_SLACK)
                return WBEM(TOO_MUCH_DATA);
        /* instances of the previous definition must reach the client first */
        obj_out_flush(c, request_id, out);
        list = wire_list_buf_get(&l);
        if (wire_msg_build(&m, WIRE_MSG_CLASSES, request_id, &list) < 0 || conn_send(c, &m) < 0)
                return WBEM(OUT_OF_MEMORY);
        if (same != SIZE_MAX) {
                lwmi_object_unref(out->classes[same]);
                out->classes[same] = lwmi_object_ref((lwmi_object *) cls);
        } else {
                out->classes[out->n_classes++] = lwmi_object_ref((lwmi_object *) cls);
        }
        return 0;
}

/*
 * Adds an instance as a BLOCKS entry (u32 name length, the name, the data
 * block): the client decodes the block with the class it got in CLASSES.
 */
static lwmi_status obj_out_add_block(Conn *c, uint32_t request_id, ObjOut *out,
                                     const lwmi_object *cls, const char *name, const void *data,
                                     size_t size) {
        uint32_t max = c->out.max_frame - FRAME_SLACK - 256; /* room for the class name */
        size_t len = strlen(name);
        lwmi_status st;

        if (len >= WIRE_BLOCK_NAME_MAX || len + 4 + size + 4 > max)
                return WBEM(TOO_MUCH_DATA);
        st = obj_out_send_class(c, request_id, out, cls); /* flushes the objects first */
        if (st != 0)
                return st;
        if (out->blocks.count > 0 &&
            (out->blocks_cls != cls || out->blocks.buf.len + len + size + 8 > max))
                obj_out_flush_blocks(c, request_id, out);
        if (out->batch.count > 0)
                obj_out_flush(c, request_id, out);
        out->blocks_cls = cls;
        if (wire_list_buf_add_block_entry(&out->blocks, name, data, size) < 0)
                return WBEM(OUT_OF_MEMORY);
        if (out->blocks.buf.len >= batch_limit(c))
                obj_out_flush_blocks(c, request_id, out);
        return 0;
}

/**
 * obj_out_add() - add an object for the client, flushing when a frame is
 * full. An instance goes out as class name + values, after a CLASSES with its
 * class the first time; a class goes out whole.
 * @c: the client (NULL or dead: nothing is sent)
 * @request_id: the request id
 * @out: the objects of that request id
 * @o: the object
 *
 * Return: 0 or a WBEM status.
 */
static lwmi_status obj_out_add_encoded(Conn *c, uint32_t request_id, ObjOut *out, const char *data,
                                       size_t size);

lwmi_status obj_out_add(Conn *c, uint32_t request_id, ObjOut *out, const lwmi_object *o) {
        _cleanup_strbuf_ StrBuf s = STRBUF_INIT;
        lwmi_status st;
        int r;

        if (!c || c->dead)
                return 0;
        if (o->genus == CIM_GENUS_INSTANCE && o->cls) {
                st = obj_out_send_class(c, request_id, out, o->cls);
                if (st != 0)
                        return st;
                r = cim_object_encode(o, &s);
        } else {
                r = cim_object_encode_full(o, &s);
        }
        if (r < 0 || s.oom)
                return WBEM(OUT_OF_MEMORY);
        return obj_out_add_encoded(c, request_id, out, s.s, s.len);
}

/* Adds one encoded object to the batch (its class, if any, already sent). */
static lwmi_status obj_out_add_encoded(Conn *c, uint32_t request_id, ObjOut *out, const char *data,
                                       size_t size) {
        uint32_t max = c->out.max_frame - FRAME_SLACK;

        if (size + 4 > max)
                return WBEM(TOO_MUCH_DATA);
        obj_out_flush_blocks(c, request_id, out); /* in order */
        if (out->batch.buf.len + size + 4 > max)
                obj_out_flush(c, request_id, out);
        if (wire_list_buf_add_bytes(&out->batch, data, size) < 0)
                return WBEM(OUT_OF_MEMORY);
        if (out->batch.buf.len >= batch_limit(c))
                obj_out_flush(c, request_id, out);
        return 0;
}

/* ---- authorization ---- */

/**
 * conn_is_admin() - whether the peer is root or in the --admin-group.
 * @c: the connection
 *
 * Return: true or false.
 */
bool conn_is_admin(const Conn *c) {
        const BrokerConfig *cfg = &c->broker->config;

        if (c->uid == 0)
                return true;
        if (!cfg->have_admin_gid)
                return false;
        if (c->gid == cfg->admin_gid)
                return true;
        for (size_t i = 0; i < c->n_groups; i++)
                if (c->groups[i] == cfg->admin_gid)
                        return true;
        return false;
}

/* Writes and method calls: root, the admin group, and the uid running the provider. */
static bool conn_may_write(const Conn *c, const Provider *p) {
        return conn_is_admin(c) || (p && p->conn->uid == c->uid);
}

/* ---- requests and calls ---- */

static Request *request_new(Conn *client, RequestKind kind, uint32_t request_id, const char *ns) {
        Broker *b = client->broker;
        Request *req = calloc(1, sizeof(*req));

        if (!req)
                return NULL;
        *req = (Request){ .broker = b,
                          .kind = kind,
                          .client = client,
                          .request_id = request_id,
                          .ns = strdup(ns),
                          .out = OBJ_OUT_INIT,
                          .scratch = STRBUF_INIT };
        if (!req->ns) {
                free(req);
                return NULL;
        }
        req->next = b->requests;
        b->requests = req;
        client->n_requests++;
        return req;
}

static void request_free(Request *req) {
        Broker *b = req->broker;

        for (Request **pp = &b->requests; *pp; pp = &(*pp)->next)
                if (*pp == req) {
                        *pp = req->next;
                        break;
                }
        if (req->client)
                req->client->n_requests--;
        obj_out_deinit(&req->out);
        wql_query_free(req->query);
        block_layout_free(req->out_layout);
        free(req->method_in);
        raw_class_clear(&req->lc);
        free(req->select);
        strbuf_deinit(&req->scratch);
        lwmi_object_unref(req->out_class);
        for (size_t i = 0; i < req->n_poll_objs; i++)
                lwmi_object_unref(req->poll_objs[i]);
        free(req->poll_objs);
        free(req->message);
        free(req->ns);
        free(req);
}

static void request_fail(Request *req, lwmi_status status, const char *fmt, ...) _printf_(3, 4);
static void request_fail(Request *req, lwmi_status status, const char *fmt, ...) {
        va_list ap;

        if (req->status != 0)
                return;
        req->status = status;
        if (fmt) {
                va_start(ap, fmt);
                if (vasprintf(&req->message, fmt, ap) < 0)
                        req->message = NULL;
                va_end(ap);
        }
}

/* Ends a request when its last call has ended: objects, then the one STATUS. */
static void request_maybe_finish(Request *req) {
        if (req->n_calls > 0)
                return;
        if (req->kind == REQUEST_POLL) {
                if (req->poll)
                        events_poll_done(req->poll, req->poll_objs, req->n_poll_objs, req->status);
        } else if (req->client && !req->client->dead) {
                obj_out_flush(req->client, req->request_id, &req->out);
                conn_send_status(req->client, req->request_id, req->status, "%s",
                                 req->message
                                         ? req->message
                                         : (req->status ? lwmi_status_message(req->status) : ""));
        }
        request_free(req);
}

static Call *call_free(Call *call) {
        if (!call)
                return NULL;
        free(call->instance_name);
        free(call->class_name);
        free(call->data);
        free(call);
        return NULL;
}

static Call *call_find(Broker *b, Conn *provider, uint32_t id) {
        Call *call = call_lookup(b, id);

        return call && call->provider == provider ? call : NULL;
}

static int call_send(Call *call) {
        const Conn *c = call->request->client;
        WireMsg m;
        uid_t uid = c ? c->uid : (uid_t) -1;
        gid_t gid = c ? c->gid : (gid_t) -1;
        pid_t pid = c ? c->pid : 0;
        int r;

        switch (call->type) {
        case WIRE_MSG_QUERY_INSTANCE:
                r = wire_msg_build(&m, call->type, call->id, &call->guid, call->instance_id,
                                   call->buffer_size, (unsigned) uid, (unsigned) gid,
                                   (unsigned) pid);
                break;
        case WIRE_MSG_QUERY_ALL_DATA:
                r = wire_msg_build(&m, call->type, call->id, &call->guid, call->buffer_size,
                                   (unsigned) uid, (unsigned) gid, (unsigned) pid);
                break;
        case WIRE_MSG_SET_INSTANCE:
                r = wire_msg_build(&m, call->type, call->id, &call->guid, call->instance_id,
                                   call->data, call->size, (unsigned) uid, (unsigned) gid,
                                   (unsigned) pid);
                break;
        case WIRE_MSG_SET_ITEM:
                r = wire_msg_build(&m, call->type, call->id, &call->guid, call->instance_id,
                                   call->item_id, call->data, call->size, (unsigned) uid,
                                   (unsigned) gid, (unsigned) pid);
                break;
        case WIRE_MSG_EXECUTE_METHOD:
                r = wire_msg_build(&m, call->type, call->id, &call->guid, call->instance_id,
                                   call->item_id, call->data, call->size, call->buffer_size,
                                   (unsigned) uid, (unsigned) gid, (unsigned) pid);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        return conn_send(call->provider, &m);
}

/* The index of call_start() for QUERY_ALL_DATA: every instance. */
#define CALL_ALL SIZE_MAX

/* Starts a call for instance @index (or CALL_ALL) of @p on behalf of @req. */
static int call_start(Request *req, Provider *p, size_t index, uint16_t type, uint32_t item_id,
                      const void *data, size_t size, uint32_t buffer_size) {
        Broker *b = req->broker;
        Conn *pconn = p->conn; /* connections outlive the loop iteration; providers may not */
        Call *call;
        int r;

        /* Cancelled and orphaned requests keep their calls: bound them all. */
        if (b->n_calls >= BROKER_CALLS_MAX)
                return -EBUSY;
        call = calloc(1, sizeof(*call));
        if (!call)
                return -ENOMEM;
        *call = (Call){ .request = req,
                        .provider = p->conn,
                        .type = type,
                        .guid = p->guid,
                        .instance_id = index == CALL_ALL ? 0 : p->instances[index].id,
                        .instance_name = index == CALL_ALL ? strdup("all instances")
                                                           : instance_name(p, index),
                        .class_name = p->class_name ? strdup(p->class_name) : NULL,
                        .item_id = item_id,
                        .buffer_size = buffer_size };
        if (!call->instance_name || !call->class_name) {
                call_free(call);
                return -ENOMEM;
        }
        if (size > 0) {
                call->data = malloc(size);
                if (!call->data) {
                        call_free(call);
                        return -ENOMEM;
                }
                memcpy(call->data, data, size);
                call->size = size;
        }
        /* Collection on before the first QUERY_INSTANCE of an Expensive block. */
        if ((type == WIRE_MSG_QUERY_INSTANCE || type == WIRE_MSG_QUERY_ALL_DATA) &&
            events_collect_call_start(p)) {
                call->collect = true;
                if (pconn->dead) {
                        call_free(call);
                        return -ECONNRESET;
                }
        }
        /* Ids are unique among pending calls; 0 is never used. */
        do {
                call->id = b->next_call_id++;
        } while (call->id == 0 || call_lookup(b, call->id));
        call_link(b, call);
        req->n_calls++;
        r = call_send(call);
        if (r < 0 || pconn->dead) {
                /* The provider is closing; dispatch_conn_gone() failed the call and freed @p. */
                return -ECONNRESET;
        }
        return 0;
}

/* Builds the instance of a QUERY_INSTANCE reply: decoded items plus InstanceName, Active. */
typedef struct LookupCtx {
        Repo *repo;
        const char *ns;
} LookupCtx;

static lwmi_object *lookup_class(void *userdata, const char *class_name) {
        LookupCtx *ctx = userdata;
        lwmi_object *o = NULL;

        if (repo_get_class(ctx->repo, ctx->ns, class_name, &o) < 0)
                return NULL;
        return o;
}

/* Class and layout of a provider class; a query reuses them for all its instances. */
static int request_layout(Request *req, const char *class_name, char **ret_msg) {
        const lwmi_object *cls;
        int r;

        if (req->lc.cls && lwmi_name_eq(req->lc.cls->name, class_name))
                return 0;
        r = raw_class_load(req->broker, class_name, &req->lc, ret_msg);
        if (r < 0)
                return r;
        cls = req->lc.cls;
        free(req->select);
        req->select = NULL;
        if (req->query && !req->query->select_all && cls->n_props > 0) {
                /* SELECT a, b: the other properties but keys become NULL */
                req->select = calloc(cls->n_props, sizeof(*req->select));
                if (!req->select)
                        return -ENOMEM;
                for (size_t i = 0; i < cls->n_props; i++) {
                        const char *pname = cls->props[i].name;

                        req->select[i] = lwmi_object_is_key(cls, pname);
                        for (size_t j = 0; !req->select[i] && j < req->query->n_select; j++)
                                if (lwmi_name_eq(req->query->select[j]->parts[0], pname))
                                        req->select[i] = true;
                }
        }
        /*
         * BLOCKS when the client can decode the block with the class alone: a
         * query (a get is one instance: the layout the client would compute
         * for it costs more than wmid's encoding), no SELECT list to apply,
         * no embedded classes (their layouts need classes the client does
         * not have).
         */
        req->blocks_ok = req->lc.blocks_ok && !req->select && req->kind == REQUEST_QUERY;
        return 0;
}

static lwmi_status instance_decode(Request *req, const char *class_name, const char *inst_name,
                                   const void *data, size_t size, lwmi_object **ret,
                                   char **ret_msg) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *inst = NULL;
        int r;

        r = request_layout(req, class_name, ret_msg);
        if (r < 0)
                return WBEM(INVALID_CLASS);
        r = lwmi_class_spawn_instance(req->lc.cls, &inst);
        if (r < 0)
                return WBEM(OUT_OF_MEMORY);
        /* no data (a method-only instance, spec 42): the items stay NULL */
        r = size == 0 ? 0 : block_decode(req->lc.layout, data, size, inst);
        if (r < 0) {
                if (ret_msg &&
                    asprintf(ret_msg, "provider data does not match class %s", class_name) < 0)
                        *ret_msg = NULL;
                return WBEM(PROVIDER_FAILURE);
        }
        if (req->lc.idx_name >= 0)
                lwmi_object_set_string(inst, "InstanceName", inst_name);
        if (req->lc.idx_active >= 0)
                lwmi_object_set_bool(inst, "Active", true);
        lwmi_object_set_namespace(inst, NULL, NS_WMI);
        *ret = TAKE_PTR(inst);
        return 0;
}

/* SELECT a, b: other properties but keys become NULL. */
static void query_apply_select(const WqlQuery *q, lwmi_object *o) {
        if (q->select_all)
                return;
        for (size_t i = 0; i < lwmi_object_get_property_count(o); i++) {
                const char *name = lwmi_object_get_property_name(o, i);
                bool keep = lwmi_object_is_key(o, name);

                for (size_t j = 0; !keep && j < q->n_select; j++)
                        if (lwmi_name_eq(q->select[j]->parts[0], name))
                                keep = true;
                if (!keep)
                        lwmi_object_set_null(o, name);
        }
}

/* Adds an instance to a query's result when it matches the WHERE. */
static lwmi_status query_emit(Request *req, lwmi_object *o) {
        const WqlQuery *q = req->query;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        bool match = !q->where;
        int r;

        r = q->where ? wql_query_eval_object(q, o, &match, &err) : 0;
        if (r < 0)
                return r == -EINVAL && err.status ? err.status : WBEM(FAILED);
        if (!match)
                return 0;
        query_apply_select(q, o);
        return obj_out_add(req->client, req->request_id, &req->out, o);
}

/*
 * An instance of a query or a get straight from its data block: WHERE on the
 * decoded values, the encoding written from them (raw_inst_*), no object.
 */
static lwmi_status instance_deliver_raw(Request *req, const char *inst_name, const void *data,
                                        size_t size, char **ret_msg) {
        lwmi_value stack_vals[16], *vals = stack_vals;
        _cleanup_free_ lwmi_value *heap_vals = NULL;
        StrBuf *enc = &req->scratch; /* reused: no allocation per instance */
        size_t n_items = req->lc.layout->n_items;
        lwmi_status st = 0;
        bool match = true;
        RawInst ri;

        if (!req->client || req->client->dead)
                return 0;
        if (n_items > ELEMENTSOF(stack_vals) &&
            !(vals = heap_vals = calloc(n_items, sizeof(*vals))))
                return WBEM(OUT_OF_MEMORY);
        raw_inst_init(&ri, &req->lc, vals, inst_name, NULL);
        /* no data (a method-only instance, spec 42): the items stay NULL */
        if (size > 0 && block_decode_values(req->lc.layout, data, size, vals) < 0) {
                if (asprintf(ret_msg, "provider data does not match class %s", req->lc.cls->name) <
                    0)
                        *ret_msg = NULL;
                st = WBEM(PROVIDER_FAILURE);
                goto out;
        }
        if (req->query && req->query->where) {
                _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;

                if (wql_query_eval(req->query, raw_inst_lookup, NULL, &ri, &match, &err) < 0) {
                        st = err.status ? err.status : WBEM(FAILED);
                        goto out;
                }
        }
        if (!match)
                goto out;
        if (req->blocks_ok && strlen(inst_name) < WIRE_BLOCK_NAME_MAX) {
                /* the block as the provider gave it: the client decodes it */
                st = obj_out_add_block(req->client, req->request_id, &req->out, req->lc.cls,
                                       inst_name, data, size);
                goto out;
        }
        st = obj_out_send_class(req->client, req->request_id, &req->out, req->lc.cls);
        strbuf_truncate(enc, 0);
        if (st == 0)
                st = raw_inst_encode(&ri, req->select, enc) < 0
                             ? WBEM(OUT_OF_MEMORY)
                             : obj_out_add_encoded(req->client, req->request_id, &req->out, enc->s,
                                                   enc->len);
out:
        raw_inst_clear(&ri, n_items);
        return st;
}

/* One instance read from a provider: into the query's result, the poll's snapshot or a GET. */
static void instance_deliver(Request *req, const char *class_name, const char *inst_name,
                             const void *data, size_t size) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        _cleanup_free_ char *msg = NULL;
        lwmi_status st;

        if (req->kind == REQUEST_QUERY || req->kind == REQUEST_GET) {
                st = request_layout(req, class_name, &msg) < 0
                             ? WBEM(INVALID_CLASS)
                             : instance_deliver_raw(req, inst_name, data, size, &msg);
                if (st != 0)
                        request_fail(req, st, "%s", msg ? msg : lwmi_status_message(st));
                return;
        }

        st = instance_decode(req, class_name, inst_name, data, size, &o, &msg);
        if (st == 0) {
                switch (req->kind) {
                case REQUEST_QUERY:
                        st = query_emit(req, o);
                        break;
                case REQUEST_POLL:
                        if (GROW(req->poll_objs, req->alloc_poll_objs, req->n_poll_objs + 1) < 0)
                                st = WBEM(OUT_OF_MEMORY);
                        else
                                req->poll_objs[req->n_poll_objs++] = TAKE_PTR(o);
                        break;
                default:
                        st = obj_out_add(req->client, req->request_id, &req->out, o);
                        break;
                }
        }
        if (st != 0)
                request_fail(req, st, "%s", msg ? msg : lwmi_status_message(st));
}

/*
 * Spec 57: WMI queries an instance before it runs a method on it (clients
 * find the instance first). Its query succeeded: the method goes to the
 * same instance, if the provider still has it.
 */
static void method_after_query(Broker *b, Request *req, const Call *call) {
        Provider *p = provider_find(b, &call->guid);
        ssize_t index =
                p && p->conn == call->provider ? instance_find_id(p, call->instance_id) : -1;
        int r;

        if (index < 0) {
                request_fail(req, WBEM(NOT_FOUND), "%s went away", call->instance_name);
                return;
        }
        r = call_start(req, p, (size_t) index, WIRE_MSG_EXECUTE_METHOD, req->method_id,
                       req->method_in, req->method_in_size, req->method_out_size);
        if (r < 0)
                request_fail(req, status_from_errno(r), NULL);
}

static void call_done(Broker *b, Call *call, lwmi_status status, const void *data, size_t size) {
        Request *req = call->request;
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        lwmi_status st = status;

        if (call->collect)
                events_collect_call_end(b, call->provider, &call->guid);
        if (st != 0) {
                if (st == WBEM(TIMED_OUT))
                        request_fail(req, st, "provider timed out on %s (%s)", call->instance_name,
                                     call->class_name);
                else if (st == WBEM(PROVIDER_FAILURE))
                        request_fail(req, st, "provider failed on %s (%s)", call->instance_name,
                                     call->class_name);
                else
                        request_fail(req, st, NULL);
                goto out;
        }
        if (call->type == WIRE_MSG_QUERY_ALL_DATA)
                goto out; /* its instances came with its ALL_DATA frames */
        switch (req->kind) {
        case REQUEST_QUERY:
        case REQUEST_GET:
        case REQUEST_POLL:
                instance_deliver(req, call->class_name, call->instance_name, data, size);
                break;
        case REQUEST_SET:
                break;
        case REQUEST_METHOD: {
                int r;

                if (call->type == WIRE_MSG_QUERY_INSTANCE) {
                        method_after_query(b, req, call);
                        break;
                }
                r = lwmi_class_spawn_instance(req->out_class, &o);

                if (r >= 0)
                        r = block_decode(req->out_layout, data, size, o);
                if (r < 0) {
                        request_fail(req, WBEM(PROVIDER_FAILURE),
                                     "method output does not match the out parameters");
                        break;
                }
                st = obj_out_add(req->client, req->request_id, &req->out, o);
                if (st != 0)
                        request_fail(req, st, NULL);
                break;
        }
        }
out:
        req->n_calls--;
        call_free(call);
        request_maybe_finish(req);
}

/**
 * dispatch_call_timeout() - fail an expired call with WBEM_E_TIMED_OUT. A late
 * REPLY finds no call and is dropped.
 * @b: the broker
 * @call: the call at the head of the deadline list
 */
void dispatch_call_timeout(Broker *b, Call *call) {
        log_warn("provider %s timed out on %s of %s", call->provider->name,
                 wire_msg_type_to_string(call->type), call->instance_name);
        call_unlink(b, call);
        call_done(b, call, WBEM(TIMED_OUT), NULL, 0);
}

/* ---- client requests ---- */

static int client_get_class(Conn *c, const WireMsg *m) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        _cleanup_(obj_out_deinit) ObjOut batch = OBJ_OUT_INIT;
        const char *ns, *name;
        lwmi_status st;
        int r;

        wire_msg_read(m, &ns, &name);
        r = repo_get_class(c->broker->repo, ns, name, &cls);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        r == -ENOENT ? WBEM(NOT_FOUND) : status_from_errno(r),
                                        "class %s in %s: %s", name, ns, strerror(-r));
        st = obj_out_add(c, m->request_id, &batch, cls);
        obj_out_flush(c, m->request_id, &batch);
        return conn_send_status(c, m->request_id, st, NULL);
}

static int client_enum_classes(Conn *c, const WireMsg *m) {
        _cleanup_(obj_out_deinit) ObjOut batch = OBJ_OUT_INIT;
        lwmi_object **classes = NULL;
        const char *ns, *super;
        size_t n = 0;
        uint8_t deep;
        lwmi_status st = 0;
        int r;

        wire_msg_read(m, &ns, &super, &deep);
        r = repo_enum_classes(c->broker->repo, ns, *super ? super : NULL, deep != 0, &classes, &n);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        r == -ENOENT ? WBEM(INVALID_CLASS) : status_from_errno(r),
                                        NULL);
        for (size_t i = 0; i < n && st == 0; i++)
                st = obj_out_add(c, m->request_id, &batch, classes[i]);
        repo_free_objects(classes, n);
        obj_out_flush(c, m->request_id, &batch);
        return conn_send_status(c, m->request_id, st, NULL);
}

static int client_exec_query(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        lwmi_object **classes = NULL;
        const char *ns, *wql, *from;
        size_t n_classes = 0;
        uint32_t flags;
        Request *req;
        bool wmi;
        int r;

        wire_msg_read(m, &ns, &wql, &flags);
        r = wql_query_parse(wql, &q, &err);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        err.status ? err.status : WBEM(INVALID_QUERY), "%s",
                                        err.message ? err.message : "invalid query");
        from = wql_query_get_class(q);
        if (q->type != WQL_QUERY_SELECT || !from || q->is_schema || wql_query_has_event_clauses(q))
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "only data queries (SELECT ... FROM class) are supported");
        r = repo_get_class(b->repo, ns, from, &cls);
        if (r < 0)
                return conn_send_status(c, m->request_id,
                                        r == -ENOENT ? WBEM(INVALID_CLASS) : status_from_errno(r),
                                        "class %s in %s", from, ns);
        r = repo_enum_classes(b->repo, ns, from, true, &classes, &n_classes);
        if (r < 0)
                return conn_send_status(c, m->request_id, status_from_errno(r), NULL);

        req = request_new(c, REQUEST_QUERY, m->request_id, ns);
        if (!req) {
                repo_free_objects(classes, n_classes);
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        req->query = TAKE_PTR(q);
        /* Count the request as one call while calls are started, so it cannot finish early. */
        req->n_calls++;
        wmi = ns_is_wmi(ns);
        for (size_t i = 0; i <= n_classes && req->status == 0; i++) {
                const lwmi_object *k = i == 0 ? cls : classes[i - 1];
                const char *name = lwmi_object_get_class_name(k);
                Provider *p = wmi ? provider_find_class(b, name) : NULL;

                if (p) {
                        /* One QUERY_ALL_DATA per provider, as WMI's IRP_MN_QUERY_ALL_DATA. */
                        r = p->n_instances == 0
                                    ? 0
                                    : call_start(req, p, CALL_ALL, WIRE_MSG_QUERY_ALL_DATA, 0, NULL,
                                                 0, MAX(p->min_size, 64u));
                        if (r < 0)
                                request_fail(req,
                                             r == -EBUSY ? WBEM(SERVER_TOO_BUSY)
                                                         : WBEM(PROVIDER_FAILURE),
                                             NULL);
                } else {
                        lwmi_object **insts = NULL;
                        size_t n = 0;

                        if (repo_enum_instances(b->repo, ns, name, false, &insts, &n) < 0)
                                continue;
                        for (size_t j = 0; j < n && req->status == 0; j++) {
                                _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
                                lwmi_status st;

                                if (lwmi_object_clone(insts[j], &o) < 0) {
                                        request_fail(req, WBEM(OUT_OF_MEMORY), NULL);
                                        break;
                                }
                                st = query_emit(req, o);
                                if (st != 0)
                                        request_fail(req, st, NULL);
                        }
                        repo_free_objects(insts, n);
                }
        }
        repo_free_objects(classes, n_classes);
        req->n_calls--;
        request_maybe_finish(req);
        return 0;
}

/**
 * dispatch_poll_start() - read every instance of a subscription's target
 * class and its subclasses from their providers, with the subscriber's
 * credentials; events_poll_done() gets them when the last call ends (it may
 * be called before this returns).
 * @s: the subscription (s->poll_req is set here)
 *
 * Return: 0, or a negative errno when it could not start.
 */
int dispatch_poll_start(Subscription *s) {
        Broker *b = s->client->broker;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        lwmi_object **classes = NULL;
        size_t n_classes = 0;
        Request *req;

        if (repo_get_class(b->repo, NS_WMI, s->target_class, &cls) < 0 ||
            repo_enum_classes(b->repo, NS_WMI, s->target_class, true, &classes, &n_classes) < 0)
                return -ENOENT;
        req = request_new(s->client, REQUEST_POLL, s->request_id, NS_WMI);
        if (!req) {
                repo_free_objects(classes, n_classes);
                return -ENOMEM;
        }
        req->poll = s;
        s->poll_req = req;
        req->n_calls++;
        for (size_t i = 0; i <= n_classes && req->status == 0; i++) {
                const lwmi_object *k = i == 0 ? cls : classes[i - 1];
                Provider *p = provider_find_class(b, lwmi_object_get_class_name(k));

                if (p && p->n_instances > 0 &&
                    call_start(req, p, CALL_ALL, WIRE_MSG_QUERY_ALL_DATA, 0, NULL, 0,
                               MAX(p->min_size, 64u)) < 0)
                        request_fail(req, WBEM(PROVIDER_FAILURE), NULL);
        }
        repo_free_objects(classes, n_classes);
        req->n_calls--;
        request_maybe_finish(req);
        return 0;
}

/**
 * dispatch_poll_orphan() - the subscription of a running poll is gone.
 * @req: the poll request
 */
void dispatch_poll_orphan(Request *req) {
        req->poll = NULL;
}

/* Resolves "Class.InstanceName=\"x\"" to a provider instance; 0 and *ret_p NULL when static. */
static lwmi_status path_resolve(Conn *c, const char *ns, const char *path, lwmi_path **ret_path,
                                Provider **ret_p, size_t *ret_index) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        const lwmi_value *key;
        Provider *prov;
        ssize_t idx;

        if (lwmi_path_parse(path, &p) < 0)
                return WBEM(INVALID_OBJECT_PATH);
        *ret_p = NULL;
        prov = ns_is_wmi(ns) ? provider_find_class(c->broker, lwmi_path_get_class(p)) : NULL;
        if (prov) {
                key = lwmi_path_find_key(p, "InstanceName");
                if (!key || key->is_null || LWMI_CIM_BASE(key->type) != LWMI_CIM_STRING)
                        return WBEM(INVALID_OBJECT_PATH);
                idx = instance_find_name(prov, key->u.string);
                if (idx < 0)
                        return WBEM(NOT_FOUND);
                *ret_p = prov;
                *ret_index = (size_t) idx;
        }
        *ret_path = TAKE_PTR(p);
        return 0;
}

/*
 * Starts the QUERY_INSTANCE of instance @index of @p for @req (a get, or the
 * query before a method), unless @req failed already; the request ends when
 * its calls do.
 */
static void request_query_one(Request *req, Provider *p, size_t index) {
        int r;

        req->n_calls++;
        if (req->status == 0) {
                r = call_start(req, p, index, WIRE_MSG_QUERY_INSTANCE, 0, NULL, 0,
                               MAX(p->min_size, 64u));
                if (r < 0)
                        request_fail(req, status_from_errno(r), NULL);
        }
        req->n_calls--;
        request_maybe_finish(req);
}

static int client_get_object(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL;
        _cleanup_(obj_out_deinit) ObjOut batch = OBJ_OUT_INIT;
        const char *ns, *text;
        Provider *p;
        size_t index = 0;
        lwmi_status st;
        Request *req;
        int r;

        wire_msg_read(m, &ns, &text);
        st = path_resolve(c, ns, text, &path, &p, &index);
        if (st != 0)
                return conn_send_status(c, m->request_id, st, "%s", text);
        if (p) {
                req = request_new(c, REQUEST_GET, m->request_id, ns);
                if (!req)
                        return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
                request_query_one(req, p, index);
                return 0;
        }
        if (lwmi_path_get_key_count(path) == 0 && !lwmi_path_is_singleton(path))
                r = repo_get_class(b->repo, ns, lwmi_path_get_class(path), &o);
        else
                r = repo_get_instance(b->repo, ns, text, &o);
        if (r < 0)
                return conn_send_status(c, m->request_id, status_from_errno(r), "%s", text);
        st = obj_out_add(c, m->request_id, &batch, o);
        obj_out_flush(c, m->request_id, &batch);
        return conn_send_status(c, m->request_id, st, NULL);
}

static int single_call(Conn *c, const WireMsg *m, const char *ns, Provider *p, size_t index,
                       RequestKind kind, uint16_t type, uint32_t item_id, const StrBuf *data,
                       uint32_t buffer_size, BlockLayout **out_layout, lwmi_object **out_class) {
        Request *req;
        int r;

        req = request_new(c, kind, m->request_id, ns);
        if (!req)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        if (out_layout)
                req->out_layout = TAKE_PTR(*out_layout);
        if (out_class)
                req->out_class = TAKE_PTR(*out_class);
        req->n_calls++;
        r = call_start(req, p, index, type, item_id, data ? data->s : NULL, data ? data->len : 0,
                       buffer_size);
        if (r < 0)
                request_fail(req, status_from_errno(r), NULL);
        req->n_calls--;
        request_maybe_finish(req);
        return 0;
}

static int client_put_instance(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL, *cls = NULL, *old = NULL;
        _cleanup_(block_layout_freep) BlockLayout *layout = NULL;
        _cleanup_strbuf_ StrBuf data = STRBUF_INIT;
        _cleanup_free_ char *msg = NULL, *relpath = NULL;
        const char *ns, *name;
        const void *bytes;
        size_t size;
        uint32_t flags;
        Provider *p;
        ssize_t idx;
        int r;

        wire_msg_read(m, &ns, &bytes, &size, &flags);
        LookupCtx ctx = { .repo = b->repo, .ns = ns };
        r = cim_object_decode(bytes, size, lookup_class, &ctx, &o);
        if (r < 0 || lwmi_object_is_class(o))
                return conn_send_status(c, m->request_id, WBEM(INVALID_OBJECT),
                                        "cannot decode the instance");
        p = ns_is_wmi(ns) ? provider_find_class(b, lwmi_object_get_class_name(o)) : NULL;
        if (!conn_may_write(c, p))
                return conn_send_status(c, m->request_id, WBEM(ACCESS_DENIED), NULL);
        if (!p) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *stored = NULL;
                bool exists = false;
                int rs;

                r = lwmi_object_get_path(o, true, &relpath);
                if (r >= 0)
                        exists = repo_get_instance(b->repo, ns, relpath, &old) >= 0;
                if ((flags & PUT_FLAG_CREATE_ONLY) && exists)
                        return conn_send_status(c, m->request_id, WBEM(ALREADY_EXISTS), NULL);
                if ((flags & PUT_FLAG_UPDATE_ONLY) && !exists)
                        return conn_send_status(c, m->request_id, WBEM(NOT_FOUND), NULL);
                r = repo_put_instance(b->repo, ns, o, &msg);
                rs = conn_send_status(c, m->request_id, r < 0 ? status_from_errno(r) : 0, "%s",
                                      msg ? msg : (r < 0 ? strerror(-r) : ""));
                /* Intrinsic events carry the instance as stored. */
                if (r >= 0 && relpath && repo_get_instance(b->repo, ns, relpath, &stored) >= 0)
                        events_static_op(b, ns, stored, old, false);
                return rs;
        }
        if (flags & PUT_FLAG_CREATE_ONLY)
                return conn_send_status(c, m->request_id, WBEM(ALREADY_EXISTS),
                                        "provider instances cannot be created");
        if (lwmi_object_get_string(o, "InstanceName", &name) < 0 ||
            (idx = instance_find_name(p, name)) < 0)
                return conn_send_status(c, m->request_id, WBEM(NOT_FOUND), NULL);
        r = repo_get_class(b->repo, NS_WMI, p->class_name, &cls);
        if (r >= 0)
                r = block_layout_compute(cls, lookup_class, &ctx, &layout, &msg);
        if (r >= 0)
                r = block_encode(layout, o, &data);
        if (r < 0)
                return conn_send_status(c, m->request_id, status_from_errno(r), "%s",
                                        msg ? msg : strerror(-r));
        return single_call(c, m, ns, p, (size_t) idx, REQUEST_SET, WIRE_MSG_SET_INSTANCE, 0, &data,
                           0, NULL, NULL);
}

static int client_put_property(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *o = NULL, *cls = NULL, *inst = NULL;
        _cleanup_(block_layout_freep) BlockLayout *layout = NULL;
        _cleanup_strbuf_ StrBuf data = STRBUF_INIT;
        _cleanup_free_ char *msg = NULL;
        const char *ns, *text, *prop;
        const lwmi_value *v;
        const void *bytes;
        const BlockItem *item = NULL;
        size_t size, index = 0;
        lwmi_status st;
        Provider *p;
        int r;

        wire_msg_read(m, &ns, &text, &prop, &bytes, &size);
        st = path_resolve(c, ns, text, &path, &p, &index);
        if (st != 0)
                return conn_send_status(c, m->request_id, st, "%s", text);
        if (!p)
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "PUT_PROPERTY is for provider instances; use PUT_INSTANCE");
        if (!conn_may_write(c, p))
                return conn_send_status(c, m->request_id, WBEM(ACCESS_DENIED), NULL);
        LookupCtx ctx = { .repo = b->repo, .ns = NS_WMI };
        if (cim_object_decode(bytes, size, lookup_class, &ctx, &o) < 0 ||
            !(v = lwmi_object_peek(o, prop)))
                return conn_send_status(c, m->request_id, WBEM(INVALID_PARAMETER),
                                        "the value object has no property %s", prop);
        r = repo_get_class(b->repo, NS_WMI, p->class_name, &cls);
        if (r >= 0)
                r = block_layout_compute(cls, lookup_class, &ctx, &layout, &msg);
        if (r < 0)
                return conn_send_status(c, m->request_id, WBEM(INVALID_CLASS), "%s",
                                        msg ? msg : strerror(-r));
        for (size_t i = 0; i < layout->n_items; i++)
                if (lwmi_name_eq(layout->items[i].name, prop))
                        item = &layout->items[i];
        if (!item)
                return conn_send_status(c, m->request_id, WBEM(INVALID_PROPERTY),
                                        "%s is not a data item of %s", prop, p->class_name);
        if (item->array == BLOCK_ARRAY_VARIABLE)
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "variable arrays can only be set with PUT_INSTANCE");
        /* The item's bytes alone: a one-item layout over a copy of the item at offset 0. */
        BlockItem one = *item;
        BlockLayout sub = *layout;
        one.offset = 0;
        one.offset_known = true;
        sub.items = &one;
        sub.n_items = 1;
        sub.fixed = one.fixed;
        sub.size = one.size;
        sub.min_size = one.fixed ? one.size : 0;
        r = lwmi_class_spawn_instance(cls, &inst);
        if (r >= 0)
                r = lwmi_object_put(inst, prop, v);
        if (r >= 0)
                r = block_encode(&sub, inst, &data);
        if (r < 0)
                return conn_send_status(c, m->request_id, status_from_errno(r), "%s", strerror(-r));
        return single_call(c, m, ns, p, index, REQUEST_SET, WIRE_MSG_SET_ITEM, one.data_id, &data,
                           0, NULL, NULL);
}

static int client_delete_instance(Conn *c, const WireMsg *m) {
        _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *old = NULL;
        const char *ns, *text;
        size_t index;
        lwmi_status st;
        Provider *p;
        int r;

        wire_msg_read(m, &ns, &text);
        st = path_resolve(c, ns, text, &path, &p, &index);
        if (st != 0)
                return conn_send_status(c, m->request_id, st, "%s", text);
        if (p)
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "provider instances cannot be deleted");
        if (!conn_may_write(c, NULL))
                return conn_send_status(c, m->request_id, WBEM(ACCESS_DENIED), NULL);
        if (repo_get_instance(c->broker->repo, ns, text, &old) < 0)
                old = NULL;
        r = repo_delete_instance(c->broker->repo, ns, text);
        st = r < 0 ? status_from_errno(r) : 0;
        r = conn_send_status(c, m->request_id, st, NULL);
        if (st == 0 && old)
                events_static_op(c->broker, ns, old, NULL, true);
        return r;
}

static int client_exec_method(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *in = NULL, *in_cls = NULL,
                                                  *out_cls = NULL;
        _cleanup_(block_layout_freep) BlockLayout *in_layout = NULL, *out_layout = NULL;
        _cleanup_strbuf_ StrBuf data = STRBUF_INIT;
        _cleanup_free_ char *msg = NULL;
        const char *ns, *text, *method;
        const CimQualifier *q;
        const CimMethod *meth;
        const void *bytes;
        size_t size, index = 0;
        uint32_t method_id, out_size;
        lwmi_status st;
        Request *req;
        Provider *p;
        int r;

        LookupCtx wmi_ctx = { .repo = b->repo, .ns = NS_WMI };

        wire_msg_read(m, &ns, &text, &method, &bytes, &size);
        st = path_resolve(c, ns, text, &path, &p, &index);
        if (st != 0)
                return conn_send_status(c, m->request_id, st, "%s", text);
        if (!p)
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "methods are served by providers only");
        if (!conn_may_write(c, p))
                return conn_send_status(c, m->request_id, WBEM(ACCESS_DENIED), NULL);
        r = repo_get_class(b->repo, NS_WMI, p->class_name, &cls);
        if (r < 0)
                return conn_send_status(c, m->request_id, WBEM(INVALID_CLASS), NULL);
        meth = cim_object_find_method(cls, method);
        if (!meth)
                return conn_send_status(c, m->request_id, WBEM(INVALID_METHOD), "%s", method);
        q = cim_qualifier_set_find(&meth->quals, "WmiMethodId");
        if (!q || q->value.is_null || q->value.u.uint == 0 || q->value.u.uint > UINT32_MAX)
                return conn_send_status(c, m->request_id, WBEM(INVALID_METHOD),
                                        "method %s has no WmiMethodId", method);
        method_id = (uint32_t) q->value.u.uint;
        r = lwmi_object_get_method_signature(cls, method, &in_cls, &out_cls);
        if (r >= 0)
                r = block_layout_compute_method(cls, method, false, lookup_class, &wmi_ctx,
                                                &in_layout, &msg);
        if (r >= 0)
                r = block_layout_compute_method(cls, method, true, lookup_class, &wmi_ctx,
                                                &out_layout, &msg);
        if (r < 0)
                return conn_send_status(c, m->request_id, WBEM(INVALID_METHOD), "%s",
                                        msg ? msg : strerror(-r));
        if (size > 0) {
                if (cim_object_decode(bytes, size, NULL, NULL, &in) < 0 &&
                    (!in_cls ||
                     cim_object_decode(bytes, size, lookup_class,
                                       &(LookupCtx){ .repo = b->repo, .ns = NS_WMI }, &in) < 0))
                        return conn_send_status(c, m->request_id, WBEM(INVALID_METHOD_PARAMETERS),
                                                "cannot decode the in-parameters");
        } else if (in_cls) {
                r = lwmi_class_spawn_instance(in_cls, &in);
                if (r < 0)
                        return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        if (in) {
                r = block_encode(in_layout, in, &data);
                if (r < 0)
                        return conn_send_status(c, m->request_id, WBEM(INVALID_METHOD_PARAMETERS),
                                                "%s", strerror(-r));
        }
        if (!out_cls) {
                r = lwmi_class_new("__PARAMETERS", NULL, &out_cls);
                if (r < 0)
                        return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        }
        out_size = out_layout->fixed ? (uint32_t) MAX(out_layout->size, (size_t) 1) : 256;
        req = request_new(c, REQUEST_METHOD, m->request_id, ns);
        if (!req)
                return conn_send_status(c, m->request_id, WBEM(OUT_OF_MEMORY), NULL);
        req->out_layout = TAKE_PTR(out_layout);
        req->out_class = TAKE_PTR(out_cls);
        req->method_id = method_id;
        req->method_out_size = out_size;
        if (data.len > 0) {
                req->method_in = malloc(data.len);
                if (!req->method_in)
                        request_fail(req, WBEM(OUT_OF_MEMORY), NULL);
                else
                        memcpy(req->method_in, data.s, data.len);
                req->method_in_size = data.len;
        }
        /* The instance's query first (spec 57); call_done() then starts the method. */
        request_query_one(req, p, index);
        return 0;
}

static int client_cancel(Conn *c, const WireMsg *m) {
        uint32_t target;

        wire_msg_read(m, &target);
        for (Request *req = c->broker->requests; req; req = req->next)
                if (req->client == c && req->request_id == target && req->kind != REQUEST_POLL) {
                        /* Orphan it: its calls end on their own, their results are dropped. */
                        obj_out_flush(NULL, 0, &req->out);
                        conn_send_status(c, target, WBEM(CALL_CANCELLED), NULL);
                        c->n_requests--;
                        req->client = NULL;
                        return conn_send_status(c, m->request_id, 0, NULL);
                }
        if (events_cancel(c, target))
                return conn_send_status(c, m->request_id, 0, NULL);
        return conn_send_status(c, m->request_id, WBEM(NOT_FOUND), "no request %u is running",
                                target);
}

static int dispatch_client(Conn *c, const WireMsg *m) {
        if (c->n_requests >= BROKER_PENDING_PER_CLIENT && m->type != WIRE_MSG_CANCEL)
                return conn_send_status(c, m->request_id, WBEM(SERVER_TOO_BUSY),
                                        "too many outstanding requests");
        switch (m->type) {
        case WIRE_MSG_GET_OBJECT:
                return client_get_object(c, m);
        case WIRE_MSG_EXEC_QUERY:
                return client_exec_query(c, m);
        case WIRE_MSG_GET_CLASS:
                return client_get_class(c, m);
        case WIRE_MSG_ENUM_CLASSES:
                return client_enum_classes(c, m);
        case WIRE_MSG_PUT_INSTANCE:
                return client_put_instance(c, m);
        case WIRE_MSG_PUT_PROPERTY:
                return client_put_property(c, m);
        case WIRE_MSG_DELETE_INSTANCE:
                return client_delete_instance(c, m);
        case WIRE_MSG_EXEC_METHOD:
                return client_exec_method(c, m);
        case WIRE_MSG_CANCEL:
                return client_cancel(c, m);
        case WIRE_MSG_EXEC_NOTIFICATION_QUERY:
                return events_subscribe(c, m);
        case WIRE_MSG_BLOCK_OPEN:
        case WIRE_MSG_BLOCK_CLOSE:
                return events_block_open(c, m);
        default:
                return conn_send_status(c, m->request_id, WBEM(NOT_SUPPORTED),
                                        "%s is not supported by this broker yet",
                                        wire_msg_type_to_string(m->type));
        }
}

/* ---- provider messages ---- */

static int provider_reply(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        uint32_t status, size_needed;
        const void *data;
        size_t size;
        Call *call;
        int r;

        wire_msg_read(m, &status, &size_needed, &data, &size);
        call = call_find(b, c, m->request_id);
        if (!call) {
                log_debug("provider %s: reply to unknown or expired call %u", c->name,
                          m->request_id);
                return 0;
        }
        call_unlink(b, call);
        if (status == WBEM(BUFFER_TOO_SMALL) &&
            (call->type == WIRE_MSG_QUERY_INSTANCE || call->type == WIRE_MSG_EXECUTE_METHOD)) {
                if (call->retries >= BROKER_RETRIES_MAX || size_needed <= call->buffer_size ||
                    size_needed > c->in.max_frame - FRAME_SLACK) {
                        log_warn("provider %s: bad buffer size request %u (had %u)", c->name,
                                 size_needed, call->buffer_size);
                        call_done(b, call, WBEM(PROVIDER_FAILURE), NULL, 0);
                        return 0;
                }
                /* Too small: ask again with the size the provider needs. */
                call->retries++;
                call->buffer_size = size_needed;
                call_link(b, call);
                r = call_send(call);
                return r < 0 ? 0 : 0;
        }
        if (status == 0 && size > call->buffer_size && call->type != WIRE_MSG_SET_INSTANCE &&
            call->type != WIRE_MSG_SET_ITEM) {
                log_warn("provider %s: reply of %zu bytes exceeds the buffer of %u", c->name, size,
                         call->buffer_size);
                status = WBEM(PROVIDER_FAILURE);
        }
        if (status == WBEM(BUFFER_TOO_SMALL))
                status = WBEM(INVALID_PARAMETER);
        call_done(b, call, status, data, size);
        return 0;
}

/*
 * ALL_DATA: answers of a QUERY_ALL_DATA, some instances per frame; the final
 * frame ends the call. An instance that needs a larger buffer gets its own
 * QUERY_INSTANCE with that size (the usual retry), one that failed fails the
 * request (after the others), one the broker no longer knows is skipped.
 */
static int provider_all_data(Conn *c, const WireMsg *m) {
        Broker *b = c->broker;
        uint32_t id, status, needed;
        const void *data;
        size_t size, hint = 0;
        uint8_t final;
        WireList l;
        Provider *p;
        Request *req;
        Call *call;
        int r;

        wire_msg_read(m, &final, &l);
        call = call_find(b, c, m->request_id);
        if (!call || call->type != WIRE_MSG_QUERY_ALL_DATA) {
                log_debug("provider %s: data for unknown or expired call %u", c->name,
                          m->request_id);
                return 0;
        }
        req = call->request;
        p = provider_find(b, &call->guid);
        if (p && p->conn != c)
                p = NULL;
        while ((r = wire_list_next_data(&l, &id, &status, &needed, &data, &size)) > 0) {
                size_t index = SIZE_MAX;
                _cleanup_free_ char *name = NULL;

                /* answers come in registration order: look from the previous one on */
                for (size_t k = 0; p && k < p->n_instances; k++) {
                        size_t j = (hint + k) % p->n_instances;

                        if (p->instances[j].id == id) {
                                index = j;
                                break;
                        }
                }
                if (index == SIZE_MAX)
                        continue; /* deregistered meanwhile */
                hint = index + 1;
                if (status == WBEM(BUFFER_TOO_SMALL)) {
                        if (needed <= call->buffer_size || needed > c->in.max_frame - FRAME_SLACK) {
                                log_warn("provider %s: bad buffer size request %u (had %u)",
                                         c->name, needed, call->buffer_size);
                                request_fail(req, WBEM(PROVIDER_FAILURE), NULL);
                        } else if (call_start(req, p, index, WIRE_MSG_QUERY_INSTANCE, 0, NULL, 0,
                                              needed) < 0) {
                                request_fail(req, WBEM(PROVIDER_FAILURE), NULL);
                                break; /* the connection is closing */
                        }
                        continue;
                }
                if (status == 0 && size > call->buffer_size) {
                        log_warn("provider %s: reply of %zu bytes exceeds the buffer of %u",
                                 c->name, size, call->buffer_size);
                        status = WBEM(PROVIDER_FAILURE);
                }
                if (status != 0) {
                        request_fail(req, status, NULL);
                        continue;
                }
                if (p->instances[index].name) {
                        instance_deliver(req, call->class_name, p->instances[index].name, data,
                                         size);
                } else {
                        /* "<device>_<index>", as instance_name(), without an allocation */
                        char buf[256];
                        int k = snprintf(buf, sizeof(buf), "%s_%zu", p->device, index);

                        if (k < 0 || (size_t) k >= sizeof(buf)) {
                                name = instance_name(p, index);
                                if (!name) {
                                        request_fail(req, WBEM(OUT_OF_MEMORY), NULL);
                                        continue;
                                }
                                instance_deliver(req, call->class_name, name, data, size);
                        } else {
                                instance_deliver(req, call->class_name, buf, data, size);
                        }
                }
        }
        if (r < 0)
                return -EBADMSG;
        call_unlink(b, call);
        if (final)
                call_done(b, call, 0, NULL, 0);
        else
                call_link(b, call); /* progress: a fresh deadline */
        return 0;
}

static int dispatch_provider(Conn *c, const WireMsg *m) {
        switch (m->type) {
        case WIRE_MSG_DEVICE_REGISTER:
                return provider_device_register(c, m);
        case WIRE_MSG_PROVIDER_REGISTER:
                return provider_register(c, m);
        case WIRE_MSG_INSTANCE_REGISTER:
                return provider_instance_register(c, m);
        case WIRE_MSG_INSTANCE_DEREGISTER:
                return provider_instance_deregister(c, m);
        case WIRE_MSG_REPLY:
                return provider_reply(c, m);
        case WIRE_MSG_ALL_DATA:
                return provider_all_data(c, m);
        case WIRE_MSG_FIRE_EVENT:
        case WIRE_MSG_FIRE_EVENTS:
                return events_fire(c, m);
        case WIRE_MSG_EVENTS_DROPPED:
                return events_dropped(c, m);
        default:
                return -EBADMSG;
        }
}

/* ---- the handshake and the frame entry point ---- */

static int conn_hello(Conn *c, const WireFrame *f) {
        uint32_t magic, max_frame;
        uint16_t vmin, vmax, version;
        const char *name;
        uint8_t role;
        WireMsg m, reply;
        int r;

        if (f->type != WIRE_MSG_HELLO)
                return -EBADMSG;
        r = wire_msg_decode_frame(f, &m);
        if (r < 0)
                return -EBADMSG;
        r = wire_hello_negotiate(&m, WIRE_VERSION_MIN, WIRE_VERSION_MAX, WIRE_FRAME_MAX_DEFAULT,
                                 &version, &max_frame);
        if (r == -EPROTONOSUPPORT || r == -EMSGSIZE) {
                wire_msg_build(&reply, WIRE_MSG_HELLO_REPLY, 0, 0u, 0u,
                               (unsigned) (r == -EMSGSIZE ? WBEM(INVALID_PARAMETER)
                                                          : WBEM(MARSHAL_VERSION_MISMATCH)),
                               "wmid");
                conn_send(c, &reply);
                conn_close(c, r == -EMSGSIZE ? "max_frame too small" : "no common version");
                return 0;
        }
        if (r < 0)
                return r;
        wire_msg_read(&m, &magic, &vmin, &vmax, &role, NULL, &name);
        c->name = strdup(*name ? name : "?");
        if (!c->name)
                return -ENOMEM;
        c->role = role;
        c->in.max_frame = max_frame;
        c->out.max_frame = max_frame;
        log_debug("connection %llu: %s %s, uid %u pid %d, max frame %u",
                  (unsigned long long) c->serial, role == WIRE_ROLE_CLIENT ? "client" : "provider",
                  c->name, (unsigned) c->uid, (int) c->pid, max_frame);
        r = wire_msg_build(&reply, WIRE_MSG_HELLO_REPLY, 0, (unsigned) version, max_frame, 0u,
                           "wmid");
        if (r < 0)
                return r;
        return conn_send(c, &reply);
}

/**
 * dispatch_frame() - handle one frame of a connection.
 * @c: the connection
 * @f: the frame (payload borrowed from the reader)
 *
 * Return: 0, or a negative errno: the caller closes the connection.
 */
int dispatch_frame(Conn *c, const WireFrame *f) {
        bool expected;
        WireMsg m;
        int r;

        if (c->role == 0)
                return conn_hello(c, f);
        if (c->role == WIRE_ROLE_CLIENT)
                expected = (f->type >> 8) == 0x01;
        else
                expected = (f->type >> 8) == 0x03;
        if (!expected) {
                log_warn("connection %llu (%s): unexpected %s", (unsigned long long) c->serial,
                         c->name, wire_msg_type_to_string(f->type));
                return -EBADMSG;
        }
        r = wire_msg_decode_frame(f, &m);
        if (r < 0) {
                log_warn("connection %llu (%s): malformed %s", (unsigned long long) c->serial,
                         c->name, wire_msg_type_to_string(f->type));
                /* Requests get an error; a malformed REPLY or event ends the provider. */
                if (c->role == WIRE_ROLE_CLIENT ||
                    (f->type != WIRE_MSG_REPLY && f->type != WIRE_MSG_FIRE_EVENT &&
                     f->type != WIRE_MSG_FIRE_EVENTS))
                        return conn_send_status(c, f->request_id, WBEM(INVALID_PARAMETER),
                                                "malformed %s", wire_msg_type_to_string(f->type));
                return -EBADMSG;
        }
        if (c->role == WIRE_ROLE_CLIENT)
                return dispatch_client(c, &m);
        return dispatch_provider(c, &m);
}

/**
 * dispatch_conn_gone() - forget a connection that is closing: its provider
 * calls fail with WBEM_E_PROVIDER_FAILURE, its providers and instances go,
 * and its client requests are orphaned.
 * @c: the connection
 */
void dispatch_conn_gone(Conn *c) {
        Broker *b = c->broker;
        Call *call, *next;

        for (call = b->calls_head; call; call = next) {
                next = call->next;
                if (call->provider != c)
                        continue;
                call_unlink(b, call);
                call_done(b, call, WBEM(PROVIDER_FAILURE), NULL, 0);
                /* call_done() may have closed other connections; restart safely. */
                next = b->calls_head;
        }
        for (Provider **pp = &b->providers; *pp;) {
                Provider *p = *pp;

                if (p->conn == c) {
                        for (size_t i = 0; i < p->n_instances; i++)
                                events_instance_op(p, i, false);
                        *pp = p->next;
                        provider_free(p);
                } else {
                        pp = &p->next;
                }
        }
        for (Request *req = b->requests; req; req = req->next)
                if (req->client == c) {
                        req->client = NULL;
                        c->n_requests--;
                }
        events_conn_gone(c);
}

/**
 * dispatch_free_all() - free every call, request and provider (shutdown).
 * @b: the broker
 */
void dispatch_free_all(Broker *b) {
        while (b->calls_head) {
                Call *call = b->calls_head;

                call_unlink(b, call);
                call->request->n_calls--;
                call_free(call);
        }
        while (b->requests)
                request_free(b->requests);
        events_free_all(b);
        while (b->providers) {
                Provider *p = b->providers;

                b->providers = p->next;
                provider_free(p);
        }
}
