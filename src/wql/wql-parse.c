/* SPDX-License-Identifier: MIT */
/*
 * WQL parser: text -> WqlQuery, with the WHERE compiled for evaluation.
 *
 * Theory of operation
 *
 * The parser is a hand-written recursive descent over the token stream of
 * wql-lex.c, with one token of lookahead and no global state, so any number
 * of queries may be parsed at once. The grammar:
 *
 *   query      := select | assoc
 *   select     := SELECT ( '*' | path (',' path)* ) FROM name
 *                 [WITHIN number] [WHERE or] [WITHIN number]
 *                 [GROUP WITHIN number [BY path (',' path)*] [HAVING or]]
 *   assoc      := (ASSOCIATORS | REFERENCES) OF '{' object-path '}'
 *                 [WHERE assoc-term+]
 *   or         := and (OR and)*
 *   and        := not (AND not)*
 *   not        := NOT not | primary
 *   primary    := '(' or ')' | operand op operand | operand [NOT] LIKE operand
 *               | operand ISA operand | operand IS [NOT] NULL
 *   operand    := path | string | integer | real | TRUE | FALSE | NULL
 *   path       := name ('.' name)*
 *
 * so NOT binds tightest, then AND, then OR, as WMI evaluates them.
 *
 * The tree that comes out is already the compiled form the evaluator runs:
 *
 *  - every comparison has its property on the left ("5 < A" becomes "A > 5");
 *    WMI's rule that one side is a property and the other a constant is
 *    checked here, so evaluation never meets two properties;
 *  - "= NULL" and "<> NULL" become IS NULL and IS NOT NULL;
 *  - AND and OR are n-ary and flattened, NOT has one child;
 *  - each distinct property path is interned once in WqlQuery.props, and each
 *    distinct top-level name gets a "root" number, so that lookup callbacks
 *    may bind their storage per query instead of comparing names per object;
 *  - each constant carries its pre-converted forms (wql-const.c) and, for
 *    LIKE, its compiled pattern (wql-like.c).
 *
 * Errors stop the parse at the first offending token: WqlError gets the WBEM
 * status, the token as written and its column. Limits (WQL_QUERY_MAX,
 * WQL_DEPTH_MAX, WQL_PATH_PARTS_MAX, WQL_LIST_MAX) bound memory and stack
 * use for any input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/name.h"
#include "wql/wql-internal.h"

typedef struct WqlParser {
        WqlLexer lx;
        WqlToken tok;
        const char *s;
        size_t n;
        WqlError *err;
        WqlQuery *q;
        unsigned depth;
} WqlParser;

/* An operand before it is known which side of the operator it ends on. */
typedef struct Operand {
        bool is_prop;
        WqlProperty *prop; /* interned in q->props */
        WqlConst value;
        size_t start;
        size_t len;
} Operand;

static void operand_deinit(Operand *o) {
        wql_const_deinit(&o->value);
}

