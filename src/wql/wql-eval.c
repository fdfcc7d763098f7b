/* SPDX-License-Identifier: MIT */
/*
 * WQL evaluator: runs a compiled condition against one object whose property
 * values come from a lookup callback. The parser already put every property
 * on the left, interned the paths and pre-converted every constant, so a
 * comparison is a callback, a switch on the value's type and a compare; the
 * fast path never allocates. Values that are NULL make every comparison false
 * (IS NULL true), as in WMI.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/name.h"
#include "shared/utf.h"
#include "wql/wql-internal.h"

typedef struct EvalCtx {
        WqlLookupFn lookup;
        WqlIsaFn isa;
        void *userdata;
        WqlError *err;
        bool scratch_used;
        lwmi_value scratch[2]; /* system properties read from embedded objects */
} EvalCtx;

static const lwmi_value null_value = LWMI_VALUE_NULL;

static int eval_fail(EvalCtx *ctx, lwmi_status status, const WqlExpr *e, const char *fmt, ...)
        _printf_(4, 5);
static int eval_fail(EvalCtx *ctx, lwmi_status status, const WqlExpr *e, const char *fmt, ...) {
        char *token, *message = NULL;
        va_list ap;
        int r;

        if (!ctx->err)
                return -EINVAL;
        token = strdup(e->prop ? e->prop->path : "");
        if (!token)
                return -ENOMEM;
        va_start(ap, fmt);
        r = vasprintf(&message, fmt, ap);
        va_end(ap);
        if (r < 0) {
                free(token);
                return -ENOMEM;
        }
        wql_error_deinit(ctx->err);
        ctx->err->status = status;
        ctx->err->col = e->col;
        ctx->err->token = token;
        ctx->err->message = message;
        return -EINVAL;
}

static lwmi_value *scratch_get(EvalCtx *ctx, size_t i) {
        if (!ctx->scratch_used) {
                ctx->scratch[0] = (lwmi_value) LWMI_VALUE_NULL;
                ctx->scratch[1] = (lwmi_value) LWMI_VALUE_NULL;
                ctx->scratch_used = true;
        }
        lwmi_value_clear(&ctx->scratch[i]);
        return &ctx->scratch[i];
}

/* Resolves the property of @e: the callback for the top level, then embedded objects. */
static int resolve(EvalCtx *ctx, const WqlExpr *e, const lwmi_value **ret) {
        const WqlProperty *p = e->prop;
        const lwmi_value *v = ctx->lookup(ctx->userdata, p);

        if (!v)
                return eval_fail(ctx, LWMI_WBEM_E_INVALID_PROPERTY, e, "no property %s",
                                 p->parts[0]);
        for (size_t i = 1; i < p->n_parts; i++) {
                const lwmi_object *o;

                if (v->is_null) {
                        v = &null_value;
                        break;
                }
                if (v->type != LWMI_CIM_OBJECT)
                        return eval_fail(ctx, LWMI_WBEM_E_PROPERTY_NOT_AN_OBJECT, e,
                                         "%s is not an embedded object", p->parts[i - 1]);
                o = v->u.object;
                if (!o) {
                        v = &null_value;
                        break;
                }
                if (p->parts[i][0] == '_' && p->parts[i][1] == '_') {
                        lwmi_value *s = scratch_get(ctx, i & 1);
                        int r = lwmi_object_get(o, p->parts[i], s, NULL);
                        if (r == -ENOENT) {
                                v = &null_value;
                                break;
                        }
                        if (r < 0)
                                return r;
                        v = s;
                } else {
                        v = lwmi_object_peek(o, p->parts[i]);
                        /* a property the embedded object's class lacks reads as NULL */
                        if (!v) {
                                v = &null_value;
                                break;
                        }
                }
        }
        *ret = v;
        return 0;
}

/* ASCII case-insensitive order of @s against the folded constant @folded. */
static int fold_cmp(const char *s, const char *folded) {
        for (size_t i = 0;; i++) {
                unsigned char a = wql_fold((unsigned char) s[i]), b = (unsigned char) folded[i];
                if (a != b)
                        return a < b ? -1 : 1;
                if (!a)
                        return 0;
        }
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)
#define UNORDERED 2

static int cmp_sint(int64_t x, const WqlConst *c) {
        if (!c->has_int)
                return (double) x < c->real    ? -1
                       : (double) x > c->real  ? 1
                       : (double) x == c->real ? 0
                                               : UNORDERED;
        if (c->is_uint)
                return -1;
        return CMP(x, c->sint);
}

