/* SPDX-License-Identifier: MIT */
/* Unit tests of the MOF compiler: objects built, semantic checks, inputs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/object.h"
#include "mof/mof.h"
#include "shared/name.h"
#include "shared/test.h"

static MofResult *compile_opts(const char *text, const MofOptions *opts) {
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        int k;

        k = mof_compile_buffer("t.mof", text, strlen(text), opts, &r, &d);
        if (k < 0) {
                mof_diag_list_print(&d, stderr);
                TEST_FAIL("compile failed (%d) for: %s", k, text);
        }
        mof_diag_list_deinit(&d);
        return r;
}

static MofResult *compile(const char *text) {
        return compile_opts(text, NULL);
}

/* Asserts an error at @line:@col whose message contains @substr. */
static void compile_err_opts(const char *text, const MofOptions *opts, unsigned line, unsigned col,
                             const char *substr) {
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        bool found = false;

        ASSERT_ERRNO(mof_compile_buffer("t.mof", text, strlen(text), opts, &r, &d), EINVAL);
        ASSERT_NULL(r);
        for (size_t i = 0; i < d.n; i++)
                if (!d.items[i].warning && d.items[i].line == line && d.items[i].col == col &&
                    strstr(d.items[i].message, substr))
                        found = true;
        if (!found) {
                mof_diag_list_print(&d, stderr);
                TEST_FAIL("no error %u:%u '%s' for: %s", line, col, substr, text);
        }
        ASSERT_EQ(strcmp(d.items[0].file, "t.mof"), 0);
        mof_diag_list_deinit(&d);
}

static void compile_err(const char *text, unsigned line, unsigned col, const char *substr) {
        compile_err_opts(text, NULL, line, col, substr);
}

static const MofItem *item(const MofResult *r, size_t i) {
        ASSERT_TRUE(i < r->n_items);
        return &r->items[i];
}

#define WMI_HEAD \
 "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{11111111-2222-3333-4444-555555555555}\")]\n"
#define WMI_STD "  [key, read] string InstanceName;\n  [read] boolean Active;\n"

TEST(simple_class) {
        MofResult *r = compile("class Foo { uint32 A; string B = \"x\"; };");
        lwmi_object *o;
        const char *s;

        ASSERT_EQ(r->n_items, 1);
        ASSERT_EQ(item(r, 0)->kind, MOF_ITEM_CLASS);
        ASSERT_TRUE(item(r, 0)->resolved);
        ASSERT_STREQ(item(r, 0)->namespace_, "root\\wmi");
        ASSERT_EQ(item(r, 0)->line, 1);
        o = mof_result_find_class(r, "FOO");
        ASSERT_NOT_NULL(o);
        ASSERT_TRUE(lwmi_object_is_class(o));
        ASSERT_EQ(lwmi_object_get_property_count(o), 2);
        ASSERT_OK(lwmi_object_get_string(o, "B", &s));
        ASSERT_STREQ(s, "x");
        mof_result_free(r);
}

TEST(superclass_in_file) {
        MofResult *r =
                compile("class Base { uint32 A = 1; };\nclass Derived : Base { uint32 B; };");
        lwmi_object *o = mof_result_find_class(r, "Derived");

        ASSERT_NOT_NULL(o);
        ASSERT_STREQ(lwmi_object_get_superclass(o), "Base");
        ASSERT_TRUE(lwmi_object_find_property(o, "A") >= 0);
        ASSERT_TRUE(item(r, 1)->resolved);
        mof_result_free(r);
}

TEST(unresolved_superclass) {
        MofResult *r = compile("class NetKvm_X : MSNdis { uint32 A; };\nclass Y : NetKvm_X { };");

        ASSERT_FALSE(item(r, 0)->resolved);
        ASSERT_STREQ(lwmi_object_get_superclass(item(r, 0)->object), "MSNdis");
        /* a subclass of an unresolved class is unresolved too */
        ASSERT_FALSE(item(r, 1)->resolved);
        mof_result_free(r);
}

static lwmi_object *lookup_wmievent(void *userdata, const char *ns, const char *name) {
        lwmi_object *o = NULL;

        (*(unsigned *) userdata)++;
        if (lwmi_name_eq(name, "WMIEvent") && lwmi_class_new("WMIEvent", NULL, &o) == 0) {
                free(o->superclass);
                o->superclass = strdup("__ExtrinsicEvent");
                return o;
        }
        if (lwmi_name_eq(name, "__ExtrinsicEvent") && lwmi_class_new(name, NULL, &o) == 0)
                return o;
        return NULL;
}

