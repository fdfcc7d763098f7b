/* SPDX-License-Identifier: MIT */
/*
 * wmid internals: the event loop, connections, the provider registry and the
 * pending provider calls. One thread owns all of it (STYLE.md 3.6).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lwmi/common.h>

#include "mof/layout.h"
#include "repo/repo.h"
#include "shared/macro.h"
#include "shared/strbuf.h"
#include "wire/wire.h"
#include "wql/wql.h"

/* Limits: everything a peer can make the broker allocate is bounded. */
#define BROKER_CONNS_MAX           1024
#define BROKER_PENDING_PER_CLIENT  256   /* outstanding requests of one client */
#define BROKER_INSTANCES_PER_GUID  4096  /* registered instances of one provider */
#define BROKER_PROVIDERS_PER_CONN  1024  /* providers (GUIDs) of one connection */
#define BROKER_DEVICES_PER_CONN    64    /* devices of one connection */
#define BROKER_CALLS_MAX           65536 /* pending provider calls, all clients together */
#define BROKER_CALL_INDEX_SIZE     (2u * BROKER_CALLS_MAX) /* slots of the call id index */
#define BROKER_SUBS_PER_CLIENT     64                      /* event subscriptions of one client */
#define BROKER_EVENT_QUEUE_DEFAULT (1u << 20) /* bytes of unread output before events drop */
#define BROKER_EVENT_COUNT_DEFAULT \
 10000u /* unread events of one subscription: ~1 MiB of ~100-byte events */
#define BROKER_EVENT_COUNT_MAX          65536u               /* cap of --event-queue-count */
#define BROKER_SLOW_USEC_DEFAULT        (10ULL * 1000000ULL) /* --slow-subscriber-timeout */
#define BROKER_RETRIES_MAX              4     /* buffer-too-small retries of one call */
#define BROKER_BATCH_BYTES              65536 /* an OBJECTS batch is flushed past this size */
/*
 * An EVENTS batch is flushed past this size: ~170 events of 64 bytes, few
 * enough that a subscriber's objects of one frame stay in its cache between
 * decoding and freeing them (docs/performance.md).
 */
#define BROKER_EVENT_BATCH_BYTES        16384
/*
 * An EVENT_BLOCKS batch is flushed past this size: the subscriber decodes
 * nothing, so fewer, larger frames win (a wake-up of the subscriber costs
 * more than its copy of 64 KiB: docs/performance.md).
 */
#define BROKER_EVENT_BLOCKS_BATCH_BYTES 65536
#define BROKER_OUTPUT_MAX               (64u << 20) /* unread output before a peer is dropped */
#define BROKER_TIMEOUT_USEC_DEFAULT     (10ULL * 1000000ULL)
#define BROKER_LINGER_USEC_DEFAULT      (2ULL * 1000000ULL) /* --collection-linger */
#define BROKER_HOLDS_PER_CLIENT         1024                /* BLOCK_OPEN GUIDs of one client */
#define BROKER_PROVIDER_EXPENSIVE       0x2u /* PROVIDER_REGISTER flag (LWMI_PROVIDER_EXPENSIVE) */

enum {
        LOG_LVL_ERR = 3,
        LOG_LVL_WARNING = 4,
        LOG_LVL_INFO = 6,
        LOG_LVL_DEBUG = 7,
};

typedef struct Broker Broker;
typedef struct Conn Conn;
typedef struct Request Request;

/* What reading instances of a provider class from their blocks needs, made once per class. */
typedef struct RawClass {
        lwmi_object *cls; /* referenced; NULL until loaded */
        BlockLayout *layout;
        int *item_of_prop;                      /* per class property: its layout item, or -1 */
        ssize_t idx_name, idx_active, idx_time; /* InstanceName, Active, TIME_CREATED, or < 0 */
        bool blocks_ok; /* no embedded objects: instances may travel as data blocks */
} RawClass;

/* A device registered by a provider connection (DEVICE_REGISTER). */
typedef struct Device {
        char *name;
        struct Device *next;
} Device;

/* A registered instance of a provider: its id and, optionally, a static name. */
typedef struct Instance {
        uint32_t id;
        char *name; /* NULL: "<device>_<index>" */
} Instance;

