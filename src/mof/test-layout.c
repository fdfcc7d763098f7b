/* SPDX-License-Identifier: MIT */
/* Tests of the data-block layout and its encoder / decoder (spec section 2). */
#include <errno.h>
#include <string.h>

#include "core/object.h"
#include "mof/layout.h"
#include "mof/mof.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/test.h"

/* ------------------------------------------------------------------------- */
/* Building classes with the object API                                       */
/* ------------------------------------------------------------------------- */

#define MAX_CLASSES 16

/* The classes of one test, also the embedded-class lookup. */
typedef struct Schema {
        lwmi_object *classes[MAX_CLASSES];
        size_t n;
} Schema;

static void schema_done(Schema *s) {
        for (size_t i = 0; i < s->n; i++)
                lwmi_object_unref(s->classes[i]);
        s->n = 0;
}

static lwmi_object *schema_lookup(void *userdata, const char *name) {
        Schema *s = userdata;

        for (size_t i = 0; i < s->n; i++)
                if (lwmi_name_eq(s->classes[i]->name, name))
                        return lwmi_object_ref(s->classes[i]);
        return NULL;
}

static lwmi_object *schema_class(Schema *s, const char *name) {
        lwmi_object *c = NULL;

        ASSERT_TRUE(s->n < MAX_CLASSES);
        ASSERT_OK(lwmi_class_new(name, NULL, &c));
        s->classes[s->n++] = c;
        return c;
}

static void set_uint_qual(CimQualifierSet *q, const char *name, uint64_t u) {
        lwmi_value v;

        lwmi_value_set_uint(&v, LWMI_CIM_UINT32, u);
        ASSERT_OK(cim_qualifier_set_put(q, name, &v, 0));
}

static void set_str_qual(CimQualifierSet *q, const char *name, const char *s) {
        _cleanup_(lwmi_value_clearp) lwmi_value v = LWMI_VALUE_NULL;

        ASSERT_OK(lwmi_value_set_string(&v, LWMI_CIM_STRING, s));
        ASSERT_OK(cim_qualifier_set_put(q, name, &v, 0));
}

/*
 * Adds a property. @n: 0 for a scalar, > 0 for T x[n], -1 for T x[]. @id: its
 * WmiDataId (0: none).
 */
static CimProperty *prop(lwmi_object *c, const char *name, lwmi_cimtype t, const char *ref,
                         int32_t n, unsigned id) {
        size_t idx;
        CimProperty *p;

        ASSERT_OK(
                lwmi_class_add_property(c, name, n != 0 ? t | LWMI_CIM_FLAG_ARRAY : t, ref, &idx));
        p = &c->props[idx];
        p->array_size = n > 0 ? n : -1;
        if (id)
                set_uint_qual(&p->quals, "WmiDataId", id);
        return p;
}

static void standard_keys(lwmi_object *c) {
        prop(c, "InstanceName", LWMI_CIM_STRING, NULL, 0, 0);
        prop(c, "Active", LWMI_CIM_BOOLEAN, NULL, 0, 0);
}

/* Vendor_EC1 of wmisamp.mof, declared in a shuffled order to show that ids rule. */
static lwmi_object *make_ec1(Schema *s) {
        lwmi_object *c = schema_class(s, "Vendor_EC1");

        prop(c, "Xint64", LWMI_CIM_SINT64, NULL, 0, 9);
        prop(c, "Xboolean", LWMI_CIM_BOOLEAN, NULL, 0, 1);
        prop(c, "Xuint8", LWMI_CIM_UINT8, NULL, 0, 2);
        prop(c, "Xuint16", LWMI_CIM_UINT16, NULL, 0, 3);
        prop(c, "Xuint32", LWMI_CIM_UINT32, NULL, 0, 4);
        prop(c, "Xuint64", LWMI_CIM_UINT64, NULL, 0, 5);
        prop(c, "Xint8", LWMI_CIM_SINT8, NULL, 0, 6);
        prop(c, "Xint16", LWMI_CIM_SINT16, NULL, 0, 7);
        prop(c, "Xint32", LWMI_CIM_SINT32, NULL, 0, 8);
        set_str_qual(&c->quals, "HeaderName", "EC1");
        return c;
}

static lwmi_object *make_ec2(Schema *s) {
        lwmi_object *c = schema_class(s, "Vendor_EC2");

        prop(c, "Xboolean", LWMI_CIM_BOOLEAN, NULL, 8, 1);
        prop(c, "Xuint8", LWMI_CIM_UINT8, NULL, 8, 2);
        prop(c, "Xuint16", LWMI_CIM_UINT16, NULL, 4, 3);
        prop(c, "Xuint32", LWMI_CIM_UINT32, NULL, 2, 4);
        prop(c, "Xuint64", LWMI_CIM_UINT64, NULL, 0, 5);
        prop(c, "Xint8", LWMI_CIM_SINT8, NULL, 8, 6);
        prop(c, "Xint16", LWMI_CIM_SINT16, NULL, 4, 7);
        prop(c, "Xint32", LWMI_CIM_SINT32, NULL, 2, 8);
        prop(c, "Xint64", LWMI_CIM_SINT64, NULL, 0, 9);
        return c;
}