static void property_free(WqlProperty *p) {
        if (!p)
                return;
        free(p->path);
        for (size_t i = 0; i < p->n_parts; i++)
                free(p->parts[i]);
        free(p->parts);
        free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(WqlProperty *, property_free);

/**
 * wql_expr_free() - free a condition tree (children and constants); accepts NULL.
 * @e: the root
 *
 * Return: NULL.
 */
WqlExpr *wql_expr_free(WqlExpr *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_children; i++)
                wql_expr_free(e->children[i]);
        free(e->children);
        wql_const_deinit(&e->value);
        free(e);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(WqlExpr *, wql_expr_free);

static void property_list_free(WqlProperty **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                property_free(l[i]);
        free(l);
}

WqlQuery *wql_query_free(WqlQuery *q) {
        if (!q)
                return NULL;
        free(q->class_name);
        property_list_free(q->select, q->n_select);
        wql_expr_free(q->where);
        property_list_free(q->group_by, q->n_group_by);
        wql_expr_free(q->having);
        property_list_free(q->props, q->n_props);
        free(q->object_path);
        free(q->assoc_class);
        free(q->required_assoc_qualifier);
        free(q->required_qualifier);
        free(q->result_class);
        free(q->result_role);
        free(q->role);
        free(q);
        return NULL;
}

static int advance(WqlParser *P) {
        return wql_lexer_next(&P->lx, &P->tok, P->err);
}

static int fail_at(WqlParser *P, lwmi_status status, size_t start, size_t len, const char *fmt, ...)
        _printf_(5, 6);
static int fail_at(WqlParser *P, lwmi_status status, size_t start, size_t len, const char *fmt,
                   ...) {
        char msg[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return wql_error_set(P->err, status, P->s, P->n, start, len, "%s", msg);
}

static int fail(WqlParser *P, lwmi_status status, const char *fmt, ...) _printf_(3, 4);
static int fail(WqlParser *P, lwmi_status status, const char *fmt, ...) {
        char msg[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return wql_error_set(P->err, status, P->s, P->n, P->tok.start, P->tok.len, "%s", msg);
}

static int fail_unexpected(WqlParser *P, const char *expected) {
        if (P->tok.kind == WQL_TOK_EOF)
                return fail(P, LWMI_WBEM_E_INVALID_QUERY, "unexpected end of query, expected %s",
                            expected);
        return fail(P, LWMI_WBEM_E_INVALID_QUERY, "unexpected \"%.*s\", expected %s",
                    (int) MIN(P->tok.len, (size_t) 64), P->s + P->tok.start, expected);
}

static bool tok_is_kw(const WqlParser *P, WqlKeyword kw) {
        return P->tok.kind == WQL_TOK_IDENT && P->tok.kw == kw;
}

static bool tok_is_name(const WqlParser *P) {
        return P->tok.kind == WQL_TOK_IDENT && P->tok.kw == WQL_KW_NONE;
}

static bool tok_is_word(const WqlParser *P, const char *word) {
        return P->tok.kind == WQL_TOK_IDENT &&
               lwmi_name_eq_n(word, P->s + P->tok.start, P->tok.len);
}

/* SQL words that WQL lacks, refused with WBEM_E_NOT_SUPPORTED where they would start a clause. */
static bool tok_is_sql_clause(const WqlParser *P) {
        static const char *const words[] = { "ORDER", "UNION", "JOIN",  "INNER",  "LEFT", "RIGHT",
                                             "OUTER", "CROSS", "LIMIT", "OFFSET", "INTO", "AS" };
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (tok_is_word(P, words[i]))
                        return true;
        return false;
}

static char *tok_strdup(const WqlParser *P) {
        return strndup(P->s + P->tok.start, P->tok.len);
}

/* Parses path := name ('.' name)* into a new, not interned property. */
static int parse_path(WqlParser *P, WqlProperty **ret, size_t *ret_end) {
        _cleanup_(property_freep) WqlProperty *p = NULL;
        size_t start = P->tok.start, end;
        int r;

        if (!tok_is_name(P)) {
                if (P->tok.kind == WQL_TOK_IDENT)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                                    "keyword %s cannot be used as a property name",
                                    wql_keyword_name(P->tok.kw));
                return fail_unexpected(P, "a property name");
        }
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->parts = calloc(WQL_PATH_PARTS_MAX, sizeof(char *));
        if (!p->parts)
                return -ENOMEM;
        for (;;) {
                if (p->n_parts >= WQL_PATH_PARTS_MAX)
                        return fail(P, LWMI_WBEM_E_QUOTA_VIOLATION,
                                    "property path longer than %d names", WQL_PATH_PARTS_MAX);
                p->parts[p->n_parts] = tok_strdup(P);
                if (!p->parts[p->n_parts])
                        return -ENOMEM;
                p->n_parts++;
                end = P->tok.start + P->tok.len;
                r = advance(P);
                if (r < 0)
                        return r;
                if (P->tok.kind == WQL_TOK_LPAREN && p->n_parts == 1)
                        return fail_at(P, LWMI_WBEM_E_NOT_SUPPORTED, start,
                                       P->tok.start + 1 - start,
                                       "functions are not supported in WQL");
                if (P->tok.kind != WQL_TOK_DOT)
                        break;
                r = advance(P);
                if (r < 0)
                        return r;
                /* after a dot any word is a name, keywords included */
                if (P->tok.kind != WQL_TOK_IDENT)
                        return fail_unexpected(P, "a property name after '.'");
        }
        p->is_system = p->parts[0][0] == '_' && p->parts[0][1] == '_';

        /* the path as written, with the dots and without any blanks around them */
        size_t len = 0, o = 0;
        for (size_t i = 0; i < p->n_parts; i++)
                len += strlen(p->parts[i]) + 1;
        p->path = malloc(len);
        if (!p->path)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_parts; i++) {
                size_t l = strlen(p->parts[i]);
                if (i > 0)
                        p->path[o++] = '.';
                memcpy(p->path + o, p->parts[i], l);
                o += l;
        }
        p->path[o] = 0;
        *ret = TAKE_PTR(p);
        if (ret_end)
                *ret_end = end;
        return 0;
}

/* Interns @p into q->props (taking ownership); returns the interned property. */
static int intern_property(WqlParser *P, WqlProperty *p, WqlProperty **ret) {
        _cleanup_(property_freep) WqlProperty *owned = p;
        WqlQuery *q = P->q;
        size_t alloc = q->n_props;
        bool root_found = false;

        for (size_t i = 0; i < q->n_props; i++)
                if (lwmi_name_eq(q->props[i]->path, p->path)) {
                        *ret = q->props[i];
                        return 0;
                }
        for (size_t i = 0; i < q->n_props; i++)
                if (lwmi_name_eq(q->props[i]->parts[0], p->parts[0])) {
                        p->root = q->props[i]->root;
                        root_found = true;
                        break;
                }
        if (!root_found)
                p->root = (unsigned) q->n_roots;
        /* q->props grows one by one: the array holds exactly n_props pointers */
        if (lwmi_internal_grow((void **) &q->props, &alloc, q->n_props + 1, sizeof(*q->props)) < 0)
                return -ENOMEM;
        if (!root_found)
                q->n_roots++;
        p->index = (unsigned) q->n_props;
        q->props[q->n_props++] = TAKE_PTR(owned);
        *ret = p;
        return 0;
}

static int parse_path_list(WqlParser *P, WqlProperty ***list, size_t *n) {
        size_t alloc = 0;
        int r;

        for (;;) {
                WqlProperty *p = NULL;

                if (*n >= WQL_LIST_MAX)
                        return fail(P, LWMI_WBEM_E_QUOTA_VIOLATION, "more than %d properties",
                                    WQL_LIST_MAX);
                r = parse_path(P, &p, NULL);
                if (r < 0)
                        return r;
                alloc = *n;
                if (lwmi_internal_grow((void **) list, &alloc, *n + 1, sizeof(**list)) < 0) {
                        property_free(p);
                        return -ENOMEM;
                }
                p->index = (unsigned) *n;
                (*list)[(*n)++] = p;
                if (P->tok.kind != WQL_TOK_COMMA)
                        return 0;
                r = advance(P);
                if (r < 0)
                        return r;
        }
}

static int parse_operand(WqlParser *P, Operand *o) {
        int r;

        o->start = P->tok.start;
        if (tok_is_name(P)) {
                WqlProperty *p = NULL;
                size_t end = 0;

                r = parse_path(P, &p, &end);
                if (r < 0)
                        return r;
                o->len = end - o->start;
                o->is_prop = true;
                return intern_property(P, p, &o->prop);
        }

        switch (P->tok.kind) {
        case WQL_TOK_STRING:
                o->value.kind = WQL_CONST_STRING;
                o->value.text = strndup(P->tok.text, P->tok.n_text);
                if (!o->value.text)
                        return -ENOMEM;
                break;
        case WQL_TOK_INT:
                o->value.kind = WQL_CONST_INT;
                o->value.is_uint = P->tok.is_uint;
                o->value.sint = P->tok.sint;
                o->value.uint = P->tok.uint;
                break;
        case WQL_TOK_REAL:
                o->value.kind = WQL_CONST_REAL;
                o->value.real = P->tok.real;
                break;
        case WQL_TOK_IDENT:
                if (P->tok.kw == WQL_KW_TRUE || P->tok.kw == WQL_KW_FALSE) {
                        o->value.kind = WQL_CONST_BOOL;
                        o->value.boolean = P->tok.kw == WQL_KW_TRUE;
                        break;
                }
                if (P->tok.kw == WQL_KW_NULL) {
                        o->value.kind = WQL_CONST_NULL;
                        break;
                }
                return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                            "keyword %s cannot be used as a property name",
                            wql_keyword_name(P->tok.kw));
        default:
                return fail_unexpected(P, "a property or a constant");
        }
        o->len = P->tok.len;
        r = wql_const_prepare(&o->value);
        if (r < 0)
                return r;
        return advance(P);
}

