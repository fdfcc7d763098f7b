/* SPDX-License-Identifier: MIT */
/* Unit tests for the wire codec: frames, messages, lists and the handshake. */
#include <stdint.h>
#include <string.h>

#include "shared/test.h"
#include "wire/wire.h"

static const lwmi_guid test_guid = {
        0x12345678, 0x9abc, 0xdef0, { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 }
};

static size_t all_types(uint16_t *out, size_t max) {
        size_t n = 0;

        for (unsigned t = 0; t <= 0xffff; t++)
                if (wire_msg_signature((uint16_t) t) && n < max)
                        out[n++] = (uint16_t) t;
        return n;
}

/* Fills every field of a message of the given type with values derived from seed. */
static void fill_msg(WireMsg *m, uint16_t type, unsigned seed, WireListBuf *lists) {
        static const char *const strings[] = { "root\\wmi", "Sample_Block.InstanceName=\"a\"", "",
                                               "h\xc3\xa9llo \xe2\x82\xac" };
        static const uint8_t bytes[] = { 0, 1, 2, 0xff, 0x80, 0 };
        const char *sig = wire_msg_signature(type);

        ASSERT_NOT_NULL(sig);
        *m = (WireMsg){ .type = type, .request_id = 1000 + seed };
        for (size_t i = 0; sig[i]; i++) {
                WireField *f = &m->fields[m->n_fields++];
                unsigned v = seed * 31 + (unsigned) i;

                f->kind = sig[i];
                switch (f->kind) {
                case WIRE_U8:
                        f->u = v & 0xff;
                        break;
                case WIRE_U16:
                        f->u = v & 0xffff;
                        break;
                case WIRE_U32:
                        f->u = v * 2654435761u;
                        break;
                case WIRE_U64:
                        f->u = (uint64_t) v << 40 | 0xabcdef;
                        break;
                case WIRE_I64:
                        f->i = -(int64_t) v;
                        break;
                case WIRE_STRING:
                        f->s.str = strings[v % ELEMENTSOF(strings)];
                        f->s.len = strlen(f->s.str);
                        break;
                case WIRE_BYTES:
                case WIRE_OBJECT:
                        f->b.data = bytes;
                        f->b.size = v % (sizeof(bytes) + 1);
                        break;
                case WIRE_GUID:
                        f->guid = test_guid;
                        f->guid.data1 += v;
                        break;
                default:
                        for (unsigned k = 0; k < v % 4; k++) {
                                if (f->kind == WIRE_STRING_LIST)
                                        ASSERT_OK(wire_list_buf_add_string(lists, strings[k]));
                                else if (f->kind == WIRE_OBJECT_LIST)
                                        ASSERT_OK(wire_list_buf_add_bytes(lists, bytes, k));
                                else if (f->kind == WIRE_DATA_LIST)
                                        ASSERT_OK(wire_list_buf_add_data(lists, k, k * 7u, k * 3u,
                                                                         bytes, k + 2));
                                else
                                        ASSERT_OK(wire_list_buf_add_event(lists, &test_guid, k,
                                                                          bytes, k + 1));
                        }
                        f->list = wire_list_buf_get(lists);
                        break;
                }
        }
}

static bool field_eq(const WireField *a, const WireField *b) {
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case WIRE_STRING:
                return a->s.len == b->s.len && strcmp(a->s.str, b->s.str) == 0;
        case WIRE_BYTES:
        case WIRE_OBJECT:
                return a->b.size == b->b.size &&
                       (a->b.size == 0 || memcmp(a->b.data, b->b.data, a->b.size) == 0);
        case WIRE_GUID:
                return lwmi_guid_equal(&a->guid, &b->guid);
        case WIRE_STRING_LIST:
        case WIRE_OBJECT_LIST:
        case WIRE_EVENT_LIST:
        case WIRE_DATA_LIST:
                return a->list.count == b->list.count && a->list.size == b->list.size &&
                       (a->list.size == 0 || memcmp(a->list.data, b->list.data, a->list.size) == 0);
        default:
                return a->u == b->u;
        }
}

