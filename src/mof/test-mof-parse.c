/* SPDX-License-Identifier: MIT */
/* Unit tests of the MOF lexer and parser (syntax only, no object model). */
#include <string.h>

#include "mof/mof-lexer.h"
#include "mof/mof-parse.h"
#include "shared/test.h"

typedef struct Parsed {
        MofArena arena;
        MofDiagList diags;
        unsigned n_errors;
        MofAst ast;
} Parsed;

static void parse(Parsed *p, const char *text) {
        MofParseContext ctx;
        MofSource src = { .path = (char *) "t.mof", .data = (char *) text, .size = strlen(text) };

        *p = (Parsed){ .arena = MOF_ARENA_INIT, .diags = MOF_DIAG_LIST_INIT };
        ctx = (MofParseContext){ .arena = &p->arena, .diags = &p->diags, .n_errors = &p->n_errors };
        ASSERT_OK(mof_parse_source(&ctx, &src, &p->ast));
}

static void done(Parsed *p) {
        mof_diag_list_deinit(&p->diags);
        mof_arena_deinit(&p->arena);
}

static void parse_ok(Parsed *p, const char *text) {
        parse(p, text);
        if (p->n_errors > 0) {
                mof_diag_list_print(&p->diags, stderr);
                TEST_FAIL("unexpected errors parsing: %s", text);
        }
}

/* Asserts that parsing @text reports an error at @line:@col containing @substr. */
static void parse_err(const char *text, unsigned line, unsigned col, const char *substr) {
        Parsed p;
        bool found = false;

        parse(&p, text);
        for (size_t i = 0; i < p.diags.n; i++) {
                const MofDiag *d = &p.diags.items[i];

                if (!d->warning && d->line == line && d->col == col && strstr(d->message, substr))
                        found = true;
        }
        if (!found) {
                mof_diag_list_print(&p.diags, stderr);
                TEST_FAIL("no error %u:%u '%s' for: %s", line, col, substr, text);
        }
        done(&p);
}

static const MofFeature *feature(const Parsed *p, size_t node, size_t i) {
        ASSERT_TRUE(node < p->ast.n_nodes);
        ASSERT_EQ(p->ast.nodes[node].kind, MOF_NODE_CLASS);
        ASSERT_TRUE(i < p->ast.nodes[node].u.cls.n_features);
        return &p->ast.nodes[node].u.cls.features[i];
}

TEST(empty_input) {
        Parsed p;

        parse_ok(&p, "");
        ASSERT_EQ(p.ast.n_nodes, 0);
        done(&p);
        parse_ok(&p, "  // only a comment\n/* and a block */\n;;");
        ASSERT_EQ(p.ast.n_nodes, 0);
        done(&p);
}

TEST(class_with_superclass) {
        Parsed p;

        parse_ok(&p, "class A : B { uint32 X; };");
        ASSERT_EQ(p.ast.n_nodes, 1);
        ASSERT_STREQ(p.ast.nodes[0].u.cls.name, "A");
        ASSERT_STREQ(p.ast.nodes[0].u.cls.super, "B");
        ASSERT_EQ(p.ast.nodes[0].u.cls.super_pos.col, 11);
        ASSERT_EQ(feature(&p, 0, 0)->type, LWMI_CIM_UINT32);
        done(&p);
}

