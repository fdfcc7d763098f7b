/* SPDX-License-Identifier: MIT */
/*
 * MOF tokenizer: comments, literals of every DSP0004 form, identifiers,
 * punctuation, "#pragma" and, after --cpp, the preprocessor's line markers.
 * Columns count characters (UTF-8 code points), not bytes.
 */
#include "mof/mof-lexer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mof/mof-diag.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

/**
 * mof_lexer_init() - start tokenizing @len bytes of UTF-8 at @buf.
 * @lx: the lexer
 * @file: the file name used in positions (interned in @arena)
 * @buf: the text (need not be NUL-terminated; must outlive the lexer)
 * @len: its length
 * @arena: where token strings are copied
 * @diags: where lexical errors go
 * @n_errors: the compilation's error counter
 */
void mof_lexer_init(MofLexer *lx, const char *file, const char *buf, size_t len, MofArena *arena,
                    MofDiagList *diags, unsigned *n_errors) {
        *lx = (MofLexer){
                .buf = buf,
                .len = len,
                .line = 1,
                .col = 1,
                .file = mof_arena_strdup(arena, file ? file : "<input>"),
                .arena = arena,
                .diags = diags,
                .n_errors = n_errors,
        };
        if (!lx->file)
                lx->file = "<input>";
}

/**
 * mof_lexer_error() - report an error at @pos and count it.
 */
void mof_lexer_error(MofLexer *lx, const MofPos *pos, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) mof_diag_addv(lx->diags, pos->file, pos->line, pos->col, false, fmt, ap);
        va_end(ap);
        (*lx->n_errors)++;
}

const char *mof_tok_kind_name(MofTokKind k) {
        static const char *const names[] = {
                [MOF_TOK_EOF] = "end of file",
                [MOF_TOK_ERROR] = "invalid token",
                [MOF_TOK_IDENT] = "identifier",
                [MOF_TOK_INT] = "integer",
                [MOF_TOK_REAL] = "real number",
                [MOF_TOK_STRING] = "string",
                [MOF_TOK_CHAR] = "character literal",
                [MOF_TOK_ALIAS] = "alias",
                [MOF_TOK_PRAGMA] = "#pragma",
                [MOF_TOK_LBRACE] = "'{'",
                [MOF_TOK_RBRACE] = "'}'",
                [MOF_TOK_LBRACKET] = "'['",
                [MOF_TOK_RBRACKET] = "']'",
                [MOF_TOK_LPAREN] = "'('",
                [MOF_TOK_RPAREN] = "')'",
                [MOF_TOK_SEMICOLON] = "';'",
                [MOF_TOK_COMMA] = "','",
                [MOF_TOK_COLON] = "':'",
                [MOF_TOK_EQUALS] = "'='",
                [MOF_TOK_MINUS] = "'-'",
                [MOF_TOK_PLUS] = "'+'",
        };

        if ((size_t) k < ELEMENTSOF(names) && names[k])
                return names[k];
        return "token";
}

static int peek_at(const MofLexer *lx, size_t off) {
        if (lx->i + off >= lx->len)
                return -1;
        return (unsigned char) lx->buf[lx->i + off];
}

static int peek(const MofLexer *lx) {
        return peek_at(lx, 0);
}

/* Consumes one byte, keeping line and column (in code points) up to date. */
static void advance(MofLexer *lx) {
        unsigned char c;

        if (lx->i >= lx->len)
                return;
        c = (unsigned char) lx->buf[lx->i++];
        if (c == '\n') {
                lx->line++;
                lx->col = 1;
        } else if ((c & 0xc0) != 0x80) {
                lx->col++;
        }
}

static MofPos here(const MofLexer *lx) {
        return (MofPos){ .file = lx->file, .line = lx->line, .col = lx->col };
}

