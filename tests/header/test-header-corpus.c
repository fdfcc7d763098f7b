/* SPDX-License-Identifier: MIT */
/*
 * Header round trip over the MOF corpus: for every corpus file that the front
 * end compiles (in --check mode) and that has WMI classes, emit the C header,
 * write a C program that checks sizeof / offsetof / _SIZE / _ID of every
 * struct in it against the computed layout, compile that program with the
 * system C compiler and run it.
 *
 * Usage: test-header-corpus CORPUS_DIR WORK_DIR. Exits 77 when the corpus or
 * the C compiler is absent.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/object.h"
#include "mof/header.h"
#include "mof/layout.h"
#include "mof/mof.h"
#include "shared/macro.h"
#include "shared/strbuf.h"

/* Files the front end is known to reject (templates, SDK headers needed). */
static const char *const known_failing[] = {
        "src__xeniface.mof",
        "storage__iscsi__src__common.mof",
        "storage__iscsi__src__config.mof",
        "storage__iscsi__src__def.mof",
        "storage__iscsi__src__mgmt.mof",
};

static const char *work_dir;
static char *files[256];
static size_t n_files;

static unsigned n_compiled, n_skipped, n_failed, n_classes, n_structs, n_checks;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        size_t n = strlen(path);

        if (type == FTW_F && n > 4 && strcasecmp(path + n - 4, ".mof") == 0 &&
            n_files < ELEMENTSOF(files)) {
                files[n_files] = strdup(path);
                if (files[n_files])
                        n_files++;
        }
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static lwmi_object *result_lookup(void *userdata, const char *name) {
        lwmi_object *o = mof_result_find_class(userdata, name);

        return o ? lwmi_object_ref(o) : NULL;
}

/* Checks of one struct @s with layout @l, appended to @c. */
static void check_struct(StrBuf *c, const char *s, const BlockLayout *l) {
        if (!mof_header_layout_representable(l))
                return;
        n_structs++;
        for (size_t i = 0; i < l->n_items; i++) {
                const BlockItem *it = &l->items[i];

                strbuf_printf(c, "        CHECK(%s_%s_ID, %u);\n", s, it->name, it->data_id);
                n_checks++;
                if (it->fixed) {
                        strbuf_printf(c, "        CHECK(offsetof(%s, %s), %zu);\n", s, it->name,
                                      it->offset);
                        strbuf_printf(c, "        CHECK(sizeof(((%s *) 0)->%s), %zu);\n", s,
                                      it->name, it->size);
                        strbuf_printf(c, "        CHECK(%s_%s_SIZE, %zu);\n", s, it->name,
                                      it->size);
                        n_checks += 3;
                } else {
                        /* The variable last item: T x[1], WCHAR x[1], T x or VariableData. */
                        bool plain = it->type == LWMI_CIM_STRING && it->array == BLOCK_SCALAR;
                        strbuf_printf(c, "        CHECK(offsetof(%s, %s), %zu);\n", s,
                                      plain ? "VariableData" : it->name, it->offset);
                        n_checks++;
                }
        }
        if (l->fixed) {
                strbuf_printf(c, "_Static_assert(sizeof(%s) == %zu, \"sizeof(%s)\");\n", s,
                              l->sizeof_size, s);
                strbuf_printf(c, "        CHECK(sizeof(%s), %zu);\n", s, l->sizeof_size);
                strbuf_printf(c, "        CHECK(%s_SIZE, %zu);\n", s, l->size);
                n_checks += 3;
        }
}

static int run(const char *cmd) {
        int st = system(cmd);

        if (st < 0 || !WIFEXITED(st))
                return -1;
        return WEXITSTATUS(st);
}

static void print_file(const char *path) {
        FILE *f = fopen(path, "re");
        char line[512];

        if (!f)
                return;
        while (fgets(line, sizeof(line), f))
                fputs(line, stderr);
        fclose(f);
}

/*
 * cpp_quote text may #include SDK headers that only exist on Windows (the
 * iSCSI MOFs include iscsidef.h). Each included name gets an empty stub in
 * WORK/stubs, searched after the system folders (-idirafter), so real headers
 * still win.
 */
