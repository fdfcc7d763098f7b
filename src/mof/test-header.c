/* SPDX-License-Identifier: MIT */
/* Tests of the C header emitter (spec section 3, the wmimofck -h -m format). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mof/header.h"
#include "mof/mof.h"
#include "shared/macro.h"
#include "shared/test.h"

static char *emit(const char *mof, const char *guard, bool methods) {
        _cleanup_(mof_result_freep) MofResult *r = NULL;
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        MofHeaderOptions o = { .guard_name = guard, .method_structs = methods };
        _cleanup_free_ char *msg = NULL;
        char *text = NULL;
        size_t len = 0;
        FILE *f;
        int k;

        k = mof_compile_buffer("test.mof", mof, strlen(mof), NULL, &r, &diags);
        if (k < 0)
                mof_diag_list_print(&diags, stderr);
        mof_diag_list_deinit(&diags);
        ASSERT_OK(k);
        f = open_memstream(&text, &len);
        ASSERT_NOT_NULL(f);
        k = mof_header_emit(r, &o, f, &msg);
        fclose(f);
        if (k < 0)
                TEST_FAIL("mof_header_emit: %d %s", k, msg ? msg : "");
        return text;
}

static void expect(const char *text, const char *needle) {
        if (!strstr(text, needle))
                TEST_FAIL("header lacks:\n%s\n---- header:\n%s", needle, text);
}

static void expect_not(const char *text, const char *needle) {
        if (strstr(text, needle))
                TEST_FAIL("header has:\n%s", needle);
}

static const char ec1_mof[] =
        "[WMI, HeaderName(\"EC1\"), Description(\"Description of embedded class 1\") : amended,\n"
        " guid(\"{A1C15015-B069-11d1-9290-00A0C9062910}\")]\n"
        "class Vendor_EC1 {\n"
        "  [WmiDataId(2), Description(\"unsigned character data\")] uint8 Xuint8;\n"
        "  [WmiDataId(1), Description(\"boolean data\")] boolean Xboolean;\n"
        "  [WmiDataId(3)] uint16 Xuint16[4];\n"
        "  [WmiDataId(4)] datetime When;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WmiProv\"), Description(\"Description of sample class 1\"),\n"
        " guid(\"{15D851F1-6539-11d1-A529-00A0C9062910}\")]\n"
        "class WmiSampleClass1 {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [WmiDataId(1)] uint32 Xuint32;\n"
        "  [WmiDataId(2)] Vendor_EC1 Embedded[2];\n"
        "  [Implemented, WmiMethodId(1)] void SetEC1([in] boolean Xboolean, [in] sint64 Xint64);\n"
        "  [Implemented, WmiMethodId(2)] void DummyMethod();\n"
        "};\n";

TEST(wmisamp_format) {
        _cleanup_free_ char *h = emit(ec1_mof, "/tmp/out/WmiData.h", true);

        expect(h, "#ifndef _WmiData_h_\n#define _WmiData_h_\n");
        expect(h, "#ifndef LWMI_WMI_TYPES_DEFINED\n");
        expect(h, "// Vendor_EC1 - EC1\n"
                  "// Description of embedded class 1\n"
                  "#define Vendor_EC1Guid \\\n"
                  "    { 0xa1c15015,0xb069,0x11d1, { 0x92,0x90,0x00,0xa0,0xc9,0x06,0x29,0x10 } }\n"
                  "\n"
                  "#if ! (defined(MIDL_PASS))\n"
                  "DEFINE_GUID(Vendor_EC1_GUID, \\\n"
                  "            0xa1c15015,0xb069,0x11d1,0x92,0x90,0x00,0xa0,0xc9,0x06,0x29,0x10);\n"
                  "#endif\n"
                  "\n"
                  "\n"
                  "typedef struct _EC1\n"
                  "{\n"
                  "    // boolean data\n"
                  "    BOOLEAN Xboolean;\n"
                  "    #define EC1_Xboolean_SIZE sizeof(BOOLEAN)\n"
                  "    #define EC1_Xboolean_ID 1\n"
                  "\n"
                  "    // unsigned character data\n"
                  "    UCHAR Xuint8;\n"
                  "    #define EC1_Xuint8_SIZE sizeof(UCHAR)\n"
                  "    #define EC1_Xuint8_ID 2\n"
                  "\n"
                  "    // \n"
                  "    USHORT Xuint16[4];\n"
                  "    #define EC1_Xuint16_SIZE sizeof(USHORT[4])\n"
                  "    #define EC1_Xuint16_ID 3\n"
                  "\n"
                  "    // \n"
                  "    WCHAR When[25];\n"
                  "    #define EC1_When_SIZE sizeof(WCHAR[25])\n"
                  "    #define EC1_When_ID 4\n"
                  "\n"
                  "} EC1, *PEC1;\n"
                  "\n"
                  "#define EC1_SIZE (FIELD_OFFSET(EC1, When) + EC1_When_SIZE)\n"
                  "\n"
                  "// WmiSampleClass1 - WmiSampleClass1\n");
        expect(h,
               "#endif\n"
               "\n"
               "//\n"
               "// Method id definitions for WmiSampleClass1\n"
               "#define SetEC1     1\n"
               "typedef struct _SetEC1_IN\n"
               "{\n"
               "    // \n"
               "    BOOLEAN Xboolean;\n"
               "    #define SetEC1_IN_Xboolean_SIZE sizeof(BOOLEAN)\n"
               "    #define SetEC1_IN_Xboolean_ID 1\n"
               "\n"
               "    // \n"
               "    LONGLONG Xint64;\n"
               "    #define SetEC1_IN_Xint64_SIZE sizeof(LONGLONG)\n"
               "    #define SetEC1_IN_Xint64_ID 2\n"
               "\n"
               "} SetEC1_IN, *PSetEC1_IN;\n"
               "\n"
               "#define SetEC1_IN_SIZE (FIELD_OFFSET(SetEC1_IN, Xint64) + SetEC1_IN_Xint64_SIZE)\n"
               "\n"
               "#define DummyMethod     2\n"
               "\n"
               "typedef struct _WmiSampleClass1\n");
        expect(h,
               "    EC1 Embedded[2];\n    #define WmiSampleClass1_Embedded_SIZE sizeof(EC1[2])\n");
        expect(h, "#define WmiSampleClass1_SIZE (FIELD_OFFSET(WmiSampleClass1, Embedded) + "
                  "WmiSampleClass1_Embedded_SIZE)\n\n#endif\n");
        expect_not(h, "InstanceName");
        expect_not(h, "_OUT");
}

TEST(no_method_structs) {
        _cleanup_free_ char *h = emit(ec1_mof, NULL, false);

        expect(h, "#ifndef _wmidata_h_\n");
        expect(h, "#define SetEC1     1\n#define DummyMethod     2\n\n"
                  "typedef struct _WmiSampleClass1");
        expect_not(h, "SetEC1_IN");
}

static const char variable_mof[] =
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{BBA21300-6DD3-11d2-B844-00C04FAD5171}\"),\n"
        " GuidName1(\"TOASTER_INFO_GUID\")]\n"
        "class ToasterDeviceInformation {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [WmiDataId(1)] uint32 ConnectorType;\n"
        "  [WmiDataId(2), Description(\"The Toaster Model Name.\")] string ModelName;\n"
        "};\n"
        "[WMI, guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B5E}\")]\n"
        "class Nodes {\n"
        "  [WmiDataId(1)] uint32 N;\n"
        "  [WmiDataId(2), WmiSizeIs(\"N\")] string ChildNodes[];\n"
        "};\n"
        "[WMI, guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B5F}\")]\n"
        "class Perf {\n"
        "  [WmiDataId(1)] uint32 N;\n"
        "  [WmiDataId(2), WmiSizeIs(\"N\")] uint64 Values[];\n"
        "};\n"
        "[WMI, guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B60}\")]\n"
        "class TwoStrings {\n"
        "  [WmiDataId(1)] string A;\n"
        "  [WmiDataId(2)] string B;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B61}\")]\n"
        "class Methods {\n"
        "  [key, read] string InstanceName; [read] boolean Active;\n"
        "  [Implemented, WmiMethodId(3)] void Get([in] string Path, [out] uint32 Value);\n"
        "};\n"
        "[WMI, WmiGenerateHeader(FALSE), guid(\"{1D80EB99-A1D6-4492-B62F-8B4549FF0B62}\")]\n"
        "class Hidden { [WmiDataId(1)] uint32 N; };\n"
        "class NotWmi { [WmiDataId(1)] uint32 N; };\n";

TEST(variable_items) {
        _cleanup_free_ char *h = emit(variable_mof, "filtdata.h", true);

        expect(h, "// ToasterDeviceInformation - ToasterDeviceInformation\n"
                  "#define TOASTER_INFO_GUID \\\n");
        expect(h, "DEFINE_GUID(ToasterDeviceInformation_GUID, \\\n");
        expect(h, "    // The Toaster Model Name.\n"
                  "    CHAR VariableData[1];\n"
                  "    #define ToasterDeviceInformation_ModelName_ID 2\n"
                  "\n"
                  "} ToasterDeviceInformation, *PToasterDeviceInformation;\n"
                  "\n"
                  "// Nodes");
        expect_not(h, "ToasterDeviceInformation_SIZE");
        expect_not(h, "ToasterDeviceInformation_ModelName_SIZE");
        expect(h, "    WCHAR ChildNodes[1];\n    #define Nodes_ChildNodes_ID 2\n");
        expect(h, "    ULONGLONG Values[1];\n    #define Perf_Values_ID 2\n");
        expect(h, "// Warning: Header for class TwoStrings cannot be created\n"
                  "typedef struct _TwoStrings\n"
                  "{\n"
                  "    char VariableData[1];\n"
                  "\n"
                  "} TwoStrings, *PTwoStrings;\n");
        /* Method-only class: the warning form, and method structs with a variable item. */
        expect(h, "#define Get     3\n"
                  "typedef struct _Get_IN\n"
                  "{\n"
                  "    // \n"
                  "    CHAR VariableData[1];\n"
                  "    #define Get_IN_Path_ID 1\n"
                  "\n"
                  "} Get_IN, *PGet_IN;\n"
                  "\n"
                  "typedef struct _Get_OUT\n");
        expect(h, "    #define Get_OUT_Value_ID 2\n");
        expect(h, "#define Get_OUT_SIZE (FIELD_OFFSET(Get_OUT, Value) + Get_OUT_Value_SIZE)\n");
        expect(h, "// Warning: Header for class Methods cannot be created\n");
        expect_not(h, "Hidden");
        expect_not(h, "NotWmi");
}