static BlockLayout *layout_of(Schema *s, const lwmi_object *c) {
        BlockLayout *l = NULL;
        _cleanup_free_ char *msg = NULL;
        int r = block_layout_compute(c, schema_lookup, s, &l, &msg);

        if (r < 0)
                TEST_FAIL("layout of %s: %d %s", c->name, r, msg ? msg : "");
        return l;
}

static const BlockItem *item(const BlockLayout *l, const char *name) {
        for (size_t i = 0; i < l->n_items; i++)
                if (lwmi_name_eq(l->items[i].name, name))
                        return &l->items[i];
        TEST_FAIL("no item %s", name);
}

static void check_item(const BlockLayout *l, const char *name, size_t off, size_t size) {
        const BlockItem *it = item(l, name);

        ASSERT_TRUE(it->offset_known);
        ASSERT_UEQ(it->offset, off);
        if (size) {
                ASSERT_TRUE(it->fixed);
                ASSERT_UEQ(it->size, size);
        }
}

/* ------------------------------------------------------------------------- */
/* Worked examples of spec 2.10                                               */
/* ------------------------------------------------------------------------- */

TEST(ec1_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, make_ec1(&s));
        static const char *const names[] = { "Xboolean", "Xuint8", "Xuint16", "Xuint32", "Xuint64",
                                             "Xint8",    "Xint16", "Xint32",  "Xint64" };
        static const size_t offs[] = { 0, 1, 2, 4, 8, 16, 18, 20, 24 };

        ASSERT_UEQ(l->n_items, 9);
        for (size_t i = 0; i < 9; i++) {
                ASSERT_STREQ(l->items[i].name, names[i]);
                ASSERT_UEQ(l->items[i].data_id, i + 1);
                check_item(l, names[i], offs[i], 0);
        }
        ASSERT_TRUE(l->fixed);
        ASSERT_UEQ(l->size, 32);
        ASSERT_UEQ(l->sizeof_size, 32);
        ASSERT_UEQ(l->align, 8);
}

TEST(ec2_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, make_ec2(&s));

        check_item(l, "Xboolean", 0, 8);
        check_item(l, "Xuint8", 8, 8);
        check_item(l, "Xuint16", 16, 8);
        check_item(l, "Xuint32", 24, 8);
        check_item(l, "Xuint64", 32, 8);
        check_item(l, "Xint8", 40, 8);
        check_item(l, "Xint16", 48, 8);
        check_item(l, "Xint32", 56, 8);
        check_item(l, "Xint64", 64, 8);
        ASSERT_UEQ(l->size, 72);
        ASSERT_UEQ(l->sizeof_size, 72);
        ASSERT_UEQ(item(l, "Xuint16")->count, 4);
        ASSERT_EQ(item(l, "Xuint16")->array, BLOCK_ARRAY_FIXED);
}

TEST(wmisampleclass3_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        lwmi_object *c;

        make_ec1(&s);
        c = schema_class(&s, "WmiSampleClass3");
        standard_keys(c);
        prop(c, "EmbeddedClass1", LWMI_CIM_OBJECT, "Vendor_EC1", 4, 1);
        l = layout_of(&s, c);
        ASSERT_UEQ(l->n_items, 1); /* InstanceName and Active are not in the block */
        check_item(l, "EmbeddedClass1", 0, 128);
        ASSERT_UEQ(item(l, "EmbeddedClass1")->elem_size, 32);
        ASSERT_UEQ(l->size, 128);
        ASSERT_UEQ(l->align, 8);
        ASSERT_NOT_NULL(item(l, "EmbeddedClass1")->embedded);
        ASSERT_UEQ(item(l, "EmbeddedClass1")->embedded->size, 32);
}

static lwmi_object *make_toaster(Schema *s) {
        lwmi_object *c = schema_class(s, "ToasterDeviceInformation");

        standard_keys(c);
        prop(c, "ConnectorType", LWMI_CIM_UINT32, NULL, 0, 1);
        prop(c, "Capacity", LWMI_CIM_UINT32, NULL, 0, 2);
        prop(c, "ErrorCount", LWMI_CIM_UINT32, NULL, 0, 3);
        prop(c, "Controls", LWMI_CIM_UINT32, NULL, 0, 4);
        prop(c, "DebugPrintLevel", LWMI_CIM_UINT32, NULL, 0, 5);
        prop(c, "ModelName", LWMI_CIM_STRING, NULL, 0, 6);
        return c;
}