TEST(roundtrip_every_type) {
        uint16_t types[256];
        size_t n = all_types(types, ELEMENTSOF(types));

        ASSERT_EQ(n, 35);
        for (size_t t = 0; t < n; t++) {
                for (unsigned seed = 0; seed < 8; seed++) {
                        _cleanup_(wire_list_buf_deinitp) WireListBuf l = WIRE_LIST_BUF_INIT;
                        _cleanup_strbuf_ StrBuf a = STRBUF_INIT, b = STRBUF_INIT;
                        WireMsg m, d;

                        fill_msg(&m, types[t], seed, &l);
                        ASSERT_OK(wire_msg_encode(&m, &a));
                        ASSERT_OK(wire_msg_decode(types[t], m.request_id, a.s, a.len, &d));
                        ASSERT_EQ(d.type, m.type);
                        ASSERT_EQ(d.request_id, m.request_id);
                        ASSERT_EQ(d.n_fields, m.n_fields);
                        for (size_t i = 0; i < m.n_fields; i++)
                                ASSERT_TRUE(field_eq(&m.fields[i], &d.fields[i]));
                        ASSERT_OK(wire_msg_encode(&d, &b));
                        ASSERT_EQ(a.len, b.len);
                        ASSERT_EQ(memcmp(a.s, b.s, a.len), 0);
                        ASSERT_NOT_NULL(wire_msg_type_to_string(types[t]));
                }
        }
}

TEST(build_and_read) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const char *ns, *wql;
        uint32_t flags, qmax, qbytes;
        WireMsg m, d;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXEC_NOTIFICATION_QUERY, 42, "root\\wmi",
                                 "SELECT * FROM Sample_Event", 100u, 65536u));
        ASSERT_OK(wire_msg_encode(&m, &b));
        ASSERT_OK(wire_msg_decode(WIRE_MSG_EXEC_NOTIFICATION_QUERY, 42, b.s, b.len, &d));
        ASSERT_OK(wire_msg_read(&d, &ns, &wql, &qmax, &qbytes));
        ASSERT_STREQ(ns, "root\\wmi");
        ASSERT_STREQ(wql, "SELECT * FROM Sample_Event");
        ASSERT_EQ(qmax, 100);
        ASSERT_EQ(qbytes, 65536);

        /* guid, u32 x2, bytes, callers: EXECUTE_METHOD */
        strbuf_truncate(&b, 0);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_EXECUTE_METHOD, 7, &test_guid, 3u, 9u, "in",
                                 (size_t) 2, 512u, 1000u, 100u, 4242u));
        ASSERT_OK(wire_msg_encode(&m, &b));
        ASSERT_OK(wire_msg_decode(WIRE_MSG_EXECUTE_METHOD, 7, b.s, b.len, &d));
        {
                lwmi_guid g;
                uint32_t inst, method, out_size, uid, gid, pid;
                const void *in;
                size_t in_size;

                ASSERT_OK(wire_msg_read(&d, &g, &inst, &method, &in, &in_size, &out_size, &uid,
                                        &gid, &pid));
                ASSERT_TRUE(lwmi_guid_equal(&g, &test_guid));
                ASSERT_EQ(inst, 3);
                ASSERT_EQ(method, 9);
                ASSERT_EQ(in_size, 2);
                ASSERT_EQ(memcmp(in, "in", 2), 0);
                ASSERT_EQ(out_size, 512);
                ASSERT_EQ(pid, 4242);
                ASSERT_OK(
                        wire_msg_read(&d, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &flags));
                ASSERT_EQ(flags, 4242);
        }

        /* FUNCTION_CONTROL: u8 and u64 */
        strbuf_truncate(&b, 0);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FUNCTION_CONTROL, 0, &test_guid, 1u, 1u,
                                 UINT64_C(0x1122334455667788)));
        ASSERT_OK(wire_msg_encode(&m, &b));
        ASSERT_EQ(b.len, 16 + 4 + 1 + 8);
        ASSERT_OK(wire_msg_decode(WIRE_MSG_FUNCTION_CONTROL, 0, b.s, b.len, &d));
        {
                uint64_t handle;
                uint8_t enable;

                ASSERT_OK(wire_msg_read(&d, NULL, NULL, &enable, &handle));
                ASSERT_EQ(enable, 1);
                ASSERT_UEQ(handle, UINT64_C(0x1122334455667788));
        }
}

