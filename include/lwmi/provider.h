/* SPDX-License-Identifier: MIT */
/*
 * libwmiprov: the WMI provider library, a C mirror of KMDF's WdfWmi* API.
 *
 * A driver (any Linux process that owns a device) creates one lwmi_device per
 * device: the connection to wmid carrying the driver's MOF text, which the
 * broker compiles into root\wmi. On the device it creates providers (one per
 * data block GUID) and instances of them, and answers the broker's requests in
 * callbacks.
 *
 * Windows counterparts:
 *
 *   lwmi_device_new()              WDFDEVICE + WdfDeviceAssignMofResourceName
 *   lwmi_provider_config           WDF_WMI_PROVIDER_CONFIG (+ _INIT)
 *   lwmi_provider_new()            WdfWmiProviderCreate
 *   lwmi_provider_get_device()     WdfWmiProviderGetDevice
 *   lwmi_provider_is_enabled()     WdfWmiProviderIsEnabled
 *   lwmi_provider_function_control_fn  EvtWmiProviderFunctionControl
 *   lwmi_instance_config           WDF_WMI_INSTANCE_CONFIG (+ _INIT_PROVIDER/_INIT_PROVIDER_CONFIG)
 *   lwmi_instance_new()            WdfWmiInstanceCreate
 *   lwmi_instance_register()       WdfWmiInstanceRegister
 *   lwmi_instance_deregister()     WdfWmiInstanceDeregister
 *   lwmi_instance_unref()          WdfObjectDelete (last reference)
 *   lwmi_instance_get_provider()   WdfWmiInstanceGetProvider
 *   lwmi_instance_get_device()     WdfWmiInstanceGetDevice
 *   lwmi_instance_get_context()    WdfObjectGetTypedContext / the context area
 *   lwmi_instance_fire_event()     WdfWmiInstanceFireEvent
 *   lwmi_query_instance_fn         EvtWmiInstanceQueryInstance
 *   lwmi_set_instance_fn           EvtWmiInstanceSetInstance
 *   lwmi_set_item_fn               EvtWmiInstanceSetItem
 *   lwmi_execute_method_fn         EvtWmiInstanceExecuteMethod
 *   lwmi_request_complete()        WmiCompleteRequest (WmiLib; KMDF never pends)
 *
 * Errors. Creation calls return a negative errno and fill the optional
 * lwmi_error; its message starts with the NTSTATUS KMDF returns in that case:
 *
 *   STATUS_INFO_LENGTH_MISMATCH        -EINVAL    (config size wrong)
 *   STATUS_INVALID_PARAMETER           -EINVAL
 *   STATUS_INTEGER_OVERFLOW            -EOVERFLOW
 *   STATUS_BUFFER_TOO_SMALL            -ENOBUFS
 *   STATUS_INVALID_DEVICE_REQUEST      -EALREADY  (instance already registered)
 *   STATUS_INVALID_DEVICE_REQUEST      -EOPNOTSUPP (instance of a Tracing provider)
 *   STATUS_OBJECT_NAME_EXISTS          -EEXIST    (duplicate GUID on the device; KMDF
 *                                                  silently succeeds, lwmi fails)
 *   (connection to wmid lost)          -ENOTCONN
 *
 * Callbacks return 0 or a negative errno; -ENOBUFS with *ret_size set mirrors
 * STATUS_BUFFER_TOO_SMALL (the broker retries with a bigger buffer, clients never
 * see it), -EINPROGRESS defers the answer to lwmi_request_complete(). What the
 * broker receives in REPLY (table in src/provider/provider-status.c, agreed in
 * docs/protocol.md 4.6):
 *
 *   outcome (spec item)             KMDF NTSTATUS                  WBEM status
 *   success                         STATUS_SUCCESS                 0
 *   too small (36, 37, 41, 56)      STATUS_BUFFER_TOO_SMALL        WBEM_E_BUFFER_TOO_SMALL
 *                                                                  + size needed
 *   no query support (35)           STATUS_INVALID_DEVICE_REQUEST  WBEM_E_NOT_SUPPORTED
 *   no execute_method (53)          STATUS_INVALID_DEVICE_REQUEST  WBEM_E_NOT_SUPPORTED
 *   no set_instance, context (47)   STATUS_WMI_READ_ONLY           WBEM_E_READ_ONLY
 *   no set_item (50)                STATUS_WMI_READ_ONLY           WBEM_E_READ_ONLY
 *   set input too small (48, 49)    STATUS_WMI_SET_FAILURE         WBEM_E_INVALID_PARAMETER
 *   unknown GUID/instance (28, 31)  STATUS_WMI_*_NOT_FOUND         WBEM_E_NOT_FOUND
 *   method returns -EBADRQC (55)    STATUS_WMI_ITEMID_NOT_FOUND    WBEM_E_INVALID_METHOD
 *   success, used > size (40)       STATUS_UNSUCCESSFUL            WBEM_E_PROVIDER_FAILURE
 *   any other -errno                (the driver's)                 lwmi_status_from_errno()
 *
 * lwmi extensions without a KMDF counterpart: the event loop calls (the kernel
 * dispatches IRPs), lwmi_instance_get_name()/_get_index(), and the broker's
 * asynchronous refusals (lwmi_device_get_last_error(),
 * lwmi_provider_get_broker_status(), lwmi_instance_get_broker_status()).
 *
 * Threading: a device is driven by one event loop (lwmi_device_get_fd(),
 * lwmi_device_get_events(), lwmi_device_process(), lwmi_device_wait()) or by a
 * thread of the library (lwmi_device_start_thread()). Callbacks run only inside
 * lwmi_device_process(), with no internal lock held. Registration calls,
 * lwmi_request_complete(), lwmi_instance_fire_event() and
 * lwmi_provider_is_enabled() may be called from any thread; reference counts
 * of devices, instances and requests are atomic. Output is written at once
 * when the socket has room; what does not fit waits for the next
 * lwmi_device_process() (the library thread is woken for it through an
 * eventfd; an external loop sees POLLOUT in lwmi_device_get_events() the next
 * time it asks).
 *
 * Events: lwmi_instance_fire_event() is the one call that never waits for the
 * device lock. When nothing is queued, the lock is free (a trylock) and no
 * output waits, it sends the event itself, as a one-event FIRE_EVENTS frame
 * written without blocking (the direct path: no thread hop). Otherwise it
 * copies the event into a bounded lock-free queue that lwmi_device_process()
 * drains into FIRE_EVENTS frames (many events per frame), so events fired
 * inside a callback, or while the loop holds the lock or output waits, go out
 * at the loop's next lwmi_device_process(); from other threads, the library
 * thread is woken through an eventfd once per burst, and an external loop sees
 * POLLOUT in lwmi_device_get_events() while events wait. Events keep their
 * order per producing thread across both paths. When the queue is full (the
 * broker or the socket is slower than the producers, or more than 256 KiB of
 * output already wait), events are dropped and counted, never blocked on:
 * lwmi_device_get_event_stats().
 */
