/* SPDX-License-Identifier: MIT */
/*
 * libwmi: the client side of lwmi, a connection to the broker (wmid) that
 * offers the calls of IWbemServices, synchronously and asynchronously.
 *
 * Windows counterparts:
 *   IWbemLocator::ConnectServer               -> lwmi_client_connect()
 *   IWbemServices::ExecQuery                  -> lwmi_client_exec_query(), _exec_query_enum()
 *   IWbemServices::ExecQueryAsync             -> lwmi_client_exec_query_async()
 *   IWbemServices::GetObject (instance path)  -> lwmi_client_get_object()
 *   IWbemServices::GetObject (class name)     -> lwmi_client_get_class()
 *   IWbemServices::CreateClassEnum            -> lwmi_client_enum_classes()
 *   IWbemServices::PutInstance                -> lwmi_client_put_instance()
 *   IWbemServices::ExecMethod                 -> lwmi_client_exec_method()
 *   IWbemServices::DeleteInstance             -> lwmi_client_delete_instance()
 *   IWbemServices::ExecNotificationQuery      -> lwmi_client_exec_notification_query()
 *   IWbemServices::ExecNotificationQueryAsync -> lwmi_client_exec_notification_query_async()
 *   IWbemServices::CancelAsyncCall            -> lwmi_call_cancel()
 *   IEnumWbemClassObject::Next                -> lwmi_enum_next()
 *   IWbemObjectSink::Indicate / SetStatus     -> lwmi_sink.indicate / .set_status
 *   SWbemObject.Put_ of one property (KMDF SetItem) -> lwmi_client_put_property()
 *   IWbemObjectAccess property handles        -> lwmi_object_find_property() once,
 *                                                then lwmi_object_peek_at()
 *   WmiNotificationRegistration (WNODE blocks) -> lwmi_sink.indicate_blocks with
 *                                                lwmi_client_exec_notification_query_async()
 *
 * Not thread-safe: a connection and everything made from it (calls,
 * enumerators) is used by one thread at a time. Callbacks run only inside
 * lwmi_client_process() (which the synchronous calls and lwmi_enum_next() run
 * internally) and may unref or cancel anything, themselves included. Using a
 * connection after fork() returns -ECHILD. Synchronous calls and
 * lwmi_enum_next() made from a callback of the same connection return -EBUSY.
 *
 * An event watcher, in short (error handling trimmed):
 *
 *   lwmi_client *c; lwmi_enum *e; lwmi_object **ev; size_t n; char *mof;
 *   lwmi_client_connect(NULL, "root\\wmi", &c, NULL);
 *   lwmi_client_exec_notification_query(c, "SELECT * FROM MyEvent", &e, NULL);
 *   while (lwmi_enum_next(e, LWMI_TIMEOUT_INFINITE, 16, &ev, &n, NULL) > 0) {
 *           for (size_t i = 0; i < n; i++)
 *                   if (lwmi_object_to_mof(ev[i], &mof) >= 0) {
 *                           puts(mof);
 *                           free(mof);
 *                   }
 *           lwmi_objects_free(ev, n);
 *   }
 *   lwmi_enum_unref(e);
 *   lwmi_client_unref(c);
 *
 * A program that must never block uses the _async() calls and drives the
 * connection from its event loop with lwmi_client_get_fd(), _get_events()
 * and _process().
 *
 * Errors: negative errno; calls that reach the broker also fill the optional
 * lwmi_error with the WBEM status, its CIM status and a message.
 */
#ifndef LWMI_CLIENT_H
#define LWMI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwmi/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A connection to the broker, bound to one namespace (like an IWbemServices). */
typedef struct lwmi_client lwmi_client;
/* One outstanding asynchronous call (the slot of an async registration). */
typedef struct lwmi_call lwmi_call;
/* A semi-synchronous result set or event subscription (IEnumWbemClassObject). */
typedef struct lwmi_enum lwmi_enum;

/* The default synchronous timeout, in microseconds (30 s). */
#define LWMI_CLIENT_TIMEOUT_DEFAULT_USEC ((uint64_t) 30000000)
/* A timeout that never expires. */
#define LWMI_TIMEOUT_INFINITE            UINT64_MAX

/* PUT_INSTANCE flags (WBEM_FLAG_CREATE_OR_UPDATE, _UPDATE_ONLY, _CREATE_ONLY). */
enum {
        LWMI_PUT_CREATE_OR_UPDATE = 0,
        LWMI_PUT_UPDATE_ONLY = 1,
        LWMI_PUT_CREATE_ONLY = 2,
};

