/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the binary object decoder: decode arbitrary bytes against
 * a small fixed class; whatever decodes must re-encode, decode again and
 * re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/name.h"
#include "shared/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* class Sample { [key] string InstanceName; boolean Active; uint32 Data[]; object Emb; } */
static lwmi_object *fixed_class(void) {
        static lwmi_object *cls;
        lwmi_value t;

        if (cls)
                return cls;
        lwmi_value_set_bool(&t, true);
        if (lwmi_class_new("Sample", NULL, &cls) < 0 ||
            lwmi_class_add_property(cls, "InstanceName", LWMI_CIM_STRING, NULL, NULL) < 0 ||
            lwmi_object_set_qualifier(cls, "InstanceName", "key", &t, 0) < 0 ||
            lwmi_class_add_property(cls, "Active", LWMI_CIM_BOOLEAN, NULL, NULL) < 0 ||
            lwmi_class_add_property(cls, "Data", LWMI_CIM_UINT32 | LWMI_CIM_FLAG_ARRAY, NULL,
                                    NULL) < 0 ||
            lwmi_class_add_property(cls, "Emb", LWMI_CIM_OBJECT, NULL, NULL) < 0)
                abort();
        return cls;
}

static lwmi_object *lookup(void *userdata, const char *class_name) {
        lwmi_object *cls = fixed_class();

        if (!lwmi_name_eq(class_name, cls->name))
                return NULL;
        return lwmi_object_ref(cls);
}

static void encode(const lwmi_object *o, bool full, StrBuf *b) {
        if ((full ? cim_object_encode_full(o, b) : cim_object_encode(o, b)) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StrBuf a = STRBUF_INIT, b = STRBUF_INIT;
        lwmi_object *o = NULL, *p = NULL;
        bool full;

        if (cim_object_decode(data, size, lookup, NULL, &o) < 0)
                return 0;
        /* keep the kind the input used: class name only, or class inline */
        full = size > 5 && data[5] == 3;
        encode(o, full, &a);
        if (cim_object_decode(a.s, a.len, lookup, NULL, &p) < 0) {
                fprintf(stderr, "re-encoded object does not decode\n");
                abort();
        }
        if (!cim_object_equal(o, p)) {
                fprintf(stderr, "decoded objects differ\n");
                abort();
        }
        encode(p, full, &b);
        if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0) {
                fprintf(stderr, "unstable encoding\n");
                abort();
        }
        strbuf_deinit(&a);
        strbuf_deinit(&b);
        lwmi_object_unref(o);
        lwmi_object_unref(p);
        return 0;
}