static int parse_or(WqlParser *P, WqlExpr **ret);

static int expr_new(WqlOp op, unsigned col, WqlExpr **ret) {
        WqlExpr *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->op = op;
        e->col = col;
        *ret = e;
        return 0;
}

/* Appends @child to the n-ary @e (taking ownership), splicing the children of a same-op child. */
static int expr_add_child(WqlExpr *e, WqlExpr *child) {
        _cleanup_(wql_expr_freep) WqlExpr *c = child;
        size_t add = c->op == e->op ? c->n_children : 1, alloc = e->n_children;
        WqlExpr **n;

        if (lwmi_internal_grow((void **) &e->children, &alloc, e->n_children + add,
                               sizeof(*e->children)) < 0)
                return -ENOMEM;
        n = e->children;
        if (c->op == e->op) {
                memcpy(n + e->n_children, c->children, c->n_children * sizeof(*n));
                e->n_children += c->n_children;
                c->n_children = 0;
        } else
                n[e->n_children++] = TAKE_PTR(c);
        return 0;
}

static WqlOp op_flip(WqlOp op) {
        switch (op) {
        case WQL_OP_LT:
                return WQL_OP_GT;
        case WQL_OP_LE:
                return WQL_OP_GE;
        case WQL_OP_GT:
                return WQL_OP_LT;
        case WQL_OP_GE:
                return WQL_OP_LE;
        default:
                return op;
        }
}