TEST(encode_rejects_bad_fields) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_ENUM_CLASSES, 1, "root", "", 256u));
        ASSERT_ERRNO(wire_msg_encode(&m, &b), ERANGE);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_OBJECT, 1, "root", "bad \xff"));
        ASSERT_ERRNO(wire_msg_encode(&m, &b), EINVAL);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_GET_OBJECT, 1, "root", "x"));
        m.fields[1].kind = WIRE_BYTES;
        ASSERT_ERRNO(wire_msg_encode(&m, &b), EINVAL);
        m.fields[1].kind = WIRE_STRING;
        m.n_fields = 1;
        ASSERT_ERRNO(wire_msg_encode(&m, &b), EINVAL);
        m.type = 0x7777;
        ASSERT_ERRNO(wire_msg_encode(&m, &b), EPROTO);
        ASSERT_ERRNO(wire_msg_build(&m, 0x7777, 1), EPROTO);
        ASSERT_ERRNO(wire_msg_build(&m, WIRE_MSG_INSTANCE_DEREGISTER, 1, NULL, 1u), EINVAL);
        /* a list whose body disagrees with its count */
        {
                WireList bogus = { .data = (const uint8_t *) "\1\0\0\0x", .size = 5, .count = 2 };

                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_OBJECTS, 1, &bogus));
                ASSERT_ERRNO(wire_msg_encode(&m, &b), EINVAL);
        }
        ASSERT_EQ(b.len, 0);
}

