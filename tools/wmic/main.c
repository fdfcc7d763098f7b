/* SPDX-License-Identifier: MIT */
/*
 * wmic: query, read, write and call WMI objects through the broker.
 * Exit status: 0 success, 1 a WMI error (its WBEM name and code on stderr), 2 usage.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lwmi/client.h>

#include "format.h"

#define EXIT_WMI   1
#define EXIT_USAGE 2

typedef struct Args {
        const char *namespace_;
        const char *socket;
        WmicFormat format;
        bool format_set;
        bool item; /* set: write each property alone (set_item) */
        uint64_t timeout_usec;
        int argc; /* the command and its arguments */
        char **argv;
} Args;

static void usage(FILE *f) {
        fputs("Usage: wmic [OPTIONS] COMMAND [ARGS...]\n"
              "\n"
              "Commands:\n"
              "  query WQL                      run a WQL query\n"
              "  get PATH                       print one instance\n"
              "  set PATH Prop=Value...         write an instance: read it, change the\n"
              "                                 properties, write the whole block back\n"
              "  call PATH Method [Arg=Value...] call a method\n"
              "  classes [PATTERN]              list classes (shell pattern)\n"
              "  class NAME                     print a class as MOF\n"
              "  watch WQL [--count N] [--timeout S] [--format F]\n"
              "                                 print events as they arrive, until N\n"
              "                                 events or S seconds\n"
              "\n"
              "Options:\n"
              "  -n, --namespace NS             namespace (default root\\wmi)\n"
              "  -s, --socket PATH              the broker's socket\n"
              "  -f, --format table|list|json|csv\n"
              "  -t, --timeout SEC              longest wait for each answer (default 30)\n"
              "  -i, --item                     set: write each property on its own (one\n"
              "                                 data item each, the driver's set_item)\n"
              "  -h, --help                     this help\n",
              f);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("wmic: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'wmic --help'.\n", stderr);
        return EXIT_USAGE;
}

/* Reports a failed call: the message, then the WBEM name and code. */
static int wmi_error(const char *what, int r, const lwmi_error *err) {
        lwmi_status st = err->status ? err->status : lwmi_status_from_errno(r);

        fprintf(stderr, "wmic: %s: %s (%s 0x%08X)\n", what,
                err->status && err->message[0] ? err->message : lwmi_status_message(st),
                lwmi_status_name(st), (unsigned) st);
        return EXIT_WMI;
}

