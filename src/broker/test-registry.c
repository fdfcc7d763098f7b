/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the wmid registry (instance names, lookups) and of the
 * deadline-ordered call list.
 */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "shared/test.h"

static Provider *provider_make(Conn *c, const char *guid, const char *device, const char *cls) {
        Provider *p = calloc(1, sizeof(*p));

        ASSERT_NOT_NULL(p);
        p->conn = c;
        ASSERT_OK(lwmi_guid_parse(guid, &p->guid));
        p->device = strdup(device);
        p->class_name = strdup(cls);
        ASSERT_NOT_NULL(p->device);
        ASSERT_NOT_NULL(p->class_name);
        return p;
}

static void instance_add(Provider *p, uint32_t id, const char *name) {
        ASSERT_OK(GROW(p->instances, p->alloc_instances, p->n_instances + 1));
        p->instances[p->n_instances++] = (Instance){ .id = id, .name = name ? strdup(name) : NULL };
}

TEST(instance_names) {
        Conn c = { .uid = 1000 };
        Provider *p =
                provider_make(&c, "{11111111-2222-3333-4444-555555555555}", "dev", "Some_Class");
        char *n;

        instance_add(p, 5, NULL);
        instance_add(p, 6, "Static_Name");
        instance_add(p, 7, NULL);

        /* <device>_<index>, index = position (KMDF), or the static name. */
        n = instance_name(p, 0);
        ASSERT_STREQ(n, "dev_0");
        free(n);
        n = instance_name(p, 1);
        ASSERT_STREQ(n, "Static_Name");
        free(n);
        n = instance_name(p, 2);
        ASSERT_STREQ(n, "dev_2");
        free(n);

        ASSERT_EQ(instance_find_name(p, "DEV_2"), 2);
        ASSERT_EQ(instance_find_name(p, "static_name"), 1);
        ASSERT_EQ(instance_find_name(p, "dev_3"), -1);
        ASSERT_EQ(instance_find_id(p, 7), 2);
        ASSERT_EQ(instance_find_id(p, 8), -1);

        /* Removing instance 0 shifts the later ones down, renaming them. */
        free(p->instances[0].name);
        memmove(p->instances, p->instances + 1, 2 * sizeof(*p->instances));
        p->n_instances--;
        n = instance_name(p, 1);
        ASSERT_STREQ(n, "dev_1");
        free(n);
        ASSERT_EQ(instance_find_id(p, 7), 1);

        provider_free(p);
}

TEST(provider_lookup) {
        Broker b = { 0 };
        Conn c = { .broker = &b };
        Provider *p1 = provider_make(&c, "{11111111-2222-3333-4444-555555555555}", "a", "Class_A");
        Provider *p2 = provider_make(&c, "22222222-2222-3333-4444-555555555555", "b", "Class_B");
        lwmi_guid g;

        p1->next = p2;
        b.providers = p1;
        /* Braces and case do not matter. */
        ASSERT_OK(lwmi_guid_parse("{22222222-2222-3333-4444-555555555555}", &g));
        ASSERT_TRUE(provider_find(&b, &g) == p2);
        ASSERT_OK(lwmi_guid_parse("33333333-2222-3333-4444-555555555555", &g));
        ASSERT_NULL(provider_find(&b, &g));
        ASSERT_TRUE(provider_find_class(&b, "class_a") == p1);
        ASSERT_NULL(provider_find_class(&b, "Class_C"));
        provider_free(p1);
        provider_free(p2);
}

TEST(call_list_order) {
        Broker b = { .config = { .provider_timeout_usec = 1000000 } };
        Call calls[3] = { { .id = 1 }, { .id = 2 }, { .id = 3 } };

        b.call_index = calloc(BROKER_CALL_INDEX_SIZE, sizeof(*b.call_index));
        ASSERT_NOT_NULL(b.call_index);

        for (size_t i = 0; i < 3; i++)
                call_link(&b, &calls[i]);
        ASSERT_EQ(b.n_calls, 3u);
        ASSERT_TRUE(b.calls_head == &calls[0]);
        ASSERT_TRUE(calls[0].deadline_usec <= calls[1].deadline_usec);
        ASSERT_TRUE(calls[1].deadline_usec <= calls[2].deadline_usec);

        /* A retried call moves to the tail with a fresh deadline. */
        call_unlink(&b, &calls[0]);
        call_link(&b, &calls[0]);
        ASSERT_TRUE(b.calls_head == &calls[1]);
        ASSERT_TRUE(b.calls_tail == &calls[0]);
        ASSERT_TRUE(calls[2].deadline_usec <= calls[0].deadline_usec);

        call_unlink(&b, &calls[2]);
        ASSERT_TRUE(calls[1].next == &calls[0]);
        call_unlink(&b, &calls[1]);
        call_unlink(&b, &calls[0]);
        ASSERT_NULL(b.calls_head);
        ASSERT_NULL(b.calls_tail);
        ASSERT_EQ(b.n_calls, 0u);
        free(b.call_index);
}

/*
 * The id index under collisions and wrap-around: ids that share home slots
 * (multiples of the table size land together) and runs that cross the end of
 * the table, removed in an order that moves entries back across the wrap.
 */
TEST(call_index_collisions) {
        enum {
                N = 3000
        };
        Broker b = { .config = { .provider_timeout_usec = 1000000 } };
        Call *calls = calloc(N, sizeof(*calls));
        bool removed[N] = { false };
        uint32_t state = 12345, home = 0;

        /* an id whose home slot (call_slot()'s hash) is 5 before the end: the run wraps */
        while (((home * 2654435761u) & (BROKER_CALL_INDEX_SIZE - 1)) != BROKER_CALL_INDEX_SIZE - 5)
                home++;
        b.call_index = calloc(BROKER_CALL_INDEX_SIZE, sizeof(*b.call_index));
        ASSERT_NOT_NULL(b.call_index);
        ASSERT_NOT_NULL(calls);
        for (uint32_t i = 0; i < N; i++) {
                /* a third share one home slot, a third are sequential, a third random */
                if (i % 3 == 0)
                        calls[i].id = home + (i / 3 + 1) * BROKER_CALL_INDEX_SIZE;
                else if (i % 3 == 1)
                        calls[i].id = 0xfffff000u + i;
                else {
                        state = state * 1103515245u + 12345u;
                        calls[i].id = (state >> 1) | 0x80000000u;
                }
                ASSERT_NULL(call_lookup(&b, calls[i].id));
                call_link(&b, &calls[i]);
        }
        for (uint32_t i = 0; i < N; i++)
                ASSERT_TRUE(call_lookup(&b, calls[i].id) == &calls[i]);
        /* remove in a scrambled order, checking every survivor now and then */
        for (uint32_t k = 0; k < N; k++) {
                uint32_t i = (k * 1237u) % N;

                ASSERT_FALSE(removed[i]);
                call_unlink(&b, &calls[i]);
                removed[i] = true;
                ASSERT_NULL(call_lookup(&b, calls[i].id));
                if (k % 100 == 0)
                        for (uint32_t j = 0; j < N; j++)
                                ASSERT_TRUE(call_lookup(&b, calls[j].id) ==
                                            (removed[j] ? NULL : &calls[j]));
        }
        ASSERT_EQ(b.n_calls, 0u);
        for (size_t s = 0; s < BROKER_CALL_INDEX_SIZE; s++)
                ASSERT_NULL(b.call_index[s]);
        free(b.call_index);
        free(calls);
}

TEST_MAIN();