TEST(lookup_resolves_superclass) {
        unsigned calls = 0;
        MofOptions opts = { .lookup = lookup_wmievent, .userdata = &calls };
        MofResult *r = compile_opts("class Ev : WmiEvent { uint32 A; };", &opts);

        ASSERT_TRUE(item(r, 0)->resolved);
        ASSERT_TRUE(calls > 0);
        mof_result_free(r);
}

TEST(lookup_missing_superclass) {
        unsigned calls = 0;
        MofOptions opts = { .lookup = lookup_wmievent, .userdata = &calls };

        compile_err_opts("class Ev : MSNdis { };", &opts, 1, 12,
                         "superclass MSNdis of Ev not found");
        compile_err_opts("class Ev { Nowhere Emb; };", &opts, 1, 12, "class Nowhere not found");
        compile_err_opts("instance of Nowhere { A = 1; };", &opts, 1, 13,
                         "class Nowhere not found");
}

TEST(lookup_redeclared_superclass) {
        unsigned calls = 0;
        MofOptions opts = { .lookup = lookup_wmievent, .userdata = &calls };
        MofResult *r;

        compile_err_opts("class WMIEvent : Other { };", &opts, 1, 18,
                         "re-declared with a different superclass");
        r = compile_opts("class WMIEvent : __ExtrinsicEvent { };", &opts);
        mof_result_free(r);
}

TEST(duplicate_class) {
        compile_err("class A { uint32 X; };\nclass A { uint32 Y; };", 2, 7, "duplicate class A");
        compile_err("class B { };\nclass A : B { };\nclass A { };", 3, 7,
                    "re-declared with a different superclass");
}

TEST(identical_redeclaration_is_kept) {
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        const char *text = "[Description(\"1\")] class A { uint32 X; };\n"
                           "[Description(\"2\")] class A { uint32 X; };";

        ASSERT_OK(mof_compile_buffer("t.mof", text, strlen(text), NULL, &r, &d));
        ASSERT_EQ(r->n_items, 1);
        ASSERT_EQ(d.n, 1);
        ASSERT_TRUE(d.items[0].warning);
        mof_diag_list_deinit(&d);
        mof_result_free(r);
}

TEST(superclass_declared_later) {
        compile_err("class A : B { };\nclass B { };", 1, 11, "must be declared before");
}

TEST(duplicate_members) {
        compile_err("class A {\n  uint32 X;\n  string x;\n};", 3, 10, "duplicate property x");
        compile_err("class A { void M(); void M(); };", 1, 26, "duplicate method M");
        compile_err("class A { void M([in] uint32 P, [in] uint32 P); };", 1, 45,
                    "duplicate parameter P");
}

TEST(duplicate_qualifier) {
        compile_err("[read, Read] class A { };", 1, 8, "duplicate qualifier Read");
}

TEST(data_block_ok) {
        MofResult *r = compile(WMI_HEAD "class Blk {\n" WMI_STD "  [WmiDataId(2), read] uint32 B;\n"
                                        "  [WmiDataId(1), read] uint32 A;\n"
                                        "  [WmiDataId(3), read, WmiSizeIs(\"A\")] uint16 V[];\n"
                                        "};");
        const lwmi_value *v;

        v = lwmi_object_get_qualifier(item(r, 0)->object, "B", "WmiDataId");
        ASSERT_NOT_NULL(v);
        ASSERT_EQ(v->type, LWMI_CIM_SINT32);
        ASSERT_EQ(v->u.sint, 2);
        mof_result_free(r);
}

TEST(data_id_missing) {
        compile_err(WMI_HEAD "class Blk {\n" WMI_STD "  [WmiDataId(1)] uint32 A;\n  uint32 B;\n};",
                    6, 10, "has no WmiDataId");
}

TEST(data_id_duplicate) {
        compile_err(WMI_HEAD
                    "class Blk {\n  [WmiDataId(1)] uint32 A;\n  [WmiDataId(1)] uint32 B;\n};",
                    4, 14, "duplicate WmiDataId 1");
}

TEST(data_id_gap) {
        compile_err(WMI_HEAD
                    "class Blk {\n  [WmiDataId(1)] uint32 A;\n  [WmiDataId(3)] uint32 B;\n};",
                    4, 14, "WmiDataId 3 of B is not contiguous: expected 2");
        compile_err(WMI_HEAD "class Blk {\n  [WmiDataId(2)] uint32 A;\n};", 3, 14, "expected 1");
}

TEST(data_id_gap_reported_with_a_property_error) {
        /* a bad default and a gap in one class: both errors in one run */
        const char *text = WMI_HEAD "class Blk {\n  [WmiDataId(1)] uint32 A;\n"
                                    "  [WmiDataId(3)] uint8 B = 300;\n};";
        compile_err(text, 4, 14, "WmiDataId 3 of B is not contiguous");
        compile_err(text, 4, 28, "out of range");
}

