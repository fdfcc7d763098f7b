/* SPDX-License-Identifier: MIT */
/*
 * Wire protocol codec: frames, the handshake and every message payload (no I/O).
 * Shared by wmid, libwmi and libwmiprov. docs/protocol.md is the specification.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lwmi/common.h>

#include "shared/strbuf.h"

/* "LWMI" read as a little-endian u32: the bytes 'L' 'W' 'M' 'I' on the wire. */
#define WIRE_MAGIC             UINT32_C(0x494d574c)
#define WIRE_VERSION_MIN       1 /* lowest protocol version this code speaks */
#define WIRE_VERSION_MAX       1 /* highest protocol version this code speaks */
#define WIRE_HEADER_SIZE       16
#define WIRE_FRAME_MAX_DEFAULT (UINT32_C(1) << 20)  /* 1 MiB of payload */
#define WIRE_FRAME_MAX_LIMIT   (UINT32_C(64) << 20) /* hard cap of any configuration */
#define WIRE_FRAME_MAX_FLOOR   (UINT32_C(4) << 10)  /* a peer may not ask for less */
#define WIRE_FIELDS_MAX        8

/* Roles announced in HELLO. */
enum {
        WIRE_ROLE_CLIENT = 1,
        WIRE_ROLE_PROVIDER = 2,
};

/*
 * Message types. Values are stable and grouped by direction (high byte); new
 * types are only ever appended to a group. docs/protocol.md lists every field.
 */
typedef enum WireMsgType {
        /* handshake, both directions */
        WIRE_MSG_HELLO = 0x0001,
        WIRE_MSG_HELLO_REPLY = 0x0002,
        /* client -> broker */
        WIRE_MSG_GET_OBJECT = 0x0101,
        WIRE_MSG_EXEC_QUERY = 0x0102,
        WIRE_MSG_GET_CLASS = 0x0103,
        WIRE_MSG_ENUM_CLASSES = 0x0104,
        WIRE_MSG_PUT_INSTANCE = 0x0105,
        WIRE_MSG_PUT_PROPERTY = 0x0106,
        WIRE_MSG_DELETE_INSTANCE = 0x0107,
        WIRE_MSG_EXEC_METHOD = 0x0108,
        WIRE_MSG_EXEC_NOTIFICATION_QUERY = 0x0109,
        WIRE_MSG_CANCEL = 0x010a,
        WIRE_MSG_BLOCK_OPEN = 0x010b,
        WIRE_MSG_BLOCK_CLOSE = 0x010c,
        /* broker -> client */
        WIRE_MSG_OBJECTS = 0x0201,
        WIRE_MSG_EVENTS = 0x0202,
        WIRE_MSG_STATUS = 0x0203,
        WIRE_MSG_CLASSES = 0x0204,
        WIRE_MSG_BLOCKS = 0x0205,
        WIRE_MSG_EVENT_BLOCKS = 0x0206,
        /* provider -> broker */
        WIRE_MSG_DEVICE_REGISTER = 0x0301,
        WIRE_MSG_PROVIDER_REGISTER = 0x0302,
        WIRE_MSG_INSTANCE_REGISTER = 0x0303,
        WIRE_MSG_INSTANCE_DEREGISTER = 0x0304,
        WIRE_MSG_FIRE_EVENT = 0x0305,
        WIRE_MSG_FIRE_EVENTS = 0x0306,
        WIRE_MSG_REPLY = 0x0307,
        WIRE_MSG_ALL_DATA = 0x0308,
        WIRE_MSG_EVENTS_DROPPED = 0x0309,
        /* broker -> provider */
        WIRE_MSG_QUERY_INSTANCE = 0x0401,
        WIRE_MSG_SET_INSTANCE = 0x0402,
        WIRE_MSG_SET_ITEM = 0x0403,
        WIRE_MSG_EXECUTE_METHOD = 0x0404,
        WIRE_MSG_FUNCTION_CONTROL = 0x0405,
        WIRE_MSG_QUERY_ALL_DATA = 0x0406,
} WireMsgType;

/*
 * Field kinds, one character each; a message's signature is the string of its
 * field kinds in order (see wire_msg_signature()).
 */
