/* SPDX-License-Identifier: MIT */
/* Tests for classes and instances: inheritance, get/put, qualifiers, methods, MOF, JSON, paths. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/test.h"

static void put_bool_qual(lwmi_object *o, const char *prop, const char *q, uint32_t flavor) {
        lwmi_value t;

        lwmi_value_set_bool(&t, true);
        ASSERT_OK(lwmi_object_set_qualifier(o, prop, q, &t, flavor));
}

static void put_string_qual(lwmi_object *o, const char *prop, const char *q, const char *s,
                            uint32_t flavor) {
        _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;

        ASSERT_OK(lwmi_value_set_string(&v, LWMI_CIM_STRING, s));
        ASSERT_OK(lwmi_object_set_qualifier(o, prop, q, &v, flavor));
}

/* class Base { [key] string Name; uint32 Count = 7; } with Description and a restricted Abstract */
static lwmi_object *make_base(void) {
        lwmi_object *c;
        lwmi_value v;
        size_t idx;

        ASSERT_OK(lwmi_class_new("Base", NULL, &c));
        put_bool_qual(c, NULL, "Abstract", LWMI_FLAVOR_RESTRICTED);
        put_string_qual(c, NULL, "Description", "base class", 0);
        ASSERT_OK(lwmi_class_add_property(c, "Name", LWMI_CIM_STRING, NULL, &idx));
        ASSERT_EQ(idx, 0);
        put_bool_qual(c, "Name", "Key", 0);
        ASSERT_OK(lwmi_class_add_property(c, "Count", LWMI_CIM_UINT32, NULL, &idx));
        ASSERT_EQ(idx, 1);
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 7);
        ASSERT_OK(lwmi_object_put(c, "Count", &v));
        return c;
}

TEST(class_basics) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_base();

        ASSERT_TRUE(lwmi_object_is_class(c));
        ASSERT_STREQ(lwmi_object_get_class_name(c), "Base");
        ASSERT_NULL(lwmi_object_get_superclass(c));
        ASSERT_NULL(lwmi_object_get_class(c));
        ASSERT_EQ(lwmi_object_get_property_count(c), 2);
        ASSERT_STREQ(lwmi_object_get_property_name(c, 1), "Count");
        ASSERT_NULL(lwmi_object_get_property_name(c, 2));
        ASSERT_EQ(lwmi_object_find_property(c, "count"), 1);
        ASSERT_ERRNO(lwmi_object_find_property(c, "Nope"), ENOENT);
        ASSERT_ERRNO(lwmi_class_add_property(c, "NAME", LWMI_CIM_STRING, NULL, NULL), EEXIST);
        ASSERT_ERRNO(lwmi_class_add_property(c, "1x", LWMI_CIM_STRING, NULL, NULL), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(c, "__X", LWMI_CIM_STRING, NULL, NULL), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(c, "X", 77, NULL, NULL), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(c, "X", LWMI_CIM_EMPTY, NULL, NULL), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(c, "X", LWMI_CIM_UINT8, "Foo", NULL), EINVAL);
        ASSERT_TRUE(lwmi_object_is_key(c, "name"));
        ASSERT_FALSE(lwmi_object_is_key(c, "Count"));
        ASSERT_FALSE(lwmi_object_is_key(c, "Nope"));
}

TEST(class_new_invalid) {
        lwmi_object *c = NULL, *i = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = make_base();

        ASSERT_ERRNO(lwmi_class_new("", NULL, &c), EINVAL);
        ASSERT_ERRNO(lwmi_class_new("a b", NULL, &c), EINVAL);
        ASSERT_ERRNO(lwmi_class_new(NULL, NULL, &c), EINVAL);
        ASSERT_ERRNO(lwmi_class_new("Base", base, &c), ELOOP);
        ASSERT_OK(lwmi_class_spawn_instance(base, &i));
        ASSERT_ERRNO(lwmi_class_new("X", i, &c), EINVAL);
        ASSERT_ERRNO(lwmi_class_spawn_instance(i, &c), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(i, "Y", LWMI_CIM_UINT8, NULL, NULL), EINVAL);
        ASSERT_NULL(c);
        lwmi_object_unref(i);
}