TEST(data_id_invalid) {
        compile_err(WMI_HEAD "class Blk {\n  [WmiDataId(0)] uint32 A;\n};", 3, 14,
                    "positive integer");
        compile_err(WMI_HEAD "class Blk {\n  [WmiDataId(\"1\")] uint32 A;\n};", 3, 14,
                    "positive integer");
}

TEST(data_id_only_for_wmi_blocks) {
        /* no WMI qualifier, or no WmiDataId at all: not a data block */
        mof_result_free(compile("class A { [WmiDataId(1)] uint32 A; uint32 B; };"));
        mof_result_free(compile(WMI_HEAD "class Ev { uint32 Free; };"));
}

TEST(size_is_errors) {
        compile_err(WMI_HEAD "class Blk {\n  [WmiDataId(1), WmiSizeIs(\"Count\")] uint8 V[];\n};",
                    3, 28, "which is not an item");
        compile_err(WMI_HEAD "class Blk {\n  [WmiDataId(1)] string N;\n"
                             "  [WmiDataId(2), WmiSizeIs(\"N\")] uint8 V[];\n};",
                    4, 28, "not an integer");
        compile_err("class C { void M([in, WmiSizeIs(\"X\")] uint8 B[]); };", 1, 33,
                    "not an item of method M");
}

TEST(size_is_on_parameters) {
        MofResult *r =
                compile("class C { void M([in] uint32 N, [in, WmiSizeIs(\"N\")] uint8 B[]); };");

        mof_result_free(r);
}

TEST(guid_forms) {
        mof_result_free(
                compile("[WMI, guid(\"BBA21300-6DD3-11d2-B844-00C04FAD5171\")] class A { };"));
        mof_result_free(
                compile("[WMI, guid(\"{bba21300-6dd3-11d2-b844-00c04fad5171}\")] class A { };"));
        compile_err("[WMI, guid(\"{BBA21300-6DD3-11d2-B844-00C04FAD517}\")] class A { };", 1, 12,
                    "malformed GUID");
        compile_err("[WMI, guid(\"not a guid\")] class A { };", 1, 12, "malformed GUID");
        compile_err("[WMI, guid(42)] class A { };", 1, 7, "guid qualifier needs a string");
}

TEST(default_value_types) {
        compile_err("class A { uint32 X = \"str\"; };", 1, 22,
                    "string value does not match type uint32");
        compile_err("class A { string S = 5; };", 1, 22,
                    "integer value does not match type string");
        compile_err("class A { boolean B = 1; };", 1, 23, "does not match type boolean");
        compile_err("class A { uint8 X = 256; };", 1, 21, "out of range for uint8");
        compile_err("class A { uint32 X = -1; };", 1, 22, "out of range for uint32");
        compile_err("class A { sint8 X = -129; };", 1, 21, "out of range for sint8");
        compile_err("class A { sint64 X = 9223372036854775808; };", 1, 22, "out of range");
        compile_err("class A { datetime D = \"yesterday\"; };", 1, 24, "invalid datetime");
        compile_err("class A { uint32 V[] = 3; };", 1, 24, "expected {...}");
        compile_err("class A { uint32 V = {3}; };", 1, 22, "array value for scalar");
        compile_err("class A { uint8 V[2] = {1, 2, 3}; };", 1, 24, "which holds 2");
        compile_err("class A { char16 C = \"x\"; };", 1, 22, "does not match type char16");
        compile_err("class A { real32 R = \"1.5\"; };", 1, 22, "does not match type real32");
}

TEST(default_values_ok) {
        MofResult *r =
                compile("class A { sint8 S = -128; uint64 U = 0xFFFFFFFFFFFFFFFF; real64 R = 2;"
                        " real32 F = -1.5; char16 C = 'z'; boolean B = TRUE;"
                        " datetime D = \"20240102030405.000000+060\"; string N = NULL;"
                        " uint16 V[] = {1, 2, 3}; string E[] = {}; };");
        lwmi_object *o = item(r, 0)->object;
        const lwmi_value *v;
        int64_t i;
        uint64_t u;
        double d;
        bool b;

        ASSERT_OK(lwmi_object_get_sint64(o, "S", &i));
        ASSERT_EQ(i, -128);
        ASSERT_OK(lwmi_object_get_uint64(o, "U", &u));
        ASSERT_UEQ(u, UINT64_MAX);
        ASSERT_OK(lwmi_object_get_real64(o, "R", &d));
        ASSERT_TRUE(d == 2.0);
        ASSERT_OK(lwmi_object_get_bool(o, "B", &b));
        ASSERT_TRUE(b);
        v = lwmi_object_peek(o, "C");
        ASSERT_EQ(v->u.char16, 'z');
        v = lwmi_object_peek(o, "N");
        ASSERT_TRUE(v->is_null);
        v = lwmi_object_peek(o, "V");
        ASSERT_EQ(v->type, LWMI_CIM_UINT16 | LWMI_CIM_FLAG_ARRAY);
        ASSERT_EQ(v->u.array.n, 3);
        ASSERT_EQ(v->u.array.items[2].u.uint, 3);
        v = lwmi_object_peek(o, "E");
        ASSERT_EQ(v->u.array.n, 0);
        mof_result_free(r);
}

