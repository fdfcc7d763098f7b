/* SPDX-License-Identifier: MIT */
/*
 * WQL parser tests: a table of queries that parse (with their canonical
 * form), a table of queries that fail (with the exact status, token and
 * column), and tests of the AST shape.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/macro.h"
#include "shared/test.h"
#include "wql/wql.h"

typedef struct OkCase {
        const char *query;
        const char *canonical; /* NULL: the query is already canonical */
} OkCase;

static const OkCase ok_cases[] = {
        { "SELECT * FROM Win32_Process", NULL },
        { "select * from win32_process", "SELECT * FROM win32_process" },
        { "SELECT Name, ProcessId FROM Win32_Process", NULL },
        { "SELECT Name,ProcessId FROM Win32_Process", "SELECT Name, ProcessId FROM Win32_Process" },
        { "SELECT __CLASS, __PATH, __RELPATH FROM X", NULL },
        { "SELECT __NAMESPACE, __SERVER, __GENUS, __SUPERCLASS, __DERIVATION, __DYNASTY FROM X",
          NULL },
        { "SELECT TargetInstance.Name FROM __InstanceCreationEvent", NULL },
        { "  SELECT\t*\nFROM  X  ", "SELECT * FROM X" },
        { "SeLeCt * FrOm X wHeRe A = 1", "SELECT * FROM X WHERE A = 1" },
        { "SELECT * FROM X WHERE A = 1", NULL },
        { "SELECT * FROM X WHERE A=1", "SELECT * FROM X WHERE A = 1" },
        { "SELECT * FROM X WHERE A <> 1", NULL },
        { "SELECT * FROM X WHERE A != 1", "SELECT * FROM X WHERE A <> 1" },
        { "SELECT * FROM X WHERE A < 1", NULL },
        { "SELECT * FROM X WHERE A <= 1", NULL },
        { "SELECT * FROM X WHERE A > 1", NULL },
        { "SELECT * FROM X WHERE A >= 1", NULL },
        { "SELECT * FROM X WHERE A<=1", "SELECT * FROM X WHERE A <= 1" },
        { "SELECT * FROM X WHERE A>=-1", "SELECT * FROM X WHERE A >= -1" },
        { "SELECT * FROM X WHERE 5 < A", "SELECT * FROM X WHERE A > 5" },
        { "SELECT * FROM X WHERE 5 <= A", "SELECT * FROM X WHERE A >= 5" },
        { "SELECT * FROM X WHERE 5 > A", "SELECT * FROM X WHERE A < 5" },
        { "SELECT * FROM X WHERE 5 >= A", "SELECT * FROM X WHERE A <= 5" },
        { "SELECT * FROM X WHERE 5 = A", "SELECT * FROM X WHERE A = 5" },
        { "SELECT * FROM X WHERE 5 <> A", "SELECT * FROM X WHERE A <> 5" },
        { "SELECT * FROM X WHERE -1 < A", "SELECT * FROM X WHERE A > -1" },
        { "SELECT * FROM X WHERE \"abc\" = Name", "SELECT * FROM X WHERE Name = \"abc\"" },
        { "SELECT * FROM X WHERE Name = \"abc\"", NULL },
        { "SELECT * FROM X WHERE Name = 'abc'", "SELECT * FROM X WHERE Name = \"abc\"" },
        { "SELECT * FROM X WHERE Name = \"\"", NULL },
        { "SELECT * FROM X WHERE Name = \"a\\\"b\"", NULL },
        { "SELECT * FROM X WHERE Name = 'it\\'s'", "SELECT * FROM X WHERE Name = \"it's\"" },
        { "SELECT * FROM X WHERE Name = \"c:\\\\dir\"", NULL },
        { "SELECT * FROM X WHERE Name = 'say \"hi\"'",
          "SELECT * FROM X WHERE Name = \"say \\\"hi\\\"\"" },
        { "SELECT * FROM X WHERE Name = \"h\xc3\xa9"
          "llo\"",
          NULL },
        { "SELECT * FROM X WHERE N\xc3\xa2"
          "me = 1",
          NULL },
        { "SELECT * FROM X WHERE A = 0x10", "SELECT * FROM X WHERE A = 16" },
        { "SELECT * FROM X WHERE A = 0XFF", "SELECT * FROM X WHERE A = 255" },
        { "SELECT * FROM X WHERE A = -5", NULL },
        { "SELECT * FROM X WHERE A = -0x10", "SELECT * FROM X WHERE A = -16" },
        { "SELECT * FROM X WHERE A = 00012", "SELECT * FROM X WHERE A = 12" },
        { "SELECT * FROM X WHERE A = -0", "SELECT * FROM X WHERE A = 0" },
        { "SELECT * FROM X WHERE A = 18446744073709551615", NULL },
        { "SELECT * FROM X WHERE A = 0xFFFFFFFFFFFFFFFF",
          "SELECT * FROM X WHERE A = 18446744073709551615" },
        { "SELECT * FROM X WHERE A = 9223372036854775807", NULL },
        { "SELECT * FROM X WHERE A = -9223372036854775808", NULL },
        { "SELECT * FROM X WHERE A = 1.5", NULL },
        { "SELECT * FROM X WHERE A = 1e3", "SELECT * FROM X WHERE A = 1000.0" },
        { "SELECT * FROM X WHERE A = 2.5E-3", "SELECT * FROM X WHERE A = 0.0025" },
        { "SELECT * FROM X WHERE A = -0.5", NULL },
        { "SELECT * FROM X WHERE A = 1.0", NULL },
        { "SELECT * FROM X WHERE A = 0.1", NULL },
        { "SELECT * FROM X WHERE A = -0.0", NULL },
        { "SELECT * FROM X WHERE A = 1.5e300", "SELECT * FROM X WHERE A = 1.5e+300" },
        { "SELECT * FROM X WHERE A = TRUE", NULL },
        { "SELECT * FROM X WHERE a = false", "SELECT * FROM X WHERE a = FALSE" },
        { "SELECT * FROM X WHERE A = NULL", "SELECT * FROM X WHERE A IS NULL" },
        { "SELECT * FROM X WHERE A <> NULL", "SELECT * FROM X WHERE A IS NOT NULL" },
        { "SELECT * FROM X WHERE A != NULL", "SELECT * FROM X WHERE A IS NOT NULL" },
        { "SELECT * FROM X WHERE NULL = A", "SELECT * FROM X WHERE A IS NULL" },
        { "SELECT * FROM X WHERE A IS NULL", NULL },
        { "SELECT * FROM X WHERE A is not null", "SELECT * FROM X WHERE A IS NOT NULL" },
        { "SELECT * FROM X WHERE Name LIKE \"dev%\"", NULL },
        { "SELECT * FROM X WHERE Name like '[a-f]%'",
          "SELECT * FROM X WHERE Name LIKE \"[a-f]%\"" },
        { "SELECT * FROM X WHERE Name LIKE \"[^a-f]_[%]\"", NULL },
        { "SELECT * FROM X WHERE Name NOT LIKE \"x%\"",
          "SELECT * FROM X WHERE NOT Name LIKE \"x%\"" },
        { "SELECT * FROM X WHERE Name LIKE \"PCI\\\\%\"", NULL },
        { "SELECT * FROM X WHERE Name LIKE \"%\"", NULL },
        { "SELECT * FROM X WHERE Name LIKE \"[]]\"", NULL },
        { "SELECT * FROM X WHERE TargetInstance ISA \"Win32_Process\"", NULL },
        { "SELECT * FROM X WHERE TargetInstance isa 'Win32_Process'",
          "SELECT * FROM X WHERE TargetInstance ISA \"Win32_Process\"" },
        { "SELECT * FROM X WHERE A = 1 OR B = 2 AND C = 3", NULL },
        { "SELECT * FROM X WHERE (A = 1 OR B = 2) AND C = 3", NULL },
        { "SELECT * FROM X WHERE A = 1 AND (B = 2 OR C = 3)", NULL },
        { "SELECT * FROM X WHERE ((A = 1))", "SELECT * FROM X WHERE A = 1" },
        { "SELECT * FROM X WHERE NOT A = 1", NULL },
        { "SELECT * FROM X WHERE NOT (A = 1)", "SELECT * FROM X WHERE NOT A = 1" },
        { "SELECT * FROM X WHERE NOT (A = 1 AND B = 2)", NULL },
        { "SELECT * FROM X WHERE NOT NOT A = 1", NULL },
        { "SELECT * FROM X WHERE (A = 1 AND B = 2) AND C = 3",
          "SELECT * FROM X WHERE A = 1 AND B = 2 AND C = 3" },
        { "SELECT * FROM X WHERE A = 1 OR (B = 2 OR C = 3)",
          "SELECT * FROM X WHERE A = 1 OR B = 2 OR C = 3" },
        { "SELECT * FROM X WHERE (A = 1 OR B = 2) OR (C = 3 AND D = 4)",
          "SELECT * FROM X WHERE A = 1 OR B = 2 OR C = 3 AND D = 4" },
        { "SELECT * FROM X WHERE NOT (A = 1) AND B = 2",
          "SELECT * FROM X WHERE NOT A = 1 AND B = 2" },
        { "SELECT * FROM X WHERE NOT (A = 1 OR B = 2) OR C = 3", NULL },
        { "SELECT * FROM X WHERE (A = 1 OR B = 2) AND (C = 3 OR D = 4)", NULL },
        { "SELECT * FROM X WHERE A = 1 AND B LIKE \"%\" OR NOT C IS NULL", NULL },
        { "SELECT * FROM X WHERE A = TRUE AND B = FALSE", NULL },
        { "SELECT * FROM X WHERE InstallDate > \"20230101000000.000000+000\"", NULL },
        { "SELECT * FROM X WHERE TargetInstance.Group = 1", NULL },
        { "SELECT * FROM X WHERE a = 1 AND A = 2", "SELECT * FROM X WHERE a = 1 AND a = 2" },
        { "SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA \"Win32_Process\"",
          NULL },
        { "SELECT * FROM __InstanceCreationEvent WITHIN 0.5 WHERE TargetInstance ISA 'Win32_Process'",
          "SELECT * FROM __InstanceCreationEvent WITHIN 0.5 WHERE TargetInstance ISA \"Win32_Process\"" },
        { "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA \"P\" WITHIN 5",
          "SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA \"P\"" },
        { "SELECT * FROM E WITHIN 10", NULL },
        { "SELECT * FROM E WITHIN 1.0", "SELECT * FROM E WITHIN 1" },
        { "SELECT * FROM EmailEvent GROUP WITHIN 600", NULL },
        { "SELECT * FROM E GROUP WITHIN 600 BY TargetInstance.Name", NULL },
        { "SELECT * FROM E GROUP WITHIN 10 BY A, B HAVING NumberOfEvents > 5", NULL },
        { "SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents >= 2 AND NumberOfEvents < 10",
          NULL },
        { "SELECT * FROM __InstanceModificationEvent WITHIN 2 WHERE TargetInstance ISA \"Win32_Service\" AND TargetInstance.State = \"Running\" AND PreviousInstance.State = \"Stopped\"",
          NULL },
        { "SELECT * FROM E WITHIN 5 WHERE A = 1 GROUP WITHIN 60 BY A HAVING NumberOfEvents > 3",
          NULL },
        { "SELECT * FROM meta_class WHERE __this ISA \"Win32_Process\"", NULL },
        { "SELECT * FROM meta_class WHERE __Class = \"X\"", NULL },
        { "SELECT * FROM X WHERE __CLASS = \"X\" AND __GENUS = 2 AND __SUPERCLASS IS NULL", NULL },
        { "SELECT * FROM X WHERE __PATH LIKE \"%dev0%\" OR __RELPATH = \"X.Key=1\" OR __SERVER = \".\" OR __NAMESPACE = \"root\\\\wmi\" OR __DYNASTY = \"X\"",
          NULL },
        { "ASSOCIATORS OF {Win32_LogicalDisk.DeviceID=\"C:\"}", NULL },
        { "associators of { A.K=1 }", "ASSOCIATORS OF {A.K=1}" },
        { "ASSOCIATORS OF {X} WHERE ResultClass = Y", NULL },
        { "ASSOCIATORS OF {X} WHERE AssocClass=A ClassDefsOnly",
          "ASSOCIATORS OF {X} WHERE AssocClass = A ClassDefsOnly" },
        { "ASSOCIATORS OF {X} WHERE SchemaOnly AssocClass = A",
          "ASSOCIATORS OF {X} WHERE AssocClass = A SchemaOnly" },
        { "ASSOCIATORS OF {X} WHERE Role = R2 ResultRole = R1 ResultClass = C RequiredQualifier = Q2 RequiredAssocQualifier = Q1 AssocClass = A",
          "ASSOCIATORS OF {X} WHERE AssocClass = A RequiredAssocQualifier = Q1 RequiredQualifier = Q2 ResultClass = C ResultRole = R1 Role = R2" },
        { "ASSOCIATORS OF {X} WHERE KeysOnly", NULL },
        { "ASSOCIATORS OF {X} WHERE classdefsonly", "ASSOCIATORS OF {X} WHERE ClassDefsOnly" },
        { "ASSOCIATORS OF {X.K=\"a}b\"}", NULL },
        { "ASSOCIATORS OF {\\\\.\\root\\cimv2:Win32_Service.Name=\"x\"} WHERE ResultClass = Win32_Process",
          NULL },
        { "REFERENCES OF {X.K=\"a\"}", NULL },
        { "REFERENCES OF {X} WHERE ResultClass = C Role = R", NULL },
        { "REFERENCES OF {X} WHERE RequiredQualifier = Q ClassDefsOnly",
          "REFERENCES OF {X} WHERE ClassDefsOnly RequiredQualifier = Q" },
        { "REFERENCES OF {X} WHERE SchemaOnly", NULL },
        { "REFERENCES OF {X} WHERE KeysOnly ResultClass = C",
          "REFERENCES OF {X} WHERE KeysOnly ResultClass = C" },
        { "REFERENCES OF {X} WHERE ClassDefsOnly ResultClass = C", NULL },
};