TEST(lists) {
        _cleanup_(wire_list_buf_deinitp) WireListBuf ev = WIRE_LIST_BUF_INIT;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        WireList l, got;
        WireMsg m, d;
        const void *data;
        lwmi_guid g;
        uint32_t id;
        size_t size;

        for (uint32_t i = 0; i < 50; i++)
                ASSERT_OK(wire_list_buf_add_event(&ev, &test_guid, i, &i, sizeof(i)));
        l = wire_list_buf_get(&ev);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_FIRE_EVENTS, 0, &l));
        ASSERT_OK(wire_msg_encode(&m, &b));
        ASSERT_OK(wire_msg_decode(WIRE_MSG_FIRE_EVENTS, 0, b.s, b.len, &d));
        ASSERT_OK(wire_msg_read(&d, &got));
        ASSERT_EQ(got.count, 50);
        for (uint32_t i = 0; i < 50; i++) {
                uint32_t v;

                ASSERT_EQ(wire_list_next_event(&got, &g, &id, &data, &size), 1);
                ASSERT_TRUE(lwmi_guid_equal(&g, &test_guid));
                ASSERT_EQ(id, i);
                ASSERT_EQ(size, 4);
                memcpy(&v, data, 4);
                ASSERT_EQ(v, i);
        }
        ASSERT_EQ(wire_list_next_event(&got, &g, &id, &data, &size), 0);
        ASSERT_EQ(got.size, 0);

        /* BLOCKS entries: built and parsed back; malformed ones refused */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf bl = WIRE_LIST_BUF_INIT;
                char name[WIRE_BLOCK_NAME_MAX], longname[WIRE_BLOCK_NAME_MAX + 1];
                static const uint8_t blk[3] = { 1, 2, 3 };
                const void *bp;
                size_t bs;

                ASSERT_OK(wire_list_buf_add_block_entry(&bl, "dev_0", blk, sizeof(blk)));
                ASSERT_OK(wire_list_buf_add_block_entry(&bl, "", NULL, 0));
                memset(longname, 'x', sizeof(longname) - 1);
                longname[sizeof(longname) - 1] = 0;
                ASSERT_ERRNO(wire_list_buf_add_block_entry(&bl, longname, blk, 1), EINVAL);
                ASSERT_ERRNO(wire_list_buf_add_block_entry(&bl, "\xc3", blk, 1), EINVAL);
                got = wire_list_buf_get(&bl);
                ASSERT_EQ(got.count, 2);
                ASSERT_EQ(wire_list_next_bytes(&got, &data, &size), 1);
                ASSERT_OK(wire_block_entry_parse(data, size, name, &bp, &bs));
                ASSERT_STREQ(name, "dev_0");
                ASSERT_EQ(bs, 3);
                ASSERT_EQ(memcmp(bp, blk, 3), 0);
                ASSERT_EQ(wire_list_next_bytes(&got, &data, &size), 1);
                ASSERT_OK(wire_block_entry_parse(data, size, name, &bp, &bs));
                ASSERT_STREQ(name, "");
                ASSERT_EQ(bs, 0);
                /* too short, name past the end, a NUL in the name */
                ASSERT_ERRNO(wire_block_entry_parse("\3\0\0", 3, name, &bp, &bs), EBADMSG);
                ASSERT_ERRNO(wire_block_entry_parse("\x09\0\0\0ab", 6, name, &bp, &bs), EBADMSG);
                ASSERT_ERRNO(wire_block_entry_parse("\2\0\0\0a\0", 6, name, &bp, &bs), EBADMSG);
        }

        /* EVENT_BLOCKS entries: the block parsed back is TIME_CREATED (u64) + the data */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf bl = WIRE_LIST_BUF_INIT;
                char name[WIRE_BLOCK_NAME_MAX];
                static const uint8_t blk[5] = { 9, 8, 7, 6, 5 };
                const uint8_t *bp;
                size_t bs;
                uint64_t t = 0;

                ASSERT_OK(wire_list_buf_add_timed_block_entry(&bl, "ev_1", 4, 0x0102030405060708ULL,
                                                              blk, sizeof(blk)));
                ASSERT_OK(wire_list_buf_add_timed_block_entry(&bl, "", 0, 7, NULL, 0));
                ASSERT_ERRNO(wire_list_buf_add_timed_block_entry(&bl, "\xc3", 1, 7, blk, 1),
                             EINVAL);
                got = wire_list_buf_get(&bl);
                ASSERT_EQ(got.count, 2);
                ASSERT_EQ(wire_list_next_bytes(&got, &data, &size), 1);
                ASSERT_OK(wire_block_entry_parse(data, size, name, (const void **) &bp, &bs));
                ASSERT_STREQ(name, "ev_1");
                ASSERT_EQ(bs, 8 + sizeof(blk));
                for (size_t i = 0; i < 8; i++)
                        t |= (uint64_t) bp[i] << (8 * i);
                ASSERT_UEQ(t, 0x0102030405060708ULL);
                ASSERT_EQ(memcmp(bp + 8, blk, sizeof(blk)), 0);
                /* the same name again: the block without a copy; another: false */
                {
                        const void *bp2;
                        size_t bs2;

                        ASSERT_TRUE(wire_block_entry_name_is(data, size, "ev_1", 4, &bp2, &bs2));
                        ASSERT_TRUE(bp2 == bp);
                        ASSERT_EQ(bs2, bs);
                        ASSERT_FALSE(wire_block_entry_name_is(data, size, "ev_2", 4, &bp2, &bs2));
                        ASSERT_FALSE(wire_block_entry_name_is(data, size, "ev_", 3, &bp2, &bs2));
                        ASSERT_FALSE(wire_block_entry_name_is(data, 7, "ev_1", 4, &bp2, &bs2));
                        ASSERT_FALSE(wire_block_entry_name_is(data, 3, "", 0, &bp2, &bs2));
                }
                ASSERT_EQ(wire_list_next_bytes(&got, &data, &size), 1);
                ASSERT_OK(wire_block_entry_parse(data, size, name, (const void **) &bp, &bs));
                ASSERT_STREQ(name, "");
                ASSERT_EQ(bs, 8);
        }

        /* an entry encoded once, added to several lists: the same bytes as built in place */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf la_buf = WIRE_LIST_BUF_INIT,
                                                             lb_buf = WIRE_LIST_BUF_INIT;
                _cleanup_strbuf_ StrBuf e = STRBUF_INIT;
                static const uint8_t blk[64] = { 1, 2, 3 };
                WireList la, lb;

                ASSERT_OK(wire_list_buf_add_timed_block_entry(&la_buf, "dev_0", 5, 42, blk,
                                                              sizeof(blk)));
                ASSERT_OK(wire_list_buf_add_timed_block_entry(&la_buf, "dev_0", 5, 42, blk,
                                                              sizeof(blk)));
                ASSERT_OK(wire_timed_block_entry_encode(&e, "dev_0", 5, 42, blk, sizeof(blk)));
                ASSERT_EQ(e.len, 4 + 4 + 5 + 8 + sizeof(blk));
                ASSERT_OK(wire_list_buf_add_encoded(&lb_buf, e.s, e.len));
                ASSERT_OK(wire_list_buf_add_encoded(&lb_buf, e.s, e.len));
                la = wire_list_buf_get(&la_buf);
                lb = wire_list_buf_get(&lb_buf);
                ASSERT_EQ(la.count, 2);
                ASSERT_EQ(lb.count, 2);
                ASSERT_EQ(la_buf.buf.len, lb_buf.buf.len);
                ASSERT_EQ(memcmp(la_buf.buf.s, lb_buf.buf.s, la_buf.buf.len), 0);
                /* the same checks as the in-place builder; a length that does not match */
                ASSERT_ERRNO(wire_timed_block_entry_encode(&e, "\xc3", 1, 7, blk, 1), EINVAL);
                ASSERT_ERRNO(wire_list_buf_add_encoded(&lb_buf, e.s, e.len - 1), EINVAL);
                ASSERT_ERRNO(wire_list_buf_add_encoded(&lb_buf, e.s, 3), EINVAL);
                ASSERT_EQ(lb_buf.count, 2);
        }

        /* data list (ALL_DATA): id, status, size needed, bytes */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf dl = WIRE_LIST_BUF_INIT;
                _cleanup_strbuf_ StrBuf db = STRBUF_INIT;
                uint32_t st, need;
                uint8_t fin;

                for (uint32_t i = 0; i < 20; i++)
                        ASSERT_OK(wire_list_buf_add_data(&dl, 100 + i, i % 3 ? 0 : 0x8004103cu,
                                                         i % 3 ? 0 : 64 + i, &i, i % 3 ? 4 : 0));
                l = wire_list_buf_get(&dl);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_ALL_DATA, 7, (unsigned) 1, &l));
                ASSERT_OK(wire_msg_encode(&m, &db));
                ASSERT_OK(wire_msg_decode(WIRE_MSG_ALL_DATA, 7, db.s, db.len, &d));
                ASSERT_OK(wire_msg_read(&d, &fin, &got));
                ASSERT_EQ(fin, 1);
                ASSERT_EQ(got.count, 20);
                for (uint32_t i = 0; i < 20; i++) {
                        ASSERT_EQ(wire_list_next_data(&got, &id, &st, &need, &data, &size), 1);
                        ASSERT_EQ(id, 100 + i);
                        ASSERT_EQ(st, i % 3 ? 0 : 0x8004103cu);
                        ASSERT_EQ(need, i % 3 ? 0 : 64 + i);
                        ASSERT_EQ(size, i % 3 ? 4 : 0);
                }
                ASSERT_EQ(wire_list_next_data(&got, &id, &st, &need, &data, &size), 0);
                /* a count above what the bytes can hold is refused before any loop */
                db.s[db.len - l.size - 1] = 0x7f;
                ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_ALL_DATA, 7, db.s, db.len, &d), EBADMSG);
        }

        /* string list iteration */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf sl = WIRE_LIST_BUF_INIT;
                const char *s;
                size_t len;

                ASSERT_OK(wire_list_buf_add_string(&sl, "a"));
                ASSERT_OK(wire_list_buf_add_string(&sl, ""));
                ASSERT_ERRNO(wire_list_buf_add_string(&sl, "\xc3"), EINVAL);
                l = wire_list_buf_get(&sl);
                ASSERT_EQ(l.count, 2);
                ASSERT_EQ(wire_list_next_string(&l, &s, &len), 1);
                ASSERT_STREQ(s, "a");
                ASSERT_EQ(wire_list_next_string(&l, &s, &len), 1);
                ASSERT_STREQ(s, "");
                ASSERT_EQ(len, 0);
                ASSERT_EQ(wire_list_next_string(&l, &s, NULL), 0);
        }

        /* a hand-made list that lies about its count fails iteration */
        l = (WireList){ .data = (const uint8_t *) "\11\0\0\0", .size = 4, .count = 1 };
        ASSERT_ERRNO(wire_list_next_bytes(&l, &data, &size), EBADMSG);
        /* ... and the encoder, which walks a list not known well-formed for its kind */
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_OBJECTS, 1, &l));
        b.len = 0;
        ASSERT_ERRNO(wire_msg_encode(&m, &b), EINVAL);

        /* which lists the encoder trusts: a builder's of one kind, a decoded one */
        {
                _cleanup_(wire_list_buf_deinitp) WireListBuf ol = WIRE_LIST_BUF_INIT,
                                                             mixed = WIRE_LIST_BUF_INIT;
                _cleanup_strbuf_ StrBuf enc = STRBUF_INIT;
                WireMsg dm;
                WireList back;

                ASSERT_OK(wire_list_buf_add_bytes(&ol, "x", 1));
                ASSERT_OK(wire_list_buf_add_timed_block_entry(&ol, "n", 1, 5, "y", 1));
                l = wire_list_buf_get(&ol);
                ASSERT_EQ(l.checked, WIRE_OBJECT_LIST);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_OBJECTS, 1, &l));
                ASSERT_OK(wire_msg_encode(&m, &enc));
                ASSERT_OK(wire_msg_decode(WIRE_MSG_OBJECTS, 1, enc.s, enc.len, &dm));
                ASSERT_OK(wire_msg_read(&dm, &back));
                ASSERT_EQ(back.checked, WIRE_OBJECT_LIST);
                ASSERT_EQ(back.count, 2);
                /* strings and bytes in one builder: not trusted as either */
                ASSERT_OK(wire_list_buf_add_string(&mixed, "s"));
                ASSERT_EQ(wire_list_buf_get(&mixed).checked, WIRE_STRING_LIST);
                ASSERT_OK(wire_list_buf_add_bytes(&mixed, "\xff", 1));
                l = wire_list_buf_get(&mixed);
                ASSERT_EQ(l.checked, 0);
                ASSERT_OK(wire_msg_build(&m, WIRE_MSG_OBJECTS, 1, &l));
                /* walked, and refused: a string element is not an O element */
                ASSERT_ERRNO(wire_msg_encode(&m, &enc), EINVAL);
        }
}