static const char enum_mof[] =
        "[WMI, guid(\"{91843BEA-5562-4315-AB73-0CB0688D02E5}\"),\n"
        " cpp_quote(\"#define CLASS_QUOTE 1\")]\n"
        "class MSSample_DiagnosticResult {\n"
        "  [WmiDataId(1), Description(\"Line one\\nline two\\\\\")] uint32 Estimated;\n"
        "  [WmiDataId(2), DefineValues{\"TestStateUnknown\", \"TestStateOther\"},\n"
        "   Values{\"Unknown\", \"Other\"}, ValueMap{\"0\", \"0x10\"}] uint16 TestState;\n"
        "  [WmiDataId(3), DefineValues{\"FirstBit\", \"SecondBit\"}] uint8 Bits;\n"
        "};\n";

TEST(define_values_and_quotes) {
        _cleanup_free_ char *h = emit(enum_mof, "x.h", true);

        expect(h, "// MSSample_DiagnosticResult - MSSample_DiagnosticResult\n"
                  "#define CLASS_QUOTE 1\n"
                  "#define MSSample_DiagnosticResultGuid \\\n");
        expect(h, "    // Line one line two\n");
        expect(h, "    #define MSSample_DiagnosticResult_Estimated_ID 1\n"
                  "\n"
                  "\n"
                  "// Unknown\n"
                  "#define TestStateUnknown 0\n"
                  "// Other\n"
                  "#define TestStateOther 0x10\n"
                  "\n"
                  "    // \n"
                  "    USHORT TestState;\n");
        expect(h, "#define FirstBit 0\n#define SecondBit 1\n\n    // \n    UCHAR Bits;\n");
}

