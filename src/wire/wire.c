/* SPDX-License-Identifier: MIT */
/*
 * Wire protocol codec: frame reader and writer, schema-driven message codec,
 * handshake negotiation.
 */

/*
 * Theory of operation
 *
 * Every message travels as one frame: a fixed 16-byte little-endian header
 * {u32 payload size, u16 type, u16 flags, u32 request id, u32 aux} followed by
 * the payload. The frame layer knows nothing about payloads except their size,
 * which is bounded by the reader's max_frame (default 1 MiB, never above
 * 64 MiB), and the type, which must be one of the table below. A header that
 * breaks either rule, or sets a flag or aux bit (none is defined in version 1),
 * is a framing violation: the reader refuses every further call and the owner
 * closes that one connection. The header is checked as soon as its 16 bytes
 * are in, so an oversized frame is refused before its payload is buffered.
 *
 * The reader is built for an epoll loop: the caller read()s straight into the
 * reader's tail (wire_reader_reserve() + wire_reader_commit()), then calls
 * wire_reader_next() until it returns 0. Each frame it returns points into the
 * buffer (no copy) and stays valid until the next reserve or feed, which is
 * also when the consumed prefix is compacted away. The writer appends any
 * number of frames to one buffer; the loop writes wire_writer_pending() bytes
 * with one write() and calls wire_writer_advance() with what went out.
 *
 * Payloads are described by a table: each message type has a signature, one
 * character per field (see the WIRE_U8... kinds in wire.h). One generic
 * encoder and one generic decoder walk the signature, so there is exactly one
 * message decoder to fuzz. The decoder checks every length and count against
 * the bytes that remain before using it, validates strings (UTF-8, no NUL
 * inside, a NUL terminator that lets decoded strings be borrowed as C strings
 * without a copy), walks every list element once, and rejects trailing bytes.
 * Encoding is canonical: a payload that decodes re-encodes to the same bytes.
 */
#include "wire/wire.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "shared/macro.h"
#include "shared/utf.h"

typedef struct WireMsgInfo {
        uint16_t type;
        const char *name;
        const char *signature;
} WireMsgInfo;

/* The schema. docs/protocol.md documents each field; keep both in step. */
static const WireMsgInfo msg_table[] = {
        { WIRE_MSG_HELLO, "HELLO", "42214s" },
        { WIRE_MSG_HELLO_REPLY, "HELLO_REPLY", "244s" },
        { WIRE_MSG_GET_OBJECT, "GET_OBJECT", "ss" },
        { WIRE_MSG_EXEC_QUERY, "EXEC_QUERY", "ss4" },
        { WIRE_MSG_GET_CLASS, "GET_CLASS", "ss" },
        { WIRE_MSG_ENUM_CLASSES, "ENUM_CLASSES", "ss1" },
        { WIRE_MSG_PUT_INSTANCE, "PUT_INSTANCE", "so4" },
        { WIRE_MSG_PUT_PROPERTY, "PUT_PROPERTY", "ssso" },
        { WIRE_MSG_DELETE_INSTANCE, "DELETE_INSTANCE", "ss" },
        { WIRE_MSG_EXEC_METHOD, "EXEC_METHOD", "ssso" },
        { WIRE_MSG_EXEC_NOTIFICATION_QUERY, "EXEC_NOTIFICATION_QUERY", "ss44" },
        { WIRE_MSG_CANCEL, "CANCEL", "4" },
        { WIRE_MSG_BLOCK_OPEN, "BLOCK_OPEN", "ss" },
        { WIRE_MSG_BLOCK_CLOSE, "BLOCK_CLOSE", "ss" },
        { WIRE_MSG_OBJECTS, "OBJECTS", "O" },
        { WIRE_MSG_EVENTS, "EVENTS", "4O" },
        { WIRE_MSG_STATUS, "STATUS", "4s" },
        { WIRE_MSG_CLASSES, "CLASSES", "O" },
        { WIRE_MSG_BLOCKS, "BLOCKS", "sO" },
        { WIRE_MSG_EVENT_BLOCKS, "EVENT_BLOCKS", "4sO" },
        { WIRE_MSG_DEVICE_REGISTER, "DEVICE_REGISTER", "ss" },
        { WIRE_MSG_PROVIDER_REGISTER, "PROVIDER_REGISTER", "g44" },
        { WIRE_MSG_INSTANCE_REGISTER, "INSTANCE_REGISTER", "g4s" },
        { WIRE_MSG_INSTANCE_DEREGISTER, "INSTANCE_DEREGISTER", "g4" },
        { WIRE_MSG_FIRE_EVENT, "FIRE_EVENT", "g4b" },
        { WIRE_MSG_FIRE_EVENTS, "FIRE_EVENTS", "E" },
        { WIRE_MSG_REPLY, "REPLY", "44b" },
        { WIRE_MSG_ALL_DATA, "ALL_DATA", "1D" },
        { WIRE_MSG_EVENTS_DROPPED, "EVENTS_DROPPED", "g8" },
        { WIRE_MSG_QUERY_INSTANCE, "QUERY_INSTANCE", "g44444" },
        { WIRE_MSG_SET_INSTANCE, "SET_INSTANCE", "g4b444" },
        { WIRE_MSG_SET_ITEM, "SET_ITEM", "g44b444" },
        { WIRE_MSG_EXECUTE_METHOD, "EXECUTE_METHOD", "g44b4444" },
        { WIRE_MSG_FUNCTION_CONTROL, "FUNCTION_CONTROL", "g418" },
        { WIRE_MSG_QUERY_ALL_DATA, "QUERY_ALL_DATA", "g4444" },
};

static const WireMsgInfo *msg_info(uint16_t type) {
        for (size_t i = 0; i < ELEMENTSOF(msg_table); i++)
                if (msg_table[i].type == type)
                        return &msg_table[i];
        return NULL;
}

/**
 * wire_msg_signature() - the field signature of a message type.
 * @type: a WIRE_MSG_* value
 *
 * Return: the signature (static), or NULL for an unknown type.
 */