/* Payload of OBJECTS with count 0xffffffff: refused before any loop. */
TEST(huge_counts) {
        static const uint8_t p[] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
        static const uint8_t s[] = { 0xff, 0xff, 0xff, 0xff };
        WireMsg d;

        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_OBJECTS, 0, p, sizeof(p), &d), EBADMSG);
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_CANCEL, 0, s, 3, &d), EBADMSG);
        /* a string length of 0xffffffff */
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_STATUS, 0, p, sizeof(p), &d), EBADMSG);
        ASSERT_ERRNO(wire_msg_decode(0x0300, 0, p, sizeof(p), &d), EPROTO);
}

TEST(truncated_at_every_length) {
        uint16_t types[256];
        size_t n = all_types(types, ELEMENTSOF(types));

        for (size_t t = 0; t < n; t++) {
                _cleanup_(wire_list_buf_deinitp) WireListBuf l = WIRE_LIST_BUF_INIT;
                _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
                WireMsg m, d;

                fill_msg(&m, types[t], 3, &l);
                ASSERT_OK(wire_msg_encode(&m, &a));
                for (size_t k = 0; k < a.len; k++) {
                        /* copy so that ASan sees reads past the prefix */
                        uint8_t *p = malloc(k + 1);

                        ASSERT_NOT_NULL(p);
                        memcpy(p, a.s, k);
                        ASSERT_ERRNO(wire_msg_decode(types[t], 0, p, k, &d), EBADMSG);
                        free(p);
                }
                /* one trailing byte */
                strbuf_append_c(&a, 0);
                ASSERT_ERRNO(wire_msg_decode(types[t], 0, a.s, a.len, &d), EBADMSG);
        }
}