TEST(toaster_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, make_toaster(&s));
        const BlockItem *m = item(l, "ModelName");

        check_item(l, "DebugPrintLevel", 16, 4);
        ASSERT_TRUE(m->offset_known);
        ASSERT_FALSE(m->fixed);
        ASSERT_UEQ(m->offset, 20);
        ASSERT_FALSE(l->fixed);
        ASSERT_UEQ(l->min_size, 20);
}

static lwmi_object *make_dsm(Schema *s) {
        lwmi_object *e = schema_class(s, "MSDSM_DEVICEPATH_PERF");
        lwmi_object *c;
        CimProperty *p;

        prop(e, "PathId", LWMI_CIM_UINT64, NULL, 0, 1);
        prop(e, "NumberReads", LWMI_CIM_UINT32, NULL, 0, 2);
        prop(e, "NumberWrites", LWMI_CIM_UINT32, NULL, 0, 3);
        prop(e, "BytesRead", LWMI_CIM_UINT64, NULL, 0, 4);
        prop(e, "BytesWritten", LWMI_CIM_UINT64, NULL, 0, 5);
        c = schema_class(s, "MSDSM_DEVICE_PERF");
        standard_keys(c);
        prop(c, "NumberPaths", LWMI_CIM_UINT32, NULL, 0, 1);
        p = prop(c, "PerfInfo", LWMI_CIM_OBJECT, "MSDSM_DEVICEPATH_PERF", -1, 2);
        set_str_qual(&p->quals, "WmiSizeIs", "NumberPaths");
        return c;
}

TEST(msdsm_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, make_dsm(&s));
        const BlockItem *p = item(l, "PerfInfo");

        ASSERT_EQ(p->array, BLOCK_ARRAY_VARIABLE);
        ASSERT_EQ(p->size_is, 0);
        ASSERT_UEQ(p->align, 8);
        ASSERT_UEQ(p->elem_size, 32);
        ASSERT_TRUE(p->offset_known);
        ASSERT_UEQ(p->offset, 8);
        ASSERT_FALSE(l->fixed);
}

static lwmi_object *make_xen(Schema *s) {
        lwmi_object *c = schema_class(s, "CitrixXenStoreNodes");
        CimProperty *p;

        standard_keys(c);
        prop(c, "NoOfChildNodes", LWMI_CIM_UINT32, NULL, 0, 1);
        p = prop(c, "ChildNodes", LWMI_CIM_STRING, NULL, -1, 2);
        set_str_qual(&p->quals, "WmiSizeIs", "NoOfChildNodes");
        return c;
}

TEST(xenstore_layout) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, make_xen(&s));
        const BlockItem *p = item(l, "ChildNodes");

        ASSERT_EQ(p->array, BLOCK_ARRAY_VARIABLE);
        ASSERT_UEQ(p->offset, 4);
        ASSERT_UEQ(p->align, 2);
}

/* The same worked examples through the MOF front end. */
static const char wmisamp_mof[] =
        "[WMI, HeaderName(\"EC1\"), guid(\"{A1C15015-B069-11d1-9290-00A0C9062910}\")]\n"
        "class Vendor_EC1 {\n"
        "  [WmiDataId(1)] boolean Xboolean; [WmiDataId(2)] uint8 Xuint8;\n"
        "  [WmiDataId(3)] uint16 Xuint16; [WmiDataId(4)] uint32 Xuint32;\n"
        "  [WmiDataId(5)] uint64 Xuint64; [WmiDataId(6)] sint8 Xint8;\n"
        "  [WmiDataId(7)] sint16 Xint16; [WmiDataId(8)] sint32 Xint32;\n"
        "  [WmiDataId(9)] sint64 Xint64;\n"
        "};\n"
        "[WMI, guid(\"{A1C15016-B069-11d1-9290-00A0C9062910}\")]\n"
        "class Vendor_EC2 {\n"
        "  [WmiDataId(1)] boolean Xboolean[8]; [WmiDataId(2)] uint8 Xuint8[8];\n"
        "  [WmiDataId(3)] uint16 Xuint16[4]; [WmiDataId(4)] uint32 Xuint32[2];\n"
        "  [WmiDataId(5)] uint64 Xuint64; [WmiDataId(6)] sint8 Xint8[8];\n"
        "  [WmiDataId(7)] sint16 Xint16[4]; [WmiDataId(8)] sint32 Xint32[2];\n"
        "  [WmiDataId(9)] sint64 Xint64;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WmiProv\"), guid(\"{15D851F3-6539-11d1-A529-00A0C9062910}\")]\n"
        "class WmiSampleClass3 {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [WmiDataId(1)] Vendor_EC1 EmbeddedClass1[4];\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B5E}\")]\n"
        "class CitrixXenStoreNodes {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [WmiDataId(1)] uint32 NoOfChildNodes;\n"
        "  [WmiDataId(2), WmiSizeIs(\"NoOfChildNodes\")] string ChildNodes[];\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WmiProv\"), guid(\"{15D851F1-6539-11d1-A529-00A0C9062910}\")]\n"
        "class WmiSampleClass1 {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [WmiDataId(1)] uint32 X;\n"
        "  [Implemented, WmiMethodId(1)] void SetEC1([in] boolean Xboolean, [in] uint64 Xuint64,\n"
        "      [out] uint16 Res1, [in, out] uint32 Both);\n"
        "};\n";