#ifndef LWMI_PROVIDER_H
#define LWMI_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lwmi/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lwmi_device lwmi_device;
typedef struct lwmi_provider lwmi_provider;
typedef struct lwmi_instance lwmi_instance;
typedef struct lwmi_request lwmi_request;

/* ------------------------------------------------------------------------- */
/* Device                                                                     */
/* ------------------------------------------------------------------------- */

/*
 * struct lwmi_device_config - options of lwmi_device_new().
 * @size: sizeof(lwmi_device_config), set by LWMI_DEVICE_CONFIG_INIT
 * @socket_path: the broker's socket, or NULL for $LWMI_SOCKET, else
 *               /run/lwmi/wmid.sock (root) or $XDG_RUNTIME_DIR/lwmi/wmid.sock
 * @fd: an already connected stream socket to use instead (the device takes it
 *      over, even on failure), or -1
 * @timeout_usec: how long the handshake may take (0 = 5 seconds)
 * @event_size_max: largest event payload (0 = 960). The default is KMDF's:
 *                  Windows caps a WMI event at 1 KB (the registry value
 *                  MaxEventSize, default 1024) including its 64-byte
 *                  WNODE_SINGLE_INSTANCE header, so 960 bytes is what a
 *                  ported driver can rely on; each queue slot is pre-sized to
 *                  it, so it also sets the event queue's memory (see
 *                  @event_queue_len). At most the negotiated frame size minus
 *                  64 bytes (lwmi_device_new() fails with -EINVAL otherwise).
 * @event_queue_len: slots of the event queue (0 = 1024; rounded up to a
 *                   power of two). Events fired while the queue is full are
 *                   dropped and counted (lwmi_device_get_event_stats()).
 *                   Memory: about @event_queue_len * (@event_size_max + 32)
 *                   bytes, 1 MiB with the defaults.
 */