TEST(inheritance) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = make_base(), *mid = NULL, *leaf = NULL;
        const CimProperty *p;
        const CimQualifier *q;
        lwmi_value v;
        size_t idx;

        ASSERT_OK(lwmi_class_new("Mid", base, &mid));
        ASSERT_OK(lwmi_class_add_property(mid, "Extra", LWMI_CIM_SINT64, NULL, NULL));
        ASSERT_OK(lwmi_class_new("Leaf", mid, &leaf));
        ASSERT_STREQ(lwmi_object_get_superclass(leaf), "Mid");
        ASSERT_EQ(leaf->n_derivation, 2);
        ASSERT_STREQ(leaf->derivation[0], "Mid");
        ASSERT_STREQ(leaf->derivation[1], "Base");
        ASSERT_EQ(lwmi_object_get_property_count(leaf), 3);

        p = cim_object_find_property(leaf, "Name");
        ASSERT_TRUE(p->propagated);
        ASSERT_STREQ(p->origin, "Base");
        q = cim_qualifier_set_find(&p->quals, "Key");
        ASSERT_NOT_NULL(q);
        ASSERT_TRUE(q->flavor & LWMI_FLAVOR_PROPAGATED);
        ASSERT_TRUE(lwmi_object_is_key(leaf, "Name"));
        p = cim_object_find_property(leaf, "Extra");
        ASSERT_STREQ(p->origin, "Mid");
        ASSERT_EQ(lwmi_object_peek(leaf, "Count")->u.uint, 7);

        /* restricted qualifiers stay behind, the others propagate */
        ASSERT_NULL(lwmi_object_get_qualifier(leaf, NULL, "Abstract"));
        ASSERT_NOT_NULL(lwmi_object_get_qualifier(base, NULL, "abstract"));
        q = cim_qualifier_set_find(&leaf->quals, "Description");
        ASSERT_NOT_NULL(q);
        ASSERT_TRUE(q->flavor & LWMI_FLAVOR_PROPAGATED);

        /* override with the same type clears propagated and keeps the origin */
        ASSERT_OK(lwmi_class_add_property(leaf, "count", LWMI_CIM_UINT32, NULL, &idx));
        ASSERT_EQ(idx, 1);
        p = &leaf->props[1];
        ASSERT_FALSE(p->propagated);
        ASSERT_STREQ(p->origin, "Base");
        ASSERT_ERRNO(lwmi_class_add_property(leaf, "Extra", LWMI_CIM_STRING, NULL, NULL), EINVAL);
        ASSERT_ERRNO(lwmi_class_add_property(leaf, "Count", LWMI_CIM_UINT32, NULL, NULL), EEXIST);
        /* a default set in the subclass is an override too */
        lwmi_value_set_sint(&v, LWMI_CIM_SINT64, 5);
        ASSERT_OK(lwmi_object_put(leaf, "Extra", &v));
        ASSERT_FALSE(cim_object_find_property(leaf, "Extra")->propagated);
        ASSERT_TRUE(cim_object_find_property(leaf, "Name")->propagated);

        ASSERT_TRUE(lwmi_object_derives_from(leaf, "base"));
        ASSERT_TRUE(lwmi_object_derives_from(leaf, "LEAF"));
        ASSERT_FALSE(lwmi_object_derives_from(base, "Leaf"));
}

