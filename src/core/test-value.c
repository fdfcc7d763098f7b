/* SPDX-License-Identifier: MIT */
/* Tests for CIM values: constructors, copy, convert, compare, equal, text forms. */
#include <math.h>
#include <stdlib.h>

#include <lwmi/common.h>

#include "shared/macro.h"
#include "shared/test.h"

TEST(type_names) {
        lwmi_cimtype t;

        ASSERT_STREQ(lwmi_cimtype_name(LWMI_CIM_UINT32), "uint32");
        ASSERT_STREQ(lwmi_cimtype_name(LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY), "string");
        ASSERT_STREQ(lwmi_cimtype_name(LWMI_CIM_DATETIME), "datetime");
        ASSERT_STREQ(lwmi_cimtype_name(77), "unknown");
        ASSERT_OK(lwmi_cimtype_from_name("String", &t));
        ASSERT_EQ(t, LWMI_CIM_STRING);
        ASSERT_OK(lwmi_cimtype_from_name("CHAR16", &t));
        ASSERT_EQ(t, LWMI_CIM_CHAR16);
        ASSERT_OK(lwmi_cimtype_from_name("object", &t));
        ASSERT_EQ(t, LWMI_CIM_OBJECT);
        ASSERT_ERRNO(lwmi_cimtype_from_name("ref", &t), EINVAL);
        ASSERT_ERRNO(lwmi_cimtype_from_name("uint128", &t), EINVAL);
}

TEST(copy_clear) {
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL, b = LWMI_VALUE_NULL;

        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_STRING, 3));
        ASSERT_EQ(a.type, LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY);
        ASSERT_TRUE(a.u.array.items[0].is_null);
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[0], LWMI_CIM_STRING, "x"));
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[2], LWMI_CIM_STRING, "z"));
        ASSERT_OK(lwmi_value_copy(&b, &a));
        ASSERT_TRUE(lwmi_value_equal(&a, &b));
        ASSERT_TRUE(b.u.array.items[0].u.string != a.u.array.items[0].u.string);
        lwmi_value_clear(&a);
        ASSERT_EQ(a.type, LWMI_CIM_EMPTY);
        ASSERT_TRUE(a.is_null);
        ASSERT_STREQ(b.u.array.items[2].u.string, "z");
        ASSERT_ERRNO(lwmi_value_set_string(&a, LWMI_CIM_UINT8, "x"), EINVAL);
}

TEST(convert_integers) {
        lwmi_value s, d;

        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, 255);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_UINT8, &d));
        ASSERT_EQ(d.u.uint, 255);
        ASSERT_EQ(d.type, LWMI_CIM_UINT8);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, 256);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_UINT8, &d), ERANGE);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, -1);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_UINT64, &d), ERANGE);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_UINT32, &d), ERANGE);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, -128);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_SINT8, &d));
        ASSERT_EQ(d.u.sint, -128);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, -129);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_SINT8, &d), ERANGE);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, 32768);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_SINT16, &d), ERANGE);
        lwmi_value_set_uint(&s, LWMI_CIM_UINT64, UINT64_MAX);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_SINT64, &d), ERANGE);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_UINT32, &d), ERANGE);
        lwmi_value_set_uint(&s, LWMI_CIM_UINT64, UINT32_MAX);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_UINT32, &d));
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_SINT32, &d), ERANGE);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, INT64_MIN);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_SINT64, &d));
        ASSERT_EQ(d.u.sint, INT64_MIN);
        lwmi_value_set_real(&s, LWMI_CIM_REAL64, 3.0);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_UINT16, &d));
        ASSERT_EQ(d.u.uint, 3);
        lwmi_value_set_real(&s, LWMI_CIM_REAL64, 3.5);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_UINT16, &d), EINVAL);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT32, 65);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_CHAR16, &d));
        ASSERT_EQ(d.u.char16, 'A');
}

