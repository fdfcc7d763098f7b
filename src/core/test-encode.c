/* SPDX-License-Identifier: MIT */
/* Tests for the binary object encoding: round trips and hostile input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/test.h"

static lwmi_object *make_class(void) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL, s = LWMI_VALUE_NULL;
        lwmi_object *c;
        lwmi_value v;
        lwmi_datetime dt;
        size_t m;

        ASSERT_OK(lwmi_class_new("Base", NULL, &base));
        ASSERT_OK(lwmi_class_add_property(base, "InstanceName", LWMI_CIM_STRING, NULL, NULL));
        lwmi_value_set_bool(&v, true);
        ASSERT_OK(lwmi_object_set_qualifier(base, "InstanceName", "key", &v, 0));
        ASSERT_OK(lwmi_object_set_qualifier(base, NULL, "Abstract", &v, LWMI_FLAVOR_RESTRICTED));
        ASSERT_OK(lwmi_object_set_qualifier(base, NULL, "WMI", &v, LWMI_FLAVOR_TO_INSTANCE));
        ASSERT_OK(lwmi_object_set_namespace(base, ".", "root\\wmi"));

        ASSERT_OK(lwmi_class_new("Sample", base, &c));
        ASSERT_OK(lwmi_class_add_property(c, "Active", LWMI_CIM_BOOLEAN, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "U8", LWMI_CIM_UINT8, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "S64", LWMI_CIM_SINT64, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "R32", LWMI_CIM_REAL32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "R64", LWMI_CIM_REAL64, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "C", LWMI_CIM_CHAR16, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "When", LWMI_CIM_DATETIME, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Ref", LWMI_CIM_REFERENCE, "Base", NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Emb", LWMI_CIM_OBJECT, "Base", NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Arr", LWMI_CIM_UINT32 | LWMI_CIM_FLAG_ARRAY, NULL,
                                          NULL));
        c->props[c->n_props - 1].array_size = 3;
        ASSERT_OK(lwmi_class_add_property(c, "Strs", LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY, NULL,
                                          NULL));
        lwmi_value_set_sint(&v, LWMI_CIM_SINT32, 2);
        ASSERT_OK(lwmi_object_set_qualifier(c, "U8", "WmiDataId", &v, 0));
        lwmi_value_set_uint(&v, LWMI_CIM_UINT8, 200);
        ASSERT_OK(lwmi_object_put(c, "U8", &v));
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, -0.0);
        ASSERT_OK(lwmi_object_put(c, "R64", &v));
        ASSERT_OK(lwmi_datetime_parse("2026****121500.123***+060", &dt));
        lwmi_value_set_datetime(&v, &dt);
        ASSERT_OK(lwmi_object_put(c, "When", &v));
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_UINT32, 3));
        lwmi_value_set_uint(&a.u.array.items[0], LWMI_CIM_UINT32, 1);
        lwmi_value_set_uint(&a.u.array.items[2], LWMI_CIM_UINT32, 3);
        ASSERT_OK(lwmi_object_put(c, "Arr", &a));
        ASSERT_OK(lwmi_value_set_string(&s, LWMI_CIM_STRING, "caf\xc3\xa9 \"x\""));
        ASSERT_OK(lwmi_object_set_qualifier(c, NULL, "Description", &s,
                                            LWMI_FLAVOR_TRANSLATABLE | LWMI_FLAVOR_AMENDED));

        ASSERT_OK(lwmi_class_add_method(c, "Reset", LWMI_CIM_UINT32, &m));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "Level", LWMI_CIM_UINT8, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "Target", LWMI_CIM_REFERENCE, "Base", true, true));
        lwmi_value_set_sint(&v, LWMI_CIM_SINT32, 1);
        ASSERT_OK(cim_qualifier_set_put(&c->methods[m].quals, "WmiMethodId", &v, 0));
        ASSERT_OK(lwmi_class_add_method(c, "Ping", LWMI_CIM_EMPTY, NULL));
        return c;
}

static lwmi_object *make_instance(lwmi_object *c) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *emb = NULL, *base_cls = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL;
        lwmi_object *i;
        lwmi_value v;

        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_OK(lwmi_object_set_string(i, "InstanceName", "dev0_0"));
        ASSERT_OK(lwmi_object_set_bool(i, "Active", true));
        ASSERT_OK(lwmi_object_set_sint64(i, "S64", INT64_MIN));
        ASSERT_OK(lwmi_object_set_real64(i, "R32", 0.25));
        lwmi_value_set_real(&v, LWMI_CIM_REAL64, NAN);
        ASSERT_OK(lwmi_object_put(i, "R64", &v));
        lwmi_value_set_char16(&v, 0x263A);
        ASSERT_OK(lwmi_object_put(i, "C", &v));
        ASSERT_OK(lwmi_object_set_string(i, "Ref", "Base.InstanceName=\"x\""));
        ASSERT_OK(lwmi_object_set_namespace(i, "srv", "root\\wmi"));
        /* an embedded instance of another class travels with its class */
        ASSERT_OK(lwmi_class_new("Inner", NULL, &base_cls));
        ASSERT_OK(lwmi_class_add_property(base_cls, "X", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(base_cls, &emb));
        ASSERT_OK(lwmi_object_set_string(emb, "X", "inner"));
        lwmi_value_set_object(&v, emb);
        ASSERT_OK(lwmi_object_put(i, "Emb", &v));
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_STRING, 2));
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[1], LWMI_CIM_STRING, ""));
        ASSERT_OK(lwmi_object_put(i, "Strs", &a));
        return i;
}