TEST(instance_get_put) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_base(), *i = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value got = LWMI_VALUE_NULL;
        lwmi_value v;
        lwmi_cimtype t;
        uint64_t u;
        int64_t s;
        const char *str;
        double d;
        bool b;

        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_FALSE(lwmi_object_is_class(i));
        ASSERT_TRUE(lwmi_object_get_class(i) == c);
        ASSERT_EQ(lwmi_object_peek(i, "Count")->u.uint, 7);
        ASSERT_TRUE(lwmi_object_peek(i, "Name")->is_null);

        ASSERT_OK(lwmi_object_get(i, "Count", &got, &t));
        ASSERT_EQ(t, LWMI_CIM_UINT32);
        ASSERT_EQ(got.u.uint, 7);
        lwmi_value_clear(&got);
        ASSERT_ERRNO(lwmi_object_get(i, "Nope", &got, NULL), ENOENT);

        lwmi_value_set_sint(&v, LWMI_CIM_SINT64, -1);
        ASSERT_ERRNO(lwmi_object_put(i, "Count", &v), ERANGE);
        ASSERT_ERRNO(lwmi_object_put(i, "Nope", &v), ENOENT);
        ASSERT_ERRNO(lwmi_object_put(i, "__CLASS", &v), EPERM);
        ASSERT_OK(lwmi_object_set_string(i, "Count", "0x10"));
        ASSERT_OK(lwmi_object_get_uint64(i, "Count", &u));
        ASSERT_EQ(u, 16);
        ASSERT_OK(lwmi_object_get_sint64(i, "Count", &s));
        ASSERT_EQ(s, 16);
        ASSERT_OK(lwmi_object_get_real64(i, "Count", &d));
        ASSERT_TRUE(d == 16.0);
        ASSERT_OK(lwmi_object_set_uint64(i, "Count", 42));
        ASSERT_EQ(lwmi_object_peek(i, "Count")->type, LWMI_CIM_UINT32);
        ASSERT_ERRNO(lwmi_object_set_uint64(i, "Count", UINT64_C(1) << 32), ERANGE);
        ASSERT_ERRNO(lwmi_object_get_bool(i, "Count", &b), EINVAL);
        ASSERT_ERRNO(lwmi_object_get_string(i, "Count", &str), EINVAL);

        ASSERT_ERRNO(lwmi_object_get_string(i, "Name", &str), ENODATA);
        ASSERT_OK(lwmi_object_set_string(i, "Name", "dev0"));
        ASSERT_OK(lwmi_object_get_string(i, "name", &str));
        ASSERT_STREQ(str, "dev0");
        ASSERT_OK(lwmi_object_set_sint64(i, "Name", -3));
        ASSERT_OK(lwmi_object_get_string(i, "Name", &str));
        ASSERT_STREQ(str, "-3");
        ASSERT_OK(lwmi_object_set_null(i, "Name"));
        ASSERT_TRUE(lwmi_object_peek(i, "Name")->is_null);
        ASSERT_EQ(lwmi_object_peek(i, "Name")->type, LWMI_CIM_STRING);
        ASSERT_ERRNO(lwmi_object_get_uint64(i, "Nope", &u), ENOENT);
        /* the class default is unchanged */
        ASSERT_EQ(lwmi_object_peek(c, "Count")->u.uint, 7);
}

TEST(typed_accessors) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *i = NULL;
        lwmi_datetime dt, got;
        double d;
        bool b;

        ASSERT_OK(lwmi_class_new("T", NULL, &c));
        ASSERT_OK(lwmi_class_add_property(c, "B", LWMI_CIM_BOOLEAN, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "R", LWMI_CIM_REAL32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "D", LWMI_CIM_DATETIME, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_ERRNO(lwmi_object_get_bool(i, "B", &b), ENODATA);
        ASSERT_OK(lwmi_object_set_bool(i, "B", true));
        ASSERT_OK(lwmi_object_get_bool(i, "B", &b));
        ASSERT_TRUE(b);
        ASSERT_OK(lwmi_object_set_string(i, "B", "false"));
        ASSERT_OK(lwmi_object_get_bool(i, "B", &b));
        ASSERT_FALSE(b);
        ASSERT_OK(lwmi_object_set_real64(i, "R", 0.5));
        ASSERT_OK(lwmi_object_get_real64(i, "R", &d));
        ASSERT_TRUE(d == 0.5);
        ASSERT_ERRNO(lwmi_object_set_real64(i, "R", 1e300), ERANGE);
        ASSERT_OK(lwmi_datetime_parse("20260101000000.000000+000", &dt));
        ASSERT_OK(lwmi_object_set_datetime(i, "D", &dt));
        ASSERT_OK(lwmi_object_get_datetime(i, "D", &got));
        ASSERT_EQ(got.year, 2026);
        ASSERT_OK(lwmi_object_set_string(i, "D", "20250101000000.000000+000"));
        ASSERT_OK(lwmi_object_get_datetime(i, "D", &got));
        ASSERT_EQ(got.year, 2025);
        ASSERT_ERRNO(lwmi_object_set_string(i, "D", "yesterday"), EINVAL);
        ASSERT_ERRNO(lwmi_object_get_datetime(i, "B", &got), EINVAL);
}

TEST(system_properties) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = make_base(), *leaf = NULL, *i = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;
        const char *s;
        int64_t n;

        ASSERT_OK(lwmi_class_new("Leaf", base, &leaf));
        ASSERT_OK(lwmi_object_set_namespace(leaf, NULL, "root/wmi"));
        ASSERT_OK(lwmi_class_spawn_instance(leaf, &i));
        ASSERT_OK(lwmi_object_set_string(i, "Name", "a\"b"));

        ASSERT_OK(lwmi_object_get(i, "__CLASS", &v, NULL));
        ASSERT_STREQ(v.u.string, "Leaf");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__superclass", &v, NULL));
        ASSERT_STREQ(v.u.string, "Base");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__DYNASTY", &v, NULL));
        ASSERT_STREQ(v.u.string, "Base");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(base, "__DYNASTY", &v, NULL));
        ASSERT_STREQ(v.u.string, "Base");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(base, "__SUPERCLASS", &v, NULL));
        ASSERT_TRUE(v.is_null);
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__DERIVATION", &v, NULL));
        ASSERT_EQ(v.type, LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY);
        ASSERT_EQ(v.u.array.n, 1);
        ASSERT_STREQ(v.u.array.items[0].u.string, "Base");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get_sint64(i, "__GENUS", &n));
        ASSERT_EQ(n, 2);
        ASSERT_OK(lwmi_object_get_sint64(leaf, "__GENUS", &n));
        ASSERT_EQ(n, 1);
        ASSERT_OK(lwmi_object_get_sint64(i, "__PROPERTY_COUNT", &n));
        ASSERT_EQ(n, 2);
        ASSERT_OK(lwmi_object_get(i, "__NAMESPACE", &v, NULL));
        ASSERT_STREQ(v.u.string, "root\\wmi");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__SERVER", &v, NULL));
        ASSERT_TRUE(v.is_null);
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__RELPATH", &v, NULL));
        ASSERT_STREQ(v.u.string, "Leaf.Name=\"a\\\"b\"");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(i, "__PATH", &v, NULL));
        ASSERT_STREQ(v.u.string, "\\\\.\\root\\wmi:Leaf.Name=\"a\\\"b\"");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(leaf, "__PATH", &v, NULL));
        ASSERT_STREQ(v.u.string, "\\\\.\\root\\wmi:Leaf");
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get(base, "__PATH", &v, NULL));
        ASSERT_TRUE(v.is_null);
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_get_string(i, "__CLASS", &s));
        ASSERT_STREQ(s, "Leaf");
        ASSERT_ERRNO(lwmi_object_get(i, "__NOPE", &v, NULL), ENOENT);
        ASSERT_ERRNO(lwmi_object_set_namespace(i, NULL, "root//x"), EINVAL);
        ASSERT_OK(lwmi_object_set_namespace(i, "host", "root\\cimv2"));
        ASSERT_STREQ(lwmi_object_get_server(i), "host");
        ASSERT_STREQ(lwmi_object_get_namespace(i), "root\\cimv2");
}

