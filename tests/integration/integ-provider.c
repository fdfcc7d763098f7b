/* SPDX-License-Identifier: MIT */
/*
 * integ-provider: a small provider for the integration tests, showing what
 * sampledrv cannot: missing callbacks, index shift, deferred completion, a
 * provider that never answers, one that dies mid-call, a duplicate GUID, and
 * (mode spec) buffer sizes, lying callbacks and function control as a
 * provider sees them.
 *
 * Usage: integ-provider --mode MODE --socket PATH
 *   basic   Integ_Block: integ_0 query only; integ_1 query + set_instance;
 *           integ_2 query + set_instance + set_item + execute_method.
 *           SIGUSR1 deregisters integ_0 (the others shift down).
 *   defer   Integ_Block: one instance; queries and methods answer through
 *           lwmi_request_complete() about 300 ms later.
 *   hang    Integ_Block: one instance; queries are deferred and never answered.
 * Modes defer and hang print "PENDING" on stdout for each deferred request.
 *   die     Integ_Block: one instance; a query kills the process.
 *   dup     registers Sample_Settings' GUID (held by sampledrv) and prints
 *           "STATUS 0x%08x" with the broker's answer on stdout.
 *   spec    one provider per configuration that spec items 2, 36, 39, 40,
 *           42, 48, 49, 57, 60 and 63 need (spec_providers and
 *           spec_instances below), each instance with
 *           a static name, plus integ_0 (Integ_Block, registered last: the
 *           tests' readiness and log marker). Every callback logs one line on
 *           stdout, in the order the broker's requests arrive:
 *             Q <name> <buffer size> <collection enabled 0|1>   query
 *             M <name> <method id> <in size>                    method
 *             S <name> <size>                                   set_instance
 *             C <block> <control> <enable 0|1>                  function control
 * The Tag of an Integ_Block instance is 100 + its creation number.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <lwmi/common.h>
#include <lwmi/provider.h>

#define INTEG_BLOCK_MOF                                                                      \
 "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"                                         \
 "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B01}\"),\n" \
 " Description(\"Integration test block\")]\n"                                               \
 "class Integ_Block\n"                                                                       \
 "{\n"                                                                                       \
 "    [key, read] string InstanceName;\n"                                                    \
 "    [read] boolean Active;\n"                                                              \
 "    [WmiDataId(1), read, write, Description(\"Tag\")] uint32 Tag;\n"                       \
 "    [WmiMethodId(1), Implemented, Description(\"Doubles X\")]\n"                           \
 "    void Twice([in, ID(0)] uint32 X, [out, ID(1)] uint32 Y);\n"                            \
 "};\n"

static const char integ_mof[] = INTEG_BLOCK_MOF;

/* Mode spec: Integ_Block plus one class per provider configuration under test. */
static const char spec_mof[] = INTEG_BLOCK_MOF
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B02}\"),\n"
        " Description(\"160 bytes; MinInstanceBufferSize 160\")]\n"
        "class Integ_Fixed\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "    [WmiDataId(2), read] uint32 Values[39];\n"
        "    [WmiMethodId(1), Implemented] void Twice([in, ID(0)] uint32 X, [out, ID(1)] uint32 Y);\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B03}\"),\n"
        " Description(\"Variable size; MinInstanceBufferSize 0\")]\n"
        "class Integ_Var\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "    [WmiDataId(2), read] string Text;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B04}\"),\n"
        " Description(\"Writable; MinInstanceBufferSize 12\")]\n"
        "class Integ_Named\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read, write] uint32 Tag;\n"
        "    [WmiDataId(2), read, write] string Name;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B05}\"),\n"
        " Description(\"Methods only\")]\n"
        "class Integ_Methods\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiMethodId(1), Implemented] void Twice([in, ID(0)] uint32 X, [out, ID(1)] uint32 Y);\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B0A}\"),\n"
        " Description(\"A data item and a method\")]\n"
        "class Integ_DataMethods\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "    [WmiMethodId(1), Implemented] void Twice([in, ID(0)] uint32 X, [out, ID(1)] uint32 Y);\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B06}\"),\n"
        " WmiExpense(9), Description(\"WmiExpense(9), registered without Expensive\")]\n"
        "class Integ_Costly\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B07}\"),\n"
        " Description(\"No WmiExpense, registered Expensive without a callback\")]\n"
        "class Integ_Cheap\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B08}\"),\n"
        " Description(\"Expensive with a function-control callback\")]\n"
        "class Integ_Collect\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Tag;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WMIProv\"), guid(\"{0E5C1A7B-3D2F-4B8A-9C61-2F4E7D9A1B09}\"),\n"
        " Description(\"EventOnly + Expensive with a function-control callback\")]\n"
        "class Integ_Event : WMIEvent\n"
        "{\n"
        "    [key, read] string InstanceName;\n"
        "    [read] boolean Active;\n"
        "    [WmiDataId(1), read] uint32 Code;\n"
        "};\n";

