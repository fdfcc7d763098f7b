/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the message decoder: the first byte picks a message type,
 * the rest is its payload. Whatever decodes must re-encode to the same bytes,
 * and every list in it must iterate cleanly to its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t n_types;
static uint16_t types[256];

static void walk_list(char kind, WireList l) {
        uint32_t count = l.count, n = 0, id, st, need;
        const void *d;
        const char *s;
        lwmi_guid g;
        size_t len;
        int r;

        for (;;) {
                if (kind == WIRE_STRING_LIST)
                        r = wire_list_next_string(&l, &s, &len);
                else if (kind == WIRE_OBJECT_LIST) {
                        r = wire_list_next_bytes(&l, &d, &len);
                        if (r > 0) {
                                /* every element may be a BLOCKS entry: parse it as one */
                                char name[WIRE_BLOCK_NAME_MAX];
                                const void *blk;
                                size_t blen;

                                if (wire_block_entry_parse(d, len, name, &blk, &blen) == 0 &&
                                    (strlen(name) >= WIRE_BLOCK_NAME_MAX ||
                                     (const uint8_t *) blk + blen != (const uint8_t *) d + len))
                                        abort();
                        }
                } else if (kind == WIRE_DATA_LIST)
                        r = wire_list_next_data(&l, &id, &st, &need, &d, &len);
                else
                        r = wire_list_next_event(&l, &g, &id, &d, &len);
                if (r < 0)
                        abort();
                if (r == 0)
                        break;
                n++;
        }
        if (n != count || l.size != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StrBuf b = STRBUF_INIT;
        WireMsg m;

        if (n_types == 0)
                for (unsigned t = 0; t <= 0xffff && n_types < ELEMENTSOF(types); t++)
                        if (wire_msg_signature((uint16_t) t))
                                types[n_types++] = (uint16_t) t;
        if (size < 1)
                return 0;
        if (wire_msg_decode(types[data[0] % n_types], 7, data + 1, size - 1, &m) < 0)
                return 0;
        for (size_t i = 0; i < m.n_fields; i++)
                if (strchr("SOED", m.fields[i].kind))
                        walk_list(m.fields[i].kind, m.fields[i].list);
        if (wire_msg_encode(&m, &b) < 0 || b.len != size - 1 ||
            (b.len > 0 && memcmp(b.s, data + 1, b.len) != 0)) {
                fprintf(stderr, "re-encoded payload differs\n");
                abort();
        }
        /* again with the lists as if made by hand: the encoder's own walk must agree */
        for (size_t i = 0; i < m.n_fields; i++)
                if (strchr("SOED", m.fields[i].kind))
                        m.fields[i].list.checked = 0;
        b.len = 0;
        if (wire_msg_encode(&m, &b) < 0 || b.len != size - 1 ||
            (b.len > 0 && memcmp(b.s, data + 1, b.len) != 0)) {
                fprintf(stderr, "re-encoded payload differs (lists walked)\n");
                abort();
        }
        strbuf_deinit(&b);
        return 0;
}