static void stub_includes(const char *hdr, const char *base) {
        FILE *f = fopen(hdr, "re");
        char line[1024];

        if (!f)
                abort();
        while (fgets(line, sizeof(line), f)) {
                _cleanup_free_ char *stub = NULL, *dir = NULL;
                char name[256];
                FILE *s;

                if (sscanf(line, " #include <%255[^>]>", name) != 1 &&
                    sscanf(line, " #include \"%255[^\"]\"", name) != 1)
                        continue;
                if (strchr(name, '/') || strcmp(name, "stddef.h") == 0 ||
                    strcmp(name, "stdint.h") == 0)
                        continue;
                if (asprintf(&dir, "%s/stubs", work_dir) < 0 ||
                    asprintf(&stub, "%s/%s", dir, name) < 0)
                        abort();
                (void) mkdir(dir, 0755);
                s = fopen(stub, "we");
                if (!s)
                        abort();
                fprintf(s, "/* empty stand-in for %s, included by cpp_quote text */\n", name);
                fclose(s);
                fprintf(stderr, "NOTE %s: #include <%s> gets an empty stub\n", base, name);
        }
        fclose(f);
}

static void process(const char *path, const char *cc) {
        _cleanup_(mof_result_freep) MofResult *r = NULL;
        _cleanup_strbuf_ StrBuf body = STRBUF_INIT, prog = STRBUF_INIT;
        _cleanup_free_ char *hdr = NULL, *src = NULL, *exe = NULL, *log = NULL, *cmd = NULL,
                            *msg = NULL, *stem = NULL;
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        MofHeaderOptions hopts = { .method_structs = true };
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        unsigned classes = 0, structs_before = n_structs, checks_before = n_checks;
        FILE *f;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(known_failing); i++)
                if (strcmp(base, known_failing[i]) == 0) {
                        fprintf(stderr, "SKIP %s (known to fail in the front end)\n", base);
                        n_skipped++;
                        return;
                }
        k = mof_compile_file(path, NULL, &r, &diags);
        if (k < 0) {
                fprintf(stderr, "SKIP %s (front end: %s)\n", base, strerror(-k));
                mof_diag_list_print(&diags, stderr);
                mof_diag_list_deinit(&diags);
                n_skipped++;
                return;
        }
        mof_diag_list_deinit(&diags);

        stem = strndup(base, strlen(base) - 4);
        if (!stem || asprintf(&hdr, "%s/%s.h", work_dir, stem) < 0 ||
            asprintf(&src, "%s/%s-check.c", work_dir, stem) < 0 ||
            asprintf(&exe, "%s/%s-check", work_dir, stem) < 0 ||
            asprintf(&log, "%s/%s-check.log", work_dir, stem) < 0)
                abort();

        /* The checks, from the layouts (computed independently of the emitter's text). */
        for (size_t i = 0; i < r->n_items; i++) {
                const lwmi_object *cls = r->items[i].object;
                _cleanup_(block_layout_freep) BlockLayout *l = NULL;

                if (r->items[i].kind != MOF_ITEM_CLASS || !mof_header_class_emitted(cls))
                        continue;
                classes++;
                if (block_layout_compute(cls, result_lookup, r, &l, NULL) < 0)
                        continue; /* the emitter reports it */
                check_struct(&body, mof_header_struct_name(cls), l);
                for (size_t m = 0; m < cls->n_methods; m++) {
                        if (!cim_qualifier_set_find(&cls->methods[m].quals, "WmiMethodId"))
                                continue;
                        for (int dir = 0; dir < 2; dir++) {
                                _cleanup_(block_layout_freep) BlockLayout *ml = NULL;
                                _cleanup_free_ char *name = NULL;

                                if (block_layout_compute_method(cls, cls->methods[m].name, dir,
                                                                result_lookup, r, &ml, NULL) < 0)
                                        continue;
                                if (asprintf(&name, "%s_%s", cls->methods[m].name,
                                             dir ? "OUT" : "IN") < 0)
                                        abort();
                                check_struct(&body, name, ml);
                        }
                }
        }
        if (classes == 0) {
                fprintf(stderr, "SKIP %s (no WMI classes)\n", base);
                n_structs = structs_before;
                n_checks = checks_before;
                n_skipped++;
                return;
        }

        f = fopen(hdr, "we");
        if (!f)
                abort();
        hopts.guard_name = hdr;
        k = mof_header_emit(r, &hopts, f, &msg);
        fclose(f);
        if (k < 0) {
                fprintf(stderr, "FAIL %s: header: %s (%s)\n", base, strerror(-k), msg ? msg : "");
                n_structs = structs_before;
                n_checks = checks_before;
                n_failed++;
                return;
        }

        /* Static asserts sit at file scope, runtime checks in main(). */
        strbuf_printf(&prog,
                      "/* generated by test-header-corpus from %s */\n"
                      "#include <stddef.h>\n#include <stdio.h>\n#include \"%s.h\"\n"
                      "static int fails;\n"
                      "#define CHECK(a, b) do { if ((size_t) (a) != (size_t) (b)) { "
                      "fprintf(stderr, \"%%s = %%zu, expected %%zu\\n\", #a, (size_t) (a), "
                      "(size_t) (b)); fails++; } } while (0)\n",
                      base, stem);
        {
                /* Split the body: file-scope static asserts first, then main(). */
                _cleanup_strbuf_ StrBuf asserts = STRBUF_INIT, checks = STRBUF_INIT;
                const char *p = strbuf_str(&body);

                while (*p) {
                        const char *e = strchr(p, '\n');
                        size_t n = e ? (size_t) (e - p + 1) : strlen(p);
                        strbuf_append_n(strncmp(p, "_Static_assert", 14) == 0 ? &asserts : &checks,
                                        p, n);
                        p += n;
                }
                strbuf_append(&prog, strbuf_str(&asserts));
                strbuf_append(&prog, "int main(void) {\n");
                strbuf_append(&prog, strbuf_str(&checks));
                strbuf_append(&prog, "        return fails ? 1 : 0;\n}\n");
        }
        if (prog.oom)
                abort();
        f = fopen(src, "we");
        if (!f)
                abort();
        fputs(prog.s, f);
        fclose(f);

        stub_includes(hdr, base);
        if (asprintf(&cmd,
                     "%s -std=gnu11 -Wall -Wextra -I'%s' -idirafter '%s/stubs' -o '%s' '%s' "
                     ">'%s' 2>&1",
                     cc, work_dir, work_dir, exe, src, log) < 0)
                abort();
        if (run(cmd) != 0) {
                fprintf(stderr, "FAIL %s: the check program does not compile:\n", base);
                print_file(log);
                n_structs = structs_before;
                n_checks = checks_before;
                n_failed++;
                return;
        }
        {
                /* Warnings are failures too: a header must compile cleanly. */
                struct stat st;
                if (stat(log, &st) == 0 && st.st_size > 0) {
                        fprintf(stderr, "FAIL %s: compiler warnings:\n", base);
                        print_file(log);
                        n_structs = structs_before;
                        n_checks = checks_before;
                        n_failed++;
                        return;
                }
        }
        free(cmd);
        if (asprintf(&cmd, "'%s' >'%s' 2>&1", exe, log) < 0)
                abort();
        if (run(cmd) != 0) {
                fprintf(stderr, "FAIL %s: layout mismatch:\n", base);
                print_file(log);
                n_structs = structs_before;
                n_checks = checks_before;
                n_failed++;
                return;
        }
        n_compiled++;
        n_classes += classes;
        fprintf(stderr, "OK   %s: %u classes, %u structs, %u checks\n", base, classes,
                n_structs - structs_before, n_checks - checks_before);
}

