/* SPDX-License-Identifier: MIT */
/*
 * MOF parser: DSP0004 MOF as Microsoft's mofcomp accepts it, to a syntax tree.
 *
 * Theory of operation
 *
 * The parser is a hand-written recursive descent over the token stream of
 * mof-lexer.c with one token of lookahead (p->tok). Each top-level production
 * (pragma, qualifier declaration, class, instance, cpp_quote) becomes one
 * MofNode in the MofAst, tagged with the namespace and class flags that the
 * pragmas seen so far put in force. No semantic check happens here: names,
 * types, qualifier values and WMI rules are checked by mof-compile.c, which
 * has every position it needs in the tree.
 *
 * Error recovery: the first syntax error of a production is reported and puts
 * the parser in "panic"; later errors are not reported until it recovers. In
 * a class or instance body the parser skips to the next ';' (or to the '}'
 * that closes the body) and goes on with the next member; at top level it
 * skips to the next ';' or to the '}' that closes the current block, so one
 * run reports one error per broken production. Lexical errors are reported by
 * the lexer and arrive as MOF_TOK_ERROR, which enters panic silently. Parsing
 * stops once the compilation's error count reaches its limit.
 *
 * Nothing recurses on input structure except "#pragma include", which is
 * bounded by MOF_MAX_INCLUDE_DEPTH; arrays do not nest. Every node and string
 * lives in the arena of the compilation.
 */
#include "mof/mof-parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mof/mof-diag.h"
#include "mof/mof-lexer.h"
#include "shared/name.h"
#include "shared/strbuf.h"

typedef struct MofParser {
        const MofParseContext *ctx;
        MofLexer *lx;
        MofToken tok;
        MofAst *ast;
        const char *namespace_;
        uint32_t class_flags;
        bool panic;
        bool oom;
        unsigned include_depth;
} MofParser;

void mof_source_done(MofSource *s) {
        free(s->path);
        free(s->data);
        *s = (MofSource){};
}

lwmi_cimtype mof_type_from_name(const char *name) {
        static const struct {
                const char *name;
                lwmi_cimtype type;
        } types[] = {
                { "uint8", LWMI_CIM_UINT8 },       { "sint8", LWMI_CIM_SINT8 },
                { "uint16", LWMI_CIM_UINT16 },     { "sint16", LWMI_CIM_SINT16 },
                { "uint32", LWMI_CIM_UINT32 },     { "sint32", LWMI_CIM_SINT32 },
                { "uint64", LWMI_CIM_UINT64 },     { "sint64", LWMI_CIM_SINT64 },
                { "real32", LWMI_CIM_REAL32 },     { "real64", LWMI_CIM_REAL64 },
                { "string", LWMI_CIM_STRING },     { "boolean", LWMI_CIM_BOOLEAN },
                { "datetime", LWMI_CIM_DATETIME }, { "char16", LWMI_CIM_CHAR16 },
                { "object", LWMI_CIM_OBJECT },
        };

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (lwmi_name_eq(name, types[i].name))
                        return types[i].type;
        return LWMI_CIM_EMPTY;
}

static bool stopped(const MofParser *p) {
        unsigned max = p->ctx->max_errors ? p->ctx->max_errors : 50;

        return p->oom || *p->ctx->n_errors >= max;
}

_printf_(3, 4) static void parse_error(MofParser *p, const MofPos *pos, const char *fmt, ...) {
        va_list ap;

        if (p->panic)
                return;
        p->panic = true;
        va_start(ap, fmt);
        if (mof_diag_addv(p->ctx->diags, pos->file, pos->line, pos->col, false, fmt, ap) < 0)
                p->oom = true;
        va_end(ap);
        (*p->ctx->n_errors)++;
}

_printf_(3, 4) static void parse_warning(MofParser *p, const MofPos *pos, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (mof_diag_addv(p->ctx->diags, pos->file, pos->line, pos->col, true, fmt, ap) < 0)
                p->oom = true;
        va_end(ap);
}

static void next(MofParser *p) {
        mof_lexer_next(p->lx, &p->tok);
        if (p->lx->arena->oom)
                p->oom = true;
}

/* A short description of the current token for messages. */
static const char *tok_desc(MofParser *p) {
        const MofToken *t = &p->tok;

        if (t->kind == MOF_TOK_IDENT || t->kind == MOF_TOK_INT || t->kind == MOF_TOK_REAL) {
                char *s = mof_arena_alloc(p->ctx->arena, 64);

                if (!s)
                        return "token";
                snprintf(s, 64, "'%.*s'", (int) MIN(t->len, (size_t) 40), t->text);
                return s;
        }
        return mof_tok_kind_name(t->kind);
}

