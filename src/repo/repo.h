/* SPDX-License-Identifier: MIT */
/*
 * The class and instance repository: one SQLite file (WAL) in the state
 * directory. Namespaces root, root\wmi, root\cimv2, root\subscription and
 * root\default exist from the first open, with the system classes every WMI
 * namespace has (compiled from data/system.mof, embedded in the library).
 * Lookups are cached in memory. Not thread-safe: one Repo per thread; several
 * processes may open the same file (readers never block each other).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <lwmi/common.h>

#include "mof/mof.h"

typedef struct Repo Repo;

/*
 * repo_open() - open (creating if needed) <state_dir>/repository.db.
 * A file that is not an lwmi repository, is corrupt, or has a newer schema
 * version is refused (-EBADMSG / -EPROTO) with a clear *reterr_message; it is
 * never reset. An older schema is migrated in place.
 */
int repo_open(const char *state_dir, Repo **ret, char **reterr_message);
Repo *repo_close(Repo *r);
static inline void repo_closep(Repo **r) {
        if (*r)
                repo_close(*r);
}

int repo_namespace_exists(Repo *r, const char *ns);            /* 1, 0, or -errno */
int repo_namespace_create(Repo *r, const char *ns);            /* -EEXIST if present */
int repo_namespace_list(Repo *r, char ***ret_names, size_t *ret_n);

/* Classes. Returned objects are new references. -ENOENT when absent. */
int repo_get_class(Repo *r, const char *ns, const char *name, lwmi_object **ret);
/*
 * repo_put_class() - store a class. Its superclass must already exist in @ns
 * (-ENOENT with *reterr_message otherwise). flags: MOF_CLASSFLAG_*.
 */
int repo_put_class(Repo *r, const char *ns, const lwmi_object *cls, uint32_t flags,
                   char **reterr_message);
int repo_delete_class(Repo *r, const char *ns, const char *name); /* and subclasses, instances */
/* Classes in @ns deriving from @superclass (NULL: all); @deep: all levels, else direct children. */
int repo_enum_classes(Repo *r, const char *ns, const char *superclass, bool deep,
                      lwmi_object ***ret_classes, size_t *ret_n);

/* Static instances (of classes no provider backs). */
int repo_put_instance(Repo *r, const char *ns, const lwmi_object *inst, char **reterr_message);
int repo_get_instance(Repo *r, const char *ns, const char *path, lwmi_object **ret);
int repo_delete_instance(Repo *r, const char *ns, const char *path);
int repo_enum_instances(Repo *r, const char *ns, const char *class_name, bool deep,
                        lwmi_object ***ret_instances, size_t *ret_n);

/*
 * repo_store_mof() - apply a compile result (classes, instances, deletions)
 * in one transaction; on any error nothing is stored and @diags says why.
 */
int repo_store_mof(Repo *r, const MofResult *res, MofDiagList *diags);

/* A MofClassLookupFn over the repository (userdata = Repo *). */
lwmi_object *repo_mof_lookup(void *userdata, const char *ns, const char *class_name);

void repo_free_objects(lwmi_object **objs, size_t n);
