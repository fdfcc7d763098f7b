/* SPDX-License-Identifier: MIT */
/*
 * MOF compile throughput: every file of the driver MOF corpus that compiles
 * without the C preprocessor, compiled repeatedly from memory (no file I/O in
 * the timed loop); prints MB/s and classes/s. Usage: bench-mof CORPUS_DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mof/mof.h"
#include "shared/macro.h"

typedef struct Input {
        char *name;
        char *data;
        size_t size;
} Input;

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int read_file(const char *path, char **ret, size_t *ret_size) {
        FILE *f = fopen(path, "rbe");
        char *buf;
        long n;

        if (!f)
                return -errno;
        if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -EIO;
        }
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = buf;
        *ret_size = (size_t) n;
        return 0;
}

static size_t load_corpus(const char *dir, Input *inputs, size_t max) {
        const char *subdirs[] = { "Windows-driver-samples", "kvm-guest-drivers-windows",
                                  "win-xeniface" };
        size_t n = 0;

        for (size_t s = 0; s < ELEMENTSOF(subdirs); s++) {
                char path[4096];
                DIR *d;
                struct dirent *e;

                snprintf(path, sizeof(path), "%s/%s", dir, subdirs[s]);
                d = opendir(path);
                if (!d)
                        continue;
                while ((e = readdir(d)) && n < max) {
                        char file[8192];
                        MofDiagList diags = MOF_DIAG_LIST_INIT;
                        MofResult *r = NULL;
                        MofOptions opts = { 0 };

                        if (!strstr(e->d_name, ".mof"))
                                continue;
                        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
                        if (read_file(file, &inputs[n].data, &inputs[n].size) < 0)
                                continue;
                        /* keep only what compiles on its own (no cpp, no lookup) */
                        if (mof_compile_buffer(file, inputs[n].data, inputs[n].size, &opts, &r,
                                               &diags) < 0) {
                                free(inputs[n].data);
                                mof_diag_list_deinit(&diags);
                                continue;
                        }
                        mof_result_free(r);
                        mof_diag_list_deinit(&diags);
                        inputs[n].name = strdup(e->d_name);
                        n++;
                }
                closedir(d);
        }
        return n;
}

int main(int argc, char **argv) {
        Input inputs[64];
        size_t n, total = 0, classes = 0;
        double t0, t1, elapsed;
        unsigned rounds = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
                return 2;
        }
        n = load_corpus(argv[1], inputs, ELEMENTSOF(inputs));
        if (n == 0) {
                fprintf(stderr, "bench-mof: no corpus at %s, skipped\n", argv[1]);
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                total += inputs[i].size;

        t0 = now_sec();
        do {
                for (size_t i = 0; i < n; i++) {
                        MofDiagList diags = MOF_DIAG_LIST_INIT;
                        MofResult *r = NULL;
                        MofOptions opts = { 0 };

                        if (mof_compile_buffer(inputs[i].name, inputs[i].data, inputs[i].size,
                                               &opts, &r, &diags) < 0) {
                                fprintf(stderr, "bench-mof: %s stopped compiling\n",
                                        inputs[i].name);
                                return 1;
                        }
                        if (rounds == 0)
                                for (size_t k = 0; k < r->n_items; k++)
                                        classes += r->items[k].kind == MOF_ITEM_CLASS;
                        mof_result_free(r);
                        mof_diag_list_deinit(&diags);
                }
                rounds++;
                t1 = now_sec();
        } while (t1 - t0 < 2.0);
        elapsed = t1 - t0;

        printf("corpus: %zu files, %zu bytes, %zu classes\n", n, total, classes);
        printf("compile: %u rounds in %.3f s\n", rounds, elapsed);
        printf("throughput: %.2f MB/s, %.0f classes/s\n", (double) total * rounds / elapsed / 1e6,
               (double) classes * rounds / elapsed);
        for (size_t i = 0; i < n; i++) {
                free(inputs[i].name);
                free(inputs[i].data);
        }
        return 0;
}