TEST(implicit_qualifier_types) {
        MofResult *r = compile("[Locale(0x409), Big(5000000000), Ratio(0.5), Desc(\"d\"), C('c'), "
                               "Values{\"a\", \"b\"}, Nums{1, 2}, Flag(FALSE), Nothing(NULL)] "
                               "class A { [read] uint32 X; };");
        lwmi_object *o = item(r, 0)->object;
        const lwmi_value *v;

        v = lwmi_object_get_qualifier(o, "X", "read");
        ASSERT_EQ(v->type, LWMI_CIM_BOOLEAN);
        ASSERT_TRUE(v->u.boolean);
        v = lwmi_object_get_qualifier(o, NULL, "locale");
        ASSERT_EQ(v->type, LWMI_CIM_SINT32);
        ASSERT_EQ(v->u.sint, 0x409);
        ASSERT_EQ(lwmi_object_get_qualifier(o, NULL, "Big")->type, LWMI_CIM_SINT64);
        ASSERT_EQ(lwmi_object_get_qualifier(o, NULL, "Ratio")->type, LWMI_CIM_REAL64);
        ASSERT_EQ(lwmi_object_get_qualifier(o, NULL, "Desc")->type, LWMI_CIM_STRING);
        ASSERT_EQ(lwmi_object_get_qualifier(o, NULL, "C")->type, LWMI_CIM_CHAR16);
        v = lwmi_object_get_qualifier(o, NULL, "Values");
        ASSERT_EQ(v->type, LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY);
        ASSERT_EQ(v->u.array.n, 2);
        ASSERT_STREQ(v->u.array.items[1].u.string, "b");
        ASSERT_EQ(lwmi_object_get_qualifier(o, NULL, "Nums")->type,
                  LWMI_CIM_SINT32 | LWMI_CIM_FLAG_ARRAY);
        ASSERT_FALSE(lwmi_object_get_qualifier(o, NULL, "Flag")->u.boolean);
        ASSERT_TRUE(lwmi_object_get_qualifier(o, NULL, "Nothing")->is_null);
        mof_result_free(r);
}

TEST(mixed_qualifier_array) {
        compile_err("[Values{\"a\", 1}] class A { };", 1, 14, "array mixes string and sint32");
}

TEST(declared_qualifier_types) {
        MofResult *r = compile("Qualifier Units : string, Scope(property), Flavor(Translatable);\n"
                               "Qualifier Level : uint8 = 3;\n"
                               "class A { [Units(\"ms\"), Level(7)] uint32 X; };");
        const lwmi_value *v;

        ASSERT_EQ(item(r, 0)->kind, MOF_ITEM_QUALIFIER_DECL);
        ASSERT_STREQ(item(r, 0)->qualifier.name, "Units");
        ASSERT_EQ(item(r, 0)->qualifier.scopes, MOF_SCOPE_PROPERTY);
        ASSERT_EQ(item(r, 1)->qualifier.default_value.u.uint, 3);
        v = lwmi_object_get_qualifier(item(r, 2)->object, "X", "Level");
        ASSERT_EQ(v->type, LWMI_CIM_UINT8);
        mof_result_free(r);
        compile_err("Qualifier Level : uint8;\nclass A { [Level(\"high\")] uint32 X; };", 2, 18,
                    "does not match type uint8");
        compile_err("Qualifier Level : uint8;\nclass A { [Level] uint32 X; };", 2, 12,
                    "needs a uint8 value");
        compile_err("Qualifier Level : uint8 = 300;", 1, 27, "out of range");
}

TEST(qualifier_flavors_stored) {
        MofResult *r = compile("[Description(\"x\") : Amended, Dynamic : ToInstance] class A { };");
        lwmi_object *o = item(r, 0)->object;
        const CimQualifier *q;

        q = cim_qualifier_set_find(&o->quals, "Description");
        ASSERT_NOT_NULL(q);
        ASSERT_EQ(q->flavor & LWMI_FLAVOR_AMENDED, LWMI_FLAVOR_AMENDED);
        q = cim_qualifier_set_find(&o->quals, "Dynamic");
        ASSERT_EQ(q->flavor & LWMI_FLAVOR_TO_INSTANCE, LWMI_FLAVOR_TO_INSTANCE);
        mof_result_free(r);
}