TEST(bad_strings) {
        WireMsg d;
        /* STATUS: u32 status, string */
        static const uint8_t ok[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'o', 'k', 0 };
        static const uint8_t bad_utf8[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'o', 0xff, 0 };
        static const uint8_t overlong[] = { 1, 0, 0, 0, 2, 0, 0, 0, 0xc0, 0xaf, 0 };
        static const uint8_t nul_inside[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'o', 0, 0 };
        static const uint8_t no_term[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'o', 'k', 'x' };
        const char *msg;
        uint32_t st;

        ASSERT_OK(wire_msg_decode(WIRE_MSG_STATUS, 0, ok, sizeof(ok), &d));
        ASSERT_OK(wire_msg_read(&d, &st, &msg));
        ASSERT_EQ(st, 1);
        ASSERT_STREQ(msg, "ok");
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_STATUS, 0, bad_utf8, sizeof(ok), &d), EBADMSG);
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_STATUS, 0, overlong, sizeof(ok), &d), EBADMSG);
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_STATUS, 0, nul_inside, sizeof(ok), &d), EBADMSG);
        ASSERT_ERRNO(wire_msg_decode(WIRE_MSG_STATUS, 0, no_term, sizeof(ok), &d), EBADMSG);
}

static void append_status(WireWriter *w, uint32_t id) {
        WireMsg m;

        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_STATUS, id, id * 3, id % 2 ? "odd" : ""));
        ASSERT_OK(wire_writer_append(w, &m));
}

static void expect_status(const WireFrame *f, uint32_t id) {
        const char *s;
        uint32_t st;
        WireMsg m;

        ASSERT_EQ(f->type, WIRE_MSG_STATUS);
        ASSERT_EQ(f->request_id, id);
        ASSERT_OK(wire_msg_decode_frame(f, &m));
        ASSERT_OK(wire_msg_read(&m, &st, &s));
        ASSERT_EQ(st, id * 3);
        ASSERT_STREQ(s, id % 2 ? "odd" : "");
}

