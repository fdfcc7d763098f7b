/* SPDX-License-Identifier: MIT */
/* Tests for DMTF datetimes: parse, format, wildcards, compare, unix time. */
#include <string.h>

#include <lwmi/common.h>

#include "shared/test.h"

static void roundtrip(const char *s) {
        lwmi_datetime dt;
        char out[LWMI_DATETIME_STRING_MAX];

        ASSERT_OK(lwmi_datetime_parse(s, &dt));
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), s);
}

TEST(timestamp) {
        lwmi_datetime dt;

        ASSERT_OK(lwmi_datetime_parse("20261123121500.123456+060", &dt));
        ASSERT_FALSE(dt.is_interval);
        ASSERT_EQ(dt.year, 2026);
        ASSERT_EQ(dt.month, 11);
        ASSERT_EQ(dt.day, 23);
        ASSERT_EQ(dt.hour, 12);
        ASSERT_EQ(dt.minute, 15);
        ASSERT_EQ(dt.second, 0);
        ASSERT_EQ(dt.microseconds, 123456);
        ASSERT_EQ(dt.utc_offset, 60);
        ASSERT_EQ(dt.wildcards, 0);
        ASSERT_OK(lwmi_datetime_parse("19991231235959.000000-300", &dt));
        ASSERT_EQ(dt.utc_offset, -300);
        roundtrip("20261123121500.123456+060");
        roundtrip("19991231235959.000000-300");
        roundtrip("00000101000000.000000+000");
        roundtrip("20240229000000.000000+000");
        roundtrip("20161231235960.000000+000");
}

TEST(interval) {
        lwmi_datetime dt;
        int64_t us;

        ASSERT_OK(lwmi_datetime_parse("00000001132312.000000:000", &dt));
        ASSERT_TRUE(dt.is_interval);
        ASSERT_EQ(dt.day, 1);
        ASSERT_EQ(dt.hour, 13);
        ASSERT_EQ(dt.minute, 23);
        ASSERT_EQ(dt.second, 12);
        roundtrip("00000001132312.000000:000");
        roundtrip("99999999235959.999999:000");
        ASSERT_OK(lwmi_datetime_to_unix_usec(&dt, &us));
        ASSERT_EQ(us, ((int64_t) 86400 + 13 * 3600 + 23 * 60 + 12) * 1000000);
}

TEST(wildcards) {
        lwmi_datetime dt;
        int64_t us;
        char out[LWMI_DATETIME_STRING_MAX];

        ASSERT_OK(lwmi_datetime_parse("****1123******.******+***", &dt));
        ASSERT_EQ(dt.wildcards, LWMI_DATETIME_WILD_YEAR | LWMI_DATETIME_WILD_HOUR |
                                        LWMI_DATETIME_WILD_MINUTE | LWMI_DATETIME_WILD_SECOND |
                                        LWMI_DATETIME_WILD_MICROSECONDS | LWMI_DATETIME_WILD_UTC);
        ASSERT_EQ(dt.month, 11);
        roundtrip("****1123******.******+***");
        ASSERT_OK(lwmi_datetime_parse("20260101000000.123***+000", &dt));
        ASSERT_EQ(dt.microseconds, 123000);
        ASSERT_TRUE(dt.wildcards & LWMI_DATETIME_WILD_MICROSECONDS);
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), "20260101000000.123***+000");
        ASSERT_ERRNO(lwmi_datetime_to_unix_usec(&dt, &us), EINVAL);
        /* Feb 29 is fine when the year is unknown */
        ASSERT_OK(lwmi_datetime_parse("****0229000000.000000+000", &dt));
        roundtrip("********000000.000000+000");
        roundtrip("********0000**.******:000");
}

