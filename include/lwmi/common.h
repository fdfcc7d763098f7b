/* SPDX-License-Identifier: MIT */
/*
 * lwmi common types: WBEM status codes, CIM types and values, GUIDs, DMTF
 * datetimes, objects (classes and instances) and object paths.
 *
 * Windows counterparts: HRESULT WBEM_E_* (WbemCli.h), CIMTYPE_ENUMERATION,
 * VARIANT, GUID, IWbemClassObject (Get, Put, SpawnInstance, GetObjectText),
 * IWbemPath / SWbemObjectPath.
 *
 * Not thread-safe except where stated: an object is used by one thread at a
 * time. Reference counts are plain (not atomic).
 */
#ifndef LWMI_COMMON_H
#define LWMI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Status codes                                                               */
/* ------------------------------------------------------------------------- */

/*
 * WBEM status codes with WMI's names and numeric values (WbemCli.h). The
 * public API returns negative errno; calls that can fail with a WBEM status
 * also fill an optional lwmi_error.
 */
enum {
        LWMI_WBEM_S_NO_ERROR = 0,
        LWMI_WBEM_S_FALSE = 1,
        LWMI_WBEM_S_TIMEDOUT = 0x40004,
        LWMI_WBEM_S_NO_MORE_DATA = 0x40005,
        LWMI_WBEM_E_FAILED = (int32_t) 0x80041001,
        LWMI_WBEM_E_NOT_FOUND = (int32_t) 0x80041002,
        LWMI_WBEM_E_ACCESS_DENIED = (int32_t) 0x80041003,
        LWMI_WBEM_E_PROVIDER_FAILURE = (int32_t) 0x80041004,
        LWMI_WBEM_E_TYPE_MISMATCH = (int32_t) 0x80041005,
        LWMI_WBEM_E_OUT_OF_MEMORY = (int32_t) 0x80041006,
        LWMI_WBEM_E_INVALID_CONTEXT = (int32_t) 0x80041007,
        LWMI_WBEM_E_INVALID_PARAMETER = (int32_t) 0x80041008,
        LWMI_WBEM_E_NOT_AVAILABLE = (int32_t) 0x80041009,
        LWMI_WBEM_E_CRITICAL_ERROR = (int32_t) 0x8004100A,
        LWMI_WBEM_E_INVALID_STREAM = (int32_t) 0x8004100B,
        LWMI_WBEM_E_NOT_SUPPORTED = (int32_t) 0x8004100C,
        LWMI_WBEM_E_INVALID_SUPERCLASS = (int32_t) 0x8004100D,
        LWMI_WBEM_E_INVALID_NAMESPACE = (int32_t) 0x8004100E,
        LWMI_WBEM_E_INVALID_OBJECT = (int32_t) 0x8004100F,
        LWMI_WBEM_E_INVALID_CLASS = (int32_t) 0x80041010,
        LWMI_WBEM_E_PROVIDER_NOT_FOUND = (int32_t) 0x80041011,
        LWMI_WBEM_E_INVALID_PROVIDER_REGISTRATION = (int32_t) 0x80041012,
        LWMI_WBEM_E_PROVIDER_LOAD_FAILURE = (int32_t) 0x80041013,
        LWMI_WBEM_E_INITIALIZATION_FAILURE = (int32_t) 0x80041014,
        LWMI_WBEM_E_TRANSPORT_FAILURE = (int32_t) 0x80041015,
        LWMI_WBEM_E_INVALID_OPERATION = (int32_t) 0x80041016,
        LWMI_WBEM_E_INVALID_QUERY = (int32_t) 0x80041017,
        LWMI_WBEM_E_INVALID_QUERY_TYPE = (int32_t) 0x80041018,
        LWMI_WBEM_E_ALREADY_EXISTS = (int32_t) 0x80041019,
        LWMI_WBEM_E_OVERRIDE_NOT_ALLOWED = (int32_t) 0x8004101A,
        LWMI_WBEM_E_PROPAGATED_QUALIFIER = (int32_t) 0x8004101B,
        LWMI_WBEM_E_PROPAGATED_PROPERTY = (int32_t) 0x8004101C,
        LWMI_WBEM_E_UNEXPECTED = (int32_t) 0x8004101D,
        LWMI_WBEM_E_ILLEGAL_OPERATION = (int32_t) 0x8004101E,
        LWMI_WBEM_E_CANNOT_BE_KEY = (int32_t) 0x8004101F,
        LWMI_WBEM_E_INCOMPLETE_CLASS = (int32_t) 0x80041020,
        LWMI_WBEM_E_INVALID_SYNTAX = (int32_t) 0x80041021,
        LWMI_WBEM_E_READ_ONLY = (int32_t) 0x80041023,
        LWMI_WBEM_E_PROVIDER_NOT_CAPABLE = (int32_t) 0x80041024,
        LWMI_WBEM_E_CLASS_HAS_CHILDREN = (int32_t) 0x80041025,
        LWMI_WBEM_E_CLASS_HAS_INSTANCES = (int32_t) 0x80041026,
        LWMI_WBEM_E_QUERY_NOT_IMPLEMENTED = (int32_t) 0x80041027,
        LWMI_WBEM_E_ILLEGAL_NULL = (int32_t) 0x80041028,
        LWMI_WBEM_E_INVALID_QUALIFIER_TYPE = (int32_t) 0x80041029,
        LWMI_WBEM_E_INVALID_PROPERTY_TYPE = (int32_t) 0x8004102A,
        LWMI_WBEM_E_VALUE_OUT_OF_RANGE = (int32_t) 0x8004102B,
        LWMI_WBEM_E_CANNOT_BE_SINGLETON = (int32_t) 0x8004102C,
        LWMI_WBEM_E_INVALID_CIM_TYPE = (int32_t) 0x8004102D,
        LWMI_WBEM_E_INVALID_METHOD = (int32_t) 0x8004102E,
        LWMI_WBEM_E_INVALID_METHOD_PARAMETERS = (int32_t) 0x8004102F,
        LWMI_WBEM_E_SYSTEM_PROPERTY = (int32_t) 0x80041030,
        LWMI_WBEM_E_INVALID_PROPERTY = (int32_t) 0x80041031,
        LWMI_WBEM_E_CALL_CANCELLED = (int32_t) 0x80041032,
        LWMI_WBEM_E_SHUTTING_DOWN = (int32_t) 0x80041033,
        LWMI_WBEM_E_PROPAGATED_METHOD = (int32_t) 0x80041034,
        LWMI_WBEM_E_UNSUPPORTED_PARAMETER = (int32_t) 0x80041035,
        LWMI_WBEM_E_MISSING_PARAMETER_ID = (int32_t) 0x80041036,
        LWMI_WBEM_E_INVALID_PARAMETER_ID = (int32_t) 0x80041037,
        LWMI_WBEM_E_NONCONSECUTIVE_PARAMETER_IDS = (int32_t) 0x80041038,
        LWMI_WBEM_E_PARAMETER_ID_ON_RETVAL = (int32_t) 0x80041039,
        LWMI_WBEM_E_INVALID_OBJECT_PATH = (int32_t) 0x8004103A,
        LWMI_WBEM_E_OUT_OF_DISK_SPACE = (int32_t) 0x8004103B,
        LWMI_WBEM_E_BUFFER_TOO_SMALL = (int32_t) 0x8004103C,
        LWMI_WBEM_E_UNSUPPORTED_PUT_EXTENSION = (int32_t) 0x8004103D,
        LWMI_WBEM_E_UNKNOWN_OBJECT_TYPE = (int32_t) 0x8004103E,
        LWMI_WBEM_E_UNKNOWN_PACKET_TYPE = (int32_t) 0x8004103F,
        LWMI_WBEM_E_MARSHAL_VERSION_MISMATCH = (int32_t) 0x80041040,
        LWMI_WBEM_E_MARSHAL_INVALID_SIGNATURE = (int32_t) 0x80041041,
        LWMI_WBEM_E_INVALID_QUALIFIER = (int32_t) 0x80041042,
        LWMI_WBEM_E_INVALID_DUPLICATE_PARAMETER = (int32_t) 0x80041043,
        LWMI_WBEM_E_TOO_MUCH_DATA = (int32_t) 0x80041044,
        LWMI_WBEM_E_SERVER_TOO_BUSY = (int32_t) 0x80041045,
        LWMI_WBEM_E_INVALID_FLAVOR = (int32_t) 0x80041046,
        LWMI_WBEM_E_CIRCULAR_REFERENCE = (int32_t) 0x80041047,
        LWMI_WBEM_E_UNSUPPORTED_CLASS_UPDATE = (int32_t) 0x80041048,
        LWMI_WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE = (int32_t) 0x80041049,
        LWMI_WBEM_E_CANNOT_CHANGE_INDEX_INHERITANCE = (int32_t) 0x80041050,
        LWMI_WBEM_E_TOO_MANY_PROPERTIES = (int32_t) 0x80041051,
        LWMI_WBEM_E_UPDATE_TYPE_MISMATCH = (int32_t) 0x80041052,
        LWMI_WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED = (int32_t) 0x80041053,
        LWMI_WBEM_E_UPDATE_PROPAGATED_METHOD = (int32_t) 0x80041054,
        LWMI_WBEM_E_METHOD_NOT_IMPLEMENTED = (int32_t) 0x80041055,
        LWMI_WBEM_E_METHOD_DISABLED = (int32_t) 0x80041056,
        LWMI_WBEM_E_REFRESHER_BUSY = (int32_t) 0x80041057,
        LWMI_WBEM_E_UNPARSABLE_QUERY = (int32_t) 0x80041058,
        LWMI_WBEM_E_NOT_EVENT_CLASS = (int32_t) 0x80041059,
        LWMI_WBEM_E_MISSING_GROUP_WITHIN = (int32_t) 0x8004105A,
        LWMI_WBEM_E_MISSING_AGGREGATION_LIST = (int32_t) 0x8004105B,
        LWMI_WBEM_E_PROPERTY_NOT_AN_OBJECT = (int32_t) 0x8004105C,
        LWMI_WBEM_E_AGGREGATING_BY_OBJECT = (int32_t) 0x8004105D,
        LWMI_WBEM_E_UNINTERPRETABLE_PROVIDER_QUERY = (int32_t) 0x8004105F,
        LWMI_WBEM_E_QUEUE_OVERFLOW = (int32_t) 0x80041061,
        LWMI_WBEM_E_PRIVILEGE_NOT_HELD = (int32_t) 0x80041062,
        LWMI_WBEM_E_INVALID_OPERATOR = (int32_t) 0x80041063,
        LWMI_WBEM_E_CANNOT_BE_ABSTRACT = (int32_t) 0x80041065,
        LWMI_WBEM_E_AMENDED_OBJECT = (int32_t) 0x80041066,
        LWMI_WBEM_E_CLIENT_TOO_SLOW = (int32_t) 0x80041067,
        LWMI_WBEM_E_TIMED_OUT = (int32_t) 0x80041069,
        LWMI_WBEM_E_INVALID_ASSOCIATION = (int32_t) 0x8004106A,
        LWMI_WBEM_E_AMBIGUOUS_OPERATION = (int32_t) 0x8004106B,
        LWMI_WBEM_E_QUOTA_VIOLATION = (int32_t) 0x8004106C,
        LWMI_WBEM_E_UNSUPPORTED_LOCALE = (int32_t) 0x8004106F,
        LWMI_WBEM_E_HANDLE_OUT_OF_DATE = (int32_t) 0x80041070,
        LWMI_WBEM_E_CONNECTION_FAILED = (int32_t) 0x80041071,
        LWMI_WBEM_E_INVALID_HANDLE_REQUEST = (int32_t) 0x80041072,
        LWMI_WBEM_E_PROPERTY_NAME_TOO_WIDE = (int32_t) 0x80041073,
        LWMI_WBEM_E_CLASS_NAME_TOO_WIDE = (int32_t) 0x80041074,
        LWMI_WBEM_E_METHOD_NAME_TOO_WIDE = (int32_t) 0x80041075,
        LWMI_WBEM_E_QUALIFIER_NAME_TOO_WIDE = (int32_t) 0x80041076,
        LWMI_WBEM_E_RERUN_COMMAND = (int32_t) 0x80041077,
        LWMI_WBEM_E_DATABASE_VER_MISMATCH = (int32_t) 0x80041078,
        LWMI_WBEM_E_VETO_DELETE = (int32_t) 0x80041079,
        LWMI_WBEM_E_VETO_PUT = (int32_t) 0x8004107A,
        LWMI_WBEM_E_INVALID_LOCALE = (int32_t) 0x80041080,
        LWMI_WBEM_E_PROVIDER_SUSPENDED = (int32_t) 0x80041081,
        LWMI_WBEM_E_SYNCHRONIZATION_REQUIRED = (int32_t) 0x80041082,
        LWMI_WBEM_E_NO_SCHEMA = (int32_t) 0x80041083,
        LWMI_WBEM_E_PROVIDER_ALREADY_REGISTERED = (int32_t) 0x80041084,
        LWMI_WBEM_E_PROVIDER_NOT_REGISTERED = (int32_t) 0x80041085,
        LWMI_WBEM_E_FATAL_TRANSPORT_ERROR = (int32_t) 0x80041086,
        LWMI_WBEM_E_ENCRYPTED_CONNECTION_REQUIRED = (int32_t) 0x80041087,
        LWMI_WBEM_E_PROVIDER_TIMED_OUT = (int32_t) 0x80041088,
        LWMI_WBEM_E_NO_KEY = (int32_t) 0x80041089,
        LWMI_WBEM_E_PROVIDER_DISABLED = (int32_t) 0x8004108A,
        LWMI_WBEMESS_E_REGISTRATION_TOO_BROAD = (int32_t) 0x80042001,
        LWMI_WBEMESS_E_REGISTRATION_TOO_PRECISE = (int32_t) 0x80042002,
        LWMI_WBEMESS_E_AUTHZ_NOT_PRIVILEGED = (int32_t) 0x80042003,
};