typedef struct ErrCase {
        const char *query;
        lwmi_status status;
        const char *token;
        unsigned col;
} ErrCase;

static const ErrCase err_cases[] = {
        { "", LWMI_WBEM_E_INVALID_QUERY, "", 1 },
        { "   ", LWMI_WBEM_E_INVALID_QUERY, "", 4 },
        { "DELETE FROM X", LWMI_WBEM_E_INVALID_QUERY_TYPE, "DELETE", 1 },
        { "UPDATE X SET A = 1", LWMI_WBEM_E_INVALID_QUERY_TYPE, "UPDATE", 1 },
        { "INSERT INTO X", LWMI_WBEM_E_INVALID_QUERY_TYPE, "INSERT", 1 },
        { "(SELECT * FROM X)", LWMI_WBEM_E_INVALID_QUERY_TYPE, "(", 1 },
        { "SELECT", LWMI_WBEM_E_INVALID_QUERY, "", 7 },
        { "SELECT * FROM", LWMI_WBEM_E_INVALID_QUERY, "", 14 },
        { "SELECT * X", LWMI_WBEM_E_INVALID_QUERY, "X", 10 },
        { "SELECT FROM X", LWMI_WBEM_E_INVALID_QUERY, "FROM", 8 },
        { "SELECT * FROM X WHERE ", LWMI_WBEM_E_INVALID_QUERY, "", 23 },
        { "SELECT * FROM X WHERE A", LWMI_WBEM_E_INVALID_QUERY, "", 24 },
        { "SELECT * FROM X WHERE A =", LWMI_WBEM_E_INVALID_QUERY, "", 26 },
        { "SELECT * FROM X WHERE A = B", LWMI_WBEM_E_INVALID_QUERY, "B", 27 },
        { "SELECT * FROM X WHERE A = B.C", LWMI_WBEM_E_INVALID_QUERY, "B.C", 27 },
        { "SELECT * FROM X WHERE TargetInstance ISA Win32_Process", LWMI_WBEM_E_INVALID_QUERY,
          "Win32_Process", 42 },
        { "SELECT * FROM X WHERE 1 = 2", LWMI_WBEM_E_INVALID_QUERY, "1", 23 },
        { "SELECT * FROM X WHERE 'a' = 'b'", LWMI_WBEM_E_INVALID_QUERY, "'a'", 23 },
        { "SELECT * FROM X WHERE A = 1 B = 2", LWMI_WBEM_E_INVALID_QUERY, "B", 29 },
        { "SELECT * FROM X WHERE Name LIKE \"PCI\\%\"", LWMI_WBEM_E_INVALID_QUERY, "\\%", 37 },
        { "SELECT * FROM X WHERE A = \"a\\nb\"", LWMI_WBEM_E_INVALID_QUERY, "\\n", 29 },
        { "SELECT * FROM X WHERE A = \"a\\tb\"", LWMI_WBEM_E_INVALID_QUERY, "\\t", 29 },
        { "SELECT * FROM X WHERE A = \"abc", LWMI_WBEM_E_INVALID_QUERY, "\"abc", 27 },
        { "SELECT * FROM X WHERE A = 'abc", LWMI_WBEM_E_INVALID_QUERY, "'abc", 27 },
        { "SELECT * FROM X WHERE A = \"abc\\", LWMI_WBEM_E_INVALID_QUERY, "\"abc\\", 27 },
        { "SELECT * FROM X WHERE A = 1 AND", LWMI_WBEM_E_INVALID_QUERY, "", 32 },
        { "SELECT * FROM X WHERE (A = 1", LWMI_WBEM_E_INVALID_QUERY, "", 29 },
        { "SELECT * FROM X WHERE A = 1)", LWMI_WBEM_E_INVALID_QUERY, ")", 28 },
        { "SELECT * FROM X WHERE ()", LWMI_WBEM_E_INVALID_QUERY, ")", 24 },
        { "SELECT * FROM X WHERE A = 99999999999999999999", LWMI_WBEM_E_INVALID_QUERY,
          "99999999999999999999", 27 },
        { "SELECT * FROM X WHERE A = -9223372036854775809", LWMI_WBEM_E_INVALID_QUERY,
          "-9223372036854775809", 27 },
        { "SELECT * FROM X WHERE A = 0x10000000000000000", LWMI_WBEM_E_INVALID_QUERY,
          "0x10000000000000000", 27 },
        { "SELECT * FROM X WHERE A = 1e999", LWMI_WBEM_E_INVALID_QUERY, "1e999", 27 },
        { "SELECT * FROM X WHERE A = 12abc", LWMI_WBEM_E_INVALID_QUERY, "12a", 27 },
        { "SELECT * FROM X WHERE A = 0x", LWMI_WBEM_E_INVALID_QUERY, "0x", 27 },
        { "SELECT * FROM X WHERE A = 0xg", LWMI_WBEM_E_INVALID_QUERY, "0x", 27 },
        { "SELECT * FROM X WHERE A = 1.2.3", LWMI_WBEM_E_INVALID_QUERY, "1.2.", 27 },
        { "SELECT * FROM X WHERE A = - 1", LWMI_WBEM_E_INVALID_QUERY, "-", 27 },
        { "SELECT * FROM X WHERE A < NULL", LWMI_WBEM_E_INVALID_QUERY, "NULL", 27 },
        { "SELECT * FROM X WHERE A >= NULL", LWMI_WBEM_E_INVALID_QUERY, "NULL", 28 },
        { "SELECT * FROM X WHERE A LIKE 5", LWMI_WBEM_E_INVALID_QUERY, "5", 30 },
        { "SELECT * FROM X WHERE A LIKE NULL", LWMI_WBEM_E_INVALID_QUERY, "NULL", 30 },
        { "SELECT * FROM X WHERE \"a\" LIKE A", LWMI_WBEM_E_INVALID_QUERY, "\"a\"", 23 },
        { "SELECT * FROM X WHERE \"X\" ISA A", LWMI_WBEM_E_INVALID_QUERY, "\"X\"", 23 },
        { "SELECT * FROM X WHERE A ISA 5", LWMI_WBEM_E_INVALID_QUERY, "5", 29 },
        { "SELECT * FROM X WHERE A ISA \"not valid\"", LWMI_WBEM_E_INVALID_QUERY, "\"not valid\"",
          29 },
        { "SELECT * FROM X WHERE A ISA \"\"", LWMI_WBEM_E_INVALID_QUERY, "\"\"", 29 },
        { "SELECT * FROM X WHERE 5 IS NULL", LWMI_WBEM_E_INVALID_QUERY, "5", 23 },
        { "SELECT * FROM X WHERE A IS 5", LWMI_WBEM_E_INVALID_QUERY, "5", 28 },
        { "SELECT * FROM X WHERE A IS NOT 5", LWMI_WBEM_E_INVALID_QUERY, "5", 32 },
        { "SELECT * FROM X WHERE A NOT 5", LWMI_WBEM_E_INVALID_QUERY, "5", 29 },
        { "SELECT * FROM X WHERE A LIKE \"[abc\"", LWMI_WBEM_E_INVALID_QUERY, "\"[abc\"", 30 },
        { "SELECT * FROM X WHERE A LIKE \"[z-a]\"", LWMI_WBEM_E_INVALID_QUERY, "\"[z-a]\"", 30 },
        { "SELECT * FROM X WHERE A LIKE \"[^\"", LWMI_WBEM_E_INVALID_QUERY, "\"[^\"", 30 },
        { "SELECT * FROM X ORDER BY A", LWMI_WBEM_E_NOT_SUPPORTED, "ORDER", 17 },
        { "SELECT * FROM X WHERE A = 1 ORDER BY A", LWMI_WBEM_E_NOT_SUPPORTED, "ORDER", 29 },
        { "SELECT * FROM X WHERE A = 1 UNION SELECT * FROM Y", LWMI_WBEM_E_NOT_SUPPORTED, "UNION",
          29 },
        { "SELECT * FROM X, Y", LWMI_WBEM_E_NOT_SUPPORTED, ",", 16 },
        { "SELECT * FROM X JOIN Y", LWMI_WBEM_E_NOT_SUPPORTED, "JOIN", 17 },
        { "SELECT * FROM X AS x", LWMI_WBEM_E_NOT_SUPPORTED, "AS", 17 },
        { "SELECT DISTINCT Name FROM X", LWMI_WBEM_E_NOT_SUPPORTED, "DISTINCT", 8 },
        { "SELECT TOP 5 Name FROM X", LWMI_WBEM_E_NOT_SUPPORTED, "TOP", 8 },
        { "SELECT COUNT(*) FROM X", LWMI_WBEM_E_NOT_SUPPORTED, "COUNT(", 8 },
        { "SELECT * FROM X WHERE UPPER(Name) = 'A'", LWMI_WBEM_E_NOT_SUPPORTED, "UPPER(", 23 },
        { "SELECT * FROM X WHERE A IN (1, 2)", LWMI_WBEM_E_NOT_SUPPORTED, "IN", 25 },
        { "SELECT * FROM X WHERE A BETWEEN 1 AND 2", LWMI_WBEM_E_NOT_SUPPORTED, "BETWEEN", 25 },
        { "SELECT * FROM E GROUP BY A", LWMI_WBEM_E_MISSING_GROUP_WITHIN, "BY", 23 },
        { "SELECT * FROM E GROUP 5", LWMI_WBEM_E_MISSING_GROUP_WITHIN, "5", 23 },
        { "SELECT * FROM E HAVING NumberOfEvents > 1", LWMI_WBEM_E_MISSING_GROUP_WITHIN, "HAVING",
          17 },
        { "SELECT * FROM E BY A", LWMI_WBEM_E_MISSING_GROUP_WITHIN, "BY", 17 },
        { "SELECT * FROM E WITHIN 0", LWMI_WBEM_E_INVALID_QUERY, "0", 24 },
        { "SELECT * FROM E WITHIN 0.0", LWMI_WBEM_E_INVALID_QUERY, "0.0", 24 },
        { "SELECT * FROM E WITHIN -1", LWMI_WBEM_E_INVALID_QUERY, "-1", 24 },
        { "SELECT * FROM E WITHIN", LWMI_WBEM_E_INVALID_QUERY, "", 23 },
        { "SELECT * FROM E WITHIN x", LWMI_WBEM_E_INVALID_QUERY, "x", 24 },
        { "SELECT * FROM E WITHIN '5'", LWMI_WBEM_E_INVALID_QUERY, "'5'", 24 },
        { "SELECT * FROM E WITHIN 5 WHERE A = 1 WITHIN 5", LWMI_WBEM_E_INVALID_QUERY, "WITHIN",
          38 },
        { "SELECT * FROM E GROUP WITHIN 5 BY", LWMI_WBEM_E_INVALID_QUERY, "", 34 },
        { "SELECT * FROM E GROUP WITHIN 5 BY A,", LWMI_WBEM_E_INVALID_QUERY, "", 37 },
        { "SELECT * FROM E GROUP WITHIN 5 HAVING", LWMI_WBEM_E_INVALID_QUERY, "", 38 },
        { "SELECT * FROM E GROUP WITHIN 5 GROUP WITHIN 5", LWMI_WBEM_E_INVALID_QUERY, "GROUP", 32 },
        { "SELECT KEYSONLY FROM X", LWMI_WBEM_E_INVALID_QUERY, "KEYSONLY", 8 },
        { "SELECT * FROM X WHERE Select = 1", LWMI_WBEM_E_INVALID_QUERY, "Select", 23 },
        { "SELECT * FROM X WHERE A = 1 AND OR B = 2", LWMI_WBEM_E_INVALID_QUERY, "OR", 33 },
        { "SELECT Name, FROM X", LWMI_WBEM_E_INVALID_QUERY, "FROM", 14 },
        { "SELECT *, Name FROM X", LWMI_WBEM_E_INVALID_QUERY, ",", 9 },
        { "SELECT Name Name FROM X", LWMI_WBEM_E_INVALID_QUERY, "Name", 13 },
        { "SELECT Where FROM X", LWMI_WBEM_E_INVALID_QUERY, "Where", 8 },
        { "SELECT * FROM 5", LWMI_WBEM_E_INVALID_QUERY, "5", 15 },
        { "SELECT * FROM WHERE", LWMI_WBEM_E_INVALID_QUERY, "WHERE", 15 },
        { "SELECT * FROM X.Y", LWMI_WBEM_E_INVALID_QUERY, ".", 16 },
        { "SELECT * FROM X WHERE A = 1 @", LWMI_WBEM_E_INVALID_QUERY, "@", 29 },
        { "SELECT * FROM X WHERE A = 1 ;", LWMI_WBEM_E_INVALID_QUERY, ";", 29 },
        { "SELECT * FROM X WHERE A ! 1", LWMI_WBEM_E_INVALID_QUERY, "!", 25 },
        { "SELECT * FROM X WHERE A. = 1", LWMI_WBEM_E_INVALID_QUERY, "=", 26 },
        { "SELECT * FROM X WHERE A = TRUE = 1", LWMI_WBEM_E_INVALID_QUERY, "=", 32 },
        { "SELECT * FROM X WHERE NOT", LWMI_WBEM_E_INVALID_QUERY, "", 26 },
        { "SELECT * FROM X WHERE A LIKE", LWMI_WBEM_E_INVALID_QUERY, "", 29 },
        { "SELECT * FROM X WHERE A IS NOT", LWMI_WBEM_E_INVALID_QUERY, "", 31 },
        { "SELECT * FROM X WHERE N\xc3\xa2"
          "me = B",
          LWMI_WBEM_E_INVALID_QUERY, "B", 30 },
        { "SELECT * FROM X WHERE A = 1 AND \xc3\xa9"
          " = B",
          LWMI_WBEM_E_INVALID_QUERY, "B", 37 },
        { "ASSOCIATORS {X}", LWMI_WBEM_E_INVALID_QUERY, "{X}", 13 },
        { "ASSOCIATORS OF X", LWMI_WBEM_E_INVALID_QUERY, "X", 16 },
        { "ASSOCIATORS OF {X", LWMI_WBEM_E_INVALID_QUERY, "{X", 16 },
        { "ASSOCIATORS OF {X.K=\"}", LWMI_WBEM_E_INVALID_QUERY, "{X.K=\"}", 16 },
        { "ASSOCIATORS OF {}", LWMI_WBEM_E_INVALID_OBJECT_PATH, "{}", 16 },
        { "ASSOCIATORS OF {  }", LWMI_WBEM_E_INVALID_OBJECT_PATH, "{  }", 16 },
        { "ASSOCIATORS OF {X{Y}", LWMI_WBEM_E_INVALID_QUERY, "{", 18 },
        { "ASSOCIATORS OF {X} WHERE", LWMI_WBEM_E_INVALID_QUERY, "", 25 },
        { "ASSOCIATORS OF {X} WHERE Foo", LWMI_WBEM_E_INVALID_QUERY, "Foo", 26 },
        { "ASSOCIATORS OF {X} WHERE ClassDefsOnly SchemaOnly", LWMI_WBEM_E_INVALID_QUERY,
          "SchemaOnly", 40 },
        { "ASSOCIATORS OF {X} WHERE SchemaOnly ClassDefsOnly", LWMI_WBEM_E_INVALID_QUERY,
          "ClassDefsOnly", 37 },
        { "ASSOCIATORS OF {X} WHERE ClassDefsOnly ResultClass = Y", LWMI_WBEM_E_INVALID_QUERY,
          "ResultClass", 40 },
        { "ASSOCIATORS OF {X} WHERE KeysOnly SchemaOnly", LWMI_WBEM_E_INVALID_QUERY, "SchemaOnly",
          35 },
        { "ASSOCIATORS OF {X} WHERE ClassDefsOnly KeysOnly", LWMI_WBEM_E_INVALID_QUERY, "KeysOnly",
          40 },
        { "ASSOCIATORS OF {X} WHERE Role = A Role = B", LWMI_WBEM_E_INVALID_QUERY, "Role", 35 },
        { "ASSOCIATORS OF {X} WHERE SchemaOnly SchemaOnly", LWMI_WBEM_E_INVALID_QUERY, "SchemaOnly",
          37 },
        { "ASSOCIATORS OF {X} WHERE ResultClass", LWMI_WBEM_E_INVALID_QUERY, "", 37 },
        { "ASSOCIATORS OF {X} WHERE ResultClass =", LWMI_WBEM_E_INVALID_QUERY, "", 39 },
        { "ASSOCIATORS OF {X} WHERE ResultClass = 'Y'", LWMI_WBEM_E_INVALID_QUERY, "'Y'", 40 },
        { "ASSOCIATORS OF {X} WHERE ResultClass = Y,", LWMI_WBEM_E_INVALID_QUERY, ",", 41 },
        { "ASSOCIATORS OF {X} WHERE ResultClass = WHERE", LWMI_WBEM_E_INVALID_QUERY, "WHERE", 40 },
        { "ASSOCIATORS OF {X} extra", LWMI_WBEM_E_INVALID_QUERY, "extra", 20 },
        { "ASSOCIATORS OF {X} {Y}", LWMI_WBEM_E_INVALID_QUERY, "{Y}", 20 },
        { "REFERENCES {X}", LWMI_WBEM_E_INVALID_QUERY, "{X}", 12 },
        { "REFERENCES OF {X} WHERE AssocClass = A", LWMI_WBEM_E_INVALID_QUERY, "AssocClass", 25 },
        { "REFERENCES OF {X} WHERE ResultRole = A", LWMI_WBEM_E_INVALID_QUERY, "ResultRole", 25 },
        { "REFERENCES OF {X} WHERE RequiredAssocQualifier = A", LWMI_WBEM_E_INVALID_QUERY,
          "RequiredAssocQualifier", 25 },
        { "REFERENCES OF {X} WHERE ClassDefsOnly SchemaOnly", LWMI_WBEM_E_INVALID_QUERY,
          "SchemaOnly", 39 },
        { "REFERENCES OF {X} WHERE SchemaOnly KeysOnly", LWMI_WBEM_E_INVALID_QUERY, "KeysOnly",
          36 },
};