enum {
        WIRE_U8 = '1',
        WIRE_U16 = '2',
        WIRE_U32 = '4',
        WIRE_U64 = '8',
        WIRE_I64 = 'i',
        WIRE_STRING = 's',      /* u32 length, UTF-8 bytes without NUL, one NUL byte */
        WIRE_BYTES = 'b',       /* u32 length, bytes */
        WIRE_GUID = 'g',        /* 16 bytes, Windows GUID layout, little endian */
        WIRE_OBJECT = 'o',      /* u32 length, cim_object_encode() bytes (opaque here) */
        WIRE_STRING_LIST = 'S', /* u32 count, count strings */
        WIRE_OBJECT_LIST = 'O', /* u32 count, count objects */
        WIRE_EVENT_LIST = 'E',  /* u32 count, count {guid, u32 instance id, bytes} */
        WIRE_DATA_LIST =
                'D', /* u32 count, count {u32 instance id, u32 status, u32 needed, bytes} */
};

/* One decoded frame header plus its payload (borrowed from the reader's buffer). */
typedef struct WireFrame {
        uint16_t type;
        uint16_t flags;
        uint32_t request_id;
        uint32_t aux;
        const uint8_t *payload;
        uint32_t size;
} WireFrame;

/*
 * A list field: count elements in their wire form at data (size bytes, the
 * count prefix excluded). Iterate with wire_list_next_*(), which consume it.
 */
typedef struct WireList {
        const uint8_t *data;
        size_t size;
        uint32_t count;
        /*
         * The list kind (WIRE_*_LIST) the elements are known well-formed as:
         * set by the decoder, which walked them, and by wire_list_buf_get()
         * for a builder's list (well-formed by construction); 0 for a list
         * made by hand. The encoder walks only lists not known for its kind.
         */
        char checked;
} WireList;

/* One field; which member is used follows kind. */
typedef struct WireField {
        char kind;
        union {
                uint64_t u; /* u8, u16, u32, u64 */
                int64_t i;  /* i64 */
                lwmi_guid guid;
                struct {
                        const char *str; /* NUL-terminated, valid UTF-8 */
                        size_t len;
                } s;
                struct {
                        const void *data; /* bytes and object; NULL allowed when size 0 */
                        size_t size;
                } b;
                WireList list;
        };
} WireField;

/*
 * A message: header values plus fields. Decoded messages borrow every string,
 * byte range and list from the payload they were decoded from.
 */
typedef struct WireMsg {
        uint16_t type;
        uint32_t request_id;
        size_t n_fields;
        WireField fields[WIRE_FIELDS_MAX];
} WireMsg;

/* Builds list fields for encoding. */
typedef struct WireListBuf {
        StrBuf buf;
        uint32_t count;
        char kind; /* of the elements added: a WIRE_*_LIST, or '?' when mixed */
} WireListBuf;

#define WIRE_LIST_BUF_INIT \
 { .buf = STRBUF_INIT, .count = 0, .kind = 0 }

/* Incremental frame reader over a growable input buffer. */
typedef struct WireReader {
        uint8_t *buf;
        size_t alloc;
        size_t start; /* first byte not yet returned as a frame */
        size_t end;   /* end of the valid bytes */
        uint32_t max_frame;
        bool broken; /* a framing violation was seen; the connection must close */
} WireReader;

#define WIRE_READER_INIT(m) \
 { .buf = NULL, .alloc = 0, .start = 0, .end = 0, .max_frame = (m), .broken = false }

/* Output buffer: frames are appended; the pending bytes go out with one write(). */
typedef struct WireWriter {
        StrBuf buf;
        size_t start; /* bytes before start were written already */
        uint32_t max_frame;
} WireWriter;

#define WIRE_WRITER_INIT(m) \
 { .buf = STRBUF_INIT, .start = 0, .max_frame = (m) }

const char *wire_msg_signature(uint16_t type);
const char *wire_msg_type_to_string(uint16_t type);

int wire_msg_build(WireMsg *m, uint16_t type, uint32_t request_id, ...);
int wire_msg_buildv(WireMsg *m, uint16_t type, uint32_t request_id, va_list ap);
int wire_msg_read(const WireMsg *m, ...);
int wire_msg_encode(const WireMsg *m, StrBuf *out);
int wire_msg_decode(uint16_t type, uint32_t request_id, const void *payload, size_t size,
                    WireMsg *ret);
