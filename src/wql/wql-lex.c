/* SPDX-License-Identifier: MIT */
/*
 * WQL lexer: splits a query into tokens on demand, unescaping string literals
 * and checking numbers, UTF-8 and escapes as it goes. Errors carry the column.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/name.h"
#include "shared/utf.h"
#include "wql/wql-internal.h"

static const char *const keyword_names[] = {
        [WQL_KW_SELECT] = "SELECT",
        [WQL_KW_FROM] = "FROM",
        [WQL_KW_WHERE] = "WHERE",
        [WQL_KW_AND] = "AND",
        [WQL_KW_OR] = "OR",
        [WQL_KW_NOT] = "NOT",
        [WQL_KW_LIKE] = "LIKE",
        [WQL_KW_IS] = "IS",
        [WQL_KW_ISA] = "ISA",
        [WQL_KW_NULL] = "NULL",
        [WQL_KW_TRUE] = "TRUE",
        [WQL_KW_FALSE] = "FALSE",
        [WQL_KW_WITHIN] = "WITHIN",
        [WQL_KW_GROUP] = "GROUP",
        [WQL_KW_BY] = "BY",
        [WQL_KW_HAVING] = "HAVING",
        [WQL_KW_ASSOCIATORS] = "ASSOCIATORS",
        [WQL_KW_REFERENCES] = "REFERENCES",
        [WQL_KW_OF] = "OF",
        [WQL_KW_KEYSONLY] = "KEYSONLY",
};

/**
 * wql_keyword_name() - the canonical (upper case) spelling of a keyword.
 * @kw: a keyword
 *
 * Return: a static string; "" for WQL_KW_NONE.
 */
const char *wql_keyword_name(WqlKeyword kw) {
        if (kw <= WQL_KW_NONE || (size_t) kw >= ELEMENTSOF(keyword_names))
                return "";
        return keyword_names[kw];
}

static WqlKeyword keyword_lookup(const char *s, size_t n) {
        for (size_t i = 1; i < ELEMENTSOF(keyword_names); i++)
                if (lwmi_name_eq_n(keyword_names[i], s, n))
                        return (WqlKeyword) i;
        return WQL_KW_NONE;
}

/**
 * wql_column() - the 1-based column, in characters, of byte @offset.
 * @query: the query text
 * @n_query: its length
 * @offset: a byte offset (may be @n_query)
 *
 * Return: the column; UTF-8 continuation bytes do not count.
 */
unsigned wql_column(const char *query, size_t n_query, size_t offset) {
        unsigned col = 1;

        for (size_t i = 0; i < offset && i < n_query; i++)
                if (((unsigned char) query[i] & 0xC0) != 0x80)
                        col++;
        return col;
}

void wql_error_deinit(WqlError *e) {
        if (!e)
                return;
        free(e->token);
        free(e->message);
        *e = (WqlError) WQL_ERROR_INIT;
}

/**
 * wql_error_set() - fill @e (when not NULL) with a status, the token at
 * @offset (@n_token bytes, shortened to 64) and a message.
 * @e: the error, or NULL
 * @status: the WBEM status
 * @query: the query text
 * @n_query: its length
 * @offset: byte offset of the offending token
 * @n_token: its length in bytes
 * @fmt: printf format of the message
 *
 * Return: -EINVAL, or -ENOMEM when the strings cannot be allocated.
 */
int wql_error_set(WqlError *e, lwmi_status status, const char *query, size_t n_query, size_t offset,
                  size_t n_token, const char *fmt, ...) {
        char *token, *message = NULL;
        va_list ap;
        int r;

        if (!e)
                return -EINVAL;
        if (offset > n_query)
                offset = n_query;
        if (n_token > n_query - offset)
                n_token = n_query - offset;
        if (n_token > 64) {
                n_token = 64;
                /* do not cut a UTF-8 sequence */
                while (n_token > 0 && ((unsigned char) query[offset + n_token] & 0xC0) == 0x80)
                        n_token--;
        }
        token = malloc(n_token + 1);
        if (!token)
                return -ENOMEM;
        for (size_t i = 0; i < n_token; i++)
                token[i] = query[offset + i] ? query[offset + i] : '?';
        token[n_token] = 0;

        va_start(ap, fmt);
        r = vasprintf(&message, fmt, ap);
        va_end(ap);
        if (r < 0) {
                free(token);
                return -ENOMEM;
        }

        wql_error_deinit(e);
        e->status = status;
        e->col = query ? wql_column(query, n_query, offset) : 0;
        e->token = token;
        e->message = message;
        return -EINVAL;
}

