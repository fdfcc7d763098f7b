/* SPDX-License-Identifier: MIT */
/*
 * WQL evaluator tests: a table of conditions evaluated against one fixed
 * record (every CIM type, NULLs, arrays, an embedded object), each with the
 * expected result or evaluation error, plus lwmi_object evaluation, HAVING,
 * ISA callbacks and error details.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/name.h"
#include "shared/test.h"
#include "wql/wql.h"

#define T 1
#define F 0

typedef struct EvalCase {
        const char *where;
        long long expect; /* T, F, or a WBEM status (an evaluation error) */
} EvalCase;

static const EvalCase cases[] = {
        /* signed integers, against every numeric spelling */
        { "A = 42", T },
        { "A = 43", F },
        { "A <> 42", F },
        { "A != 41", T },
        { "A < 43", T },
        { "A < 42", F },
        { "A <= 42", T },
        { "A > 41", T },
        { "A > 42", F },
        { "A >= 42", T },
        { "43 > A", T },
        { "42 <= A", T },
        { "A = 42.0", T },
        { "A < 42.5", T },
        { "A = 0x2A", T },
        { "A = '42'", T },
        { "A > -1", T },
        { "A = 'abc'", LWMI_WBEM_E_TYPE_MISMATCH },
        { "A = TRUE", LWMI_WBEM_E_TYPE_MISMATCH },
        /* unsigned and negative, across signedness */
        { "U = 18446744073709551615", T },
        { "U > 9223372036854775807", T },
        { "U > -1", T },
        { "U = -1", F },
        { "U < 1.0", F },
        { "N < 0", T },
        { "N = -7", T },
        { "N < 18446744073709551615", T },
        { "N > -8", T },
        { "N >= -7.5", T },
        /* reals */
        { "R = 2.5", T },
        { "R > 2", T },
        { "R < 3", T },
        { "R = '2.5'", T },
        { "R >= 2.50", T },
        { "R <> 2.5", F },
        { "R = 'x'", LWMI_WBEM_E_TYPE_MISMATCH },
        /* strings: case-insensitive */
        { "Name = 'Device01'", T },
        { "Name = 'DEVICE01'", T },
        { "Name = \"device01\"", T },
        { "Name <> 'device01'", F },
        { "Name = 'Device0'", F },
        { "Name = 'Device011'", F },
        { "Name > 'Device00'", T },
        { "Name < 'devicf'", T },
        { "Name >= 'DEVICE01'", T },
        { "'device01' = Name", T },
        { "Empty = ''", T },
        { "Empty < 'a'", T },
        { "Name = 5", F },
        { "Num = 5", T },
        { "Num = 5.0", F },
        { "Uni = 'h\xc3\xa9llo'", T },
        { "Uni = 'H\xc3\xa9LLO'", T },
        { "Path = 'win32_x.key=1'", T },
        /* LIKE */
        { "Name LIKE 'dev%'", T },
        { "Name LIKE 'DEV%'", T },
        { "Name LIKE '%01'", T },
        { "Name LIKE '%ice%'", T },
        { "Name LIKE '%ICE%'", T },
        { "Name LIKE 'Device01'", T },
        { "Name LIKE 'device01'", T },
        { "Name LIKE 'Device0'", F },
        { "Name LIKE 'Device0_'", T },
        { "Name LIKE '______01'", T },
        { "Name LIKE '_____01'", F },
        { "Name LIKE '[a-f]%'", T },
        { "Name LIKE '[A-F]%'", T },
        { "Name LIKE '[^a-f]%'", F },
        { "Name LIKE '[^x-z]%'", T },
        { "Name LIKE '[xyz]%'", F },
        { "Name LIKE '[cde]evice[0-9][0-9]'", T },
        { "Name LIKE '%[0-9]'", T },
        { "Name LIKE '%[a-z]'", F },
        { "Name LIKE '%'", T },
        { "Name LIKE '%%'", T },
        { "Name LIKE 'D%e%1'", T },
        { "Name LIKE 'D%x%1'", F },
        { "Name LIKE '%e%e%'", T },
        { "Name LIKE '%e%e%e%'", F },
        { "Name LIKE 'Dev'", F },
        { "Name LIKE 'evice%'", F },
        { "Pct LIKE '100[%]'", T },
        { "Pct LIKE '10[%]'", F },
        { "Pct LIKE '100%'", T },
        { "Pct LIKE '100\\\\%'", F },
        { "Bs LIKE 'PCI\\\\%'", T },
        { "Bs LIKE 'PCI\\\\VEN_[0-9]%'", T },
        { "Name NOT LIKE 'dev%'", F },
        { "Name NOT LIKE 'x%'", T },
        { "Empty LIKE ''", T },
        { "Empty LIKE '%'", T },
        { "Empty LIKE '_'", F },
        { "Uni LIKE 'h_llo'", T },
        { "Uni LIKE 'h__llo'", F },
        { "Uni LIKE '[h]\xc3\xa9%'", T },
        { "Uni LIKE '%[\xc3\xa0-\xc3\xaa]%'", T },
        { "C LIKE 'x'", T },
        { "C LIKE '[a-z]'", T },
        { "Path LIKE 'Win32_X.%'", T },
        { "A LIKE '4%'", LWMI_WBEM_E_TYPE_MISMATCH },
        /* booleans */
        { "Flag = TRUE", T },
        { "Flag = FALSE", F },
        { "Flag <> FALSE", T },
        { "Off = FALSE", T },
        { "Flag = 'true'", T },
        { "Flag > FALSE", T },
        { "Off < TRUE", T },
        { "Flag = 1", LWMI_WBEM_E_TYPE_MISMATCH },
        /* NULL */
        { "Nul = 'x'", F },
        { "Nul <> 'x'", F },
        { "Nul < 5", F },
        { "Nul IS NULL", T },
        { "Nul IS NOT NULL", F },
        { "Nul = NULL", T },
        { "Nul <> NULL", F },
        { "Name IS NULL", F },
        { "Name IS NOT NULL", T },
        { "NOT Nul = 'x'", T },
        { "Nul LIKE '%'", F },
        { "Nul ISA 'X'", F },
        { "NulObj IS NULL", T },
        { "NulObj.Name IS NULL", T },
        { "NulObj.Name = 'x'", F },
        /* arrays: only IS [NOT] NULL */
        { "Arr IS NOT NULL", T },
        { "Arr IS NULL", F },
        { "Arr = 1", LWMI_WBEM_E_INVALID_QUERY },
        { "Arr LIKE '1'", LWMI_WBEM_E_INVALID_QUERY },
        /* char16 */
        { "C = 'x'", T },
        { "C = 'X'", T },
        { "C = 120", T },
        { "C > 'a'", T },
        { "C = 'xy'", LWMI_WBEM_E_TYPE_MISMATCH },
        /* datetimes: string constants convert */
        { "When = '20230615120000.000000+000'", T },
        { "When = '20230615140000.000000+120'", T },
        { "When > '2023-01-01'", T },
        { "When < '2023-06-15 12:00:01'", T },
        { "When = '2023-06-15 12:00'", T },
        { "When = '2023-06-15T12:00:00.000000'", T },
        { "When >= '2023/06/15 12:00:00'", T },
        { "When < '2023.06.15'", F },
        { "'2024-01-01' > When", T },
        { "When = 'garbage'", LWMI_WBEM_E_TYPE_MISMATCH },
        { "When = '2023-02-30'", LWMI_WBEM_E_TYPE_MISMATCH },
        { "When = 5", LWMI_WBEM_E_TYPE_MISMATCH },
        { "When LIKE '2023%'", LWMI_WBEM_E_TYPE_MISMATCH },
        { "Span > '2023-01-01'", F },
        { "Span = '00000001000000.000000:000'", T },
        { "Span < '00000002000000.000000:000'", T },
        /* unknown properties, and short-circuit */
        { "Nope = 1", LWMI_WBEM_E_INVALID_PROPERTY },
        { "A = 1 OR Nope = 1", LWMI_WBEM_E_INVALID_PROPERTY },
        { "A = 42 OR Nope = 1", T },
        { "A = 1 AND Nope = 1", F },
        /* embedded objects */
        { "Obj ISA 'Proc'", T },
        { "Obj ISA 'base'", T },
        { "Obj ISA 'Other'", F },
        { "NOT Obj ISA 'Other'", T },
        { "Obj.Name = 'svc'", T },
        { "Obj.Id > 4", T },
        { "Obj.Missing IS NULL", T },
        { "Obj.__CLASS = 'Proc'", T },
        { "Obj.__SUPERCLASS = 'Base'", T },
        { "Obj = 5", LWMI_WBEM_E_TYPE_MISMATCH },
        { "A.B = 1", LWMI_WBEM_E_PROPERTY_NOT_AN_OBJECT },
        { "Name ISA 'X'", LWMI_WBEM_E_TYPE_MISMATCH },
        { "TargetInstance ISA 'Proc' AND TargetInstance.Name LIKE 'S%'", T },
        { "TargetInstance ISA 'Proc' AND TargetInstance.Id = 6", F },
        /* precedence: NOT, then AND, then OR */
        { "A = 42 OR A = 1 AND Flag = FALSE", T },
        { "(A = 42 OR A = 1) AND Flag = FALSE", F },
        { "NOT A = 1 AND A = 2", F },
        { "NOT (A = 1 AND A = 2)", T },
        { "NOT NOT A = 42", T },
        { "A = 1 OR A = 2 OR A = 42", T },
        { "A = 42 AND Flag = TRUE AND Name LIKE 'd%' AND NOT Nul IS NOT NULL", T },
        { "A > 10 AND Name LIKE 'dev%' OR Flag = TRUE", T },
};

