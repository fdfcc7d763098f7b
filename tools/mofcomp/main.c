/* SPDX-License-Identifier: MIT */
/*
 * mofcomp: compile MOF files (mofcomp / wmimofck counterpart). Checks them,
 * writes the C header of their WMI classes, or stores them in the repository.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mof/header.h"
#include "mof/mof.h"
#include "shared/macro.h"

enum {
        EXIT_INPUT = 1, /* errors in the input */
        EXIT_USAGE = 2,
};

typedef enum Mode {
        MODE_STORE,
        MODE_CHECK,
        MODE_HEADER,
} Mode;

static void help(void) {
        printf("Usage: mofcomp [OPTIONS] FILE...\n"
               "Compile MOF files.\n\n"
               "  --check             only check the files (several may be given)\n"
               "  --header OUT.h      write the C header of the WMI classes of FILE\n"
               "  --namespace NS      default namespace (root\\wmi)\n"
               "  --state DIR         repository folder (when storing)\n"
               "  --cpp               run the C preprocessor first\n"
               "  -I DIR              add a folder for #include and #pragma include\n"
               "  --help              show this help\n"
               "  --version           show the version\n\n"
               "Without --check or --header the classes and instances are stored in the\n"
               "repository. Exit status: 0 ok, 1 errors in the input, 2 usage error.\n");
}

/*
 * store_in_repository() - store the compiled classes and instances of @r.
 * The repository (src/repo/repo.h) is wired in by the lead; until then this
 * reports that the support is missing.
 */
static int store_in_repository(const MofResult *r, const char *namespace_, const char *state_dir) {
        (void) r;
        (void) namespace_;
        (void) state_dir;
        fprintf(stderr, "mofcomp: repository support not built\n");
        return -EOPNOTSUPP;
}

/* The include guard base of a header: its file name without folder and extension. */
static char *guard_from_path(const char *path) {
        const char *base = strrchr(path, '/');
        char *g, *dot;

        g = strdup(base ? base + 1 : path);
        if (!g)
                return NULL;
        dot = strrchr(g, '.');
        if (dot && dot != g)
                *dot = 0;
        return g;
}

static int write_header(const char *out_path, const char *in_path, const MofResult *res) {
        _cleanup_free_ char *guard = guard_from_path(out_path), *msg = NULL;
        MofHeaderOptions ho = { .guard_name = guard, .method_structs = true };
        FILE *f;
        int r;

        if (!guard)
                return -ENOMEM;
        f = fopen(out_path, "we");
        if (!f) {
                fprintf(stderr, "mofcomp: cannot write %s: %m\n", out_path);
                return -errno;
        }
        r = mof_header_emit(res, &ho, f, &msg);
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r < 0) {
                fprintf(stderr, "%s: error: %s\n", in_path, msg ? msg : strerror(-r));
                (void) remove(out_path);
        }
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "check", no_argument, NULL, 'c' },
                { "header", required_argument, NULL, 'H' },
                { "namespace", required_argument, NULL, 'n' },
                { "state", required_argument, NULL, 's' },
                { "cpp", no_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        _cleanup_free_ const char **include_dirs = NULL;
        size_t n_include_dirs = 0;
        const char *header = NULL, *namespace_ = NULL, *state = NULL;
        bool check = false, cpp = false, failed = false;
        Mode mode;
        int c;

        include_dirs = calloc((size_t) argc + 1, sizeof(char *));
        if (!include_dirs)
                return EXIT_FAILURE;
        while ((c = getopt_long(argc, argv, "hI:", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        check = true;
                        break;
                case 'H':
                        header = optarg;
                        break;
                case 'n':
                        namespace_ = optarg;
                        break;
                case 's':
                        state = optarg;
                        break;
                case 'p':
                        cpp = true;
                        break;
                case 'I':
                        include_dirs[n_include_dirs++] = optarg;
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'V':
                        printf("mofcomp (lwmi) %s\n", LWMI_VERSION);
                        return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try 'mofcomp --help'.\n");
                        return EXIT_USAGE;
                }
        }
        if (check && header) {
                fprintf(stderr, "mofcomp: --check and --header cannot be combined\n");
                return EXIT_USAGE;
        }
        mode = check ? MODE_CHECK : header ? MODE_HEADER : MODE_STORE;
        if (optind >= argc) {
                fprintf(stderr, "mofcomp: no input file\nTry 'mofcomp --help'.\n");
                return EXIT_USAGE;
        }
        if (mode != MODE_CHECK && argc - optind != 1) {
                fprintf(stderr, "mofcomp: exactly one input file expected\n");
                return EXIT_USAGE;
        }

        for (int i = optind; i < argc; i++) {
                MofOptions opts = {
                        .include_dirs = include_dirs,
                        .n_include_dirs = n_include_dirs,
                        .run_cpp = cpp,
                        .default_namespace = namespace_,
                };
                MofDiagList diags = MOF_DIAG_LIST_INIT;
                _cleanup_(mof_result_freep) MofResult *res = NULL;
                int r;

                r = mof_compile_file(argv[i], &opts, &res, &diags);
                mof_diag_list_print(&diags, stderr);
                mof_diag_list_deinit(&diags);
                if (r == -ENOMEM) {
                        fprintf(stderr, "mofcomp: out of memory\n");
                        return EXIT_FAILURE;
                }
                if (r < 0) {
                        failed = true;
                        continue;
                }
                if (mode == MODE_HEADER && write_header(header, argv[i], res) < 0)
                        failed = true;
                if (mode == MODE_STORE && store_in_repository(res, namespace_, state) < 0)
                        failed = true;
        }
        return failed ? EXIT_INPUT : EXIT_SUCCESS;
}
