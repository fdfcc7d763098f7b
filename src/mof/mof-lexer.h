/* SPDX-License-Identifier: MIT */
/* MOF tokenizer over one UTF-8 source text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mof/mof-ast.h"
#include "mof/mof.h"
#include "shared/macro.h"

typedef enum MofTokKind {
        MOF_TOK_EOF,
        MOF_TOK_ERROR, /* a lexical error, already reported */
        MOF_TOK_IDENT,
        MOF_TOK_INT,    /* @u; @overflow when it does not fit 64 bits */
        MOF_TOK_REAL,   /* @r */
        MOF_TOK_STRING, /* @s: decoded UTF-8 */
        MOF_TOK_CHAR,   /* @c */
        MOF_TOK_ALIAS,  /* @s: the name after '$' */
        MOF_TOK_PRAGMA, /* "#pragma" in any case */
        MOF_TOK_LBRACE,
        MOF_TOK_RBRACE,
        MOF_TOK_LBRACKET,
        MOF_TOK_RBRACKET,
        MOF_TOK_LPAREN,
        MOF_TOK_RPAREN,
        MOF_TOK_SEMICOLON,
        MOF_TOK_COMMA,
        MOF_TOK_COLON,
        MOF_TOK_EQUALS,
        MOF_TOK_MINUS,
        MOF_TOK_PLUS,
} MofTokKind;

typedef struct MofToken {
        MofTokKind kind;
        MofPos pos;
        const char *text; /* raw text in the source (not NUL-terminated) */
        size_t len;
        char *s; /* IDENT, STRING, ALIAS: arena copy */
        size_t s_len;
        uint64_t u;
        double r;
        uint16_t c;
} MofToken;

typedef struct MofLexer {
        const char *buf;
        size_t len;
        size_t i;
        unsigned line;
        unsigned col;
        const char *file; /* interned */
        MofArena *arena;
        MofDiagList *diags;
        unsigned *n_errors;        /* shared error counter of the compilation */
        bool cpp_markers;          /* honour "# N "file"" line markers (after --cpp) */
        const char *cpp_main_name; /* what "<stdin>" in line markers stands for */
        bool cpp_reported;         /* a "needs --cpp" error was reported for this text */
} MofLexer;

void mof_lexer_init(MofLexer *lx, const char *file, const char *buf, size_t len, MofArena *arena,
                    MofDiagList *diags, unsigned *n_errors);
void mof_lexer_next(MofLexer *lx, MofToken *ret);
const char *mof_tok_kind_name(MofTokKind k);
/* Reports an error at @pos (counted in *lx->n_errors). */
_printf_(3, 4) void mof_lexer_error(MofLexer *lx, const MofPos *pos, const char *fmt, ...);