static int cmp_uint(uint64_t x, const WqlConst *c) {
        if (!c->has_int)
                return (double) x < c->real    ? -1
                       : (double) x > c->real  ? 1
                       : (double) x == c->real ? 0
                                               : UNORDERED;
        if (c->is_uint)
                return CMP(x, c->uint);
        if (c->sint < 0)
                return 1;
        return CMP(x, (uint64_t) c->sint);
}

static int cmp_real(double x, const WqlConst *c) {
        if (x < c->real)
                return -1;
        if (x > c->real)
                return 1;
        if (x == c->real)
                return 0;
        return UNORDERED;
}

static int result_of(WqlOp op, int cmp) {
        if (cmp == UNORDERED)
                return op == WQL_OP_NE;
        switch (op) {
        case WQL_OP_EQ:
                return cmp == 0;
        case WQL_OP_NE:
                return cmp != 0;
        case WQL_OP_LT:
                return cmp < 0;
        case WQL_OP_LE:
                return cmp <= 0;
        case WQL_OP_GT:
                return cmp > 0;
        case WQL_OP_GE:
                return cmp >= 0;
        default:
                return 0;
        }
}

static int mismatch(EvalCtx *ctx, const WqlExpr *e, const lwmi_value *v) {
        return eval_fail(ctx, LWMI_WBEM_E_TYPE_MISMATCH, e, "cannot compare %s %s with %s",
                         lwmi_cimtype_name(v->type), e->prop->path, e->value.text);
}

static int eval_like(EvalCtx *ctx, const WqlExpr *e, const lwmi_value *v) {
        switch (LWMI_CIM_BASE(v->type)) {
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                return wql_pattern_match(e->value.pattern, v->u.string ? v->u.string : "");
        case LWMI_CIM_CHAR16: {
                char buf[5] = {};
                if (utf8_encode(v->u.char16, buf) < 0)
                        return 0;
                return wql_pattern_match(e->value.pattern, buf);
        }
        default:
                return mismatch(ctx, e, v);
        }
}

static int eval_compare(EvalCtx *ctx, const WqlExpr *e) {
        const WqlConst *c = &e->value;
        const lwmi_value *v = NULL;
        int r, cmp;

        r = resolve(ctx, e, &v);
        if (r < 0)
                return r;

        if (e->op == WQL_OP_IS_NULL || e->op == WQL_OP_IS_NOT_NULL) {
                bool null = v->is_null || (v->type == LWMI_CIM_OBJECT && !v->u.object);
                return null == (e->op == WQL_OP_IS_NULL);
        }
        if (v->is_null)
                return 0;
        if (LWMI_CIM_IS_ARRAY(v->type))
                return eval_fail(ctx, LWMI_WBEM_E_INVALID_QUERY, e,
                                 "array property %s cannot be used in WHERE (only IS NULL)",
                                 e->prop->path);
        if (e->op == WQL_OP_LIKE)
                return eval_like(ctx, e, v);
        if (e->op == WQL_OP_ISA) {
                if (ctx->isa) {
                        r = ctx->isa(ctx->userdata, v, c->text);
                        return r < 0 ? r : r > 0;
                }
                if (v->type != LWMI_CIM_OBJECT)
                        return mismatch(ctx, e, v);
                return v->u.object ? lwmi_object_derives_from(v->u.object, c->text) : 0;
        }

        switch (v->type) {
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                if (!c->has_number)
                        return mismatch(ctx, e, v);
                cmp = cmp_sint(v->u.sint, c);
                break;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                if (!c->has_number)
                        return mismatch(ctx, e, v);
                cmp = cmp_uint(v->u.uint, c);
                break;
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64:
                if (!c->has_number)
                        return mismatch(ctx, e, v);
                cmp = cmp_real(v->u.real, c);
                break;
        case LWMI_CIM_CHAR16:
                if (c->kind == WQL_CONST_STRING) {
                        uint32_t cp = 0;
                        int l = c->n_text ? utf8_decode(c->text, c->n_text, &cp) : -1;
                        if (l > 0 && (size_t) l == c->n_text) {
                                uint32_t x = v->u.char16;
                                /* case-insensitive, as strings */
                                if (x < 0x80)
                                        x = wql_fold((unsigned char) x);
                                if (cp < 0x80)
                                        cp = wql_fold((unsigned char) cp);
                                cmp = CMP(x, cp);
                                break;
                        }
                }
                if (!c->has_number)
                        return mismatch(ctx, e, v);
                cmp = cmp_uint(v->u.char16, c);
                break;
        case LWMI_CIM_BOOLEAN:
                if (!c->has_bool)
                        return mismatch(ctx, e, v);
                cmp = CMP((int) v->u.boolean, (int) c->boolean);
                break;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                cmp = fold_cmp(v->u.string ? v->u.string : "", c->folded);
                break;
        case LWMI_CIM_DATETIME:
                if (!c->has_datetime)
                        return mismatch(ctx, e, v);
                if (lwmi_datetime_compare(&v->u.datetime, &c->datetime, &cmp) < 0)
                        return 0; /* wildcards, or a timestamp against an interval */
                cmp = CMP(cmp, 0);
                break;
        default:
                return mismatch(ctx, e, v);
        }
        return result_of(e->op, cmp);
}

