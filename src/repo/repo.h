/* SPDX-License-Identifier: MIT */
/*
 * The class and instance repository: one SQLite file (WAL) in the state
 * directory. Namespaces root, root\wmi, root\cimv2, root\subscription and
 * root\default exist from the first open, with the system classes every WMI
 * namespace has (compiled from data/system.mof, embedded in the library).
 * Lookups are cached in memory. Not thread-safe: one Repo per thread; several
 * processes may open the same file (readers never block each other).
 *
 * Names of namespaces, classes and keys are case-insensitive; namespaces may
 * be written with '/' or '\' and with a leading \\server.
 *
 * Errors common to every call: -EINVAL (bad argument), -ENXIO (no such
 * namespace), -ENOMEM, -EBUSY (another writer held the file longer than the
 * busy timeout), -EBADMSG (the file turned out to be corrupt), -EIO.
 *
 * Returned objects are shared with the repository's cache: treat them as
 * read-only (lwmi_object_clone() before changing one). A cached lookup makes
 * no SQLite call: writes through any handle bump a shared counter in
 * <state_dir>/repository.db-gen, which the other handles check (one atomic
 * load) before trusting their cache. Writes made to the file without lwmi
 * are not noticed by open handles.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <lwmi/common.h>

#include "mof/mof.h"

typedef struct Repo Repo;

/**
 * repo_open() - open (creating if needed) <state_dir>/repository.db.
 * @state_dir: the folder; created with mode 0700 when missing
 * @ret: the handle
 * @reterr_message: on failure, a malloc'd message naming the file (optional)
 *
 * A file that is not an lwmi repository, is corrupt, or has a newer schema
 * version is refused (-EBADMSG / -EPROTO) with a clear *reterr_message; it is
 * never reset. An older schema is migrated in place. Creating a repository
 * compiles the system MOF into each system namespace; opening an existing
 * one reads only the file header.
 *
 * Return: 0, -EBADMSG, -EPROTO, -EACCES, -ENOMEM, -EIO.
 */
int repo_open(const char *state_dir, Repo **ret, char **reterr_message);

/** repo_close() - close the handle (NULL is fine). Return: NULL. */
Repo *repo_close(Repo *r);
static inline void repo_closep(Repo **r) {
        if (*r)
                repo_close(*r);
}

/** repo_namespace_exists() - Return: 1, 0, or a negative errno. */
int repo_namespace_exists(Repo *r, const char *ns);

/**
 * repo_namespace_create() - create a namespace under an existing parent, with
 * the system classes, and its __NAMESPACE instance in the parent.
 *
 * Return: 0, -EEXIST if present, -ENXIO (no parent), -EINVAL (bad name).
 */
int repo_namespace_create(Repo *r, const char *ns);

/**
 * repo_namespace_list() - every namespace, sorted.
 * @ret_names: array of @ret_n malloc'd strings (free each, then the array)
 */
int repo_namespace_list(Repo *r, char ***ret_names, size_t *ret_n);

/**
 * repo_get_class() - read a class (full definition, namespace set).
 * @ret: a new reference (shared, read-only)
 *
 * Served from the cache after the first read. Return: 0, -ENOENT when absent.
 */
int repo_get_class(Repo *r, const char *ns, const char *name, lwmi_object **ret);

/**
 * repo_put_class() - store a class.
 * @cls: a class whose superclass members are already inherited (lwmi_class_new())
 * @flags: MOF_CLASSFLAG_*: CREATEONLY fails with -EEXIST if the class exists;
 *         UPDATEONLY fails with -ENOENT if not; changing a class that has
 *         subclasses or instances needs FORCEUPDATE (or SAFEUPDATE), else
 *         -EBUSY; the subclasses and instances are kept and the subclasses
 *         re-derived from the new definition. Storing an unchanged class is a
 *         no-op.
 * @reterr_message: malloc'd message on failure (optional)
 *
 * Its superclass must already exist in @ns (-ENOENT with *reterr_message
 * otherwise). Return: 0, -ENOENT, -EEXIST, -EBUSY, -ELOOP (the superclass
 * derives from the class).
 */
int repo_put_class(Repo *r, const char *ns, const lwmi_object *cls, uint32_t flags,
                   char **reterr_message);

/**
 * repo_delete_class() - delete a class with all its subclasses and their instances.
 * Return: 0, -ENOENT.
 */
int repo_delete_class(Repo *r, const char *ns, const char *name);

/**
 * repo_enum_classes() - classes in @ns deriving from @superclass.
 * @superclass: NULL for every class (@deep) or the root classes (!@deep)
 * @deep: all levels below @superclass, else its direct children only
 * @ret_classes: new references, superclasses before subclasses; free with
 *               repo_free_objects()
 *
 * Return: 0, -ENOENT (no such superclass).
 */
int repo_enum_classes(Repo *r, const char *ns, const char *superclass, bool deep,
                      lwmi_object ***ret_classes, size_t *ret_n);

/**
 * repo_put_instance() - create or replace a static instance (of a class no
 * provider backs). It is identified by its __RELPATH; key values compare
 * case-insensitively. An instance of __NAMESPACE also creates that child
 * namespace.
 *
 * Return: 0, -ENOENT (no such class), -EINVAL (abstract class, not an
 * instance), -ENOKEY (a key property is NULL).
 */
int repo_put_instance(Repo *r, const char *ns, const lwmi_object *inst, char **reterr_message);

/**
 * repo_get_instance() - read an instance by path ("Class.Key=\"v\"",
 * "Class=@", "Class=v" for a single key; keys in any order). A path naming a
 * base class finds an instance of a subclass with those keys.
 * @ret: a new reference
 *
 * Return: 0, -ENOENT, -EINVAL (malformed path).
 */
int repo_get_instance(Repo *r, const char *ns, const char *path, lwmi_object **ret);

/** repo_delete_instance() - delete an instance by path. Return: 0, -ENOENT, -EINVAL. */
int repo_delete_instance(Repo *r, const char *ns, const char *path);

/**
 * repo_enum_instances() - instances of @class_name (and, @deep, of its subclasses).
 * @ret_instances: new references; free with repo_free_objects()
 *
 * Return: 0, -ENOENT (no such class).
 */
int repo_enum_instances(Repo *r, const char *ns, const char *class_name, bool deep,
                        lwmi_object ***ret_instances, size_t *ret_n);

/**
 * repo_store_mof() - apply a compile result (classes, instances, qualifier
 * declarations, deletions) in one transaction; on any error nothing is stored
 * and @diags says why, at the item's file:line:col.
 *
 * Classes compiled without their superclass (MofItem.resolved false) are
 * derived from the superclass stored in the repository. #pragma
 * deleteclass/deleteinstance with NOFAIL ignore a missing target.
 *
 * Return: 0, or the errno of the failing item (-ENOENT, -EEXIST, -EBUSY,
 * -ENXIO for a namespace that does not exist, ...).
 */
int repo_store_mof(Repo *r, const MofResult *res, MofDiagList *diags);

/**
 * repo_mof_lookup() - a MofClassLookupFn over the repository (userdata = Repo *).
 * Return: a new reference, or NULL when unknown (or on error).
 */
lwmi_object *repo_mof_lookup(void *userdata, const char *ns, const char *class_name);

/** repo_free_objects() - unreference @n objects and free the array. */
void repo_free_objects(lwmi_object **objs, size_t n);