/**
 * typedef lwmi_indicate_fn - receives one batch of results (IWbemObjectSink::Indicate).
 * @call: the call
 * @objects: the objects (borrowed: take a reference with lwmi_object_ref() to keep one)
 * @n_objects: how many, at least 1
 * @userdata: the userdata given to the async call
 */
typedef void (*lwmi_indicate_fn)(lwmi_call *call, lwmi_object *const *objects, size_t n_objects,
                                 void *userdata);

/**
 * typedef lwmi_set_status_fn - the end of a call (IWbemObjectSink::SetStatus).
 * @call: the call
 * @status: LWMI_WBEM_S_NO_ERROR or the WBEM error (LWMI_WBEM_E_CALL_CANCELLED
 *          after lwmi_call_cancel(), LWMI_WBEM_E_TRANSPORT_FAILURE when the
 *          connection broke)
 * @message: a description, "" when none (borrowed)
 * @userdata: the userdata given to the async call
 *
 * Called exactly once per successfully started call; no indicate() follows.
 */
typedef void (*lwmi_set_status_fn)(lwmi_call *call, lwmi_status status, const char *message,
                                   void *userdata);

/*
 * struct lwmi_event_block - one event as its driver fired it, the counterpart
 * of the WNODE_SINGLE_INSTANCE a WmiNotificationRegistration() callback
 * receives: no object is made, the data block is read with the struct that
 * `mofcomp -h` writes for the class.
 * @class_name: the event's class (borrowed)
 * @instance_name: InstanceName of the firing instance (borrowed)
 * @time_created: TIME_CREATED (100 ns intervals since 1601-01-01 UTC)
 * @data: the data block (borrowed; not aligned: copy it into the struct)
 * @size: its size in bytes, at least what the class's fixed items need
 *        (the broker checked the block against the class's layout)
 */
typedef struct lwmi_event_block {
        const char *class_name;
        const char *instance_name;
        uint64_t time_created;
        const void *data;
        size_t size;
} lwmi_event_block;

/**
 * typedef lwmi_indicate_blocks_fn - receives events as data blocks.
 * @call: the call
 * @blocks: the events, in the order their providers fired them (borrowed,
 *          valid during the callback)
 * @n_blocks: how many, at least 1
 * @userdata: the userdata given to the async call
 */
typedef void (*lwmi_indicate_blocks_fn)(lwmi_call *call, const lwmi_event_block *blocks,
                                        size_t n_blocks, void *userdata);

/*
 * struct lwmi_sink - the callbacks of an asynchronous call (IWbemObjectSink).
 * @size: sizeof(lwmi_sink), set by LWMI_SINK_INIT; fields are only appended
 * @indicate: result batches (may be NULL)
 * @set_status: the final status (may be NULL)
 * @destroy: frees the userdata once the call is freed (may be NULL)
 * @indicate_blocks: for lwmi_client_exec_notification_query_async() (may be
 *                   NULL): when set, the extrinsic events of classes without
 *                   embedded objects arrive here as data blocks, without an
 *                   object per event (for consumers of many events); every
 *                   other event (intrinsic, aggregate, overflow and dropped
 *                   reports, classes with embedded objects) still comes to
 *                   @indicate as an object, in order with the blocks.
 */
typedef struct lwmi_sink {
        uint32_t size;
        lwmi_indicate_fn indicate;
        lwmi_set_status_fn set_status;
        void (*destroy)(void *userdata);
        lwmi_indicate_blocks_fn indicate_blocks;
} lwmi_sink;

#define LWMI_SINK_INIT(indicate_, set_status_) \
 { (uint32_t) sizeof(lwmi_sink), (indicate_), (set_status_), NULL, NULL }

/* ------------------------------------------------------------------------- */
/* Connections                                                                */
/* ------------------------------------------------------------------------- */

/**
 * lwmi_client_connect() - connect to the broker (IWbemLocator::ConnectServer).
 * @socket_path: the broker's socket; NULL means $LWMI_SOCKET, else
 *               /run/lwmi/wmid.sock for root, else $XDG_RUNTIME_DIR/lwmi/wmid.sock
 * @namespace_: the namespace of the calls ("root\\wmi"); NULL means "root\\wmi"
 * @ret: the connection
 * @reterr_error: on failure, LWMI_WBEM_E_CONNECTION_FAILED (socket) or the
 *                broker's refusal (optional)
 *
 * Connects and completes the handshake, waiting at most the default timeout.
 *
 * Return: 0, -EINVAL, -ENOENT / -ECONNREFUSED / -EACCES (socket), -ETIMEDOUT,
 * -EPROTO (not a broker), -EPROTONOSUPPORT (version refused), -ENOMEM.
 */