static int parse_comparison(WqlParser *P, WqlExpr **ret) {
        _cleanup_(operand_deinit) Operand left = {}, right = {};
        _cleanup_(wql_expr_freep) WqlExpr *e = NULL;
        bool negate = false;
        WqlOp op;
        int r;

        r = parse_operand(P, &left);
        if (r < 0)
                return r;

        switch (P->tok.kind) {
        case WQL_TOK_EQ:
                op = WQL_OP_EQ;
                break;
        case WQL_TOK_NE:
                op = WQL_OP_NE;
                break;
        case WQL_TOK_LT:
                op = WQL_OP_LT;
                break;
        case WQL_TOK_LE:
                op = WQL_OP_LE;
                break;
        case WQL_TOK_GT:
                op = WQL_OP_GT;
                break;
        case WQL_TOK_GE:
                op = WQL_OP_GE;
                break;
        case WQL_TOK_IDENT:
                if (P->tok.kw == WQL_KW_LIKE) {
                        op = WQL_OP_LIKE;
                        break;
                }
                if (P->tok.kw == WQL_KW_ISA) {
                        op = WQL_OP_ISA;
                        break;
                }
                if (P->tok.kw == WQL_KW_NOT) {
                        r = advance(P);
                        if (r < 0)
                                return r;
                        if (!tok_is_kw(P, WQL_KW_LIKE))
                                return fail_unexpected(P, "LIKE after NOT");
                        op = WQL_OP_LIKE;
                        negate = true;
                        break;
                }
                if (P->tok.kw == WQL_KW_IS) {
                        r = advance(P);
                        if (r < 0)
                                return r;
                        op = WQL_OP_IS_NULL;
                        if (tok_is_kw(P, WQL_KW_NOT)) {
                                op = WQL_OP_IS_NOT_NULL;
                                r = advance(P);
                                if (r < 0)
                                        return r;
                        }
                        if (!tok_is_kw(P, WQL_KW_NULL))
                                return fail_unexpected(P, "NULL after IS");
                        if (!left.is_prop)
                                return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, left.start, left.len,
                                               "IS NULL needs a property");
                        r = advance(P);
                        if (r < 0)
                                return r;
                        r = expr_new(op, wql_column(P->s, P->n, left.start), &e);
                        if (r < 0)
                                return r;
                        e->prop = left.prop;
                        *ret = TAKE_PTR(e);
                        return 0;
                }
                if (tok_is_word(P, "IN") || tok_is_word(P, "BETWEEN"))
                        return fail(P, LWMI_WBEM_E_NOT_SUPPORTED, "%.*s is not supported in WQL",
                                    (int) P->tok.len, P->s + P->tok.start);
                return fail_unexpected(P, "a comparison operator");
        default:
                return fail_unexpected(P, "a comparison operator");
        }
        r = advance(P);
        if (r < 0)
                return r;
        r = parse_operand(P, &right);
        if (r < 0)
                return r;

        if (left.is_prop && right.is_prop)
                return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                               "comparing two properties is not supported in WQL");
        if (!left.is_prop && !right.is_prop)
                return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, left.start, left.len,
                               "a comparison needs a property on one side");
        if (!left.is_prop) {
                if (op == WQL_OP_LIKE || op == WQL_OP_ISA)
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, left.start, left.len,
                                       "the property must be on the left of %s",
                                       op == WQL_OP_LIKE ? "LIKE" : "ISA");
                /* "5 < A" is "A > 5" */
                Operand t = left;
                left = right;
                right = t;
                op = op_flip(op);
        }

        if (right.value.kind == WQL_CONST_NULL) {
                if (op == WQL_OP_EQ)
                        op = WQL_OP_IS_NULL;
                else if (op == WQL_OP_NE)
                        op = WQL_OP_IS_NOT_NULL;
                else
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                                       "NULL can only be compared with = and <> (or IS)");
        } else if (op == WQL_OP_LIKE) {
                size_t off = 0;

                if (right.value.kind != WQL_CONST_STRING)
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                                       "LIKE needs a string pattern");
                r = wql_pattern_compile(right.value.text, right.value.n_text, &right.value.pattern,
                                        &off);
                if (r == -EINVAL)
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                                       "invalid LIKE pattern: unterminated or reversed [set] "
                                       "at offset %zu",
                                       off);
                if (r < 0)
                        return r;
        } else if (op == WQL_OP_ISA) {
                if (right.value.kind != WQL_CONST_STRING)
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                                       "ISA needs a class name in quotes");
                if (!lwmi_name_is_valid(right.value.text))
                        return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, right.start, right.len,
                                       "ISA needs a valid class name");
        }

        r = expr_new(op, wql_column(P->s, P->n, left.start), &e);
        if (r < 0)
                return r;
        e->prop = left.prop;
        if (op != WQL_OP_IS_NULL && op != WQL_OP_IS_NOT_NULL) {
                e->value = right.value;
                right.value = (WqlConst){};
        }
        if (negate) {
                WqlExpr *n = NULL;
                r = expr_new(WQL_OP_NOT, e->col, &n);
                if (r < 0)
                        return r;
                n->children = calloc(1, sizeof(WqlExpr *));
                if (!n->children) {
                        free(n);
                        return -ENOMEM;
                }
                n->children[0] = TAKE_PTR(e);
                n->n_children = 1;
                e = n;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

static int depth_enter(WqlParser *P) {
        if (++P->depth > WQL_DEPTH_MAX)
                return fail(P, LWMI_WBEM_E_QUOTA_VIOLATION,
                            "conditions nested deeper than %d levels", WQL_DEPTH_MAX);
        return 0;
}

static int parse_not(WqlParser *P, WqlExpr **ret) {
        _cleanup_(wql_expr_freep) WqlExpr *e = NULL, *child = NULL;
        int r;

        if (tok_is_kw(P, WQL_KW_NOT)) {
                unsigned col = wql_column(P->s, P->n, P->tok.start);

                r = depth_enter(P);
                if (r < 0)
                        return r;
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_not(P, &child);
                if (r < 0)
                        return r;
                P->depth--;
                r = expr_new(WQL_OP_NOT, col, &e);
                if (r < 0)
                        return r;
                e->children = calloc(1, sizeof(WqlExpr *));
                if (!e->children)
                        return -ENOMEM;
                e->children[0] = TAKE_PTR(child);
                e->n_children = 1;
                *ret = TAKE_PTR(e);
                return 0;
        }
        if (P->tok.kind == WQL_TOK_LPAREN) {
                r = depth_enter(P);
                if (r < 0)
                        return r;
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_or(P, &e);
                if (r < 0)
                        return r;
                if (P->tok.kind != WQL_TOK_RPAREN)
                        return fail_unexpected(P, "')'");
                r = advance(P);
                if (r < 0)
                        return r;
                P->depth--;
                *ret = TAKE_PTR(e);
                return 0;
        }
        return parse_comparison(P, ret);
}

/*
 * parse_nary() - one precedence level of "sub (KW sub)*", flattened into one
 * n-ary node of @op (a single operand is returned as it is).
 */
static int parse_nary(WqlParser *P, WqlKeyword kw, WqlOp op, int (*sub)(WqlParser *, WqlExpr **),
                      WqlExpr **ret) {
        _cleanup_(wql_expr_freep) WqlExpr *e = NULL, *first = NULL;
        int r;

        r = sub(P, &first);
        if (r < 0)
                return r;
        if (!tok_is_kw(P, kw)) {
                *ret = TAKE_PTR(first);
                return 0;
        }
        r = expr_new(op, wql_column(P->s, P->n, P->tok.start), &e);
        if (r < 0)
                return r;
        r = expr_add_child(e, TAKE_PTR(first));
        if (r < 0)
                return r;
        while (tok_is_kw(P, kw)) {
                WqlExpr *next = NULL;

                r = advance(P);
                if (r < 0)
                        return r;
                r = sub(P, &next);
                if (r < 0)
                        return r;
                r = expr_add_child(e, next);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

static int parse_and(WqlParser *P, WqlExpr **ret) {
        return parse_nary(P, WQL_KW_AND, WQL_OP_AND, parse_not, ret);
}

static int parse_or(WqlParser *P, WqlExpr **ret) {
        return parse_nary(P, WQL_KW_OR, WQL_OP_OR, parse_and, ret);
}

static int parse_interval(WqlParser *P, double *ret) {
        double d;
        int r;

        if (P->tok.kind == WQL_TOK_INT)
                d = P->tok.is_uint ? (double) P->tok.uint : (double) P->tok.sint;
        else if (P->tok.kind == WQL_TOK_REAL)
                d = P->tok.real;
        else
                return fail_unexpected(P, "a number of seconds");
        if (!(d > 0))
                return fail(P, LWMI_WBEM_E_INVALID_QUERY, "the interval must be positive");
        *ret = d;
        r = advance(P);
        if (r < 0)
                return r;
        return 0;
}

static int expect_end(WqlParser *P) {
        if (P->tok.kind == WQL_TOK_EOF)
                return 0;
        if (tok_is_sql_clause(P))
                return fail(P, LWMI_WBEM_E_NOT_SUPPORTED, "%.*s is not supported in WQL",
                            (int) P->tok.len, P->s + P->tok.start);
        return fail_unexpected(P, "the end of the query");
}

static int parse_select(WqlParser *P) {
        WqlQuery *q = P->q;
        int r;

        q->type = WQL_QUERY_SELECT;
        r = advance(P);
        if (r < 0)
                return r;
        if (P->tok.kind == WQL_TOK_STAR) {
                q->select_all = true;
                r = advance(P);
                if (r < 0)
                        return r;
        } else if (tok_is_kw(P, WQL_KW_KEYSONLY)) {
                return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                            "KEYSONLY applies to ASSOCIATORS OF and REFERENCES OF only");
        } else if (tok_is_name(P)) {
                if (tok_is_word(P, "DISTINCT") || tok_is_word(P, "TOP") || tok_is_word(P, "ALL")) {
                        WqlLexer save = P->lx;
                        WqlToken next;
                        size_t start = P->tok.start, len = P->tok.len;

                        /* a property may be called Top; a modifier is followed by more */
                        save.buf = NULL;
                        save.n_buf_alloc = 0;
                        r = wql_lexer_next(&save, &next, NULL);
                        wql_lexer_deinit(&save);
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0 && next.kind != WQL_TOK_COMMA &&
                            !(next.kind == WQL_TOK_IDENT && next.kw == WQL_KW_FROM))
                                return fail_at(P, LWMI_WBEM_E_NOT_SUPPORTED, start, len,
                                               "%.*s is not supported in WQL", (int) len,
                                               P->s + start);
                }
                r = parse_path_list(P, &q->select, &q->n_select);
                if (r < 0)
                        return r;
        } else if (P->tok.kind == WQL_TOK_IDENT && P->tok.kw != WQL_KW_FROM) {
                return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                            "keyword %s cannot be used as a property name",
                            wql_keyword_name(P->tok.kw));
        } else
                return fail_unexpected(P, "'*' or a property list");

        if (!tok_is_kw(P, WQL_KW_FROM)) {
                if (P->tok.kind == WQL_TOK_STAR || P->tok.kind == WQL_TOK_LPAREN)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY, "unexpected \"%.*s\"",
                                    (int) P->tok.len, P->s + P->tok.start);
                return fail_unexpected(P, "FROM");
        }
        r = advance(P);
        if (r < 0)
                return r;
        if (!tok_is_name(P)) {
                if (P->tok.kind == WQL_TOK_IDENT)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                                    "keyword %s cannot be used as a class name",
                                    wql_keyword_name(P->tok.kw));
                return fail_unexpected(P, "a class name");
        }
        q->class_name = tok_strdup(P);
        if (!q->class_name)
                return -ENOMEM;
        q->is_schema = lwmi_name_eq(q->class_name, "meta_class");
        r = advance(P);
        if (r < 0)
                return r;
        if (P->tok.kind == WQL_TOK_COMMA)
                return fail(P, LWMI_WBEM_E_NOT_SUPPORTED, "WQL queries one class at a time");
        if (P->tok.kind == WQL_TOK_DOT)
                return fail(P, LWMI_WBEM_E_INVALID_QUERY, "a class name has no '.'");

        if (tok_is_kw(P, WQL_KW_WITHIN)) {
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_interval(P, &q->within);
                if (r < 0)
                        return r;
                q->has_within = true;
        }
        if (tok_is_kw(P, WQL_KW_WHERE)) {
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_or(P, &q->where);
                if (r < 0)
                        return r;
        }
        if (tok_is_kw(P, WQL_KW_WITHIN)) {
                if (q->has_within)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY, "WITHIN given twice");
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_interval(P, &q->within);
                if (r < 0)
                        return r;
                q->has_within = true;
        }
        if (tok_is_kw(P, WQL_KW_GROUP)) {
                r = advance(P);
                if (r < 0)
                        return r;
                if (!tok_is_kw(P, WQL_KW_WITHIN))
                        return fail(P, LWMI_WBEM_E_MISSING_GROUP_WITHIN,
                                    "GROUP needs WITHIN (GROUP WITHIN n)");
                r = advance(P);
                if (r < 0)
                        return r;
                r = parse_interval(P, &q->group_within);
                if (r < 0)
                        return r;
                q->has_group = true;
                if (tok_is_kw(P, WQL_KW_BY)) {
                        r = advance(P);
                        if (r < 0)
                                return r;
                        r = parse_path_list(P, &q->group_by, &q->n_group_by);
                        if (r < 0)
                                return r;
                }
                if (tok_is_kw(P, WQL_KW_HAVING)) {
                        r = advance(P);
                        if (r < 0)
                                return r;
                        r = parse_or(P, &q->having);
                        if (r < 0)
                                return r;
                }
        } else if (tok_is_kw(P, WQL_KW_HAVING))
                return fail(P, LWMI_WBEM_E_MISSING_GROUP_WITHIN,
                            "HAVING needs GROUP WITHIN before it");
        else if (tok_is_kw(P, WQL_KW_BY))
                return fail(P, LWMI_WBEM_E_MISSING_GROUP_WITHIN, "BY needs GROUP WITHIN before it");

        return expect_end(P);
}