static void put_qual(lwmi_object *c, const char *prop, const char *name, const lwmi_value *v) {
        ASSERT_OK(lwmi_object_set_qualifier(c, prop, name, v, 0));
}

TEST(errors) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL;
        _cleanup_free_ char *msg = NULL, *text = NULL;
        _cleanup_(lwmi_value_clearp) lwmi_value guid = LWMI_VALUE_NULL;
        lwmi_value t, id;
        MofItem item = { .kind = MOF_ITEM_CLASS };
        MofResult r = { .items = &item, .n_items = 1, .alloc_items = 1 };
        size_t len = 0;
        FILE *f;

        /* Built with the object API: the front end would reject the id gap itself. */
        ASSERT_OK(lwmi_class_new("Bad", NULL, &c));
        ASSERT_OK(lwmi_class_add_property(c, "A", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(c, "B", LWMI_CIM_UINT32, NULL, NULL));
        lwmi_value_set_bool(&t, true);
        ASSERT_OK(lwmi_value_set_string(&guid, LWMI_CIM_STRING,
                                        "{91843BEA-5562-4315-AB73-0CB0688D02E5}"));
        put_qual(c, NULL, "WMI", &t);
        put_qual(c, NULL, "guid", &guid);
        lwmi_value_set_sint(&id, LWMI_CIM_SINT32, 1);
        put_qual(c, "A", "WmiDataId", &id);
        lwmi_value_set_sint(&id, LWMI_CIM_SINT32, 3);
        put_qual(c, "B", "WmiDataId", &id);
        item.object = c;

        f = open_memstream(&text, &len);
        ASSERT_NOT_NULL(f);
        ASSERT_ERRNO(mof_header_emit(&r, NULL, f, &msg), EINVAL);
        fclose(f);
        ASSERT_NOT_NULL(msg);
        ASSERT_NOT_NULL(strstr(msg, "WmiDataId(2) is missing"));
        ASSERT_UEQ(len, 0); /* nothing is written when a class fails */
}

TEST_MAIN()