TEST(unknown_qualifiers_kept) {
        MofResult *r = compile("[DisplayInHex, IDQualifier(3), Whatever{\"x\"}] class A { };");

        ASSERT_NOT_NULL(lwmi_object_get_qualifier(item(r, 0)->object, NULL, "DisplayInHex"));
        ASSERT_NOT_NULL(lwmi_object_get_qualifier(item(r, 0)->object, NULL, "IDQualifier"));
        ASSERT_NOT_NULL(lwmi_object_get_qualifier(item(r, 0)->object, NULL, "Whatever"));
        mof_result_free(r);
}

TEST(arrays_and_embedded) {
        MofResult *r = compile("[WMI, guid(\"{22222222-3333-4444-5555-666666666666}\")] class Pkg {"
                               " [WmiDataId(1)] uint8 Bytes[16]; };\n"
                               "class User { Pkg One; Pkg Many[4]; Pkg Var[]; Pkg ref R; };");
        lwmi_object *u = mof_result_find_class(r, "User");
        CimProperty *p;

        p = cim_object_find_property(mof_result_find_class(r, "Pkg"), "Bytes");
        ASSERT_EQ(p->array_size, 16);
        ASSERT_EQ(p->type, LWMI_CIM_UINT8 | LWMI_CIM_FLAG_ARRAY);
        p = cim_object_find_property(u, "One");
        ASSERT_EQ(p->type, LWMI_CIM_OBJECT);
        ASSERT_STREQ(p->ref_class, "Pkg");
        ASSERT_EQ(cim_object_find_property(u, "Many")->array_size, 4);
        ASSERT_EQ(cim_object_find_property(u, "Var")->array_size, -1);
        p = cim_object_find_property(u, "R");
        ASSERT_EQ(p->type, LWMI_CIM_REFERENCE);
        ASSERT_STREQ(p->ref_class, "Pkg");
        mof_result_free(r);
}

TEST(methods_and_parameters) {
        MofResult *r =
                compile("class A {\n"
                        "  [Implemented, WmiMethodId(1)] void M([in] uint32 A,"
                        " [out, Description(\"o\")] uint32 B, [in, out] string C, uint8 D);\n"
                        "  uint32 F();\n"
                        "};");
        lwmi_object *o = item(r, 0)->object;
        CimMethod *m = cim_object_find_method(o, "M");
        CimProperty *p;
        const CimQualifier *q;

        ASSERT_NOT_NULL(m);
        ASSERT_EQ(m->return_type, LWMI_CIM_EMPTY);
        ASSERT_EQ(m->n_params, 4);
        ASSERT_NOT_NULL(cim_qualifier_set_find(&m->quals, "WmiMethodId"));
        p = cim_method_find_param(m, "B");
        ASSERT_NOT_NULL(cim_qualifier_set_find(&p->quals, "Out"));
        ASSERT_NOT_NULL(cim_qualifier_set_find(&p->quals, "Description"));
        q = cim_qualifier_set_find(&p->quals, "ID");
        ASSERT_NOT_NULL(q);
        ASSERT_EQ(q->value.u.sint, 1);
        q = cim_qualifier_set_find(&cim_method_find_param(m, "D")->quals, "ID");
        ASSERT_EQ(q->value.u.sint, 3);
        ASSERT_EQ(cim_object_find_method(o, "F")->return_type, LWMI_CIM_UINT32);
        mof_result_free(r);
}

TEST(explicit_parameter_ids_kept) {
        MofResult *r = compile("class A { void M([in, ID(5)] uint32 A, [out, ID(6)] uint32 B); };");
        CimMethod *m = cim_object_find_method(item(r, 0)->object, "M");

        ASSERT_EQ(cim_qualifier_set_find(&cim_method_find_param(m, "A")->quals, "ID")->value.u.sint,
                  5);
        mof_result_free(r);
}

TEST(instances) {
        MofResult *r =
                compile("class Item { [key] uint32 Id; string Label = \"def\"; uint8 V[]; };\n"
                        "instance of Item { Id = 7; V = {1, 2}; };\n"
                        "instance of Item as $Two { Id = 8; Label = \"two\"; };");
        lwmi_object *o;
        const char *s;
        uint64_t u;

        ASSERT_EQ(r->n_items, 3);
        o = item(r, 1)->object;
        ASSERT_FALSE(lwmi_object_is_class(o));
        ASSERT_OK(lwmi_object_get_uint64(o, "Id", &u));
        ASSERT_EQ(u, 7);
        ASSERT_OK(lwmi_object_get_string(o, "Label", &s));
        ASSERT_STREQ(s, "def");
        ASSERT_STREQ(item(r, 2)->alias, "Two");
        ASSERT_TRUE(item(r, 2)->resolved);
        mof_result_free(r);
}