const char *wire_msg_signature(uint16_t type) {
        const WireMsgInfo *i = msg_info(type);

        return i ? i->signature : NULL;
}

/**
 * wire_msg_type_to_string() - the name of a message type, for logs.
 * @type: a WIRE_MSG_* value
 *
 * Return: "GET_OBJECT" etc. (static), or NULL for an unknown type.
 */
const char *wire_msg_type_to_string(uint16_t type) {
        const WireMsgInfo *i = msg_info(type);

        return i ? i->name : NULL;
}

/* ---- little-endian helpers ---- */

static void put_le(uint8_t *p, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t n) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint64_t) p[i] << (8 * i);
        return v;
}

static void append_le(StrBuf *b, uint64_t v, size_t n) {
        uint8_t tmp[8];

        put_le(tmp, v, n);
        strbuf_append_n(b, (const char *) tmp, n);
}

static void guid_to_wire(const lwmi_guid *g, uint8_t out[16]) {
        put_le(out, g->data1, 4);
        put_le(out + 4, g->data2, 2);
        put_le(out + 6, g->data3, 2);
        memcpy(out + 8, g->data4, 8);
}

static void guid_from_wire(const uint8_t *p, lwmi_guid *g) {
        *g = (lwmi_guid){
                .data1 = (uint32_t) get_le(p, 4),
                .data2 = (uint16_t) get_le(p + 4, 2),
                .data3 = (uint16_t) get_le(p + 6, 2),
        };
        memcpy(g->data4, p + 8, 8);
}

static size_t int_size(char kind) {
        switch (kind) {
        case WIRE_U8:
                return 1;
        case WIRE_U16:
                return 2;
        case WIRE_U32:
                return 4;
        default:
                return 8;
        }
}

/* ---- decoding cursor: every read checks the remaining size first ---- */

typedef struct Cursor {
        const uint8_t *p;
        size_t left;
} Cursor;

static int cursor_take(Cursor *c, size_t n, const uint8_t **ret) {
        if (n > c->left)
                return -EBADMSG;
        *ret = c->p;
        c->p += n;
        c->left -= n;
        return 0;
}

static int cursor_u32(Cursor *c, uint32_t *ret) {
        const uint8_t *p;
        int r;

        r = cursor_take(c, 4, &p);
        if (r < 0)
                return r;
        *ret = (uint32_t) get_le(p, 4);
        return 0;
}

static bool string_ok(const char *s, size_t len) {
        return !memchr(s, 0, len) && utf8_is_valid(s, len);
}

/* u32 length, bytes, NUL; the bytes are UTF-8 without NUL. */
static int cursor_string(Cursor *c, const char **ret, size_t *ret_len) {
        const uint8_t *p;
        uint32_t len;
        int r;

        r = cursor_u32(c, &len);
        if (r < 0)
                return r;
        /* len + 1 cannot overflow size_t; checked against what is left before use */
        r = cursor_take(c, (size_t) len + 1, &p);
        if (r < 0)
                return r;
        if (p[len] != 0 || !string_ok((const char *) p, len))
                return -EBADMSG;
        *ret = (const char *) p;
        *ret_len = len;
        return 0;
}

static int cursor_bytes(Cursor *c, const void **ret, size_t *ret_size) {
        const uint8_t *p;
        uint32_t len;
        int r;

        r = cursor_u32(c, &len);
        if (r < 0)
                return r;
        r = cursor_take(c, len, &p);
        if (r < 0)
                return r;
        *ret = p;
        *ret_size = len;
        return 0;
}

static int cursor_event(Cursor *c, lwmi_guid *ret_guid, uint32_t *ret_id, const void **ret_data,
                        size_t *ret_size) {
        const uint8_t *p;
        int r;

        r = cursor_take(c, 16, &p);
        if (r < 0)
                return r;
        guid_from_wire(p, ret_guid);
        r = cursor_u32(c, ret_id);
        if (r < 0)
                return r;
        return cursor_bytes(c, ret_data, ret_size);
}

static int cursor_data(Cursor *c, uint32_t *ret_id, uint32_t *ret_status, uint32_t *ret_needed,
                       const void **ret_data, size_t *ret_size) {
        int r;

        if ((r = cursor_u32(c, ret_id)) < 0 || (r = cursor_u32(c, ret_status)) < 0 ||
            (r = cursor_u32(c, ret_needed)) < 0)
                return r;
        return cursor_bytes(c, ret_data, ret_size);
}

/* The smallest wire size of one list element, to bound counts before looping. */
static size_t list_elem_min(char kind) {
        switch (kind) {
        case WIRE_STRING_LIST:
                return 5;
        case WIRE_OBJECT_LIST:
                return 4;
        case WIRE_DATA_LIST:
                return 16;
        default:
                return 24;
        }
}

static int cursor_list_elem(Cursor *c, char kind) {
        const char *s;
        const void *d;
        lwmi_guid g;
        uint32_t id, st, need;
        size_t n;

        switch (kind) {
        case WIRE_STRING_LIST:
                return cursor_string(c, &s, &n);
        case WIRE_OBJECT_LIST:
                return cursor_bytes(c, &d, &n);
        case WIRE_DATA_LIST:
                return cursor_data(c, &id, &st, &need, &d, &n);
        default:
                return cursor_event(c, &g, &id, &d, &n);
        }
}

/* Walks count elements; the list's body is what they consumed. */
static int cursor_list_body(Cursor *c, char kind, uint32_t count, WireList *ret) {
        const uint8_t *start = c->p;
        int r;

        if (count > c->left / list_elem_min(kind))
                return -EBADMSG;
        for (uint32_t i = 0; i < count; i++) {
                r = cursor_list_elem(c, kind);
                if (r < 0)
                        return r;
        }
        *ret = (WireList){
                .data = start, .size = (size_t) (c->p - start), .count = count, .checked = kind
        };
        return 0;
}