typedef struct lwmi_device_config {
        uint32_t size;
        const char *socket_path;
        int fd;
        uint64_t timeout_usec;
        uint32_t event_size_max;
        uint32_t event_queue_len;
} lwmi_device_config;

#define LWMI_DEVICE_CONFIG_INIT(cfg)        \
 do {                                       \
  memset((cfg), 0, sizeof(*(cfg)));         \
  (cfg)->size = sizeof(lwmi_device_config); \
  (cfg)->fd = -1;                           \
 } while (0)

/**
 * lwmi_device_new() - connect a device to wmid (a WDFDEVICE with its MOF resource).
 * @name: the device name; instance names are "<name>_<index>" unless static
 * @mof_text: the device's MOF (the counterpart of the MOF resource named by
 *            WdfDeviceAssignMofResourceName), or NULL
 * @config: options, or NULL for the defaults
 * @ret: the device (one reference)
 * @reterr_error: optional details on failure
 *
 * Connects, performs the handshake (role provider) and sends DEVICE_REGISTER.
 * Return: 0, -EINVAL, -ENOMEM, -ECONNREFUSED (broker refused), -ETIMEDOUT, or
 * the errno of socket()/connect().
 */
int lwmi_device_new(const char *name, const char *mof_text, const lwmi_device_config *config,
                    lwmi_device **ret, lwmi_error *reterr_error);
lwmi_device *lwmi_device_ref(lwmi_device *device);
/*
 * Drops a reference; the last one stops (joins) the library thread and closes
 * the connection. The last reference must not be dropped by a callback that
 * runs on the library thread.
 */
lwmi_device *lwmi_device_unref(lwmi_device *device);
/* The device name (borrowed). */
const char *lwmi_device_get_name(const lwmi_device *device);

/**
 * lwmi_device_get_last_error() - the broker's latest refusal of a
 * registration (PROVIDER_REGISTER, INSTANCE_REGISTER, INSTANCE_DEREGISTER are
 * confirmed asynchronously, inside lwmi_device_process()). lwmi extension.
 * @ret: the status and the broker's message
 *
 * Return: 0, or -ENODATA when the broker refused nothing so far.
 */
int lwmi_device_get_last_error(lwmi_device *device, lwmi_error *ret);

/** lwmi_device_get_fd() - the socket to poll, or -EBADF once closed. */
int lwmi_device_get_fd(lwmi_device *device);
/**
 * lwmi_device_get_events() - POLLIN, plus POLLOUT while output is pending or
 * fired events wait in the queue (they go out in the next lwmi_device_process()).
 */
int lwmi_device_get_events(lwmi_device *device);
/**
 * lwmi_device_process() - send pending output, read what arrived and answer
 * every complete request (running callbacks). Never blocks.
 *
 * Return: 1 when something was done, 0 when there was nothing to do,
 * -ECONNRESET when the broker closed the connection, -EBADMSG on a protocol
 * violation, -EBUSY when called from a callback, -ECHILD after fork().
 */
int lwmi_device_process(lwmi_device *device);
/**
 * lwmi_device_wait() - wait until lwmi_device_process() has work.
 * @timeout_usec: UINT64_MAX to wait forever
 *
 * Return: 1 when ready, 0 on timeout, -errno.
 */
int lwmi_device_wait(lwmi_device *device, uint64_t timeout_usec);
/**
 * lwmi_device_run() - wait and process until lwmi_device_exit() or an error.
 * Return: 0 after lwmi_device_exit(), or the error of lwmi_device_process().
 */