/* libwmiprov exports no GUID parser: the two GUIDs, spelled out. */
static const lwmi_guid block_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x01 }
};
/* Sample_Settings of sampledrv.mof. */
static const lwmi_guid settings_guid = {
        0x6C1C6A80, 0x2B6E, 0x4F7A, { 0x9A, 0x1F, 0x3C, 0x2D, 0x9E, 0x5B, 0x7A, 0x03 }
};

#define N_BLOCKS 3

typedef struct Block {
        uint32_t tag;
} Block;

/* One deferred request (modes defer and hang). */
typedef struct Pending {
        lwmi_request *req;
        void *buf;
        size_t size;
        bool is_method;
        uint32_t x;
        struct timespec due;
} Pending;

static const char *mode = "basic";
static Block blocks[N_BLOCKS];
static Pending pending[16];
static size_t n_pending;

static void due_in_ms(struct timespec *ts, long ms) {
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_nsec += ms * 1000000L;
        ts->tv_sec += ts->tv_nsec / 1000000000L;
        ts->tv_nsec %= 1000000000L;
}

static bool is_due(const struct timespec *ts) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

static int defer(lwmi_request *req, void *buf, size_t size, bool is_method, uint32_t x) {
        if (n_pending >= sizeof(pending) / sizeof(pending[0]))
                return -EBUSY;
        pending[n_pending] =
                (Pending){ .req = req, .buf = buf, .size = size, .is_method = is_method, .x = x };
        due_in_ms(&pending[n_pending].due, 300);
        n_pending++;
        /* Tells the test that the request reached the provider. */
        printf("PENDING\n");
        return -EINPROGRESS;
}

static void spec_log_query(lwmi_instance *inst, size_t size);

static int block_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                       size_t *ret_size, void *userdata) {
        Block *b = userdata;

        if (strcmp(mode, "spec") == 0)
                spec_log_query(inst, size);
        if (strcmp(mode, "die") == 0) {
                /* Mid-call: the request was received, no reply will ever come. */
                raise(SIGKILL);
        }
        if (strcmp(mode, "defer") == 0 || strcmp(mode, "hang") == 0) {
                if (size < 4) {
                        *ret_size = 4;
                        return -ENOBUFS;
                }
                return defer(req, buf, size, false, b->tag);
        }
        *ret_size = 4;
        if (size < 4)
                return -ENOBUFS;
        memcpy(buf, &b->tag, 4);
        return 0;
}

static int block_set(lwmi_instance *inst, lwmi_request *req, const void *data, size_t size,
                     void *userdata) {
        Block *b = userdata;

        (void) inst;
        (void) req;
        if (size < 4)
                return -EINVAL;
        memcpy(&b->tag, data, 4);
        return 0;
}

static int block_set_item(lwmi_instance *inst, lwmi_request *req, uint32_t item_id,
                          const void *data, size_t size, void *userdata) {
        Block *b = userdata;

        (void) inst;
        (void) req;
        if (item_id != 1)
                return -EROFS;
        if (size < 4)
                return -EINVAL;
        memcpy(&b->tag, data, 4);
        return 0;
}

static int block_execute(lwmi_instance *inst, lwmi_request *req, uint32_t method_id, const void *in,
                         size_t in_size, void *out, size_t out_size, size_t *ret_size,
                         void *userdata) {
        uint32_t x, y;

        (void) inst;
        (void) userdata;
        if (method_id != 1)
                return -EBADRQC;
        if (in_size < 4)
                return -EINVAL;
        *ret_size = 4;
        if (out_size < 4)
                return -ENOBUFS;
        memcpy(&x, in, 4);
        if (strcmp(mode, "defer") == 0)
                return defer(req, out, out_size, true, x);
        y = 2 * x;
        memcpy(out, &y, 4);
        return 0;
}

