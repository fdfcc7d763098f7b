/* SPDX-License-Identifier: MIT */
/*
 * WQL, the WMI Query Language: lexer, parser, canonical formatter and a
 * compiled evaluator that is independent of storage (property values come
 * from a lookup callback).
 *
 * Windows counterparts: the query engine behind IWbemServices::ExecQuery,
 * ExecNotificationQuery and the __EventFilter.Query of permanent subscriptions
 * (WBEM_E_INVALID_QUERY, WBEM_E_INVALID_QUERY_TYPE, ... on failure).
 *
 * Supported statements:
 *
 *   SELECT * | prop[, prop...] FROM Class [WITHIN n] [WHERE cond]
 *          [GROUP WITHIN n [BY prop[, prop...]] [HAVING cond]]
 *   ASSOCIATORS OF {path} [WHERE AssocClass = C ClassDefsOnly KeysOnly
 *          RequiredAssocQualifier = Q RequiredQualifier = Q ResultClass = C
 *          ResultRole = R Role = R SchemaOnly]
 *   REFERENCES OF {path} [WHERE ClassDefsOnly KeysOnly RequiredQualifier = Q
 *          ResultClass = C Role = R SchemaOnly]
 *
 * A condition combines comparisons "prop op constant" (or "constant op prop",
 * which is turned around: "5 < A" is "A > 5") with NOT, AND, OR and
 * parentheses; NOT binds tightest, then AND, then OR. Operators: = <> != < >
 * <= >= LIKE, NOT LIKE, ISA, IS [NOT] NULL. "prop = NULL" is read as
 * "prop IS NULL" and "prop <> NULL" as "prop IS NOT NULL". A property is a name
 * or a dotted path into embedded objects (TargetInstance.Name); system
 * properties (__CLASS, __PATH, __RELPATH, __NAMESPACE, __SERVER, __GENUS,
 * __SUPERCLASS, __DERIVATION, __DYNASTY) and __this are names like any other.
 * Comparing two properties, or two constants, is WBEM_E_INVALID_QUERY, as in
 * WMI. Keywords, names and string comparisons are case-insensitive (ASCII
 * folding, as lwmi_name_eq()).
 *
 * Literals: strings in single or double quotes whose only escapes are \\, \"
 * and \' (anything else after a backslash is refused, as WMI refuses
 * LIKE "PCI\%"); integers in decimal or 0x hex, optionally negative, within
 * the range of sint64 / uint64; reals (1.5, 2e-3); TRUE, FALSE, NULL.
 *
 * Evaluation semantics (wql_query_eval()), by the type of the property value:
 *
 *  - NULL value: every comparison, LIKE and ISA is false; IS NULL is true.
 *  - integers, reals, char16: numeric comparison with a numeric constant, or
 *    with a string constant that is a number; TRUE/FALSE constants are a type
 *    mismatch.
 *  - boolean: with TRUE/FALSE or the strings "TRUE"/"FALSE" (FALSE < TRUE).
 *  - string, reference: case-insensitive comparison with a string constant;
 *    a numeric or boolean constant compares as its canonical spelling.
 *  - datetime: the string constant is converted to a datetime once, when the
 *    query is parsed: the 25-character DMTF form, or "yyyy-mm-dd[ hh:mm[:ss]]"
 *    (also with / or . separators, taken as UTC). Datetimes that cannot be
 *    ordered (wildcards, timestamp against interval) compare false.
 *  - arrays: only IS [NOT] NULL; anything else is WBEM_E_INVALID_QUERY (WMI
 *    does not allow array properties in WHERE).
 *  - embedded objects: only ISA and IS [NOT] NULL; dotted paths walk into them.
 *
 * A type mismatch is an evaluation error with WBEM_E_TYPE_MISMATCH. AND and
 * OR short-circuit from left to right, so errors are only raised by the terms
 * that are evaluated.
 *
 * Not thread-safe except where stated: a parsed WqlQuery is immutable, so any
 * number of threads may evaluate the same query at the same time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwmi/common.h>

/* Longest query text accepted, in bytes (WBEM_E_QUOTA_VIOLATION beyond). */
#define WQL_QUERY_MAX      16384
/* Deepest nesting of parentheses and NOT (WBEM_E_QUOTA_VIOLATION beyond). */
#define WQL_DEPTH_MAX      64
/* Most parts of a dotted property path (TargetInstance.A.B...). */
#define WQL_PATH_PARTS_MAX 8
/* Most entries in a select list or a BY list. */
#define WQL_LIST_MAX       256