int lwmi_device_run(lwmi_device *device);
/** lwmi_device_exit() - make lwmi_device_run() return (any thread). */
int lwmi_device_exit(lwmi_device *device);
/** lwmi_device_start_thread() - run lwmi_device_run() on a thread of the library. */
int lwmi_device_start_thread(lwmi_device *device);
/** lwmi_device_stop_thread() - stop and join that thread (no-op when none runs). */
int lwmi_device_stop_thread(lwmi_device *device);

/* ------------------------------------------------------------------------- */
/* Providers                                                                  */
/* ------------------------------------------------------------------------- */

/* Provider flags (WDF_WMI_PROVIDER_FLAGS). */
enum {
        LWMI_PROVIDER_EVENT_ONLY = 0x1, /* WdfWmiProviderEventOnly */
        LWMI_PROVIDER_EXPENSIVE = 0x2,  /* WdfWmiProviderExpensive */
        LWMI_PROVIDER_TRACING = 0x4,    /* WdfWmiProviderTracing */
};

/* Controls (WDF_WMI_PROVIDER_CONTROL). */
enum {
        LWMI_EVENT_CONTROL = 1,    /* WdfWmiEventControl */
        LWMI_INSTANCE_CONTROL = 2, /* WdfWmiInstanceControl (collection) */
};

/*
 * lwmi_provider_function_control_fn - EvtWmiProviderFunctionControl: events or
 * collection were enabled or disabled. A failure forces the state to disabled.
 */
typedef int (*lwmi_provider_function_control_fn)(lwmi_provider *provider, uint32_t control,
                                                 bool enable, void *userdata);

/*
 * struct lwmi_provider_config - WDF_WMI_PROVIDER_CONFIG.
 * @size: sizeof(lwmi_provider_config)
 * @guid: the data block GUID (the MOF class's guid qualifier)
 * @min_instance_buffer_size: MinInstanceBufferSize
 * @flags: LWMI_PROVIDER_* (Flags)
 * @function_control: EvtWmiProviderFunctionControl, or NULL
 * @userdata: passed to @function_control
 */
typedef struct lwmi_provider_config {
        uint32_t size;
        lwmi_guid guid;
        uint32_t min_instance_buffer_size;
        uint32_t flags;
        lwmi_provider_function_control_fn function_control;
        void *userdata;
} lwmi_provider_config;

/* WDF_WMI_PROVIDER_CONFIG_INIT */
#define LWMI_PROVIDER_CONFIG_INIT(cfg, g)     \
 do {                                         \
  memset((cfg), 0, sizeof(*(cfg)));           \
  (cfg)->size = sizeof(lwmi_provider_config); \
  (cfg)->guid = *(g);                         \
 } while (0)

/**
 * lwmi_provider_new() - WdfWmiProviderCreate.
 * @device: the device
 * @config: the configuration
 * @ret: the provider, owned by the device (borrowed; it lives as long as the
 *       device, as in KMDF a driver cannot delete a provider)
 * @reterr_error: optional details
 *
 * Checks, in KMDF's order: size (STATUS_INFO_LENGTH_MISMATCH), flags outside
 * 0x7, Tracing with another flag, a function-control callback without
 * Expensive or Tracing, an all-zero GUID (STATUS_INVALID_PARAMETER each); then
 * a GUID already used on the device (-EEXIST). Sends PROVIDER_REGISTER.
 * Return: 0 or a negative errno from the table at the top.
 */
int lwmi_provider_new(lwmi_device *device, const lwmi_provider_config *config, lwmi_provider **ret,
                      lwmi_error *reterr_error);
/** lwmi_provider_get_device() - WdfWmiProviderGetDevice (borrowed). */
lwmi_device *lwmi_provider_get_device(lwmi_provider *provider);
/**
 * lwmi_provider_is_enabled() - WdfWmiProviderIsEnabled.
 * @control: LWMI_EVENT_CONTROL or LWMI_INSTANCE_CONTROL (anything else: false)
 */
bool lwmi_provider_is_enabled(lwmi_provider *provider, uint32_t control);
/** lwmi_provider_get_guid() - the provider's GUID (borrowed). */
const lwmi_guid *lwmi_provider_get_guid(const lwmi_provider *provider);
/**
 * lwmi_provider_get_broker_status() - 0, or the WBEM status with which the
 * broker refused PROVIDER_REGISTER (WBEM_E_ALREADY_EXISTS when another
 * connection holds the GUID). Known once lwmi_device_process() saw the
 * answer. lwmi extension (KMDF registers in the kernel, synchronously).
 */