static bool is_kw(const MofParser *p, const char *kw) {
        return p->tok.kind == MOF_TOK_IDENT && lwmi_name_eq(p->tok.s, kw);
}

/* Reports "expected X" unless the current token is the (silent) error token. */
static void expected(MofParser *p, const char *what) {
        if (p->tok.kind == MOF_TOK_ERROR) {
                p->panic = true;
                return;
        }
        parse_error(p, &p->tok.pos, "expected %s, got %s", what, tok_desc(p));
}

static bool accept(MofParser *p, MofTokKind k) {
        if (p->tok.kind != k)
                return false;
        next(p);
        return true;
}

static bool expect(MofParser *p, MofTokKind k) {
        if (accept(p, k))
                return true;
        expected(p, mof_tok_kind_name(k));
        return false;
}

static char *expect_ident(MofParser *p, const char *what, MofPos *ret_pos) {
        char *s;

        if (p->tok.kind != MOF_TOK_IDENT) {
                expected(p, what);
                return NULL;
        }
        s = p->tok.s;
        if (ret_pos)
                *ret_pos = p->tok.pos;
        next(p);
        return s;
}

/*
 * Skips to the end of the broken production or member: past the next ';' at
 * brace depth 0, or up to (@in_body) / past (!@in_body) the '}' that closes the
 * current block.
 */
static void recover(MofParser *p, bool in_body) {
        unsigned depth = 0;

        for (;;) {
                switch (p->tok.kind) {
                case MOF_TOK_EOF:
                        p->panic = false;
                        return;
                case MOF_TOK_PRAGMA:
                        if (depth == 0 && !in_body) {
                                p->panic = false;
                                return;
                        }
                        break;
                case MOF_TOK_SEMICOLON:
                        if (depth == 0) {
                                next(p);
                                p->panic = false;
                                return;
                        }
                        break;
                case MOF_TOK_LBRACE:
                        depth++;
                        break;
                case MOF_TOK_RBRACE:
                        if (depth == 0 && in_body) {
                                p->panic = false;
                                return;
                        }
                        if (depth > 0)
                                depth--;
                        if (depth == 0 && !in_body) {
                                next(p);
                                accept(p, MOF_TOK_SEMICOLON);
                                p->panic = false;
                                return;
                        }
                        break;
                default:
                        break;
                }
                next(p);
                if (stopped(p))
                        return;
        }
}

static int lit_array_add(MofParser *p, MofLit *arr, const MofLit *item) {
        if (MOF_ARENA_GROW(p->ctx->arena, arr->items, arr->alloc_items, arr->n_items + 1) < 0) {
                p->oom = true;
                return -ENOMEM;
        }
        arr->items[arr->n_items++] = *item;
        return 0;
}

/* One or more adjacent string literals, concatenated. */
static bool parse_strings(MofParser *p, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        if (p->tok.kind != MOF_TOK_STRING) {
                expected(p, "string");
                return false;
        }
        if (p->tok.kind == MOF_TOK_STRING) {
                char *first = p->tok.s;

                next(p);
                if (p->tok.kind != MOF_TOK_STRING) {
                        *ret = first;
                        return true;
                }
                strbuf_append(&b, first);
        }
        while (p->tok.kind == MOF_TOK_STRING) {
                strbuf_append_n(&b, p->tok.s, p->tok.s_len);
                next(p);
                if (b.len > MOF_MAX_STRING) {
                        parse_error(p, &p->tok.pos, "string literal too long");
                        return false;
                }
        }
        *ret = mof_arena_strndup(p->ctx->arena, b.s ? b.s : "", b.len);
        if (!*ret || b.oom) {
                p->oom = true;
                return false;
        }
        return true;
}