TEST(paths) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *i = NULL, *s = NULL, *si = NULL;
        _cleanup_free_ char *p1 = NULL, *p2 = NULL, *p3 = NULL;
        char *p = NULL;

        ASSERT_OK(lwmi_class_new("K", NULL, &c));
        ASSERT_OK(lwmi_class_add_property(c, "Id", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Other", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Dev", LWMI_CIM_STRING, NULL, NULL));
        put_bool_qual(c, "Id", "key", 0);
        put_bool_qual(c, "Dev", "Key", 0);
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_OK(lwmi_object_set_uint64(i, "Id", 3));
        ASSERT_ERRNO(lwmi_object_get_path(i, true, &p), ENOKEY);
        ASSERT_NULL(p);
        ASSERT_OK(lwmi_object_set_string(i, "Dev", "C:\\x"));
        ASSERT_OK(lwmi_object_get_path(i, true, &p1));
        ASSERT_STREQ(p1, "K.Id=3,Dev=\"C:\\\\x\"");
        ASSERT_OK(lwmi_object_get_path(i, false, &p2));
        ASSERT_STREQ(p2, "K.Id=3,Dev=\"C:\\\\x\"");

        ASSERT_OK(lwmi_class_new("S", NULL, &s));
        put_bool_qual(s, NULL, "Singleton", 0);
        ASSERT_OK(lwmi_class_add_property(s, "V", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(s, &si));
        ASSERT_OK(lwmi_object_set_namespace(si, "srv", "root\\x"));
        ASSERT_OK(lwmi_object_get_path(si, false, &p3));
        ASSERT_STREQ(p3, "\\\\srv\\root\\x:S=@");
}

TEST(keyless_instance_has_no_path) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *i = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;
        char *p = NULL;

        ASSERT_OK(lwmi_class_new("Ev", NULL, &c));
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_ERRNO(lwmi_object_get_path(i, true, &p), ENOKEY);
        ASSERT_OK(lwmi_object_get(i, "__RELPATH", &v, NULL));
        ASSERT_TRUE(v.is_null);
}