typedef enum AssocKey {
        ASSOC_ASSOC_CLASS,
        ASSOC_CLASS_DEFS_ONLY,
        ASSOC_KEYS_ONLY,
        ASSOC_REQUIRED_ASSOC_QUALIFIER,
        ASSOC_REQUIRED_QUALIFIER,
        ASSOC_RESULT_CLASS,
        ASSOC_RESULT_ROLE,
        ASSOC_ROLE,
        ASSOC_SCHEMA_ONLY,
        N_ASSOC_KEYS,
} AssocKey;

static const struct {
        const char *name;
        bool valued;
        bool references; /* valid in REFERENCES OF */
} assoc_keys[N_ASSOC_KEYS] = {
        [ASSOC_ASSOC_CLASS] = { "AssocClass", true, false },
        [ASSOC_CLASS_DEFS_ONLY] = { "ClassDefsOnly", false, true },
        [ASSOC_KEYS_ONLY] = { "KeysOnly", false, true },
        [ASSOC_REQUIRED_ASSOC_QUALIFIER] = { "RequiredAssocQualifier", true, false },
        [ASSOC_REQUIRED_QUALIFIER] = { "RequiredQualifier", true, true },
        [ASSOC_RESULT_CLASS] = { "ResultClass", true, true },
        [ASSOC_RESULT_ROLE] = { "ResultRole", true, false },
        [ASSOC_ROLE] = { "Role", true, true },
        [ASSOC_SCHEMA_ONLY] = { "SchemaOnly", false, true },
};