static lwmi_object *base_class, *proc_class, *proc;

typedef struct Field {
        const char *name;
        lwmi_value value;
} Field;

static Field record[24];
static size_t n_record;

static lwmi_value *field(const char *name) {
        record[n_record].name = name;
        return &record[n_record++].value;
}

static void setup(void) {
        lwmi_datetime when, span = { .is_interval = true, .day = 1 };
        lwmi_value *v;

        if (proc)
                return;
        ASSERT_OK(lwmi_class_new("Base", NULL, &base_class));
        ASSERT_OK(lwmi_class_add_property(base_class, "Name", LWMI_CIM_STRING, NULL, NULL));
        ASSERT_OK(lwmi_class_new("Proc", base_class, &proc_class));
        ASSERT_OK(lwmi_class_add_property(proc_class, "Id", LWMI_CIM_UINT32, NULL, NULL));
        ASSERT_OK(lwmi_class_spawn_instance(proc_class, &proc));
        ASSERT_OK(lwmi_object_set_string(proc, "Name", "svc"));
        ASSERT_OK(lwmi_object_set_uint64(proc, "Id", 5));

        ASSERT_OK(lwmi_datetime_parse("20230615120000.000000+000", &when));
        lwmi_value_set_sint(field("A"), LWMI_CIM_SINT32, 42);
        lwmi_value_set_uint(field("U"), LWMI_CIM_UINT64, UINT64_MAX);
        lwmi_value_set_sint(field("N"), LWMI_CIM_SINT64, -7);
        lwmi_value_set_real(field("R"), LWMI_CIM_REAL64, 2.5);
        ASSERT_OK(lwmi_value_set_string(field("Name"), LWMI_CIM_STRING, "Device01"));
        ASSERT_OK(lwmi_value_set_string(field("Num"), LWMI_CIM_STRING, "5"));
        ASSERT_OK(lwmi_value_set_string(field("Empty"), LWMI_CIM_STRING, ""));
        ASSERT_OK(lwmi_value_set_string(field("Pct"), LWMI_CIM_STRING, "100%"));
        ASSERT_OK(lwmi_value_set_string(field("Bs"), LWMI_CIM_STRING, "PCI\\VEN_8086"));
        ASSERT_OK(lwmi_value_set_string(field("Uni"), LWMI_CIM_STRING, "h\xc3\xa9llo"));
        ASSERT_OK(lwmi_value_set_string(field("Path"), LWMI_CIM_REFERENCE, "Win32_X.Key=1"));
        lwmi_value_set_bool(field("Flag"), true);
        lwmi_value_set_bool(field("Off"), false);
        lwmi_value_set_null(field("Nul"), LWMI_CIM_STRING);
        lwmi_value_set_char16(field("C"), 'x');
        lwmi_value_set_datetime(field("When"), &when);
        lwmi_value_set_datetime(field("Span"), &span);
        v = field("Arr");
        ASSERT_OK(lwmi_value_set_array(v, LWMI_CIM_UINT32, 2));
        lwmi_value_set_uint(&v->u.array.items[0], LWMI_CIM_UINT32, 1);
        lwmi_value_set_uint(&v->u.array.items[1], LWMI_CIM_UINT32, 2);
        lwmi_value_set_object(field("Obj"), proc);
        lwmi_value_set_object(field("TargetInstance"), proc);
        lwmi_value_set_null(field("NulObj"), LWMI_CIM_OBJECT);
}