int wql_error_to_lwmi(const WqlError *e, lwmi_error *ret) {
        if (!ret)
                return lwmi_status_to_errno(e->status);
        return lwmi_error_set(ret, e->status, "\"%s\" at column %u: %s", e->token ? e->token : "",
                              e->col, e->message ? e->message : "");
}

/**
 * wql_lexer_init() - set up a lexer over @n bytes of @s (borrowed for its lifetime).
 * @lx: the lexer
 * @s: the query text
 * @n: its length
 */
void wql_lexer_init(WqlLexer *lx, const char *s, size_t n) {
        *lx = (WqlLexer){ .s = s, .n = n };
}

/**
 * wql_lexer_deinit() - release the token buffer; token texts become invalid.
 * @lx: the lexer
 */
void wql_lexer_deinit(WqlLexer *lx) {
        free(lx->buf);
        lx->buf = NULL;
        lx->n_buf_alloc = 0;
}

static bool is_ident_start(unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c) {
        return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_space(unsigned char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int lex_error(WqlLexer *lx, WqlError *err, size_t offset, size_t n_token, const char *msg) {
        return wql_error_set(err, LWMI_WBEM_E_INVALID_QUERY, lx->s, lx->n, offset, n_token, "%s",
                             msg);
}

/* Checks the UTF-8 sequence at @pos; returns its length or a negative errno. */
static int lex_utf8(WqlLexer *lx, size_t pos, WqlError *err) {
        uint32_t cp;
        int l = utf8_decode(lx->s + pos, lx->n - pos, &cp);

        if (l < 0)
                return lex_error(lx, err, pos, 1, "invalid UTF-8");
        return l;
}

static int lex_number(WqlLexer *lx, WqlToken *t, WqlError *err) {
        size_t p = lx->pos;
        bool neg = false, real = false;

        if (lx->s[p] == '-') {
                neg = true;
                p++;
        }
        if (p + 1 < lx->n && lx->s[p] == '0' && (lx->s[p + 1] == 'x' || lx->s[p + 1] == 'X')) {
                uint64_t u = 0;
                size_t d = 0;

                p += 2;
                for (; p < lx->n && unhexchar((unsigned char) lx->s[p]) >= 0; p++, d++) {
                        if (u >> 60)
                                return lex_error(lx, err, t->start, p - t->start + 1,
                                                 "integer out of range");
                        u = (u << 4) | (uint64_t) unhexchar((unsigned char) lx->s[p]);
                }
                if (d == 0)
                        return lex_error(lx, err, t->start, p - t->start, "invalid number");
                if (p < lx->n && (is_ident_char((unsigned char) lx->s[p]) || lx->s[p] == '.'))
                        return lex_error(lx, err, t->start, p - t->start + 1, "invalid number");
                t->kind = WQL_TOK_INT;
                if (neg) {
                        if (u > (uint64_t) INT64_MAX + 1)
                                return lex_error(lx, err, t->start, p - t->start,
                                                 "integer out of range");
                        t->sint = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) u;
                } else if (u > (uint64_t) INT64_MAX) {
                        t->is_uint = true;
                        t->uint = u;
                } else
                        t->sint = (int64_t) u;
                lx->pos = p;
                t->len = p - t->start;
                return 0;
        }

        size_t digits = p;
        while (p < lx->n && lx->s[p] >= '0' && lx->s[p] <= '9')
                p++;
        if (p < lx->n && lx->s[p] == '.' && p + 1 < lx->n && lx->s[p + 1] >= '0' &&
            lx->s[p + 1] <= '9') {
                real = true;
                p++;
                while (p < lx->n && lx->s[p] >= '0' && lx->s[p] <= '9')
                        p++;
        }
        if (p < lx->n && (lx->s[p] == 'e' || lx->s[p] == 'E')) {
                size_t q = p + 1;
                if (q < lx->n && (lx->s[q] == '+' || lx->s[q] == '-'))
                        q++;
                if (q < lx->n && lx->s[q] >= '0' && lx->s[q] <= '9') {
                        real = true;
                        p = q;
                        while (p < lx->n && lx->s[p] >= '0' && lx->s[p] <= '9')
                                p++;
                }
        }
        if (p < lx->n && (is_ident_char((unsigned char) lx->s[p]) || lx->s[p] == '.'))
                return lex_error(lx, err, t->start, p - t->start + 1, "invalid number");

        if (real) {
                char buf[128];
                char *end;

                if (p - t->start >= sizeof(buf))
                        return lex_error(lx, err, t->start, p - t->start, "number too long");
                memcpy(buf, lx->s + t->start, p - t->start);
                buf[p - t->start] = 0;
                t->real = strtod(buf, &end);
                if (*end || !isfinite(t->real))
                        return lex_error(lx, err, t->start, p - t->start, "real out of range");
                t->kind = WQL_TOK_REAL;
        } else {
                uint64_t u = 0;

                for (size_t i = digits; i < p; i++) {
                        unsigned d = (unsigned) (lx->s[i] - '0');
                        if (u > (UINT64_MAX - d) / 10)
                                return lex_error(lx, err, t->start, p - t->start,
                                                 "integer out of range");
                        u = u * 10 + d;
                }
                t->kind = WQL_TOK_INT;
                if (neg) {
                        if (u > (uint64_t) INT64_MAX + 1)
                                return lex_error(lx, err, t->start, p - t->start,
                                                 "integer out of range");
                        t->sint = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) u;
                } else if (u > (uint64_t) INT64_MAX) {
                        t->is_uint = true;
                        t->uint = u;
                } else
                        t->sint = (int64_t) u;
        }
        lx->pos = p;
        t->len = p - t->start;
        return 0;
}