static lwmi_object *mof_lookup(void *userdata, const char *name) {
        lwmi_object *o = mof_result_find_class(userdata, name);

        return o ? lwmi_object_ref(o) : NULL;
}

TEST(worked_examples_from_mof) {
        _cleanup_(mof_result_freep) MofResult *r = NULL;
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        _cleanup_(block_layout_freep) BlockLayout *l1 = NULL, *l2 = NULL, *l3 = NULL, *lx = NULL,
                                                  *min = NULL, *mout = NULL;
        int k;

        k = mof_compile_buffer("wmisamp.mof", wmisamp_mof, sizeof(wmisamp_mof) - 1, NULL, &r,
                               &diags);
        if (k < 0)
                mof_diag_list_print(&diags, stderr);
        mof_diag_list_deinit(&diags);
        ASSERT_OK(k);
        ASSERT_OK(block_layout_compute(mof_result_find_class(r, "Vendor_EC1"), mof_lookup, r, &l1,
                                       NULL));
        ASSERT_UEQ(l1->size, 32);
        check_item(l1, "Xint16", 18, 2);
        ASSERT_OK(block_layout_compute(mof_result_find_class(r, "Vendor_EC2"), mof_lookup, r, &l2,
                                       NULL));
        ASSERT_UEQ(l2->size, 72);
        ASSERT_OK(block_layout_compute(mof_result_find_class(r, "WmiSampleClass3"), mof_lookup, r,
                                       &l3, NULL));
        ASSERT_UEQ(l3->size, 128);
        ASSERT_OK(block_layout_compute(mof_result_find_class(r, "CitrixXenStoreNodes"), mof_lookup,
                                       r, &lx, NULL));
        ASSERT_UEQ(item(lx, "ChildNodes")->offset, 4);

        /* Parameter ids follow the declaration order; [in, out] is in both. */
        ASSERT_OK(block_layout_compute_method(mof_result_find_class(r, "WmiSampleClass1"), "SetEC1",
                                              false, mof_lookup, r, &min, NULL));
        ASSERT_UEQ(min->n_items, 3);
        check_item(min, "Xboolean", 0, 1);
        check_item(min, "Xuint64", 8, 8);
        check_item(min, "Both", 16, 4);
        ASSERT_UEQ(min->size, 20);
        ASSERT_UEQ(min->sizeof_size, 24);
        ASSERT_UEQ(item(min, "Xboolean")->data_id, 1);
        ASSERT_UEQ(item(min, "Both")->data_id, 4);
        ASSERT_OK(block_layout_compute_method(mof_result_find_class(r, "WmiSampleClass1"), "SetEC1",
                                              true, mof_lookup, r, &mout, NULL));
        ASSERT_UEQ(mout->n_items, 2);
        check_item(mout, "Res1", 0, 2);
        check_item(mout, "Both", 4, 4);
        ASSERT_UEQ(item(mout, "Res1")->data_id, 3);
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                     */
/* ------------------------------------------------------------------------- */

static void expect_layout_error(Schema *s, lwmi_object *c, const char *needle) {
        BlockLayout *l = NULL;
        _cleanup_free_ char *msg = NULL;

        ASSERT_ERRNO(block_layout_compute(c, schema_lookup, s, &l, &msg), EINVAL);
        ASSERT_NULL(l);
        ASSERT_NOT_NULL(msg);
        if (!strstr(msg, needle))
                TEST_FAIL("message \"%s\" lacks \"%s\"", msg, needle);
}

TEST(layout_errors) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c;
        CimProperty *p;

        c = schema_class(&s, "Dup");
        prop(c, "A", LWMI_CIM_UINT32, NULL, 0, 1);
        prop(c, "B", LWMI_CIM_UINT32, NULL, 0, 1);
        expect_layout_error(&s, c, "WmiDataId(1) is used by both");

        c = schema_class(&s, "Gap");
        prop(c, "A", LWMI_CIM_UINT32, NULL, 0, 1);
        prop(c, "B", LWMI_CIM_UINT32, NULL, 0, 3);
        expect_layout_error(&s, c, "WmiDataId(2) is missing");

        c = schema_class(&s, "Ref");
        prop(c, "A", LWMI_CIM_REFERENCE, "Gap", 0, 1);
        expect_layout_error(&s, c, "references");

        c = schema_class(&s, "Unknown");
        prop(c, "A", LWMI_CIM_OBJECT, "NoSuchClass", 0, 1);
        expect_layout_error(&s, c, "unknown embedded class NoSuchClass");

        c = schema_class(&s, "Unbounded");
        prop(c, "A", LWMI_CIM_UINT32, NULL, -1, 1);
        expect_layout_error(&s, c, "WmiSizeIs");

        c = schema_class(&s, "CountAfter");
        p = prop(c, "A", LWMI_CIM_UINT32, NULL, -1, 1);
        set_str_qual(&p->quals, "WmiSizeIs", "N");
        prop(c, "N", LWMI_CIM_UINT32, NULL, 0, 2);
        expect_layout_error(&s, c, "must come before");

        c = schema_class(&s, "CountString");
        prop(c, "N", LWMI_CIM_STRING, NULL, 0, 1);
        p = prop(c, "A", LWMI_CIM_UINT32, NULL, -1, 2);
        set_str_qual(&p->quals, "WmiSizeIs", "N");
        expect_layout_error(&s, c, "not an integer");

        c = schema_class(&s, "SelfA");
        prop(c, "B", LWMI_CIM_OBJECT, "SelfB", 0, 1);
        c = schema_class(&s, "SelfB");
        prop(c, "A", LWMI_CIM_OBJECT, "SelfA", 0, 1);
        expect_layout_error(&s, c, "contains itself");

        c = schema_class(&s, "Untyped");
        prop(c, "O", LWMI_CIM_OBJECT, NULL, 0, 1);
        expect_layout_error(&s, c, "embedded class");
}

