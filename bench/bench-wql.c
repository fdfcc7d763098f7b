/* SPDX-License-Identifier: MIT */
/*
 * WQL evaluation benchmark: the compiled WHERE of
 *   SELECT * FROM X WHERE A > 10 AND Name LIKE "dev%" OR Flag = TRUE
 * evaluated over a rotating set of 1000 records (lookup callback bound to
 * the query's root numbers) and 1000 lwmi_object instances, against a
 * hand-written C predicate on the same values, in the same run.
 *
 * Usage: bench-wql [evaluations]   (default 10000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/name.h"
#include "wql/wql.h"

#define N_RECORDS 1000

enum {
        FIELD_A,
        FIELD_NAME,
        FIELD_FLAG,
        N_FIELDS
};

typedef struct Record {
        lwmi_value fields[N_FIELDS];
} Record;

typedef struct Binding {
        const Record *rec;
        int field_of_root[8]; /* WqlProperty.root -> FIELD_* (bound once per query) */
} Binding;

static Record records[N_RECORDS];
static lwmi_object *objects[N_RECORDS];

static const lwmi_value *bound_lookup(void *userdata, const WqlProperty *prop) {
        const Binding *b = userdata;
        int f = prop->root < 8 ? b->field_of_root[prop->root] : -1;

        return f >= 0 ? &b->rec->fields[f] : NULL;
}

/* The baseline: what one would write by hand for this condition. */
static bool __attribute__((noinline)) baseline(const Record *r) {
        const lwmi_value *a = &r->fields[FIELD_A], *name = &r->fields[FIELD_NAME],
                         *flag = &r->fields[FIELD_FLAG];
        bool left = false;

        if (!a->is_null && a->u.uint > 10 && !name->is_null) {
                const char *s = name->u.string;
                left = (s[0] | 0x20) == 'd' && (s[1] | 0x20) == 'e' && (s[2] | 0x20) == 'v';
        }
        return left || (!flag->is_null && flag->u.boolean);
}

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void setup(void) {
        static const char *const names[] = { "dev0",    "DEVICE7", "disk1", "net3",
                                             "devnull", "port2",   "Dev-x" };
        lwmi_object *cls = NULL;

        if (lwmi_class_new("Bench_Block", NULL, &cls) < 0 ||
            lwmi_class_add_property(cls, "A", LWMI_CIM_UINT32, NULL, NULL) < 0 ||
            lwmi_class_add_property(cls, "Name", LWMI_CIM_STRING, NULL, NULL) < 0 ||
            lwmi_class_add_property(cls, "Flag", LWMI_CIM_BOOLEAN, NULL, NULL) < 0)
                abort();
        for (size_t i = 0; i < N_RECORDS; i++) {
                Record *r = &records[i];
                uint64_t a = (i * 7919) % 23;
                const char *name = names[(i * 31) % 7];
                bool flag = i % 5 == 0;

                lwmi_value_set_uint(&r->fields[FIELD_A], LWMI_CIM_UINT32, a);
                if (lwmi_value_set_string(&r->fields[FIELD_NAME], LWMI_CIM_STRING, name) < 0)
                        abort();
                lwmi_value_set_bool(&r->fields[FIELD_FLAG], flag);

                if (lwmi_class_spawn_instance(cls, &objects[i]) < 0 ||
                    lwmi_object_set_uint64(objects[i], "A", a) < 0 ||
                    lwmi_object_set_string(objects[i], "Name", name) < 0 ||
                    lwmi_object_set_bool(objects[i], "Flag", flag) < 0)
                        abort();
        }
        lwmi_object_unref(cls);
}

static void teardown(void) {
        for (size_t i = 0; i < N_RECORDS; i++) {
                for (size_t f = 0; f < N_FIELDS; f++)
                        lwmi_value_clear(&records[i].fields[f]);
                lwmi_object_unref(objects[i]);
        }
}

