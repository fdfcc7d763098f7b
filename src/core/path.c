/* SPDX-License-Identifier: MIT */
/*
 * Object paths: [\\server\namespace:]Class[.Key=value[,...] | =@ | =value],
 * parsing, formatting, namespace normalization and the paths of objects.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/macro.h"
#include "shared/name.h"
#include "shared/strbuf.h"
#include "shared/utf.h"

/*
 * Grammar accepted by lwmi_path_parse() (separators may be '\' or '/'):
 *
 *   path      := [ '\\' server '\' namespace ':' | namespace ':' ] class [ keys ]
 *   keys      := '=' '@' | '=' value | '.' name '=' value { ',' name '=' value }
 *   value     := '"' { char | '\"' | '\\' } '"' | integer | TRUE | FALSE
 *
 * Blanks are allowed around '=' and ','. Nested references are ordinary
 * quoted strings whose text is itself a path. lwmi_path_format() writes the
 * canonical form (no blanks, namespace with backslashes, integers in
 * decimal), so parse -> format is a fixed point after one round.
 */

static bool is_sep(char c) {
        return c == '\\' || c == '/';
}

static bool is_name_start(unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool is_name_char(unsigned char c) {
        return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p) {
        while (is_blank(*p))
                p++;
        return p;
}

/* Length of the identifier at @s (0 when there is none). */
static size_t name_span(const char *s) {
        size_t n = 0;

        if (!is_name_start((unsigned char) s[0]))
                return 0;
        while (is_name_char((unsigned char) s[n]))
                n++;
        return n;
}

/* Server names: anything printable except separators, ':', quotes, '=' and ','. */
static bool server_is_valid_n(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c <= 0x20 || c == 0x7f || is_sep((char) c) || c == ':' || c == '"' ||
                    c == '=' || c == ',')
                        return false;
        }
        return true;
}

/* Normalizes the namespace components in s[0..n): "root/wmi" -> "root\wmi". */
static int namespace_components(const char *s, size_t n, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        size_t i = 0;
        char *out;

        if (n == 0)
                return -EINVAL;
        while (i < n) {
                size_t l = 0;

                while (i + l < n && !is_sep(s[i + l]))
                        l++;
                if (l == 0 || !is_name_start((unsigned char) s[i]))
                        return -EINVAL;
                for (size_t k = 1; k < l; k++)
                        if (!is_name_char((unsigned char) s[i + k]))
                                return -EINVAL;
                if (b.len > 0)
                        strbuf_append_c(&b, '\\');
                strbuf_append_n(&b, s + i, l);
                i += l;
                if (i < n) {
                        i++; /* the separator; a trailing one leaves an empty component */
                        if (i == n)
                                return -EINVAL;
                }
        }
        out = strbuf_steal(&b);
        if (!out)
                return -ENOMEM;
        *ret = out;
        return 0;
}

_public_ int lwmi_namespace_normalize(const char *ns, char **ret) {
        const char *s;

        assert_return(ns, -EINVAL);
        assert_return(ret, -EINVAL);

        s = ns;
        if (is_sep(s[0]) && is_sep(s[1])) {
                /* \\server\namespace: drop the server */
                s += 2;
                while (*s && !is_sep(*s))
                        s++;
                if (s == ns + 2 || !*s)
                        return -EINVAL;
                s++;
        } else if (is_sep(s[0])) {
                s++;
        }
        if (!utf8_is_valid(s, strlen(s)))
                return -EINVAL;
        return namespace_components(s, strlen(s), ret);
}

/* ---- the path object ---- */

_public_ lwmi_path *lwmi_path_free(lwmi_path *p) {
        if (!p)
                return NULL;
        free(p->server);
        free(p->namespace_);
        free(p->class_name);
        for (size_t i = 0; i < p->n_keys; i++) {
                free(p->keys[i].name);
                lwmi_value_clear(&p->keys[i].value);
        }
        free(p->keys);
        free(p);
        return NULL;
}