TEST(many_frames_one_buffer) {
        _cleanup_(wire_writer_deinitp) WireWriter w = WIRE_WRITER_INIT(0);
        _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);
        WireFrame f;
        uint32_t id = 0;
        size_t avail;
        void *p;
        int k;

        for (uint32_t i = 0; i < 1000; i++)
                append_status(&w, i);
        /* one "read()" straight into the reader's buffer */
        ASSERT_OK(wire_reader_reserve(&r, wire_writer_pending(&w), &p, &avail));
        ASSERT_CMP(avail, >=, wire_writer_pending(&w));
        memcpy(p, wire_writer_data(&w), wire_writer_pending(&w));
        wire_reader_commit(&r, wire_writer_pending(&w));
        wire_writer_advance(&w, wire_writer_pending(&w));
        ASSERT_EQ(wire_writer_pending(&w), 0);
        while ((k = wire_reader_next(&r, &f)) > 0)
                expect_status(&f, id++);
        ASSERT_EQ(k, 0);
        ASSERT_EQ(id, 1000);
        ASSERT_EQ(wire_reader_buffered(&r), 0);
}

TEST(split_at_every_boundary) {
        _cleanup_(wire_writer_deinitp) WireWriter w = WIRE_WRITER_INIT(0);
        const uint8_t *data;
        size_t n;

        for (uint32_t i = 0; i < 3; i++)
                append_status(&w, i);
        data = wire_writer_data(&w);
        n = wire_writer_pending(&w);
        for (size_t cut = 0; cut <= n; cut++) {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);
                uint32_t id = 0;
                WireFrame f;
                int k;

                ASSERT_OK(wire_reader_feed(&r, data, cut));
                while ((k = wire_reader_next(&r, &f)) > 0)
                        expect_status(&f, id++);
                ASSERT_EQ(k, 0);
                ASSERT_OK(wire_reader_feed(&r, data + cut, n - cut));
                while ((k = wire_reader_next(&r, &f)) > 0)
                        expect_status(&f, id++);
                ASSERT_EQ(k, 0);
                ASSERT_EQ(id, 3);
        }
        /* byte by byte */
        {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);
                uint32_t id = 0;
                WireFrame f;

                for (size_t i = 0; i < n; i++) {
                        ASSERT_OK(wire_reader_feed(&r, data + i, 1));
                        while (wire_reader_next(&r, &f) > 0)
                                expect_status(&f, id++);
                }
                ASSERT_EQ(id, 3);
        }
}

static void header(uint8_t h[16], uint32_t size, uint16_t type, uint16_t flags, uint32_t aux) {
        memset(h, 0, 16);
        memcpy(h, &size, 4);
        memcpy(h + 4, &type, 2);
        memcpy(h + 6, &flags, 2);
        memcpy(h + 12, &aux, 4);
}

TEST(framing_violations) {
        uint8_t h[16];
        WireFrame f;

        {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(4096);

                header(h, 4097, WIRE_MSG_CANCEL, 0, 0);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_ERRNO(wire_reader_next(&r, &f), EMSGSIZE);
                /* sticky */
                ASSERT_ERRNO(wire_reader_next(&r, &f), EBADMSG);
        }
        {
                /* the hard cap applies even when a larger limit is configured */
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(UINT32_MAX);

                header(h, WIRE_FRAME_MAX_LIMIT + 1, WIRE_MSG_CANCEL, 0, 0);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_ERRNO(wire_reader_next(&r, &f), EMSGSIZE);
        }
        {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);

                header(h, 4, 0x0999, 0, 0);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_ERRNO(wire_reader_next(&r, &f), EBADMSG);
        }
        {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);

                header(h, 4, WIRE_MSG_CANCEL, 1, 0);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_ERRNO(wire_reader_next(&r, &f), EBADMSG);
        }
        {
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);

                header(h, 4, WIRE_MSG_CANCEL, 0, 5);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_ERRNO(wire_reader_next(&r, &f), EBADMSG);
        }
        {
                /* a well-framed but malformed payload is the message decoder's business */
                _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);
                WireMsg m;

                header(h, 3, WIRE_MSG_CANCEL, 0, 0);
                ASSERT_OK(wire_reader_feed(&r, h, 16));
                ASSERT_OK(wire_reader_feed(&r, "abc", 3));
                ASSERT_EQ(wire_reader_next(&r, &f), 1);
                ASSERT_ERRNO(wire_msg_decode_frame(&f, &m), EBADMSG);
                ASSERT_EQ(wire_reader_next(&r, &f), 0);
        }
}