static int decode_field(Cursor *c, char kind, WireField *f) {
        const uint8_t *p;
        uint32_t count;
        int r;

        *f = (WireField){ .kind = kind };
        switch (kind) {
        case WIRE_U8:
        case WIRE_U16:
        case WIRE_U32:
        case WIRE_U64:
        case WIRE_I64:
                r = cursor_take(c, int_size(kind), &p);
                if (r < 0)
                        return r;
                f->u = get_le(p, int_size(kind));
                return 0;
        case WIRE_STRING:
                return cursor_string(c, &f->s.str, &f->s.len);
        case WIRE_BYTES:
        case WIRE_OBJECT:
                return cursor_bytes(c, &f->b.data, &f->b.size);
        case WIRE_GUID:
                r = cursor_take(c, 16, &p);
                if (r < 0)
                        return r;
                guid_from_wire(p, &f->guid);
                return 0;
        case WIRE_STRING_LIST:
        case WIRE_OBJECT_LIST:
        case WIRE_EVENT_LIST:
        case WIRE_DATA_LIST:
                r = cursor_u32(c, &count);
                if (r < 0)
                        return r;
                return cursor_list_body(c, kind, count, &f->list);
        default:
                return -EINVAL;
        }
}

/**
 * wire_msg_decode() - decode a payload by the schema of its type.
 * @type: the frame's message type
 * @request_id: the frame's request id, copied into the message
 * @payload: the payload bytes
 * @size: their number
 * @ret: the message; its strings, bytes and lists borrow from @payload
 *
 * Every length and count is checked against the remaining bytes before use;
 * strings must be UTF-8 without NUL; trailing bytes are refused.
 *
 * Return: 0, -EBADMSG for a malformed payload, -EPROTO for an unknown type.
 */
int wire_msg_decode(uint16_t type, uint32_t request_id, const void *payload, size_t size,
                    WireMsg *ret) {
        const char *sig = wire_msg_signature(type);
        Cursor c = { .p = payload, .left = size };
        WireMsg m = { .type = type, .request_id = request_id };
        int r;

        if (!sig)
                return -EPROTO;
        if (size > 0 && !payload)
                return -EINVAL;
        for (; sig[m.n_fields]; m.n_fields++) {
                r = decode_field(&c, sig[m.n_fields], &m.fields[m.n_fields]);
                if (r < 0)
                        return r;
        }
        if (c.left != 0)
                return -EBADMSG;
        *ret = m;
        return 0;
}

/**
 * wire_msg_decode_frame() - wire_msg_decode() on a frame from wire_reader_next().
 * @f: the frame
 * @ret: the message, borrowing from the frame's payload
 *
 * Return: as wire_msg_decode().
 */
int wire_msg_decode_frame(const WireFrame *f, WireMsg *ret) {
        return wire_msg_decode(f->type, f->request_id, f->payload, f->size, ret);
}

/* ---- encoding ---- */

static int check_list(char kind, const WireList *l) {
        Cursor c = { .p = l->data, .left = l->size };
        WireList tmp;
        int r;

        if (l->size > 0 && !l->data)
                return -EINVAL;
        if (l->checked == kind)
                return 0; /* decoded or built as such: no walk per element */
        r = cursor_list_body(&c, kind, l->count, &tmp);
        if (r < 0 || c.left != 0)
                return -EINVAL;
        return 0;
}

static int check_field(const WireField *f) {
        switch (f->kind) {
        case WIRE_U8:
        case WIRE_U16:
        case WIRE_U32:
                if (f->u >> (8 * int_size(f->kind)))
                        return -ERANGE;
                return 0;
        case WIRE_U64:
        case WIRE_I64:
        case WIRE_GUID:
                return 0;
        case WIRE_STRING:
                if (!f->s.str || f->s.len > UINT32_MAX || !string_ok(f->s.str, f->s.len))
                        return -EINVAL;
                return 0;
        case WIRE_BYTES:
        case WIRE_OBJECT:
                if ((f->b.size > 0 && !f->b.data) || f->b.size > UINT32_MAX)
                        return -EINVAL;
                return 0;
        case WIRE_STRING_LIST:
        case WIRE_OBJECT_LIST:
        case WIRE_EVENT_LIST:
        case WIRE_DATA_LIST:
                if (f->list.count > 0 && f->list.size > SIZE_MAX / 2)
                        return -EINVAL;
                return check_list(f->kind, &f->list);
        default:
                return -EINVAL;
        }
}

static void encode_field(const WireField *f, StrBuf *out) {
        uint8_t g[16];

        switch (f->kind) {
        case WIRE_U8:
        case WIRE_U16:
        case WIRE_U32:
        case WIRE_U64:
        case WIRE_I64:
                append_le(out, f->u, int_size(f->kind));
                break;
        case WIRE_STRING:
                append_le(out, f->s.len, 4);
                strbuf_append_n(out, f->s.str, f->s.len);
                strbuf_append_c(out, 0);
                break;
        case WIRE_BYTES:
        case WIRE_OBJECT:
                append_le(out, f->b.size, 4);
                strbuf_append_n(out, f->b.data, f->b.size);
                break;
        case WIRE_GUID:
                guid_to_wire(&f->guid, g);
                strbuf_append_n(out, (const char *) g, 16);
                break;
        default:
                append_le(out, f->list.count, 4);
                strbuf_append_n(out, (const char *) f->list.data, f->list.size);
                break;
        }
}

/**
 * wire_msg_encode() - append a message's payload (no header) to a buffer.
 * @m: the message; its fields must match the signature of its type
 * @out: the buffer
 *
 * Nothing is appended on failure.
 *
 * Return: 0, -EPROTO for an unknown type, -EINVAL when a field does not match
 * the schema or holds invalid data, -ERANGE for an integer too wide for its
 * field, -ENOMEM.
 */