TEST(instance_errors) {
        compile_err("class I { uint32 A; };\ninstance of I { B = 1; };", 2, 17,
                    "class I has no property B");
        compile_err("class I { uint32 A; };\ninstance of I { A = \"x\"; };", 2, 21,
                    "does not match type uint32");
        compile_err("class I { uint32 A; };\ninstance of I { A = 1; A = 2; };", 2, 24, "set twice");
        compile_err("class I { [key] uint32 A; };\ninstance of I as $X { A = 1; };\n"
                    "instance of I as $x { A = 2; };",
                    3, 18, "alias $x already defined");
}

TEST(instance_of_unknown_class) {
        MofResult *r = compile("instance of Elsewhere { A = 1; B = \"s\"; C = {TRUE}; };");

        ASSERT_EQ(item(r, 0)->kind, MOF_ITEM_INSTANCE);
        ASSERT_FALSE(item(r, 0)->resolved);
        mof_result_free(r);
}

TEST(alias_references) {
        MofResult *r = compile("class T { [key] string Name; };\n"
                               "[Association] class L { T ref A; T ref Many[]; };\n"
                               "instance of L { A = $Later; Many = {$First, $Later}; };\n"
                               "instance of T as $First { Name = \"one\"; };\n"
                               "instance of T as $Later { Name = \"two\"; };");
        const lwmi_value *v = lwmi_object_peek(item(r, 2)->object, "A");

        ASSERT_EQ(v->type, LWMI_CIM_REFERENCE);
        ASSERT_FALSE(v->is_null);
        ASSERT_NOT_NULL(strstr(v->u.string, "two"));
        v = lwmi_object_peek(item(r, 2)->object, "Many");
        ASSERT_EQ(v->u.array.n, 2);
        ASSERT_NOT_NULL(strstr(v->u.array.items[0].u.string, "one"));
        mof_result_free(r);
}

TEST(alias_errors) {
        compile_err("class T { [key] string N; };\nclass L { T ref A; };\n"
                    "instance of L { A = $Missing; };",
                    3, 21, "undefined alias $Missing");
        compile_err("class T { uint32 N; };\ninstance of T { N = $X; };", 2, 21,
                    "only valid for references");
        compile_err("[Q($X)] class T { };", 1, 4, "not a valid qualifier value");
}

TEST(reference_literal) {
        MofResult *r =
                compile("class T { [key] string N; };\nclass L { T ref A = \"T.N=\\\"x\\\"\"; };");

        mof_result_free(r);
        compile_err("class L { Object ref A = \"not a path!\"; };", 1, 26, "invalid object path");
}

TEST(pragma_items) {
        MofResult *r = compile("#pragma namespace(\"\\\\\\\\.\\\\ROOT\\\\Wmi\")\n"
                               "#pragma classflags(\"forceupdate\")\n"
                               "#PRAGMA AUTORECOVER\n"
                               "#pragma locale(\"MS_409\")\n"
                               "#pragma deleteclass(\"Old\", NOFAIL)\n"
                               "cpp_quote(\"#define X 1\")\n"
                               "class A { };");

        ASSERT_TRUE(r->autorecover);
        ASSERT_STREQ(r->locale, "MS_409");
        ASSERT_EQ(r->n_items, 3);
        ASSERT_EQ(item(r, 0)->kind, MOF_ITEM_DELETE_CLASS);
        ASSERT_STREQ(item(r, 0)->target, "Old");
        ASSERT_FALSE(item(r, 0)->fail_if_missing);
        ASSERT_EQ(item(r, 1)->kind, MOF_ITEM_CPP_QUOTE);
        ASSERT_STREQ(item(r, 1)->text, "#define X 1");
        ASSERT_EQ(item(r, 2)->class_flags, MOF_CLASSFLAG_FORCEUPDATE);
        ASSERT_STREQ(item(r, 2)->namespace_, "ROOT\\Wmi");
        mof_result_free(r);
}

TEST(default_namespace_option) {
        MofOptions opts = { .default_namespace = "root/cimv2" };
        MofResult *r = compile_opts("class A { };", &opts);

        ASSERT_STREQ(item(r, 0)->namespace_, "root\\cimv2");
        mof_result_free(r);
}

TEST(classes_per_namespace) {
        MofResult *r = compile("class A { };\n#pragma namespace(\"root/other\")\nclass A { };");

        ASSERT_EQ(r->n_items, 2);
        mof_result_free(r);
}

