/* SPDX-License-Identifier: MIT */
/*
 * GUIDs: strict parsing (with or without braces) and WMI-style formatting.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lwmi/common.h>

#include "shared/macro.h"

/* Reads @n hex digits at @s into *ret. */
static int read_hex(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++) {
                int d = unhexchar(s[i]);
                if (d < 0)
                        return -EINVAL;
                v = v << 4 | (uint64_t) d;
        }
        *ret = v;
        return 0;
}

_public_ int lwmi_guid_parse(const char *s, lwmi_guid *ret_guid) {
        lwmi_guid g;
        uint64_t v;
        size_t len;

        assert_return(s, -EINVAL);
        assert_return(ret_guid, -EINVAL);

        len = strnlen(s, 40);
        if (len == 38) {
                if (s[0] != '{' || s[37] != '}')
                        return -EINVAL;
                s++;
        } else if (len != 36) {
                return -EINVAL;
        }
        if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
                return -EINVAL;

        if (read_hex(s, 8, &v) < 0)
                return -EINVAL;
        g.data1 = (uint32_t) v;
        if (read_hex(s + 9, 4, &v) < 0)
                return -EINVAL;
        g.data2 = (uint16_t) v;
        if (read_hex(s + 14, 4, &v) < 0)
                return -EINVAL;
        g.data3 = (uint16_t) v;
        for (size_t i = 0; i < 8; i++) {
                const char *p = s + (i < 2 ? 19 + 2 * i : 24 + 2 * (i - 2));
                if (read_hex(p, 2, &v) < 0)
                        return -EINVAL;
                g.data4[i] = (uint8_t) v;
        }
        *ret_guid = g;
        return 0;
}

_public_ char *lwmi_guid_format(const lwmi_guid *g, char out[LWMI_GUID_STRING_MAX]) {
        (void) snprintf(out, LWMI_GUID_STRING_MAX,
                        "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", g->data1, g->data2,
                        g->data3, g->data4[0], g->data4[1], g->data4[2], g->data4[3], g->data4[4],
                        g->data4[5], g->data4[6], g->data4[7]);
        return out;
}

_public_ bool lwmi_guid_equal(const lwmi_guid *a, const lwmi_guid *b) {
        return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
               memcmp(a->data4, b->data4, sizeof(a->data4)) == 0;
}

_public_ bool lwmi_guid_is_null(const lwmi_guid *g) {
        static const lwmi_guid null_guid;

        return lwmi_guid_equal(g, &null_guid);
}