/* Completes the deferred requests that are due (never in mode hang). */
static void complete_due(void) {
        size_t k = 0;

        for (size_t i = 0; i < n_pending; i++) {
                Pending *p = &pending[i];

                if (strcmp(mode, "hang") == 0 || !is_due(&p->due)) {
                        pending[k++] = *p;
                        continue;
                }
                if (p->is_method) {
                        uint32_t y = 2 * p->x;
                        memcpy(p->buf, &y, 4);
                } else {
                        memcpy(p->buf, &p->x, 4);
                }
                lwmi_request_complete(p->req, 0, 4);
        }
        n_pending = k;
}

/* ---- mode spec ---- */

static const lwmi_guid fixed_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x02 }
};
static const lwmi_guid var_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x03 }
};
static const lwmi_guid named_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x04 }
};
static const lwmi_guid methods_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x05 }
};
static const lwmi_guid data_methods_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x0A }
};
static const lwmi_guid costly_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x06 }
};
static const lwmi_guid cheap_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x07 }
};
static const lwmi_guid collect_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x08 }
};
static const lwmi_guid event_guid = {
        0x0E5C1A7B, 0x3D2F, 0x4B8A, { 0x9C, 0x61, 0x2F, 0x4E, 0x7D, 0x9A, 0x1B, 0x09 }
};

/* What an instance's query callback does. */
typedef enum SpecKind {
        SPEC_TAG,      /* Tag only (4 bytes) */
        SPEC_FIXED,    /* Integ_Fixed: Tag, Values[i] = i (160 bytes) */
        SPEC_VAR,      /* Integ_Var: Tag, Text (needs 4006 bytes) */
        SPEC_OVERFLOW, /* success claiming one byte more than the buffer (item 40) */
        SPEC_NAMED,    /* Integ_Named: Tag, Name */
        SPEC_GATE,     /* deferred until two queries wait, then both answered */
} SpecKind;

#define SPEC_FIXED_SIZE 160
#define SPEC_VAR_CHARS  2000
#define SPEC_NAME_MAX   64

typedef struct SpecInstance {
        const char *name; /* static instance name */
        const lwmi_guid *guid;
        SpecKind kind;
        bool query, set, execute; /* which callbacks it has */
        bool lie_once;            /* first query: too small although the minimum fits (item 40) */
        uint32_t tag;
        char text[SPEC_NAME_MAX]; /* SPEC_NAMED's Name (ASCII) */
        unsigned n_queries;
} SpecInstance;

/* One provider per configuration under test, in registration order. */
typedef struct SpecProvider {
        const lwmi_guid *guid;
        const char *log_name; /* for "C" lines */
        uint32_t min_size;
        uint32_t flags;
        bool function_control;
} SpecProvider;

static const SpecProvider spec_providers[] = {
        { &fixed_guid, "fixed", SPEC_FIXED_SIZE, 0, false },
        { &var_guid, "var", 0, 0, false },
        { &named_guid, "named", 12, 0, false },
        { &methods_guid, "methods", 0, 0, false },
        { &data_methods_guid, "data_methods", 0, 0, false },
        /* WmiExpense(9) in the MOF, not Expensive here (item 63). */
        { &costly_guid, "costly", 0, 0, false },
        /* Expensive without a callback: polls lwmi_provider_is_enabled() (item 2). */
        { &cheap_guid, "cheap", 0, LWMI_PROVIDER_EXPENSIVE, false },
        { &collect_guid, "collect", 0, LWMI_PROVIDER_EXPENSIVE, true },
        { &event_guid, "event", 0, LWMI_PROVIDER_EVENT_ONLY | LWMI_PROVIDER_EXPENSIVE, true },
};