TEST(writer_limits_and_partial_writes) {
        _cleanup_(wire_writer_deinitp) WireWriter w = WIRE_WRITER_INIT(WIRE_FRAME_MAX_FLOOR);
        _cleanup_(wire_reader_deinitp) WireReader r = WIRE_READER_INIT(0);
        _cleanup_free_ char *big = malloc(WIRE_FRAME_MAX_FLOOR + 1);
        WireFrame f;
        WireMsg m;
        uint32_t id = 0;

        ASSERT_NOT_NULL(big);
        memset(big, 'x', WIRE_FRAME_MAX_FLOOR);
        big[WIRE_FRAME_MAX_FLOOR] = 0;
        append_status(&w, 0);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_STATUS, 9, 0u, big));
        ASSERT_ERRNO(wire_writer_append(&w, &m), EMSGSIZE);
        append_status(&w, 1);
        /* drain three bytes at a time, like short writes */
        while (wire_writer_pending(&w) > 0) {
                size_t n = MIN((size_t) 3, wire_writer_pending(&w));

                ASSERT_OK(wire_reader_feed(&r, wire_writer_data(&w), n));
                wire_writer_advance(&w, n);
                while (wire_reader_next(&r, &f) > 0)
                        expect_status(&f, id++);
        }
        ASSERT_EQ(id, 2);
}

static void hello(WireMsg *m, uint32_t magic, unsigned vmin, unsigned vmax, unsigned role,
                  uint32_t max_frame) {
        ASSERT_OK(wire_msg_build(m, WIRE_MSG_HELLO, 0, magic, vmin, vmax, role, max_frame,
                                 "test-peer"));
}

TEST(handshake) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        uint16_t v;
        uint32_t mf;
        WireMsg m, d;
        const char *name;
        uint8_t role;

        hello(&m, WIRE_MAGIC, 1, 1, WIRE_ROLE_CLIENT, WIRE_FRAME_MAX_DEFAULT);
        ASSERT_OK(wire_msg_encode(&m, &b));
        ASSERT_EQ(memcmp(b.s, "LWMI", 4), 0);
        ASSERT_OK(wire_msg_decode(WIRE_MSG_HELLO, 0, b.s, b.len, &d));
        ASSERT_OK(wire_hello_negotiate(&d, WIRE_VERSION_MIN, WIRE_VERSION_MAX, 0, &v, &mf));
        ASSERT_EQ(v, 1);
        ASSERT_EQ(mf, WIRE_FRAME_MAX_DEFAULT);
        ASSERT_OK(wire_msg_read(&d, NULL, NULL, NULL, &role, NULL, &name));
        ASSERT_EQ(role, WIRE_ROLE_CLIENT);
        ASSERT_STREQ(name, "test-peer");

        /* highest common version wins; smaller max_frame wins */
        hello(&m, WIRE_MAGIC, 1, 5, WIRE_ROLE_PROVIDER, 8192);
        ASSERT_OK(wire_hello_negotiate(&m, 2, 3, 0, &v, &mf));
        ASSERT_EQ(v, 3);
        ASSERT_EQ(mf, 8192);
        hello(&m, WIRE_MAGIC, 3, 7, WIRE_ROLE_PROVIDER, UINT32_MAX);
        ASSERT_OK(wire_hello_negotiate(&m, 1, 4, 65536, &v, &mf));
        ASSERT_EQ(v, 4);
        ASSERT_EQ(mf, 65536);
        ASSERT_OK(wire_hello_negotiate(&m, 1, 9, UINT32_MAX, &v, &mf));
        ASSERT_EQ(v, 7);
        ASSERT_EQ(mf, WIRE_FRAME_MAX_LIMIT);

        /* no common version */
        hello(&m, WIRE_MAGIC, 2, 3, WIRE_ROLE_CLIENT, 8192);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EPROTONOSUPPORT);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 4, 6, 0, &v, &mf), EPROTONOSUPPORT);
        /* malformed hellos */
        hello(&m, 0x12345678, 1, 1, WIRE_ROLE_CLIENT, 8192);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EBADMSG);
        hello(&m, WIRE_MAGIC, 2, 1, WIRE_ROLE_CLIENT, 8192);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EBADMSG);
        hello(&m, WIRE_MAGIC, 1, 1, 3, 8192);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EBADMSG);
        hello(&m, WIRE_MAGIC, 1, 1, WIRE_ROLE_CLIENT, 100);
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EMSGSIZE);
        ASSERT_OK(wire_msg_build(&m, WIRE_MSG_CANCEL, 0, 1u));
        ASSERT_ERRNO(wire_hello_negotiate(&m, 1, 1, 0, &v, &mf), EBADMSG);
}

TEST_MAIN();