static bool is_ident_start(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(int c) {
        return is_ident_start(c) || (c >= '0' && c <= '9');
}

static void skip_line(MofLexer *lx) {
        /* Honours backslash continuations, as the C preprocessor would. */
        while (peek(lx) >= 0 && peek(lx) != '\n') {
                if (peek(lx) == '\\' && peek_at(lx, 1) == '\n')
                        advance(lx);
                else if (peek(lx) == '\\' && peek_at(lx, 1) == '\r' && peek_at(lx, 2) == '\n') {
                        advance(lx);
                        advance(lx);
                }
                advance(lx);
        }
}

/* Skips blanks and comments. Returns false after reporting an unterminated comment. */
static bool skip_space(MofLexer *lx) {
        for (;;) {
                int c = peek(lx);

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
                        advance(lx);
                } else if (c == '\\' && (peek_at(lx, 1) == '\n' ||
                                         (peek_at(lx, 1) == '\r' && peek_at(lx, 2) == '\n'))) {
                        /* a line continuation left over from C preprocessor macros */
                        advance(lx);
                } else if (c == '/' && peek_at(lx, 1) == '/') {
                        while (peek(lx) >= 0 && peek(lx) != '\n')
                                advance(lx);
                } else if (c == '/' && peek_at(lx, 1) == '*') {
                        MofPos start = here(lx);

                        advance(lx);
                        advance(lx);
                        for (;;) {
                                if (peek(lx) < 0) {
                                        mof_lexer_error(lx, &start, "unterminated comment");
                                        return false;
                                }
                                if (peek(lx) == '*' && peek_at(lx, 1) == '/') {
                                        advance(lx);
                                        advance(lx);
                                        break;
                                }
                                advance(lx);
                        }
                } else {
                        return true;
                }
        }
}

/* Parses one escape sequence after the backslash. Returns the code point or -1 (reported). */
static int64_t lex_escape(MofLexer *lx) {
        MofPos pos = here(lx);
        int c = peek(lx);
        int64_t v = 0;
        unsigned n = 0;

        pos.col--; /* point at the backslash */
        switch (c) {
        case 'b':
                advance(lx);
                return '\b';
        case 't':
                advance(lx);
                return '\t';
        case 'n':
                advance(lx);
                return '\n';
        case 'f':
                advance(lx);
                return '\f';
        case 'r':
                advance(lx);
                return '\r';
        case '"':
        case '\'':
        case '\\':
                advance(lx);
                return c;
        case 'x':
        case 'X':
                advance(lx);
                while (n < 4 && unhexchar(peek(lx)) >= 0) {
                        v = v * 16 + unhexchar(peek(lx));
                        advance(lx);
                        n++;
                }
                if (n == 0) {
                        mof_lexer_error(lx, &pos, "\\x escape without hex digits");
                        return -1;
                }
                return v;
        default:
                if (c >= 0x20 && c < 0x7f)
                        mof_lexer_error(lx, &pos, "unknown escape sequence '\\%c'", c);
                else
                        mof_lexer_error(lx, &pos, "unknown escape sequence");
                if (c >= 0 && c != '\n')
                        advance(lx);
                return -1;
        }
}

static void lex_string(MofLexer *lx, MofToken *t) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        bool bad = false;

        advance(lx); /* opening quote */
        for (;;) {
                int c = peek(lx);

                if (c < 0 || c == '\n' || c == '\r') {
                        mof_lexer_error(lx, &t->pos, "unterminated string");
                        t->kind = MOF_TOK_ERROR;
                        return;
                }
                if (c == '"') {
                        advance(lx);
                        break;
                }
                if (c == '\\') {
                        MofPos epos = here(lx);
                        int64_t cp;
                        char u[4];
                        int n;

                        advance(lx);
                        cp = lex_escape(lx);
                        if (cp < 0) {
                                bad = true;
                                continue;
                        }
                        if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
                                mof_lexer_error(lx, &epos, "escape gives an invalid character");
                                bad = true;
                                continue;
                        }
                        n = utf8_encode((uint32_t) cp, u);
                        if (n > 0)
                                strbuf_append_n(&b, u, (size_t) n);
                        continue;
                }
                strbuf_append_c(&b, (char) c);
                advance(lx);
                if (b.len > MOF_MAX_STRING) {
                        mof_lexer_error(lx, &t->pos, "string literal too long");
                        bad = true;
                        while (peek(lx) >= 0 && peek(lx) != '"' && peek(lx) != '\n')
                                advance(lx);
                        strbuf_truncate(&b, 0);
                }
        }
        if (bad) {
                t->kind = MOF_TOK_ERROR;
                return;
        }
        t->kind = MOF_TOK_STRING;
        t->s = mof_arena_strndup(lx->arena, b.s ? b.s : "", b.len);
        t->s_len = b.len;
        if (!t->s || b.oom) {
                mof_lexer_error(lx, &t->pos, "out of memory");
                t->kind = MOF_TOK_ERROR;
        }
}