TEST(convert_strings_to_numbers) {
        static const struct {
                const char *s;
                lwmi_cimtype t;
                int r;
                int64_t v;
        } cases[] = {
                { "42", LWMI_CIM_UINT32, 0, 42 },
                { "-42", LWMI_CIM_SINT32, 0, -42 },
                { "0x1F", LWMI_CIM_UINT8, 0, 31 },
                { "-0x80", LWMI_CIM_SINT8, 0, -128 },
                { "+7", LWMI_CIM_SINT16, 0, 7 },
                { "256", LWMI_CIM_UINT8, -ERANGE, 0 },
                { "-1", LWMI_CIM_UINT8, -ERANGE, 0 },
                { "", LWMI_CIM_UINT8, -EINVAL, 0 },
                { "0x", LWMI_CIM_UINT8, -EINVAL, 0 },
                { "12a", LWMI_CIM_UINT8, -EINVAL, 0 },
                { " 1", LWMI_CIM_UINT8, -EINVAL, 0 },
                { "1.5", LWMI_CIM_UINT8, -EINVAL, 0 },
                { "99999999999999999999", LWMI_CIM_UINT64, -ERANGE, 0 },
                { "18446744073709551615", LWMI_CIM_UINT64, 0, -1 },
                { "-9223372036854775808", LWMI_CIM_SINT64, 0, INT64_MIN },
                { "-9223372036854775809", LWMI_CIM_SINT64, -ERANGE, 0 },
        };
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                lwmi_value d;
                int r;

                lwmi_value_clear(&s);
                ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, cases[i].s));
                r = lwmi_value_convert(&s, cases[i].t, &d);
                if (r != cases[i].r)
                        TEST_FAIL("\"%s\": %d, expected %d", cases[i].s, r, cases[i].r);
                if (r == 0)
                        ASSERT_EQ(d.u.sint, cases[i].v);
        }
}

TEST(convert_reals_bools_char16) {
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL;
        lwmi_value d;

        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "2.5e3"));
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_REAL64, &d));
        ASSERT_TRUE(d.u.real == 2500.0);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "1e300"));
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_REAL32, &d), ERANGE);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "true"));
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_BOOLEAN, &d));
        ASSERT_TRUE(d.u.boolean);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "FaLsE"));
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_BOOLEAN, &d));
        ASSERT_FALSE(d.u.boolean);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "yes"));
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_BOOLEAN, &d), EINVAL);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "\xc3\xa9"));
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_CHAR16, &d));
        ASSERT_EQ(d.u.char16, 0xe9);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "ab"));
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_CHAR16, &d), EINVAL);
        lwmi_value_clear(&s);
        lwmi_value_set_real(&s, LWMI_CIM_REAL32, 0.1);
        ASSERT_TRUE(s.u.real == (double) 0.1f);
}

TEST(convert_to_string) {
        lwmi_value s, d;
        lwmi_datetime dt;

        lwmi_value_set_sint(&s, LWMI_CIM_SINT32, -5);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_STREQ(d.u.string, "-5");
        lwmi_value_clear(&d);
        lwmi_value_set_real(&s, LWMI_CIM_REAL64, 0.1);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_STREQ(d.u.string, "0.1");
        lwmi_value_clear(&d);
        lwmi_value_set_bool(&s, true);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_STREQ(d.u.string, "TRUE");
        lwmi_value_clear(&d);
        lwmi_value_set_char16(&s, 'x');
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_STREQ(d.u.string, "x");
        lwmi_value_clear(&d);
        ASSERT_OK(lwmi_datetime_parse("20261123121500.123456+060", &dt));
        lwmi_value_set_datetime(&s, &dt);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_STREQ(d.u.string, "20261123121500.123456+060");
        ASSERT_OK(lwmi_value_convert(&d, LWMI_CIM_DATETIME, &s));
        ASSERT_EQ(s.u.datetime.year, 2026);
        lwmi_value_clear(&d);
}

TEST(convert_arrays_null_reference) {
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL, b = LWMI_VALUE_NULL;
        lwmi_value s, d;

        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_SINT64, 2));
        lwmi_value_set_sint(&a.u.array.items[0], LWMI_CIM_SINT64, 1);
        ASSERT_OK(lwmi_value_convert(&a, LWMI_CIM_UINT8 | LWMI_CIM_FLAG_ARRAY, &b));
        ASSERT_EQ(b.u.array.items[0].u.uint, 1);
        ASSERT_TRUE(b.u.array.items[1].is_null);
        ASSERT_ERRNO(lwmi_value_convert(&a, LWMI_CIM_UINT8, &d), EINVAL);
        lwmi_value_set_sint(&a.u.array.items[1], LWMI_CIM_SINT64, 300);
        ASSERT_ERRNO(lwmi_value_convert(&a, LWMI_CIM_UINT8 | LWMI_CIM_FLAG_ARRAY, &d), ERANGE);
        lwmi_value_set_sint(&s, LWMI_CIM_SINT64, 1);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_SINT64 | LWMI_CIM_FLAG_ARRAY, &d), EINVAL);
        lwmi_value_set_null(&s, LWMI_CIM_EMPTY);
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_STRING, &d));
        ASSERT_TRUE(d.is_null);
        ASSERT_EQ(d.type, LWMI_CIM_STRING);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "Foo.Name=\"x\""));
        ASSERT_OK(lwmi_value_convert(&s, LWMI_CIM_REFERENCE, &d));
        ASSERT_EQ(d.type, LWMI_CIM_REFERENCE);
        lwmi_value_clear(&d);
        lwmi_value_clear(&s);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "not a path!"));
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_REFERENCE, &d), EINVAL);
        ASSERT_ERRNO(lwmi_value_convert(&s, LWMI_CIM_OBJECT, &d), EINVAL);
        lwmi_value_clear(&s);
}