static const lwmi_value *record_lookup(void *userdata, const WqlProperty *prop) {
        unsigned *n_calls = userdata;

        if (n_calls)
                (*n_calls)++;
        for (size_t i = 0; i < n_record; i++)
                if (lwmi_name_eq(record[i].name, prop->parts[0]))
                        return &record[i].value;
        return NULL;
}

static WqlQuery *parse_where(const char *where) {
        _cleanup_free_ char *text = NULL;
        WqlError err = WQL_ERROR_INIT;
        WqlQuery *q = NULL;

        ASSERT_TRUE(asprintf(&text, "SELECT * FROM X WHERE %s", where) > 0);
        if (wql_query_parse(text, &q, &err) < 0)
                TEST_FAIL("'%s': %s", text, err.message);
        return q;
}

static unsigned n_cases;

TEST(eval_table) {
        setup();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(wql_query_freep) WqlQuery *q = parse_where(cases[i].where);
                _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
                bool match = false;
                int r;

                r = wql_query_eval(q, record_lookup, NULL, NULL, &match, &err);
                if (cases[i].expect == T || cases[i].expect == F) {
                        if (r < 0)
                                TEST_FAIL("'%s': error %d, status %08x: %s", cases[i].where, r,
                                          (unsigned) err.status, err.message);
                        if (match != (cases[i].expect == T))
                                TEST_FAIL("'%s' is %s, expected %s", cases[i].where,
                                          match ? "TRUE" : "FALSE",
                                          cases[i].expect == T ? "TRUE" : "FALSE");
                } else {
                        if (r != -EINVAL)
                                TEST_FAIL("'%s': %d (match %d), expected status %08x",
                                          cases[i].where, r, match,
                                          (unsigned) (lwmi_status) cases[i].expect);
                        if (err.status != (lwmi_status) cases[i].expect)
                                TEST_FAIL("'%s': status %08x (%s), expected %08x", cases[i].where,
                                          (unsigned) err.status, err.message,
                                          (unsigned) (lwmi_status) cases[i].expect);
                        ASSERT_NOT_NULL(err.token);
                        ASSERT_TRUE(err.col > 0);
                }
                n_cases++;
        }
}