static unsigned n_cases;

/* Parses @text, formats it, and checks that the format is a fixed point. */
static char *parse_format(const char *text) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL, *q2 = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        _cleanup_free_ char *again = NULL;
        char *out = NULL;
        int r;

        r = wql_query_parse(text, &q, &err);
        if (r < 0)
                TEST_FAIL("parse of '%s' failed: %d, status %08x at column %u (\"%s\"): %s", text,
                          r, (unsigned) err.status, err.col, err.token, err.message);
        ASSERT_OK(wql_query_format(q, &out));
        r = wql_query_parse(out, &q2, &err);
        if (r < 0)
                TEST_FAIL("reparse of '%s' failed: %s", out, err.message);
        ASSERT_OK(wql_query_format(q2, &again));
        ASSERT_STREQ(again, out);
        return out;
}

TEST(ok_table) {
        for (size_t i = 0; i < ELEMENTSOF(ok_cases); i++) {
                _cleanup_free_ char *out = parse_format(ok_cases[i].query);
                const char *want = ok_cases[i].canonical ?: ok_cases[i].query;

                if (strcmp(out, want) != 0)
                        TEST_FAIL("row %zu: '%s' formats as '%s', expected '%s'", i,
                                  ok_cases[i].query, out, want);
                n_cases++;
        }
}