/**
 * struct WqlError - why a query failed to parse or to evaluate.
 * @status: the WBEM status (LWMI_WBEM_E_INVALID_QUERY, ..._INVALID_QUERY_TYPE,
 *          ..._NOT_SUPPORTED, ..._TYPE_MISMATCH, ..._INVALID_PROPERTY, ...)
 * @col: 1-based column (in characters) of the offending token; 0 if none
 * @token: the offending token as written ("" at the end of the query), owned
 * @message: a human readable explanation, owned
 *
 * Initialize with WQL_ERROR_INIT; release with wql_error_deinit(). Functions
 * that fill an error release what it held before.
 */
typedef struct WqlError {
        lwmi_status status;
        unsigned col;
        char *token;
        char *message;
} WqlError;

#define WQL_ERROR_INIT \
 { .status = 0, .col = 0, .token = NULL, .message = NULL }

/**
 * wql_error_deinit() - release the strings of @e and reset it to WQL_ERROR_INIT.
 * @e: an initialized error
 */
void wql_error_deinit(WqlError *e);

/**
 * wql_error_to_lwmi() - copy @e into a public lwmi_error ("token" at column N: message).
 * @e: a filled error
 * @ret: the public error, or NULL (then nothing happens)
 *
 * Return: lwmi_status_to_errno(@e->status).
 */
int wql_error_to_lwmi(const WqlError *e, lwmi_error *ret);

static inline void wql_error_deinitp(WqlError *e) {
        wql_error_deinit(e);
}

typedef enum WqlQueryType {
        WQL_QUERY_SELECT = 1,
        WQL_QUERY_ASSOCIATORS,
        WQL_QUERY_REFERENCES,
} WqlQueryType;

/**
 * struct WqlProperty - a property path as the query names it.
 * @path: the dotted path, as first written in the query ("TargetInstance.Name")
 * @parts: its @n_parts names ({"TargetInstance", "Name"}); parts[0] is the
 *         top-level property that lookup callbacks resolve
 * @n_parts: 1 .. WQL_PATH_PARTS_MAX
 * @index: position in WqlQuery.props (WHERE and HAVING properties), or in the
 *         select / BY list for those
 * @root: index of parts[0] among the distinct top-level names of
 *        WqlQuery.props (0 .. WqlQuery.n_roots - 1): callbacks may bind
 *        their storage to it once per query
 * @is_system: parts[0] is a system property ("__CLASS", "__this", ...)
 */
typedef struct WqlProperty {
        char *path;
        char **parts;
        size_t n_parts;
        unsigned index;
        unsigned root;
        bool is_system;
} WqlProperty;

typedef enum WqlOp {
        WQL_OP_OR = 1,
        WQL_OP_AND,
        WQL_OP_NOT,
        WQL_OP_EQ,
        WQL_OP_NE,
        WQL_OP_LT,
        WQL_OP_LE,
        WQL_OP_GT,
        WQL_OP_GE,
        WQL_OP_LIKE,
        WQL_OP_ISA,
        WQL_OP_IS_NULL,
        WQL_OP_IS_NOT_NULL,
} WqlOp;

typedef enum WqlConstKind {
        WQL_CONST_NULL = 0,
        WQL_CONST_BOOL,
        WQL_CONST_INT,
        WQL_CONST_REAL,
        WQL_CONST_STRING,
} WqlConstKind;

typedef struct WqlPattern WqlPattern;

/**
 * struct WqlConst - a literal, with the conversions evaluation needs done once.
 * @kind: what was written
 * @boolean: BOOL; also STRING that reads "TRUE"/"FALSE" (@has_bool)
 * @is_uint: INT above INT64_MAX (then @uint holds it, else @sint)
 * @sint: INT (or a STRING that reads as an integer, @has_int)
 * @uint: INT above INT64_MAX
 * @real: REAL, or the value of any numeric constant as a double (@has_number)
 * @text: STRING: the unescaped text; other kinds: the canonical spelling
 *        (compared with string properties); owned, NUL-terminated
 * @n_text: strlen(@text)
 * @folded: @text with ASCII upper case folded to lower case, owned
 * @has_number: @real (and @sint/@uint when @has_int) hold the number
 * @has_int: the number is an integer
 * @has_bool: @boolean holds the truth value
 * @has_datetime: @datetime holds the STRING converted to a datetime
 * @datetime: see @has_datetime
 * @pattern: LIKE: the compiled pattern, owned
 */
typedef struct WqlConst {
        WqlConstKind kind;
        bool boolean;
        bool is_uint;
        bool has_number;
        bool has_int;
        bool has_bool;
        bool has_datetime;
        int64_t sint;
        uint64_t uint;
        double real;
        char *text;
        size_t n_text;
        char *folded;
        lwmi_datetime datetime;
        WqlPattern *pattern;
} WqlConst;

/**
 * struct WqlExpr - a node of a compiled condition.
 * @op: the operator
 * @col: column of the property (comparisons) or of the operator (AND, OR, NOT)
 * @children: AND, OR: @n_children >= 2 operands, never of the same operator
 *            (nested ANDs and ORs are flattened); NOT: exactly one
 * @n_children: see @children
 * @prop: comparisons, LIKE, ISA, IS [NOT] NULL: the property (in WqlQuery.props)
 * @value: EQ .. ISA: the constant (ISA: the class name, a STRING)
 */