TEST(layout_extensions) {
        _cleanup_(schema_done) Schema s = {};
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        lwmi_object *c = schema_class(&s, "Ext");
        CimProperty *p;

        prop(c, "C", LWMI_CIM_CHAR16, NULL, 0, 1);
        prop(c, "F", LWMI_CIM_REAL32, NULL, 0, 2);
        prop(c, "D", LWMI_CIM_REAL64, NULL, 0, 3);
        prop(c, "T", LWMI_CIM_DATETIME, NULL, 0, 4);
        p = prop(c, "M", LWMI_CIM_UINT16, NULL, -1, 5);
        set_uint_qual(&p->quals, "Max", 3);
        l = layout_of(&s, c);
        check_item(l, "C", 0, 2);
        check_item(l, "F", 4, 4);
        check_item(l, "D", 8, 8);
        check_item(l, "T", 16, 50);
        check_item(l, "M", 66, 6);
        ASSERT_UEQ(l->size, 72);
        ASSERT_UEQ(l->sizeof_size, 72);
}

/* ------------------------------------------------------------------------- */
/* Encoding and decoding                                                      */
/* ------------------------------------------------------------------------- */

static lwmi_object *spawn(lwmi_object *c) {
        lwmi_object *i = NULL;

        ASSERT_OK(lwmi_class_spawn_instance(c, &i));
        return i;
}

static void put_uint(lwmi_object *o, const char *name, uint64_t u) {
        lwmi_value v;

        lwmi_value_set_uint(&v, LWMI_CIM_UINT64, u);
        ASSERT_OK(lwmi_object_put(o, name, &v));
}

static void put_sint(lwmi_object *o, const char *name, int64_t i) {
        lwmi_value v;

        lwmi_value_set_sint(&v, LWMI_CIM_SINT64, i);
        ASSERT_OK(lwmi_object_put(o, name, &v));
}

/* encode → decode → encode gives the same bytes; returns the first image. */
static void round_trip(const BlockLayout *l, lwmi_object *cls, const lwmi_object *inst,
                       StrBuf *first) {
        _cleanup_strbuf_ StrBuf second = STRBUF_INIT;
        _cleanup_(lwmi_object_unrefp) lwmi_object *back = spawn(cls);

        ASSERT_OK(block_encode(l, inst, first));
        ASSERT_OK(block_decode(l, first->s, first->len, back));
        ASSERT_OK(block_encode(l, back, &second));
        ASSERT_UEQ(first->len, second.len);
        ASSERT_TRUE(first->len == 0 || memcmp(first->s, second.s, first->len) == 0);
        for (size_t i = 0; i < l->n_items; i++) {
                const lwmi_value *a = lwmi_object_peek(inst, l->items[i].name);
                const lwmi_value *b = lwmi_object_peek(back, l->items[i].name);
                if (a && !a->is_null && !lwmi_value_equal(a, b) &&
                    l->items[i].type != LWMI_CIM_OBJECT)
                        TEST_FAIL("item %s differs after the round trip", l->items[i].name);
        }
}