static void lex_char(MofLexer *lx, MofToken *t) {
        int64_t cp = -1;
        int c;

        advance(lx);
        c = peek(lx);
        if (c == '\\') {
                advance(lx);
                cp = lex_escape(lx);
        } else if (c >= 0 && c != '\'' && c != '\n') {
                uint32_t u;
                int n = utf8_decode(lx->buf + lx->i, lx->len - lx->i, &u);

                if (n > 0) {
                        cp = u;
                        for (int k = 0; k < n; k++)
                                advance(lx);
                }
        }
        if (peek(lx) != '\'' || cp < 0 || cp > 0xffff) {
                if (cp >= 0 || c == '\'')
                        mof_lexer_error(lx, &t->pos, "invalid character literal");
                while (peek(lx) >= 0 && peek(lx) != '\'' && peek(lx) != '\n')
                        advance(lx);
                if (peek(lx) == '\'')
                        advance(lx);
                t->kind = MOF_TOK_ERROR;
                return;
        }
        advance(lx);
        t->kind = MOF_TOK_CHAR;
        t->c = (uint16_t) cp;
}

static void lex_number(MofLexer *lx, MofToken *t) {
        size_t start = lx->i, end;
        bool real = false, overflow = false;
        uint64_t v = 0;

        if (peek(lx) == '0' && (peek_at(lx, 1) == 'x' || peek_at(lx, 1) == 'X')) {
                advance(lx);
                advance(lx);
                if (unhexchar(peek(lx)) < 0)
                        goto bad;
                while (unhexchar(peek(lx)) >= 0) {
                        if (v > UINT64_MAX >> 4)
                                overflow = true;
                        v = v * 16 + (uint64_t) unhexchar(peek(lx));
                        advance(lx);
                }
                if (is_ident_char(peek(lx)))
                        goto bad;
                goto integer;
        }

        while (peek(lx) >= '0' && peek(lx) <= '9')
                advance(lx);
        end = lx->i;
        if (peek(lx) == '.' && peek_at(lx, 1) >= '0' && peek_at(lx, 1) <= '9') {
                real = true;
                advance(lx);
                while (peek(lx) >= '0' && peek(lx) <= '9')
                        advance(lx);
        } else if (peek(lx) == '.' && start == end) {
                goto bad;
        }
        if ((peek(lx) == 'e' || peek(lx) == 'E') &&
            ((peek_at(lx, 1) >= '0' && peek_at(lx, 1) <= '9') ||
             ((peek_at(lx, 1) == '+' || peek_at(lx, 1) == '-') && peek_at(lx, 2) >= '0' &&
              peek_at(lx, 2) <= '9'))) {
                real = true;
                advance(lx);
                advance(lx);
                while (peek(lx) >= '0' && peek(lx) <= '9')
                        advance(lx);
        }
        if (real) {
                char tmp[128];
                size_t n = lx->i - start;

                if (is_ident_char(peek(lx)) || n >= sizeof(tmp))
                        goto bad;
                memcpy(tmp, lx->buf + start, n);
                tmp[n] = 0;
                t->kind = MOF_TOK_REAL;
                t->r = strtod(tmp, NULL);
                goto done;
        }

        if ((peek(lx) == 'b' || peek(lx) == 'B') && !is_ident_char(peek_at(lx, 1))) {
                /* binary: 1011b */
                for (size_t k = start; k < end; k++) {
                        if (lx->buf[k] != '0' && lx->buf[k] != '1')
                                goto bad;
                        if (v > UINT64_MAX >> 1)
                                overflow = true;
                        v = v * 2 + (uint64_t) (lx->buf[k] - '0');
                }
                advance(lx);
                goto integer;
        }
        if (is_ident_char(peek(lx)))
                goto bad;
        if (lx->buf[start] == '0' && end - start > 1) {
                /* octal: 0755 */
                for (size_t k = start + 1; k < end; k++) {
                        if (lx->buf[k] > '7')
                                goto bad;
                        if (v > UINT64_MAX >> 3)
                                overflow = true;
                        v = v * 8 + (uint64_t) (lx->buf[k] - '0');
                }
                goto integer;
        }
        for (size_t k = start; k < end; k++) {
                uint64_t d = (uint64_t) (lx->buf[k] - '0');

                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                v = v * 10 + d;
        }
integer:
        if (overflow) {
                mof_lexer_error(lx, &t->pos, "integer literal '%.*s' out of range",
                                (int) MIN(lx->i - start, (size_t) 40), lx->buf + start);
                t->kind = MOF_TOK_ERROR;
                goto done;
        }
        t->kind = MOF_TOK_INT;
        t->u = v;
        goto done;
bad:
        while (is_ident_char(peek(lx)) || peek(lx) == '.')
                advance(lx);
        mof_lexer_error(lx, &t->pos, "invalid number '%.*s'", (int) MIN(lx->i - start, (size_t) 40),
                        lx->buf + start);
        t->kind = MOF_TOK_ERROR;
done:
        t->text = lx->buf + start;
        t->len = lx->i - start;
}

