/* SPDX-License-Identifier: MIT */
/* mofcomp's repository commands: store compiled MOF, list and show classes. */
#include "repo-cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "shared/macro.h"

#define DEFAULT_NAMESPACE "root\\wmi"

static int open_repo(const char *state_dir, Repo **ret) {
        _cleanup_free_ char *msg = NULL;
        int r;

        r = repo_open(state_dir, ret, &msg);
        if (r < 0)
                fprintf(stderr, "mofcomp: %s: %s\n", state_dir, msg ? msg : strerror(-r));
        return r;
}

int mofcomp_store(const char *state_dir, const char *namespace_, const MofOptions *base,
                  char *const *files, size_t n_files) {
        _cleanup_(repo_closep) Repo *repo = NULL;
        int r, status = 0;

        r = open_repo(state_dir, &repo);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_files; i++) {
                _cleanup_(mof_result_freep) MofResult *res = NULL;
                MofDiagList diags = MOF_DIAG_LIST_INIT;
                MofOptions opts = *base;
                size_t n_classes = 0, n_instances = 0;

                opts.default_namespace = namespace_ ? namespace_ : DEFAULT_NAMESPACE;
                opts.lookup = repo_mof_lookup;
                opts.userdata = repo;

                r = mof_compile_file(files[i], &opts, &res, &diags);
                if (r >= 0)
                        r = repo_store_mof(repo, res, &diags);
                mof_diag_list_print(&diags, stderr);
                mof_diag_list_deinit(&diags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        status = 1;
                        continue;
                }
                for (size_t k = 0; k < res->n_items; k++) {
                        n_classes += res->items[k].kind == MOF_ITEM_CLASS;
                        n_instances += res->items[k].kind == MOF_ITEM_INSTANCE;
                }
                printf("%s: stored %zu classes and %zu instances\n", files[i], n_classes,
                       n_instances);
        }
        return status;
}

static int class_cmp(const void *a, const void *b) {
        lwmi_object *const *x = a, *const *y = b;

        return strcmp(lwmi_object_get_class_name(*x), lwmi_object_get_class_name(*y));
}

int mofcomp_list(const char *state_dir, const char *namespace_) {
        _cleanup_(repo_closep) Repo *repo = NULL;
        lwmi_object **classes = NULL;
        size_t n = 0;
        int r;

        r = open_repo(state_dir, &repo);
        if (r < 0)
                return r;
        r = repo_enum_classes(repo, namespace_ ? namespace_ : DEFAULT_NAMESPACE, NULL, true,
                              &classes, &n);
        if (r < 0) {
                fprintf(stderr, "mofcomp: cannot list %s: %s\n",
                        namespace_ ? namespace_ : DEFAULT_NAMESPACE, strerror(-r));
                return r;
        }
        qsort(classes, n, sizeof(*classes), class_cmp);
        for (size_t i = 0; i < n; i++) {
                const char *super = lwmi_object_get_superclass(classes[i]);
                printf("%s%s%s\n", lwmi_object_get_class_name(classes[i]), super ? " : " : "",
                       super ? super : "");
        }
        repo_free_objects(classes, n);
        return 0;
}

int mofcomp_show(const char *state_dir, const char *namespace_, const char *class_name) {
        _cleanup_(repo_closep) Repo *repo = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = open_repo(state_dir, &repo);
        if (r < 0)
                return r;
        r = repo_get_class(repo, namespace_ ? namespace_ : DEFAULT_NAMESPACE, class_name, &cls);
        if (r < 0) {
                fprintf(stderr, "mofcomp: class %s: %s\n", class_name,
                        r == -ENOENT ? "not found" : strerror(-r));
                return r;
        }
        r = lwmi_object_to_mof(cls, &text);
        if (r < 0)
                return r;
        fputs(text, stdout);
        return 0;
}