static SpecInstance spec_instances[] = {
        { .name = "fixed_ok",
          .guid = &fixed_guid,
          .kind = SPEC_FIXED,
          .query = true,
          .execute = true,
          .tag = 1 },
        { .name = "fixed_liar",
          .guid = &fixed_guid,
          .kind = SPEC_FIXED,
          .query = true,
          .lie_once = true,
          .tag = 2 },
        { .name = "var_long", .guid = &var_guid, .kind = SPEC_VAR, .query = true, .tag = 3 },
        { .name = "var_overflow", .guid = &var_guid, .kind = SPEC_OVERFLOW, .query = true },
        { .name = "named_0",
          .guid = &named_guid,
          .kind = SPEC_NAMED,
          .query = true,
          .set = true,
          .tag = 4,
          .text = "abcd" },
        /* Method-only (item 42): no query callback. */
        { .name = "methods_0", .guid = &methods_guid, .execute = true },
        /* The same in a class with a data item. */
        { .name = "data_methods_0", .guid = &data_methods_guid, .execute = true },
        { .name = "costly_0", .guid = &costly_guid, .kind = SPEC_TAG, .query = true, .tag = 6 },
        { .name = "cheap_0", .guid = &cheap_guid, .kind = SPEC_TAG, .query = true, .tag = 7 },
        { .name = "collect_0", .guid = &collect_guid, .kind = SPEC_GATE, .query = true, .tag = 8 },
        /* EventOnly: no callbacks at all. */
        { .name = "event_0", .guid = &event_guid },
};

#define N_SPEC_INSTANCES (sizeof(spec_instances) / sizeof(spec_instances[0]))

/* SPEC_GATE queries waiting for their partner (their Tag is written already). */
static lwmi_request *gate[2];
static size_t n_gate;

static void spec_log_query(lwmi_instance *inst, size_t size) {
        char *name = NULL;

        if (lwmi_instance_get_name(inst, &name) < 0)
                return;
        printf("Q %s %zu %d\n", name, size,
               lwmi_provider_is_enabled(lwmi_instance_get_provider(inst), LWMI_INSTANCE_CONTROL)
                       ? 1
                       : 0);
        free(name);
}

static void put_u16(unsigned char *p, uint16_t v) {
        p[0] = (unsigned char) (v & 0xff);
        p[1] = (unsigned char) (v >> 8);
}

/* A counted UTF-16LE string of ASCII @s at @p; returns the bytes written. */
static size_t put_string(unsigned char *p, const char *s, size_t len) {
        put_u16(p, (uint16_t) (2 * len));
        for (size_t i = 0; i < len; i++)
                put_u16(p + 2 + 2 * i, (uint16_t) (unsigned char) s[i]);
        return 2 + 2 * len;
}

static int spec_query(lwmi_instance *inst, lwmi_request *req, void *buf, size_t size,
                      size_t *ret_size, void *userdata) {
        SpecInstance *s = userdata;
        unsigned char *p = buf;
        size_t need;

        spec_log_query(inst, size);
        s->n_queries++;
        switch (s->kind) {
        case SPEC_TAG:
        case SPEC_GATE:
                need = 4;
                break;
        case SPEC_FIXED:
                need = SPEC_FIXED_SIZE;
                if (s->lie_once && s->n_queries == 1) {
                        /* The buffer is big enough (MinInstanceBufferSize): a breach that stands.
                         */
                        *ret_size = size + 40;
                        return -ENOBUFS;
                }
                break;
        case SPEC_VAR:
                need = 4 + 2 + 2 * SPEC_VAR_CHARS;
                break;
        case SPEC_OVERFLOW:
                memset(buf, 0, size);
                *ret_size = size + 1;
                return 0;
        case SPEC_NAMED:
                need = 4 + 2 + 2 * strlen(s->text);
                break;
        default:
                return -EIO;
        }
        *ret_size = need;
        if (size < need)
                return -ENOBUFS;
        memcpy(p, &s->tag, 4);
        if (s->kind == SPEC_GATE) {
                if (n_gate >= 2)
                        return -EBUSY;
                gate[n_gate++] = req;
                return -EINPROGRESS;
        }
        if (s->kind == SPEC_FIXED)
                for (uint32_t i = 0; i < 39; i++)
                        memcpy(p + 4 + 4 * i, &i, 4);
        if (s->kind == SPEC_VAR) {
                char text[SPEC_VAR_CHARS];

                for (size_t i = 0; i < SPEC_VAR_CHARS; i++)
                        text[i] = (char) ('a' + i % 26);
                put_string(p + 4, text, SPEC_VAR_CHARS);
        }
        if (s->kind == SPEC_NAMED)
                put_string(p + 4, s->text, strlen(s->text));
        return 0;
}

/* Answers both SPEC_GATE queries once two wait (both hold the collection at once). */
static void spec_complete_gate(void) {
        if (n_gate < 2)
                return;
        for (size_t i = 0; i < n_gate; i++)
                lwmi_request_complete(gate[i], 0, 4);
        n_gate = 0;
}