static char **assoc_slot(WqlQuery *q, AssocKey k) {
        switch (k) {
        case ASSOC_ASSOC_CLASS:
                return &q->assoc_class;
        case ASSOC_REQUIRED_ASSOC_QUALIFIER:
                return &q->required_assoc_qualifier;
        case ASSOC_REQUIRED_QUALIFIER:
                return &q->required_qualifier;
        case ASSOC_RESULT_CLASS:
                return &q->result_class;
        case ASSOC_RESULT_ROLE:
                return &q->result_role;
        case ASSOC_ROLE:
                return &q->role;
        default:
                return NULL;
        }
}

static int parse_assoc(WqlParser *P) {
        WqlQuery *q = P->q;
        const char *stmt = tok_is_kw(P, WQL_KW_ASSOCIATORS) ? "ASSOCIATORS OF" : "REFERENCES OF";
        size_t seen_start[N_ASSOC_KEYS], seen_len[N_ASSOC_KEYS];
        bool seen[N_ASSOC_KEYS] = {};
        int r;

        q->type = tok_is_kw(P, WQL_KW_ASSOCIATORS) ? WQL_QUERY_ASSOCIATORS : WQL_QUERY_REFERENCES;
        r = advance(P);
        if (r < 0)
                return r;
        if (!tok_is_kw(P, WQL_KW_OF))
                return fail_unexpected(P, "OF");
        r = advance(P);
        if (r < 0)
                return r;
        if (P->tok.kind != WQL_TOK_PATH)
                return fail_unexpected(P, "an object path in braces");
        if (P->tok.n_text == 0)
                return fail(P, LWMI_WBEM_E_INVALID_OBJECT_PATH, "empty object path");
        q->object_path = strndup(P->tok.text, P->tok.n_text);
        if (!q->object_path)
                return -ENOMEM;
        r = advance(P);
        if (r < 0)
                return r;
        if (!tok_is_kw(P, WQL_KW_WHERE))
                return expect_end(P);
        r = advance(P);
        if (r < 0)
                return r;
        if (P->tok.kind == WQL_TOK_EOF)
                return fail_unexpected(P, "a keyword such as ResultClass");

        while (P->tok.kind != WQL_TOK_EOF) {
                AssocKey k;

                if (P->tok.kind != WQL_TOK_IDENT)
                        return fail_unexpected(P, "a keyword such as ResultClass");
                for (k = 0; k < N_ASSOC_KEYS; k++)
                        if (lwmi_name_eq_n(assoc_keys[k].name, P->s + P->tok.start, P->tok.len))
                                break;
                if (k == N_ASSOC_KEYS)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY, "unknown %s keyword \"%.*s\"",
                                    stmt, (int) P->tok.len, P->s + P->tok.start);
                if (q->type == WQL_QUERY_REFERENCES && !assoc_keys[k].references)
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY,
                                    "%s is not valid in REFERENCES OF", assoc_keys[k].name);
                if (seen[k])
                        return fail(P, LWMI_WBEM_E_INVALID_QUERY, "%s given twice",
                                    assoc_keys[k].name);
                seen[k] = true;
                seen_start[k] = P->tok.start;
                seen_len[k] = P->tok.len;
                r = advance(P);
                if (r < 0)
                        return r;
                if (!assoc_keys[k].valued) {
                        if (k == ASSOC_CLASS_DEFS_ONLY)
                                q->assoc_flags |= WQL_ASSOC_CLASS_DEFS_ONLY;
                        else if (k == ASSOC_SCHEMA_ONLY)
                                q->assoc_flags |= WQL_ASSOC_SCHEMA_ONLY;
                        else
                                q->assoc_flags |= WQL_ASSOC_KEYS_ONLY;
                        continue;
                }
                if (P->tok.kind != WQL_TOK_EQ)
                        return fail_unexpected(P, "'='");
                r = advance(P);
                if (r < 0)
                        return r;
                if (!tok_is_name(P))
                        return fail_unexpected(P, "a name");
                *assoc_slot(q, k) = tok_strdup(P);
                if (!*assoc_slot(q, k))
                        return -ENOMEM;
                r = advance(P);
                if (r < 0)
                        return r;
        }

        /* combinations WMI refuses; the error points at the later keyword */
        static const AssocKey exclusive[][2] = {
                { ASSOC_CLASS_DEFS_ONLY, ASSOC_SCHEMA_ONLY },
                { ASSOC_CLASS_DEFS_ONLY, ASSOC_RESULT_CLASS },
                { ASSOC_KEYS_ONLY, ASSOC_CLASS_DEFS_ONLY },
                { ASSOC_KEYS_ONLY, ASSOC_SCHEMA_ONLY },
        };
        for (size_t i = 0; i < ELEMENTSOF(exclusive); i++) {
                AssocKey a = exclusive[i][0], b = exclusive[i][1], later;

                if (!seen[a] || !seen[b])
                        continue;
                if (a == ASSOC_CLASS_DEFS_ONLY && b == ASSOC_RESULT_CLASS &&
                    q->type == WQL_QUERY_REFERENCES)
                        continue;
                later = seen_start[a] > seen_start[b] ? a : b;
                return fail_at(P, LWMI_WBEM_E_INVALID_QUERY, seen_start[later], seen_len[later],
                               "%s cannot be combined with %s", assoc_keys[a].name,
                               assoc_keys[b].name);
        }
        return 0;
}