TEST(compare) {
        _cleanup_(lwmi_value_clearp) lwmi_value x = LWMI_VALUE_NULL, y = LWMI_VALUE_NULL;
        lwmi_value a, b;
        int c;

        lwmi_value_set_sint(&a, LWMI_CIM_SINT8, -1);
        lwmi_value_set_uint(&b, LWMI_CIM_UINT64, UINT64_MAX);
        ASSERT_OK(lwmi_value_compare(&a, &b, &c));
        ASSERT_TRUE(c < 0);
        lwmi_value_set_real(&a, LWMI_CIM_REAL64, 2.5);
        lwmi_value_set_uint(&b, LWMI_CIM_UINT32, 2);
        ASSERT_OK(lwmi_value_compare(&a, &b, &c));
        ASSERT_TRUE(c > 0);
        lwmi_value_set_sint(&a, LWMI_CIM_SINT64, 5);
        lwmi_value_set_uint(&b, LWMI_CIM_UINT16, 5);
        ASSERT_OK(lwmi_value_compare(&a, &b, &c));
        ASSERT_EQ(c, 0);
        ASSERT_OK(lwmi_value_set_string(&x, LWMI_CIM_STRING, "abc"));
        ASSERT_OK(lwmi_value_set_string(&y, LWMI_CIM_STRING, "ABD"));
        ASSERT_OK(lwmi_value_compare(&x, &y, &c));
        ASSERT_TRUE(c < 0);
        ASSERT_ERRNO(lwmi_value_compare(&x, &a, &c), EINVAL);
        lwmi_value_set_bool(&a, false);
        lwmi_value_set_bool(&b, true);
        ASSERT_OK(lwmi_value_compare(&a, &b, &c));
        ASSERT_TRUE(c < 0);
        lwmi_value_set_char16(&a, 'a');
        ASSERT_OK(lwmi_value_compare(&a, &x, &c));
        ASSERT_TRUE(c < 0);
        lwmi_value_set_uint(&b, LWMI_CIM_UINT8, 97);
        ASSERT_OK(lwmi_value_compare(&a, &b, &c));
        ASSERT_EQ(c, 0);
        lwmi_value_set_null(&b, LWMI_CIM_UINT8);
        ASSERT_ERRNO(lwmi_value_compare(&a, &b, &c), EINVAL);
        lwmi_value_set_real(&a, LWMI_CIM_REAL64, NAN);
        lwmi_value_set_real(&b, LWMI_CIM_REAL64, 1);
        ASSERT_ERRNO(lwmi_value_compare(&a, &b, &c), EINVAL);
}

TEST(compare_datetime) {
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL;
        lwmi_value a;
        lwmi_datetime dt;
        int c;

        ASSERT_OK(lwmi_datetime_parse("20260101120000.000000+060", &dt));
        lwmi_value_set_datetime(&a, &dt);
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "20260101110000.000000+000"));
        ASSERT_OK(lwmi_value_compare(&a, &s, &c));
        ASSERT_EQ(c, 0);
}

TEST(equal) {
        _cleanup_(lwmi_value_clearp) lwmi_value x = LWMI_VALUE_NULL, y = LWMI_VALUE_NULL;
        lwmi_value a, b;

        lwmi_value_set_uint(&a, LWMI_CIM_UINT8, 1);
        lwmi_value_set_uint(&b, LWMI_CIM_UINT16, 1);
        ASSERT_FALSE(lwmi_value_equal(&a, &b));
        lwmi_value_set_null(&a, LWMI_CIM_UINT16);
        ASSERT_FALSE(lwmi_value_equal(&a, &b));
        lwmi_value_set_null(&b, LWMI_CIM_UINT16);
        ASSERT_TRUE(lwmi_value_equal(&a, &b));
        ASSERT_OK(lwmi_value_set_string(&x, LWMI_CIM_STRING, "a"));
        ASSERT_OK(lwmi_value_set_string(&y, LWMI_CIM_STRING, "A"));
        ASSERT_FALSE(lwmi_value_equal(&x, &y));
        lwmi_value_set_real(&a, LWMI_CIM_REAL64, NAN);
        lwmi_value_set_real(&b, LWMI_CIM_REAL64, NAN);
        ASSERT_TRUE(lwmi_value_equal(&a, &b));
}