static void check_error(const char *text, size_t n, lwmi_status status, const char *token,
                        unsigned col) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;
        int r;

        r = wql_query_parse_n(text, n, &q, &err);
        if (r != -EINVAL)
                TEST_FAIL("'%s' parsed (%d), expected status %08x", text, r, (unsigned) status);
        ASSERT_NULL(q);
        if (err.status != status || err.col != col || !err.token || strcmp(err.token, token) != 0)
                TEST_FAIL("'%s': got status %08x column %u token \"%s\" (%s), expected %08x column "
                          "%u token \"%s\"",
                          text, (unsigned) err.status, err.col, err.token, err.message,
                          (unsigned) status, col, token);
        ASSERT_NOT_NULL(err.message);
        ASSERT_TRUE(strlen(err.message) > 0);
}

TEST(error_table) {
        for (size_t i = 0; i < ELEMENTSOF(err_cases); i++) {
                const ErrCase *c = &err_cases[i];

                check_error(c->query, strlen(c->query), c->status, c->token, c->col);
                n_cases++;
        }
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail) {
        size_t lh = strlen(head), lu = strlen(unit), lt = strlen(tail);
        char *s = malloc(lh + lu * n + lt + 1), *p;

        ASSERT_NOT_NULL(s);
        p = stpcpy(s, head);
        for (size_t i = 0; i < n; i++)
                p = stpcpy(p, unit);
        strcpy(p, tail);
        return s;
}