TEST(ec1_encode) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_ec1(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = spawn(c);
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const uint8_t *p;

        ASSERT_OK(lwmi_object_set_bool(i, "Xboolean", true));
        put_uint(i, "Xuint8", 0xab);
        put_uint(i, "Xuint16", 0x1234);
        put_uint(i, "Xuint32", 0xdeadbeef);
        put_uint(i, "Xuint64", 0x0102030405060708ull);
        put_sint(i, "Xint8", -2);
        put_sint(i, "Xint16", -300);
        put_sint(i, "Xint32", -70000);
        put_sint(i, "Xint64", INT64_MIN);
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 32);
        p = (const uint8_t *) b.s;
        ASSERT_UEQ(p[0], 1);
        ASSERT_UEQ(p[1], 0xab);
        ASSERT_UEQ(p[2], 0x34);
        ASSERT_UEQ(p[3], 0x12);
        ASSERT_UEQ(p[4], 0xef);
        ASSERT_UEQ(p[8], 0x08);
        ASSERT_UEQ(p[15], 0x01);
        ASSERT_UEQ(p[16], 0xfe);
        ASSERT_UEQ(p[17], 0); /* padding */
        ASSERT_UEQ(p[18], (uint8_t) -300);
        ASSERT_UEQ(p[31], 0x80);

        /* Out of range for the item type. */
        put_uint(i, "Xuint8", 0xab);
        ASSERT_OK(lwmi_object_set_sint64(i, "Xint64", 0));
        {
                lwmi_object *raw = i;
                CimProperty *pr = cim_object_find_property(raw, "Xuint8");
                lwmi_value_clear(&pr->value);
                lwmi_value_set_uint(&pr->value, LWMI_CIM_UINT64, 256);
                strbuf_truncate(&b, 0);
                ASSERT_ERRNO(block_encode(l, raw, &b), ERANGE);
                ASSERT_UEQ(b.len, 0);
        }
}

TEST(ec1_decode_short) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_ec1(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = spawn(c);
        uint8_t buf[40] = { 1 };

        ASSERT_ERRNO(block_decode(l, buf, 31, i), EBADMSG);
        ASSERT_OK(block_decode(l, buf, 32, i));
        ASSERT_OK(block_decode(l, buf, 40, i)); /* trailing bytes are ignored */
        buf[0] = 7;
        ASSERT_OK(block_decode(l, buf, 32, i));
        {
                bool v = false;
                ASSERT_OK(lwmi_object_get_bool(i, "Xboolean", &v));
                ASSERT_TRUE(v);
        }
}

/* A plain layout decodes at fixed offsets; the result equals the item-by-item decoder's. */
TEST(plain_fast_path_matches_generic) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_ec1(&s), *ec2 = make_ec2(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(block_layout_freep) BlockLayout *l2 = layout_of(&s, ec2);
        uint8_t buf[32];
        uint32_t x = 12345;

        ASSERT_TRUE(l->plain);
        ASSERT_FALSE(l2->plain); /* strings */
        for (int round = 0; round < 200; round++) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *a = spawn(c), *b = spawn(c);
                lwmi_value va[16] = { 0 }, vb[16] = { 0 };

                for (size_t k = 0; k < sizeof(buf); k++) {
                        x = x * 1103515245u + 12345u;
                        buf[k] = (uint8_t) (x >> 16);
                }
                l->plain = true;
                ASSERT_OK(block_decode(l, buf, sizeof(buf), a));
                ASSERT_OK(block_decode_values(l, buf, sizeof(buf), va));
                ASSERT_ERRNO(block_decode(l, buf, sizeof(buf) - 1, a), EBADMSG);
                l->plain = false;
                ASSERT_OK(block_decode(l, buf, sizeof(buf), b));
                ASSERT_OK(block_decode_values(l, buf, sizeof(buf), vb));
                ASSERT_TRUE(cim_object_equal(a, b));
                for (size_t i = 0; i < l->n_items; i++) {
                        ASSERT_TRUE(lwmi_value_equal(&va[i], &vb[i]));
                        ASSERT_TRUE(
                                lwmi_value_equal(&va[i], lwmi_object_peek(a, l->items[i].name)));
                        lwmi_value_clear(&va[i]);
                        lwmi_value_clear(&vb[i]);
                }
        }
        l->plain = true;
}

TEST(nested_encode) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *ec1 = make_ec1(&s), *c;
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value arr = LWMI_VALUE_NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        c = schema_class(&s, "WmiSampleClass3");
        standard_keys(c);
        prop(c, "EmbeddedClass1", LWMI_CIM_OBJECT, "Vendor_EC1", 4, 1);
        l = layout_of(&s, c);
        i = spawn(c);
        ASSERT_OK(lwmi_value_set_array(&arr, LWMI_CIM_OBJECT, 2));
        for (size_t k = 0; k < 2; k++) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *e = spawn(ec1);
                put_uint(e, "Xuint32", 100 + k);
                put_sint(e, "Xint64", -(int64_t) k);
                lwmi_value_set_object(&arr.u.array.items[k], e);
        }
        ASSERT_OK(lwmi_object_put(i, "EmbeddedClass1", &arr));
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 128); /* two given, two zero-filled */
        ASSERT_UEQ((uint8_t) b.s[32 + 4], 101);
        ASSERT_UEQ((uint8_t) b.s[32 + 24], 0xff);
        ASSERT_UEQ((uint8_t) b.s[64 + 4], 0);
}