lwmi_status lwmi_provider_get_broker_status(lwmi_provider *provider);

/* ------------------------------------------------------------------------- */
/* Instances and requests                                                     */
/* ------------------------------------------------------------------------- */

/* The client a request comes from (SO_PEERCRED at the broker). */
typedef struct lwmi_caller {
        uint32_t uid;
        uint32_t gid;
        uint32_t pid;
} lwmi_caller;

/*
 * lwmi_query_instance_fn - EvtWmiInstanceQueryInstance.
 * @buffer: where to write the instance data (at least 1 byte)
 * @buffer_size: its size
 * @ret_size: bytes written on success; bytes needed with -ENOBUFS
 *
 * Return: 0, -ENOBUFS, -EINPROGRESS (answer later with lwmi_request_complete();
 * @buffer stays valid until then), or another -errno.
 */
typedef int (*lwmi_query_instance_fn)(lwmi_instance *instance, lwmi_request *request, void *buffer,
                                      size_t buffer_size, size_t *ret_size, void *userdata);
/* lwmi_set_instance_fn - EvtWmiInstanceSetInstance (@data NULL when @size is 0). */
typedef int (*lwmi_set_instance_fn)(lwmi_instance *instance, lwmi_request *request,
                                    const void *data, size_t size, void *userdata);
/* lwmi_set_item_fn - EvtWmiInstanceSetItem; @item_id is the MOF WmiDataId. */
typedef int (*lwmi_set_item_fn)(lwmi_instance *instance, lwmi_request *request, uint32_t item_id,
                                const void *data, size_t size, void *userdata);
/*
 * lwmi_execute_method_fn - EvtWmiInstanceExecuteMethod; @method_id is the MOF
 * WmiMethodId. Writes at most @out_size bytes to @out and sets *ret_size (the
 * size needed with -ENOBUFS; check it before any side effect, WMI retries).
 * Return -EBADRQC for an unknown @method_id (STATUS_WMI_ITEMID_NOT_FOUND, which
 * the broker sees as WBEM_E_INVALID_METHOD).
 */
typedef int (*lwmi_execute_method_fn)(lwmi_instance *instance, lwmi_request *request,
                                      uint32_t method_id, const void *in, size_t in_size, void *out,
                                      size_t out_size, size_t *ret_size, void *userdata);

/*
 * struct lwmi_instance_config - WDF_WMI_INSTANCE_CONFIG.
 * @size: sizeof(lwmi_instance_config)
 * @provider: an existing provider (Provider) ...
 * @provider_config: ... or the configuration of a new one (ProviderConfig); exactly one
 * @use_context_for_query: UseContextForQuery: queries are answered with the
 *                         context area, no callback
 * @context: initial content of the context area (NULL = zeroes)
 * @context_size: size of the context area (the context type's size)
 * @register_at_create: Register
 * @query_instance, @set_instance, @set_item, @execute_method: EvtWmiInstance*
 * @userdata: passed to the callbacks
 * @name: a static instance name, or NULL for "<device name>_<index>"
 */
typedef struct lwmi_instance_config {
        uint32_t size;
        lwmi_provider *provider;
        const lwmi_provider_config *provider_config;
        bool use_context_for_query;
        const void *context;
        size_t context_size;
        bool register_at_create;
        lwmi_query_instance_fn query_instance;
        lwmi_set_instance_fn set_instance;
        lwmi_set_item_fn set_item;
        lwmi_execute_method_fn execute_method;
        void *userdata;
        const char *name;
} lwmi_instance_config;

/* WDF_WMI_INSTANCE_CONFIG_INIT_PROVIDER */
#define LWMI_INSTANCE_CONFIG_INIT_PROVIDER(cfg, p) \
 do {                                              \
  memset((cfg), 0, sizeof(*(cfg)));                \
  (cfg)->size = sizeof(lwmi_instance_config);      \
  (cfg)->provider = (p);                           \
 } while (0)