static int buf_reserve(WqlLexer *lx, size_t need) {
        if (GROW(lx->buf, lx->n_buf_alloc, need) < 0)
                return -ENOMEM;
        return 0;
}

static int lex_string(WqlLexer *lx, WqlToken *t, WqlError *err) {
        char quote = lx->s[lx->pos];
        size_t p = lx->pos + 1, o = 0;

        /* the unescaped text is never longer than the literal */
        if (buf_reserve(lx, lx->n - lx->pos + 1) < 0)
                return -ENOMEM;
        for (;;) {
                unsigned char c;

                if (p >= lx->n)
                        return lex_error(lx, err, t->start, lx->n - t->start,
                                         "unterminated string");
                c = (unsigned char) lx->s[p];
                if (c == (unsigned char) quote) {
                        p++;
                        break;
                }
                if (c == 0)
                        return lex_error(lx, err, p, 1, "invalid character in string");
                if (c == '\\') {
                        char e;
                        if (p + 1 >= lx->n)
                                return lex_error(lx, err, t->start, lx->n - t->start,
                                                 "unterminated string");
                        e = lx->s[p + 1];
                        if (e != '\\' && e != '"' && e != '\'') {
                                int l = 1;
                                if ((unsigned char) e >= 0x80) {
                                        uint32_t cp;
                                        l = utf8_decode(lx->s + p + 1, lx->n - p - 1, &cp);
                                        if (l < 0)
                                                l = 1;
                                }
                                return lex_error(lx, err, p, 1 + (size_t) l,
                                                 "invalid escape sequence in string (only \\\\, "
                                                 "\\\" and \\' are allowed)");
                        }
                        lx->buf[o++] = e;
                        p += 2;
                        continue;
                }
                if (c >= 0x80) {
                        int l = lex_utf8(lx, p, err);
                        if (l < 0)
                                return l;
                        memcpy(lx->buf + o, lx->s + p, (size_t) l);
                        o += (size_t) l;
                        p += (size_t) l;
                        continue;
                }
                lx->buf[o++] = (char) c;
                p++;
        }
        lx->buf[o] = 0;
        t->kind = WQL_TOK_STRING;
        t->text = lx->buf;
        t->n_text = o;
        lx->pos = p;
        t->len = p - t->start;
        return 0;
}