TEST(qualifiers) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_base(), *i = NULL;
        const lwmi_value *q;
        lwmi_value v;

        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        q = lwmi_object_get_qualifier(i, NULL, "description");
        ASSERT_NOT_NULL(q);
        ASSERT_STREQ(q->u.string, "base class");
        ASSERT_NOT_NULL(lwmi_object_get_qualifier(i, "Name", "KEY"));
        ASSERT_NULL(lwmi_object_get_qualifier(i, "Nope", "Key"));
        ASSERT_NULL(lwmi_object_get_qualifier(i, "Count", "Key"));
        /* an instance qualifier hides the class one */
        put_string_qual(i, NULL, "Description", "mine", 0);
        ASSERT_STREQ(lwmi_object_get_qualifier(i, NULL, "Description")->u.string, "mine");
        ASSERT_STREQ(lwmi_object_get_qualifier(c, NULL, "Description")->u.string, "base class");
        lwmi_value_set_bool(&v, true);
        ASSERT_ERRNO(lwmi_object_set_qualifier(c, "Nope", "Key", &v, 0), ENOENT);
        ASSERT_ERRNO(lwmi_object_set_qualifier(c, NULL, "bad name", &v, 0), EINVAL);
        lwmi_value_set_bool(&v, false);
        ASSERT_OK(lwmi_object_set_qualifier(c, "Name", "Key", &v, 0));
        ASSERT_FALSE(lwmi_object_is_key(c, "Name"));
}

/* class M { uint32 Set([in, ID(1)] uint32 B, [in, ID(0)] string A, [out] uint8 C[]); void Ping(); }
 */
static lwmi_object *make_methods(void) {
        lwmi_object *c;
        lwmi_value id;
        size_t m;

        ASSERT_OK(lwmi_class_new("M", NULL, &c));
        ASSERT_OK(lwmi_class_add_method(c, "Set", LWMI_CIM_UINT32, &m));
        ASSERT_EQ(m, 0);
        ASSERT_OK(lwmi_class_add_parameter(c, m, "B", LWMI_CIM_UINT32, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "A", LWMI_CIM_STRING, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "C", LWMI_CIM_UINT8 | LWMI_CIM_FLAG_ARRAY, NULL,
                                           false, true));
        lwmi_value_set_sint(&id, LWMI_CIM_SINT32, 1);
        ASSERT_OK(cim_qualifier_set_put(&c->methods[0].params[0].quals, "ID", &id, 0));
        lwmi_value_set_sint(&id, LWMI_CIM_SINT32, 0);
        ASSERT_OK(cim_qualifier_set_put(&c->methods[0].params[1].quals, "ID", &id, 0));
        ASSERT_OK(lwmi_class_add_method(c, "Ping", LWMI_CIM_EMPTY, &m));
        ASSERT_EQ(m, 1);
        return c;
}

TEST(methods) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_methods(), *in = NULL, *out = NULL,
                                                  *i = NULL, *sub = NULL;

        ASSERT_EQ(lwmi_object_get_method_count(c), 2);
        ASSERT_STREQ(lwmi_object_get_method_name(c, 1), "Ping");
        ASSERT_NULL(lwmi_object_get_method_name(c, 2));
        ASSERT_EQ(lwmi_object_find_method(c, "ping"), 1);
        ASSERT_ERRNO(lwmi_object_find_method(c, "Nope"), ENOENT);
        ASSERT_ERRNO(lwmi_class_add_method(c, "SET", LWMI_CIM_EMPTY, NULL), EEXIST);
        ASSERT_ERRNO(lwmi_class_add_parameter(c, 0, "a", LWMI_CIM_UINT8, NULL, true, false),
                     EEXIST);
        ASSERT_ERRNO(
                lwmi_class_add_parameter(c, 0, "ReturnValue", LWMI_CIM_UINT8, NULL, true, false),
                EEXIST);
        ASSERT_ERRNO(lwmi_class_add_parameter(c, 5, "Z", LWMI_CIM_UINT8, NULL, true, false),
                     ENOENT);

        ASSERT_OK(lwmi_object_get_method_signature(c, "Set", &in, &out));
        ASSERT_NOT_NULL(in);
        ASSERT_NOT_NULL(out);
        ASSERT_STREQ(lwmi_object_get_class_name(in), "__PARAMETERS");
        ASSERT_EQ(lwmi_object_get_property_count(in), 2);
        ASSERT_STREQ(lwmi_object_get_property_name(in, 0), "A");
        ASSERT_STREQ(lwmi_object_get_property_name(in, 1), "B");
        ASSERT_EQ(lwmi_object_get_property_count(out), 2);
        ASSERT_STREQ(lwmi_object_get_property_name(out, 0), "ReturnValue");
        ASSERT_EQ(out->props[0].type, LWMI_CIM_UINT32);
        ASSERT_STREQ(lwmi_object_get_property_name(out, 1), "C");
        lwmi_object_unref(in);
        lwmi_object_unref(out);
        in = out = (lwmi_object *) 1;
        ASSERT_OK(lwmi_object_get_method_signature(c, "Ping", &in, &out));
        ASSERT_NULL(in);
        ASSERT_NULL(out);
        ASSERT_ERRNO(lwmi_object_get_method_signature(c, "Nope", &in, &out), ENOENT);

        /* instances see their class's methods; subclasses inherit them */
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_EQ(lwmi_object_get_method_count(i), 2);
        ASSERT_OK(lwmi_object_get_method_signature(i, "Set", &in, NULL));
        lwmi_object_unref(in);
        in = NULL;
        ASSERT_OK(lwmi_class_new("Sub", c, &sub));
        ASSERT_EQ(lwmi_object_get_method_count(sub), 2);
        ASSERT_TRUE(sub->methods[0].propagated);
        ASSERT_EQ(sub->methods[0].n_params, 3);
        ASSERT_OK(lwmi_class_add_method(sub, "Ping", LWMI_CIM_UINT32, NULL));
        ASSERT_FALSE(sub->methods[1].propagated);
        ASSERT_STREQ(sub->methods[1].origin, "M");
}

