/* SPDX-License-Identifier: MIT */
/*
 * WBEM status codes: names, messages, errno and DSP0200 CIM status mapping.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"

/*
 * One row per LWMI_WBEM_* code. @err is the positive errno that the public
 * API returns (negated) for the status; 0 for success codes. @primary marks
 * the row that lwmi_status_from_errno() gives for that errno: exactly one
 * row per errno used in the table is primary, so that
 * from_errno(to_errno(s)) always maps back to a status with the same errno.
 *
 * Choices worth noting: INVALID_NAMESPACE maps to ENXIO (ENOENT stays with
 * NOT_FOUND, so a client can tell a missing object from a missing
 * namespace); STYLE.md makes ENOBUFS the "buffer too small" errno, so
 * BUFFER_TOO_SMALL is its primary row, and the resource-limit statuses
 * (QUOTA_VIOLATION, QUEUE_OVERFLOW, CLIENT_TOO_SLOW) share it; EPERM belongs
 * to PRIVILEGE_NOT_HELD and the "not allowed by the schema rules" family.
 */
typedef struct StatusRow {
        lwmi_status status;
        const char *name;
        int err;
        uint32_t cim;
        bool primary;
        const char *message;
} StatusRow;

#define ROW(n, e, c, p, m) \
 { (lwmi_status) LWMI_##n, #n, e, c, p, m }

/* DSP0200 CIM status codes */
enum {
        CIM_ERR_OK = 0,
        CIM_ERR_FAILED = 1,
        CIM_ERR_ACCESS_DENIED = 2,
        CIM_ERR_INVALID_NAMESPACE = 3,
        CIM_ERR_INVALID_PARAMETER = 4,
        CIM_ERR_INVALID_CLASS = 5,
        CIM_ERR_NOT_FOUND = 6,
        CIM_ERR_NOT_SUPPORTED = 7,
        CIM_ERR_CLASS_HAS_CHILDREN = 8,
        CIM_ERR_CLASS_HAS_INSTANCES = 9,
        CIM_ERR_INVALID_SUPERCLASS = 10,
        CIM_ERR_ALREADY_EXISTS = 11,
        CIM_ERR_NO_SUCH_PROPERTY = 12,
        CIM_ERR_TYPE_MISMATCH = 13,
        CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED = 14,
        CIM_ERR_INVALID_QUERY = 15,
        CIM_ERR_METHOD_NOT_AVAILABLE = 16,
        CIM_ERR_METHOD_NOT_FOUND = 17,
};

static const StatusRow status_table[] = {
        ROW(WBEM_S_NO_ERROR, 0, CIM_ERR_OK, false, "The call succeeded."),
        ROW(WBEM_S_FALSE, 0, CIM_ERR_OK, false, "The call succeeded with a FALSE result."),
        ROW(WBEM_S_TIMEDOUT, 0, CIM_ERR_OK, false, "The call timed out (no more results yet)."),
        ROW(WBEM_S_NO_MORE_DATA, 0, CIM_ERR_OK, false, "No more data is available."),
        ROW(WBEM_E_FAILED, EIO, CIM_ERR_FAILED, false, "Call failed."),
        ROW(WBEM_E_NOT_FOUND, ENOENT, CIM_ERR_NOT_FOUND, true, "Object cannot be found."),
        ROW(WBEM_E_ACCESS_DENIED, EACCES, CIM_ERR_ACCESS_DENIED, true,
            "Current user does not have permission to perform the action."),
        ROW(WBEM_E_PROVIDER_FAILURE, EIO, CIM_ERR_FAILED, true,
            "Provider has failed at some time other than during initialization."),
        ROW(WBEM_E_TYPE_MISMATCH, EINVAL, CIM_ERR_TYPE_MISMATCH, false, "Type mismatch occurred."),
        ROW(WBEM_E_OUT_OF_MEMORY, ENOMEM, CIM_ERR_FAILED, true,
            "Not enough memory for the operation."),
        ROW(WBEM_E_INVALID_CONTEXT, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "The context object is not valid."),
        ROW(WBEM_E_INVALID_PARAMETER, EINVAL, CIM_ERR_INVALID_PARAMETER, true,
            "One of the parameters to the call is not correct."),
        ROW(WBEM_E_NOT_AVAILABLE, EAGAIN, CIM_ERR_FAILED, true,
            "Resource, typically a remote server, is not currently available."),
        ROW(WBEM_E_CRITICAL_ERROR, ENOTRECOVERABLE, CIM_ERR_FAILED, true,
            "Internal, critical, and unexpected error occurred."),
        ROW(WBEM_E_INVALID_STREAM, EBADMSG, CIM_ERR_FAILED, true,
            "One or more network packets were corrupted during a remote session."),
        ROW(WBEM_E_NOT_SUPPORTED, EOPNOTSUPP, CIM_ERR_NOT_SUPPORTED, true,
            "Feature or operation is not supported."),
        ROW(WBEM_E_INVALID_SUPERCLASS, EINVAL, CIM_ERR_INVALID_SUPERCLASS, false,
            "Parent class specified is not valid."),
        ROW(WBEM_E_INVALID_NAMESPACE, ENXIO, CIM_ERR_INVALID_NAMESPACE, true,
            "Namespace specified cannot be found."),
        ROW(WBEM_E_INVALID_OBJECT, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Specified instance is not valid."),
        ROW(WBEM_E_INVALID_CLASS, EINVAL, CIM_ERR_INVALID_CLASS, false,
            "Specified class is not valid."),
        ROW(WBEM_E_PROVIDER_NOT_FOUND, ESRCH, CIM_ERR_FAILED, true,
            "Provider referenced in the schema does not have a corresponding registration."),
        ROW(WBEM_E_INVALID_PROVIDER_REGISTRATION, EINVAL, CIM_ERR_FAILED, false,
            "Provider referenced in the schema has an incorrect or incomplete registration."),
        ROW(WBEM_E_PROVIDER_LOAD_FAILURE, ENOEXEC, CIM_ERR_FAILED, true,
            "Provider could not be loaded or started."),
        ROW(WBEM_E_INITIALIZATION_FAILURE, EIO, CIM_ERR_FAILED, false,
            "A component, such as a provider, failed to initialize for internal reasons."),
        ROW(WBEM_E_TRANSPORT_FAILURE, ECONNRESET, CIM_ERR_FAILED, true,
            "Networking error that prevents normal operation has occurred."),
        ROW(WBEM_E_INVALID_OPERATION, EINVAL, CIM_ERR_FAILED, false,
            "Requested operation is not valid."),
        ROW(WBEM_E_INVALID_QUERY, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Query was not syntactically valid."),
        ROW(WBEM_E_INVALID_QUERY_TYPE, EINVAL, CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED, false,
            "Requested query language is not supported."),
        ROW(WBEM_E_ALREADY_EXISTS, EEXIST, CIM_ERR_ALREADY_EXISTS, true,
            "In a put operation, the wbemChangeFlagCreateOnly flag was specified, but the "
            "instance already exists."),
        ROW(WBEM_E_OVERRIDE_NOT_ALLOWED, EPERM, CIM_ERR_FAILED, false,
            "Not possible to perform the add operation on this qualifier because the owning "
            "object does not permit overrides."),
        ROW(WBEM_E_PROPAGATED_QUALIFIER, EPERM, CIM_ERR_FAILED, false,
            "User attempted to delete a qualifier that was not owned."),
        ROW(WBEM_E_PROPAGATED_PROPERTY, EPERM, CIM_ERR_FAILED, false,
            "User attempted to delete a property that was not owned."),
        ROW(WBEM_E_UNEXPECTED, EIO, CIM_ERR_FAILED, false,
            "Client made an unexpected and illegal sequence of calls."),
        ROW(WBEM_E_ILLEGAL_OPERATION, EPERM, CIM_ERR_FAILED, false,
            "User requested an illegal operation, such as spawning a class from an instance."),
        ROW(WBEM_E_CANNOT_BE_KEY, EINVAL, CIM_ERR_FAILED, false,
            "Illegal attempt to specify a key qualifier on a property that cannot be a key."),
        ROW(WBEM_E_INCOMPLETE_CLASS, EINVAL, CIM_ERR_FAILED, false,
            "Current object is not a valid class definition."),
        ROW(WBEM_E_INVALID_SYNTAX, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Query is syntactically not valid."),
        ROW(WBEM_E_READ_ONLY, EROFS, CIM_ERR_FAILED, true,
            "The property that you are attempting to modify is read-only."),
        ROW(WBEM_E_PROVIDER_NOT_CAPABLE, EOPNOTSUPP, CIM_ERR_NOT_SUPPORTED, false,
            "Provider cannot perform the requested operation."),
        ROW(WBEM_E_CLASS_HAS_CHILDREN, ENOTEMPTY, CIM_ERR_CLASS_HAS_CHILDREN, true,
            "Attempt was made to make a change that invalidates a subclass."),
        ROW(WBEM_E_CLASS_HAS_INSTANCES, ENOTEMPTY, CIM_ERR_CLASS_HAS_INSTANCES, false,
            "Attempt was made to delete or modify a class that has instances."),
        ROW(WBEM_E_QUERY_NOT_IMPLEMENTED, EOPNOTSUPP, CIM_ERR_NOT_SUPPORTED, false,
            "Query not implemented."),
        ROW(WBEM_E_ILLEGAL_NULL, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Value of Nothing/NULL was specified for a property that must have a value."),
        ROW(WBEM_E_INVALID_QUALIFIER_TYPE, EINVAL, CIM_ERR_TYPE_MISMATCH, false,
            "Variant value for a qualifier was provided that is not a legal qualifier type."),
        ROW(WBEM_E_INVALID_PROPERTY_TYPE, EINVAL, CIM_ERR_TYPE_MISMATCH, false,
            "CIM type specified for a property is not valid."),
        ROW(WBEM_E_VALUE_OUT_OF_RANGE, ERANGE, CIM_ERR_INVALID_PARAMETER, true,
            "Request is using a value that is out of range or is incompatible with the type."),
        ROW(WBEM_E_CANNOT_BE_SINGLETON, EINVAL, CIM_ERR_FAILED, false,
            "Illegal attempt was made to make a class singleton."),
        ROW(WBEM_E_INVALID_CIM_TYPE, EINVAL, CIM_ERR_TYPE_MISMATCH, false,
            "CIM type specified is not valid."),
        ROW(WBEM_E_INVALID_METHOD, EINVAL, CIM_ERR_METHOD_NOT_FOUND, false,
            "Requested method is not available."),
        ROW(WBEM_E_INVALID_METHOD_PARAMETERS, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Parameters provided for the method are not valid."),
        ROW(WBEM_E_SYSTEM_PROPERTY, EPERM, CIM_ERR_FAILED, false,
            "There was an attempt to get qualifiers on a system property."),
        ROW(WBEM_E_INVALID_PROPERTY, EINVAL, CIM_ERR_NO_SUCH_PROPERTY, false,
            "Property type is not recognized."),
        ROW(WBEM_E_CALL_CANCELLED, ECANCELED, CIM_ERR_FAILED, true,
            "Asynchronous process has been canceled internally or by the user."),
        ROW(WBEM_E_SHUTTING_DOWN, ESHUTDOWN, CIM_ERR_FAILED, true,
            "User has requested an operation while WMI is in the process of shutting down."),
        ROW(WBEM_E_PROPAGATED_METHOD, EPERM, CIM_ERR_FAILED, false,
            "Attempt was made to reuse an existing method name from a parent class and the "
            "signatures do not match."),
        ROW(WBEM_E_UNSUPPORTED_PARAMETER, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "One or more parameter values, such as a query text, is too complex or unsupported."),
        ROW(WBEM_E_MISSING_PARAMETER_ID, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Parameter was missing from the method call."),
        ROW(WBEM_E_INVALID_PARAMETER_ID, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Method parameter has an ID qualifier that is not valid."),
        ROW(WBEM_E_NONCONSECUTIVE_PARAMETER_IDS, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "One or more of the method parameters have ID qualifiers that are out of sequence."),
        ROW(WBEM_E_PARAMETER_ID_ON_RETVAL, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Return value for a method has an ID qualifier."),
        ROW(WBEM_E_INVALID_OBJECT_PATH, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Specified object path was not valid."),
        ROW(WBEM_E_OUT_OF_DISK_SPACE, ENOSPC, CIM_ERR_FAILED, true,
            "Disk is out of space or the 4 GB limit on WMI repository size is reached."),
        ROW(WBEM_E_BUFFER_TOO_SMALL, ENOBUFS, CIM_ERR_FAILED, true,
            "Supplied buffer was too small to hold all of the objects in the enumerator or to "
            "read a string property."),
        ROW(WBEM_E_UNSUPPORTED_PUT_EXTENSION, EOPNOTSUPP, CIM_ERR_NOT_SUPPORTED, false,
            "Provider does not support the requested put operation."),
        ROW(WBEM_E_UNKNOWN_OBJECT_TYPE, EBADMSG, CIM_ERR_FAILED, false,
            "Object with an incorrect type or version was encountered during marshaling."),
        ROW(WBEM_E_UNKNOWN_PACKET_TYPE, EPROTO, CIM_ERR_FAILED, true,
            "Packet with an incorrect type or version was encountered during marshaling."),
        ROW(WBEM_E_MARSHAL_VERSION_MISMATCH, EPROTONOSUPPORT, CIM_ERR_FAILED, true,
            "Packet has an unsupported version."),
        ROW(WBEM_E_MARSHAL_INVALID_SIGNATURE, EBADMSG, CIM_ERR_FAILED, false,
            "Packet appears to be corrupt."),
        ROW(WBEM_E_INVALID_QUALIFIER, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Attempt was made to mismatch qualifiers, such as putting [key] on an object instead "
            "of a property."),
        ROW(WBEM_E_INVALID_DUPLICATE_PARAMETER, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Duplicate parameter was declared in a CIM method."),
        ROW(WBEM_E_TOO_MUCH_DATA, EMSGSIZE, CIM_ERR_FAILED, true, "Reserved for future use."),
        ROW(WBEM_E_SERVER_TOO_BUSY, EBUSY, CIM_ERR_FAILED, true,
            "Call to IWbemObjectSink::Indicate has failed. The provider can refire the event."),
        ROW(WBEM_E_INVALID_FLAVOR, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "Specified qualifier flavor was not valid."),
        ROW(WBEM_E_CIRCULAR_REFERENCE, ELOOP, CIM_ERR_FAILED, true,
            "Attempt was made to create a reference that is circular (for example, deriving a "
            "class from itself)."),
        ROW(WBEM_E_UNSUPPORTED_CLASS_UPDATE, EOPNOTSUPP, CIM_ERR_NOT_SUPPORTED, false,
            "Specified class is not supported."),
        ROW(WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE, EINVAL, CIM_ERR_FAILED, false,
            "Attempt was made to change a key when instances or subclasses are already using the "
            "key."),
        ROW(WBEM_E_CANNOT_CHANGE_INDEX_INHERITANCE, EINVAL, CIM_ERR_FAILED, false,
            "An attempt was made to change an index when instances or subclasses are already "
            "using the index."),
        ROW(WBEM_E_TOO_MANY_PROPERTIES, E2BIG, CIM_ERR_FAILED, true,
            "Attempt was made to create more properties than the current version of the class "
            "supports."),
        ROW(WBEM_E_UPDATE_TYPE_MISMATCH, EINVAL, CIM_ERR_TYPE_MISMATCH, false,
            "Property was redefined with a conflicting type in a derived class."),
        ROW(WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED, EPERM, CIM_ERR_FAILED, false,
            "Attempt was made in a derived class to override a qualifier that cannot be "
            "overridden."),
        ROW(WBEM_E_UPDATE_PROPAGATED_METHOD, EPERM, CIM_ERR_FAILED, false,
            "Method was re-declared with a conflicting signature in a derived class."),
        ROW(WBEM_E_METHOD_NOT_IMPLEMENTED, ENOSYS, CIM_ERR_METHOD_NOT_AVAILABLE, true,
            "Attempt was made to execute a method not marked with [implemented] in any relevant "
            "class."),
        ROW(WBEM_E_METHOD_DISABLED, EOPNOTSUPP, CIM_ERR_METHOD_NOT_AVAILABLE, false,
            "Attempt was made to execute a method marked with [disabled]."),
        ROW(WBEM_E_REFRESHER_BUSY, EBUSY, CIM_ERR_FAILED, false,
            "Refresher is busy with another operation."),
        ROW(WBEM_E_UNPARSABLE_QUERY, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Filtering query is syntactically not valid."),
        ROW(WBEM_E_NOT_EVENT_CLASS, EINVAL, CIM_ERR_INVALID_CLASS, false,
            "The FROM clause of a filtering query references a class that is not an event class."),
        ROW(WBEM_E_MISSING_GROUP_WITHIN, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "A GROUP BY clause was used without the corresponding GROUP WITHIN clause."),
        ROW(WBEM_E_MISSING_AGGREGATION_LIST, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "A GROUP BY clause was used. Aggregation on all properties is not supported."),
        ROW(WBEM_E_PROPERTY_NOT_AN_OBJECT, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Dot notation was used on a property that is not an embedded object."),
        ROW(WBEM_E_AGGREGATING_BY_OBJECT, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "A GROUP BY clause references a property that is an embedded object without using "
            "dot notation."),
        ROW(WBEM_E_UNINTERPRETABLE_PROVIDER_QUERY, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Event provider registration query (__EventProviderRegistration) did not specify the "
            "classes for which events were provided."),
        ROW(WBEM_E_QUEUE_OVERFLOW, ENOBUFS, CIM_ERR_FAILED, false,
            "Request was made to back up or restore the repository while it was in use, or an "
            "event queue overflowed."),
        ROW(WBEM_E_PRIVILEGE_NOT_HELD, EPERM, CIM_ERR_ACCESS_DENIED, true,
            "Security privilege required to perform the operation is not held."),
        ROW(WBEM_E_INVALID_OPERATOR, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Operator is not valid for this property type."),
        ROW(WBEM_E_CANNOT_BE_ABSTRACT, EINVAL, CIM_ERR_FAILED, false,
            "User attempted to make a class abstract when it has instances or cannot be abstract."),
        ROW(WBEM_E_AMENDED_OBJECT, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "User attempted to write an object with amended qualifiers without the amended flag."),
        ROW(WBEM_E_CLIENT_TOO_SLOW, ENOBUFS, CIM_ERR_FAILED, false,
            "Client did not retrieve objects quickly enough from an enumeration."),
        ROW(WBEM_E_TIMED_OUT, ETIMEDOUT, CIM_ERR_FAILED, true, "The operation timed out."),
        ROW(WBEM_E_INVALID_ASSOCIATION, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "The association is not valid."),
        ROW(WBEM_E_AMBIGUOUS_OPERATION, EINVAL, CIM_ERR_FAILED, false,
            "The operation cannot be completed because it is ambiguous."),
        ROW(WBEM_E_QUOTA_VIOLATION, ENOBUFS, CIM_ERR_FAILED, false,
            "WMI is taking up too much memory or a quota was exceeded."),
        ROW(WBEM_E_UNSUPPORTED_LOCALE, EINVAL, CIM_ERR_NOT_SUPPORTED, false,
            "The specified locale ID was not valid for the operation."),
        ROW(WBEM_E_HANDLE_OUT_OF_DATE, ESTALE, CIM_ERR_FAILED, true, "The handle is out of date."),
        ROW(WBEM_E_CONNECTION_FAILED, ECONNREFUSED, CIM_ERR_FAILED, true,
            "Connection to the server failed."),
        ROW(WBEM_E_INVALID_HANDLE_REQUEST, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "The handle request was not valid."),
        ROW(WBEM_E_PROPERTY_NAME_TOO_WIDE, ENAMETOOLONG, CIM_ERR_INVALID_PARAMETER, true,
            "Property name contains more than 255 characters."),
        ROW(WBEM_E_CLASS_NAME_TOO_WIDE, ENAMETOOLONG, CIM_ERR_INVALID_PARAMETER, false,
            "Class name contains more than 255 characters."),
        ROW(WBEM_E_METHOD_NAME_TOO_WIDE, ENAMETOOLONG, CIM_ERR_INVALID_PARAMETER, false,
            "Method name contains more than 255 characters."),
        ROW(WBEM_E_QUALIFIER_NAME_TOO_WIDE, ENAMETOOLONG, CIM_ERR_INVALID_PARAMETER, false,
            "Qualifier name contains more than 255 characters."),
        ROW(WBEM_E_RERUN_COMMAND, EAGAIN, CIM_ERR_FAILED, false,
            "The SQL command must be rerun because there is a deadlock in SQL."),
        ROW(WBEM_E_DATABASE_VER_MISMATCH, EPROTONOSUPPORT, CIM_ERR_FAILED, false,
            "The database version does not match the version that the repository driver "
            "processes."),
        ROW(WBEM_E_VETO_DELETE, EPERM, CIM_ERR_FAILED, false,
            "WMI cannot execute the delete operation because the provider does not allow it."),
        ROW(WBEM_E_VETO_PUT, EPERM, CIM_ERR_FAILED, false,
            "WMI cannot execute the put operation because the provider does not allow it."),
        ROW(WBEM_E_INVALID_LOCALE, EINVAL, CIM_ERR_INVALID_PARAMETER, false,
            "The specified locale identifier was not valid for the operation."),
        ROW(WBEM_E_PROVIDER_SUSPENDED, EAGAIN, CIM_ERR_FAILED, false, "The provider is suspended."),
        ROW(WBEM_E_SYNCHRONIZATION_REQUIRED, EAGAIN, CIM_ERR_FAILED, false,
            "The object must be written to the WMI repository and retrieved again before the "
            "requested operation can succeed."),
        ROW(WBEM_E_NO_SCHEMA, ENOENT, CIM_ERR_NOT_FOUND, false,
            "The operation cannot be completed; no schema is available."),
        ROW(WBEM_E_PROVIDER_ALREADY_REGISTERED, EEXIST, CIM_ERR_ALREADY_EXISTS, false,
            "The provider cannot be registered because it is already registered."),
        ROW(WBEM_E_PROVIDER_NOT_REGISTERED, ESRCH, CIM_ERR_FAILED, false,
            "The provider was not registered."),
        ROW(WBEM_E_FATAL_TRANSPORT_ERROR, ECONNABORTED, CIM_ERR_FAILED, true,
            "A fatal transport error occurred."),
        ROW(WBEM_E_ENCRYPTED_CONNECTION_REQUIRED, EACCES, CIM_ERR_ACCESS_DENIED, false,
            "The client connection to WINMGMT must be encrypted for this operation."),
        ROW(WBEM_E_PROVIDER_TIMED_OUT, ETIMEDOUT, CIM_ERR_FAILED, false,
            "A provider failed to report results within the specified timeout."),
        ROW(WBEM_E_NO_KEY, ENOKEY, CIM_ERR_INVALID_PARAMETER, true,
            "User attempted to put an instance with no defined key."),
        ROW(WBEM_E_PROVIDER_DISABLED, ENODEV, CIM_ERR_FAILED, true,
            "User attempted to register a provider instance but the COM server for the provider "
            "instance was unloaded."),
        ROW(WBEMESS_E_REGISTRATION_TOO_BROAD, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "Provider registration overlaps with the system event domain."),
        ROW(WBEMESS_E_REGISTRATION_TOO_PRECISE, EINVAL, CIM_ERR_INVALID_QUERY, false,
            "A WITHIN clause was not used in this query."),
        ROW(WBEMESS_E_AUTHZ_NOT_PRIVILEGED, EACCES, CIM_ERR_ACCESS_DENIED, false,
            "This computer does not have the necessary domain permissions to support the "
            "security functions that relate to the created subscription."),
};

/*
 * errnos that are not the errno of any row but that code commonly returns;
 * lwmi_status_from_errno() maps them to the closest status.
 */
static const struct {
        int err;
        lwmi_status status;
} errno_aliases[] = {
        { ENODATA, (lwmi_status) LWMI_WBEM_E_NOT_FOUND },
        { ENOTDIR, (lwmi_status) LWMI_WBEM_E_NOT_FOUND },
        { EILSEQ, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER },
        { EBADF, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER },
        { EFAULT, (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER },
        { ENOTTY, (lwmi_status) LWMI_WBEM_E_NOT_SUPPORTED },
        { EOVERFLOW, (lwmi_status) LWMI_WBEM_E_VALUE_OUT_OF_RANGE },
        { EDOM, (lwmi_status) LWMI_WBEM_E_VALUE_OUT_OF_RANGE },
        { EINTR, (lwmi_status) LWMI_WBEM_E_CALL_CANCELLED },
        { EPIPE, (lwmi_status) LWMI_WBEM_E_TRANSPORT_FAILURE },
        { ENOTCONN, (lwmi_status) LWMI_WBEM_E_TRANSPORT_FAILURE },
        { ECONNABORTED, (lwmi_status) LWMI_WBEM_E_FATAL_TRANSPORT_ERROR },
        { EHOSTUNREACH, (lwmi_status) LWMI_WBEM_E_CONNECTION_FAILED },
        { ENETUNREACH, (lwmi_status) LWMI_WBEM_E_CONNECTION_FAILED },
        { EDQUOT, (lwmi_status) LWMI_WBEM_E_QUOTA_VIOLATION },
        { EMFILE, (lwmi_status) LWMI_WBEM_E_QUOTA_VIOLATION },
        { ENFILE, (lwmi_status) LWMI_WBEM_E_QUOTA_VIOLATION },
        { EBADMSG, (lwmi_status) LWMI_WBEM_E_INVALID_STREAM },
        { ECHILD, (lwmi_status) LWMI_WBEM_E_INVALID_OPERATION },
        { ENOMSG, (lwmi_status) LWMI_WBEM_E_INVALID_STREAM },
        { EUCLEAN, (lwmi_status) LWMI_WBEM_E_CRITICAL_ERROR },
};

static const StatusRow *status_find(lwmi_status status) {
        for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
                if (status_table[i].status == status)
                        return &status_table[i];
        return NULL;
}

/* A status has failure severity when its top bit is set. */
static bool status_is_failure(lwmi_status status) {
        return (status & 0x80000000u) != 0;
}

_public_ const char *lwmi_status_name(lwmi_status status) {
        const StatusRow *r = status_find(status);

        return r ? r->name : "WBEM_E_UNKNOWN";
}

_public_ const char *lwmi_status_message(lwmi_status status) {
        const StatusRow *r = status_find(status);

        if (r)
                return r->message;
        return status_is_failure(status) ? "Unknown WBEM error." : "Unknown WBEM success status.";
}

_public_ int lwmi_status_to_errno(lwmi_status status) {
        const StatusRow *r = status_find(status);

        if (r)
                return -r->err;
        return status_is_failure(status) ? -EIO : 0;
}

_public_ lwmi_status lwmi_status_from_errno(int err) {
        if (err < 0)
                err = -err;
        if (err == 0)
                return (lwmi_status) LWMI_WBEM_S_NO_ERROR;
        for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
                if (status_table[i].primary && status_table[i].err == err)
                        return status_table[i].status;
        for (size_t i = 0; i < ELEMENTSOF(errno_aliases); i++)
                if (errno_aliases[i].err == err)
                        return errno_aliases[i].status;
        return (lwmi_status) LWMI_WBEM_E_FAILED;
}

_public_ uint32_t lwmi_status_to_cim(lwmi_status status) {
        const StatusRow *r = status_find(status);

        if (r)
                return r->cim;
        return status_is_failure(status) ? CIM_ERR_FAILED : CIM_ERR_OK;
}

_public_ int lwmi_error_set(lwmi_error *err, lwmi_status status, const char *fmt, ...) {
        if (err) {
                *err = (lwmi_error){
                        .status = status,
                        .cim_status = lwmi_status_to_cim(status),
                };
                if (fmt) {
                        va_list ap;

                        va_start(ap, fmt);
                        (void) vsnprintf(err->message, sizeof(err->message), fmt, ap);
                        va_end(ap);
                } else {
                        (void) snprintf(err->message, sizeof(err->message), "%s",
                                        lwmi_status_message(status));
                }
        }
        return lwmi_status_to_errno(status);
}

/**
 * cim_status_table_size() - number of rows of the status table (for tests).
 *
 * Return: the row count.
 */
size_t cim_status_table_size(void) {
        return ELEMENTSOF(status_table);
}

/**
 * cim_status_table_get() - the status of row @i of the status table (for tests).
 * @i: row index, below cim_status_table_size()
 * @ret_primary: whether the row is the primary row of its errno (optional)
 *
 * Return: the status.
 */
lwmi_status cim_status_table_get(size_t i, bool *ret_primary) {
        if (ret_primary)
                *ret_primary = status_table[i].primary;
        return status_table[i].status;
}