/* WDF_WMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG */
#define LWMI_INSTANCE_CONFIG_INIT_PROVIDER_CONFIG(cfg, pc) \
 do {                                                      \
  memset((cfg), 0, sizeof(*(cfg)));                        \
  (cfg)->size = sizeof(lwmi_instance_config);              \
  (cfg)->provider_config = (pc);                           \
 } while (0)

/**
 * lwmi_instance_new() - WdfWmiInstanceCreate.
 * @device: the device (needed with @config->provider_config only)
 * @config: the configuration
 * @ret: the instance (one reference), or NULL to leave it owned by the device
 * @reterr_error: optional details
 *
 * Checks: size (STATUS_INFO_LENGTH_MISMATCH); exactly one of provider and
 * provider_config; the provider checks of lwmi_provider_new(); an EventOnly
 * provider with UseContextForQuery or any callback; UseContextForQuery with a
 * set callback or without a context; a context above 4 GiB - 1 (-EOVERFLOW) or
 * below MinInstanceBufferSize (-ENOBUFS); Register of a Tracing provider's
 * instance (-EOPNOTSUPP). On failure an implicitly created provider is not kept.
 */
int lwmi_instance_new(lwmi_device *device, const lwmi_instance_config *config, lwmi_instance **ret,
                      lwmi_error *reterr_error);
lwmi_instance *lwmi_instance_ref(lwmi_instance *instance);
/* The last reference deregisters the instance (WdfObjectDelete). */
lwmi_instance *lwmi_instance_unref(lwmi_instance *instance);
/**
 * lwmi_instance_register() - WdfWmiInstanceRegister: sends INSTANCE_REGISTER.
 * Return: 0, -EALREADY (already registered), -EOPNOTSUPP (Tracing provider), -ENOTCONN.
 */
int lwmi_instance_register(lwmi_instance *instance);
/** lwmi_instance_deregister() - WdfWmiInstanceDeregister; idempotent. */
int lwmi_instance_deregister(lwmi_instance *instance);
/*
 * lwmi_instance_is_registered() - registered and not refused by the broker.
 * lwmi_instance_get_broker_status() - 0, or the WBEM status with which the
 * broker refused the latest INSTANCE_REGISTER; the instance is then no longer
 * registered (lwmi extension).
 */
bool lwmi_instance_is_registered(lwmi_instance *instance);
lwmi_status lwmi_instance_get_broker_status(lwmi_instance *instance);
/** lwmi_instance_get_provider() - WdfWmiInstanceGetProvider (borrowed). */
lwmi_provider *lwmi_instance_get_provider(lwmi_instance *instance);
/** lwmi_instance_get_device() - WdfWmiInstanceGetDevice (borrowed). */
lwmi_device *lwmi_instance_get_device(lwmi_instance *instance);
/**
 * lwmi_instance_get_context() - the instance's context area (owned by it).
 * @ret_size: its size (optional)
 * Return: the area, NULL when its size is 0.
 */
void *lwmi_instance_get_context(lwmi_instance *instance, size_t *ret_size);
void *lwmi_instance_get_userdata(lwmi_instance *instance);
/** lwmi_instance_get_id() - the instance id used on the wire (unique per provider). */
uint32_t lwmi_instance_get_id(lwmi_instance *instance);
/**
 * lwmi_instance_get_index() - the position among the provider's registered
 * instances (KMDF's InstanceIndex), or -ENOENT when not registered.
 */
int lwmi_instance_get_index(lwmi_instance *instance);
/**
 * lwmi_instance_get_name() - the WMI instance name: the static name, else
 * "<device name>_<index>" (KMDF's PDO-based names, spec items 27-28).
 * @ret: a new string (free())
 * Return: 0, -ENOENT (not registered and no static name), -ENOMEM.
 */
int lwmi_instance_get_name(lwmi_instance *instance, char **ret);

/*
 * Returned by lwmi_instance_fire_event() when no consumer enabled the event: a
 * success that sent nothing (KMDF returns STATUS_SUCCESS there too; lwmi tells
 * the two apart).
 */
#define LWMI_EVENT_NOT_ENABLED 1

