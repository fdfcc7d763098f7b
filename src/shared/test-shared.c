/* SPDX-License-Identifier: MIT */
/* Tests for the shared helpers: string buffer, CIM names, UTF conversion. */
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/test.h"
#include "shared/utf.h"

TEST(strbuf) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        char *s;

        ASSERT_STREQ(strbuf_str(&b), "");
        strbuf_append(&b, "abc");
        strbuf_printf(&b, "-%d-", 42);
        strbuf_append_c(&b, 'z');
        ASSERT_STREQ(strbuf_str(&b), "abc-42-z");
        strbuf_truncate(&b, 3);
        ASSERT_EQ(b.len, 3);
        s = strbuf_steal(&b);
        ASSERT_STREQ(s, "abc");
        free(s);
}

TEST(names) {
        ASSERT_TRUE(lwmi_name_eq("WMIEvent", "wmievent"));
        ASSERT_FALSE(lwmi_name_eq("WMIEvent", "WMIEvents"));
        ASSERT_TRUE(lwmi_name_eq_n("abc", "ABCdef", 3));
        ASSERT_FALSE(lwmi_name_eq_n("abcd", "ABCdef", 3));
        ASSERT_EQ(lwmi_name_hash("InstanceName"), lwmi_name_hash("INSTANCENAME"));
        ASSERT_TRUE(lwmi_name_cmp("a", "B") < 0);
        ASSERT_TRUE(lwmi_name_is_valid("__Class"));
        ASSERT_TRUE(lwmi_name_is_valid("Vendor_EC1"));
        ASSERT_FALSE(lwmi_name_is_valid("1abc"));
        ASSERT_FALSE(lwmi_name_is_valid("a-b"));
        ASSERT_FALSE(lwmi_name_is_valid(""));
}

TEST(utf) {
        const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
        unsigned char buf[32];
        char *back = NULL;
        long n;

        ASSERT_TRUE(utf8_is_valid(s, strlen(s)));
        ASSERT_FALSE(utf8_is_valid("\xc0\x80", 2));
        ASSERT_FALSE(utf8_is_valid("\xed\xa0\x80", 3));
        ASSERT_EQ(utf8_utf16_len(s, strlen(s)), 5);
        n = utf8_to_utf16le(s, strlen(s), buf, 16);
        ASSERT_EQ(n, 5);
        ASSERT_EQ(buf[0], 'a');
        ASSERT_EQ(buf[2], 0xe9);
        ASSERT_ERRNO(utf8_to_utf16le(s, strlen(s), buf, 4), ENOBUFS);
        ASSERT_OK(utf16le_to_utf8(buf, (size_t) n, true, &back));
        ASSERT_STREQ(back, s);
        free(back);
        /* unpaired surrogate becomes U+FFFD */
        buf[0] = 0x00, buf[1] = 0xd8, buf[2] = 'x', buf[3] = 0;
        ASSERT_OK(utf16le_to_utf8(buf, 2, true, &back));
        ASSERT_STREQ(back, "\xef\xbf\xbdx");
        free(back);
}

TEST_MAIN()