TEST(toaster_encode) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_toaster(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = spawn(c), *back = spawn(c);
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const char *str = NULL;
        /* As the toaster driver writes it: 20 + 2 + byte count including the NUL. */
        uint8_t drv[20 + 2 + 8] = { [20] = 8, [22] = 'T', [24] = 0xe9, [26] = 'a', [28] = 0 };

        put_uint(i, "Capacity", 7);
        ASSERT_OK(lwmi_object_set_string(i, "ModelName", "Toast\xc3\xa9r \xf0\x9f\x8d\x9e"));
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 20 + 2 + 2 * 10); /* a surrogate pair for U+1F35E */
        ASSERT_UEQ((uint8_t) b.s[20], 20);
        ASSERT_UEQ((uint8_t) b.s[22], 'T');

        ASSERT_OK(block_decode(l, drv, sizeof(drv), back));
        ASSERT_OK(lwmi_object_get_string(back, "ModelName", &str));
        ASSERT_STREQ(str, "T\xc3\xa9"
                          "a");

        /* Hostile counts: odd, beyond the data. */
        drv[20] = 7;
        ASSERT_ERRNO(block_decode(l, drv, sizeof(drv), back), EBADMSG);
        drv[20] = 10;
        ASSERT_ERRNO(block_decode(l, drv, sizeof(drv), back), EBADMSG);
        ASSERT_ERRNO(block_decode(l, drv, 21, back), EBADMSG);
        drv[20] = 0;
        ASSERT_OK(block_decode(l, drv, 22, back));
        ASSERT_OK(lwmi_object_get_string(back, "ModelName", &str));
        ASSERT_STREQ(str, "");
}

TEST(maxlen_encode) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = schema_class(&s, "Max");
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        CimProperty *p = prop(c, "S", LWMI_CIM_STRING, NULL, 0, 1);

        set_uint_qual(&p->quals, "MaxLen", 4);
        l = layout_of(&s, c);
        ASSERT_UEQ(item(l, "S")->max_len, 4);
        i = spawn(c);
        ASSERT_OK(lwmi_object_set_string(i, "S", "abcd"));
        ASSERT_OK(block_encode(l, i, &b));
        ASSERT_OK(lwmi_object_set_string(i, "S", "abcde"));
        ASSERT_ERRNO(block_encode(l, i, &b), ERANGE);
        ASSERT_UEQ(b.len, 10);
}

TEST(variable_arrays) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_dsm(&s), *ec = s.classes[0];
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = spawn(c), *back = spawn(c);
        _cleanup_(lwmi_value_clearp) lwmi_value arr = LWMI_VALUE_NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        uint8_t hostile[16] = { 0xff, 0xff, 0xff, 0xff };

        /* NULL count: the array's length is written. */
        ASSERT_OK(lwmi_value_set_array(&arr, LWMI_CIM_OBJECT, 3));
        for (size_t k = 0; k < 3; k++) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *e = spawn(ec);
                put_uint(e, "PathId", k + 1);
                lwmi_value_set_object(&arr.u.array.items[k], e);
        }
        ASSERT_OK(lwmi_object_put(i, "PerfInfo", &arr));
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 8 + 3 * 32);
        ASSERT_UEQ((uint8_t) b.s[0], 3);
        ASSERT_UEQ((uint8_t) b.s[8 + 32], 2);

        /* A count that disagrees with the array. */
        put_uint(i, "NumberPaths", 2);
        strbuf_truncate(&b, 0);
        ASSERT_ERRNO(block_encode(l, i, &b), ERANGE);
        put_uint(i, "NumberPaths", 3);
        ASSERT_OK(block_encode(l, i, &b));

        /* Counts beyond the data are refused before any allocation. */
        ASSERT_ERRNO(block_decode(l, hostile, sizeof(hostile), back), EBADMSG);
        hostile[0] = 1;
        hostile[1] = hostile[2] = hostile[3] = 0;
        ASSERT_ERRNO(block_decode(l, hostile, sizeof(hostile), back), EBADMSG);
        hostile[0] = 0;
        ASSERT_OK(block_decode(l, hostile, 4, back));
}