/* A scalar constant: number, string(s), char, TRUE/FALSE/NULL, $alias. */
static bool parse_scalar(MofParser *p, MofLit *ret) {
        MofLit v = { .pos = p->tok.pos };

        switch (p->tok.kind) {
        case MOF_TOK_MINUS:
        case MOF_TOK_PLUS: {
                bool neg = p->tok.kind == MOF_TOK_MINUS;

                next(p);
                if (p->tok.kind == MOF_TOK_INT) {
                        v.kind = MOF_LIT_INT;
                        v.u = p->tok.u;
                        v.neg = neg && v.u != 0;
                } else if (p->tok.kind == MOF_TOK_REAL) {
                        v.kind = MOF_LIT_REAL;
                        v.r = neg ? -p->tok.r : p->tok.r;
                } else {
                        expected(p, "number after sign");
                        return false;
                }
                next(p);
                break;
        }
        case MOF_TOK_INT:
                v.kind = MOF_LIT_INT;
                v.u = p->tok.u;
                next(p);
                break;
        case MOF_TOK_REAL:
                v.kind = MOF_LIT_REAL;
                v.r = p->tok.r;
                next(p);
                break;
        case MOF_TOK_CHAR:
                v.kind = MOF_LIT_CHAR16;
                v.c = p->tok.c;
                next(p);
                break;
        case MOF_TOK_STRING:
                v.kind = MOF_LIT_STRING;
                if (!parse_strings(p, &v.s))
                        return false;
                break;
        case MOF_TOK_ALIAS:
                v.kind = MOF_LIT_ALIAS;
                v.s = p->tok.s;
                next(p);
                break;
        case MOF_TOK_IDENT:
                if (is_kw(p, "true") || is_kw(p, "false")) {
                        v.kind = MOF_LIT_BOOL;
                        v.b = is_kw(p, "true");
                } else if (is_kw(p, "null")) {
                        v.kind = MOF_LIT_NULL;
                } else {
                        expected(p, "a value");
                        return false;
                }
                next(p);
                break;
        default:
                expected(p, "a value");
                return false;
        }
        *ret = v;
        return true;
}

/* "{ v, v, ... }" (the '{' is the current token); an empty array is "{}". */
static bool parse_array(MofParser *p, MofLit *ret) {
        MofLit arr = { .kind = MOF_LIT_ARRAY, .pos = p->tok.pos };

        next(p);
        if (!accept(p, MOF_TOK_RBRACE)) {
                for (;;) {
                        MofLit item;

                        if (p->tok.kind == MOF_TOK_LBRACE) {
                                parse_error(p, &p->tok.pos, "arrays cannot be nested");
                                return false;
                        }
                        if (!parse_scalar(p, &item) || lit_array_add(p, &arr, &item) < 0)
                                return false;
                        if (accept(p, MOF_TOK_RBRACE))
                                break;
                        if (!expect(p, MOF_TOK_COMMA))
                                return false;
                }
        }
        *ret = arr;
        return true;
}

static bool parse_value(MofParser *p, MofLit *ret) {
        if (p->tok.kind == MOF_TOK_LBRACE)
                return parse_array(p, ret);
        if (is_kw(p, "instance")) {
                parse_error(p, &p->tok.pos, "embedded instance values are not supported");
                return false;
        }
        return parse_scalar(p, ret);
}

static bool flavor_from_name(const char *s, uint32_t *set, uint32_t *clear) {
        if (lwmi_name_eq(s, "ToInstance"))
                *set |= LWMI_FLAVOR_TO_INSTANCE;
        else if (lwmi_name_eq(s, "NotToInstance"))
                *clear |= LWMI_FLAVOR_TO_INSTANCE;
        else if (lwmi_name_eq(s, "ToSubclass"))
                *clear |= LWMI_FLAVOR_RESTRICTED;
        else if (lwmi_name_eq(s, "Restricted") || lwmi_name_eq(s, "NotToSubclass"))
                *set |= LWMI_FLAVOR_RESTRICTED;
        else if (lwmi_name_eq(s, "EnableOverride"))
                *clear |= LWMI_FLAVOR_DISABLE_OVERRIDE;
        else if (lwmi_name_eq(s, "DisableOverride"))
                *set |= LWMI_FLAVOR_DISABLE_OVERRIDE;
        else if (lwmi_name_eq(s, "Amended"))
                *set |= LWMI_FLAVOR_AMENDED;
        else if (lwmi_name_eq(s, "Translatable"))
                *set |= LWMI_FLAVOR_TRANSLATABLE;
        else
                return false;
        return true;
}

/* name [ (value) | {array} ] [ : flavor flavor ... ] */
static bool parse_qualifier(MofParser *p, MofQual *ret) {
        MofQual q = { .pos = p->tok.pos };

        q.name = expect_ident(p, "qualifier name", NULL);
        if (!q.name)
                return false;
        if (accept(p, MOF_TOK_LPAREN)) {
                q.has_value = true;
                if (!parse_value(p, &q.value) || !expect(p, MOF_TOK_RPAREN))
                        return false;
        } else if (p->tok.kind == MOF_TOK_LBRACE) {
                q.has_value = true;
                if (!parse_array(p, &q.value))
                        return false;
        }
        if (accept(p, MOF_TOK_COLON)) {
                q.has_flavor = true;
                do {
                        if (p->tok.kind != MOF_TOK_IDENT) {
                                expected(p, "qualifier flavor");
                                return false;
                        }
                        if (!flavor_from_name(p->tok.s, &q.flavor, &q.flavor_clear)) {
                                parse_error(p, &p->tok.pos, "unknown qualifier flavor '%s'",
                                            p->tok.s);
                                return false;
                        }
                        next(p);
                } while (p->tok.kind == MOF_TOK_IDENT);
        }
        *ret = q;
        return true;
}