TEST(limits) {
        _cleanup_free_ char *parens_ok = NULL, *parens_bad = NULL, *nots_ok = NULL,
                            *nots_bad = NULL, *longq = NULL, *path = NULL, *list = NULL;
        _cleanup_free_ char *inner = NULL, *closing = NULL;

        /* WQL_DEPTH_MAX parentheses are fine, one more is a quota violation */
        inner = repeat("", ")", WQL_DEPTH_MAX, "");
        parens_ok = repeat("SELECT * FROM X WHERE ", "(", WQL_DEPTH_MAX, "");
        parens_ok = realloc(parens_ok, strlen(parens_ok) + strlen(inner) + 8);
        strcat(parens_ok, "A = 1");
        strcat(parens_ok, inner);
        free(parse_format(parens_ok));
        n_cases++;

        closing = repeat("A = 1", ")", WQL_DEPTH_MAX + 1, "");
        parens_bad = repeat("SELECT * FROM X WHERE ", "(", WQL_DEPTH_MAX + 1, closing);
        check_error(parens_bad, strlen(parens_bad), LWMI_WBEM_E_QUOTA_VIOLATION, "(",
                    23 + WQL_DEPTH_MAX);
        n_cases++;

        nots_ok = repeat("SELECT * FROM X WHERE ", "NOT ", WQL_DEPTH_MAX, "A = 1");
        free(parse_format(nots_ok));
        n_cases++;
        nots_bad = repeat("SELECT * FROM X WHERE ", "NOT ", WQL_DEPTH_MAX + 1, "A = 1");
        check_error(nots_bad, strlen(nots_bad), LWMI_WBEM_E_QUOTA_VIOLATION, "NOT",
                    23 + 4 * WQL_DEPTH_MAX);
        n_cases++;

        /* a query of exactly WQL_QUERY_MAX bytes parses; one more byte does not */
        longq = repeat("SELECT * FROM X WHERE A = 1", " ", WQL_QUERY_MAX - 27, "");
        ASSERT_EQ(strlen(longq), WQL_QUERY_MAX);
        free(parse_format(longq));
        n_cases++;
        longq = realloc(longq, WQL_QUERY_MAX + 2);
        strcat(longq, " ");
        check_error(longq, strlen(longq), LWMI_WBEM_E_QUOTA_VIOLATION, "", WQL_QUERY_MAX + 1);
        n_cases++;

        path = strdup("SELECT * FROM X WHERE A.B.C.D.E.F.G.H.I = 1");
        check_error(path, strlen(path), LWMI_WBEM_E_QUOTA_VIOLATION, "I", 39);
        n_cases++;

        list = repeat("SELECT A", ", A", WQL_LIST_MAX, " FROM X");
        check_error(list, strlen(list), LWMI_WBEM_E_QUOTA_VIOLATION, "A", 9 + 3 * WQL_LIST_MAX - 1);
        n_cases++;

        /* a long flat AND chain: n-ary, no deep recursion */
        _cleanup_free_ char *chain = repeat("SELECT * FROM X WHERE A = 1", " AND A = 1", 1500, "");
        free(parse_format(chain));
        n_cases++;
}

