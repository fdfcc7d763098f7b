/* SPDX-License-Identifier: MIT */
/* Tests for object paths and namespace normalization. */
#include <stdlib.h>

#include <lwmi/common.h>

#include "shared/macro.h"
#include "shared/test.h"

/* parse -> format (absolute) must give @expected */
static void check_format(const char *text, const char *expected) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(lwmi_path_parse(text, &p));
        ASSERT_OK(lwmi_path_format(p, false, &s));
        ASSERT_STREQ(s, expected);
}

TEST(parse_full) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        _cleanup_free_ char *rel = NULL;
        const lwmi_value *v;
        const char *name;

        ASSERT_OK(lwmi_path_parse("\\\\.\\root\\wmi:Sample_Block.InstanceName=\"dev0_0\"", &p));
        ASSERT_STREQ(lwmi_path_get_server(p), ".");
        ASSERT_STREQ(lwmi_path_get_namespace(p), "root\\wmi");
        ASSERT_STREQ(lwmi_path_get_class(p), "Sample_Block");
        ASSERT_FALSE(lwmi_path_is_singleton(p));
        ASSERT_EQ(lwmi_path_get_key_count(p), 1);
        ASSERT_OK(lwmi_path_get_key(p, 0, &name, &v));
        ASSERT_STREQ(name, "InstanceName");
        ASSERT_EQ(v->type, LWMI_CIM_STRING);
        ASSERT_STREQ(v->u.string, "dev0_0");
        ASSERT_ERRNO(lwmi_path_get_key(p, 1, &name, &v), ENOENT);
        ASSERT_NOT_NULL(lwmi_path_find_key(p, "instancename"));
        ASSERT_NULL(lwmi_path_find_key(p, "Other"));
        ASSERT_OK(lwmi_path_format(p, true, &rel));
        ASSERT_STREQ(rel, "Sample_Block.InstanceName=\"dev0_0\"");
}

TEST(parse_forms) {
        check_format("//server/root/cimv2:Win32_Service.Name=\"x\"",
                     "\\\\server\\root\\cimv2:Win32_Service.Name=\"x\"");
        check_format("root/wmi:Foo=@", "\\\\.\\root\\wmi:Foo=@");
        check_format("Foo=@", "Foo=@");
        check_format("Foo", "Foo");
        check_format("Foo=\"v\"", "Foo=\"v\"");
        check_format("Foo=-12", "Foo=-12");
        check_format("Foo.A=1,B=\"two\",C=TRUE,D=false", "Foo.A=1,B=\"two\",C=TRUE,D=FALSE");
        check_format("Foo.A = 0x10 , B = \"x\"", "Foo.A=16,B=\"x\"");
        check_format("Foo.A=18446744073709551615", "Foo.A=18446744073709551615");
        check_format("Foo.A=-9223372036854775808", "Foo.A=-9223372036854775808");
        check_format("Foo.P=\"a\\\"b\\\\c\"", "Foo.P=\"a\\\"b\\\\c\"");
        check_format("Foo.P=\"a:b.c=d,e\"", "Foo.P=\"a:b.c=d,e\"");
        check_format("\\root\\wmi:Foo", "\\\\.\\root\\wmi:Foo");
}

TEST(nested_reference) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL, *inner = NULL;
        _cleanup_free_ char *s = NULL;
        const lwmi_value *v;
        const char *text = "Assoc.Antecedent=\"\\\\\\\\.\\\\root\\\\cimv2:Disk.Id=\\\"a\\\"\","
                           "Dependent=\"Part.Id=3\"";

        ASSERT_OK(lwmi_path_parse(text, &p));
        v = lwmi_path_find_key(p, "Antecedent");
        ASSERT_NOT_NULL(v);
        ASSERT_STREQ(v->u.string, "\\\\.\\root\\cimv2:Disk.Id=\"a\"");
        ASSERT_OK(lwmi_path_parse(v->u.string, &inner));
        ASSERT_STREQ(lwmi_path_get_class(inner), "Disk");
        ASSERT_STREQ(lwmi_path_find_key(inner, "Id")->u.string, "a");
        ASSERT_OK(lwmi_path_format(p, true, &s));
        ASSERT_STREQ(s, text);
}

TEST(parse_errors) {
        static const char *const bad[] = {
                "",
                ".",
                "1Foo",
                "Foo.",
                "Foo.=1",
                "Foo.A",
                "Foo.A=",
                "Foo.A=1,",
                "Foo.A=1,A=2",
                "Foo.A=1,a=2",
                "Foo=@x",
                "Foo=@,A=1",
                "Foo.A=\"unterminated",
                "Foo.A=\"bad\\escape\"",
                "Foo.A=abc",
                "Foo.A=1.5",
                "Foo.A=18446744073709551616",
                "Foo.A=-9223372036854775809",
                "Foo.A=\"x\"y",
                "Foo=1,B=2",
                "\\\\server",
                "\\\\server\\root",
                "\\\\\\root:Foo",
                "\\\\s\\:Foo",
                "\\\\s\\root\\\\x:Foo",
                "root\\:Foo",
                ":Foo",
                "root:",
                "Foo Bar",
                "Foo.A=\"\xff\"",
                "Foo.A=1 B=2",
        };
        lwmi_path *p = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (lwmi_path_parse(bad[i], &p) != -EINVAL)
                        TEST_FAIL("accepted \"%s\"", bad[i]);
                ASSERT_NULL(p);
        }
        ASSERT_ERRNO(lwmi_path_parse(NULL, &p), EINVAL);
}