TEST(invalid) {
        static const char *const bad[] = {
                "",
                "2026112312150.123456+060",
                "20261123121500.123456+0600",
                "20261323121500.123456+060",
                "20260023121500.123456+060",
                "20261100121500.123456+060",
                "20261131121500.123456+060",
                "20230229121500.123456+060",
                "20261123241500.123456+060",
                "20261123126000.123456+060",
                "20261123121561.123456+060",
                "20261123121500,123456+060",
                "20261123121500.123456*060",
                "20261123121500.12*456+060",
                "2026112312150a.123456+060",
                "20*61123121500.123456+060",
                "00000001132312.000000:001",
                "00000001242312.000000:000",
                "00000001236012.000000:000",
                "00000001235960.000000:000",
                "-0261123121500.123456+060",
                "20261123121500.123456+06a",
        };
        lwmi_datetime dt;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (lwmi_datetime_parse(bad[i], &dt) != -EINVAL)
                        TEST_FAIL("accepted %s", bad[i]);
        }
        ASSERT_ERRNO(lwmi_datetime_parse(NULL, &dt), EINVAL);
}

TEST(compare) {
        lwmi_datetime a, b, i;
        int c;

        /* 12:00 at +060 is 11:00 UTC */
        ASSERT_OK(lwmi_datetime_parse("20260101120000.000000+060", &a));
        ASSERT_OK(lwmi_datetime_parse("20260101110000.000000+000", &b));
        ASSERT_OK(lwmi_datetime_compare(&a, &b, &c));
        ASSERT_EQ(c, 0);
        ASSERT_OK(lwmi_datetime_parse("20260101110000.000001+000", &b));
        ASSERT_OK(lwmi_datetime_compare(&a, &b, &c));
        ASSERT_TRUE(c < 0);
        ASSERT_OK(lwmi_datetime_compare(&b, &a, &c));
        ASSERT_TRUE(c > 0);
        ASSERT_OK(lwmi_datetime_parse("00000001000000.000000:000", &i));
        ASSERT_ERRNO(lwmi_datetime_compare(&a, &i, &c), EINVAL);
        ASSERT_OK(lwmi_datetime_parse("2026****110000.000000+000", &b));
        ASSERT_ERRNO(lwmi_datetime_compare(&a, &b, &c), EINVAL);
}

TEST(unix_usec) {
        lwmi_datetime dt;
        int64_t us;
        char out[LWMI_DATETIME_STRING_MAX];

        ASSERT_OK(lwmi_datetime_from_unix_usec(0, 0, &dt));
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), "19700101000000.000000+000");
        ASSERT_OK(lwmi_datetime_from_unix_usec(1700000000123456, 60, &dt));
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), "20231114231320.123456+060");
        ASSERT_OK(lwmi_datetime_to_unix_usec(&dt, &us));
        ASSERT_EQ(us, 1700000000123456);
        ASSERT_OK(lwmi_datetime_from_unix_usec(-1, -60, &dt));
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), "19691231225959.999999-060");
        ASSERT_OK(lwmi_datetime_to_unix_usec(&dt, &us));
        ASSERT_EQ(us, -1);
        ASSERT_OK(lwmi_datetime_parse("00000101000000.000000+000", &dt));
        ASSERT_OK(lwmi_datetime_to_unix_usec(&dt, &us));
        ASSERT_OK(lwmi_datetime_from_unix_usec(us, 0, &dt));
        ASSERT_EQ(dt.year, 0);
        ASSERT_ERRNO(lwmi_datetime_from_unix_usec(us - 1, 0, &dt), ERANGE);
        ASSERT_ERRNO(lwmi_datetime_from_unix_usec(INT64_MAX, 0, &dt), ERANGE);
        ASSERT_ERRNO(lwmi_datetime_from_unix_usec(INT64_MAX, 999, &dt), ERANGE);
}

TEST(format_clamps_bad_fields) {
        lwmi_datetime dt = { .year = 123456, .month = 200, .day = 99, .utc_offset = -1500 };
        char out[LWMI_DATETIME_STRING_MAX];

        /* never more than 25 characters, whatever the struct holds */
        ASSERT_EQ(strlen(lwmi_datetime_format(&dt, out)), 25);
        ASSERT_ERRNO(lwmi_datetime_parse(out, &dt), EINVAL);
        dt = (lwmi_datetime){ .is_interval = true, .day = 123456789 };
        ASSERT_STREQ(lwmi_datetime_format(&dt, out), "23456789000000.000000:000");
}

TEST_MAIN()