/* The status values are 32-bit HRESULTs; they are carried as uint32_t. */
typedef uint32_t lwmi_status;

/*
 * struct lwmi_error - WBEM failure details, filled by calls that take
 * a "lwmi_error *reterr_error" (which may be NULL).
 * @status: the WBEM status (LWMI_WBEM_E_*), as WMI numbers it
 * @cim_status: the CIM status code of DMTF DSP0200 (1 = CIM_ERR_FAILED, ...)
 * @message: a human readable description (NUL-terminated, may be truncated)
 */
typedef struct lwmi_error {
        lwmi_status status;
        uint32_t cim_status;
        char message[512];
} lwmi_error;

/**
 * lwmi_status_name() - WMI's symbolic name of a status ("WBEM_E_NOT_FOUND").
 * @status: a WBEM status
 *
 * Return: a static string; "WBEM_E_UNKNOWN" for a value the table lacks.
 */
const char *lwmi_status_name(lwmi_status status);

/**
 * lwmi_status_message() - the description of a status ("Object cannot be found").
 * @status: a WBEM status
 *
 * Return: a static string, never NULL.
 */
const char *lwmi_status_message(lwmi_status status);

/**
 * lwmi_status_to_errno() - the negative errno that the public API returns for @status.
 * @status: a WBEM status
 *
 * Return: 0 for success statuses, a negative errno otherwise (-ENOENT for
 * WBEM_E_NOT_FOUND, -EACCES for WBEM_E_ACCESS_DENIED, -EINVAL for
 * WBEM_E_INVALID_QUERY, ...). The full table is in src/core/status.c.
 */