static lwmi_object *lookup_fixed(void *userdata, const char *name) {
        lwmi_object *c = userdata;

        if (!c || !lwmi_name_eq(c->name, name))
                return NULL;
        return lwmi_object_ref(c);
}

/* encode -> decode -> equal -> encode gives the same bytes */
static void roundtrip(const lwmi_object *o, bool full, lwmi_object *cls) {
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT, b = STRBUF_INIT;
        _cleanup_(lwmi_object_unrefp) lwmi_object *d = NULL;

        ASSERT_OK(full ? cim_object_encode_full(o, &a) : cim_object_encode(o, &a));
        ASSERT_OK(cim_object_decode(a.s, a.len, lookup_fixed, cls, &d));
        ASSERT_TRUE(cim_object_equal(o, d));
        ASSERT_OK(full ? cim_object_encode_full(d, &b) : cim_object_encode(d, &b));
        ASSERT_EQ(a.len, b.len);
        ASSERT_TRUE(memcmp(a.s, b.s, a.len) == 0);
}

TEST(class_roundtrip) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class(), *e = NULL;

        roundtrip(c, false, NULL);
        roundtrip(c, true, NULL);
        ASSERT_OK(lwmi_class_new("Empty", NULL, &e));
        roundtrip(e, false, NULL);
}

TEST(instance_roundtrip) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class(), *i = make_instance(c);

        roundtrip(i, false, c);
        roundtrip(i, true, NULL);
}

TEST(instance_needs_class) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class(), *i = make_instance(c),
                                                  *other = NULL;
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
        lwmi_object *d = NULL;

        ASSERT_OK(cim_object_encode(i, &a));
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), ENOENT);
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, lookup_fixed, NULL, &d), ENOENT);
        /* a class of the same name with another shape does not fit */
        ASSERT_OK(lwmi_class_new("Sample", NULL, &other));
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, lookup_fixed, other, &d), EBADMSG);
        ASSERT_NULL(d);
}

TEST(header_errors) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class();
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
        lwmi_object *d = NULL;

        ASSERT_OK(cim_object_encode(c, &a));
        ASSERT_ERRNO(cim_object_decode("", 0, NULL, NULL, &d), EBADMSG);
        a.s[0] = 'X';
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        a.s[0] = 'L';
        a.s[4] = 2;
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EPROTONOSUPPORT);
        a.s[4] = 1;
        a.s[5] = 9;
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        a.s[5] = 1;
        strbuf_append_c(&a, 0);
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        ASSERT_OK(cim_object_decode(a.s, a.len - 1, NULL, NULL, &d));
        lwmi_object_unref(d);
}

TEST(every_truncation_fails) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class(), *i = make_instance(c);
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;

        ASSERT_OK(cim_object_encode_full(i, &a));
        for (size_t n = 0; n < a.len; n++) {
                lwmi_object *d = NULL;
                int r = cim_object_decode(a.s, n, NULL, NULL, &d);

                if (r >= 0)
                        TEST_FAIL("prefix of %zu bytes decoded", n);
                ASSERT_NULL(d);
        }
}