typedef struct WqlExpr {
        WqlOp op;
        unsigned col;
        struct WqlExpr **children;
        size_t n_children;
        const WqlProperty *prop;
        WqlConst value;
} WqlExpr;

/* Flags of ASSOCIATORS OF / REFERENCES OF. */
enum {
        WQL_ASSOC_CLASS_DEFS_ONLY = 1 << 0,
        WQL_ASSOC_SCHEMA_ONLY = 1 << 1,
        WQL_ASSOC_KEYS_ONLY = 1 << 2,
};

/**
 * struct WqlQuery - a parsed query (read-only for users).
 * @type: SELECT, ASSOCIATORS or REFERENCES
 * @class_name: SELECT: the FROM class, as written
 * @is_schema: SELECT: the FROM class is meta_class (a schema query)
 * @select_all: SELECT *
 * @select: SELECT: the listed properties (when not @select_all)
 * @n_select: see @select
 * @where: the condition, or NULL
 * @has_within: WITHIN n was given; @within is n in seconds (> 0)
 * @within: see @has_within
 * @has_group: GROUP WITHIN n was given; @group_within is n in seconds (> 0)
 * @group_within: see @has_group
 * @group_by: GROUP ... BY properties
 * @n_group_by: see @group_by
 * @having: HAVING condition (evaluated on the aggregate event), or NULL
 * @props: every distinct property path of @where and @having (case-insensitive)
 * @n_props: see @props
 * @n_roots: number of distinct top-level names among @props
 * @object_path: ASSOCIATORS / REFERENCES: the text between the braces, trimmed
 * @assoc_flags: WQL_ASSOC_* flags
 * @assoc_class: AssocClass = C, or NULL
 * @required_assoc_qualifier: RequiredAssocQualifier = Q, or NULL
 * @required_qualifier: RequiredQualifier = Q, or NULL
 * @result_class: ResultClass = C, or NULL
 * @result_role: ResultRole = R, or NULL
 * @role: Role = R, or NULL
 */
typedef struct WqlQuery {
        WqlQueryType type;
        char *class_name;
        bool is_schema;
        bool select_all;
        WqlProperty **select;
        size_t n_select;
        WqlExpr *where;
        bool has_within;
        double within;
        bool has_group;
        double group_within;
        WqlProperty **group_by;
        size_t n_group_by;
        WqlExpr *having;
        WqlProperty **props;
        size_t n_props;
        size_t n_roots;
        char *object_path;
        unsigned assoc_flags;
        char *assoc_class;
        char *required_assoc_qualifier;
        char *required_qualifier;
        char *result_class;
        char *result_role;
        char *role;
} WqlQuery;

/**
 * wql_query_parse() - parse and compile a query.
 * @text: the query, NUL-terminated UTF-8
 * @ret: the query (free with wql_query_free())
 * @reterr: filled on -EINVAL (may be NULL)
 *
 * Return: 0; -EINVAL when the text is not a valid query (@reterr says why,
 * with WBEM_E_INVALID_QUERY, WBEM_E_INVALID_QUERY_TYPE for a statement other
 * than SELECT / ASSOCIATORS OF / REFERENCES OF, WBEM_E_NOT_SUPPORTED for SQL
 * that WQL lacks (ORDER BY, JOIN, DISTINCT, functions, ...),
 * WBEM_E_MISSING_GROUP_WITHIN, WBEM_E_QUOTA_VIOLATION beyond WQL_QUERY_MAX or
 * WQL_DEPTH_MAX); -ENOMEM.
 */
int wql_query_parse(const char *text, WqlQuery **ret, WqlError *reterr);

/**
 * wql_query_parse_n() - wql_query_parse() on @n bytes that need no NUL (a NUL
 * byte inside is an invalid character).
 */
int wql_query_parse_n(const char *text, size_t n, WqlQuery **ret, WqlError *reterr);

/** wql_query_free() - free a query; accepts NULL. Return: NULL. */
WqlQuery *wql_query_free(WqlQuery *q);

static inline void wql_query_freep(WqlQuery **q) {
        if (*q)
                wql_query_free(*q);
}

/**
 * wql_query_format() - render a query as canonical WQL text.
 * @q: the query
 * @ret: new string (free())
 *
 * Keywords in upper case, names as first written, strings double-quoted,
 * integers in decimal, comparisons with the property on the left, the fewest
 * parentheses that keep the meaning. Parsing the result gives a query that
 * formats to the same text.
 *
 * Return: 0 or -ENOMEM.
 */
int wql_query_format(const WqlQuery *q, char **ret);