static int lex_path(WqlLexer *lx, WqlToken *t, WqlError *err) {
        size_t p = lx->pos + 1, b, e;
        bool in_quote = false;

        for (;; p++) {
                unsigned char c;

                if (p >= lx->n)
                        return lex_error(lx, err, t->start, lx->n - t->start,
                                         "unterminated object path");
                c = (unsigned char) lx->s[p];
                if (c == 0)
                        return lex_error(lx, err, p, 1, "invalid character in object path");
                if (c >= 0x80) {
                        int l = lex_utf8(lx, p, err);
                        if (l < 0)
                                return l;
                        p += (size_t) l - 1;
                        continue;
                }
                if (in_quote) {
                        if (c == '\\' && p + 1 < lx->n && lx->s[p + 1] != 0)
                                p++;
                        else if (c == '"')
                                in_quote = false;
                        continue;
                }
                if (c == '"')
                        in_quote = true;
                else if (c == '{')
                        return lex_error(lx, err, p, 1, "'{' in object path");
                else if (c == '}')
                        break;
        }
        b = lx->pos + 1;
        e = p;
        while (b < e && is_space((unsigned char) lx->s[b]))
                b++;
        while (e > b && is_space((unsigned char) lx->s[e - 1]))
                e--;
        if (buf_reserve(lx, e - b + 1) < 0)
                return -ENOMEM;
        memcpy(lx->buf, lx->s + b, e - b);
        lx->buf[e - b] = 0;
        t->kind = WQL_TOK_PATH;
        t->text = lx->buf;
        t->n_text = e - b;
        lx->pos = p + 1;
        t->len = lx->pos - t->start;
        return 0;
}

/**
 * wql_lexer_next() - read the next token.
 * @lx: the lexer
 * @ret: the token (its text is valid until the next call)
 * @err: filled on -EINVAL (may be NULL)
 *
 * Return: 0 (WQL_TOK_EOF at the end), -EINVAL, -ENOMEM.
 */
int wql_lexer_next(WqlLexer *lx, WqlToken *ret, WqlError *err) {
        WqlToken t = {};
        unsigned char c;

        while (lx->pos < lx->n && is_space((unsigned char) lx->s[lx->pos]))
                lx->pos++;
        t.start = lx->pos;
        if (lx->pos >= lx->n) {
                t.kind = WQL_TOK_EOF;
                *ret = t;
                return 0;
        }
        c = (unsigned char) lx->s[lx->pos];

        if (is_ident_start(c)) {
                size_t p = lx->pos;
                while (p < lx->n && is_ident_char((unsigned char) lx->s[p])) {
                        if ((unsigned char) lx->s[p] >= 0x80) {
                                int l = lex_utf8(lx, p, err);
                                if (l < 0)
                                        return l;
                                p += (size_t) l;
                        } else
                                p++;
                }
                t.kind = WQL_TOK_IDENT;
                t.len = p - lx->pos;
                t.kw = keyword_lookup(lx->s + lx->pos, t.len);
                lx->pos = p;
                *ret = t;
                return 0;
        }
        if ((c >= '0' && c <= '9') || (c == '-' && lx->pos + 1 < lx->n &&
                                       lx->s[lx->pos + 1] >= '0' && lx->s[lx->pos + 1] <= '9')) {
                int r = lex_number(lx, &t, err);
                if (r < 0)
                        return r;
                *ret = t;
                return 0;
        }
        if (c == '"' || c == '\'') {
                int r = lex_string(lx, &t, err);
                if (r < 0)
                        return r;
                *ret = t;
                return 0;
        }
        if (c == '{') {
                int r = lex_path(lx, &t, err);
                if (r < 0)
                        return r;
                *ret = t;
                return 0;
        }

        t.len = 1;
        switch (c) {
        case '(':
                t.kind = WQL_TOK_LPAREN;
                break;
        case ')':
                t.kind = WQL_TOK_RPAREN;
                break;
        case ',':
                t.kind = WQL_TOK_COMMA;
                break;
        case '.':
                t.kind = WQL_TOK_DOT;
                break;
        case '*':
                t.kind = WQL_TOK_STAR;
                break;
        case '=':
                t.kind = WQL_TOK_EQ;
                break;
        case '<':
                if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '=') {
                        t.kind = WQL_TOK_LE;
                        t.len = 2;
                } else if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '>') {
                        t.kind = WQL_TOK_NE;
                        t.len = 2;
                } else
                        t.kind = WQL_TOK_LT;
                break;
        case '>':
                if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '=') {
                        t.kind = WQL_TOK_GE;
                        t.len = 2;
                } else
                        t.kind = WQL_TOK_GT;
                break;
        case '!':
                if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '=') {
                        t.kind = WQL_TOK_NE;
                        t.len = 2;
                        break;
                }
                return lex_error(lx, err, lx->pos, 1, "invalid character");
        default:
                return lex_error(lx, err, lx->pos, 1, "invalid character");
        }
        lx->pos += t.len;
        *ret = t;
        return 0;
}