int lwmi_status_to_errno(lwmi_status status);

/**
 * lwmi_status_from_errno() - the WBEM status that best describes an errno.
 * @err: an errno value, positive or negative
 *
 * Return: LWMI_WBEM_S_NO_ERROR for 0, LWMI_WBEM_E_FAILED for unknown values.
 */
lwmi_status lwmi_status_from_errno(int err);

/**
 * lwmi_status_to_cim() - the DSP0200 CIM status code for a WBEM status.
 * @status: a WBEM status
 *
 * Return: 0 (CIM_ERR_OK) .. 17; 1 (CIM_ERR_FAILED) for anything without a match.
 */
uint32_t lwmi_status_to_cim(lwmi_status status);

/**
 * lwmi_error_set() - fill an error (no-op when @err is NULL).
 * @err: the error to fill, or NULL
 * @status: a WBEM status
 * @fmt: printf format of the message, or NULL for lwmi_status_message(@status)
 *
 * Return: lwmi_status_to_errno(@status), so that callers can write
 * "return lwmi_error_set(err, LWMI_WBEM_E_NOT_FOUND, "no class %s", name);".
 */
int lwmi_error_set(lwmi_error *err, lwmi_status status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------- */
/* CIM types                                                                  */
/* ------------------------------------------------------------------------- */

/* CIM types, numbered as WMI's CIMTYPE_ENUMERATION. */
enum {
        LWMI_CIM_EMPTY = 0,
        LWMI_CIM_SINT16 = 2,
        LWMI_CIM_SINT32 = 3,
        LWMI_CIM_REAL32 = 4,
        LWMI_CIM_REAL64 = 5,
        LWMI_CIM_STRING = 8,
        LWMI_CIM_BOOLEAN = 11,
        LWMI_CIM_OBJECT = 13,
        LWMI_CIM_SINT8 = 16,
        LWMI_CIM_UINT8 = 17,
        LWMI_CIM_UINT16 = 18,
        LWMI_CIM_UINT32 = 19,
        LWMI_CIM_SINT64 = 20,
        LWMI_CIM_UINT64 = 21,
        LWMI_CIM_DATETIME = 101,
        LWMI_CIM_REFERENCE = 102,
        LWMI_CIM_CHAR16 = 103,
        LWMI_CIM_FLAG_ARRAY = 0x2000,
};
typedef uint32_t lwmi_cimtype;

#define LWMI_CIM_BASE(t)     ((lwmi_cimtype) (t) & ~(lwmi_cimtype) LWMI_CIM_FLAG_ARRAY)
#define LWMI_CIM_IS_ARRAY(t) (((t) &LWMI_CIM_FLAG_ARRAY) != 0)

/**
 * lwmi_cimtype_name() - the MOF spelling of a type ("uint32", "string", "datetime").
 * @type: a CIM type; the array flag is ignored
 *
 * Return: a static string, "unknown" for an invalid type.
 */
const char *lwmi_cimtype_name(lwmi_cimtype type);

/**
 * lwmi_cimtype_from_name() - parse a MOF type name, case-insensitively.
 * @name: "uint8" ... "datetime", "object", "char16", "String"
 * @ret_type: the type
 *
 * Return: 0, or -EINVAL for an unknown name. "ref" is not a name: references
 * are written "Class ref" in MOF and handled by the MOF parser.
 */
int lwmi_cimtype_from_name(const char *name, lwmi_cimtype *ret_type);

/* ------------------------------------------------------------------------- */
/* GUIDs                                                                      */
/* ------------------------------------------------------------------------- */

/* A GUID with the field layout and byte order of Windows' GUID. */
typedef struct lwmi_guid {
        uint32_t data1;
        uint16_t data2;
        uint16_t data3;
        uint8_t data4[8];
} lwmi_guid;

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" plus NUL */
#define LWMI_GUID_STRING_MAX 39

/**
 * lwmi_guid_parse() - parse a GUID written with or without braces.
 * @s: "A1C15015-B069-11d1-9290-00A0C9062910" or "{...}" (hex digits of any case)
 * @ret_guid: the GUID
 *
 * Return: 0, or -EINVAL when @s is not exactly one GUID.
 */
int lwmi_guid_parse(const char *s, lwmi_guid *ret_guid);

/**
 * lwmi_guid_format() - format a GUID with braces in upper case, as WMI prints it.
 * @g: the GUID
 * @out: room for LWMI_GUID_STRING_MAX bytes
 *
 * Return: @out.
 */
char *lwmi_guid_format(const lwmi_guid *g, char out[LWMI_GUID_STRING_MAX]);

bool lwmi_guid_equal(const lwmi_guid *a, const lwmi_guid *b);
bool lwmi_guid_is_null(const lwmi_guid *g);

/* ------------------------------------------------------------------------- */
/* Datetimes (DMTF)                                                           */
/* ------------------------------------------------------------------------- */

/*
 * A CIM datetime: a timestamp "yyyymmddhhmmss.mmmmmmsutc" (s is '+' or '-',
 * utc the offset in minutes) or an interval "ddddddddhhmmss.mmmmmm:000".
 * Fields written as asterisks are "unused"; their bit is set in @wildcards.
 */
typedef struct lwmi_datetime {
        bool is_interval;
        uint16_t wildcards;    /* LWMI_DATETIME_WILD_* bits */
        int16_t utc_offset;    /* minutes east of UTC; timestamps only */
        uint32_t year;         /* timestamps: 0..9999 */
        uint32_t month;        /* 1..12 */
        uint32_t day;          /* timestamps: 1..31; intervals: 0..99999999 days */
        uint32_t hour;         /* 0..23 */
        uint32_t minute;       /* 0..59 */
        uint32_t second;       /* 0..60 (leap second) */
        uint32_t microseconds; /* 0..999999 */
} lwmi_datetime;

enum {
        LWMI_DATETIME_WILD_YEAR = 1 << 0,
        LWMI_DATETIME_WILD_MONTH = 1 << 1,
        LWMI_DATETIME_WILD_DAY = 1 << 2,
        LWMI_DATETIME_WILD_HOUR = 1 << 3,
        LWMI_DATETIME_WILD_MINUTE = 1 << 4,
        LWMI_DATETIME_WILD_SECOND = 1 << 5,
        LWMI_DATETIME_WILD_MICROSECONDS = 1 << 6, /* any '*' among the 6 digits */
        LWMI_DATETIME_WILD_UTC = 1 << 7,
};

/* 25 characters plus NUL */
#define LWMI_DATETIME_STRING_MAX 26

/**
 * lwmi_datetime_parse() - parse a 25-character DMTF datetime or interval.
 * @s: the text
 * @ret_dt: the datetime
 *
 * Return: 0, or -EINVAL when @s is not a valid DMTF datetime (wrong length,
 * out-of-range field, bad separator).
 */
int lwmi_datetime_parse(const char *s, lwmi_datetime *ret_dt);

/**
 * lwmi_datetime_format() - format a datetime in the DMTF 25-character form.
 * @dt: the datetime
 * @out: room for LWMI_DATETIME_STRING_MAX bytes
 *
 * Return: @out.
 */
char *lwmi_datetime_format(const lwmi_datetime *dt, char out[LWMI_DATETIME_STRING_MAX]);

/**
 * lwmi_datetime_compare() - order two datetimes.
 * @a: first
 * @b: second
 * @ret_cmp: <0, 0, >0
 *
 * Timestamps compare as instants (UTC offsets applied); intervals compare by
 * length. Return: 0, or -EINVAL when one is a timestamp and the other an
 * interval, or when either has wildcards.
 */
int lwmi_datetime_compare(const lwmi_datetime *a, const lwmi_datetime *b, int *ret_cmp);

/**
 * lwmi_datetime_from_unix_usec() - a timestamp from microseconds since the epoch.
 * @usec: microseconds since 1970-01-01T00:00:00Z
 * @utc_offset: minutes east of UTC to express the result in
 * @ret_dt: the timestamp
 *
 * Return: 0 or -ERANGE (years outside 0..9999).
 */
int lwmi_datetime_from_unix_usec(int64_t usec, int16_t utc_offset, lwmi_datetime *ret_dt);

/**
 * lwmi_datetime_to_unix_usec() - microseconds since the epoch (timestamps) or
 * the length in microseconds (intervals).
 * @dt: a datetime without wildcards
 * @ret_usec: the result
 *
 * Return: 0 or -EINVAL (wildcards).
 */
int lwmi_datetime_to_unix_usec(const lwmi_datetime *dt, int64_t *ret_usec);

/* ------------------------------------------------------------------------- */
/* Values                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct lwmi_object lwmi_object;

/*
 * struct lwmi_value - a tagged CIM value (the VARIANT of lwmi).
 * @type: the CIM type, with LWMI_CIM_FLAG_ARRAY for arrays
 * @is_null: NULL value of that type
 *
 * Storage by base type: booleans in @u.boolean; sint8..sint64 in @u.sint;
 * uint8..uint64 in @u.uint; real32/real64 in @u.real; char16 in @u.char16;
 * string and reference (an object path) in @u.string (UTF-8, owned);
 * datetime in @u.datetime; object in @u.object (a reference is held).
 * Arrays hold @u.array.n elements in @u.array.items, each of the base type
 * and never NULL-valued in MOF terms (but @is_null may be set on an element).
 *
 * A value owns what it points to; release it with lwmi_value_clear().
 * LWMI_VALUE_NULL is a NULL value of type LWMI_CIM_EMPTY.
 */
typedef struct lwmi_value {
        lwmi_cimtype type;
        bool is_null;
        union {
                bool boolean;
                int64_t sint;
                uint64_t uint;
                double real;
                uint16_t char16;
                char *string;
                lwmi_datetime datetime;
                lwmi_object *object;
                struct {
                        size_t n;
                        struct lwmi_value *items;
                } array;
        } u;
} lwmi_value;

#define LWMI_VALUE_NULL \
 { .type = LWMI_CIM_EMPTY, .is_null = true }

/** lwmi_value_clear() - release what @v owns and make it LWMI_VALUE_NULL. */
void lwmi_value_clear(lwmi_value *v);

/**
 * lwmi_value_copy() - deep copy (objects are referenced, not cloned).
 * @dst: uninitialized or cleared destination
 * @src: source
 *
 * Return: 0 or -ENOMEM (then @dst is LWMI_VALUE_NULL).
 */
int lwmi_value_copy(lwmi_value *dst, const lwmi_value *src);

/* Constructors: fill @v (uninitialized) with a non-NULL value. Strings are copied. */
void lwmi_value_set_bool(lwmi_value *v, bool b);
void lwmi_value_set_sint(lwmi_value *v, lwmi_cimtype type, int64_t i);
void lwmi_value_set_uint(lwmi_value *v, lwmi_cimtype type, uint64_t u);
void lwmi_value_set_real(lwmi_value *v, lwmi_cimtype type, double r);
void lwmi_value_set_char16(lwmi_value *v, uint16_t c);
void lwmi_value_set_datetime(lwmi_value *v, const lwmi_datetime *dt);
/* Return 0 or -ENOMEM. @type is LWMI_CIM_STRING or LWMI_CIM_REFERENCE. */
int lwmi_value_set_string(lwmi_value *v, lwmi_cimtype type, const char *s);
/* Takes a reference on @o. */
void lwmi_value_set_object(lwmi_value *v, lwmi_object *o);
/* An array of @n elements of base type @type, each initialized to a NULL of that type. */
int lwmi_value_set_array(lwmi_value *v, lwmi_cimtype type, size_t n);
/* A NULL of a given type. */
void lwmi_value_set_null(lwmi_value *v, lwmi_cimtype type);

/**
 * lwmi_value_convert() - convert a value to another CIM type, as WMI coerces a
 * Put() or a MOF literal.
 * @src: the value
 * @type: the target type (may carry LWMI_CIM_FLAG_ARRAY)
 * @ret: uninitialized destination
 *
 * Integers convert between widths with a range check; strings parse as
 * numbers, booleans ("TRUE"/"FALSE"), datetimes and references; numbers
 * format as strings; a NULL converts to a NULL of @type; a scalar does not
 * convert to an array or back.
 *
 * Return: 0, -ERANGE (out of range for @type), -EINVAL (not convertible),
 * -ENOMEM.
 */
int lwmi_value_convert(const lwmi_value *src, lwmi_cimtype type, lwmi_value *ret);

/**
 * lwmi_value_compare() - order two values as WQL does.
 * @a: first
 * @b: second
 * @ret_cmp: <0, 0, >0
 *
 * Numbers compare numerically across signedness and width (and with reals);
 * strings and references compare case-insensitively; booleans FALSE < TRUE;
 * datetimes with lwmi_datetime_compare(); char16 as a number or as a one
 * character string. Return: 0, or -EINVAL if the values cannot be compared
 * (different kinds, arrays, objects, either NULL).
 */
int lwmi_value_compare(const lwmi_value *a, const lwmi_value *b, int *ret_cmp);

/** lwmi_value_equal() - deep equality, including type and NULL-ness (strings case-sensitive). */
bool lwmi_value_equal(const lwmi_value *a, const lwmi_value *b);

/**
 * lwmi_value_to_mof() - the value as a MOF literal ("abc" quoted and escaped,
 * 42, TRUE, {1, 2}, NULL, instance of X {...} for objects).
 * @v: the value
 * @ret: new string
 *
 * Return: 0 or -ENOMEM.
 */
int lwmi_value_to_mof(const lwmi_value *v, char **ret);

/**
 * lwmi_value_to_text() - the value for humans: strings unquoted, arrays as
 * "{a, b}", NULL as "NULL" (used by wmic's table and list formats).
 */
int lwmi_value_to_text(const lwmi_value *v, char **ret);

/**
 * lwmi_value_to_json() - the value as JSON (strings escaped, 64-bit integers
 * as numbers, datetimes as their DMTF string, objects as JSON objects).
 */
int lwmi_value_to_json(const lwmi_value *v, char **ret);

/* ------------------------------------------------------------------------- */
/* Qualifier flavors                                                          */
/* ------------------------------------------------------------------------- */

enum {
        LWMI_FLAVOR_DISABLE_OVERRIDE = 1 << 0, /* default: EnableOverride */
        LWMI_FLAVOR_RESTRICTED = 1 << 1,       /* default: ToSubclass */
        LWMI_FLAVOR_TO_INSTANCE = 1 << 2,
        LWMI_FLAVOR_TRANSLATABLE = 1 << 3,
        LWMI_FLAVOR_AMENDED = 1 << 4,
        LWMI_FLAVOR_PROPAGATED = 1 << 5, /* inherited from the superclass */
};

/* ------------------------------------------------------------------------- */
/* Objects: classes and instances                                             */
/* ------------------------------------------------------------------------- */

/*
 * An lwmi_object is either a class definition or an instance of a class, like
 * IWbemClassObject. It is reference counted; lwmi_object_unref() accepts NULL.
 *
 * A class holds its qualifiers, its properties (inherited ones first, in
 * superclass order, marked propagated), each with type, qualifiers and default
 * value, and its methods with their in/out parameters. An instance holds a
 * reference to its class and one value per property.
 *
 * Property names are case-insensitive. System properties (__CLASS, __PATH,
 * __RELPATH, __NAMESPACE, __SERVER, __GENUS, __SUPERCLASS, __DERIVATION,
 * __DYNASTY, __PROPERTY_COUNT) are computed by lwmi_object_get().
 */

lwmi_object *lwmi_object_ref(lwmi_object *o);
lwmi_object *lwmi_object_unref(lwmi_object *o);

/**
 * lwmi_class_new() - a new, empty class definition.
 * @name: a valid class name
 * @superclass: a resolved superclass definition (its members are inherited),
 *              or NULL
 * @ret: the class
 *
 * Return: 0, -EINVAL (invalid name), -ENOMEM.
 */
int lwmi_class_new(const char *name, lwmi_object *superclass, lwmi_object **ret);

/**
 * lwmi_class_add_property() - declare a property.
 * @cls: a class
 * @name: the property name, unique in @cls (case-insensitive)
 * @type: its CIM type (LWMI_CIM_FLAG_ARRAY for arrays)
 * @ref_class: for references and embedded objects, the class name (or NULL)
 * @ret_index: the index of the new property (optional)
 *
 * Redeclaring an inherited property overrides it (same type required).
 * Return: 0, -EEXIST (duplicate local property), -EINVAL, -ENOMEM.
 */
int lwmi_class_add_property(lwmi_object *cls, const char *name, lwmi_cimtype type,
                            const char *ref_class, size_t *ret_index);

/**
 * lwmi_class_add_method() - declare a method.
 * @cls: a class
 * @name: unique method name
 * @return_type: the return type (LWMI_CIM_EMPTY for void)
 * @ret_index: the index of the new method (optional)
 *
 * Return: 0, -EEXIST, -EINVAL, -ENOMEM.
 */
int lwmi_class_add_method(lwmi_object *cls, const char *name, lwmi_cimtype return_type,
                          size_t *ret_index);

/**
 * lwmi_class_add_parameter() - add a parameter to method @method of @cls.
 * @in: an [in] parameter
 * @out: an [out] parameter (both may be set)
 *
 * Return: 0, -EEXIST (duplicate parameter), -ENOENT (no such method), -ENOMEM.
 */
int lwmi_class_add_parameter(lwmi_object *cls, size_t method, const char *name, lwmi_cimtype type,
                             const char *ref_class, bool in, bool out);

/**
 * lwmi_class_spawn_instance() - a new instance of @cls with every property set
 * to the class default (IWbemClassObject::SpawnInstance).
 * @cls: a class
 * @ret: the instance
 *
 * Return: 0, -EINVAL (@cls is not a class), -ENOMEM.
 */
int lwmi_class_spawn_instance(lwmi_object *cls, lwmi_object **ret);

/**
 * lwmi_object_clone() - deep copy of an object (IWbemClassObject::Clone).
 */
int lwmi_object_clone(const lwmi_object *o, lwmi_object **ret);

bool lwmi_object_is_class(const lwmi_object *o);
/* Borrowed strings; namespace and server are NULL until the object is placed. */
const char *lwmi_object_get_class_name(const lwmi_object *o);
const char *lwmi_object_get_superclass(const lwmi_object *o);
const char *lwmi_object_get_namespace(const lwmi_object *o);
const char *lwmi_object_get_server(const lwmi_object *o);
/* The class an instance was spawned from (borrowed), or NULL for a class. */
lwmi_object *lwmi_object_get_class(const lwmi_object *o);
int lwmi_object_set_namespace(lwmi_object *o, const char *server, const char *namespace_);

/** lwmi_object_get_property_count() - number of (non-system) properties. */
size_t lwmi_object_get_property_count(const lwmi_object *o);

/**
 * lwmi_object_get_property_name() - name of property @index (borrowed), or NULL.
 */
const char *lwmi_object_get_property_name(const lwmi_object *o, size_t index);

/**
 * lwmi_object_find_property() - index of a property by name (case-insensitive).
 * Return: the index (>= 0) or -ENOENT.
 */
int lwmi_object_find_property(const lwmi_object *o, const char *name);

/**
 * lwmi_object_get() - read a property (IWbemClassObject::Get).
 * @o: class (reads the default) or instance
 * @name: property name, or a system property (__CLASS, __PATH, ...)
 * @ret_value: uninitialized; receives a copy (free with lwmi_value_clear())
 * @ret_type: the declared type of the property (optional)
 *
 * Return: 0, -ENOENT (no such property), -ENOMEM.
 */
int lwmi_object_get(const lwmi_object *o, const char *name, lwmi_value *ret_value,
                    lwmi_cimtype *ret_type);

/**
 * lwmi_object_peek() - borrow the stored value of a property (no system properties).
 * Return: the value (valid until the property changes) or NULL (no such property).
 */
const lwmi_value *lwmi_object_peek(const lwmi_object *o, const char *name);

/**
 * lwmi_object_peek_at() - borrow the stored value of property @index, the
 * counterpart of IWbemObjectAccess's property handles for programs that read
 * many objects of one class: the index that lwmi_object_find_property()
 * gives for a class holds for every instance of it (an instance has its
 * class's properties in the class's order), so it is looked up once per
 * class, not once per object.
 * @o: class or instance
 * @index: a property index (0 .. lwmi_object_get_property_count() - 1)
 *
 * Return: the value (valid until the property changes), or NULL for an index
 * out of range.
 */
const lwmi_value *lwmi_object_peek_at(const lwmi_object *o, size_t index);

/**
 * lwmi_object_put() - write a property (IWbemClassObject::Put).
 * @o: class (sets the default) or instance
 * @name: property name
 * @value: the value, converted to the property's type (lwmi_value_convert())
 *
 * Return: 0, -ENOENT (no such property), -ERANGE / -EINVAL (value does not
 * convert), -EPERM (system property), -ENOMEM.
 */
int lwmi_object_put(lwmi_object *o, const char *name, const lwmi_value *value);

/* Typed accessors; getters return -ENOENT, -EINVAL (wrong type) or -ENODATA (NULL value). */
int lwmi_object_get_bool(const lwmi_object *o, const char *name, bool *ret);
int lwmi_object_get_sint64(const lwmi_object *o, const char *name, int64_t *ret);
int lwmi_object_get_uint64(const lwmi_object *o, const char *name, uint64_t *ret);
int lwmi_object_get_real64(const lwmi_object *o, const char *name, double *ret);
/* Borrowed string (valid until the property changes). Works for references too. */
int lwmi_object_get_string(const lwmi_object *o, const char *name, const char **ret);
int lwmi_object_get_datetime(const lwmi_object *o, const char *name, lwmi_datetime *ret);
int lwmi_object_set_bool(lwmi_object *o, const char *name, bool b);
int lwmi_object_set_sint64(lwmi_object *o, const char *name, int64_t i);
int lwmi_object_set_uint64(lwmi_object *o, const char *name, uint64_t u);
int lwmi_object_set_real64(lwmi_object *o, const char *name, double r);
int lwmi_object_set_string(lwmi_object *o, const char *name, const char *s);
int lwmi_object_set_datetime(lwmi_object *o, const char *name, const lwmi_datetime *dt);
int lwmi_object_set_null(lwmi_object *o, const char *name);

/**
 * lwmi_object_get_qualifier() - borrow a qualifier value.
 * @o: a class or instance (instances see their class's qualifiers)
 * @property: property name, or NULL for a class qualifier
 * @qualifier: qualifier name (case-insensitive)
 *
 * Return: the value, or NULL when the qualifier (or property) is absent.
 */
const lwmi_value *lwmi_object_get_qualifier(const lwmi_object *o, const char *property,
                                            const char *qualifier);

/**
 * lwmi_object_set_qualifier() - set a qualifier on the class or on one of its
 * properties (@property NULL for the class).
 * @flavor: LWMI_FLAVOR_* bits
 *
 * Return: 0, -ENOENT (no such property), -ENOMEM.
 */
int lwmi_object_set_qualifier(lwmi_object *o, const char *property, const char *qualifier,
                              const lwmi_value *value, uint32_t flavor);

/** lwmi_object_get_method_count() / _get_method_name(): the class's methods. */
size_t lwmi_object_get_method_count(const lwmi_object *o);
const char *lwmi_object_get_method_name(const lwmi_object *o, size_t index);
int lwmi_object_find_method(const lwmi_object *o, const char *name);

/**
 * lwmi_object_get_method_signature() - the in- and out-parameter objects of a
 * method, as IWbemClassObject::GetMethod gives them: classes named
 * __PARAMETERS whose properties are the parameters (out also has
 * ReturnValue when the method returns a value).
 * @ret_in: new reference, or NULL when the method has no in-parameters
 * @ret_out: new reference, or NULL when it has no out-parameters nor return value
 *
 * Return: 0, -ENOENT (no such method), -ENOMEM.
 */
int lwmi_object_get_method_signature(const lwmi_object *o, const char *method, lwmi_object **ret_in,
                                     lwmi_object **ret_out);

/** lwmi_object_is_key() - whether property @name carries the Key qualifier. */
bool lwmi_object_is_key(const lwmi_object *o, const char *name);

/**
 * lwmi_object_derives_from() - whether @o's class is @class_name or one of its
 * subclasses (ISA), case-insensitive.
 */
bool lwmi_object_derives_from(const lwmi_object *o, const char *class_name);

/**
 * lwmi_object_to_mof() - the object as MOF text (IWbemClassObject::GetObjectText):
 * a class declaration with qualifiers, properties and methods, or
 * "instance of Class { Prop = value; };".
 */
int lwmi_object_to_mof(const lwmi_object *o, char **ret);

/**
 * lwmi_object_to_json() - the object as one JSON object: "__CLASS" and, for
 * instances, "__PATH" and every property with its value.
 */
int lwmi_object_to_json(const lwmi_object *o, char **ret);

/**
 * lwmi_object_get_path() - the object's path (__PATH, or __RELPATH when
 * @relative): Class.Key1="v",Key2=3, Class=@ for singletons, the class name for
 * a class.
 *
 * Return: 0, -ENOKEY (an instance with a NULL key), -ENOMEM.
 */
int lwmi_object_get_path(const lwmi_object *o, bool relative, char **ret);

/* ------------------------------------------------------------------------- */
/* Object paths                                                               */
/* ------------------------------------------------------------------------- */

/*
 * An object path: [\\server\namespace:]Class[.Key=value[,Key=value...] | =@ | =value].
 * Forward slashes are accepted for the server and namespace separators.
 */
typedef struct lwmi_path lwmi_path;

/**
 * lwmi_path_parse() - parse an object path.
 * @text: e.g. \\.\root\wmi:Sample_Block.InstanceName="dev0_0"
 * @ret: the path
 *
 * Key values are strings (double-quoted, with \" and \\ escapes), integers
 * (decimal or 0x hex, signed), TRUE/FALSE, or nested references. Return: 0,
 * -EINVAL (syntax error), -ENOMEM.
 */
int lwmi_path_parse(const char *text, lwmi_path **ret);
int lwmi_path_new(const char *class_name, lwmi_path **ret);
lwmi_path *lwmi_path_free(lwmi_path *p);

/* Borrowed; NULL when absent. */
const char *lwmi_path_get_server(const lwmi_path *p);
const char *lwmi_path_get_namespace(const lwmi_path *p);
const char *lwmi_path_get_class(const lwmi_path *p);
bool lwmi_path_is_singleton(const lwmi_path *p);
size_t lwmi_path_get_key_count(const lwmi_path *p);
/* Borrows the name and value of key @index; -ENOENT past the end. */
int lwmi_path_get_key(const lwmi_path *p, size_t index, const char **ret_name,
                      const lwmi_value **ret_value);
/* Finds a key by name (case-insensitive); NULL when absent. */
const lwmi_value *lwmi_path_find_key(const lwmi_path *p, const char *name);

int lwmi_path_set_server(lwmi_path *p, const char *server);
int lwmi_path_set_namespace(lwmi_path *p, const char *namespace_);
int lwmi_path_set_singleton(lwmi_path *p, bool singleton);
/* Adds a key; the value is copied. -EEXIST if the key is already present. */
int lwmi_path_add_key(lwmi_path *p, const char *name, const lwmi_value *value);

/**
 * lwmi_path_format() - format a path; keys in the order they were added,
 * strings quoted with \" and \\ escaped.
 * @relative: omit server and namespace
 */
int lwmi_path_format(const lwmi_path *p, bool relative, char **ret);

/**
 * lwmi_namespace_normalize() - "root/wmi", "ROOT\\WMI" and "\\\\.\\root\\wmi"
 * all name one namespace; this gives its canonical spelling with backslashes,
 * without server, case preserved.
 */
int lwmi_namespace_normalize(const char *ns, char **ret);

static inline void lwmi_object_unrefp(lwmi_object **p) {
        if (*p)
                lwmi_object_unref(*p);
}
static inline void lwmi_path_freep(lwmi_path **p) {
        if (*p)
                lwmi_path_free(*p);
}
static inline void lwmi_value_clearp(lwmi_value *v) {
        lwmi_value_clear(v);
}

#ifdef __cplusplus
}
#endif

#endif /* LWMI_COMMON_H */
