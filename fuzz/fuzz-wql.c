/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for the WQL parser, formatter and evaluator: parses arbitrary
 * bytes; a query that parses must format, re-parse and format to the same
 * text (abort otherwise), and must evaluate against a fixed record and a
 * fixed object without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/name.h"
#include "wql/wql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
        N_VALUES = 14
};
static lwmi_value values[N_VALUES];
static lwmi_object *cls, *obj;

static void setup(void) {
        lwmi_datetime dt = { .year = 2024, .month = 2, .day = 29, .hour = 12 };
        lwmi_datetime span = { .is_interval = true, .day = 3 };

        if (obj)
                return;
        if (lwmi_class_new("FuzzClass", NULL, &cls) < 0 ||
            lwmi_class_add_property(cls, "Name", LWMI_CIM_STRING, NULL, NULL) < 0 ||
            lwmi_class_add_property(cls, "Id", LWMI_CIM_UINT32, NULL, NULL) < 0 ||
            lwmi_class_spawn_instance(cls, &obj) < 0 ||
            lwmi_object_set_string(obj, "Name", "dev0") < 0 ||
            lwmi_object_set_uint64(obj, "Id", 7) < 0)
                abort();
        lwmi_value_set_sint(&values[0], LWMI_CIM_SINT32, -42);
        lwmi_value_set_uint(&values[1], LWMI_CIM_UINT64, UINT64_MAX);
        lwmi_value_set_real(&values[2], LWMI_CIM_REAL64, 2.5);
        if (lwmi_value_set_string(&values[3], LWMI_CIM_STRING, "PCI\\VEN_8086&DEV_1234") < 0 ||
            lwmi_value_set_string(&values[4], LWMI_CIM_REFERENCE, "FuzzClass.Name=\"dev0\"") < 0)
                abort();
        lwmi_value_set_bool(&values[5], true);
        lwmi_value_set_null(&values[6], LWMI_CIM_STRING);
        if (lwmi_value_set_array(&values[7], LWMI_CIM_UINT8, 2) < 0)
                abort();
        lwmi_value_set_datetime(&values[8], &dt);
        lwmi_value_set_datetime(&values[9], &span);
        lwmi_value_set_char16(&values[10], 'q');
        lwmi_value_set_object(&values[11], obj);
        lwmi_value_set_null(&values[12], LWMI_CIM_OBJECT);
        if (lwmi_value_set_string(&values[13], LWMI_CIM_STRING, "") < 0)
                abort();
}

/* Every name resolves to one of the values, except names starting with Z (unknown). */
static const lwmi_value *fuzz_lookup(void *userdata, const WqlProperty *prop) {
        const char *name = prop->parts[0];

        if (name[0] == 'Z' || name[0] == 'z')
                return NULL;
        if (lwmi_name_eq(name, "TargetInstance") || lwmi_name_eq(name, "__this"))
                return &values[11];
        return &values[lwmi_name_hash(name) % N_VALUES];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL, *q2 = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        _cleanup_free_ char *f1 = NULL, *f2 = NULL;
        bool match;
        int r;

        setup();
        r = wql_query_parse_n((const char *) data, size, &q, &err);
        if (r < 0) {
                /* a refused query always says why and where */
                if (r == -EINVAL && (!err.status || !err.token || !err.message))
                        abort();
                return 0;
        }
        if (wql_query_format(q, &f1) < 0)
                return 0;
        r = wql_query_parse(f1, &q2, &err);
        if (r < 0) {
                fprintf(stderr, "canonical form does not parse: '%s': %s\n", f1, err.message);
                abort();
        }
        if (wql_query_format(q2, &f2) < 0)
                return 0;
        if (strcmp(f1, f2) != 0) {
                fprintf(stderr, "unstable format:\n  '%s'\n  '%s'\n", f1, f2);
                abort();
        }

        (void) wql_query_eval(q, fuzz_lookup, NULL, NULL, &match, &err);
        (void) wql_query_eval_having(q, fuzz_lookup, NULL, NULL, &match, &err);
        (void) wql_query_eval_object(q, obj, &match, &err);
        (void) wql_query_eval_object(q, cls, &match, &err);
        return 0;
}