TEST(build) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value s = LWMI_VALUE_NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        lwmi_value v;

        ASSERT_ERRNO(lwmi_path_new("bad name", &p), EINVAL);
        ASSERT_OK(lwmi_path_new("Foo", &p));
        ASSERT_OK(lwmi_path_set_namespace(p, "ROOT/WMI"));
        ASSERT_STREQ(lwmi_path_get_namespace(p), "ROOT\\WMI");
        ASSERT_ERRNO(lwmi_path_set_server(p, "a:b"), EINVAL);
        ASSERT_OK(lwmi_path_set_server(p, "host"));
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "q\"x"));
        ASSERT_OK(lwmi_path_add_key(p, "Name", &s));
        lwmi_value_set_uint(&v, LWMI_CIM_UINT8, 9);
        ASSERT_OK(lwmi_path_add_key(p, "Id", &v));
        ASSERT_ERRNO(lwmi_path_add_key(p, "ID", &v), EEXIST);
        ASSERT_ERRNO(lwmi_path_add_key(p, NULL, &v), EINVAL);
        lwmi_value_set_null(&v, LWMI_CIM_UINT8);
        ASSERT_ERRNO(lwmi_path_add_key(p, "N", &v), EINVAL);
        ASSERT_ERRNO(lwmi_path_set_singleton(p, true), EINVAL);
        ASSERT_OK(lwmi_path_format(p, false, &a));
        ASSERT_STREQ(a, "\\\\host\\ROOT\\WMI:Foo.Name=\"q\\\"x\",Id=9");
        ASSERT_OK(lwmi_path_format(p, true, &b));
        ASSERT_STREQ(b, "Foo.Name=\"q\\\"x\",Id=9");
        ASSERT_OK(lwmi_path_set_server(p, NULL));
        ASSERT_NULL(lwmi_path_get_server(p));
}

TEST(build_singleton) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        _cleanup_free_ char *a = NULL;
        lwmi_value v;

        ASSERT_OK(lwmi_path_new("Foo", &p));
        ASSERT_OK(lwmi_path_set_singleton(p, true));
        lwmi_value_set_uint(&v, LWMI_CIM_UINT8, 9);
        ASSERT_ERRNO(lwmi_path_add_key(p, "Id", &v), EINVAL);
        ASSERT_OK(lwmi_path_format(p, true, &a));
        ASSERT_STREQ(a, "Foo=@");
}

TEST(namespace_normalize) {
        static const struct {
                const char *in, *out;
        } good[] = {
                { "root/wmi", "root\\wmi" },
                { "ROOT\\WMI", "ROOT\\WMI" },
                { "\\\\.\\root\\wmi", "root\\wmi" },
                { "//host/root/cimv2", "root\\cimv2" },
                { "root", "root" },
                { "\\root\\a_b\\c1", "root\\a_b\\c1" },
        };
        static const char *const bad[] = {
                "", "/", "root/", "root//wmi", "\\\\.", "\\\\.\\", "root/1x", "ro ot", "root:x",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *s = NULL;
                ASSERT_OK(lwmi_namespace_normalize(good[i].in, &s));
                ASSERT_STREQ(s, good[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *s = NULL;
                if (lwmi_namespace_normalize(bad[i], &s) != -EINVAL)
                        TEST_FAIL("accepted \"%s\"", bad[i]);
                ASSERT_NULL(s);
        }
}

TEST(format_key_types) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL, *q = NULL;
        _cleanup_free_ char *a = NULL;
        lwmi_value v;
        lwmi_datetime dt;

        ASSERT_OK(lwmi_path_new("Foo", &p));
        ASSERT_OK(lwmi_datetime_parse("20260101000000.000000+000", &dt));
        lwmi_value_set_datetime(&v, &dt);
        ASSERT_OK(lwmi_path_add_key(p, "D", &v));
        lwmi_value_set_char16(&v, 'A');
        ASSERT_OK(lwmi_path_add_key(p, "C", &v));
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, 1.5);
        ASSERT_OK(lwmi_path_add_key(p, "R", &v));
        lwmi_value_set_sint(&v, LWMI_CIM_SINT8, -1);
        ASSERT_OK(lwmi_path_add_key(p, "S", &v));
        ASSERT_OK(lwmi_path_format(p, true, &a));
        ASSERT_STREQ(a, "Foo.D=\"20260101000000.000000+000\",C=65,R=\"1.5\",S=-1");
        ASSERT_OK(lwmi_path_parse(a, &q));
        ASSERT_EQ(lwmi_path_get_key_count(q), 4);
}

TEST(unnamed_key) {
        _cleanup_(lwmi_path_freep) lwmi_path *p = NULL;
        _cleanup_free_ char *s = NULL;
        const lwmi_value *v;
        const char *name = "x";
        lwmi_value k;

        ASSERT_OK(lwmi_path_parse("root/wmi:Foo=\"v\"", &p));
        ASSERT_EQ(lwmi_path_get_key_count(p), 1);
        ASSERT_OK(lwmi_path_get_key(p, 0, &name, &v));
        ASSERT_NULL(name);
        ASSERT_STREQ(v->u.string, "v");
        ASSERT_NULL(lwmi_path_find_key(p, "Name"));
        lwmi_value_set_uint(&k, LWMI_CIM_UINT8, 1);
        ASSERT_ERRNO(lwmi_path_add_key(p, "Other", &k), EINVAL);
        ASSERT_OK(lwmi_path_format(p, true, &s));
        ASSERT_STREQ(s, "Foo=\"v\"");
}

TEST_MAIN()