TEST(class_to_mof) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_methods(), *sub = NULL;
        _cleanup_free_ char *m = NULL, *m2 = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value a = LWMI_VALUE_NULL;
        lwmi_value v;

        ASSERT_OK(lwmi_class_add_property(c, "R", LWMI_CIM_REFERENCE, "Other", NULL));
        ASSERT_OK(lwmi_class_add_property(c, "E", LWMI_CIM_OBJECT, "Emb", NULL));
        ASSERT_OK(lwmi_class_add_property(c, "Data", LWMI_CIM_UINT8 | LWMI_CIM_FLAG_ARRAY, NULL,
                                          NULL));
        c->props[2].array_size = 4;
        ASSERT_OK(lwmi_class_add_property(c, "Names", LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY, NULL,
                                          NULL));
        ASSERT_OK(lwmi_value_set_array(&a, LWMI_CIM_STRING, 2));
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[0], LWMI_CIM_STRING, "x"));
        ASSERT_OK(lwmi_value_set_string(&a.u.array.items[1], LWMI_CIM_STRING, "y"));
        ASSERT_OK(lwmi_object_put(c, "Names", &a));
        ASSERT_OK(lwmi_object_set_qualifier(c, NULL, "Values", &a, LWMI_FLAVOR_TRANSLATABLE));
        put_bool_qual(c, NULL, "Abstract", LWMI_FLAVOR_RESTRICTED | LWMI_FLAVOR_DISABLE_OVERRIDE);
        put_bool_qual(c, "R", "Key", 0);
        lwmi_value_set_sint(&v, LWMI_CIM_SINT32, 1);
        ASSERT_OK(lwmi_object_set_qualifier(c, "Data", "WmiDataId", &v, 0));
        ASSERT_OK(lwmi_object_to_mof(c, &m));
        ASSERT_STREQ(
                m, "[Values{\"x\", \"y\"} : Translatable, Abstract : DisableOverride Restricted]\n"
                   "class M\n"
                   "{\n"
                   "    [Key] Other ref R;\n"
                   "    Emb E;\n"
                   "    [WmiDataId(1)] uint8 Data[4];\n"
                   "    string Names[] = {\"x\", \"y\"};\n"
                   "    uint32 Set([In, ID(1)] uint32 B, [In, ID(0)] string A, [Out] uint8 C[]);\n"
                   "    void Ping();\n"
                   "};\n");

        /* a subclass prints only what it declares */
        ASSERT_OK(lwmi_class_new("Sub", c, &sub));
        ASSERT_OK(lwmi_class_add_property(sub, "Z", LWMI_CIM_CHAR16, NULL, NULL));
        ASSERT_OK(lwmi_object_to_mof(sub, &m2));
        ASSERT_STREQ(m2, "class Sub : M\n{\n    char16 Z;\n};\n");
}