int lwmi_client_connect(const char *socket_path, const char *namespace_, lwmi_client **ret,
                        lwmi_error *reterr_error);

lwmi_client *lwmi_client_ref(lwmi_client *c);
/**
 * lwmi_client_unref() - drop a reference; the last one closes the connection.
 * Pending calls then end without callbacks. Accepts NULL. Return: NULL.
 */
lwmi_client *lwmi_client_unref(lwmi_client *c);

/**
 * lwmi_client_set_timeout() - the timeout of the synchronous calls.
 * @c: the connection
 * @timeout_usec: microseconds, LWMI_TIMEOUT_INFINITE for none
 *
 * A synchronous call that times out is cancelled and returns -ETIMEDOUT
 * (LWMI_WBEM_E_TIMED_OUT). Return: 0 or -EINVAL.
 */
int lwmi_client_set_timeout(lwmi_client *c, uint64_t timeout_usec);

/** lwmi_client_get_namespace() - the namespace of the calls (borrowed). */
const char *lwmi_client_get_namespace(const lwmi_client *c);

/**
 * lwmi_client_get_fd() - the fd to watch in an event loop. The socket itself
 * is in blocking mode: libwmi's reads and writes pass MSG_DONTWAIT, except
 * the one recv() a synchronous call or lwmi_enum_next() waits in (so that a
 * wake-up costs one system call). Watch it; do not read or write it.
 * Return: the fd, or -ECHILD / -EINVAL.
 */
int lwmi_client_get_fd(const lwmi_client *c);

/**
 * lwmi_client_get_events() - the poll events to wait for (POLLIN, plus POLLOUT
 * while output is queued). Return: the events, or a negative errno.
 */
int lwmi_client_get_events(const lwmi_client *c);

/**
 * lwmi_client_get_timeout() - when lwmi_client_process() must run at the
 * latest, in CLOCK_MONOTONIC microseconds (LWMI_TIMEOUT_INFINITE: no deadline).
 * Return: 0 or -EINVAL.
 */
int lwmi_client_get_timeout(const lwmi_client *c, uint64_t *ret_usec);

/**
 * lwmi_client_process() - do whatever is pending without blocking: send queued
 * requests, read answers, run callbacks.
 * Return: 1 if something was done, 0 if not, -ENOTCONN once the connection
 * broke (every pending call was ended with LWMI_WBEM_E_TRANSPORT_FAILURE),
 * -ECHILD, -ENOMEM.
 */
int lwmi_client_process(lwmi_client *c);

/**
 * lwmi_client_wait() - wait until the connection has something to process.
 * @timeout_usec: the longest wait, LWMI_TIMEOUT_INFINITE for none
 * Return: 1 (ready), 0 (timed out), negative errno.
 */
int lwmi_client_wait(lwmi_client *c, uint64_t timeout_usec);

/* ------------------------------------------------------------------------- */
/* Synchronous calls (block at most the connection's timeout)                 */
/* ------------------------------------------------------------------------- */

/**
 * lwmi_objects_free() - unref @n objects and free the array (accepts NULL).
 */
void lwmi_objects_free(lwmi_object **objects, size_t n);

/**
 * lwmi_client_exec_query() - run a WQL query (IWbemServices::ExecQuery).
 * @c: the connection
 * @wql: "SELECT * FROM Class [WHERE ...]"
 * @ret_objects: the instances (free with lwmi_objects_free())
 * @ret_n: how many
 * @reterr_error: the WBEM failure (optional)
 *
 * Return: 0, -ETIMEDOUT, -ENOTCONN, the errno of the broker's WBEM status
 * (-EINVAL for WBEM_E_INVALID_QUERY, -ENOENT for WBEM_E_INVALID_CLASS...).
 */
int lwmi_client_exec_query(lwmi_client *c, const char *wql, lwmi_object ***ret_objects,
                           size_t *ret_n, lwmi_error *reterr_error);

/**
 * lwmi_client_get_object() - one instance by path (IWbemServices::GetObject).
 * @path: Class.Key="v" or Class=@
 * @ret: the instance
 *
 * Return: 0, -ENOENT (WBEM_E_NOT_FOUND), ... as lwmi_client_exec_query().
 */
int lwmi_client_get_object(lwmi_client *c, const char *path, lwmi_object **ret,
                           lwmi_error *reterr_error);

/**
 * lwmi_client_get_class() - a class definition (IWbemServices::GetObject on a class).
 * @class_name: the class
 * @ret: the class
 * Return: 0, -ENOENT (WBEM_E_NOT_FOUND / WBEM_E_INVALID_CLASS), ...
 */