TEST(string_arrays) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_xen(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = spawn(c), *back = spawn(c);
        _cleanup_(lwmi_value_clearp) lwmi_value arr = LWMI_VALUE_NULL, got = LWMI_VALUE_NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        static const char *const names[] = { "data", "", "x" };
        /* Count 2: "ab" with a NUL counted and padding after it, then "c". */
        uint8_t drv[] = { 2, 0, 0, 0, 8, 0, 'a', 0, 'b', 0, 0, 0, 'z', 0, 2, 0, 'c', 0 };

        ASSERT_OK(lwmi_value_set_array(&arr, LWMI_CIM_STRING, 3));
        for (size_t k = 0; k < 3; k++)
                ASSERT_OK(lwmi_value_set_string(&arr.u.array.items[k], LWMI_CIM_STRING, names[k]));
        ASSERT_OK(lwmi_object_put(i, "ChildNodes", &arr));
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 4 + (2 + 8) + 2 + (2 + 2));

        ASSERT_OK(block_decode(l, drv, sizeof(drv), back));
        ASSERT_OK(lwmi_object_get(back, "ChildNodes", &got, NULL));
        ASSERT_UEQ(got.u.array.n, 2);
        ASSERT_STREQ(got.u.array.items[0].u.string, "ab");
        ASSERT_STREQ(got.u.array.items[1].u.string, "c");
        ASSERT_ERRNO(block_decode(l, drv, sizeof(drv) - 1, back), EBADMSG);
}

TEST(datetime_and_reals) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = schema_class(&s, "Ext");
        _cleanup_(block_layout_freep) BlockLayout *l = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL, *back = NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        lwmi_datetime dt;
        lwmi_value v;

        prop(c, "B", LWMI_CIM_UINT8, NULL, 0, 1);
        prop(c, "T", LWMI_CIM_DATETIME, NULL, 0, 2);
        prop(c, "D", LWMI_CIM_REAL64, NULL, 0, 3);
        prop(c, "C", LWMI_CIM_CHAR16, NULL, 0, 4);
        l = layout_of(&s, c);
        check_item(l, "T", 2, 50);
        check_item(l, "D", 56, 8);
        i = spawn(c);
        back = spawn(c);
        ASSERT_OK(lwmi_datetime_parse("20240229123456.123456+060", &dt));
        ASSERT_OK(lwmi_object_set_datetime(i, "T", &dt));
        ASSERT_OK(lwmi_object_set_real64(i, "D", -1.5));
        lwmi_value_set_char16(&v, 0x263a);
        ASSERT_OK(lwmi_object_put(i, "C", &v));
        round_trip(l, c, i, &b);
        ASSERT_UEQ(b.len, 66);
        ASSERT_UEQ((uint8_t) b.s[2], '2');
        ASSERT_UEQ((uint8_t) b.s[2 + 2 * 21], '+');

        /* An all-zero datetime is NULL; garbage is refused. */
        memset(b.s + 2, 0, 50);
        ASSERT_OK(block_decode(l, b.s, b.len, back));
        ASSERT_TRUE(lwmi_object_peek(back, "T")->is_null);
        b.s[2] = 'x';
        ASSERT_ERRNO(block_decode(l, b.s, b.len, back), EBADMSG);
}

TEST(method_params) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = schema_class(&s, "ToasterControl");
        _cleanup_(block_layout_freep) BlockLayout *in = NULL, *out = NULL, *none = NULL;
        size_t m;

        ASSERT_OK(lwmi_class_add_method(c, "ToasterControl3", LWMI_CIM_EMPTY, &m));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "InData1", LWMI_CIM_UINT32, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "InData2", LWMI_CIM_UINT8, NULL, true, false));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "OutData1", LWMI_CIM_UINT32, NULL, false, true));
        ASSERT_OK(lwmi_class_add_parameter(c, m, "OutData2", LWMI_CIM_UINT64, NULL, false, true));
        ASSERT_OK(block_layout_compute_method(c, "ToasterControl3", false, NULL, NULL, &in, NULL));
        ASSERT_OK(block_layout_compute_method(c, "toastercontrol3", true, NULL, NULL, &out, NULL));
        ASSERT_UEQ(in->n_items, 2);
        check_item(in, "InData2", 4, 1);
        ASSERT_UEQ(in->size, 5);
        ASSERT_UEQ(in->sizeof_size, 8);
        ASSERT_UEQ(out->n_items, 2);
        ASSERT_UEQ(item(out, "OutData1")->data_id, 3);
        check_item(out, "OutData2", 8, 8);
        ASSERT_ERRNO(block_layout_compute_method(c, "Nope", true, NULL, NULL, &none, NULL), ENOENT);
}

TEST(null_instance_encodes_zero) {
        _cleanup_(schema_done) Schema s = {};
        lwmi_object *c = make_ec2(&s);
        _cleanup_(block_layout_freep) BlockLayout *l = layout_of(&s, c);
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        strbuf_append(&b, "abc"); /* the block starts at out->len */
        ASSERT_OK(block_encode(l, NULL, &b));
        ASSERT_UEQ(b.len, 3 + 72);
        for (size_t k = 3; k < b.len; k++)
                ASSERT_UEQ((uint8_t) b.s[k], 0);
}

TEST_MAIN()