TEST(utf16_inputs) {
        static const char le[] =
                "\xff\xfe"
                "c\0l\0a\0s\0s\0 \0A\0 \0{\0 \0u\0i\0n\0t\0\x38\0 \0X\0;\0 \0}\0;\0";
        static const char be[] = "\xfe\xff"
                                 "\0c\0l\0a\0s\0s\0 \0B\0 \0{\0 \0}\0;";
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;

        ASSERT_OK(mof_compile_buffer("le.mof", le, sizeof(le) - 1, NULL, &r, &d));
        ASSERT_NOT_NULL(mof_result_find_class(r, "A"));
        mof_result_free(r);
        ASSERT_OK(mof_compile_buffer("be.mof", be, sizeof(be) - 1, NULL, &r, &d));
        ASSERT_NOT_NULL(mof_result_find_class(r, "B"));
        mof_result_free(r);
        r = NULL;
        ASSERT_ERRNO(mof_compile_buffer("odd.mof", le, 5, NULL, &r, &d), EINVAL);
        ASSERT_EQ(d.n, 1);
        mof_diag_list_deinit(&d);
}

TEST(utf8_bom_and_crlf) {
        MofResult *r = compile("\xef\xbb\xbf"
                               "class A\r\n{\r\n string S = \"\xc3\xa9\";\r\n};\r\n");
        const char *s;

        ASSERT_OK(lwmi_object_get_string(item(r, 0)->object, "S", &s));
        ASSERT_STREQ(s, "\xc3\xa9");
        ASSERT_EQ(item(r, 0)->line, 1);
        mof_result_free(r);
        compile_err("class A\r\n{\r\n uint8 X = 300;\r\n};\r\n", 3, 12, "out of range");
}

TEST(invalid_utf8) {
        compile_err("class A { };\nclass B { string S = \"\xff\"; };", 2, 23, "invalid UTF-8");
}

TEST(several_errors_per_run) {
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        const char *text = "class A { uint8 X = 300; };\n"
                           "class A { };\n"
                           "class B { uint32 Y = \"s\"; uint32 Y; };\n"
                           "class C { uint32 Z };\n"
                           "[WMI, guid(\"bad\")] class D { };\n";

        ASSERT_ERRNO(mof_compile_buffer("t.mof", text, strlen(text), NULL, &r, &d), EINVAL);
        ASSERT_EQ(mof_diag_list_count_errors(&d), 5);
        mof_diag_list_deinit(&d);
}

TEST(max_errors) {
        MofOptions opts = { .max_errors = 3 };
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        const char *text = "class A { uint8 X = 300; };\nclass B { uint8 X = 300; };\n"
                           "class C { uint8 X = 300; };\nclass D { uint8 X = 300; };\n"
                           "class E { uint8 X = 300; };\n";

        ASSERT_ERRNO(mof_compile_buffer("t.mof", text, strlen(text), &opts, &r, &d), EINVAL);
        ASSERT_EQ(mof_diag_list_count_errors(&d), 3);
        mof_diag_list_deinit(&d);
}

TEST(missing_file) {
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;

        ASSERT_ERRNO(mof_compile_file("/nonexistent/x.mof", NULL, &r, &d), ENOENT);
        ASSERT_EQ(d.n, 1);
        ASSERT_STREQ(d.items[0].file, "/nonexistent/x.mof");
        mof_diag_list_deinit(&d);
}

static char *write_temp(const char *dir, const char *name, const char *text) {
        char *path;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        fclose(f);
        return path;
}

