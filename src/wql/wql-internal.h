/* SPDX-License-Identifier: MIT */
/* WQL internals shared by the lexer, parser, formatter and evaluator. */
#pragma once

#include <stdarg.h>

#include "shared/macro.h"
#include "wql/wql.h"

typedef enum WqlTokenKind {
        WQL_TOK_EOF = 0,
        WQL_TOK_IDENT,  /* names and keywords (kw says which) */
        WQL_TOK_STRING, /* text holds the unescaped string */
        WQL_TOK_INT,    /* sint, or uint when is_uint */
        WQL_TOK_REAL,
        WQL_TOK_PATH, /* {object path}: text holds the trimmed inside */
        WQL_TOK_LPAREN,
        WQL_TOK_RPAREN,
        WQL_TOK_COMMA,
        WQL_TOK_DOT,
        WQL_TOK_STAR,
        WQL_TOK_EQ,
        WQL_TOK_NE,
        WQL_TOK_LT,
        WQL_TOK_LE,
        WQL_TOK_GT,
        WQL_TOK_GE,
} WqlTokenKind;

typedef enum WqlKeyword {
        WQL_KW_NONE = 0,
        WQL_KW_SELECT,
        WQL_KW_FROM,
        WQL_KW_WHERE,
        WQL_KW_AND,
        WQL_KW_OR,
        WQL_KW_NOT,
        WQL_KW_LIKE,
        WQL_KW_IS,
        WQL_KW_ISA,
        WQL_KW_NULL,
        WQL_KW_TRUE,
        WQL_KW_FALSE,
        WQL_KW_WITHIN,
        WQL_KW_GROUP,
        WQL_KW_BY,
        WQL_KW_HAVING,
        WQL_KW_ASSOCIATORS,
        WQL_KW_REFERENCES,
        WQL_KW_OF,
        WQL_KW_KEYSONLY,
} WqlKeyword;

typedef struct WqlToken {
        WqlTokenKind kind;
        WqlKeyword kw;
        size_t start; /* byte offset in the query */
        size_t len;   /* bytes as written */
        bool is_uint;
        int64_t sint;
        uint64_t uint;
        double real;
        char *text; /* STRING and PATH: owned by the lexer until the next token */
        size_t n_text;
} WqlToken;

typedef struct WqlLexer {
        const char *s;
        size_t n;
        size_t pos;
        char *buf; /* storage for WqlToken.text */
        size_t n_buf_alloc;
} WqlLexer;

/*
 * Lexer: wql_lexer_next() returns 0 with the next token, -EINVAL with @err
 * filled, -ENOMEM.
 */
void wql_lexer_init(WqlLexer *lx, const char *s, size_t n);
void wql_lexer_deinit(WqlLexer *lx);
int wql_lexer_next(WqlLexer *lx, WqlToken *ret, WqlError *err);
const char *wql_keyword_name(WqlKeyword kw);

/* Errors */
int wql_error_set(WqlError *e, lwmi_status status, const char *query, size_t n_query, size_t offset,
                  size_t n_token, const char *fmt, ...) _printf_(7, 8);
unsigned wql_column(const char *query, size_t n_query, size_t offset);

/* ASCII case folding, as src/shared/name.c. */
static inline unsigned char wql_fold(unsigned char c) {
        return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

/* LIKE patterns (wql-like.c). */
int wql_pattern_compile(const char *text, size_t n, WqlPattern **ret, size_t *reterr_offset);
WqlPattern *wql_pattern_free(WqlPattern *p);
bool wql_pattern_match(const WqlPattern *p, const char *s);

/* Constants (wql-const.c). */
void wql_const_deinit(WqlConst *c);
/* Fills the conversions of a parsed constant; -ENOMEM. */
int wql_const_prepare(WqlConst *c);
/* Parses "yyyy-mm-dd[ hh:mm[:ss]]" or a DMTF datetime; -EINVAL. */
int wql_datetime_parse(const char *s, lwmi_datetime *ret);
/* The shortest "%.*g" spelling that reads back as @d (with ".0" when @force_real). */
void wql_format_real(double d, bool force_real, char out[32]);

/* Expressions */
WqlExpr *wql_expr_free(WqlExpr *e);