TEST(bytes) {
        static const char nul[] = "SELECT\0* FROM X";
        static const char bad_utf8[] = "SELECT * FROM X WHERE A = '\xff'";
        static const char bad_ident[] = "SELECT * FROM X WHERE \xc3 = 1";

        check_error(nul, sizeof(nul) - 1, LWMI_WBEM_E_INVALID_QUERY, "?", 7);
        check_error(bad_utf8, strlen(bad_utf8), LWMI_WBEM_E_INVALID_QUERY, "\xff", 28);
        check_error(bad_ident, strlen(bad_ident), LWMI_WBEM_E_INVALID_QUERY, "\xc3", 23);
        n_cases += 3;
}

static WqlQuery *parse(const char *text) {
        WqlQuery *q = NULL;
        WqlError err = WQL_ERROR_INIT;

        if (wql_query_parse(text, &q, &err) < 0)
                TEST_FAIL("'%s': %s", text, err.message);
        wql_error_deinit(&err);
        return q;
}

TEST(ast_select) {
        _cleanup_(wql_query_freep) WqlQuery *q =
                parse("SELECT Name, TargetInstance.Id FROM Win32_X");

        ASSERT_EQ(q->type, WQL_QUERY_SELECT);
        ASSERT_STREQ(q->class_name, "Win32_X");
        ASSERT_STREQ(wql_query_get_class(q), "Win32_X");
        ASSERT_FALSE(q->select_all);
        ASSERT_FALSE(q->is_schema);
        ASSERT_EQ(q->n_select, 2);
        ASSERT_STREQ(q->select[0]->path, "Name");
        ASSERT_EQ(q->select[1]->n_parts, 2);
        ASSERT_STREQ(q->select[1]->parts[0], "TargetInstance");
        ASSERT_STREQ(q->select[1]->parts[1], "Id");
        ASSERT_NULL(q->where);
        ASSERT_FALSE(wql_query_has_event_clauses(q));
        n_cases++;
}