TEST(eval_error_details) {
        _cleanup_(wql_query_freep) WqlQuery *q = parse_where("A = 42 AND Missing.X = 1");
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        bool match = true;

        setup();
        ASSERT_ERRNO(wql_query_eval(q, record_lookup, NULL, NULL, &match, &err), EINVAL);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_PROPERTY);
        ASSERT_STREQ(err.token, "Missing.X");
        ASSERT_EQ(err.col, 34);
        ASSERT_TRUE(match); /* not written on failure */
        n_cases++;
}

TEST(eval_no_where) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        bool match = false;

        ASSERT_OK(wql_query_parse("SELECT * FROM X", &q, NULL));
        ASSERT_OK(wql_query_eval(q, record_lookup, NULL, NULL, &match, NULL));
        ASSERT_TRUE(match);
        match = false;
        ASSERT_OK(wql_query_eval_having(q, record_lookup, NULL, NULL, &match, NULL));
        ASSERT_TRUE(match);
        n_cases++;
}

TEST(eval_short_circuit) {
        _cleanup_(wql_query_freep) WqlQuery *q = parse_where("A = 42 OR B = 1 OR C = 2");
        unsigned n_calls = 0;
        bool match = false;

        setup();
        ASSERT_OK(wql_query_eval(q, record_lookup, NULL, &n_calls, &match, NULL));
        ASSERT_TRUE(match);
        ASSERT_EQ(n_calls, 1);
        n_cases++;
}

static const lwmi_value *having_lookup(void *userdata, const WqlProperty *prop) {
        static lwmi_value n;

        if (!lwmi_name_eq(prop->parts[0], "NumberOfEvents"))
                return NULL;
        lwmi_value_set_uint(&n, LWMI_CIM_UINT32, *(unsigned *) userdata);
        return &n;
}

TEST(eval_having) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        unsigned count;
        bool match;

        ASSERT_OK(wql_query_parse("SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > 5", &q,
                                  NULL));
        count = 6;
        ASSERT_OK(wql_query_eval_having(q, having_lookup, NULL, &count, &match, NULL));
        ASSERT_TRUE(match);
        count = 5;
        ASSERT_OK(wql_query_eval_having(q, having_lookup, NULL, &count, &match, NULL));
        ASSERT_FALSE(match);
        n_cases += 2;
}

/* An ISA callback that resolves references by the class in the path. */
static int path_isa(void *userdata, const lwmi_value *v, const char *class_name) {
        size_t n;

        if (LWMI_CIM_BASE(v->type) != LWMI_CIM_REFERENCE)
                return -EINVAL;
        n = strcspn(v->u.string, ".=");
        return lwmi_name_eq_n(class_name, v->u.string, n);
}

