/* SPDX-License-Identifier: MIT */
/*
 * Repository internals shared by repo.c (operations), repo-db.c (opening,
 * schema, migrations) and repo-cache.c (the in-memory class cache).
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <lwmi/common.h>

#include "repo/repo.h"
#include "shared/macro.h"

/* "LWMI" in PRAGMA application_id: marks a file as an lwmi repository. */
#define REPO_APPLICATION_ID  0x4C574D49
/* PRAGMA user_version: the schema version this code writes. */
#define REPO_SCHEMA_VERSION  1
#define REPO_FILE_NAME       "repository.db"
#define REPO_GEN_FILE_NAME   "repository.db-gen"
#define REPO_BUSY_TIMEOUT_MS 5000

static inline void sqlite3_finalizep(sqlite3_stmt **s) {
        if (*s)
                sqlite3_finalize(*s);
}
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/*
 * ClassCache - decoded classes keyed by (namespace id, case-folded name).
 * Each entry holds one reference; lookups return borrowed pointers.
 */
typedef struct ClassCacheEntry ClassCacheEntry;
typedef struct ClassCache {
        ClassCacheEntry **buckets;
        size_t n_buckets;
        size_t n_entries;
} ClassCache;

lwmi_object *class_cache_get(const ClassCache *c, int64_t ns_id, const char *folded);
int class_cache_put(ClassCache *c, int64_t ns_id, const char *folded, lwmi_object *cls);
void class_cache_clear(ClassCache *c);

/* A namespace row, cached for the life of the handle (until invalidated). */
typedef struct RepoNamespace {
        int64_t id;
        char *name;   /* canonical spelling, as first created */
        char *folded; /* lower case, for lookups */
} RepoNamespace;

struct Repo {
        sqlite3 *db;
        char *path;                 /* <state_dir>/repository.db */
        sqlite3_stmt *data_version; /* PRAGMA data_version, prepared once (fallback) */
        int64_t last_data_version;
        uint64_t *generation; /* shared counter in repository.db-gen, or NULL */
        uint64_t last_generation;
        bool in_tx;
        ClassCache classes;
        RepoNamespace **namespaces; /* each allocated on its own: pointers stay valid */
        size_t n_namespaces;
        size_t alloc_namespaces;
};

/* repo-db.c */
int repo_db_errno(int sqlite_rc);
char *repo_fold(const char *s);
int repo_tx_begin(Repo *r);
int repo_tx_end(Repo *r, int result);
void repo_invalidate(Repo *r);
int repo_sync(Repo *r);
_printf_(2, 3) void repo_set_message(char **reterr_message, const char *fmt, ...);

/* repo.c, used by repo-db.c while creating a repository */
int repo_bootstrap(Repo *r, char **reterr_message);