/* Handles "# 12 "file" 1 2" (a line marker of the C preprocessor). */
static bool lex_line_marker(MofLexer *lx) {
        size_t save_i = lx->i;
        unsigned line = 0;
        _cleanup_strbuf_ StrBuf name = STRBUF_INIT;

        while (peek(lx) == ' ' || peek(lx) == '\t')
                advance(lx);
        if (!(peek(lx) >= '0' && peek(lx) <= '9')) {
                lx->i = save_i;
                return false;
        }
        while (peek(lx) >= '0' && peek(lx) <= '9') {
                if (line < 100000000)
                        line = line * 10 + (unsigned) (peek(lx) - '0');
                advance(lx);
        }
        while (peek(lx) == ' ' || peek(lx) == '\t')
                advance(lx);
        if (peek(lx) == '"') {
                advance(lx);
                while (peek(lx) >= 0 && peek(lx) != '"' && peek(lx) != '\n') {
                        if (peek(lx) == '\\' && peek_at(lx, 1) >= 0)
                                advance(lx);
                        strbuf_append_c(&name, (char) peek(lx));
                        advance(lx);
                }
        }
        skip_line(lx);
        if (peek(lx) == '\n')
                advance(lx);
        if (name.len > 0 && !name.oom) {
                const char *f = name.s;

                if (strcmp(f, "<stdin>") == 0 && lx->cpp_main_name)
                        f = lx->cpp_main_name;
                f = mof_arena_strdup(lx->arena, f);
                if (f)
                        lx->file = f;
        }
        lx->line = line > 0 ? line : 1;
        lx->col = 1;
        return true;
}

/**
 * mof_lexer_next() - the next token.
 * @lx: the lexer
 * @ret: the token (strings point into the lexer's arena)
 *
 * Lexical errors are reported to the lexer's diagnostics and give a
 * MOF_TOK_ERROR token; MOF_TOK_EOF repeats at the end.
 */