/* Integ_Named: Tag, then a counted string; a Name below 4 characters is "too small" (49). */
static int spec_set(lwmi_instance *inst, lwmi_request *req, const void *data, size_t size,
                    void *userdata) {
        SpecInstance *s = userdata;
        const unsigned char *p = data;
        size_t count;

        (void) inst;
        (void) req;
        printf("S %s %zu\n", s->name, size);
        if (size < 6)
                return -EINVAL;
        count = (size_t) p[4] | (size_t) p[5] << 8;
        if (count % 2 != 0 || 6 + count > size || count / 2 >= SPEC_NAME_MAX)
                return -EINVAL;
        if (count / 2 < 4)
                return -ENOBUFS;
        memcpy(&s->tag, p, 4);
        for (size_t i = 0; i < count / 2; i++)
                s->text[i] = (char) p[6 + 2 * i];
        s->text[count / 2] = 0;
        return 0;
}

static int spec_execute(lwmi_instance *inst, lwmi_request *req, uint32_t method_id, const void *in,
                        size_t in_size, void *out, size_t out_size, size_t *ret_size,
                        void *userdata) {
        SpecInstance *s = userdata;
        uint32_t x, y;

        (void) inst;
        (void) req;
        printf("M %s %" PRIu32 " %zu\n", s->name, method_id, in_size);
        if (method_id != 1)
                return -EBADRQC;
        if (in_size < 4)
                return -EINVAL;
        *ret_size = 4;
        if (out_size < 4)
                return -ENOBUFS;
        memcpy(&x, in, 4);
        y = 2 * x;
        memcpy(out, &y, 4);
        return 0;
}

static int spec_function_control(lwmi_provider *prov, uint32_t control, bool enable,
                                 void *userdata) {
        const SpecProvider *sp = userdata;

        (void) prov;
        printf("C %s %" PRIu32 " %d\n", sp->log_name, control, enable ? 1 : 0);
        return 0;
}

/* Creates the providers and instances of mode spec (integ_0 comes after them). */
static int spec_setup(lwmi_device *dev, lwmi_instance **inst) {
        lwmi_provider *prov[sizeof(spec_providers) / sizeof(spec_providers[0])];
        lwmi_error err = { 0 };
        int r;

        for (size_t i = 0; i < sizeof(spec_providers) / sizeof(spec_providers[0]); i++) {
                const SpecProvider *sp = &spec_providers[i];
                lwmi_provider_config pc;

                LWMI_PROVIDER_CONFIG_INIT(&pc, sp->guid);
                pc.min_instance_buffer_size = sp->min_size;
                pc.flags = sp->flags;
                if (sp->function_control) {
                        pc.function_control = spec_function_control;
                        pc.userdata = (void *) sp;
                }
                r = lwmi_provider_new(dev, &pc, &prov[i], &err);
                if (r < 0) {
                        fprintf(stderr, "integ-provider: provider %s: %s\n", sp->log_name,
                                err.message);
                        return r;
                }
        }
        for (size_t k = 0; k < N_SPEC_INSTANCES; k++) {
                SpecInstance *s = &spec_instances[k];
                lwmi_instance_config ic;
                size_t i = 0;

                while (spec_providers[i].guid != s->guid)
                        i++;
                LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, prov[i]);
                ic.name = s->name;
                ic.query_instance = s->query ? spec_query : NULL;
                ic.set_instance = s->set ? spec_set : NULL;
                ic.execute_method = s->execute ? spec_execute : NULL;
                ic.userdata = s;
                ic.register_at_create = true;
                r = lwmi_instance_new(dev, &ic, &inst[k], &err);
                if (r < 0) {
                        fprintf(stderr, "integ-provider: instance %s: %s\n", s->name, err.message);
                        return r;
                }
        }
        return 0;
}