TEST(ast_precedence) {
        _cleanup_(wql_query_freep) WqlQuery *q =
                parse("SELECT * FROM X WHERE A = 1 OR NOT B = 2 AND C = 3 OR D = 4");
        const WqlExpr *w = q->where;

        /* OR(A = 1, AND(NOT(B = 2), C = 3), D = 4) */
        ASSERT_EQ(w->op, WQL_OP_OR);
        ASSERT_EQ(w->n_children, 3);
        ASSERT_EQ(w->children[0]->op, WQL_OP_EQ);
        ASSERT_EQ(w->children[1]->op, WQL_OP_AND);
        ASSERT_EQ(w->children[1]->n_children, 2);
        ASSERT_EQ(w->children[1]->children[0]->op, WQL_OP_NOT);
        ASSERT_EQ(w->children[1]->children[0]->children[0]->op, WQL_OP_EQ);
        ASSERT_STREQ(w->children[1]->children[0]->children[0]->prop->path, "B");
        ASSERT_EQ(w->children[2]->op, WQL_OP_EQ);
        ASSERT_EQ(w->children[2]->col, 55);
        n_cases++;
}

TEST(ast_flip_and_constants) {
        _cleanup_(wql_query_freep) WqlQuery *q = parse(
                "SELECT * FROM X WHERE 10 <= A AND B = 0x7fffffffffffffff AND C = 18446744073709551615 "
                "AND D = -2.5 AND E = 'TRUE' AND F = \"42\" AND G = \"20240102030405.000000+060\"");
        WqlExpr *const *c = q->where->children;

        ASSERT_EQ(q->where->n_children, 7);
        ASSERT_EQ(c[0]->op, WQL_OP_GE);
        ASSERT_EQ(c[0]->value.kind, WQL_CONST_INT);
        ASSERT_EQ(c[0]->value.sint, 10);
        ASSERT_EQ(c[1]->value.sint, INT64_MAX);
        ASSERT_FALSE(c[1]->value.is_uint);
        ASSERT_TRUE(c[2]->value.is_uint);
        ASSERT_UEQ(c[2]->value.uint, UINT64_MAX);
        ASSERT_EQ(c[3]->value.kind, WQL_CONST_REAL);
        ASSERT_TRUE(c[3]->value.real == -2.5);
        ASSERT_EQ(c[4]->value.kind, WQL_CONST_STRING);
        ASSERT_TRUE(c[4]->value.has_bool && c[4]->value.boolean);
        ASSERT_TRUE(c[5]->value.has_int);
        ASSERT_EQ(c[5]->value.sint, 42);
        ASSERT_TRUE(c[6]->value.has_datetime);
        ASSERT_EQ(c[6]->value.datetime.year, 2024);
        ASSERT_EQ(c[6]->value.datetime.utc_offset, 60);
        n_cases++;
}

TEST(ast_props_and_roots) {
        _cleanup_(wql_query_freep) WqlQuery *q = parse(
                "SELECT * FROM __InstanceModificationEvent WITHIN 1 WHERE TargetInstance ISA "
                "'Win32_Process' AND targetinstance.Name = 'x' AND PreviousInstance.Name <> 'x' "
                "AND TARGETINSTANCE.NAME LIKE 'x%' AND __CLASS = 'E'");

        ASSERT_EQ(q->n_props, 4);
        ASSERT_EQ(q->n_roots, 3);
        ASSERT_STREQ(q->props[0]->path, "TargetInstance");
        ASSERT_STREQ(q->props[1]->path, "targetinstance.Name");
        ASSERT_EQ(q->props[0]->root, 0);
        ASSERT_EQ(q->props[1]->root, 0);
        ASSERT_EQ(q->props[2]->root, 1);
        ASSERT_EQ(q->props[3]->root, 2);
        ASSERT_TRUE(q->props[3]->is_system);
        ASSERT_FALSE(q->props[0]->is_system);
        ASSERT_TRUE(wql_query_find_property(q, "TargetInstance.NAME") == q->props[1]);
        ASSERT_NULL(wql_query_find_property(q, "Nope"));
        /* the same path written twice shares one entry */
        ASSERT_TRUE(q->where->children[1]->prop == q->where->children[3]->prop);
        ASSERT_STREQ(wql_query_get_target_class(q), "Win32_Process");
        ASSERT_TRUE(wql_query_has_event_clauses(q));
        ASSERT_TRUE(q->has_within);
        ASSERT_TRUE(q->within == 1.0);
        n_cases++;
}

