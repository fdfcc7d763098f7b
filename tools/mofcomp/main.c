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
#include <unistd.h>

#include "mof/header.h"
#include "mof/mof.h"
#include "repo-cmd.h"
#include "shared/macro.h"

enum {
        EXIT_INPUT = 1, /* errors in the input */
        EXIT_USAGE = 2,
};

typedef enum Mode {
        MODE_STORE,
        MODE_CHECK,
        MODE_HEADER,
        MODE_LIST,
        MODE_SHOW,
} Mode;

static void help(void) {
        printf("Usage: mofcomp [OPTIONS] FILE...\n"
               "Compile MOF files.\n\n"
               "  --check             only check the files (several may be given)\n"
               "  --header OUT.h      write the C header of the WMI classes of FILE\n"
               "  --namespace NS      default namespace (root\\wmi)\n"
               "  --state DIR         repository folder (default: /var/lib/lwmi as root,\n"
               "                      $XDG_STATE_HOME/lwmi otherwise)\n"
               "  --list              list the classes of the namespace in the repository\n"
               "  --show CLASS        print one class of the repository as MOF\n"
               "  --cpp               run the C preprocessor first\n"
               "  -I DIR              add a folder for #include and #pragma include\n"
               "  --help              show this help\n"
               "  --version           show the version\n\n"
               "Without --check or --header the classes and instances are stored in the\n"
               "repository. Exit status: 0 ok, 1 errors in the input, 2 usage error.\n");
}

/*
 * default_state_dir() - the repository folder wmid uses when none is given:
 * /var/lib/lwmi for root, $XDG_STATE_HOME/lwmi (or ~/.local/state/lwmi) otherwise.
 */
static char *default_state_dir(void) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char *p = NULL;

        if (geteuid() == 0)
                return strdup("/var/lib/lwmi");
        if (xdg && *xdg) {
                if (asprintf(&p, "%s/lwmi", xdg) < 0)
                        return NULL;
        } else if (home && *home) {
                if (asprintf(&p, "%s/.local/state/lwmi", home) < 0)
                        return NULL;
        }
        return p;
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
                { "list", no_argument, NULL, 'l' },
                { "show", required_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        _cleanup_free_ const char **include_dirs = NULL;
        size_t n_include_dirs = 0;
        const char *header = NULL, *namespace_ = NULL, *state = NULL, *show = NULL;
        _cleanup_free_ char *state_default = NULL;
        bool check = false, cpp = false, failed = false, list = false;
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
                case 'l':
                        list = true;
                        break;
                case 'S':
                        show = optarg;
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
        if ((check ? 1 : 0) + (header ? 1 : 0) + (list ? 1 : 0) + (show ? 1 : 0) > 1) {
                fprintf(stderr,
                        "mofcomp: --check, --header, --list and --show exclude each other\n");
                return EXIT_USAGE;
        }
        mode = check    ? MODE_CHECK
               : header ? MODE_HEADER
               : list   ? MODE_LIST
               : show   ? MODE_SHOW
                        : MODE_STORE;
        if (mode == MODE_STORE || mode == MODE_LIST || mode == MODE_SHOW) {
                if (!state) {
                        state = state_default = default_state_dir();
                        if (!state) {
                                fprintf(stderr, "mofcomp: no --state given and no HOME\n");
                                return EXIT_USAGE;
                        }
                }
        }
        if (mode == MODE_LIST || mode == MODE_SHOW) {
                if (optind < argc) {
                        fprintf(stderr, "mofcomp: --list and --show take no input file\n");
                        return EXIT_USAGE;
                }
                if (mode == MODE_LIST)
                        return mofcomp_list(state, namespace_) < 0 ? EXIT_INPUT : EXIT_SUCCESS;
                return mofcomp_show(state, namespace_, show) < 0 ? EXIT_INPUT : EXIT_SUCCESS;
        }
        if (optind >= argc) {
                fprintf(stderr, "mofcomp: no input file\nTry 'mofcomp --help'.\n");
                return EXIT_USAGE;
        }
        if (mode == MODE_HEADER && argc - optind != 1) {
                fprintf(stderr, "mofcomp: exactly one input file expected\n");
                return EXIT_USAGE;
        }
        if (mode == MODE_STORE) {
                MofOptions opts = {
                        .include_dirs = include_dirs,
                        .n_include_dirs = n_include_dirs,
                        .run_cpp = cpp,
                };
                int r = mofcomp_store(state, namespace_, &opts, argv + optind,
                                      (size_t) (argc - optind));
                return r == 0 ? EXIT_SUCCESS : EXIT_INPUT;
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
        }
        return failed ? EXIT_INPUT : EXIT_SUCCESS;
}