/* Returns 1 (true), 0 (false) or a negative errno. */
static int eval_node(EvalCtx *ctx, const WqlExpr *e) {
        int r;

        switch (e->op) {
        case WQL_OP_AND:
                for (size_t i = 0; i < e->n_children; i++) {
                        r = eval_node(ctx, e->children[i]);
                        if (r <= 0)
                                return r;
                }
                return 1;
        case WQL_OP_OR:
                for (size_t i = 0; i < e->n_children; i++) {
                        r = eval_node(ctx, e->children[i]);
                        if (r != 0)
                                return r;
                }
                return 0;
        case WQL_OP_NOT:
                r = eval_node(ctx, e->children[0]);
                return r < 0 ? r : !r;
        default:
                return eval_compare(ctx, e);
        }
}

int wql_expr_eval(const WqlExpr *e, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                  bool *ret_match, WqlError *reterr) {
        EvalCtx ctx;
        int r;

        assert_return(lookup, -EINVAL);
        assert_return(ret_match, -EINVAL);
        if (!e) {
                *ret_match = true;
                return 0;
        }
        /* the scratch values are set up only when a path needs them */
        ctx.lookup = lookup;
        ctx.isa = isa;
        ctx.userdata = userdata;
        ctx.err = reterr;
        ctx.scratch_used = false;
        r = eval_node(&ctx, e);
        if (ctx.scratch_used) {
                lwmi_value_clear(&ctx.scratch[0]);
                lwmi_value_clear(&ctx.scratch[1]);
        }
        if (r < 0)
                return r;
        *ret_match = r > 0;
        return 0;
}

int wql_query_eval(const WqlQuery *q, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                   bool *ret_match, WqlError *reterr) {
        assert_return(q, -EINVAL);
        return wql_expr_eval(q->where, lookup, isa, userdata, ret_match, reterr);
}

int wql_query_eval_having(const WqlQuery *q, WqlLookupFn lookup, WqlIsaFn isa, void *userdata,
                          bool *ret_match, WqlError *reterr) {
        assert_return(q, -EINVAL);
        return wql_expr_eval(q->having, lookup, isa, userdata, ret_match, reterr);
}

typedef struct ObjectCtx {
        const lwmi_object *o;
        lwmi_value self;
        lwmi_value scratch;
        int error;
} ObjectCtx;

static const lwmi_value *object_lookup(void *userdata, const WqlProperty *prop) {
        ObjectCtx *ctx = userdata;
        const char *name = prop->parts[0];
        int r;

        if (!prop->is_system)
                return lwmi_object_peek(ctx->o, name);
        if (lwmi_name_eq(name, "__this"))
                return &ctx->self;
        lwmi_value_clear(&ctx->scratch);
        r = lwmi_object_get(ctx->o, name, &ctx->scratch, NULL);
        if (r < 0) {
                if (r != -ENOENT)
                        ctx->error = r;
                return NULL;
        }
        return &ctx->scratch;
}

int wql_query_eval_object(const WqlQuery *q, const lwmi_object *o, bool *ret_match,
                          WqlError *reterr) {
        ObjectCtx ctx = {
                .o = o,
                .self = { .type = LWMI_CIM_OBJECT, .is_null = false },
                .scratch = LWMI_VALUE_NULL,
        };
        int r;

        assert_return(q, -EINVAL);
        assert_return(o, -EINVAL);
        assert_return(ret_match, -EINVAL);
        /* __this is the object itself, borrowed: never cleared */
        ctx.self.u.object = (lwmi_object *) o;
        r = wql_query_eval(q, object_lookup, NULL, &ctx, ret_match, reterr);
        lwmi_value_clear(&ctx.scratch);
        if (ctx.error < 0)
                return ctx.error;
        return r;
}