/**
 * wql_expr_format() - render one condition (as in wql_query_format()).
 * Return: 0 or -ENOMEM.
 */
int wql_expr_format(const WqlExpr *e, char **ret);

/**
 * wql_query_has_event_clauses() - whether the query uses WITHIN or GROUP,
 * which only event queries may use. Whether the FROM class is an event class
 * (so that the query is an event query) is for the broker to decide.
 */
bool wql_query_has_event_clauses(const WqlQuery *q);

/**
 * wql_query_get_class() - the FROM class of a SELECT (borrowed), else NULL.
 */
const char *wql_query_get_class(const WqlQuery *q);

/**
 * wql_query_get_target_class() - the class named by "TargetInstance ISA "C""
 * when the WHERE requires it: the whole condition, or one of the terms of a
 * top-level AND. Borrowed; NULL when there is none (or it is only one branch
 * of an OR).
 */
const char *wql_query_get_target_class(const WqlQuery *q);

/**
 * wql_query_find_property() - a property of WqlQuery.props by path, case-insensitive.
 * Return: the property (borrowed) or NULL.
 */
const WqlProperty *wql_query_find_property(const WqlQuery *q, const char *path);

/**
 * typedef WqlLookupFn - resolve a top-level property for one object.
 * @userdata: the caller's
 * @prop: the property; resolve @prop->parts[0] (the evaluator walks the rest
 *        of a dotted path through embedded objects); @prop->root identifies
 *        the name among the query's top-level names. "__this" must give the
 *        object itself as a LWMI_CIM_OBJECT value.
 *
 * Return: the value (borrowed; valid until the callback is called again or
 * the evaluation ends) or NULL when the object has no such property
 * (evaluation then fails with WBEM_E_INVALID_PROPERTY).
 */
typedef const lwmi_value *(*WqlLookupFn)(void *userdata, const WqlProperty *prop);

/**
 * typedef WqlIsaFn - the ISA test.
 * @userdata: the caller's
 * @value: the non-NULL property value (an embedded object, or a reference or
 *         string that names an object for callbacks that can resolve it)
 * @class_name: the class after ISA
 *
 * Return: 1 when @value's class is @class_name or derives from it, 0 when not,
 * a negative errno on failure.
 */
typedef int (*WqlIsaFn)(void *userdata, const lwmi_value *value, const char *class_name);

/**
 * wql_query_eval() - evaluate the WHERE of @q for one object.
 * @q: the query
 * @lookup: resolves properties
 * @isa: the ISA test, or NULL for lwmi_object_derives_from() on embedded
 *       objects (other values are then a type mismatch)
 * @userdata: passed to the callbacks
 * @ret_match: whether the object satisfies the condition (true without WHERE)
 * @reterr: filled on -EINVAL (may be NULL)
 *
 * Does not allocate unless it fails. Thread-safe for concurrent callers on
 * the same @q.
 *
 * Return: 0; -EINVAL (@reterr: WBEM_E_INVALID_PROPERTY, WBEM_E_TYPE_MISMATCH,
 * WBEM_E_INVALID_QUERY for arrays, WBEM_E_PROPERTY_NOT_AN_OBJECT for a dotted
 * path through a scalar); a negative errno from @isa.
 */
int wql_query_eval(const WqlQuery *q, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                   bool *ret_match, WqlError *reterr);

/**
 * wql_query_eval_having() - evaluate the HAVING condition on an aggregate
 * event (NumberOfEvents and the BY properties), as wql_query_eval().
 */
int wql_query_eval_having(const WqlQuery *q, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                          bool *ret_match, WqlError *reterr);

/**
 * wql_expr_eval() - evaluate one condition, as wql_query_eval().
 */
int wql_expr_eval(const WqlExpr *e, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                  bool *ret_match, WqlError *reterr);

/**
 * wql_query_eval_object() - evaluate the WHERE of @q against an object.
 * @q: the query
 * @o: an instance, or a class for schema queries; properties come from
 *     lwmi_object_peek(), system properties from lwmi_object_get(), __this is
 *     @o itself, ISA is lwmi_object_derives_from()
 * @ret_match: the result
 * @reterr: filled on -EINVAL (may be NULL)
 *
 * Return: 0, -EINVAL (as wql_query_eval()), -ENOMEM.
 */
int wql_query_eval_object(const WqlQuery *q, const lwmi_object *o, bool *ret_match,
                          WqlError *reterr);

/**
 * wql_like_match() - match @s against a LIKE pattern (% _ [set] [^set] [a-f]),
 * case-insensitively. A convenience over the compiled form used by queries.
 * @pattern: the pattern, as the unescaped string literal
 * @s: the subject, NUL-terminated UTF-8
 *
 * Return: 1 (match), 0 (no match), -EINVAL (bad pattern), -ENOMEM.
 */
int wql_like_match(const char *pattern, const char *s);