static int add_block(lwmi_device *dev, lwmi_provider *prov, size_t i, bool set, bool set_item,
                     bool execute, lwmi_instance **ret) {
        lwmi_instance_config ic;
        lwmi_error err = { 0 };
        int r;

        blocks[i].tag = 100 + (uint32_t) i;
        LWMI_INSTANCE_CONFIG_INIT_PROVIDER(&ic, prov);
        ic.query_instance = block_query;
        if (set)
                ic.set_instance = block_set;
        if (set_item)
                ic.set_item = block_set_item;
        if (execute)
                ic.execute_method = block_execute;
        ic.userdata = &blocks[i];
        ic.register_at_create = true;
        r = lwmi_instance_new(dev, &ic, ret, &err);
        if (r < 0)
                fprintf(stderr, "integ-provider: instance: %s\n", err.message);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "mode", required_argument, NULL, 'm' },
                {},
        };
        const char *socket_path = NULL;
        lwmi_device_config dc;
        lwmi_provider_config pc;
        lwmi_device *dev = NULL;
        lwmi_provider *prov = NULL;
        lwmi_instance *inst[N_BLOCKS] = { NULL };
        lwmi_instance *spec_inst[N_SPEC_INSTANCES] = { NULL };
        lwmi_error err = { 0 };
        bool dup_reported = false;
        sigset_t mask;
        int c, r, sfd;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c == 's')
                        socket_path = optarg;
                else if (c == 'm')
                        mode = optarg;
                else
                        return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return 1;

        LWMI_DEVICE_CONFIG_INIT(&dc);
        dc.socket_path = socket_path;
        r = lwmi_device_new(strcmp(mode, "dup") == 0 ? "intruder" : "integ",
                            strcmp(mode, "dup") == 0    ? NULL
                            : strcmp(mode, "spec") == 0 ? spec_mof
                                                        : integ_mof,
                            &dc, &dev, &err);
        if (r < 0) {
                fprintf(stderr, "integ-provider: cannot register: %s\n", err.message);
                return 1;
        }
        LWMI_PROVIDER_CONFIG_INIT(&pc, strcmp(mode, "dup") == 0 ? &settings_guid : &block_guid);
        r = lwmi_provider_new(dev, &pc, &prov, &err);
        if (r < 0) {
                fprintf(stderr, "integ-provider: provider: %s\n", err.message);
                printf("STATUS create %d\n", r);
                return 1;
        }
        if (strcmp(mode, "basic") == 0) {
                r = add_block(dev, prov, 0, false, false, false, &inst[0]);
                if (r >= 0)
                        r = add_block(dev, prov, 1, true, false, false, &inst[1]);
                if (r >= 0)
                        r = add_block(dev, prov, 2, true, true, true, &inst[2]);
        } else if (strcmp(mode, "spec") == 0) {
                /* integ_0 last: once it is visible, every other instance is. */
                r = spec_setup(dev, spec_inst);
                if (r >= 0)
                        r = add_block(dev, prov, 0, false, false, false, &inst[0]);
        } else {
                r = add_block(dev, prov, 0, false, false, true, &inst[0]);
        }
        if (r < 0)
                return 1;

        for (;;) {
                struct pollfd fds[2] = {
                        { .fd = lwmi_device_get_fd(dev),
                          .events = (short) lwmi_device_get_events(dev) },
                        { .fd = sfd, .events = POLLIN },
                };
                struct signalfd_siginfo si;

                if (poll(fds, 2, n_pending > 0 && strcmp(mode, "hang") != 0 ? 20 : 200) < 0 &&
                    errno != EINTR)
                        break;
                if (fds[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
                        if (si.ssi_signo != SIGUSR1)
                                break;
                        /* Index shift: integ_1 and integ_2 become integ_0 and integ_1. */
                        lwmi_instance_deregister(inst[0]);
                        printf("DEREGISTERED\n");
                }
                complete_due();
                r = lwmi_device_process(dev);
                if (r < 0)
                        break;
                spec_complete_gate();
                if (strcmp(mode, "dup") == 0 && !dup_reported) {
                        lwmi_status st = lwmi_provider_get_broker_status(prov);
                        lwmi_status ist = lwmi_instance_get_broker_status(inst[0]);

                        if (st != 0 || ist != 0) {
                                printf("STATUS 0x%08" PRIx32 "\n", st ? st : ist);
                                dup_reported = true;
                        }
                }
        }
        /* Answer what is still pending so that nothing leaks. */
        for (size_t i = 0; i < n_pending; i++)
                lwmi_request_complete(pending[i].req, -ECANCELED, 0);
        for (size_t i = 0; i < n_gate; i++)
                lwmi_request_complete(gate[i], -ECANCELED, 0);
        for (size_t i = 0; i < N_BLOCKS; i++)
                lwmi_instance_unref(inst[i]);
        for (size_t i = 0; i < N_SPEC_INSTANCES; i++)
                lwmi_instance_unref(spec_inst[i]);
        lwmi_device_unref(dev);
        close(sfd);
        return 0;
}