TEST(pragma_include) {
        char dir[] = "/tmp/test-mof-XXXXXX";
        char *main_path, *inc_path, *sub, *bad_path;
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;

        ASSERT_NOT_NULL(mkdtemp(dir));
        inc_path = write_temp(dir, "base.mof", "class Base { uint32 A; };\n");
        main_path = write_temp(dir, "main.mof",
                               "#pragma include(\"base.mof\")\nclass Derived : Base { };\n");
        ASSERT_TRUE(asprintf(&sub, "%s/sub", dir) > 0);
        ASSERT_OK(mkdir(sub, 0700) == 0 ? 0 : -errno);
        bad_path = write_temp(sub, "bad.mof", "class X { uint32 A; };\n\nclass X { };\n");
        ASSERT_OK(mof_compile_file(main_path, NULL, &r, &d));
        ASSERT_EQ(r->n_items, 2);
        ASSERT_TRUE(item(r, 1)->resolved);
        ASSERT_NOT_NULL(strstr(item(r, 0)->file, "base.mof"));
        mof_result_free(r);
        r = NULL;

        /* errors inside an included file name that file; -I folders are searched */
        free(main_path);
        main_path = write_temp(dir, "main2.mof", "#pragma include(\"bad.mof\")\n");
        {
                const char *dirs[] = { sub };
                MofOptions opts = { .include_dirs = dirs, .n_include_dirs = 1 };

                ASSERT_ERRNO(mof_compile_file(main_path, &opts, &r, &d), EINVAL);
                ASSERT_NOT_NULL(strstr(d.items[0].file, "sub/bad.mof"));
                ASSERT_EQ(d.items[0].line, 3);
                mof_diag_list_deinit(&d);
                ASSERT_ERRNO(mof_compile_file(main_path, NULL, &r, &d), EINVAL);
                ASSERT_NOT_NULL(strstr(d.items[0].message, "cannot find include file"));
                ASSERT_EQ(d.items[0].line, 1);
                ASSERT_EQ(d.items[0].col, 17);
                mof_diag_list_deinit(&d);
        }
        /* a file including itself stops at the depth limit */
        free(main_path);
        main_path = write_temp(dir, "self.mof", "#pragma include(\"self.mof\")\n");
        ASSERT_ERRNO(mof_compile_file(main_path, NULL, &r, &d), EINVAL);
        ASSERT_NOT_NULL(strstr(d.items[d.n - 1].message, "nested too deeply"));
        mof_diag_list_deinit(&d);

        unlink(main_path);
        unlink(inc_path);
        unlink(bad_path);
        free(bad_path);
        bad_path = NULL;
        {
                char *p;

                ASSERT_TRUE(asprintf(&p, "%s/main.mof", dir) > 0);
                unlink(p);
                free(p);
                ASSERT_TRUE(asprintf(&p, "%s/main2.mof", dir) > 0);
                unlink(p);
                free(p);
        }
        rmdir(sub);
        rmdir(dir);
        free(sub);
        free(main_path);
        free(inc_path);
}

TEST(run_cpp) {
        MofOptions opts = { .run_cpp = true };
        MofDiagList d = MOF_DIAG_LIST_INIT;
        MofResult *r = NULL;
        const char *text = "#define T uint32\n#define Q read, \\\n  write\n"
                           "#PRAGMA AUTORECOVER\n"
                           "class A { [Q] T X; };\n\n"
                           "class B { T Y = \"bad\"; };\n";

        if (access("/usr/bin/cpp", X_OK) != 0 && !getenv("LWMI_CPP")) {
                fprintf(stderr, "no cpp, skipped\n");
                return;
        }
        ASSERT_ERRNO(mof_compile_buffer("pp.mof", text, strlen(text), &opts, &r, &d), EINVAL);
        ASSERT_EQ(mof_diag_list_count_errors(&d), 1);
        ASSERT_STREQ(d.items[0].file, "pp.mof");
        ASSERT_EQ(d.items[0].line, 7);
        mof_diag_list_deinit(&d);

        text = "#define T uint32\n#PRAGMA AUTORECOVER\nclass A { [read] T X; };\n";
        ASSERT_OK(mof_compile_buffer("pp.mof", text, strlen(text), &opts, &r, &d));
        ASSERT_TRUE(r->autorecover);
        ASSERT_EQ(cim_object_find_property(item(r, 0)->object, "X")->type, LWMI_CIM_UINT32);
        mof_result_free(r);
        r = NULL;

        text = "#include \"does-not-exist.h\"\nclass A { };\n";
        ASSERT_ERRNO(mof_compile_buffer("pp.mof", text, strlen(text), &opts, &r, &d), EINVAL);
        ASSERT_EQ(d.items[0].line, 1);
        ASSERT_NOT_NULL(strstr(d.items[0].message, "does-not-exist.h"));
        mof_diag_list_deinit(&d);
}

TEST(result_helpers) {
        MofResult *r = compile("class A { };");

        ASSERT_NULL(mof_result_find_class(r, "B"));
        ASSERT_NULL(mof_result_free(r));
        ASSERT_NULL(mof_result_free(NULL));
        ASSERT_EQ(mof_diag_list_count_errors(NULL), 0);
}

TEST(empty_and_binary_inputs) {
        static const char *const inputs[] = { "", "\0\0\0", "\xff\xfe\0\0", "\xef\xbb\xbf",
                                              "class A { uint32 X = \0; };" };
        static const size_t sizes[] = { 0, 3, 4, 3, 26 };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                MofDiagList d = MOF_DIAG_LIST_INIT;
                MofResult *r = NULL;
                int k = mof_compile_buffer("b.mof", inputs[i], sizes[i], NULL, &r, &d);

                ASSERT_TRUE(k == 0 || k == -EINVAL);
                mof_result_free(r);
                mof_diag_list_deinit(&d);
        }
}

TEST_MAIN();