TEST(instance_to_mof_and_json) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_base(), *i = NULL, *e = NULL,
                                                  *ec = NULL;
        _cleanup_free_ char *m = NULL, *j = NULL, *cj = NULL;
        lwmi_value v;

        ASSERT_OK(lwmi_class_new("Holder", c, &ec));
        ASSERT_OK(lwmi_class_add_property(ec, "Inner", LWMI_CIM_OBJECT, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(c, &e));
        ASSERT_OK(lwmi_object_set_string(e, "Name", "in"));
        ASSERT_OK(lwmi_class_spawn_instance(ec, &i));
        ASSERT_OK(lwmi_object_set_string(i, "Name", "out\n"));
        lwmi_value_set_object(&v, e);
        ASSERT_OK(lwmi_object_put(i, "Inner", &v));
        lwmi_value_clear(&v);
        ASSERT_OK(lwmi_object_to_mof(i, &m));
        ASSERT_STREQ(m, "instance of Holder\n"
                        "{\n"
                        "    Name = \"out\\n\";\n"
                        "    Count = 7;\n"
                        "    Inner = instance of Base\n"
                        "    {\n"
                        "        Name = \"in\";\n"
                        "        Count = 7;\n"
                        "    };\n"
                        "};\n");
        ASSERT_OK(lwmi_object_to_json(i, &j));
        ASSERT_STREQ(j, "{\"__CLASS\":\"Holder\",\"__PATH\":\"Holder.Name=\\\"out\\n\\\"\","
                        "\"Name\":\"out\\n\",\"Count\":7,\"Inner\":{\"__CLASS\":\"Base\","
                        "\"__PATH\":\"Base.Name=\\\"in\\\"\",\"Name\":\"in\",\"Count\":7}}");
        ASSERT_OK(lwmi_object_to_json(c, &cj));
        ASSERT_STREQ(cj, "{\"__CLASS\":\"Base\",\"__SUPERCLASS\":null,\"Name\":null,\"Count\":7}");
}

TEST(clone_and_equal) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = make_methods(), *c2 = NULL, *i = NULL,
                                                  *i2 = NULL;

        ASSERT_OK(lwmi_object_clone(c, &c2));
        ASSERT_TRUE(cim_object_equal(c, c2));
        ASSERT_OK(lwmi_class_add_property(c2, "New", LWMI_CIM_UINT8, NULL, NULL));
        ASSERT_FALSE(cim_object_equal(c, c2));
        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        ASSERT_OK(lwmi_object_clone(i, &i2));
        ASSERT_TRUE(lwmi_object_get_class(i2) == c);
        ASSERT_TRUE(cim_object_equal(i, i2));
        ASSERT_FALSE(cim_object_equal(i, c));
        ASSERT_EQ(c->n_ref, 3);
}

TEST(refcount) {
        lwmi_object *c = make_base();

        ASSERT_TRUE(lwmi_object_ref(c) == c);
        ASSERT_NULL(lwmi_object_unref(c));
        ASSERT_NULL(lwmi_object_unref(c));
        ASSERT_NULL(lwmi_object_unref(NULL));
        ASSERT_NULL(lwmi_object_ref(NULL));
}

/*
 * Freed instances leave their memory to the next ones spawned on the thread
 * (object.c's cache): a reused instance starts as a fresh one (the class
 * defaults, no qualifiers of its own), also when its predecessor grew, and
 * memory freed on another thread is released at that thread's exit (LSan).
 */
static lwmi_object *cache_class(void) {
        lwmi_object *cls;
        lwmi_value v;

        ASSERT_OK(lwmi_class_new("CacheTest", NULL, &cls));
        ASSERT_OK(lwmi_class_add_property(cls, "A", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "S", LWMI_CIM_STRING, NULL, NULL));
        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, 7);
        ASSERT_OK(lwmi_object_put(cls, "A", &v)); /* the class default */
        return cls;
}

static void *spawn_many(void *arg) {
        lwmi_object **objs = arg;

        for (int i = 0; i < 64; i++)
                lwmi_object_unref(objs[i]); /* freed here, cached by this thread */
        return NULL;
}