/* A provider: one GUID of one provider connection, mapped to one class of root\wmi. */
typedef struct Provider {
        Conn *conn; /* owner; the provider dies with it */
        lwmi_guid guid;
        char *device; /* base name of the instance names */
        char *class_name;
        uint32_t flags;
        uint32_t min_size;
        bool events_enabled;       /* FUNCTION_CONTROL(event, enable) was sent */
        bool collect_enabled;      /* FUNCTION_CONTROL(collection, enable) was sent */
        unsigned n_collect_calls;  /* QUERY_INSTANCE calls running (Expensive providers) */
        RawClass ev;               /* the class of FIRE_EVENT(S), its layout */
        uint64_t ev_checked;       /* Broker.class_serial when ev was last checked */
        uint32_t ev_name_id;       /* the instance whose name is cached in ev_name */
        uint64_t ev_name_serial;   /* instances_serial of that cache */
        uint64_t instances_serial; /* changes with every (de)registration of an instance */
        char *ev_name;
        size_t ev_name_len;          /* strlen(ev_name) */
        uint64_t n_provider_dropped; /* events the provider reported lost (EVENTS_DROPPED) */
        Instance *instances;         /* registration order = index */
        size_t n_instances;
        size_t alloc_instances;
        struct Provider *next;
} Provider;

/* Connection of a client or a provider. */
struct Conn {
        Broker *broker;
        int fd;
        uint64_t serial; /* unique per connection, for logs */
        pid_t pid;
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups (SO_PEERGROUPS), may be NULL */
        size_t n_groups;
        uint8_t role; /* 0 until HELLO, then WIRE_ROLE_* */
        char *name;
        WireReader in;
        WireWriter out;
        bool epollout;            /* EPOLLOUT is armed */
        uint64_t out_total;       /* bytes ever queued on @out */
        uint64_t out_done;        /* bytes ever written from @out */
        uint64_t stall_usec;      /* output pending without progress since, 0 = not stalled */
        unsigned n_subs_dropping; /* subscriptions with drops not yet reported */
        bool dead;                /* to be freed at the end of this loop iteration */
        const char *doom;         /* output failed: closed with this reason by broker_flush() */
        unsigned n_requests;      /* client: requests still running */
        Device *devices;
        struct Conn *prev, *next;
};

/*
 * Objects on their way to a client for one request id: the OBJECTS batch
 * being built, and the classes already sent with CLASSES, so that instances
 * go out as class name + values (docs/protocol.md 4.3).
 */
typedef struct ObjOut {
        bool events; /* EVENTS frames (subscriptions), else OBJECTS */
        WireListBuf batch;
        /* BLOCKS being built (never at the same time as a non-empty batch) */
        WireListBuf blocks;
        const lwmi_object *blocks_cls; /* their class (one of @classes) */
        lwmi_object **classes;         /* references */
        size_t n_classes, alloc_classes;
} ObjOut;

#define OBJ_OUT_INIT \
 { .batch = WIRE_LIST_BUF_INIT, .blocks = WIRE_LIST_BUF_INIT }

/* Kinds of requests that wait on providers. */
typedef enum RequestKind {
        REQUEST_QUERY = 1,
        REQUEST_GET,
        REQUEST_SET,
        REQUEST_METHOD,
        REQUEST_POLL, /* WITHIN polling of a subscription: the objects go to events.c */
} RequestKind;

/*
 * A client request that waits on provider calls. It outlives its client: a
 * client that disconnects leaves its requests orphaned (client NULL), and
 * they are freed when their last call ends.
 */
struct Request {
        Broker *broker;
        RequestKind kind;
        Conn *client;
        uint32_t request_id;
        char *ns;
        unsigned n_calls;        /* calls still outstanding */
        lwmi_status status;      /* first failure, else 0 */
        char *message;           /* with status */
        WqlQuery *query;         /* REQUEST_QUERY */
        BlockLayout *out_layout; /* REQUEST_METHOD */
        uint32_t method_id;      /* REQUEST_METHOD: run after the instance's query (spec 57) */
        void *method_in;         /* its input block (owned) */
        size_t method_in_size;
        uint32_t method_out_size;
        lwmi_object *out_class;    /* REQUEST_METHOD: __PARAMETERS class of the out layout */
        ObjOut out;                /* objects not yet sent, classes sent */
        RawClass lc;               /* the class of the instances being read (one at a time) */
        bool blocks_ok;            /* they go as BLOCKS (raw data) */
        bool *select;              /* per property: kept by the SELECT list (NULL: all) */
        StrBuf scratch;            /* encoding buffer, reused for every instance */
        struct Subscription *poll; /* REQUEST_POLL: the subscription, NULL once it is gone */
        lwmi_object **poll_objs;   /* REQUEST_POLL: the instances read */
        size_t n_poll_objs, alloc_poll_objs;
        struct Request *next;
};

/* One call to a provider, keyed by a broker-chosen request id. */
typedef struct Call {
        uint32_t id;
        Request *request;
        Conn *provider;
        uint16_t type; /* WIRE_MSG_QUERY_INSTANCE etc. */
        lwmi_guid guid;
        uint32_t instance_id;
        char *instance_name;
        char *class_name;
        uint32_t item_id; /* SET_ITEM item, EXECUTE_METHOD method */
        uint32_t buffer_size;
        void *data; /* SET_*, EXECUTE_METHOD input (owned) */
        size_t size;
        unsigned retries;
        bool collect; /* counted in Provider.n_collect_calls */
        uint64_t deadline_usec;
        struct Call *prev, *next; /* sorted by deadline */
} Call;