_public_ int lwmi_path_new(const char *class_name, lwmi_path **ret) {
        lwmi_path *p;

        assert_return(lwmi_name_is_valid(class_name), -EINVAL);
        assert_return(ret, -EINVAL);

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->class_name = strdup(class_name);
        if (!p->class_name) {
                free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

_public_ const char *lwmi_path_get_server(const lwmi_path *p) {
        return p ? p->server : NULL;
}

_public_ const char *lwmi_path_get_namespace(const lwmi_path *p) {
        return p ? p->namespace_ : NULL;
}

_public_ const char *lwmi_path_get_class(const lwmi_path *p) {
        return p ? p->class_name : NULL;
}

_public_ bool lwmi_path_is_singleton(const lwmi_path *p) {
        return p && p->singleton;
}

_public_ size_t lwmi_path_get_key_count(const lwmi_path *p) {
        return p ? p->n_keys : 0;
}

_public_ int lwmi_path_get_key(const lwmi_path *p, size_t index, const char **ret_name,
                               const lwmi_value **ret_value) {
        assert_return(p, -EINVAL);

        if (index >= p->n_keys)
                return -ENOENT;
        if (ret_name)
                *ret_name = p->keys[index].name;
        if (ret_value)
                *ret_value = &p->keys[index].value;
        return 0;
}

_public_ const lwmi_value *lwmi_path_find_key(const lwmi_path *p, const char *name) {
        if (!p || !name)
                return NULL;
        for (size_t i = 0; i < p->n_keys; i++)
                if (p->keys[i].name && lwmi_name_eq(p->keys[i].name, name))
                        return &p->keys[i].value;
        return NULL;
}

_public_ int lwmi_path_set_server(lwmi_path *p, const char *server) {
        char *s = NULL;

        assert_return(p, -EINVAL);
        assert_return(!server || server_is_valid_n(server, strlen(server)), -EINVAL);

        if (server) {
                s = strdup(server);
                if (!s)
                        return -ENOMEM;
        }
        free(p->server);
        p->server = s;
        return 0;
}

_public_ int lwmi_path_set_namespace(lwmi_path *p, const char *namespace_) {
        char *ns = NULL;
        int r;

        assert_return(p, -EINVAL);

        if (namespace_) {
                r = lwmi_namespace_normalize(namespace_, &ns);
                if (r < 0)
                        return r;
        }
        free(p->namespace_);
        p->namespace_ = ns;
        return 0;
}

_public_ int lwmi_path_set_singleton(lwmi_path *p, bool singleton) {
        assert_return(p, -EINVAL);
        assert_return(!singleton || p->n_keys == 0, -EINVAL);

        p->singleton = singleton;
        return 0;
}

/* Whether a value can be a key value in a path. */
static bool key_value_is_valid(const lwmi_value *v) {
        if (v->is_null || LWMI_CIM_IS_ARRAY(v->type))
                return false;
        switch (v->type) {
        case LWMI_CIM_EMPTY:
        case LWMI_CIM_OBJECT:
                return false;
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                return v->u.string != NULL;
        default:
                return cim_type_is_valid(v->type);
        }
}

/* Adds a key taking ownership of @value (cleared on failure). @name NULL: unnamed key. */
static int path_add_key_take(lwmi_path *p, const char *name, lwmi_value *value) {
        char *n = NULL;

        if (p->singleton || (p->n_keys > 0 && (!name || !p->keys[0].name))) {
                lwmi_value_clear(value);
                return -EINVAL;
        }
        if (name && lwmi_path_find_key(p, name)) {
                lwmi_value_clear(value);
                return -EEXIST;
        }
        if (name) {
                n = strdup(name);
                if (!n) {
                        lwmi_value_clear(value);
                        return -ENOMEM;
                }
        }
        if (GROW(p->keys, p->alloc_keys, p->n_keys + 1) < 0) {
                free(n);
                lwmi_value_clear(value);
                return -ENOMEM;
        }
        p->keys[p->n_keys++] = (struct lwmi_path_key){ .name = n, .value = *value };
        *value = (lwmi_value) LWMI_VALUE_NULL;
        return 0;
}

_public_ int lwmi_path_add_key(lwmi_path *p, const char *name, const lwmi_value *value) {
        lwmi_value v;
        int r;

        assert_return(p, -EINVAL);
        assert_return(!name || lwmi_name_is_valid(name), -EINVAL);
        assert_return(value && key_value_is_valid(value), -EINVAL);

        r = lwmi_value_copy(&v, value);
        if (r < 0)
                return r;
        return path_add_key_take(p, name, &v);
}

/* ---- parsing ---- */

/* Parses a quoted string at *pp (which points at '"'). */
static int parse_quoted(const char **pp, lwmi_value *ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const char *p = *pp + 1;
        char *s;

        strbuf_append(&b, "");
        for (;; p++) {
                if (!*p)
                        return -EINVAL;
                if (*p == '"')
                        break;
                if (*p == '\\') {
                        if (p[1] != '"' && p[1] != '\\')
                                return -EINVAL;
                        p++;
                }
                strbuf_append_c(&b, *p);
        }
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = (lwmi_value){ .type = LWMI_CIM_STRING, .u.string = s };
        *pp = p + 1;
        return 0;
}

/* Parses a key value at *pp: quoted string, integer, TRUE or FALSE. */
static int parse_key_value(const char **pp, lwmi_value *ret) {
        const char *p = *pp, *e;
        _cleanup_free_ char *tok = NULL;
        uint64_t mag;
        bool neg;
        int r;

        if (*p == '"')
                return parse_quoted(pp, ret);

        for (e = p; *e && *e != ',' && !is_blank(*e); e++)
                ;
        if (e == p)
                return -EINVAL;
        tok = strndup(p, (size_t) (e - p));
        if (!tok)
                return -ENOMEM;

        if (lwmi_name_eq(tok, "TRUE") || lwmi_name_eq(tok, "FALSE")) {
                lwmi_value_set_bool(ret, lwmi_name_eq(tok, "TRUE"));
        } else {
                r = cim_parse_integer(tok, &neg, &mag);
                if (r < 0)
                        return -EINVAL;
                if (neg) {
                        if (mag > (uint64_t) INT64_MAX + 1)
                                return -EINVAL;
                        lwmi_value_set_sint(ret, LWMI_CIM_SINT64, (int64_t) (0 - mag));
                } else if (mag <= INT64_MAX) {
                        lwmi_value_set_sint(ret, LWMI_CIM_SINT64, (int64_t) mag);
                } else {
                        lwmi_value_set_uint(ret, LWMI_CIM_UINT64, mag);
                }
        }
        *pp = e;
        return 0;
}

_public_ int lwmi_path_parse(const char *text, lwmi_path **ret) {
        _cleanup_(lwmi_path_freep) lwmi_path *path = NULL;
        const char *p = text, *q;
        size_t n;
        int r;

        assert_return(text, -EINVAL);
        assert_return(ret, -EINVAL);

        if (!utf8_is_valid(text, strlen(text)))
                return -EINVAL;

        path = calloc(1, sizeof(*path));
        if (!path)
                return -ENOMEM;

        if (is_sep(p[0]) && is_sep(p[1])) {
                p += 2;
                for (q = p; *q && !is_sep(*q); q++)
                        ;
                if (!*q || !server_is_valid_n(p, (size_t) (q - p)))
                        return -EINVAL;
                path->server = strndup(p, (size_t) (q - p));
                if (!path->server)
                        return -ENOMEM;
                p = q + 1;
                q = strchr(p, ':');
                if (!q)
                        return -EINVAL;
                r = namespace_components(p, (size_t) (q - p), &path->namespace_);
                if (r < 0)
                        return r;
                p = q + 1;
        } else {
                /* a namespace prefix ends at a ':' that precedes any key syntax */
                for (q = p; *q && !strchr(".=\":,", *q); q++)
                        ;
                if (*q == ':') {
                        const char *s = p;

                        if (is_sep(*s))
                                s++;
                        r = namespace_components(s, (size_t) (q - s), &path->namespace_);
                        if (r < 0)
                                return r;
                        p = q + 1;
                }
        }

        n = name_span(p);
        if (n == 0)
                return -EINVAL;
        path->class_name = strndup(p, n);
        if (!path->class_name)
                return -ENOMEM;
        p += n;

        if (*p == '=') {
                p = skip_blanks(p + 1);
                if (*p == '@') {
                        p = skip_blanks(p + 1);
                        path->singleton = true;
                } else {
                        lwmi_value v;

                        r = parse_key_value(&p, &v);
                        if (r < 0)
                                return r;
                        r = path_add_key_take(path, NULL, &v);
                        if (r < 0)
                                return r;
                        p = skip_blanks(p);
                }
        } else if (*p == '.') {
                p++;
                for (;;) {
                        _cleanup_free_ char *key = NULL;
                        lwmi_value v;

                        p = skip_blanks(p);
                        n = name_span(p);
                        if (n == 0)
                                return -EINVAL;
                        key = strndup(p, n);
                        if (!key)
                                return -ENOMEM;
                        p = skip_blanks(p + n);
                        if (*p != '=')
                                return -EINVAL;
                        p = skip_blanks(p + 1);
                        r = parse_key_value(&p, &v);
                        if (r < 0)
                                return r;
                        r = path_add_key_take(path, key, &v);
                        if (r < 0)
                                return r == -ENOMEM ? r : -EINVAL;
                        p = skip_blanks(p);
                        if (*p != ',')
                                break;
                        p++;
                }
        }
        if (*p)
                return -EINVAL;

        *ret = TAKE_PTR(path);
        return 0;
}

/* ---- formatting ---- */

static void append_quoted(StrBuf *b, const char *s) {
        strbuf_append_c(b, '"');
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        strbuf_append_c(b, '\\');
                strbuf_append_c(b, *s);
        }
        strbuf_append_c(b, '"');
}

/* Appends a key value in path syntax. Return: 0 or -EINVAL (not a key type). */
static int append_key_value(StrBuf *b, const lwmi_value *v) {
        char dt[LWMI_DATETIME_STRING_MAX];

        if (!key_value_is_valid(v))
                return -EINVAL;
        switch (v->type) {
        case LWMI_CIM_STRING:
        case LWMI_CIM_REFERENCE:
                append_quoted(b, v->u.string);
                return 0;
        case LWMI_CIM_DATETIME:
                append_quoted(b, lwmi_datetime_format(&v->u.datetime, dt));
                return 0;
        case LWMI_CIM_SINT8:
        case LWMI_CIM_SINT16:
        case LWMI_CIM_SINT32:
        case LWMI_CIM_SINT64:
                strbuf_printf(b, "%" PRIi64, v->u.sint);
                return 0;
        case LWMI_CIM_UINT8:
        case LWMI_CIM_UINT16:
        case LWMI_CIM_UINT32:
        case LWMI_CIM_UINT64:
                strbuf_printf(b, "%" PRIu64, v->u.uint);
                return 0;
        case LWMI_CIM_CHAR16:
                strbuf_printf(b, "%u", (unsigned) v->u.char16);
                return 0;
        case LWMI_CIM_BOOLEAN:
                strbuf_append(b, v->u.boolean ? "TRUE" : "FALSE");
                return 0;
        case LWMI_CIM_REAL32:
        case LWMI_CIM_REAL64: {
                /* reals are not path literals: they travel as strings */
                _cleanup_strbuf_ StrBuf t = STRBUF_INIT;

                cim_append_real(&t, v->u.real, v->type == LWMI_CIM_REAL32);
                append_quoted(b, strbuf_str(&t));
                if (t.oom)
                        b->oom = true;
                return 0;
        }
        default:
                return -EINVAL;
        }
}

static void append_prefix(StrBuf *b, const char *server, const char *namespace_) {
        strbuf_append(b, "\\\\");
        strbuf_append(b, server ? server : ".");
        strbuf_append_c(b, '\\');
        strbuf_append(b, namespace_);
        strbuf_append_c(b, ':');
}

_public_ int lwmi_path_format(const lwmi_path *p, bool relative, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        char *s;
        int r;

        assert_return(p, -EINVAL);
        assert_return(ret, -EINVAL);
        assert_return(p->class_name, -EINVAL);

        if (!relative && p->namespace_)
                append_prefix(&b, p->server, p->namespace_);
        strbuf_append(&b, p->class_name);
        if (p->singleton) {
                strbuf_append(&b, "=@");
        } else if (p->n_keys == 1 && !p->keys[0].name) {
                strbuf_append_c(&b, '=');
                r = append_key_value(&b, &p->keys[0].value);
                if (r < 0)
                        return r;
        } else {
                for (size_t i = 0; i < p->n_keys; i++) {
                        if (!p->keys[i].name)
                                return -EINVAL;
                        strbuf_append_c(&b, i == 0 ? '.' : ',');
                        strbuf_append(&b, p->keys[i].name);
                        strbuf_append_c(&b, '=');
                        r = append_key_value(&b, &p->keys[i].value);
                        if (r < 0)
                                return r;
                }
        }
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- object paths ---- */

_public_ int lwmi_object_get_path(const lwmi_object *o, bool relative, char **ret) {
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const lwmi_value *singleton;
        char *s;
        int r;

        assert_return(o, -EINVAL);
        assert_return(ret, -EINVAL);

        /* an object that is not placed yet has only a relative path */
        if (!relative && o->namespace_)
                append_prefix(&b, o->server, o->namespace_);
        strbuf_append(&b, o->name);

        if (o->genus == CIM_GENUS_INSTANCE) {
                bool any = false;

                singleton = lwmi_object_get_qualifier(o, NULL, "Singleton");
                if (singleton && !singleton->is_null &&
                    (singleton->type != LWMI_CIM_BOOLEAN || singleton->u.boolean)) {
                        strbuf_append(&b, "=@");
                } else {
                        for (size_t i = 0; i < o->n_props; i++) {
                                const CimProperty *p = &o->props[i];

                                if (!lwmi_object_is_key(o, p->name))
                                        continue;
                                if (p->value.is_null)
                                        return -ENOKEY;
                                strbuf_append_c(&b, any ? ',' : '.');
                                any = true;
                                strbuf_append(&b, p->name);
                                strbuf_append_c(&b, '=');
                                r = append_key_value(&b, &p->value);
                                if (r < 0)
                                        return r;
                        }
                        /* a keyless, non-singleton instance has no path */
                        if (!any)
                                return -ENOKEY;
                }
        }
        s = strbuf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
