/* SPDX-License-Identifier: MIT */
/* Tests for GUID parsing and formatting. */
#include <lwmi/common.h>

#include "shared/test.h"

TEST(parse_format) {
        lwmi_guid g, h;
        char s[LWMI_GUID_STRING_MAX];

        ASSERT_OK(lwmi_guid_parse("A1C15015-B069-11d1-9290-00A0C9062910", &g));
        ASSERT_UEQ(g.data1, 0xA1C15015u);
        ASSERT_UEQ(g.data2, 0xB069);
        ASSERT_UEQ(g.data3, 0x11d1);
        ASSERT_UEQ(g.data4[0], 0x92);
        ASSERT_UEQ(g.data4[7], 0x10);
        ASSERT_STREQ(lwmi_guid_format(&g, s), "{A1C15015-B069-11D1-9290-00A0C9062910}");
        ASSERT_OK(lwmi_guid_parse(s, &h));
        ASSERT_TRUE(lwmi_guid_equal(&g, &h));
        ASSERT_OK(lwmi_guid_parse("{a1c15015-b069-11d1-9290-00a0c9062910}", &h));
        ASSERT_TRUE(lwmi_guid_equal(&g, &h));
        ASSERT_FALSE(lwmi_guid_is_null(&g));
}

TEST(null_guid) {
        lwmi_guid g;

        ASSERT_OK(lwmi_guid_parse("00000000-0000-0000-0000-000000000000", &g));
        ASSERT_TRUE(lwmi_guid_is_null(&g));
}

TEST(invalid) {
        static const char *const bad[] = {
                "",
                "A1C15015-B069-11d1-9290-00A0C906291",
                "A1C15015-B069-11d1-9290-00A0C90629100",
                "{A1C15015-B069-11d1-9290-00A0C9062910",
                "A1C15015-B069-11d1-9290-00A0C9062910}",
                "(A1C15015-B069-11d1-9290-00A0C9062910)",
                "A1C15015B069-11d1-9290-00A0C9062910-",
                "A1C15015-B069-11d1-929000A0-C9062910",
                "G1C15015-B069-11d1-9290-00A0C9062910",
                "A1C15015-B069-11d1-9290-00A0C906291 ",
                "+1C15015-B069-11d1-9290-00A0C9062910",
                "{A1C15015-B069-11d1-9290-00A0C9062910}x",
        };
        lwmi_guid g = { .data1 = 7 };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_ERRNO(lwmi_guid_parse(bad[i], &g), EINVAL);
        ASSERT_EQ(g.data1, 7);
        ASSERT_ERRNO(lwmi_guid_parse(NULL, &g), EINVAL);
}

TEST_MAIN()