int main(int argc, char **argv) {
        const char *cc = getenv("CC");
        struct stat st;
        _cleanup_free_ char *probe = NULL;

        if (argc != 3) {
                fprintf(stderr, "usage: %s CORPUS_DIR WORK_DIR\n", argv[0]);
                return 2;
        }
        if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
                fprintf(stderr, "corpus folder %s is absent (set LWMI_CORPUS_DIR): skipped\n",
                        argv[1]);
                return 77;
        }
        if (!cc || !*cc)
                cc = "cc";
        if (asprintf(&probe, "command -v %s >/dev/null 2>&1", cc) < 0 || run(probe) != 0) {
                fprintf(stderr, "no C compiler (%s) found: skipped\n", cc);
                return 77;
        }
        work_dir = argv[2];
        if (mkdir(work_dir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "%s: %s\n", work_dir, strerror(errno));
                return 1;
        }
        if (nftw(argv[1], collect, 16, FTW_PHYS) < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        qsort(files, n_files, sizeof(files[0]), cmp_str);
        for (size_t i = 0; i < n_files; i++) {
                process(files[i], cc);
                free(files[i]);
        }
        fprintf(stderr,
                "%zu files: %u verified (%u WMI classes, %u structs, %u checks), %u skipped, "
                "%u failed\n",
                n_files, n_compiled, n_classes, n_structs, n_checks, n_skipped, n_failed);
        if (n_compiled == 0 && n_failed == 0) {
                fprintf(stderr, "nothing verified: skipped\n");
                return 77;
        }
        return n_failed ? 1 : 0;
}