int wql_query_parse_n(const char *text, size_t n, WqlQuery **ret, WqlError *reterr) {
        _cleanup_(wql_query_freep) WqlQuery *q = NULL;
        WqlParser P = { .s = text, .n = n, .err = reterr };
        int r;

        assert_return(text || n == 0, -EINVAL);
        assert_return(ret, -EINVAL);
        if (n > WQL_QUERY_MAX)
                return wql_error_set(reterr, LWMI_WBEM_E_QUOTA_VIOLATION, text, n, WQL_QUERY_MAX, 0,
                                     "query longer than %d bytes", WQL_QUERY_MAX);
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        P.q = q;
        wql_lexer_init(&P.lx, text, n);
        r = advance(&P);
        if (r >= 0) {
                if (tok_is_kw(&P, WQL_KW_SELECT))
                        r = parse_select(&P);
                else if (tok_is_kw(&P, WQL_KW_ASSOCIATORS) || tok_is_kw(&P, WQL_KW_REFERENCES))
                        r = parse_assoc(&P);
                else if (P.tok.kind == WQL_TOK_EOF)
                        r = fail(&P, LWMI_WBEM_E_INVALID_QUERY, "empty query");
                else
                        r = fail(&P, LWMI_WBEM_E_INVALID_QUERY_TYPE,
                                 "not a SELECT, ASSOCIATORS OF or REFERENCES OF statement");
        }
        wql_lexer_deinit(&P.lx);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(q);
        return 0;
}