/* "[ qualifier, ... ]" when the current token is '['; nothing otherwise. */
static bool parse_qualifier_list(MofParser *p, MofQualList *ret) {
        MofQualList l = {};

        if (p->tok.kind != MOF_TOK_LBRACKET) {
                *ret = l;
                return true;
        }
        next(p);
        for (;;) {
                MofQual q;

                if (!parse_qualifier(p, &q))
                        return false;
                if (MOF_ARENA_GROW(p->ctx->arena, l.items, l.alloc, l.n + 1) < 0) {
                        p->oom = true;
                        return false;
                }
                l.items[l.n++] = q;
                if (accept(p, MOF_TOK_RBRACKET))
                        break;
                if (p->tok.kind != MOF_TOK_COMMA) {
                        expected(p, "',' or ']' in qualifier list");
                        return false;
                }
                next(p);
        }
        *ret = l;
        return true;
}

/*
 * The type of a feature or parameter: a type keyword, "void" (@allow_void),
 * a class name (embedded object) or "Class ref".
 */
static bool parse_type(MofParser *p, MofFeature *f, bool allow_void, bool *ret_void) {
        char *name;

        f->type_pos = p->tok.pos;
        name = expect_ident(p, "a type", NULL);
        if (!name)
                return false;
        *ret_void = false;
        if (lwmi_name_eq(name, "void")) {
                if (!allow_void) {
                        parse_error(p, &f->type_pos, "'void' is only valid as a method result");
                        return false;
                }
                *ret_void = true;
                f->type = LWMI_CIM_EMPTY;
                return true;
        }
        if (is_kw(p, "ref")) {
                next(p);
                f->type = LWMI_CIM_REFERENCE;
                f->class_ref = name;
                return true;
        }
        f->type = mof_type_from_name(name);
        if (f->type == LWMI_CIM_EMPTY) {
                f->type = LWMI_CIM_OBJECT;
                f->class_ref = name;
        }
        return true;
}

/* "[n]" or "[]" after a name (the '[' is current). */
static bool parse_array_suffix(MofParser *p, MofFeature *f) {
        next(p);
        f->is_array = true;
        f->array_size = -1;
        if (p->tok.kind == MOF_TOK_INT) {
                if (p->tok.u == 0 || p->tok.u > INT32_MAX) {
                        parse_error(p, &p->tok.pos, "invalid array size");
                        return false;
                }
                f->array_size = (int32_t) p->tok.u;
                next(p);
        }
        return expect(p, MOF_TOK_RBRACKET);
}

static bool parse_parameter(MofParser *p, MofFeature *ret) {
        MofFeature f = {};
        bool is_void;

        if (!parse_qualifier_list(p, &f.quals) || !parse_type(p, &f, false, &is_void))
                return false;
        f.name = expect_ident(p, "parameter name", &f.pos);
        if (!f.name)
                return false;
        if (p->tok.kind == MOF_TOK_LBRACKET && !parse_array_suffix(p, &f))
                return false;
        if (accept(p, MOF_TOK_EQUALS)) {
                f.has_default = true;
                if (!parse_value(p, &f.def))
                        return false;
        }
        *ret = f;
        return true;
}

/* One property, reference or method of a class body. */
static bool parse_feature(MofParser *p, MofFeature *ret) {
        MofFeature f = {};
        bool is_void;

        if (!parse_qualifier_list(p, &f.quals) || !parse_type(p, &f, true, &is_void))
                return false;
        f.name = expect_ident(p, "property or method name", &f.pos);
        if (!f.name)
                return false;
        if (accept(p, MOF_TOK_LPAREN)) {
                f.is_method = true;
                if (!accept(p, MOF_TOK_RPAREN)) {
                        for (;;) {
                                MofFeature prm;

                                if (!parse_parameter(p, &prm))
                                        return false;
                                if (MOF_ARENA_GROW(p->ctx->arena, f.params, f.alloc_params,
                                                   f.n_params + 1) < 0) {
                                        p->oom = true;
                                        return false;
                                }
                                f.params[f.n_params++] = prm;
                                if (accept(p, MOF_TOK_RPAREN))
                                        break;
                                if (p->tok.kind != MOF_TOK_COMMA) {
                                        expected(p, "',' or ')' in parameter list");
                                        return false;
                                }
                                next(p);
                        }
                }
        } else {
                if (is_void) {
                        parse_error(p, &f.type_pos, "'void' is only valid as a method result");
                        return false;
                }
                if (p->tok.kind == MOF_TOK_LBRACKET && !parse_array_suffix(p, &f))
                        return false;
                if (accept(p, MOF_TOK_EQUALS)) {
                        f.has_default = true;
                        if (!parse_value(p, &f.def))
                                return false;
                }
        }
        if (p->tok.kind != MOF_TOK_SEMICOLON) {
                expected(p, f.is_method ? "';' after method" : "';' after property");
                return false;
        }
        next(p);
        *ret = f;
        return true;
}