int wire_msg_encode(const WireMsg *m, StrBuf *out) {
        const char *sig = wire_msg_signature(m->type);
        size_t old = out->len;
        int r;

        if (!sig)
                return -EPROTO;
        if (m->n_fields != strlen(sig))
                return -EINVAL;
        for (size_t i = 0; i < m->n_fields; i++) {
                if (m->fields[i].kind != sig[i])
                        return -EINVAL;
                r = check_field(&m->fields[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < m->n_fields; i++)
                encode_field(&m->fields[i], out);
        if (out->oom) {
                if (out->s)
                        strbuf_truncate(out, old);
                return -ENOMEM;
        }
        return 0;
}

/**
 * wire_msg_buildv() - wire_msg_build() with a va_list.
 * @m: the message to fill
 * @type: a WIRE_MSG_* value
 * @request_id: the request id
 * @ap: the field values
 *
 * Return: as wire_msg_build().
 */
int wire_msg_buildv(WireMsg *m, uint16_t type, uint32_t request_id, va_list ap) {
        const char *sig = wire_msg_signature(type);
        WireMsg t = { .type = type, .request_id = request_id };
        const WireList *l;
        const lwmi_guid *g;
        const char *s;

        if (!sig)
                return -EPROTO;
        for (; sig[t.n_fields]; t.n_fields++) {
                WireField *f = &t.fields[t.n_fields];

                f->kind = sig[t.n_fields];
                switch (f->kind) {
                case WIRE_U8:
                case WIRE_U16:
                case WIRE_U32:
                        f->u = va_arg(ap, unsigned);
                        break;
                case WIRE_U64:
                        f->u = va_arg(ap, uint64_t);
                        break;
                case WIRE_I64:
                        f->i = va_arg(ap, int64_t);
                        break;
                case WIRE_STRING:
                        s = va_arg(ap, const char *);
                        f->s.str = s ?: "";
                        f->s.len = strlen(f->s.str);
                        break;
                case WIRE_BYTES:
                case WIRE_OBJECT:
                        f->b.data = va_arg(ap, const void *);
                        f->b.size = va_arg(ap, size_t);
                        break;
                case WIRE_GUID:
                        g = va_arg(ap, const lwmi_guid *);
                        if (!g)
                                return -EINVAL;
                        f->guid = *g;
                        break;
                default:
                        l = va_arg(ap, const WireList *);
                        f->list = l ? *l : (WireList){};
                        break;
                }
        }
        *m = t;
        return 0;
}

/**
 * wire_msg_build() - fill a message from C values, in signature order.
 * @m: the message to fill; it borrows every string, byte range and list passed
 * @type: a WIRE_MSG_* value
 * @request_id: the request id
 * @...: per field: u8/u16/u32 as unsigned int, u64 as uint64_t, i64 as
 *       int64_t, string as const char * (NULL means ""), bytes and object as
 *       const void * plus size_t, guid as const lwmi_guid *, lists as
 *       const WireList * (NULL means empty)
 *
 * Values are validated by wire_msg_encode(), not here.
 *
 * Return: 0, -EPROTO for an unknown type, -EINVAL for a NULL guid.
 */
int wire_msg_build(WireMsg *m, uint16_t type, uint32_t request_id, ...) {
        va_list ap;
        int r;

        va_start(ap, request_id);
        r = wire_msg_buildv(m, type, request_id, ap);
        va_end(ap);
        return r;
}

/**
 * wire_msg_read() - copy a decoded message's fields out, in signature order.
 * @m: the message
 * @...: per field a pointer (NULL to skip): uint8_t *, uint16_t *, uint32_t *,
 *       uint64_t *, int64_t *, const char ** (string), const void ** plus
 *       size_t * (bytes, object; NULL each to skip), lwmi_guid *, WireList *
 *
 * Return: 0, or -EINVAL when the fields do not match the type's signature.
 */
int wire_msg_read(const WireMsg *m, ...) {
        const char *sig = wire_msg_signature(m->type);
        va_list ap;
        void *p;

        if (!sig || m->n_fields != strlen(sig))
                return -EINVAL;
        for (size_t i = 0; i < m->n_fields; i++)
                if (m->fields[i].kind != sig[i])
                        return -EINVAL;

        va_start(ap, m);
        for (size_t i = 0; i < m->n_fields; i++) {
                const WireField *f = &m->fields[i];

                p = va_arg(ap, void *);
                switch (f->kind) {
                case WIRE_U8:
                        if (p)
                                *(uint8_t *) p = (uint8_t) f->u;
                        break;
                case WIRE_U16:
                        if (p)
                                *(uint16_t *) p = (uint16_t) f->u;
                        break;
                case WIRE_U32:
                        if (p)
                                *(uint32_t *) p = (uint32_t) f->u;
                        break;
                case WIRE_U64:
                        if (p)
                                *(uint64_t *) p = f->u;
                        break;
                case WIRE_I64:
                        if (p)
                                *(int64_t *) p = f->i;
                        break;
                case WIRE_STRING:
                        if (p)
                                *(const char **) p = f->s.str;
                        break;
                case WIRE_BYTES:
                case WIRE_OBJECT:
                        if (p)
                                *(const void **) p = f->b.data;
                        p = va_arg(ap, void *);
                        if (p)
                                *(size_t *) p = f->b.size;
                        break;
                case WIRE_GUID:
                        if (p)
                                *(lwmi_guid *) p = f->guid;
                        break;
                default:
                        if (p)
                                *(WireList *) p = f->list;
                        break;
                }
        }
        va_end(ap);
        return 0;
}

/* ---- lists ---- */

/**
 * wire_list_buf_deinit() - free a list builder.
 * @l: the builder
 */
void wire_list_buf_deinit(WireListBuf *l) {
        strbuf_deinit(&l->buf);
        l->count = 0;
}

/* Counts the element just appended (of list kind @kind), or takes it back. */
static int list_buf_done(WireListBuf *l, size_t old, char kind) {
        if (l->buf.oom || l->count == UINT32_MAX) {
                if (l->buf.s)
                        strbuf_truncate(&l->buf, old);
                return l->buf.oom ? -ENOMEM : -E2BIG;
        }
        l->kind = l->count == 0 || l->kind == kind ? kind : '?';
        l->count++;
        return 0;
}

/**
 * wire_list_buf_add_string() - append a string to a string list.
 * @l: the builder
 * @s: a UTF-8 string
 *
 * Return: 0, -EINVAL for invalid UTF-8, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_string(WireListBuf *l, const char *s) {
        size_t old = l->buf.len, len = strlen(s);

        if (len > UINT32_MAX || !utf8_is_valid(s, len))
                return -EINVAL;
        append_le(&l->buf, len, 4);
        strbuf_append_n(&l->buf, s, len);
        strbuf_append_c(&l->buf, 0);
        return list_buf_done(l, old, WIRE_STRING_LIST);
}

/**
 * wire_list_buf_add_bytes() - append one element to an object list.
 * @l: the builder
 * @data: the bytes (an encoded object)
 * @size: their number
 *
 * Return: 0, -EINVAL, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_bytes(WireListBuf *l, const void *data, size_t size) {
        size_t old = l->buf.len;

        if (size > UINT32_MAX || (size > 0 && !data))
                return -EINVAL;
        append_le(&l->buf, size, 4);
        strbuf_append_n(&l->buf, data, size);
        return list_buf_done(l, old, WIRE_OBJECT_LIST);
}

/**
 * wire_list_buf_add_event() - append one event to an event list.
 * @l: the builder
 * @guid: the event's GUID
 * @instance_id: the instance that fires it
 * @data: the event data block
 * @size: its size
 *
 * Return: 0, -EINVAL, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_event(WireListBuf *l, const lwmi_guid *guid, uint32_t instance_id,
                            const void *data, size_t size) {
        size_t old = l->buf.len;
        uint8_t g[16];

        if (size > UINT32_MAX || (size > 0 && !data))
                return -EINVAL;
        guid_to_wire(guid, g);
        strbuf_append_n(&l->buf, (const char *) g, 16);
        append_le(&l->buf, instance_id, 4);
        append_le(&l->buf, size, 4);
        strbuf_append_n(&l->buf, data, size);
        return list_buf_done(l, old, WIRE_EVENT_LIST);
}

/**
 * wire_list_buf_add_block_entry() - append one BLOCKS entry to an object list.
 * @l: the builder
 * @name: the instance name (UTF-8, shorter than WIRE_BLOCK_NAME_MAX bytes)
 * @block: its data block
 * @size: the block's size
 *
 * Return: 0, -EINVAL, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_block_entry(WireListBuf *l, const char *name, const void *block,
                                  size_t size) {
        size_t old = l->buf.len, len = name ? strlen(name) : 0;

        if (!name || len >= WIRE_BLOCK_NAME_MAX || !utf8_is_valid(name, len) ||
            size > UINT32_MAX - 8 - len || (size > 0 && !block))
                return -EINVAL;
        append_le(&l->buf, 4 + len + size, 4); /* the element's length (an O list) */
        append_le(&l->buf, len, 4);
        strbuf_append_n(&l->buf, name, len);
        strbuf_append_n(&l->buf, block, size);
        return list_buf_done(l, old, WIRE_OBJECT_LIST);
}

/**
 * wire_list_buf_add_timed_block_entry() - append one EVENT_BLOCKS entry: as
 * wire_list_buf_add_block_entry() with a block that is @time (u64) followed
 * by @block, without building that block first.
 * @l: the builder
 * @name: the instance name (UTF-8, shorter than WIRE_BLOCK_NAME_MAX bytes)
 * @len: its length (strlen)
 * @time: TIME_CREATED
 * @block: the event's data block
 * @size: its size
 *
 * Return: 0, -EINVAL, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_timed_block_entry(WireListBuf *l, const char *name, size_t len, uint64_t time,
                                        const void *block, size_t size) {
        size_t old = l->buf.len;
        int r = wire_timed_block_entry_encode(&l->buf, name, len, time, block, size);

        if (r == -EINVAL)
                return r;
        return list_buf_done(l, old, WIRE_OBJECT_LIST); /* -ENOMEM: truncated again */
}

