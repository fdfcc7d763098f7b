/* SPDX-License-Identifier: MIT */
/*
 * WQL formatter: renders a parsed query as canonical text. Whatever the input
 * spelling, the output of parse -> format parses back to a query that
 * formats to the same bytes (the fuzz harness checks this).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"
#include "wql/wql-internal.h"

static void format_const(StrBuf *b, const WqlConst *c) {
        if (c->kind != WQL_CONST_STRING) {
                strbuf_append(b, c->text);
                return;
        }
        strbuf_append_c(b, '"');
        for (const char *p = c->text; *p; p++) {
                if (*p == '"' || *p == '\\')
                        strbuf_append_c(b, '\\');
                strbuf_append_c(b, *p);
        }
        strbuf_append_c(b, '"');
}

static const char *op_text(WqlOp op) {
        switch (op) {
        case WQL_OP_EQ:
                return " = ";
        case WQL_OP_NE:
                return " <> ";
        case WQL_OP_LT:
                return " < ";
        case WQL_OP_LE:
                return " <= ";
        case WQL_OP_GT:
                return " > ";
        case WQL_OP_GE:
                return " >= ";
        case WQL_OP_LIKE:
                return " LIKE ";
        case WQL_OP_ISA:
                return " ISA ";
        case WQL_OP_IS_NULL:
                return " IS NULL";
        case WQL_OP_IS_NOT_NULL:
                return " IS NOT NULL";
        default:
                return " ? ";
        }
}

static void format_expr(StrBuf *b, const WqlExpr *e) {
        switch (e->op) {
        case WQL_OP_OR:
        case WQL_OP_AND:
                for (size_t i = 0; i < e->n_children; i++) {
                        const WqlExpr *c = e->children[i];
                        /* only an OR inside an AND needs parentheses */
                        bool paren = e->op == WQL_OP_AND && c->op == WQL_OP_OR;

                        if (i > 0)
                                strbuf_append(b, e->op == WQL_OP_AND ? " AND " : " OR ");
                        if (paren)
                                strbuf_append_c(b, '(');
                        format_expr(b, c);
                        if (paren)
                                strbuf_append_c(b, ')');
                }
                return;
        case WQL_OP_NOT: {
                const WqlExpr *c = e->children[0];
                bool paren = c->op == WQL_OP_AND || c->op == WQL_OP_OR;

                strbuf_append(b, paren ? "NOT (" : "NOT ");
                format_expr(b, c);
                if (paren)
                        strbuf_append_c(b, ')');
                return;
        }
        case WQL_OP_IS_NULL:
        case WQL_OP_IS_NOT_NULL:
                strbuf_append(b, e->prop->path);
                strbuf_append(b, op_text(e->op));
                return;
        default:
                strbuf_append(b, e->prop->path);
                strbuf_append(b, op_text(e->op));
                format_const(b, &e->value);
                return;
        }
}

int wql_expr_format(const WqlExpr *e, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        char *s;

        assert_return(e, -EINVAL);
        assert_return(ret, -EINVAL);
        format_expr(&b, e);
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static void format_list(StrBuf *b, WqlProperty *const *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        strbuf_append(b, ", ");
                strbuf_append(b, l[i]->path);
        }
}

static void format_interval(StrBuf *b, double d) {
        char buf[32];

        wql_format_real(d, false, buf);
        strbuf_append(b, buf);
}

int wql_query_format(const WqlQuery *q, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        char *s;

        assert_return(q, -EINVAL);
        assert_return(ret, -EINVAL);

        if (q->type == WQL_QUERY_SELECT) {
                strbuf_append(&b, "SELECT ");
                if (q->select_all)
                        strbuf_append_c(&b, '*');
                else
                        format_list(&b, q->select, q->n_select);
                strbuf_append(&b, " FROM ");
                strbuf_append(&b, q->class_name);
                if (q->has_within) {
                        strbuf_append(&b, " WITHIN ");
                        format_interval(&b, q->within);
                }
                if (q->where) {
                        strbuf_append(&b, " WHERE ");
                        format_expr(&b, q->where);
                }
                if (q->has_group) {
                        strbuf_append(&b, " GROUP WITHIN ");
                        format_interval(&b, q->group_within);
                        if (q->n_group_by > 0) {
                                strbuf_append(&b, " BY ");
                                format_list(&b, q->group_by, q->n_group_by);
                        }
                        if (q->having) {
                                strbuf_append(&b, " HAVING ");
                                format_expr(&b, q->having);
                        }
                }
        } else {
                const struct {
                        const char *name;
                        const char *value;
                        bool flag;
                } keys[] = {
                        { "AssocClass", q->assoc_class, false },
                        { "ClassDefsOnly", NULL, q->assoc_flags & WQL_ASSOC_CLASS_DEFS_ONLY },
                        { "KeysOnly", NULL, q->assoc_flags & WQL_ASSOC_KEYS_ONLY },
                        { "RequiredAssocQualifier", q->required_assoc_qualifier, false },
                        { "RequiredQualifier", q->required_qualifier, false },
                        { "ResultClass", q->result_class, false },
                        { "ResultRole", q->result_role, false },
                        { "Role", q->role, false },
                        { "SchemaOnly", NULL, q->assoc_flags & WQL_ASSOC_SCHEMA_ONLY },
                };
                bool where = false;

                strbuf_append(&b, q->type == WQL_QUERY_ASSOCIATORS ? "ASSOCIATORS OF {"
                                                                   : "REFERENCES OF {");
                strbuf_append(&b, q->object_path);
                strbuf_append_c(&b, '}');
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        if (!keys[i].value && !keys[i].flag)
                                continue;
                        if (!where) {
                                strbuf_append(&b, " WHERE");
                                where = true;
                        }
                        strbuf_append_c(&b, ' ');
                        strbuf_append(&b, keys[i].name);
                        if (keys[i].value) {
                                strbuf_append(&b, " = ");
                                strbuf_append(&b, keys[i].value);
                        }
                }
        }
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