static MofNode *node_add(MofParser *p, MofNodeKind kind, const MofPos *pos) {
        MofAst *ast = p->ast;
        MofNode *n;

        if (MOF_ARENA_GROW(p->ctx->arena, ast->nodes, ast->alloc_nodes, ast->n_nodes + 1) < 0) {
                p->oom = true;
                return NULL;
        }
        n = &ast->nodes[ast->n_nodes++];
        *n = (MofNode){
                .kind = kind,
                .pos = *pos,
                .namespace_ = p->namespace_,
                .class_flags = p->class_flags,
        };
        return n;
}

/* "class Name [: Super] { features };" after the qualifier list. */
static void parse_class(MofParser *p, const MofQualList *quals) {
        MofClassDecl c = { .quals = *quals };
        MofPos kw = p->tok.pos;
        MofNode *n;

        next(p); /* "class" */
        c.name = expect_ident(p, "class name", &c.pos);
        if (!c.name)
                goto fail;
        if (accept(p, MOF_TOK_COLON)) {
                c.super = expect_ident(p, "superclass name", &c.super_pos);
                if (!c.super)
                        goto fail;
        }
        if (p->tok.kind != MOF_TOK_LBRACE) {
                expected(p, "'{' to start the class body");
                goto fail;
        }
        next(p);
        while (p->tok.kind != MOF_TOK_RBRACE && p->tok.kind != MOF_TOK_EOF && !stopped(p)) {
                MofFeature f;

                if (!parse_feature(p, &f)) {
                        recover(p, true);
                        continue;
                }
                if (MOF_ARENA_GROW(p->ctx->arena, c.features, c.alloc_features, c.n_features + 1) <
                    0) {
                        p->oom = true;
                        return;
                }
                c.features[c.n_features++] = f;
        }
        if (!expect(p, MOF_TOK_RBRACE))
                goto fail;
        if (p->tok.kind != MOF_TOK_SEMICOLON) {
                expected(p, "';' after class declaration");
                goto fail;
        }
        next(p);
        n = node_add(p, MOF_NODE_CLASS, &kw);
        if (n)
                n->u.cls = c;
        return;
fail:
        recover(p, false);
}

/* "instance of Class [as $Alias] { Prop = value; ... };" */
static void parse_instance(MofParser *p, const MofQualList *quals) {
        MofInstanceDecl in = { .quals = *quals };
        MofPos kw = p->tok.pos;
        MofNode *n;

        next(p); /* "instance" */
        if (!is_kw(p, "of")) {
                expected(p, "'of'");
                goto fail;
        }
        next(p);
        in.class_name = expect_ident(p, "class name", &in.pos);
        if (!in.class_name)
                goto fail;
        if (is_kw(p, "as")) {
                next(p);
                if (p->tok.kind != MOF_TOK_ALIAS) {
                        expected(p, "alias ($name)");
                        goto fail;
                }
                in.alias = p->tok.s;
                in.alias_pos = p->tok.pos;
                next(p);
        }
        if (p->tok.kind != MOF_TOK_LBRACE) {
                expected(p, "'{' to start the instance body");
                goto fail;
        }
        next(p);
        while (p->tok.kind != MOF_TOK_RBRACE && p->tok.kind != MOF_TOK_EOF && !stopped(p)) {
                MofPropInit pi = {};

                if (!parse_qualifier_list(p, &pi.quals) ||
                    !(pi.name = expect_ident(p, "property name", &pi.pos)) ||
                    !expect(p, MOF_TOK_EQUALS) || !parse_value(p, &pi.value) ||
                    !expect(p, MOF_TOK_SEMICOLON)) {
                        recover(p, true);
                        continue;
                }
                if (MOF_ARENA_GROW(p->ctx->arena, in.props, in.alloc_props, in.n_props + 1) < 0) {
                        p->oom = true;
                        return;
                }
                in.props[in.n_props++] = pi;
        }
        if (!expect(p, MOF_TOK_RBRACE))
                goto fail;
        if (p->tok.kind != MOF_TOK_SEMICOLON) {
                expected(p, "';' after instance");
                goto fail;
        }
        next(p);
        n = node_add(p, MOF_NODE_INSTANCE, &kw);
        if (n)
                n->u.inst = in;
        return;
fail:
        recover(p, false);
}