/**
 * wire_timed_block_entry_encode() - the EVENT_BLOCKS entry of
 * wire_list_buf_add_timed_block_entry(), its element length first, appended
 * to @out: an event that goes to several subscribers is encoded once and
 * added to each list with wire_list_buf_add_encoded().
 * @out: the buffer (appended to)
 * @name: the instance name (UTF-8, shorter than WIRE_BLOCK_NAME_MAX bytes)
 * @len: its length (strlen)
 * @time: TIME_CREATED
 * @block: the event's data block
 * @size: its size
 *
 * Return: 0, -EINVAL, -ENOMEM (@out is then out of memory: StrBuf.oom).
 */
int wire_timed_block_entry_encode(StrBuf *out, const char *name, size_t len, uint64_t time,
                                  const void *block, size_t size) {
        uint8_t head[8];

        if (!name || len >= WIRE_BLOCK_NAME_MAX || !utf8_is_valid(name, len) ||
            size > UINT32_MAX - 16 - len || (size > 0 && !block))
                return -EINVAL;
        put_le(head, 4 + len + 8 + size, 4); /* the element's length (an O list) */
        put_le(head + 4, len, 4);
        strbuf_append_n(out, (const char *) head, 8);
        strbuf_append_n(out, name, len);
        put_le(head, time, 8);
        strbuf_append_n(out, (const char *) head, 8);
        strbuf_append_n(out, block, size);
        return out->oom ? -ENOMEM : 0;
}