void mof_lexer_next(MofLexer *lx, MofToken *ret) {
        MofToken t = {};
        int c;

again:
        if (!skip_space(lx)) {
                t.kind = MOF_TOK_EOF;
                t.pos = here(lx);
                *ret = t;
                return;
        }
        t = (MofToken){ .pos = here(lx), .text = lx->buf + lx->i };
        c = peek(lx);
        if (c < 0) {
                t.kind = MOF_TOK_EOF;
                *ret = t;
                return;
        }

        if (is_ident_start(c)) {
                size_t start = lx->i;

                while (is_ident_char(peek(lx)))
                        advance(lx);
                t.kind = MOF_TOK_IDENT;
                t.len = lx->i - start;
                t.s = mof_arena_strndup(lx->arena, lx->buf + start, t.len);
                t.s_len = t.len;
                if (!t.s) {
                        mof_lexer_error(lx, &t.pos, "out of memory");
                        t.kind = MOF_TOK_ERROR;
                }
                *ret = t;
                return;
        }
        if ((c >= '0' && c <= '9') ||
            (c == '.' && peek_at(lx, 1) >= '0' && peek_at(lx, 1) <= '9')) {
                lex_number(lx, &t);
                *ret = t;
                return;
        }

        switch (c) {
        case '"':
                lex_string(lx, &t);
                break;
        case '\'':
                lex_char(lx, &t);
                break;
        case '$': {
                size_t start;

                advance(lx);
                start = lx->i;
                while (is_ident_char(peek(lx)))
                        advance(lx);
                if (lx->i == start) {
                        mof_lexer_error(lx, &t.pos, "'$' must be followed by an alias name");
                        t.kind = MOF_TOK_ERROR;
                        break;
                }
                t.kind = MOF_TOK_ALIAS;
                t.s = mof_arena_strndup(lx->arena, lx->buf + start, lx->i - start);
                t.s_len = lx->i - start;
                if (!t.s)
                        t.kind = MOF_TOK_ERROR;
                break;
        }
        case '#': {
                size_t start;

                advance(lx);
                if (lx->cpp_markers && lex_line_marker(lx))
                        goto again;
                while (peek(lx) == ' ' || peek(lx) == '\t')
                        advance(lx);
                start = lx->i;
                while (is_ident_char(peek(lx)))
                        advance(lx);
                if (lwmi_name_eq_n("pragma", lx->buf + start, lx->i - start) &&
                    lx->i - start == 6) {
                        t.kind = MOF_TOK_PRAGMA;
                        break;
                }
                if (lx->i == start)
                        mof_lexer_error(lx, &t.pos, "stray '#'");
                else if (lx->cpp_reported)
                        ; /* one report per file is enough */
                else if ((lx->cpp_reported = true))
                        mof_lexer_error(lx, &t.pos,
                                        "preprocessor directive '#%.*s' needs the C preprocessor "
                                        "(run with --cpp)",
                                        (int) MIN(lx->i - start, (size_t) 40), lx->buf + start);
                skip_line(lx);
                t.kind = MOF_TOK_ERROR;
                break;
        }
        case '{':
                advance(lx);
                t.kind = MOF_TOK_LBRACE;
                break;
        case '}':
                advance(lx);
                t.kind = MOF_TOK_RBRACE;
                break;
        case '[':
                advance(lx);
                t.kind = MOF_TOK_LBRACKET;
                break;
        case ']':
                advance(lx);
                t.kind = MOF_TOK_RBRACKET;
                break;
        case '(':
                advance(lx);
                t.kind = MOF_TOK_LPAREN;
                break;
        case ')':
                advance(lx);
                t.kind = MOF_TOK_RPAREN;
                break;
        case ';':
                advance(lx);
                t.kind = MOF_TOK_SEMICOLON;
                break;
        case ',':
                advance(lx);
                t.kind = MOF_TOK_COMMA;
                break;
        case ':':
                advance(lx);
                t.kind = MOF_TOK_COLON;
                break;
        case '=':
                advance(lx);
                t.kind = MOF_TOK_EQUALS;
                break;
        case '-':
                advance(lx);
                t.kind = MOF_TOK_MINUS;
                break;
        case '+':
                advance(lx);
                t.kind = MOF_TOK_PLUS;
                break;
        default:
                if (c == '@' && is_ident_start(peek_at(lx, 1))) {
                        size_t k = 1;

                        while (is_ident_char(peek_at(lx, k)))
                                k++;
                        if (peek_at(lx, k) == '@') {
                                mof_lexer_error(lx, &t.pos,
                                                "unsubstituted template placeholder '%.*s'",
                                                (int) MIN(k + 1, (size_t) 60), lx->buf + lx->i);
                                while (k-- > 0)
                                        advance(lx);
                        } else {
                                mof_lexer_error(lx, &t.pos, "unexpected character '@'");
                        }
                } else if (c >= 0x21 && c < 0x7f)
                        mof_lexer_error(lx, &t.pos, "unexpected character '%c'", c);
                else if (c == 0)
                        mof_lexer_error(lx, &t.pos, "NUL byte in the input");
                else
                        mof_lexer_error(lx, &t.pos, "unexpected character (byte 0x%02x)", c);
                advance(lx);
                while (c >= 0x80 && peek(lx) >= 0x80 && (peek(lx) & 0xc0) == 0x80)
                        advance(lx); /* the rest of the same UTF-8 sequence */
                t.kind = MOF_TOK_ERROR;
                break;
        }
        t.len = (size_t) (lx->buf + lx->i - t.text);
        *ret = t;
}