/* Return: -1 to continue, else the exit status. */
static int parse_args(int argc, char **argv, Args *a) {
        static const struct option opts[] = {
                { "namespace", required_argument, NULL, 'n' },
                { "socket", required_argument, NULL, 's' },
                { "format", required_argument, NULL, 'f' },
                { "timeout", required_argument, NULL, 't' },
                { "item", no_argument, NULL, 'i' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        /* "+": options come before the command, so that WQL and values may start with '-'. */
        while ((c = getopt_long(argc, argv, "+n:s:f:t:ih", opts, NULL)) >= 0)
                switch (c) {
                case 'n':
                        a->namespace_ = optarg;
                        break;
                case 's':
                        a->socket = optarg;
                        break;
                case 'f':
                        if (wmic_format_parse(optarg, &a->format) < 0)
                                return usage_error("unknown format '%s'", optarg);
                        a->format_set = true;
                        break;
                case 't': {
                        char *end;
                        double sec = strtod(optarg, &end);

                        if (end == optarg || *end || !(sec > 0) || sec > 86400.0 * 365)
                                return usage_error("invalid timeout '%s'", optarg);
                        a->timeout_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case 'i':
                        a->item = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        fputs("Try 'wmic --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("missing command");
        a->argc = argc - optind;
        a->argv = argv + optind;
        return -1;
}

/* Checks the argument count of the command: @min..@max arguments after its name. */
static int check_count(const Args *a, int min, int max) {
        int n = a->argc - 1;

        if (n < min)
                return usage_error("too few arguments for '%s'", a->argv[0]);
        if (max >= 0 && n > max)
                return usage_error("too many arguments for '%s'", a->argv[0]);
        return -1;
}

static int print(const Args *a, WmicFormat dflt, lwmi_object *const *objs, size_t n, bool array) {
        if (wmic_format_objects(stdout, a->format_set ? a->format : dflt, objs, n, array) < 0) {
                fputs("wmic: out of memory\n", stderr);
                return EXIT_WMI;
        }
        return 0;
}

/*
 * The select list of "SELECT a, b FROM ...", split into @names (pointing into
 * @buf); 0 names for "SELECT *" or anything this simple reading does not know.
 * The broker returns whole instances with the other properties NULL, as WMI
 * does; wmic shows only the columns asked for.
 */
static size_t select_list(const char *wql, char *buf, size_t size, const char **names, size_t max) {
        const char *p = wql, *from;
        size_t n = 0, len;

        while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
        if (strncasecmp(p, "select", 6) != 0 || !strchr(" \t\n", p[6]))
                return 0;
        p += 6;
        from = strcasestr(p, " from ");
        if (!from || (size_t) (from - p) >= size)
                return 0;
        len = (size_t) (from - p);
        memcpy(buf, p, len);
        buf[len] = 0;
        for (char *tok = strtok(buf, ", \t\n"); tok && n < max; tok = strtok(NULL, ", \t\n")) {
                if (strcmp(tok, "*") == 0)
                        return 0;
                names[n++] = tok;
        }
        return n;
}

static int cmd_query(lwmi_client *c, const Args *a) {
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        const char *names[64];
        char buf[1024];
        size_t n = 0;
        int r;

        r = lwmi_client_exec_query(c, a->argv[1], &objs, &n, &err);
        if (r < 0)
                return wmi_error("query failed", r, &err);
        wmic_format_set_columns(names, select_list(a->argv[1], buf, sizeof(buf), names, 64));
        r = print(a, WMIC_FORMAT_TABLE, objs, n, true);
        lwmi_objects_free(objs, n);
        return r;
}

static int cmd_get(lwmi_client *c, const Args *a) {
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        int r;

        r = lwmi_client_get_object(c, a->argv[1], &o, &err);
        if (r < 0)
                return wmi_error(a->argv[1], r, &err);
        r = print(a, WMIC_FORMAT_LIST, &o, 1, false);
        lwmi_object_unref(o);
        return r;
}

/* Splits "Name=Value" in place. Return: the value, or NULL when there is no '='. */
static char *split_assignment(char *s) {
        char *eq = strchr(s, '=');

        if (!eq || eq == s)
                return NULL;
        *eq = '\0';
        return eq + 1;
}

/* set --item: one put_property (set_item) per assignment. */
static int set_items(lwmi_client *c, const Args *a) {
        for (int i = 2; i < a->argc; i++) {
                lwmi_error err = { 0 };
                char *name = a->argv[i], *value = split_assignment(name);
                lwmi_value v;
                int r;

                r = lwmi_value_set_string(&v, LWMI_CIM_STRING, value);
                if (r >= 0)
                        r = lwmi_client_put_property(c, a->argv[1], name, &v, &err);
                lwmi_value_clear(&v);
                if (r < 0)
                        return wmi_error(name, r, &err);
        }
        return 0;
}

/*
 * set: read the instance, change the properties, write the whole block back
 * (IWbemServices::PutInstance, the driver's set_instance), as WMI does.
 */
static int cmd_set(lwmi_client *c, const Args *a) {
        lwmi_object *o = NULL;
        lwmi_error err = { 0 };
        int r, ret = 0;

        if (a->item)
                return set_items(c, a);
        r = lwmi_client_get_object(c, a->argv[1], &o, &err);
        if (r < 0)
                return wmi_error(a->argv[1], r, &err);
        for (int i = 2; i < a->argc; i++) {
                char *name = a->argv[i], *value = split_assignment(name);
                lwmi_value v;

                r = lwmi_value_set_string(&v, LWMI_CIM_STRING, value);
                if (r >= 0)
                        r = lwmi_object_put(o, name, &v);
                lwmi_value_clear(&v);
                if (r < 0) {
                        lwmi_error_set(&err,
                                       r == -ENOENT ? LWMI_WBEM_E_NOT_FOUND
                                                    : LWMI_WBEM_E_TYPE_MISMATCH,
                                       r == -ENOENT ? "no such property"
                                                    : "value does not fit the property's type");
                        ret = wmi_error(name, r, &err);
                        goto finish;
                }
        }
        r = lwmi_client_put_instance(c, o, 0, &err);
        if (r < 0)
                ret = wmi_error(a->argv[1], r, &err);
finish:
        lwmi_object_unref(o);
        return ret;
}

static int cmd_call(lwmi_client *c, const Args *a) {
        lwmi_object *cls = NULL, *in_cls = NULL, *in = NULL, *out = NULL;
        lwmi_path *path = NULL;
        lwmi_error err = { 0 };
        int r, ret = 0;

        if (lwmi_path_parse(a->argv[1], &path) < 0) {
                lwmi_error_set(&err, LWMI_WBEM_E_INVALID_OBJECT_PATH, "invalid object path");
                return wmi_error(a->argv[1], -EINVAL, &err);
        }
        r = lwmi_client_get_class(c, lwmi_path_get_class(path), &cls, &err);
        if (r < 0) {
                ret = wmi_error(lwmi_path_get_class(path), r, &err);
                goto finish;
        }
        r = lwmi_object_get_method_signature(cls, a->argv[2], &in_cls, NULL);
        if (r < 0) {
                lwmi_error_set(&err, LWMI_WBEM_E_INVALID_METHOD, "class %s has no method %s",
                               lwmi_path_get_class(path), a->argv[2]);
                ret = wmi_error(a->argv[2], r, &err);
                goto finish;
        }
        if (a->argc > 3 && !in_cls) {
                lwmi_error_set(&err, LWMI_WBEM_E_INVALID_METHOD_PARAMETERS,
                               "method %s takes no arguments", a->argv[2]);
                ret = wmi_error(a->argv[2], -EINVAL, &err);
                goto finish;
        }
        if (in_cls && lwmi_class_spawn_instance(in_cls, &in) < 0) {
                ret = wmi_error(a->argv[2], -ENOMEM, &err);
                goto finish;
        }
        for (int i = 3; i < a->argc; i++) {
                char *name = a->argv[i], *value = split_assignment(name);
                lwmi_value v;

                r = lwmi_value_set_string(&v, LWMI_CIM_STRING, value);
                if (r >= 0)
                        r = lwmi_object_put(in, name, &v);
                lwmi_value_clear(&v);
                if (r < 0) {
                        lwmi_error_set(&err,
                                       r == -ENOENT ? LWMI_WBEM_E_INVALID_PARAMETER
                                                    : LWMI_WBEM_E_TYPE_MISMATCH,
                                       r == -ENOENT ? "no such argument" : "invalid value");
                        ret = wmi_error(name, r, &err);
                        goto finish;
                }
        }
        r = lwmi_client_exec_method(c, a->argv[1], a->argv[2], in, &out, &err);
        if (r < 0) {
                ret = wmi_error(a->argv[2], r, &err);
                goto finish;
        }
        if (out)
                ret = print(a, WMIC_FORMAT_LIST, &out, 1, false);
finish:
        lwmi_object_unref(out);
        lwmi_object_unref(in);
        lwmi_object_unref(in_cls);
        lwmi_object_unref(cls);
        lwmi_path_free(path);
        return ret;
}

static int name_cmp(const void *x, const void *y) {
        const lwmi_object *const *a = x, *const *b = y;

        return strcmp(lwmi_object_get_class_name(*a), lwmi_object_get_class_name(*b));
}

static int cmd_classes(lwmi_client *c, const Args *a) {
        lwmi_object **objs = NULL;
        lwmi_error err = { 0 };
        size_t n = 0;
        int r;

        r = lwmi_client_enum_classes(c, NULL, true, &objs, &n, &err);
        if (r < 0)
                return wmi_error("cannot list classes", r, &err);
        if (n > 0)
                qsort(objs, n, sizeof(*objs), name_cmp);
        for (size_t i = 0; i < n; i++) {
                const char *name = lwmi_object_get_class_name(objs[i]);

                if (a->argc < 2 || fnmatch(a->argv[1], name, FNM_CASEFOLD) == 0)
                        puts(name);
        }
        lwmi_objects_free(objs, n);
        return 0;
}

static int cmd_class(lwmi_client *c, const Args *a) {
        lwmi_object *cls = NULL;
        lwmi_error err = { 0 };
        char *mof = NULL;
        int r;

        r = lwmi_client_get_class(c, a->argv[1], &cls, &err);
        if (r < 0)
                return wmi_error(a->argv[1], r, &err);
        if (a->format_set && a->format == WMIC_FORMAT_JSON)
                r = lwmi_object_to_json(cls, &mof);
        else
                r = lwmi_object_to_mof(cls, &mof);
        lwmi_object_unref(cls);
        if (r < 0) {
                fputs("wmic: out of memory\n", stderr);
                return EXIT_WMI;
        }
        fputs(mof, stdout);
        if (mof[0] && mof[strlen(mof) - 1] != '\n')
                fputc('\n', stdout);
        free(mof);
        return 0;
}

/*
 * watch WQL [--count N] [--timeout S] [--format F]: print events as they
 * arrive (IWbemServices::ExecNotificationQuery), until N events or S seconds.
 */
static int cmd_watch(lwmi_client *c, const Args *a) {
        uint64_t count = 0, seen = 0, deadline = LWMI_TIMEOUT_INFINITE;
        WmicFormat format = a->format_set ? a->format : WMIC_FORMAT_LIST;
        lwmi_enum *e = NULL;
        lwmi_error err = { 0 };
        int r, ret = 0;

        for (int k = 2; k < a->argc; k += 2) { /* option, value */
                const char *opt = a->argv[k], *val = k + 1 < a->argc ? a->argv[k + 1] : NULL;
                char *end = NULL;

                if (!val)
                        return usage_error("'%s' needs a value", opt);
                if (strcmp(opt, "--count") == 0) {
                        count = strtoull(val, &end, 10);
                        if (!*val || *end || count == 0)
                                return usage_error("invalid count '%s'", val);
                } else if (strcmp(opt, "--timeout") == 0) {
                        double sec = strtod(val, &end);
                        struct timespec ts;

                        if (end == val || *end || !(sec > 0))
                                return usage_error("invalid timeout '%s'", val);
                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        deadline = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000 +
                                   (uint64_t) (sec * 1e6);
                } else if (strcmp(opt, "--format") == 0) {
                        if (wmic_format_parse(val, &format) < 0)
                                return usage_error("unknown format '%s'", val);
                } else {
                        return usage_error("unknown option '%s' for 'watch'", opt);
                }
        }

        r = lwmi_client_exec_notification_query(c, a->argv[1], &e, &err);
        if (r < 0)
                return wmi_error("watch failed", r, &err);
        while (count == 0 || seen < count) {
                lwmi_object **objs = NULL;
                uint64_t wait = LWMI_TIMEOUT_INFINITE;
                size_t n = 0;

                if (deadline != LWMI_TIMEOUT_INFINITE) {
                        struct timespec ts;
                        uint64_t now;

                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
                        if (now >= deadline)
                                break;
                        wait = deadline - now;
                }
                r = lwmi_enum_next(e, wait, count ? (size_t) (count - seen) : 64, &objs, &n, &err);
                if (r == -ETIMEDOUT)
                        break; /* the watch time is over: a normal end */
                if (r <= 0) {
                        if (r < 0)
                                ret = wmi_error("watch ended", r, &err);
                        break;
                }
                for (size_t i = 0; i < n; i++) {
                        /* one event per line in JSON (a stream), blank-line separated lists */
                        if (format == WMIC_FORMAT_LIST && seen + i > 0)
                                fputc('\n', stdout);
                        if (wmic_format_objects(stdout, format, objs + i, 1, false) < 0) {
                                ret = EXIT_WMI;
                                break;
                        }
                }
                seen += n;
                lwmi_objects_free(objs, n);
                fflush(stdout);
                if (ret)
                        break;
        }
        lwmi_enum_unref(e);
        return ret;
}

static const struct {
        const char *name;
        int min, max;     /* arguments after the command name; -1 = no limit */
        int first_assign; /* the first Name=Value argument, 0 for none */
        int (*run)(lwmi_client *c, const Args *a);
} commands[] = {
        { "query", 1, 1, 0, cmd_query },     { "get", 1, 1, 0, cmd_get },
        { "set", 2, -1, 2, cmd_set },        { "call", 2, -1, 3, cmd_call },
        { "classes", 0, 1, 0, cmd_classes }, { "class", 1, 1, 0, cmd_class },
        { "watch", 1, 7, 0, cmd_watch },
};

int main(int argc, char **argv) {
        lwmi_client *c = NULL;
        lwmi_error err = { 0 };
        Args a = { .format = WMIC_FORMAT_TABLE };
        size_t i;
        int r;

        r = parse_args(argc, argv, &a);
        if (r >= 0)
                return r;
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(a.argv[0], commands[i].name) == 0)
                        break;
        if (i == sizeof(commands) / sizeof(commands[0]))
                return usage_error("unknown command '%s'", a.argv[0]);
        r = check_count(&a, commands[i].min, commands[i].max);
        if (r >= 0)
                return r;
        for (int k = commands[i].first_assign; k > 0 && k < a.argc; k++)
                if (!strchr(a.argv[k], '=') || a.argv[k][0] == '=')
                        return usage_error("expected Name=Value, got '%s'", a.argv[k]);

        r = lwmi_client_connect(a.socket, a.namespace_, &c, &err);
        if (r < 0)
                return wmi_error("cannot connect to the broker", r, &err);
        if (a.timeout_usec > 0)
                (void) lwmi_client_set_timeout(c, a.timeout_usec);
        r = commands[i].run(c, &a);
        lwmi_client_unref(c);
        fflush(stdout);
        if (ferror(stdout)) {
                fputs("wmic: cannot write the output\n", stderr);
                return EXIT_WMI;
        }
        return r;
}