/**
 * wire_list_buf_add_encoded() - append one element already encoded with its
 * length (wire_timed_block_entry_encode()): one copy.
 * @l: the builder
 * @entry: the element's length (u32) and bytes
 * @size: the size of all that
 *
 * Return: 0, -EINVAL (shorter than its length field says), -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_encoded(WireListBuf *l, const void *entry, size_t size) {
        size_t old = l->buf.len;

        if (size < 4 || !entry || get_le(entry, 4) != size - 4)
                return -EINVAL;
        strbuf_append_n(&l->buf, entry, size);
        return list_buf_done(l, old, WIRE_OBJECT_LIST);
}

/**
 * wire_block_entry_parse() - split a BLOCKS entry (an element of its list).
 * @data: the element (untrusted)
 * @size: its size
 * @name: receives the instance name, NUL-terminated
 * @ret_block: the data block (borrowed from @data; may be empty)
 * @ret_size: its size
 *
 * Return: 0, or -EBADMSG (too short, name too long, not UTF-8, a NUL in it).
 */
int wire_block_entry_parse(const void *data, size_t size, char name[WIRE_BLOCK_NAME_MAX],
                           const void **ret_block, size_t *ret_size) {
        size_t len;

        return wire_block_entry_parse_into(data, size, name, WIRE_BLOCK_NAME_MAX, &len, ret_block,
                                           ret_size);
}

/**
 * wire_block_entry_parse_into() - wire_block_entry_parse() into a name buffer
 * of @room bytes.
 * @data: the element (untrusted)
 * @size: its size
 * @name: receives the instance name, NUL-terminated
 * @room: the size of @name
 * @ret_len: the name's length (without the NUL)
 * @ret_block: the data block (borrowed from @data; may be empty)
 * @ret_size: its size
 *
 * Return: 0, or -EBADMSG (too short, name too long for WIRE_BLOCK_NAME_MAX or
 * @room, not UTF-8, a NUL in it).
 */
int wire_block_entry_parse_into(const void *data, size_t size, char *name, size_t room,
                                size_t *ret_len, const void **ret_block, size_t *ret_size) {
        const uint8_t *p = data;
        uint32_t len;

        if (!data || size < 4)
                return -EBADMSG;
        len = (uint32_t) get_le(p, 4);
        if (len >= WIRE_BLOCK_NAME_MAX || len >= room || len > size - 4 || memchr(p + 4, 0, len) ||
            !utf8_is_valid((const char *) p + 4, len))
                return -EBADMSG;
        memcpy(name, p + 4, len);
        name[len] = 0;
        *ret_len = len;
        *ret_block = p + 4 + len;
        *ret_size = size - 4 - len;
        return 0;
}

/**
 * wire_block_entry_name_is() - whether a BLOCKS entry's name is @name: a
 * reader that parsed one entry of an instance compares the next entries'
 * names with it (the events of one frame mostly come from one instance)
 * instead of checking and copying each again.
 * @data: the element (untrusted)
 * @size: its size
 * @name: a name wire_block_entry_parse_into() returned
 * @len: its length
 * @ret_block: with true, the data block (borrowed from @data)
 * @ret_size: with true, its size
 *
 * Return: true if the entry's name is @name byte for byte; false (nothing
 * set) otherwise, also for a malformed entry: parse it then.
 */
bool wire_block_entry_name_is(const void *data, size_t size, const char *name, size_t len,
                              const void **ret_block, size_t *ret_size) {
        const uint8_t *p = data;

        if (!data || size < 4 || get_le(p, 4) != len || len > size - 4 || memcmp(p + 4, name, len))
                return false;
        *ret_block = p + 4 + len;
        *ret_size = size - 4 - len;
        return true;
}

/**
 * wire_list_buf_add_data() - append one instance's answer to a data list.
 * @l: the builder
 * @instance_id: the instance
 * @status: 0 or the WBEM status of this instance
 * @needed: with WBEM_E_BUFFER_TOO_SMALL, the size the instance needs
 * @data: the data block (status 0)
 * @size: its size
 *
 * Return: 0, -EINVAL, -ENOMEM, -E2BIG.
 */
int wire_list_buf_add_data(WireListBuf *l, uint32_t instance_id, uint32_t status, uint32_t needed,
                           const void *data, size_t size) {
        size_t old = l->buf.len;

        if (size > UINT32_MAX || (size > 0 && !data))
                return -EINVAL;
        append_le(&l->buf, instance_id, 4);
        append_le(&l->buf, status, 4);
        append_le(&l->buf, needed, 4);
        append_le(&l->buf, size, 4);
        strbuf_append_n(&l->buf, data, size);
        return list_buf_done(l, old, WIRE_DATA_LIST);
}

/**
 * wire_list_buf_get() - the list built so far, for wire_msg_build().
 * @l: the builder
 *
 * Return: a list that borrows from @l until its next change.
 */
WireList wire_list_buf_get(const WireListBuf *l) {
        return (WireList){ .data = (const uint8_t *) l->buf.s,
                           .size = l->buf.len,
                           .count = l->count,
                           .checked = l->kind == '?' ? 0 : l->kind };
}

/* Iterators re-check every length: a WireList may come from anywhere. */
static int list_next(WireList *l, Cursor *c) {
        if (l->count == 0)
                return 0;
        *c = (Cursor){ .p = l->data, .left = l->size };
        return 1;
}

static void list_advance(WireList *l, const Cursor *c) {
        l->data = c->p;
        l->size = c->left;
        l->count--;
}

/**
 * wire_list_next_string() - take the next string of a string list.
 * @l: the list, advanced past the element
 * @ret: the string (borrowed, NUL-terminated)
 * @ret_len: its length, or NULL
 *
 * Return: 1 with an element, 0 at the end, -EBADMSG for a malformed list.
 */
int wire_list_next_string(WireList *l, const char **ret, size_t *ret_len) {
        Cursor c;
        size_t len;
        int r;

        if (!list_next(l, &c))
                return 0;
        r = cursor_string(&c, ret, &len);
        if (r < 0)
                return r;
        if (ret_len)
                *ret_len = len;
        list_advance(l, &c);
        return 1;
}

/**
 * wire_list_next_bytes() - take the next element of an object list.
 * @l: the list, advanced past the element
 * @ret: the element's bytes (borrowed)
 * @ret_size: their number
 *
 * Return: 1 with an element, 0 at the end, -EBADMSG for a malformed list.
 */