/**
 * lwmi_instance_fire_event() - WdfWmiInstanceFireEvent. Any thread, never blocks.
 * @data: the event data (NULL means size 0, spec item 65)
 * @size: its size, at most the device's event_size_max
 *
 * With events disabled (no FUNCTION_CONTROL enable from the broker) this is one
 * relaxed atomic load: no lock, no system call, no allocation. Enabled:
 *
 * - direct path: when the device's queue is empty, pthread_mutex_trylock() of
 *   the device lock succeeds, no output waits for the socket and the
 *   connection is up, the event is sent from the caller's thread as a
 *   one-event FIRE_EVENTS frame, with one non-blocking send(); what the socket
 *   does not take stays in the device's output and the loop is woken to send
 *   it when the socket has room (counted in @wakeups). Not taken inside the
 *   device's callbacks (their replies go out as one write: the queue is used).
 * - queue: otherwise the data is copied into a slot of the device's bounded
 *   lock-free queue (no lock, no allocation); the first event of a burst wakes
 *   the device's loop through an eventfd (one write per burst). The loop
 *   (lwmi_device_process()) sends the queued events of all instances in
 *   batches, one FIRE_EVENTS frame per batch.
 *
 * Neither path waits: the lock is only tried, the socket is not blocked on.
 * The queue is checked empty under the lock, so events keep their order per
 * producing thread. An event the queue cannot take is dropped and counted,
 * never silently lost.
 *
 * Return: 0 (sent or queued), LWMI_EVENT_NOT_ENABLED (nobody listens: nothing
 * queued, no system call), -EMSGSIZE (above event_size_max, WMI's
 * STATUS_BUFFER_OVERFLOW), -ENOBUFS (the queue is full: the event is dropped
 * and counted), -ENOENT (instance not registered), -EINVAL.
 */
int lwmi_instance_fire_event(lwmi_instance *instance, const void *data, size_t size);

/*
 * struct lwmi_event_stats - counters of a device's event queue (lwmi extension).
 * @queued: events accepted by lwmi_instance_fire_event() (queued or sent
 *          directly)
 * @sent: events written into FIRE_EVENTS frames (a directly sent event is
 *        one event in one frame)
 * @dropped: events refused with -ENOBUFS (queue full), plus accepted events
 *           discarded because the connection was lost
 * @frames: FIRE_EVENTS frames built
 * @wakeups: eventfd writes made by lwmi_instance_fire_event() (one per burst
 *           of queued events, one per direct send the socket took only part of)
 */
typedef struct lwmi_event_stats {
        uint64_t queued;
        uint64_t sent;
        uint64_t dropped;
        uint64_t frames;
        uint64_t wakeups;
} lwmi_event_stats;

/**
 * lwmi_device_get_event_stats() - read the event counters (any thread; each
 * counter is read atomically, the set is not a snapshot).
 * Return: 0, -EINVAL.
 */
int lwmi_device_get_event_stats(lwmi_device *device, lwmi_event_stats *ret);
/** lwmi_device_get_dropped_events() - events dropped so far (see lwmi_event_stats). */
uint64_t lwmi_device_get_dropped_events(lwmi_device *device);

/** lwmi_request_get_caller() - the client's credentials (borrowed). */
const lwmi_caller *lwmi_request_get_caller(const lwmi_request *request);
/**
 * lwmi_request_complete() - answer a request whose callback returns (or
 * returned) -EINPROGRESS (WmiCompleteRequest). Any thread, even before the
 * callback has returned; exactly once per deferred request, after which the
 * request is gone.
 * @error: 0, -ENOBUFS (then @size is the size needed), or -errno
 * @size: bytes written in the callback's buffer (query, method)
 *
 * Return: 0, -EINVAL (@error is -EINPROGRESS, or completed twice while the
 * callback still runs).
 */
int lwmi_request_complete(lwmi_request *request, int error, size_t size);

static inline void lwmi_device_unrefp(lwmi_device **p) {
        if (*p)
                lwmi_device_unref(*p);
}
static inline void lwmi_instance_unrefp(lwmi_instance **p) {
        if (*p)
                lwmi_instance_unref(*p);
}

#ifdef __cplusplus
}
#endif

#endif /* LWMI_PROVIDER_H */