TEST(corruption_never_crashes) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_class(), *i = make_instance(c);
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
        unsigned ok = 0;

        ASSERT_OK(cim_object_encode_full(i, &a));
        for (size_t k = 0; k < a.len; k++) {
                static const uint8_t patterns[] = { 0x00, 0xff, 0x80, 0x01, 0x7f };

                for (size_t j = 0; j < ELEMENTSOF(patterns); j++) {
                        uint8_t saved = (uint8_t) a.s[k];
                        lwmi_object *d = NULL;

                        a.s[k] = (char) (saved ^ patterns[j]);
                        if (cim_object_decode(a.s, a.len, lookup_fixed, c, &d) >= 0) {
                                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                                ASSERT_OK(cim_object_encode_full(d, &b));
                                lwmi_object_unref(d);
                                ok++;
                        }
                        a.s[k] = (char) saved;
                }
        }
        /* values such as integers can change freely */
        ASSERT_TRUE(ok > 0);
}

TEST(invalid_strings_rejected) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL;
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
        lwmi_object *d = NULL;
        char *p;

        ASSERT_OK(lwmi_class_new("Abcdef", NULL, &c));
        ASSERT_OK(cim_object_encode(c, &a));
        p = memmem(a.s, a.len, "Abcdef", 6);
        ASSERT_NOT_NULL(p);
        p[2] = (char) 0xff;
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        p[2] = 0;
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        p[2] = ' ';
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, NULL, NULL, &d), EBADMSG);
        p[2] = 'c';
        ASSERT_OK(cim_object_decode(a.s, a.len, NULL, NULL, &d));
        lwmi_object_unref(d);
}

TEST(huge_counts_rejected) {
        /* magic, version, class, name "A", NULL super/server/ns, 0xffffffff derivations */
        static const uint8_t data[] = { 'L',  'W',  'M',  'O',  1,    1,    1,    0,    0,
                                        0,    'A',  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        lwmi_object *d = NULL;

        ASSERT_ERRNO(cim_object_decode(data, sizeof(data), NULL, NULL, &d), EBADMSG);
}

TEST(nesting_is_bounded) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *inner = NULL;
        _cleanup_strbuf_ StrBuf a = STRBUF_INIT;
        lwmi_object *d = NULL;

        ASSERT_OK(lwmi_class_new("N", NULL, &c));
        ASSERT_OK(lwmi_class_add_property(c, "Next", LWMI_CIM_OBJECT, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(c, &inner));
        for (unsigned k = 0; k < 40; k++) {
                lwmi_object *o;
                lwmi_value v;

                ASSERT_OK(lwmi_class_spawn_instance(c, &o));
                lwmi_value_set_object(&v, inner);
                ASSERT_OK(lwmi_object_put(o, "Next", &v));
                lwmi_value_clear(&v);
                lwmi_object_unref(inner);
                inner = o;
                if (k == 20) {
                        ASSERT_OK(cim_object_encode(inner, &a));
                        ASSERT_OK(cim_object_decode(a.s, a.len, lookup_fixed, c, &d));
                        d = lwmi_object_unref(d);
                        strbuf_truncate(&a, 0);
                }
        }
        ASSERT_OK(cim_object_encode(inner, &a));
        ASSERT_ERRNO(cim_object_decode(a.s, a.len, lookup_fixed, c, &d), EBADMSG);
}

TEST(embedded_class_and_array_qualifier) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *inner = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL;
        lwmi_value v;

        ASSERT_OK(lwmi_class_new("Holder", NULL, &c));
        ASSERT_OK(lwmi_class_new("Inner", NULL, &inner));
        ASSERT_OK(lwmi_class_add_property(inner, "Y", LWMI_CIM_SINT16, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Obj", LWMI_CIM_OBJECT, NULL, NULL));
        lwmi_value_set_object(&v, inner);
        ASSERT_OK(lwmi_object_put(c, "Obj", &v));
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_SINT32, 2));
        lwmi_value_set_sint(&a.u.array.items[0], LWMI_CIM_SINT32, -7);
        ASSERT_OK(
                lwmi_object_set_qualifier(c, "Obj", "ValueMap", &a, LWMI_FLAVOR_DISABLE_OVERRIDE));
        roundtrip(c, false, NULL);
}

TEST_MAIN()
