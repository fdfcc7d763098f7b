/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the wire frame reader: the bytes arrive in chunks of
 * pseudo-random sizes (seeded by the first byte); every complete frame is
 * decoded, and whatever decodes must re-encode to the very same frame bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(const WireFrame *f) {
        WireWriter w = WIRE_WRITER_INIT(WIRE_FRAME_MAX_LIMIT);
        const uint8_t *out;
        WireMsg m;

        if (wire_msg_decode_frame(f, &m) < 0)
                return;
        if (wire_writer_append(&w, &m) < 0) {
                fprintf(stderr, "decoded message does not encode\n");
                abort();
        }
        out = wire_writer_data(&w);
        if (wire_writer_pending(&w) != WIRE_HEADER_SIZE + (size_t) f->size ||
            memcmp(out + WIRE_HEADER_SIZE, f->payload, f->size) != 0 ||
            memcmp(out, f->payload - WIRE_HEADER_SIZE, WIRE_HEADER_SIZE) != 0) {
                fprintf(stderr, "re-encoded frame differs\n");
                abort();
        }
        wire_writer_deinit(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        WireReader r = WIRE_READER_INIT(64 * 1024);
        uint32_t seed;
        size_t pos = 1;
        int k = 0;

        if (size < 1)
                return 0;
        seed = data[0];
        while (pos < size && k >= 0) {
                size_t n;
                WireFrame f;

                seed = seed * 1103515245u + 12345u;
                n = MIN(size - pos, 1 + (seed >> 16) % 97);
                if (wire_reader_feed(&r, data + pos, n) < 0)
                        abort();
                pos += n;
                while ((k = wire_reader_next(&r, &f)) > 0)
                        check_frame(&f);
        }
        wire_reader_deinit(&r);
        return 0;
}