TEST(all_types) {
        static const struct {
                const char *name;
                lwmi_cimtype type;
        } t[] = {
                { "uint8", LWMI_CIM_UINT8 },       { "SINT8", LWMI_CIM_SINT8 },
                { "uint16", LWMI_CIM_UINT16 },     { "sint16", LWMI_CIM_SINT16 },
                { "uint32", LWMI_CIM_UINT32 },     { "sint32", LWMI_CIM_SINT32 },
                { "uint64", LWMI_CIM_UINT64 },     { "sint64", LWMI_CIM_SINT64 },
                { "real32", LWMI_CIM_REAL32 },     { "real64", LWMI_CIM_REAL64 },
                { "String", LWMI_CIM_STRING },     { "boolean", LWMI_CIM_BOOLEAN },
                { "datetime", LWMI_CIM_DATETIME }, { "char16", LWMI_CIM_CHAR16 },
                { "object", LWMI_CIM_OBJECT },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                ASSERT_EQ(mof_type_from_name(t[i].name), t[i].type);
        ASSERT_EQ(mof_type_from_name("Package"), LWMI_CIM_EMPTY);
}

TEST(integer_literals) {
        Parsed p;

        parse_ok(
                &p,
                "class C { uint32 A = 42; uint32 B = 0x1F; uint32 C = 017; uint32 D = 101b;"
                " sint32 E = -5; sint32 F = +6; uint32 G = 0; uint64 H = 18446744073709551615; };");
        ASSERT_EQ(feature(&p, 0, 0)->def.u, 42);
        ASSERT_EQ(feature(&p, 0, 1)->def.u, 31);
        ASSERT_EQ(feature(&p, 0, 2)->def.u, 15);
        ASSERT_EQ(feature(&p, 0, 3)->def.u, 5);
        ASSERT_EQ(feature(&p, 0, 4)->def.u, 5);
        ASSERT_TRUE(feature(&p, 0, 4)->def.neg);
        ASSERT_FALSE(feature(&p, 0, 5)->def.neg);
        ASSERT_EQ(feature(&p, 0, 6)->def.u, 0);
        ASSERT_UEQ(feature(&p, 0, 7)->def.u, UINT64_MAX);
        done(&p);
}

TEST(real_literals) {
        Parsed p;

        parse_ok(
                &p,
                "class C { real64 A = 1.5; real64 B = .25; real64 C = 1e3; real64 D = -2.5E-1; };");
        ASSERT_EQ(feature(&p, 0, 0)->def.kind, MOF_LIT_REAL);
        ASSERT_TRUE(feature(&p, 0, 0)->def.r == 1.5);
        ASSERT_TRUE(feature(&p, 0, 1)->def.r == 0.25);
        ASSERT_TRUE(feature(&p, 0, 2)->def.r == 1000.0);
        ASSERT_TRUE(feature(&p, 0, 3)->def.r == -0.25);
        done(&p);
}

TEST(string_escapes) {
        Parsed p;

        parse_ok(&p, "class C { string S = \"\\b\\t\\n\\f\\r\\\"\\'\\\\\\x41\\X263a\"; };");
        ASSERT_STREQ(feature(&p, 0, 0)->def.s, "\b\t\n\f\r\"'\\A\xe2\x98\xba");
        done(&p);
}

TEST(adjacent_strings_concatenate) {
        Parsed p;
        const MofQual *q;

        parse_ok(&p, "[Description(\"ab\" \"cd\"\n \"ef\"), WmiEnum{\"0=A\" \"1=B\", \"2=C\"}] "
                     "class C { };");
        q = &p.ast.nodes[0].u.cls.quals.items[0];
        ASSERT_STREQ(q->value.s, "abcdef");
        q = &p.ast.nodes[0].u.cls.quals.items[1];
        ASSERT_EQ(q->value.kind, MOF_LIT_ARRAY);
        ASSERT_EQ(q->value.n_items, 2);
        ASSERT_STREQ(q->value.items[0].s, "0=A1=B");
        done(&p);
}

TEST(char16_literals) {
        Parsed p;

        parse_ok(&p, "class C { char16 A = 'x'; char16 B = '\\n'; char16 D = '\\x263A'; };");
        ASSERT_EQ(feature(&p, 0, 0)->def.c, 'x');
        ASSERT_EQ(feature(&p, 0, 1)->def.c, '\n');
        ASSERT_EQ(feature(&p, 0, 2)->def.c, 0x263a);
        done(&p);
}

TEST(bool_null_literals) {
        Parsed p;

        parse_ok(&p, "class C { boolean A = TRUE; boolean B = false; string S = NULL; };");
        ASSERT_TRUE(feature(&p, 0, 0)->def.b);
        ASSERT_EQ(feature(&p, 0, 1)->def.kind, MOF_LIT_BOOL);
        ASSERT_FALSE(feature(&p, 0, 1)->def.b);
        ASSERT_EQ(feature(&p, 0, 2)->def.kind, MOF_LIT_NULL);
        done(&p);
}

TEST(arrays) {
        Parsed p;

        parse_ok(&p, "class C { uint8 F[4]; string V[] = {\"a\", \"b\"}; uint8 E[] = {}; };");
        ASSERT_TRUE(feature(&p, 0, 0)->is_array);
        ASSERT_EQ(feature(&p, 0, 0)->array_size, 4);
        ASSERT_EQ(feature(&p, 0, 1)->array_size, -1);
        ASSERT_EQ(feature(&p, 0, 1)->def.n_items, 2);
        ASSERT_EQ(feature(&p, 0, 2)->def.kind, MOF_LIT_ARRAY);
        ASSERT_EQ(feature(&p, 0, 2)->def.n_items, 0);
        done(&p);
}

TEST(references_and_embedded) {
        Parsed p;

        parse_ok(&p, "class C { Target ref R; Package P; Package Q[2]; };");
        ASSERT_EQ(feature(&p, 0, 0)->type, LWMI_CIM_REFERENCE);
        ASSERT_STREQ(feature(&p, 0, 0)->class_ref, "Target");
        ASSERT_EQ(feature(&p, 0, 1)->type, LWMI_CIM_OBJECT);
        ASSERT_STREQ(feature(&p, 0, 1)->class_ref, "Package");
        ASSERT_EQ(feature(&p, 0, 2)->array_size, 2);
        done(&p);
}

TEST(methods) {
        Parsed p;
        const MofFeature *m;

        parse_ok(&p, "class C { [Implemented, WmiMethodId(1)] void M([in] uint32 A, "
                     "[out, WmiSizeIs(\"N\")] uint8 B[], [out] uint32 N); uint32 F(); };");
        m = feature(&p, 0, 0);
        ASSERT_TRUE(m->is_method);
        ASSERT_EQ(m->type, LWMI_CIM_EMPTY);
        ASSERT_EQ(m->n_params, 3);
        ASSERT_STREQ(m->params[1].name, "B");
        ASSERT_TRUE(m->params[1].is_array);
        ASSERT_EQ(m->params[1].quals.n, 2);
        ASSERT_EQ(feature(&p, 0, 1)->type, LWMI_CIM_UINT32);
        ASSERT_EQ(feature(&p, 0, 1)->n_params, 0);
        done(&p);
}

TEST(qualifier_flavors) {
        Parsed p;
        const MofQualList *q;

        parse_ok(&p, "[Dynamic : ToInstance, Description(\"x\") : Amended ToSubclass, "
                     "Abstract : DisableOverride Restricted Translatable, Key : EnableOverride] "
                     "class C { };");
        q = &p.ast.nodes[0].u.cls.quals;
        ASSERT_EQ(q->n, 4);
        ASSERT_EQ(q->items[0].flavor, LWMI_FLAVOR_TO_INSTANCE);
        ASSERT_EQ(q->items[1].flavor, LWMI_FLAVOR_AMENDED);
        ASSERT_EQ(q->items[1].flavor_clear, LWMI_FLAVOR_RESTRICTED);
        ASSERT_EQ(q->items[2].flavor,
                  LWMI_FLAVOR_DISABLE_OVERRIDE | LWMI_FLAVOR_RESTRICTED | LWMI_FLAVOR_TRANSLATABLE);
        ASSERT_EQ(q->items[3].flavor_clear, LWMI_FLAVOR_DISABLE_OVERRIDE);
        ASSERT_FALSE(q->items[0].has_value);
        done(&p);
}

TEST(qualifier_values) {
        Parsed p;
        const MofQualList *q;

        parse_ok(&p, "[Locale(0x409), Values{\"a\", \"b\"}, ValueMap({\"1\"}), read] class C { };");
        q = &p.ast.nodes[0].u.cls.quals;
        ASSERT_EQ(q->items[0].value.kind, MOF_LIT_INT);
        ASSERT_EQ(q->items[0].value.u, 0x409);
        ASSERT_EQ(q->items[1].value.kind, MOF_LIT_ARRAY);
        ASSERT_EQ(q->items[2].value.kind, MOF_LIT_ARRAY);
        ASSERT_FALSE(q->items[3].has_value);
        done(&p);
}

TEST(qualifier_declaration) {
        Parsed p;
        const MofQualDeclAst *q;

        parse_ok(&p, "Qualifier Units : string = \"s\", Scope(property, method), "
                     "Flavor(DisableOverride, Translatable);\nqualifier Vals : string[];");
        ASSERT_EQ(p.ast.n_nodes, 2);
        q = &p.ast.nodes[0].u.qual;
        ASSERT_STREQ(q->name, "Units");
        ASSERT_EQ(q->type, LWMI_CIM_STRING);
        ASSERT_EQ(q->scopes, MOF_SCOPE_PROPERTY | MOF_SCOPE_METHOD);
        ASSERT_EQ(q->flavor, LWMI_FLAVOR_DISABLE_OVERRIDE | LWMI_FLAVOR_TRANSLATABLE);
        ASSERT_EQ(p.ast.nodes[1].u.qual.type, LWMI_CIM_STRING | LWMI_CIM_FLAG_ARRAY);
        done(&p);
}

TEST(instances_and_aliases) {
        Parsed p;
        const MofInstanceDecl *in;

        parse_ok(&p, "instance of Foo as $F1 { A = 1; [Q] B = $F2; C = {1, 2}; };");
        in = &p.ast.nodes[0].u.inst;
        ASSERT_STREQ(in->class_name, "Foo");
        ASSERT_STREQ(in->alias, "F1");
        ASSERT_EQ(in->n_props, 3);
        ASSERT_EQ(in->props[1].value.kind, MOF_LIT_ALIAS);
        ASSERT_STREQ(in->props[1].value.s, "F2");
        ASSERT_EQ(in->props[1].quals.n, 1);
        done(&p);
}

TEST(pragmas) {
        Parsed p;

        parse_ok(&p, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
                     "#PRAGMA AUTORECOVER\n"
                     "#Pragma classflags(\"forceupdate\")\n"
                     "#pragma locale(\"MS_409\")\n"
                     "#pragma deleteclass(\"Old\", FAIL)\n"
                     "#pragma deleteinstance(\"Old.K=1\", NOFAIL)\n"
                     "class C { };\n"
                     "#pragma namespace(\"sub\")\n"
                     "class D { };\n");
        ASSERT_TRUE(p.ast.autorecover);
        ASSERT_STREQ(p.ast.locale, "MS_409");
        ASSERT_EQ(p.ast.n_nodes, 4);
        ASSERT_EQ(p.ast.nodes[0].kind, MOF_NODE_DELETE_CLASS);
        ASSERT_TRUE(p.ast.nodes[0].u.del.fail_if_missing);
        ASSERT_EQ(p.ast.nodes[1].kind, MOF_NODE_DELETE_INSTANCE);
        ASSERT_FALSE(p.ast.nodes[1].u.del.fail_if_missing);
        ASSERT_STREQ(p.ast.nodes[2].namespace_, "root\\cimv2");
        ASSERT_EQ(p.ast.nodes[2].class_flags, MOF_CLASSFLAG_FORCEUPDATE);
        ASSERT_STREQ(p.ast.nodes[3].namespace_, "root\\cimv2\\sub");
        done(&p);
}

TEST(default_namespace) {
        Parsed p;

        parse_ok(&p, "class C { };\n#pragma namespace(\"root/virtualization/v2\")\nclass D { };");
        ASSERT_STREQ(p.ast.nodes[0].namespace_, "root\\wmi");
        ASSERT_STREQ(p.ast.nodes[1].namespace_, "root\\virtualization\\v2");
        done(&p);
}

TEST(unknown_pragma_warns) {
        Parsed p;

        parse(&p, "#pragma frobnicate(\"x\")\nclass C { };");
        ASSERT_EQ(p.n_errors, 0);
        ASSERT_EQ(p.diags.n, 1);
        ASSERT_TRUE(p.diags.items[0].warning);
        ASSERT_EQ(p.ast.n_nodes, 1);
        done(&p);
}

TEST(cpp_quote) {
        Parsed p;

        parse_ok(&p, "cpp_quote(\"#define A 1\\n\" \"// x\")\ncpp_quote(\"y\");\nclass C { };");
        ASSERT_EQ(p.ast.n_nodes, 3);
        ASSERT_EQ(p.ast.nodes[0].kind, MOF_NODE_CPP_QUOTE);
        ASSERT_STREQ(p.ast.nodes[0].u.text, "#define A 1\n// x");
        ASSERT_STREQ(p.ast.nodes[1].u.text, "y");
        done(&p);
}

TEST(crlf_positions) {
        Parsed p;

        parse_ok(&p, "class C\r\n{\r\n  uint32 A;\r\n};\r\n");
        ASSERT_EQ(feature(&p, 0, 0)->pos.line, 3);
        ASSERT_EQ(feature(&p, 0, 0)->pos.col, 10);
        done(&p);
}

TEST(columns_count_characters) {
        Parsed p;

        /* "é" is two bytes but one column */
        parse_ok(&p, "class C { string S = \"\xc3\xa9\"; uint32 B; };");
        ASSERT_EQ(feature(&p, 0, 1)->pos.col, 34);
        done(&p);
}

TEST(line_continuation) {
        Parsed p;

        parse_ok(&p, "[read, \\\n write] class C { };");
        ASSERT_EQ(p.ast.nodes[0].u.cls.quals.n, 2);
        done(&p);
}

TEST(error_unterminated_string) {
        parse_err("class C { string S = \"abc\n; };", 1, 22, "unterminated string");
}

TEST(error_unterminated_comment) {
        parse_err("class C { };\n  /* never closed", 2, 3, "unterminated comment");
}

TEST(error_bad_escape) {
        parse_err("class C { string S = \"a\\qb\"; };", 1, 24, "unknown escape");
}

TEST(error_invalid_numbers) {
        parse_err("class C { uint32 A = 12ab; };", 1, 22, "invalid number");
        parse_err("class C { uint32 A = 0x; };", 1, 22, "invalid number");
        parse_err("class C { uint32 A = 09; };", 1, 22, "invalid number");
        parse_err("class C { uint32 A = 102b; };", 1, 22, "invalid number");
        parse_err("class C { uint64 A = 18446744073709551616; };", 1, 22, "out of range");
}

TEST(error_preprocessor_needs_cpp) {
        parse_err("// x\n  #include \"foo.h\"\nclass C { };", 2, 3, "--cpp");
        parse_err("#define A 1\n", 1, 1, "'#define' needs the C preprocessor");
}

TEST(error_template_placeholder) {
        parse_err("class @OBJECT_PREFIX@Node { };", 1, 7, "template placeholder '@OBJECT_PREFIX@'");
}

TEST(error_unexpected_character) {
        parse_err("class C { uint32 A; } ~", 1, 23, "unexpected character '~'");
}

TEST(error_missing_semicolon) {
        parse_err("class C { uint32 A uint32 B; };", 1, 20, "expected ';' after property");
        parse_err("class C { uint32 A; }\nclass D { };", 2, 1, "expected ';' after class");
}

TEST(error_missing_class_name) {
        parse_err("class { };", 1, 7, "expected class name");
        parse_err("class C : { };", 1, 11, "expected superclass name");
}

TEST(error_bad_flavor) {
        parse_err("[Key : Sometimes] class C { };", 1, 8, "unknown qualifier flavor 'Sometimes'");
}

TEST(error_bad_scope) {
        parse_err("Qualifier Q : boolean, Scope(universe);", 1, 30, "unknown scope 'universe'");
}

TEST(error_nested_array) {
        parse_err("class C { uint32 A[] = {{1}}; };", 1, 25, "cannot be nested");
}

TEST(error_void_property) {
        parse_err("class C { void A; };", 1, 11, "'void' is only valid");
}

TEST(error_garbage_at_top) {
        parse_err("uint32 X;", 1, 1, "expected class, instance, qualifier declaration or #pragma");
        parse_err("[Key] uint32 X;", 1, 7, "'class' or 'instance' after qualifiers");
}

TEST(error_instance_syntax) {
        parse_err("instance Foo { };", 1, 10, "expected 'of'");
        parse_err("instance of Foo as F1 { };", 1, 20, "expected alias");
        parse_err("instance of Foo { A 1; };", 1, 21, "expected '='");
}

TEST(error_pragma_args) {
        parse_err("#pragma namespace(42)", 1, 1, "needs a string");
        parse_err("#pragma deleteclass(\"X\", MAYBE)", 1, 26, "FAIL or NOFAIL");
        parse_err("#pragma classflags(\"sometimes\")", 1, 20, "unknown class flag");
        parse_err("#pragma include(\"x.mof\")", 1, 17, "not available");
}

TEST(recovery_reports_several_errors) {
        Parsed p;

        parse(&p, "class A { uint32 X uint32 Y; uint32 Z; };\n"
                  "class B { string S = \"unterminated\n; };\n"
                  "class Good { uint32 G; };\n"
                  "[Key : Bad] class C { };\n");
        ASSERT_EQ(p.n_errors, 3);
        /* the classes around the errors are still parsed */
        ASSERT_TRUE(p.ast.n_nodes >= 2);
        for (size_t i = 0; i < p.ast.n_nodes; i++)
                if (p.ast.nodes[i].kind == MOF_NODE_CLASS &&
                    strcmp(p.ast.nodes[i].u.cls.name, "Good") == 0)
                        goto found;
        TEST_FAIL("class Good was lost in recovery");
found:
        done(&p);
}

TEST(error_limit) {
        Parsed p;
        char text[4096] = "";

        for (int i = 0; i < 200; i++)
                strcat(text, "~ ");
        parse(&p, text);
        ASSERT_EQ(p.n_errors, 50);
        done(&p);
}

TEST(garbage_never_crashes) {
        static const char *const inputs[] = {
                "[",
                "]",
                "{",
                "}",
                "(",
                ")",
                "class",
                "class C",
                "class C {",
                "class C { uint32",
                "class C { uint32 A",
                "class C { uint32 A[",
                "class C { uint32 A[3",
                "[Key(",
                "[Key(1",
                "[Key{",
                "[Key : ",
                "instance of",
                "instance of X as",
                "#pragma",
                "#pragma namespace(",
                "qualifier",
                "qualifier Q :",
                "cpp_quote(",
                "\"",
                "'",
                "'ab'",
                "$",
                "0x",
                "1e",
                "-",
                "- x",
                "class C { void M([in] uint32 A",
                "/*",
                "class C { M(",
                "\\",
                "#",
                "\xff\xfe",
                "class C { uint32 A = {1, ",
                "@X@",
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                Parsed p;

                parse(&p, inputs[i]);
                ASSERT_TRUE(p.n_errors > 0 || p.ast.n_nodes == 0);
                done(&p);
        }
}

TEST_MAIN();