TEST(eval_isa_callback) {
        _cleanup_(wql_query_freep) WqlQuery *q = parse_where("Path ISA 'WIN32_X'");
        _cleanup_(wql_query_freep) WqlQuery *q2 = parse_where("Path ISA 'Other'");
        _cleanup_(wql_query_freep) WqlQuery *q3 = parse_where("A ISA 'Other'");
        bool match = false;

        setup();
        ASSERT_OK(wql_query_eval(q, record_lookup, path_isa, NULL, &match, NULL));
        ASSERT_TRUE(match);
        ASSERT_OK(wql_query_eval(q2, record_lookup, path_isa, NULL, &match, NULL));
        ASSERT_FALSE(match);
        /* the callback's errno comes through unchanged */
        ASSERT_ERRNO(wql_query_eval(q3, record_lookup, path_isa, NULL, &match, NULL), EINVAL);
        n_cases += 3;
}

TEST(eval_object) {
        static const EvalCase obj_cases[] = {
                { "Name = 'svc' AND Id = 5", T },
                { "Name = 'SVC' AND Id <> 5", F },
                { "__CLASS = 'Proc'", T },
                { "__class = 'proc'", T },
                { "__SUPERCLASS = 'Base'", T },
                { "__GENUS = 2", T },
                { "__this ISA 'Base'", T },
                { "__this ISA 'Proc'", T },
                { "__this ISA 'Other'", F },
                { "__DERIVATION IS NOT NULL", T },
                { "__DYNASTY = 'Base'", T },
                { "Nope = 1", LWMI_WBEM_E_INVALID_PROPERTY },
                { "__NOPE = 1", LWMI_WBEM_E_INVALID_PROPERTY },
        };

        setup();
        for (size_t i = 0; i < ELEMENTSOF(obj_cases); i++) {
                _cleanup_(wql_query_freep) WqlQuery *q = parse_where(obj_cases[i].where);
                _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
                bool match = false;
                int r;

                r = wql_query_eval_object(q, proc, &match, &err);
                if (obj_cases[i].expect == T || obj_cases[i].expect == F) {
                        if (r < 0)
                                TEST_FAIL("'%s': %d %s", obj_cases[i].where, r, err.message);
                        if (match != (obj_cases[i].expect == T))
                                TEST_FAIL("'%s' is %d", obj_cases[i].where, match);
                } else {
                        ASSERT_ERRNO(r, EINVAL);
                        ASSERT_UEQ(err.status, (lwmi_status) obj_cases[i].expect);
                }
                n_cases++;
        }
}

TEST(eval_schema) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL, *q2 = NULL;
        bool match = false;

        setup();
        ASSERT_OK(wql_query_parse("SELECT * FROM meta_class WHERE __this ISA 'Base'", &q, NULL));
        ASSERT_TRUE(q->is_schema);
        ASSERT_OK(wql_query_eval_object(q, proc_class, &match, NULL));
        ASSERT_TRUE(match);
        ASSERT_OK(wql_query_eval_object(q, base_class, &match, NULL));
        ASSERT_TRUE(match);
        ASSERT_OK(wql_query_parse("SELECT * FROM meta_class WHERE __Class = 'Proc'", &q2, NULL));
        ASSERT_OK(wql_query_eval_object(q2, proc_class, &match, NULL));
        ASSERT_TRUE(match);
        ASSERT_OK(wql_query_eval_object(q2, base_class, &match, NULL));
        ASSERT_FALSE(match);
        n_cases += 4;
}

TEST(like_api) {
        ASSERT_EQ(wql_like_match("dev%", "DEVICE"), 1);
        ASSERT_EQ(wql_like_match("[a-c]_", "bz"), 1);
        ASSERT_EQ(wql_like_match("[^a-c]_", "bz"), 0);
        ASSERT_EQ(wql_like_match("%a%b%c%", "xxaxxbxxcxx"), 1);
        ASSERT_EQ(wql_like_match("%a%b%c%", "xxaxxcxxbxx"), 0);
        ASSERT_ERRNO(wql_like_match("[abc", "a"), EINVAL);
        ASSERT_ERRNO(wql_like_match(NULL, "a"), EINVAL);
        n_cases += 7;
}

TEST(like_pathological) {
        /* many % against a long non-matching subject stays linear per % */
        char pat[256], subj[4097];

        for (size_t i = 0; i < 100; i++) {
                pat[2 * i] = '%';
                pat[2 * i + 1] = 'a';
        }
        strcpy(pat + 200, "b");
        memset(subj, 'a', 4096);
        subj[4096] = 0;
        ASSERT_EQ(wql_like_match(pat, subj), 0);
        n_cases++;
}

TEST(teardown) {
        for (size_t i = 0; i < n_record; i++)
                lwmi_value_clear(&record[i].value);
        n_record = 0;
        proc = lwmi_object_unref(proc);
        proc_class = lwmi_object_unref(proc_class);
        base_class = lwmi_object_unref(base_class);
        fprintf(stderr, "%u eval cases\n", n_cases);
}

TEST_MAIN();