int wire_list_next_bytes(WireList *l, const void **ret, size_t *ret_size) {
        Cursor c;
        int r;

        if (!list_next(l, &c))
                return 0;
        r = cursor_bytes(&c, ret, ret_size);
        if (r < 0)
                return r;
        list_advance(l, &c);
        return 1;
}

/**
 * wire_list_next_event() - take the next event of an event list.
 * @l: the list, advanced past the element
 * @ret_guid: the event GUID
 * @ret_instance_id: the instance id
 * @ret_data: the event data (borrowed)
 * @ret_size: its size
 *
 * Return: 1 with an element, 0 at the end, -EBADMSG for a malformed list.
 */
int wire_list_next_event(WireList *l, lwmi_guid *ret_guid, uint32_t *ret_instance_id,
                         const void **ret_data, size_t *ret_size) {
        Cursor c;
        int r;

        if (!list_next(l, &c))
                return 0;
        r = cursor_event(&c, ret_guid, ret_instance_id, ret_data, ret_size);
        if (r < 0)
                return r;
        list_advance(l, &c);
        return 1;
}

/**
 * wire_list_next_data() - take the next element of a data list.
 * @l: the list, advanced past the element
 * @ret_instance_id: the instance id
 * @ret_status: its status
 * @ret_needed: the size it needs (with WBEM_E_BUFFER_TOO_SMALL)
 * @ret_data: the data block (borrowed)
 * @ret_size: its size
 *
 * Return: 1 with an element, 0 at the end, -EBADMSG for a malformed list.
 */
int wire_list_next_data(WireList *l, uint32_t *ret_instance_id, uint32_t *ret_status,
                        uint32_t *ret_needed, const void **ret_data, size_t *ret_size) {
        Cursor c;
        int r;

        if (!list_next(l, &c))
                return 0;
        r = cursor_data(&c, ret_instance_id, ret_status, ret_needed, ret_data, ret_size);
        if (r < 0)
                return r;
        list_advance(l, &c);
        return 1;
}

/* ---- frame reader ---- */

static uint32_t max_frame_effective(uint32_t m) {
        if (m == 0)
                return WIRE_FRAME_MAX_DEFAULT;
        return MIN(m, WIRE_FRAME_MAX_LIMIT);
}

/**
 * wire_reader_deinit() - free a reader's buffer.
 * @r: the reader
 */
void wire_reader_deinit(WireReader *r) {
        free(r->buf);
        r->buf = NULL;
        r->alloc = r->start = r->end = 0;
}

/**
 * wire_reader_reserve() - make room at the tail of the input buffer.
 * @r: the reader
 * @min: the room wanted, in bytes (at least 1)
 * @ret_ptr: where to read() into
 * @ret_avail: the room there, at least @min
 *
 * Compacts the consumed prefix away first, so frames returned earlier are
 * invalid afterwards. Follow with wire_reader_commit().
 *
 * Return: 0, -ENOMEM, -EINVAL.
 */
int wire_reader_reserve(WireReader *r, size_t min, void **ret_ptr, size_t *ret_avail) {
        size_t need;

        if (min == 0 || min > SIZE_MAX / 2)
                return -EINVAL;
        if (r->start == r->end) {
                r->start = r->end = 0;
        } else if (r->start > 0 && r->alloc - r->end < min) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->start = 0;
        }
        need = r->end + min;
        if (need > r->alloc && GROW(r->buf, r->alloc, need) < 0)
                return -ENOMEM;
        *ret_ptr = r->buf + r->end;
        *ret_avail = r->alloc - r->end;
        return 0;
}

/**
 * wire_reader_commit() - account bytes read into the reserved room.
 * @r: the reader
 * @n: bytes read, at most the room wire_reader_reserve() returned
 */
void wire_reader_commit(WireReader *r, size_t n) {
        r->end += MIN(n, r->alloc - r->end);
}

/**
 * wire_reader_feed() - copy bytes into the reader (reserve + memcpy + commit).
 * @r: the reader
 * @data: the bytes
 * @n: their number
 *
 * Return: 0, -ENOMEM.
 */
int wire_reader_feed(WireReader *r, const void *data, size_t n) {
        size_t avail;
        void *p;
        int k;

        if (n == 0)
                return 0;
        k = wire_reader_reserve(r, n, &p, &avail);
        if (k < 0)
                return k;
        memcpy(p, data, n);
        wire_reader_commit(r, n);
        return 0;
}

/**
 * wire_reader_next() - take the next complete frame from the buffer.
 * @r: the reader
 * @ret: the frame; its payload borrows from the reader until the next
 *       wire_reader_reserve() or wire_reader_feed()
 *
 * Return: 1 with a frame, 0 when more bytes are needed, -EMSGSIZE for a frame
 * over the reader's maximum, -EBADMSG for an unknown type or a reserved bit
 * set. After an error every call fails the same way: close the connection.
 */
int wire_reader_next(WireReader *r, WireFrame *ret) {
        size_t avail = r->end - r->start;
        const uint8_t *h;
        WireFrame f;

        if (r->broken)
                return -EBADMSG;
        if (avail < WIRE_HEADER_SIZE)
                return 0;
        h = r->buf + r->start;
        f = (WireFrame){
                .size = (uint32_t) get_le(h, 4),
                .type = (uint16_t) get_le(h + 4, 2),
                .flags = (uint16_t) get_le(h + 6, 2),
                .request_id = (uint32_t) get_le(h + 8, 4),
                .aux = (uint32_t) get_le(h + 12, 4),
                .payload = h + WIRE_HEADER_SIZE,
        };
        if (f.size > max_frame_effective(r->max_frame)) {
                r->broken = true;
                return -EMSGSIZE;
        }
        if (!wire_msg_signature(f.type) || f.flags != 0 || f.aux != 0) {
                r->broken = true;
                return -EBADMSG;
        }
        if (avail - WIRE_HEADER_SIZE < f.size)
                return 0;
        r->start += WIRE_HEADER_SIZE + f.size;
        *ret = f;
        return 1;
}