int main(int argc, char **argv) {
        static const char query[] =
                "SELECT * FROM X WHERE A > 10 AND Name LIKE \"dev%\" OR Flag = TRUE";
        WqlError err = WQL_ERROR_INIT;
        WqlQuery *q = NULL;
        Binding b = {};
        uint64_t n = 10000000, n_obj;
        char *end = NULL;

        /* an optional evaluation count; scripts/bench.sh passes the corpus folder, ignored here */
        if (argc > 1) {
                uint64_t v = strtoull(argv[1], &end, 10);
                if (end && *end == 0 && v > 0)
                        n = v;
        }
        uint64_t t0, t_wql = UINT64_MAX, t_base = UINT64_MAX, t_obj = UINT64_MAX;
        uint64_t hits_wql = 0, hits_base = 0, hits_obj = 0;

        if (n == 0)
                n = 1;
        n_obj = n / 10 ? n / 10 : 1;
        setup();
        if (wql_query_parse(query, &q, &err) < 0) {
                fprintf(stderr, "parse: %s\n", err.message);
                return 1;
        }

        /* bind each top-level name of the query to a record field, once */
        for (size_t i = 0; i < 8; i++)
                b.field_of_root[i] = -1;
        for (size_t i = 0; i < q->n_props; i++) {
                const WqlProperty *p = q->props[i];
                int f = lwmi_name_eq(p->parts[0], "A")      ? FIELD_A
                        : lwmi_name_eq(p->parts[0], "Name") ? FIELD_NAME
                        : lwmi_name_eq(p->parts[0], "Flag") ? FIELD_FLAG
                                                            : -1;
                if (p->root < 8)
                        b.field_of_root[p->root] = f;
        }

        /* best of three rounds each, interleaved so that both see the same machine state */
        for (int round = 0; round < 3; round++) {
                uint64_t h = 0, d;

                t0 = now_nsec();
                for (uint64_t i = 0; i < n; i++) {
                        bool match;
                        b.rec = &records[i % N_RECORDS];
                        if (wql_query_eval(q, bound_lookup, NULL, &b, &match, NULL) < 0)
                                abort();
                        h += match;
                }
                d = now_nsec() - t0;
                t_wql = d < t_wql ? d : t_wql;
                hits_wql = h;

                h = 0;
                t0 = now_nsec();
                for (uint64_t i = 0; i < n; i++)
                        h += baseline(&records[i % N_RECORDS]);
                d = now_nsec() - t0;
                t_base = d < t_base ? d : t_base;
                hits_base = h;

                h = 0;
                t0 = now_nsec();
                for (uint64_t i = 0; i < n_obj; i++) {
                        bool match;
                        if (wql_query_eval_object(q, objects[i % N_RECORDS], &match, NULL) < 0)
                                abort();
                        h += match;
                }
                d = now_nsec() - t0;
                t_obj = d < t_obj ? d : t_obj;
                hits_obj = h;
        }

        if (hits_wql != hits_base) {
                fprintf(stderr, "mismatch: wql %" PRIu64 " vs baseline %" PRIu64 "\n", hits_wql,
                        hits_base);
                return 1;
        }
        printf("bench-wql: %s\n", query);
        printf("  compiled WQL, lookup callback: %8.2f ns/object  %12.0f evaluations/s  (%" PRIu64
               " evaluations, %" PRIu64 " matches)\n",
               (double) t_wql / (double) n, (double) n * 1e9 / (double) t_wql, n, hits_wql);
        printf("  hand-written C predicate:      %8.2f ns/object  %12.0f evaluations/s\n",
               (double) t_base / (double) n, (double) n * 1e9 / (double) t_base);
        printf("  ratio WQL / baseline:          %8.2f\n", (double) t_wql / (double) t_base);
        printf("  compiled WQL on lwmi_object:   %8.2f ns/object  %12.0f evaluations/s  (%" PRIu64
               " evaluations, %" PRIu64 " matches)\n",
               (double) t_obj / (double) n_obj, (double) n_obj * 1e9 / (double) t_obj, n_obj,
               hits_obj);

        wql_query_free(q);
        teardown();
        return 0;
}