int lwmi_client_get_class(lwmi_client *c, const char *class_name, lwmi_object **ret,
                          lwmi_error *reterr_error);

/**
 * lwmi_client_enum_classes() - class definitions (IWbemServices::CreateClassEnum).
 * @superclass: list its subclasses; NULL or "" lists the root classes
 * @deep: every descendant, not only direct subclasses
 * @ret_classes: the classes (free with lwmi_objects_free())
 * @ret_n: how many
 */
int lwmi_client_enum_classes(lwmi_client *c, const char *superclass, bool deep,
                             lwmi_object ***ret_classes, size_t *ret_n, lwmi_error *reterr_error);

/**
 * lwmi_client_put_instance() - write a whole instance (IWbemServices::PutInstance).
 * @instance: the instance, every property as it must be stored
 * @flags: LWMI_PUT_*
 */
int lwmi_client_put_instance(lwmi_client *c, const lwmi_object *instance, uint32_t flags,
                             lwmi_error *reterr_error);

/**
 * lwmi_client_put_property() - write one property of an instance (KMDF's
 * SetItem, SWbemObject.Properties_(x).Value then Put_ of that property only).
 * @path: the instance's path
 * @property: the property
 * @value: the new value, converted to the property's type
 *
 * Fetches the class (one more round trip) to type the value.
 * Return: 0, -ENOENT, -ERANGE / -EINVAL (value does not convert), ...
 */
int lwmi_client_put_property(lwmi_client *c, const char *path, const char *property,
                             const lwmi_value *value, lwmi_error *reterr_error);

/**
 * lwmi_client_exec_method() - call a method (IWbemServices::ExecMethod).
 * @path: the instance's path (or class name, for static methods)
 * @method: the method name
 * @in: the in-parameters (an instance of the method's in __PARAMETERS), or NULL
 * @ret_out: the out-parameters (ReturnValue and [out] parameters), NULL when the
 *           method has none (optional)
 */
int lwmi_client_exec_method(lwmi_client *c, const char *path, const char *method,
                            const lwmi_object *in, lwmi_object **ret_out, lwmi_error *reterr_error);

/**
 * lwmi_client_delete_instance() - delete an instance (IWbemServices::DeleteInstance).
 */
int lwmi_client_delete_instance(lwmi_client *c, const char *path, lwmi_error *reterr_error);

/* ------------------------------------------------------------------------- */
/* Semi-synchronous calls: enumerators (IEnumWbemClassObject)                 */
/* ------------------------------------------------------------------------- */

/**
 * lwmi_client_exec_query_enum() - start a query whose results are pulled
 * with lwmi_enum_next() (ExecQuery with WBEM_FLAG_RETURN_IMMEDIATELY).
 * @ret: the enumerator
 * Return: 0, -ENOTCONN, -ENOMEM, -EINVAL.
 */
int lwmi_client_exec_query_enum(lwmi_client *c, const char *wql, lwmi_enum **ret,
                                lwmi_error *reterr_error);

/**
 * lwmi_client_exec_notification_query() - subscribe to events
 * (IWbemServices::ExecNotificationQuery): "SELECT * FROM EventClass [WHERE ...]".
 * @ret: the subscription; lwmi_enum_next() returns the events in batches.
 *       lwmi_enum_unref() of the last reference ends the subscription.
 * Return: 0, -ENOTCONN, -ENOMEM, -EINVAL. An invalid query is reported by
 * the first lwmi_enum_next().
 */
int lwmi_client_exec_notification_query(lwmi_client *c, const char *wql, lwmi_enum **ret,
                                        lwmi_error *reterr_error);

/**
 * lwmi_enum_next() - the next batch (IEnumWbemClassObject::Next).
 * @e: the enumerator
 * @timeout_usec: the longest wait for the first object, LWMI_TIMEOUT_INFINITE
 * @max: the most objects to return, at least 1
 * @ret_objects: the objects (free with lwmi_objects_free())
 * @ret_n: how many
 * @reterr_error: the WBEM failure that ended the call (optional)
 *
 * Runs lwmi_client_process() while it waits, so other calls of the
 * connection progress too.
 *
 * Return: 1 with at least one object; 0 when the call ended successfully and
 * everything was returned (nothing is written); -ETIMEDOUT when nothing
 * arrived in time (the enumerator stays usable); the errno of the broker's
 * final WBEM error (then @reterr_error is filled); -ENOTCONN.
 */
int lwmi_enum_next(lwmi_enum *e, uint64_t timeout_usec, size_t max, lwmi_object ***ret_objects,
                   size_t *ret_n, lwmi_error *reterr_error);