/**
 * wire_reader_buffered() - bytes received but not yet returned as frames.
 * @r: the reader
 *
 * Return: the count (a partial frame at end of stream means a truncated peer).
 */
size_t wire_reader_buffered(const WireReader *r) {
        return r->end - r->start;
}

/* ---- frame writer ---- */

/**
 * wire_writer_deinit() - free a writer's buffer, pending bytes included.
 * @w: the writer
 */
void wire_writer_deinit(WireWriter *w) {
        strbuf_deinit(&w->buf);
        w->start = 0;
}

/**
 * wire_writer_append() - append one frame (header and payload) to the output.
 * @w: the writer
 * @m: the message
 *
 * Nothing is appended on failure.
 *
 * Return: 0, -EMSGSIZE when the payload exceeds the writer's maximum frame,
 * or an error of wire_msg_encode().
 */
int wire_writer_append(WireWriter *w, const WireMsg *m) {
        static const char zero[WIRE_HEADER_SIZE];
        size_t old = w->buf.len, size;
        uint8_t h[WIRE_HEADER_SIZE];
        int r;

        strbuf_append_n(&w->buf, zero, WIRE_HEADER_SIZE);
        if (w->buf.oom)
                r = -ENOMEM;
        else
                r = wire_msg_encode(m, &w->buf);
        if (r < 0)
                goto fail;
        size = w->buf.len - old - WIRE_HEADER_SIZE;
        if (size > max_frame_effective(w->max_frame)) {
                r = -EMSGSIZE;
                goto fail;
        }
        put_le(h, size, 4);
        put_le(h + 4, m->type, 2);
        put_le(h + 6, 0, 2);
        put_le(h + 8, m->request_id, 4);
        put_le(h + 12, 0, 4);
        memcpy(w->buf.s + old, h, WIRE_HEADER_SIZE);
        return 0;
fail:
        /* a failed append must not poison the frames already queued */
        w->buf.oom = false;
        if (w->buf.s)
                strbuf_truncate(&w->buf, old);
        return r;
}

/**
 * wire_writer_pending() - bytes queued and not yet written.
 * @w: the writer
 *
 * Return: the count.
 */
size_t wire_writer_pending(const WireWriter *w) {
        return w->buf.len - w->start;
}

/**
 * wire_writer_data() - the first pending byte, for write().
 * @w: the writer
 *
 * Return: a pointer (borrowed) valid until the next append or advance.
 */
const void *wire_writer_data(const WireWriter *w) {
        return w->buf.s ? w->buf.s + w->start : "";
}

/**
 * wire_writer_advance() - drop bytes that were written.
 * @w: the writer
 * @n: how many, at most wire_writer_pending()
 */
void wire_writer_advance(WireWriter *w, size_t n) {
        w->start += MIN(n, wire_writer_pending(w));
        if (w->start == w->buf.len) {
                if (w->buf.s)
                        strbuf_truncate(&w->buf, 0);
                w->start = 0;
        } else if (w->start >= 65536 && w->start * 2 >= w->buf.len) {
                /* partial writes: compact once the dead prefix dominates */
                memmove(w->buf.s, w->buf.s + w->start, w->buf.len - w->start);
                strbuf_truncate(&w->buf, w->buf.len - w->start);
                w->start = 0;
        }
}

/**
 * wire_writer_send() - send pending output to a stream socket until it is
 * all gone or the socket would block; never blocks, never raises SIGPIPE.
 * This is the codec's one I/O helper: every peer flushes the same way.
 * @w: the writer
 * @fd: a non-blocking (or any) connected stream socket
 *
 * Return: the bytes sent (>= 0; wire_writer_pending() tells what remains), or
 * a negative errno from send() other than EAGAIN / EINTR.
 */
ssize_t wire_writer_send(WireWriter *w, int fd) {
        ssize_t total = 0;

        while (wire_writer_pending(w) > 0) {
                ssize_t n = send(fd, wire_writer_data(w), wire_writer_pending(w),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                wire_writer_advance(w, (size_t) n);
                total += n;
        }
        return total;
}

/* ---- handshake ---- */

/**
 * wire_hello_negotiate() - answer a peer's HELLO.
 * @hello: the decoded HELLO
 * @version_min: the lowest version we speak
 * @version_max: the highest version we speak
 * @max_frame: the largest frame we accept (0 means the default)
 * @ret_version: the version to use: the highest both sides speak
 * @ret_max_frame: the frame limit for the connection: the smaller of both
 *
 * Return: 0, -EBADMSG for a bad magic, an inverted version range, an unknown
 * role or a message that is not HELLO, -EPROTONOSUPPORT when no version is
 * common, -EMSGSIZE when the peer's max_frame is under WIRE_FRAME_MAX_FLOOR.
 */
int wire_hello_negotiate(const WireMsg *hello, uint16_t version_min, uint16_t version_max,
                         uint32_t max_frame, uint16_t *ret_version, uint32_t *ret_max_frame) {
        uint16_t vmin, vmax, lo, hi;
        uint32_t magic, peer_max;
        uint8_t role;

        if (hello->type != WIRE_MSG_HELLO ||
            wire_msg_read(hello, &magic, &vmin, &vmax, &role, &peer_max, NULL) < 0)
                return -EBADMSG;
        if (magic != WIRE_MAGIC || vmin > vmax || vmin == 0 ||
            (role != WIRE_ROLE_CLIENT && role != WIRE_ROLE_PROVIDER))
                return -EBADMSG;
        lo = MAX(vmin, version_min);
        hi = MIN(vmax, version_max);
        if (lo > hi)
                return -EPROTONOSUPPORT;
        if (peer_max < WIRE_FRAME_MAX_FLOOR)
                return -EMSGSIZE;
        *ret_version = hi;
        *ret_max_frame = MIN(peer_max, max_frame_effective(max_frame));
        return 0;
}