TEST(instance_memory_reused) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = cache_class();
        lwmi_object *objs[64];
        pthread_t t;
        uint64_t u;
        lwmi_value v;

        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 64; i++) {
                        const char *str = NULL;

                        ASSERT_OK(lwmi_class_spawn_instance(cls, &objs[i]));
                        ASSERT_OK(lwmi_object_get_uint64(objs[i], "A", &u));
                        ASSERT_EQ(u, 7);
                        ASSERT_ERRNO(lwmi_object_get_string(objs[i], "S", &str), ENODATA);
                        ASSERT_NULL(lwmi_object_get_namespace(objs[i]));
                        ASSERT_STREQ(lwmi_object_get_class_name(objs[i]), "CacheTest");
                        /* dirty it: a value, a qualifier of its own, a namespace */
                        ASSERT_OK(lwmi_object_set_uint64(objs[i], "A", 1000 + (uint64_t) i));
                        ASSERT_OK(lwmi_object_set_string(objs[i], "S", "dirty"));
                        lwmi_value_set_bool(&v, true);
                        ASSERT_OK(lwmi_object_set_qualifier(objs[i], "A", "Mine", &v, 0));
                        lwmi_object_set_namespace(objs[i], NULL, "root\\x");
                }
                for (int i = 0; i < 64; i++)
                        lwmi_object_unref(objs[i]);
        }
        for (int i = 0; i < 64; i++) {
                ASSERT_OK(lwmi_class_spawn_instance(cls, &objs[i]));
                ASSERT_NULL(lwmi_object_get_qualifier(objs[i], "A", "Mine"));
        }
        ASSERT_EQ(pthread_create(&t, NULL, spawn_many, objs), 0);
        ASSERT_EQ(pthread_join(t, NULL), 0);
}

/*
 * Lookups on instances remember where a name string was found: a buffer that
 * now holds another name, and a class freed with another in its place (the
 * same address, likely, from the allocator), still find the right property.
 */
TEST(lookup_hint_never_wrong) {
        char name[16];
        uint64_t u;

        for (int round = 0; round < 4; round++) {
                lwmi_object *cls, *i;
                lwmi_value v;

                ASSERT_OK(lwmi_class_new("HintTest", NULL, &cls));
                /* each round declares the properties in another order */
                for (int k = 0; k < 4; k++) {
                        snprintf(name, sizeof(name), "P%d", (k + round) % 4);
                        ASSERT_OK(lwmi_class_add_property(cls, name, LWMI_CIM_UINT64, NULL, NULL));
                }
                ASSERT_OK(lwmi_class_spawn_instance(cls, &i));
                for (int k = 0; k < 4; k++) {
                        snprintf(name, sizeof(name), "P%d", k);
                        lwmi_value_set_uint(&v, LWMI_CIM_UINT64,
                                            100 * (uint64_t) round + (uint64_t) k);
                        ASSERT_OK(lwmi_object_put(i, name, &v));
                }
                for (int pass = 0; pass < 2; pass++)
                        for (int k = 3; k >= 0; k--) {
                                snprintf(name, sizeof(name), "P%d", k); /* same buffer, new name */
                                ASSERT_OK(lwmi_object_get_uint64(i, name, &u));
                                ASSERT_EQ(u, 100 * (uint64_t) round + (uint64_t) k);
                        }
                ASSERT_ERRNO(lwmi_object_get_uint64(i, "p9", &u), ENOENT);
                lwmi_object_unref(i);
                lwmi_object_unref(cls);
        }
}

/* Property handles: an index found on the class reads the same property of its instances. */
TEST(peek_at_class_index) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = cache_class(), *a = NULL, *b = NULL;
        int ia = lwmi_object_find_property(cls, "A"), is = lwmi_object_find_property(cls, "S");

        ASSERT_CMP(ia, >=, 0);
        ASSERT_CMP(is, >=, 0);
        ASSERT_OK(lwmi_class_spawn_instance(cls, &a));
        ASSERT_OK(lwmi_class_spawn_instance(cls, &b));
        ASSERT_OK(lwmi_object_set_uint64(a, "A", 11));
        ASSERT_OK(lwmi_object_set_string(b, "S", "bee"));
        ASSERT_EQ(lwmi_object_peek_at(a, (size_t) ia)->u.uint, 11);
        ASSERT_EQ(lwmi_object_peek_at(b, (size_t) ia)->u.uint, 7); /* the class default */
        ASSERT_TRUE(lwmi_object_peek_at(a, (size_t) is)->is_null);
        ASSERT_STREQ(lwmi_object_peek_at(b, (size_t) is)->u.string, "bee");
        ASSERT_TRUE(lwmi_object_peek_at(a, (size_t) ia) == lwmi_object_peek(a, "a"));
        ASSERT_NULL(lwmi_object_peek_at(a, lwmi_object_get_property_count(a)));
        ASSERT_NULL(lwmi_object_peek_at(NULL, 0));
}

TEST_MAIN()