static bool scope_from_name(const char *s, uint32_t *scopes) {
        static const struct {
                const char *name;
                uint32_t bit;
        } table[] = {
                { "class", MOF_SCOPE_CLASS },
                { "association", MOF_SCOPE_ASSOCIATION },
                { "indication", MOF_SCOPE_INDICATION },
                { "property", MOF_SCOPE_PROPERTY },
                { "reference", MOF_SCOPE_REFERENCE },
                { "method", MOF_SCOPE_METHOD },
                { "parameter", MOF_SCOPE_PARAMETER },
                { "qualifier", MOF_SCOPE_QUALIFIER },
                { "any", MOF_SCOPE_ANY },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (lwmi_name_eq(s, table[i].name)) {
                        *scopes |= table[i].bit;
                        return true;
                }
        return false;
}

/* "Qualifier Name : type [[]] [= value] [, Scope(...)] [, Flavor(...)];" */
static void parse_qualifier_decl(MofParser *p) {
        MofQualDeclAst q = {};
        MofPos kw = p->tok.pos;
        MofFeature f = {};
        bool is_void;
        MofNode *n;

        next(p); /* "qualifier" */
        q.name = expect_ident(p, "qualifier name", &q.pos);
        if (!q.name || !expect(p, MOF_TOK_COLON) || !parse_type(p, &f, false, &is_void))
                goto fail;
        if (f.class_ref) {
                parse_error(p, &f.type_pos, "invalid qualifier type '%s'", f.class_ref);
                goto fail;
        }
        q.type = f.type;
        if (p->tok.kind == MOF_TOK_LBRACKET) {
                if (!parse_array_suffix(p, &f))
                        goto fail;
                q.type |= LWMI_CIM_FLAG_ARRAY;
        }
        if (accept(p, MOF_TOK_EQUALS)) {
                q.has_default = true;
                if (!parse_value(p, &q.def))
                        goto fail;
        }
        while (accept(p, MOF_TOK_COMMA)) {
                bool scope = is_kw(p, "scope");

                if (!scope && !is_kw(p, "flavor")) {
                        expected(p, "Scope(...) or Flavor(...)");
                        goto fail;
                }
                next(p);
                if (!expect(p, MOF_TOK_LPAREN))
                        goto fail;
                for (;;) {
                        uint32_t clear = 0;

                        if (p->tok.kind != MOF_TOK_IDENT) {
                                expected(p, scope ? "scope name" : "flavor name");
                                goto fail;
                        }
                        if (scope ? !scope_from_name(p->tok.s, &q.scopes)
                                  : !flavor_from_name(p->tok.s, &q.flavor, &clear)) {
                                parse_error(p, &p->tok.pos, "unknown %s '%s'",
                                            scope ? "scope" : "flavor", p->tok.s);
                                goto fail;
                        }
                        q.flavor &= ~clear;
                        next(p);
                        if (accept(p, MOF_TOK_RPAREN))
                                break;
                        if (!expect(p, MOF_TOK_COMMA))
                                goto fail;
                }
        }
        if (!expect(p, MOF_TOK_SEMICOLON))
                goto fail;
        n = node_add(p, MOF_NODE_QUALIFIER_DECL, &kw);
        if (n)
                n->u.qual = q;
        return;
fail:
        recover(p, false);
}

/* "cpp_quote("text" ...)" with an optional ';'. */
static void parse_cpp_quote(MofParser *p) {
        MofPos kw = p->tok.pos;
        char *text;
        MofNode *n;

        next(p);
        if (!expect(p, MOF_TOK_LPAREN) || !parse_strings(p, &text) || !expect(p, MOF_TOK_RPAREN)) {
                recover(p, false);
                return;
        }
        accept(p, MOF_TOK_SEMICOLON);
        n = node_add(p, MOF_NODE_CPP_QUOTE, &kw);
        if (n)
                n->u.text = text;
}

/*
 * Resolves a #pragma namespace argument against the namespace in force: an
 * absolute path ("\\\\.\\root\\wmi", "root/wmi") replaces it, anything else
 * is a child of it. The result uses backslashes, without server.
 */
static const char *namespace_resolve(MofParser *p, const char *cur, const char *arg) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const char *s = arg;

        if ((s[0] == '\\' || s[0] == '/') && (s[1] == '\\' || s[1] == '/')) {
                /* \\server\ns: drop the server */
                s += 2;
                while (*s && *s != '\\' && *s != '/')
                        s++;
        } else if (!(lwmi_name_eq_n("root", s, 4) && (s[4] == 0 || s[4] == '\\' || s[4] == '/')) &&
                   s[0] != '\\' && s[0] != '/') {
                strbuf_append(&b, cur); /* relative: a child of the current namespace */
        }
        for (; *s; s++) {
                char c = *s == '/' ? '\\' : *s;

                if (c == '\\' && (b.len == 0 || b.s[b.len - 1] == '\\'))
                        continue;
                if (c != '\\' && b.len > 0 && s > arg && (s[-1] == '\\' || s[-1] == '/') &&
                    b.s[b.len - 1] != '\\')
                        strbuf_append_c(&b, '\\');
                else if (c != '\\' && b.len > 0 && s == arg)
                        strbuf_append_c(&b, '\\');
                strbuf_append_c(&b, c);
        }
        while (b.len > 0 && b.s[b.len - 1] == '\\')
                strbuf_truncate(&b, b.len - 1);
        if (b.oom)
                return NULL;
        return mof_arena_strndup(p->ctx->arena, b.s ? b.s : "", b.len);
}