int wql_query_parse(const char *text, WqlQuery **ret, WqlError *reterr) {
        assert_return(text, -EINVAL);
        return wql_query_parse_n(text, strlen(text), ret, reterr);
}

bool wql_query_has_event_clauses(const WqlQuery *q) {
        return q && (q->has_within || q->has_group);
}

const char *wql_query_get_class(const WqlQuery *q) {
        return q && q->type == WQL_QUERY_SELECT ? q->class_name : NULL;
}

static const char *target_isa(const WqlExpr *e) {
        if (e->op == WQL_OP_ISA && e->prop->n_parts == 1 &&
            lwmi_name_eq(e->prop->parts[0], "TargetInstance"))
                return e->value.text;
        return NULL;
}

const char *wql_query_get_target_class(const WqlQuery *q) {
        if (!q || !q->where)
                return NULL;
        if (q->where->op == WQL_OP_AND) {
                for (size_t i = 0; i < q->where->n_children; i++) {
                        const char *c = target_isa(q->where->children[i]);
                        if (c)
                                return c;
                }
                return NULL;
        }
        return target_isa(q->where);
}

const WqlProperty *wql_query_find_property(const WqlQuery *q, const char *path) {
        if (!q || !path)
                return NULL;
        for (size_t i = 0; i < q->n_props; i++)
                if (lwmi_name_eq(q->props[i]->path, path))
                        return q->props[i];
        return NULL;
}
