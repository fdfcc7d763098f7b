/* SPDX-License-Identifier: MIT */
/*
 * Tests of wmic's output formats. With $WMIC_JSON_OUT set, the json test also
 * writes its output there, for test-wmic.sh to validate with jq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "format.h"
#include "shared/test.h"

static lwmi_object *make_class(void) {
        lwmi_object *cls = NULL;
        lwmi_value key;

        ASSERT_OK(lwmi_class_new("Sample", NULL, &cls));
        ASSERT_OK(lwmi_class_add_property(cls, "Name", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "Value", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_add_property(cls, "Active", LWMI_CIM_BOOLEAN, NULL, NULL));
        lwmi_value_set_bool(&key, true);
        ASSERT_OK(lwmi_object_set_qualifier(cls, "Name", "Key", &key, 0));
        return cls;
}

static void make_objects(lwmi_object *objs[2]) {
        lwmi_object *cls = make_class();

        ASSERT_OK(lwmi_class_spawn_instance(cls, &objs[0]));
        ASSERT_OK(lwmi_object_set_string(objs[0], "Name", "dev0"));
        ASSERT_OK(lwmi_object_set_uint64(objs[0], "Value", 7));
        ASSERT_OK(lwmi_object_set_bool(objs[0], "Active", true));
        ASSERT_OK(lwmi_class_spawn_instance(cls, &objs[1]));
        ASSERT_OK(lwmi_object_set_string(objs[1], "Name", "a \"quoted\", name"));
        ASSERT_OK(lwmi_object_set_uint64(objs[1], "Value", 123456));
        lwmi_object_unref(cls);
}

static char *render(WmicFormat format, bool array) {
        lwmi_object *objs[2];
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        make_objects(objs);
        f = open_memstream(&buf, &size);
        ASSERT_TRUE(f != NULL);
        ASSERT_OK(wmic_format_objects(f, format, objs, 2, array));
        ASSERT_OK(fclose(f));
        lwmi_object_unref(objs[0]);
        lwmi_object_unref(objs[1]);
        return buf;
}

TEST(parse) {
        WmicFormat f;

        ASSERT_OK(wmic_format_parse("table", &f));
        ASSERT_EQ(f, WMIC_FORMAT_TABLE);
        ASSERT_OK(wmic_format_parse("JSON", &f));
        ASSERT_EQ(f, WMIC_FORMAT_JSON);
        ASSERT_OK(wmic_format_parse("csv", &f));
        ASSERT_OK(wmic_format_parse("list", &f));
        ASSERT_EQ(f, WMIC_FORMAT_LIST);
        ASSERT_ERRNO(wmic_format_parse("xml", &f), EINVAL);
}

TEST(table) {
        char *s = render(WMIC_FORMAT_TABLE, false);

        ASSERT_STREQ(s, "Name              Value   Active\n"
                        "dev0              7       TRUE\n"
                        "a \"quoted\", name  123456  \n");
        free(s);
}

TEST(list) {
        char *s = render(WMIC_FORMAT_LIST, false);

        ASSERT_STREQ(s, "Name=dev0\nValue=7\nActive=TRUE\n"
                        "\n"
                        "Name=a \"quoted\", name\nValue=123456\nActive=\n");
        free(s);
}

TEST(csv) {
        char *s = render(WMIC_FORMAT_CSV, false);

        ASSERT_STREQ(s, "Name,Value,Active\r\n"
                        "dev0,7,TRUE\r\n"
                        "\"a \"\"quoted\"\", name\",123456,\r\n");
        free(s);
}

TEST(json) {
        char *s = render(WMIC_FORMAT_JSON, true);
        const char *out = getenv("WMIC_JSON_OUT");

        ASSERT_TRUE(s[0] == '[');
        ASSERT_TRUE(strstr(s, "\"dev0\"") != NULL);
        ASSERT_TRUE(strstr(s, "\\\"quoted\\\"") != NULL);
        if (out) {
                FILE *f = fopen(out, "we");

                ASSERT_TRUE(f != NULL);
                fputs(s, f);
                ASSERT_OK(fclose(f));
        }
        free(s);
}

TEST(empty) {
        lwmi_object *none[1] = { NULL };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_OK(wmic_format_objects(f, WMIC_FORMAT_JSON, none, 0, true));
        ASSERT_OK(wmic_format_objects(f, WMIC_FORMAT_TABLE, none, 0, true));
        ASSERT_OK(fclose(f));
        ASSERT_STREQ(buf, "[]\n");
        free(buf);
}

TEST_MAIN();