TEST(ast_event) {
        _cleanup_(wql_query_freep) WqlQuery *q =
                parse("SELECT * FROM __InstanceCreationEvent WITHIN 0.5 WHERE TargetInstance ISA "
                      "\"Win32_Process\" GROUP WITHIN 30 BY TargetInstance.Name, TargetInstance.Id "
                      "HAVING NumberOfEvents > 10");
        _cleanup_(wql_query_freep) WqlQuery *q2 =
                parse("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'A' OR "
                      "TargetInstance ISA 'B'");
        _cleanup_(wql_query_freep) WqlQuery *q3 =
                parse("SELECT * FROM MyEvent WHERE TargetInstance ISA 'A'");
        _cleanup_(wql_query_freep) WqlQuery *q4 = parse("SELECT * FROM MyEvent GROUP WITHIN 5");

        ASSERT_TRUE(q->has_within);
        ASSERT_TRUE(q->within == 0.5);
        ASSERT_TRUE(q->has_group);
        ASSERT_TRUE(q->group_within == 30);
        ASSERT_EQ(q->n_group_by, 2);
        ASSERT_STREQ(q->group_by[0]->path, "TargetInstance.Name");
        ASSERT_STREQ(q->group_by[1]->path, "TargetInstance.Id");
        ASSERT_NOT_NULL(q->having);
        ASSERT_EQ(q->having->op, WQL_OP_GT);
        ASSERT_STREQ(q->having->prop->path, "NumberOfEvents");
        ASSERT_EQ(q->having->value.sint, 10);
        ASSERT_STREQ(wql_query_get_target_class(q), "Win32_Process");
        ASSERT_NULL(wql_query_get_target_class(q2));
        ASSERT_STREQ(wql_query_get_target_class(q3), "A");
        ASSERT_FALSE(wql_query_has_event_clauses(q3));
        ASSERT_TRUE(wql_query_has_event_clauses(q4));
        ASSERT_FALSE(q4->has_within);
        ASSERT_EQ(q4->n_group_by, 0);
        ASSERT_NULL(q4->having);
        n_cases++;
}

TEST(ast_schema) {
        _cleanup_(wql_query_freep) WqlQuery *q =
                parse("SELECT * FROM Meta_Class WHERE __this ISA \"Win32_Process\"");

        ASSERT_TRUE(q->is_schema);
        ASSERT_EQ(q->where->op, WQL_OP_ISA);
        ASSERT_STREQ(q->where->value.text, "Win32_Process");
        ASSERT_TRUE(q->where->prop->is_system);
        n_cases++;
}

TEST(ast_assoc) {
        _cleanup_(wql_query_freep) WqlQuery *a = parse(
                "ASSOCIATORS OF {Win32_LogicalDisk.DeviceID=\"C:\"} WHERE AssocClass = "
                "Win32_SystemDevices ResultClass = Win32_ComputerSystem ResultRole = GroupComponent "
                "Role = PartComponent RequiredQualifier = Key RequiredAssocQualifier = Association "
                "KeysOnly");
        _cleanup_(wql_query_freep) WqlQuery *r =
                parse("references of {Adapter} where schemaonly role = R");

        ASSERT_EQ(a->type, WQL_QUERY_ASSOCIATORS);
        ASSERT_STREQ(a->object_path, "Win32_LogicalDisk.DeviceID=\"C:\"");
        ASSERT_STREQ(a->assoc_class, "Win32_SystemDevices");
        ASSERT_STREQ(a->result_class, "Win32_ComputerSystem");
        ASSERT_STREQ(a->result_role, "GroupComponent");
        ASSERT_STREQ(a->role, "PartComponent");
        ASSERT_STREQ(a->required_qualifier, "Key");
        ASSERT_STREQ(a->required_assoc_qualifier, "Association");
        ASSERT_EQ(a->assoc_flags, WQL_ASSOC_KEYS_ONLY);
        ASSERT_NULL(wql_query_get_class(a));
        ASSERT_EQ(r->type, WQL_QUERY_REFERENCES);
        ASSERT_STREQ(r->object_path, "Adapter");
        ASSERT_EQ(r->assoc_flags, WQL_ASSOC_SCHEMA_ONLY);
        ASSERT_STREQ(r->role, "R");
        ASSERT_NULL(r->result_class);
        n_cases++;
}

TEST(error_to_lwmi) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        _cleanup_(wql_error_deinitp) WqlError err = WQL_ERROR_INIT;

        /* a filled error is released by the next failure, with no leak */
        ASSERT_ERRNO(wql_query_parse("SELECT", &q, &err), EINVAL);
        ASSERT_ERRNO(wql_query_parse("DROP X", &q, &err), EINVAL);
        ASSERT_UEQ(err.status, (lwmi_status) LWMI_WBEM_E_INVALID_QUERY_TYPE);
        ASSERT_STREQ(err.token, "DROP");
        /* the public error carries the status, the token and the column */
        lwmi_error pub = {};
        ASSERT_ERRNO(wql_error_to_lwmi(&err, &pub), EINVAL);
        ASSERT_UEQ(pub.status, (lwmi_status) LWMI_WBEM_E_INVALID_QUERY_TYPE);
        ASSERT_NOT_NULL(strstr(pub.message, "\"DROP\" at column 1"));
        ASSERT_ERRNO(wql_error_to_lwmi(&err, NULL), EINVAL);
        /* without an error struct the status is simply not reported */
        ASSERT_ERRNO(wql_query_parse("SELECT", &q, NULL), EINVAL);
        ASSERT_ERRNO(wql_query_parse(NULL, &q, NULL), EINVAL);
        n_cases++;
}

TEST(summary) {
        fprintf(stderr, "%u parse cases\n", n_cases);
        if (!getenv("TESTFUNCS"))
                ASSERT_TRUE(n_cases >= 250);
}

TEST_MAIN();