static void check_text(const lwmi_value *v, const char *mof, const char *text, const char *json) {
        _cleanup_free_ char *m = NULL, *t = NULL, *j = NULL;

        ASSERT_OK(lwmi_value_to_mof(v, &m));
        ASSERT_OK(lwmi_value_to_text(v, &t));
        ASSERT_OK(lwmi_value_to_json(v, &j));
        ASSERT_STREQ(m, mof);
        ASSERT_STREQ(t, text);
        ASSERT_STREQ(j, json);
}

TEST(to_mof_text_json) {
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL, a = LWMI_VALUE_NULL;
        lwmi_value v;
        lwmi_datetime dt;

        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "a\"b\\c\nd\te\x01\x7f\xc3\xa9"));
        check_text(&s, "\"a\\\"b\\\\c\\nd\\te\\x0001\\x007F\xc3\xa9\"",
                   "a\"b\\c\nd\te\x01\x7f\xc3\xa9", "\"a\\\"b\\\\c\\nd\\te\\u0001\x7f\xc3\xa9\"");
        lwmi_value_set_uint(&v, LWMI_CIM_UINT64, UINT64_MAX);
        check_text(&v, "18446744073709551615", "18446744073709551615", "18446744073709551615");
        lwmi_value_set_sint(&v, LWMI_CIM_SINT16, -3);
        check_text(&v, "-3", "-3", "-3");
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, 0.1);
        check_text(&v, "0.1", "0.1", "0.1");
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, 2);
        check_text(&v, "2.0", "2.0", "2.0");
        lwmi_value_set_real(&v, LWMI_CIM_REAL32, 0.1);
        check_text(&v, "0.1", "0.1", "0.1");
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, 1.0 / 3);
        check_text(&v, "0.3333333333333333", "0.3333333333333333", "0.3333333333333333");
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, NAN);
        check_text(&v, "NaN", "NaN", "null");
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, -INFINITY);
        check_text(&v, "-Infinity", "-Infinity", "null");
        lwmi_value_set_bool(&v, true);
        check_text(&v, "TRUE", "TRUE", "true");
        lwmi_value_set_char16(&v, '\'');
        check_text(&v, "'\\''", "'", "\"'\"");
        lwmi_value_set_null(&v, LWMI_CIM_STRING);
        check_text(&v, "NULL", "NULL", "null");
        ASSERT_OK(lwmi_datetime_parse("20261123121500.123456+060", &dt));
        lwmi_value_set_datetime(&v, &dt);
        check_text(&v, "\"20261123121500.123456+060\"", "20261123121500.123456+060",
                   "\"20261123121500.123456+060\"");
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_STRING, 2));
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[0], LWMI_CIM_STRING, "x"));
        check_text(&a, "{\"x\", NULL}", "{x, NULL}", "[\"x\",null]");
        lwmi_value_clear(&a);
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_UINT8, 0));
        check_text(&a, "{}", "{}", "[]");
}

TEST(json_invalid_utf8) {
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL;
        _cleanup_free_ char *j = NULL;

        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING,
                                        "a\xff"
                                        "b"));
        ASSERT_OK(lwmi_value_to_json(&s, &j));
        ASSERT_STREQ(j, "\"a\\ufffdb\"");
}

TEST(object_values) {
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL, b = LWMI_VALUE_NULL;
        _cleanup_free_ char *m = NULL, *j = NULL;
        lwmi_object *c = NULL, *i = NULL;

        ASSERT_OK(lwmi_class_new("E", NULL, &c));
        ASSERT_OK(lwmi_class_add_property(c, "X", LWMI_CIM_UINT8, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_OK(lwmi_object_set_uint64(i, "X", 5));
        lwmi_value_set_object(&a, i);
        lwmi_object_unref(i);
        ASSERT_OK(lwmi_value_copy(&b, &a));
        ASSERT_TRUE(b.u.object == a.u.object);
        ASSERT_TRUE(lwmi_value_equal(&a, &b));
        ASSERT_OK(lwmi_value_to_mof(&a, &m));
        ASSERT_STREQ(m, "instance of E\n{\n    X = 5;\n}");
        ASSERT_OK(lwmi_value_to_json(&a, &j));
        ASSERT_STREQ(j, "{\"__CLASS\":\"E\",\"__PATH\":null,\"X\":5}");
        lwmi_value_clear(&b);
        lwmi_value_set_object(&b, NULL);
        ASSERT_TRUE(b.is_null);
        lwmi_object_unref(c);
}

TEST_MAIN()