typedef struct PragmaArg {
        MofLit v;
        char *ident; /* an identifier argument such as FAIL / NOFAIL */
        MofPos pos;
} PragmaArg;

static void parse_source_at(MofParser *p, const MofSource *src);

static void do_include(MofParser *p, const char *name, const MofPos *pos) {
        MofSource src = {};
        int r;

        if (!p->ctx->load) {
                parse_error(p, pos, "#pragma include is not available here");
                return;
        }
        if (p->include_depth >= MOF_MAX_INCLUDE_DEPTH) {
                parse_error(p, pos, "#pragma include nested too deeply");
                return;
        }
        r = p->ctx->load(p->ctx->userdata, pos->file, name, pos, &src);
        if (r == -ENOMEM) {
                p->oom = true;
                return;
        }
        if (r < 0) {
                (*p->ctx->n_errors)++;
                return;
        }
        p->include_depth++;
        parse_source_at(p, &src);
        p->include_depth--;
        mof_source_done(&src);
}

static void parse_pragma(MofParser *p) {
        MofPos pos = p->tok.pos;
        PragmaArg args[4] = {};
        size_t n_args = 0;
        const char *name;
        MofPos name_pos;

        next(p); /* #pragma */
        name = expect_ident(p, "pragma name", &name_pos);
        if (!name) {
                recover(p, false);
                return;
        }
        if (accept(p, MOF_TOK_LPAREN) && !accept(p, MOF_TOK_RPAREN)) {
                for (;;) {
                        PragmaArg a = { .pos = p->tok.pos };

                        if (p->tok.kind == MOF_TOK_IDENT && !is_kw(p, "true") &&
                            !is_kw(p, "false") && !is_kw(p, "null")) {
                                a.ident = p->tok.s;
                                next(p);
                        } else if (!parse_scalar(p, &a.v)) {
                                recover(p, false);
                                return;
                        }
                        if (n_args < ELEMENTSOF(args))
                                args[n_args++] = a;
                        if (accept(p, MOF_TOK_RPAREN))
                                break;
                        if (!expect(p, MOF_TOK_COMMA)) {
                                recover(p, false);
                                return;
                        }
                }
        }

#define STR_ARG(i) (n_args > (i) && args[i].v.kind == MOF_LIT_STRING && !args[i].ident)

        if (lwmi_name_eq(name, "namespace")) {
                const char *ns;

                if (!STR_ARG(0)) {
                        parse_error(p, &pos, "#pragma namespace needs a string argument");
                        return;
                }
                ns = namespace_resolve(p, p->namespace_, args[0].v.s);
                if (!ns) {
                        p->oom = true;
                        return;
                }
                if (!*ns) {
                        parse_error(p, &args[0].pos, "invalid namespace \"%s\"", args[0].v.s);
                        return;
                }
                p->namespace_ = ns;
        } else if (lwmi_name_eq(name, "include")) {
                if (!STR_ARG(0)) {
                        parse_error(p, &pos, "#pragma include needs a file name string");
                        return;
                }
                do_include(p, args[0].v.s, &args[0].pos);
        } else if (lwmi_name_eq(name, "classflags")) {
                uint32_t flags = 0;

                for (size_t i = 0; i < n_args; i++) {
                        const char *s = args[i].ident ? args[i].ident : args[i].v.s;

                        if (!args[i].ident && args[i].v.kind == MOF_LIT_INT) {
                                flags |= (uint32_t) args[i].v.u;
                                continue;
                        }
                        if (!s) {
                                parse_error(p, &args[i].pos, "invalid class flag");
                                return;
                        }
                        if (lwmi_name_eq(s, "forceupdate"))
                                flags |= MOF_CLASSFLAG_FORCEUPDATE;
                        else if (lwmi_name_eq(s, "safeupdate"))
                                flags |= MOF_CLASSFLAG_SAFEUPDATE;
                        else if (lwmi_name_eq(s, "updateonly"))
                                flags |= MOF_CLASSFLAG_UPDATEONLY;
                        else if (lwmi_name_eq(s, "createonly"))
                                flags |= MOF_CLASSFLAG_CREATEONLY;
                        else if (*s) {
                                parse_error(p, &args[i].pos, "unknown class flag \"%s\"", s);
                                return;
                        }
                }
                p->class_flags = flags;
        } else if (lwmi_name_eq(name, "deleteclass") || lwmi_name_eq(name, "deleteinstance")) {
                bool cls = lwmi_name_eq(name, "deleteclass");
                bool fail = false;
                MofNode *n;

                if (!STR_ARG(0)) {
                        parse_error(p, &pos, "#pragma %s needs a string argument", name);
                        return;
                }
                if (n_args > 1) {
                        if (args[1].ident && lwmi_name_eq(args[1].ident, "FAIL"))
                                fail = true;
                        else if (!args[1].ident || !lwmi_name_eq(args[1].ident, "NOFAIL")) {
                                parse_error(p, &args[1].pos, "expected FAIL or NOFAIL");
                                return;
                        }
                }
                n = node_add(p, cls ? MOF_NODE_DELETE_CLASS : MOF_NODE_DELETE_INSTANCE, &pos);
                if (n) {
                        n->u.del.target = args[0].v.s;
                        n->u.del.fail_if_missing = fail;
                }
        } else if (lwmi_name_eq(name, "locale") || lwmi_name_eq(name, "instancelocale")) {
                if (!STR_ARG(0)) {
                        parse_error(p, &pos, "#pragma %s needs a string argument", name);
                        return;
                }
                if (lwmi_name_eq(name, "locale"))
                        p->ast->locale = args[0].v.s;
        } else if (lwmi_name_eq(name, "autorecover")) {
                p->ast->autorecover = true;
        } else {
                parse_warning(p, &name_pos, "unknown pragma '%s' ignored", name);
        }
#undef STR_ARG
}