int wire_msg_decode_frame(const WireFrame *f, WireMsg *ret);

void wire_list_buf_deinit(WireListBuf *l);
int wire_list_buf_add_string(WireListBuf *l, const char *s);
int wire_list_buf_add_bytes(WireListBuf *l, const void *data, size_t size);
int wire_list_buf_add_event(WireListBuf *l, const lwmi_guid *guid, uint32_t instance_id,
                            const void *data, size_t size);
WireList wire_list_buf_get(const WireListBuf *l);
int wire_list_next_string(WireList *l, const char **ret, size_t *ret_len);
int wire_list_next_bytes(WireList *l, const void **ret, size_t *ret_size);
/* BLOCKS entries (an O list element): u32 name length, the name, the data block. */
#define WIRE_BLOCK_NAME_MAX 1024 /* name buffer of wire_block_entry_parse(), NUL included */
int wire_list_buf_add_block_entry(WireListBuf *l, const char *name, const void *block, size_t size);
/* An EVENT_BLOCKS entry: the name, then TIME_CREATED (u64) and the block, in one append. */
int wire_list_buf_add_timed_block_entry(WireListBuf *l, const char *name, size_t len, uint64_t time,
                                        const void *block, size_t size);
/* The same entry, its element length first, appended to @out: encoded once for many lists. */
int wire_timed_block_entry_encode(StrBuf *out, const char *name, size_t len, uint64_t time,
                                  const void *block, size_t size);
/* Appends an element encoded with its length (wire_timed_block_entry_encode()). */
int wire_list_buf_add_encoded(WireListBuf *l, const void *entry, size_t size);
int wire_block_entry_parse(const void *data, size_t size, char name[WIRE_BLOCK_NAME_MAX],
                           const void **ret_block, size_t *ret_size);
/* The same into a name buffer of @room bytes; *ret_len: the name's length. */
int wire_block_entry_parse_into(const void *data, size_t size, char *name, size_t room,
                                size_t *ret_len, const void **ret_block, size_t *ret_size);
/* Whether the entry's name is @name (already checked): then its block, nothing copied. */
bool wire_block_entry_name_is(const void *data, size_t size, const char *name, size_t len,
                              const void **ret_block, size_t *ret_size);
int wire_list_buf_add_data(WireListBuf *l, uint32_t instance_id, uint32_t status, uint32_t needed,
                           const void *data, size_t size);
int wire_list_next_data(WireList *l, uint32_t *ret_instance_id, uint32_t *ret_status,
                        uint32_t *ret_needed, const void **ret_data, size_t *ret_size);
int wire_list_next_event(WireList *l, lwmi_guid *ret_guid, uint32_t *ret_instance_id,
                         const void **ret_data, size_t *ret_size);

void wire_reader_deinit(WireReader *r);
int wire_reader_reserve(WireReader *r, size_t min, void **ret_ptr, size_t *ret_avail);
void wire_reader_commit(WireReader *r, size_t n);
int wire_reader_feed(WireReader *r, const void *data, size_t n);
int wire_reader_next(WireReader *r, WireFrame *ret);
size_t wire_reader_buffered(const WireReader *r);

void wire_writer_deinit(WireWriter *w);
int wire_writer_append(WireWriter *w, const WireMsg *m);
size_t wire_writer_pending(const WireWriter *w);
const void *wire_writer_data(const WireWriter *w);
void wire_writer_advance(WireWriter *w, size_t n);
ssize_t wire_writer_send(WireWriter *w, int fd);

int wire_hello_negotiate(const WireMsg *hello, uint16_t version_min, uint16_t version_max,
                         uint32_t max_frame, uint16_t *ret_version, uint32_t *ret_max_frame);

static inline void wire_reader_deinitp(WireReader *r) {
        wire_reader_deinit(r);
}
static inline void wire_writer_deinitp(WireWriter *w) {
        wire_writer_deinit(w);
}
static inline void wire_list_buf_deinitp(WireListBuf *l) {
        wire_list_buf_deinit(l);
}
