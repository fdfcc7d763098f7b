/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the data-block decoder: the first input byte picks one of a fixed
 * set of layouts (scalars, fixed arrays, embedded classes, strings, variable
 * arrays of strings and of embedded classes, method parameters), the rest is
 * the block. Whatever decodes must re-encode, and decoding that image again
 * must give the same values and, encoded once more, the same bytes. A plain
 * layout (EC1) is decoded by its fast path and item by item, to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/object.h"
#include "mof/layout.h"
#include "mof/mof.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema[] =
        "[WMI, guid(\"{A1C15015-B069-11d1-9290-00A0C9062910}\")]\n"
        "class EC1 {\n"
        "  [WmiDataId(1)] boolean B; [WmiDataId(2)] uint8 U8; [WmiDataId(3)] uint16 U16;\n"
        "  [WmiDataId(4)] uint32 U32; [WmiDataId(5)] uint64 U64; [WmiDataId(6)] sint8 S8;\n"
        "  [WmiDataId(7)] sint16 S16; [WmiDataId(8)] sint32 S32; [WmiDataId(9)] sint64 S64;\n"
        "};\n"
        "[WMI, guid(\"{A1C15016-B069-11d1-9290-00A0C9062910}\")]\n"
        "class EC2 {\n"
        "  [WmiDataId(1)] uint8 N; [WmiDataId(2)] string Name;\n"
        "  [WmiDataId(3), WmiSizeIs(\"N\")] uint16 Values[];\n"
        "};\n"
        "[WMI, guid(\"{15D851F3-6539-11d1-A529-00A0C9062910}\")]\n"
        "class Fixed {\n"
        "  [WmiDataId(1)] EC1 Embedded[2]; [WmiDataId(2)] boolean Flags[3];\n"
        "  [WmiDataId(3)] datetime When; [WmiDataId(4)] sint16 Tail[2];\n"
        "};\n"
        "[WMI, guid(\"{15D851F4-6539-11d1-A529-00A0C9062910}\")]\n"
        "class Strings {\n"
        "  [WmiDataId(1)] uint32 Count; [WmiDataId(2), MaxLen(8)] string Short;\n"
        "  [WmiDataId(3), WmiSizeIs(\"Count\")] string Names[]; [WmiDataId(4)] uint64 After;\n"
        "};\n"
        "[WMI, guid(\"{15D851F5-6539-11d1-A529-00A0C9062910}\")]\n"
        "class Nested {\n"
        "  [WmiDataId(1)] sint16 Count; [WmiDataId(2), WmiSizeIs(\"Count\")] EC2 Items[];\n"
        "  [WmiDataId(3)] EC2 Single; [WmiDataId(4)] uint8 End;\n"
        "};\n"
        "[WMI, guid(\"{15D851F6-6539-11d1-A529-00A0C9062910}\")]\n"
        "class Methods {\n"
        "  [WmiMethodId(1)] void M([in] uint8 A, [in, out] string S, [out] uint64 R,\n"
        "                          [in] EC1 E);\n"
        "};\n";

typedef struct Target {
        BlockLayout *l;
        lwmi_object *cls; /* what instances are spawned from */
} Target;

static Target targets[8];
static size_t n_targets;

static lwmi_object *lookup(void *userdata, const char *name) {
        lwmi_object *o = mof_result_find_class(userdata, name);

        return o ? lwmi_object_ref(o) : NULL;
}

static void setup(void) {
        static const char *const classes[] = { "EC1", "EC2", "Fixed", "Strings", "Nested" };
        MofResult *r = NULL;
        MofDiagList diags = MOF_DIAG_LIST_INIT;

        if (mof_compile_buffer("fuzz.mof", schema, sizeof(schema) - 1, NULL, &r, &diags) < 0) {
                mof_diag_list_print(&diags, stderr);
                abort();
        }
        mof_diag_list_deinit(&diags);
        for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
                Target *t = &targets[n_targets++];
                t->cls = lwmi_object_ref(mof_result_find_class(r, classes[i]));
                if (block_layout_compute(t->cls, lookup, r, &t->l, NULL) < 0)
                        abort();
        }
        for (int out = 0; out < 2; out++) {
                Target *t = &targets[n_targets++];
                lwmi_object *in_sig = NULL, *out_sig = NULL;
                lwmi_object *m = mof_result_find_class(r, "Methods");

                if (block_layout_compute_method(m, "M", out, lookup, r, &t->l, NULL) < 0 ||
                    lwmi_object_get_method_signature(m, "M", &in_sig, &out_sig) < 0)
                        abort();
                t->cls = out ? out_sig : in_sig;
                lwmi_object_unref(out ? in_sig : out_sig);
        }
        mof_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *a = NULL, *b = NULL;
        _cleanup_strbuf_ StrBuf e1 = STRBUF_INIT, e2 = STRBUF_INIT;
        const Target *t;

        if (n_targets == 0)
                setup();
        if (size < 1)
                return 0;
        t = &targets[data[0] % n_targets];
        if (lwmi_class_spawn_instance(t->cls, &a) < 0 || lwmi_class_spawn_instance(t->cls, &b) < 0)
                abort();
        {
                /* the object-free decoder (wmid's events and queries) agrees with block_decode() */
                lwmi_value *vals = calloc(t->l->n_items ? t->l->n_items : 1, sizeof(*vals));
                int rv, ro;

                if (!vals)
                        abort();
                for (size_t i = 0; i < t->l->n_items; i++)
                        vals[i] = (lwmi_value) LWMI_VALUE_NULL;
                rv = block_decode_values(t->l, data + 1, size - 1, vals);
                ro = block_decode(t->l, data + 1, size - 1, a);
                if ((rv < 0) != (ro < 0))
                        abort();
                for (size_t i = 0; ro >= 0 && i < t->l->n_items; i++)
                        if (t->l->items[i].type != LWMI_CIM_OBJECT &&
                            !lwmi_value_equal(&vals[i], lwmi_object_peek(a, t->l->items[i].name)))
                                abort();
                if (t->l->plain) {
                        /* a plain layout's fast path agrees with the item-by-item decoder */
                        _cleanup_(lwmi_object_unrefp) lwmi_object *g = NULL;
                        int rg;

                        if (lwmi_class_spawn_instance(t->cls, &g) < 0)
                                abort();
                        t->l->plain = false;
                        rg = block_decode(t->l, data + 1, size - 1, g);
                        t->l->plain = true;
                        if ((rg < 0) != (ro < 0) || (ro >= 0 && !cim_object_equal(a, g)))
                                abort();
                }
                for (size_t i = 0; i < t->l->n_items; i++)
                        lwmi_value_clear(&vals[i]);
                free(vals);
                if (ro < 0)
                        return 0;
        }
        if (block_encode(t->l, a, &e1) < 0)
                abort(); /* whatever decodes must encode */
        if (block_decode(t->l, e1.s, e1.len, b) < 0)
                abort();
        for (size_t i = 0; i < t->l->n_items; i++) {
                const char *n = t->l->items[i].name;
                if (t->l->items[i].type != LWMI_CIM_OBJECT &&
                    !lwmi_value_equal(lwmi_object_peek(a, n), lwmi_object_peek(b, n)))
                        abort();
        }
        if (block_encode(t->l, b, &e2) < 0 || e1.len != e2.len ||
            (e1.len && memcmp(e1.s, e2.s, e1.len) != 0))
                abort();
        return 0;
}