#define BROKER_GROUPS_PER_SUB 1024 /* GROUP WITHIN ... BY: groups of one window */

/* One group of a GROUP WITHIN window: the events with the same BY values. */
typedef struct EventGroup {
        char *key;                   /* the BY values, as MOF text */
        lwmi_object *representative; /* the first event of the group */
        uint32_t count;
} EventGroup;

/* An event subscription (EXEC_NOTIFICATION_QUERY); lives until CANCEL or disconnect. */
typedef struct Subscription {
        Conn *client;
        uint32_t request_id;
        char *ns;
        bool ns_wmi; /* @ns is root\wmi (where provider events are) */
        char *class_name;
        /* whether the event class @match_cls (of class serial @match_serial) derives from
         * @class_name */
        const lwmi_object *match_cls;
        uint64_t match_serial;
        bool match;
        WqlQuery *query;
        uint32_t queue_max_bytes; /* events are dropped while more output is pending */
        uint32_t queue_max_count; /* events are dropped while this many are unread */
        /* ring of the frames of unread events: Conn.out_total at the end of each, its events */
        struct QueuedFrame {
                uint64_t end;
                uint32_t n;
        } * queued;
        uint32_t queued_head, queued_frames; /* in the ring (at most queue_max_count) */
        uint32_t queued_len;                 /* unread events: the sum of their n */
        ObjOut out;         /* events not yet in an EVENTS frame (out.batch), classes sent */
        uint64_t n_dropped; /* in total, for the log */
        uint64_t n_dropped_unreported; /* since the last overflow event */
        lwmi_object *first_dropped;    /* the first of those */
        /* WITHIN polling for __InstanceModificationEvent */
        bool poll;
        char *target_class;      /* TargetInstance ISA class */
        uint64_t poll_usec;      /* WITHIN */
        uint64_t next_poll_usec; /* when the next poll starts (while none runs) */
        Request *poll_req;       /* the running poll, or NULL */
        lwmi_object **snap;      /* the instances of the last poll */
        size_t n_snap;
        bool have_snap;
        /* GROUP WITHIN: the open window */
        uint64_t group_usec;
        uint64_t window_end_usec; /* 0 while no event waits */
        EventGroup *groups;
        size_t n_groups, alloc_groups;
        struct Subscription *next;
} Subscription;

/*
 * A hold on the data collection of a GUID: BLOCK_OPEN of a client (@client,
 * @n opens), or the linger after a one-shot query (@client NULL, until
 * @linger_usec). Keyed by GUID: a provider that registers it later is told.
 */
typedef struct CollectHold {
        lwmi_guid guid;
        Conn *client;
        unsigned n;
        uint64_t linger_usec;
        struct CollectHold *next;
} CollectHold;

typedef struct BrokerConfig {
        const char *socket_path;
        const char *state_dir;
        int ready_fd;
        uint64_t provider_timeout_usec;
        bool have_admin_gid;
        gid_t admin_gid;
        int log_level;
        uint32_t event_queue_count;    /* 0 = default; caps what subscribers ask */
        uint32_t event_queue_bytes;    /* 0 = default; caps what subscribers ask */
        uint64_t slow_subscriber_usec; /* 0 = default */
        uint64_t collection_linger_usec;
} BrokerConfig;

struct Broker {
        BrokerConfig config;
        int epoll_fd;
        int signal_fd;
        int timer_fd;
        uint64_t timer_usec; /* deadline the timer_fd is armed for, 0 = disarmed */
        int listen_fd;
        Repo *repo;
        Conn *conns;
        size_t n_conns;
        uint64_t next_serial;
        Provider *providers;
        Call *calls_head, *calls_tail;
        Call **call_index; /* by id, see call_lookup() */
        size_t n_calls;
        uint32_t next_call_id;
        uint64_t fire_serial;  /* one per FIRE_EVENT(S) frame */
        uint64_t class_serial; /* changes whenever classes may have: DEVICE_REGISTER */
        StrBuf ev_scratch;     /* an event's encoding, reused */
        StrBuf ev_entry;       /* an event's EVENT_BLOCKS entry, reused */
        struct {
                lwmi_object *cls; /* referenced: the pointer stays unique while cached */
                StrBuf enc;       /* its cim_object_encode() */
        } class_enc[16];          /* recently sent classes (CLASSES), round robin */
        unsigned class_enc_next;
        Request *requests;
        Subscription *subs;
        CollectHold *holds;
        bool quit;
};

#define NS_WMI "root\\wmi"

/* WBEM status constants are negative ints in common.h; lwmi_status is unsigned. */
#define WBEM(x) ((lwmi_status) LWMI_WBEM_E_##x)