/** lwmi_enum_cancel() - cancel the call; lwmi_enum_next() then drains and ends. */
int lwmi_enum_cancel(lwmi_enum *e);

lwmi_enum *lwmi_enum_ref(lwmi_enum *e);
/** lwmi_enum_unref() - drop a reference; the last one cancels the call. Accepts NULL. */
lwmi_enum *lwmi_enum_unref(lwmi_enum *e);

/* ------------------------------------------------------------------------- */
/* Asynchronous calls (IWbemObjectSink)                                       */
/* ------------------------------------------------------------------------- */

/*
 * Each queues its request and returns at once; the results arrive through
 * @sink from lwmi_client_process(). If the call fails, no callback ever runs
 * (but @sink->destroy still frees @userdata). On success it ends with exactly
 * one set_status(). @ret_call receives the call's slot: unreferencing it
 * before the end cancels the call without any further callback. A NULL
 * @ret_call makes the call floating: it lives until its set_status().
 * Return: 0, -EINVAL, -ENOTCONN, -ECHILD, -ENOMEM.
 */
int lwmi_client_exec_query_async(lwmi_client *c, const char *wql, const lwmi_sink *sink,
                                 void *userdata, lwmi_call **ret_call);
int lwmi_client_get_object_async(lwmi_client *c, const char *path, const lwmi_sink *sink,
                                 void *userdata, lwmi_call **ret_call);
int lwmi_client_get_class_async(lwmi_client *c, const char *class_name, const lwmi_sink *sink,
                                void *userdata, lwmi_call **ret_call);
int lwmi_client_enum_classes_async(lwmi_client *c, const char *superclass, bool deep,
                                   const lwmi_sink *sink, void *userdata, lwmi_call **ret_call);
int lwmi_client_put_instance_async(lwmi_client *c, const lwmi_object *instance, uint32_t flags,
                                   const lwmi_sink *sink, void *userdata, lwmi_call **ret_call);
int lwmi_client_exec_method_async(lwmi_client *c, const char *path, const char *method,
                                  const lwmi_object *in, const lwmi_sink *sink, void *userdata,
                                  lwmi_call **ret_call);
int lwmi_client_delete_instance_async(lwmi_client *c, const char *path, const lwmi_sink *sink,
                                      void *userdata, lwmi_call **ret_call);
/*
 * lwmi_client_put_property_async(): sends @value with its own type; the broker
 * converts it to the property's (a value that does not convert ends the call
 * with WBEM_E_VALUE_OUT_OF_RANGE or WBEM_E_INVALID_PARAMETER), so no class is
 * fetched first.
 */
int lwmi_client_put_property_async(lwmi_client *c, const char *path, const char *property,
                                   const lwmi_value *value, const lwmi_sink *sink, void *userdata,
                                   lwmi_call **ret_call);
/**
 * lwmi_client_exec_notification_query_async() - subscribe to events
 * (IWbemServices::ExecNotificationQueryAsync): each event batch is one
 * indicate(); set_status() comes only when the subscription ends (cancel,
 * error, broker shutdown).
 */
int lwmi_client_exec_notification_query_async(lwmi_client *c, const char *wql,
                                              const lwmi_sink *sink, void *userdata,
                                              lwmi_call **ret_call);

/**
 * lwmi_call_cancel() - cancel a call (IWbemServices::CancelAsyncCall).
 * Once it returns, indicate() is not called again for the call (objects
 * still on their way are dropped); the end is confirmed by the call's
 * set_status() (usually with LWMI_WBEM_E_CALL_CANCELLED, or the status the
 * call ended with meanwhile).
 * Return: 0, -EALREADY (the call has ended), -ENOTCONN, -ENOMEM.
 */
int lwmi_call_cancel(lwmi_call *call);

/** lwmi_call_is_done() - whether set_status() ran. */
bool lwmi_call_is_done(const lwmi_call *call);

lwmi_call *lwmi_call_ref(lwmi_call *call);
/**
 * lwmi_call_unref() - drop a reference; the last one of a running call
 * cancels it without further callbacks and runs the sink's destroy. Accepts NULL.
 */
lwmi_call *lwmi_call_unref(lwmi_call *call);

static inline void lwmi_client_unrefp(lwmi_client **p) {
        if (*p)
                lwmi_client_unref(*p);
}
static inline void lwmi_call_unrefp(lwmi_call **p) {
        if (*p)
                lwmi_call_unref(*p);
}
static inline void lwmi_enum_unrefp(lwmi_enum **p) {
        if (*p)
                lwmi_enum_unref(*p);
}

#ifdef __cplusplus
}
#endif

#endif /* LWMI_CLIENT_H */