static void parse_production(MofParser *p) {
        MofQualList quals;

        switch (p->tok.kind) {
        case MOF_TOK_PRAGMA:
                parse_pragma(p);
                return;
        case MOF_TOK_SEMICOLON:
                next(p);
                return;
        case MOF_TOK_ERROR:
                p->panic = true;
                recover(p, false);
                return;
        default:
                break;
        }
        if (!parse_qualifier_list(p, &quals)) {
                recover(p, false);
                return;
        }
        if (is_kw(p, "class")) {
                parse_class(p, &quals);
        } else if (is_kw(p, "instance")) {
                parse_instance(p, &quals);
        } else if (is_kw(p, "qualifier") && quals.n == 0) {
                parse_qualifier_decl(p);
        } else if (is_kw(p, "cpp_quote") && quals.n == 0) {
                parse_cpp_quote(p);
        } else {
                expected(p, quals.n ? "'class' or 'instance' after qualifiers"
                                    : "class, instance, qualifier declaration or #pragma");
                recover(p, false);
        }
}

static void parse_source_at(MofParser *p, const MofSource *src) {
        MofLexer lx, *saved_lx = p->lx;
        MofToken saved_tok = p->tok;

        mof_lexer_init(&lx, src->path, src->data, src->size, p->ctx->arena, p->ctx->diags,
                       p->ctx->n_errors);
        lx.cpp_markers = src->cpp_markers;
        lx.cpp_main_name = lx.file;
        p->lx = &lx;
        next(p);
        while (p->tok.kind != MOF_TOK_EOF && !stopped(p))
                parse_production(p);
        p->lx = saved_lx;
        p->tok = saved_tok;
        p->panic = false;
}

int mof_parse_source(const MofParseContext *ctx, const MofSource *src, MofAst *ast) {
        MofParser p = {
                .ctx = ctx,
                .ast = ast,
                .namespace_ = ctx->default_namespace ? ctx->default_namespace : "root\\wmi",
        };

        if (src->size > MOF_MAX_INPUT_SIZE) {
                (void) mof_diag_add(ctx->diags, src->path, 1, 1, false, "input too large");
                (*ctx->n_errors)++;
                return 0;
        }
        parse_source_at(&p, src);
        if (p.oom || ctx->arena->oom)
                return -ENOMEM;
        return 0;
}