extern int broker_log_level;

_printf_(2, 3) void broker_log(int level, const char *fmt, ...);
#define log_err(...)   broker_log(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  broker_log(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)  broker_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) broker_log(LOG_LVL_DEBUG, __VA_ARGS__)

uint64_t broker_now_usec(void);

int broker_new(const BrokerConfig *config, Broker **ret);
Broker *broker_free(Broker *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Broker *, broker_free);
int broker_run(Broker *b);

/* conn.c */
void conn_accept_all(Broker *b);
void conn_handle(Conn *c, uint32_t events);
int conn_flush(Conn *c);
Conn *conn_free(Conn *c);
int conn_send(Conn *c, const WireMsg *m);
void conn_close(Conn *c, const char *why);
int conn_send_status(Conn *c, uint32_t request_id, lwmi_status status, const char *fmt, ...)
        _printf_(4, 5);

/* registry.c */
Provider *provider_find(Broker *b, const lwmi_guid *guid);
Provider *provider_find_class(Broker *b, const char *class_name);
Provider *provider_free(Provider *p);
char *instance_name(const Provider *p, size_t index);
ssize_t instance_find_name(const Provider *p, const char *name);
ssize_t instance_find_id(const Provider *p, uint32_t id);
int provider_device_register(Conn *c, const WireMsg *m);
int provider_register(Conn *c, const WireMsg *m);
int provider_instance_register(Conn *c, const WireMsg *m);
int provider_instance_deregister(Conn *c, const WireMsg *m);

/* events.c */
int events_subscribe(Conn *c, const WireMsg *m);
bool events_cancel(Conn *c, uint32_t request_id);
void events_conn_gone(Conn *c);
void events_provider_added(Provider *p);
void events_instance_op(Provider *p, size_t index, bool created);
void events_static_op(Broker *b, const char *ns, lwmi_object *target, lwmi_object *previous,
                      bool deleted);
int events_fire(Conn *c, const WireMsg *m);
int events_dropped(Conn *c, const WireMsg *m);
void events_free_all(Broker *b);
void events_conn_drained(Conn *c);
void events_flush(Broker *b);
uint64_t events_next_deadline(Broker *b);
void events_timeouts(Broker *b, uint64_t now);
void events_poll_done(Subscription *s, lwmi_object **objs, size_t n, lwmi_status status);
int events_block_open(Conn *c, const WireMsg *m);
bool events_collect_call_start(Provider *p);
void events_collect_call_end(Broker *b, Conn *provider, const lwmi_guid *guid);

/* rawinst.c: provider instances from their data blocks, without an object */

typedef struct RawInst {
        const lwmi_object *cls;
        const char *ns;
        const int *item_of_prop;                /* per class property: its layout item, or -1 */
        ssize_t idx_name, idx_active, idx_time; /* InstanceName, Active, TIME_CREATED, or -1 */
        lwmi_value *vals;                       /* one per layout item (owned values) */
        lwmi_value v_name, v_active, v_time;    /* v_name's string is borrowed */
        lwmi_object *obj;                       /* built on demand */
        lwmi_value self, scratch;               /* for system properties in a WHERE */
} RawInst;

int raw_class_load(Broker *b, const char *class_name, RawClass *rc, char **ret_msg);
void raw_class_clear(RawClass *rc);
void raw_inst_init(RawInst *ri, const RawClass *rc, lwmi_value *vals, const char *name,
                   const uint64_t *time_created);
const lwmi_value *raw_inst_prop(const RawInst *ri, size_t i);
lwmi_object *raw_inst_object(RawInst *ri);
const lwmi_value *raw_inst_lookup(void *userdata, const WqlProperty *prop);
int raw_inst_encode(RawInst *ri, const bool *select, StrBuf *out);
void raw_inst_clear(RawInst *ri, size_t n_items);

/* dispatch.c */
bool conn_is_admin(const Conn *c);
lwmi_status obj_out_add(Conn *c, uint32_t request_id, ObjOut *out, const lwmi_object *o);
lwmi_status obj_out_send_class(Conn *c, uint32_t request_id, ObjOut *out, const lwmi_object *cls);
bool obj_out_has_class(ObjOut *out, const lwmi_object *cls, size_t *ret_same_name);
int obj_out_flush(Conn *c, uint32_t request_id, ObjOut *out);
void obj_out_deinit(ObjOut *out);
int dispatch_frame(Conn *c, const WireFrame *f);
void dispatch_conn_gone(Conn *c);
void dispatch_call_timeout(Broker *b, Call *call);
void dispatch_free_all(Broker *b);
void call_link(Broker *b, Call *call);
void call_unlink(Broker *b, Call *call);
Call *call_lookup(Broker *b, uint32_t id);
int dispatch_poll_start(Subscription *s);
void dispatch_poll_orphan(Request *req);
