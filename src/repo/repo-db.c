/* SPDX-License-Identifier: MIT */
/*
 * Opening the repository file: refusing what is not ours, creating and
 * migrating the schema, transactions and cache coherence.
 *
 * Theory of operation
 *
 * A repository is one SQLite file, <state_dir>/repository.db, in WAL mode so
 * that readers in other processes never block on the writer. It is marked
 * with PRAGMA application_id = 0x4C574D49 ("LWMI") and carries its schema
 * version in PRAGMA user_version.
 *
 * Opening never destroys data. Before anything is written the file is
 * checked: it must start with the SQLite header, and either be empty (no
 * tables, application_id 0: a file we just created, or one whose creation was
 * rolled back) or carry our application_id with a schema version we know.
 * Anything else (garbage, another program's database, a newer lwmi) is
 * refused with a message naming the file and the reason. Only then is WAL
 * mode switched on.
 *
 * The schema is built by a table of migration steps, each taking the file
 * from version N-1 to N, all run in one write transaction together with the
 * bootstrap of the system namespaces (only when coming from version 0).
 * Two processes creating the same file race safely: the second one re-reads
 * the version inside its BEGIN IMMEDIATE and finds nothing left to do.
 *
 * Cache coherence: every handle caches decoded classes. Each committed write
 * increments a 64-bit counter in a small shared file, repository.db-gen,
 * mapped by every handle; before using its cache a handle compares the
 * counter with the value it last saw (one atomic load, no SQLite call) and
 * drops the cache when it moved. A handle never adopts a counter value
 * without dropping its cache, so a bump it raced with is never lost. When
 * the file cannot be mapped, PRAGMA data_version (a WAL read-lock round
 * trip, a few microseconds) is checked instead.
 *
 * Schema, version 1:
 *   meta(key, value)                   creator, lwmi version
 *   namespaces(id, name, folded)       folded = lower-case name, unique
 *   classes(id, ns_id, folded, name, super_id, depth, definition)
 *       definition = cim_object_encode() of the FULL class (inherited members
 *       included), so a lookup decodes one row. Changing a class with
 *       forceupdate re-derives the stored subclasses (repo.c).
 *   instances(id, ns_id, class_id, path_key, path, data)
 *       path = __RELPATH; path_key = the path re-formatted with keys sorted by
 *       name and folded to lower case, so lookups are case-insensitive and
 *       independent of key order; data = cim_object_encode() of the instance.
 *   qualifiers(ns_id, folded, name, type, scopes, flavor, default_mof)
 *       qualifier declarations from MOF, kept for reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/repo-internal.h"
#include "shared/strbuf.h"

typedef struct RepoMigration {
        int version; /* the version this step produces */
        const char *sql;
} RepoMigration;

/* Each step runs inside the creation/migration transaction. */
static const RepoMigration repo_migrations[] = {
        {
                .version = 1,
                .sql = "PRAGMA application_id = 1280789833;" /* 0x4C574D49 */
                       "CREATE TABLE meta ("
                       "  key TEXT PRIMARY KEY NOT NULL,"
                       "  value TEXT NOT NULL) WITHOUT ROWID;"
                       "CREATE TABLE namespaces ("
                       "  id INTEGER PRIMARY KEY,"
                       "  name TEXT NOT NULL,"
                       "  folded TEXT NOT NULL UNIQUE);"
                       "CREATE TABLE classes ("
                       "  id INTEGER PRIMARY KEY,"
                       "  ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
                       "  folded TEXT NOT NULL,"
                       "  name TEXT NOT NULL,"
                       "  super_id INTEGER REFERENCES classes(id) ON DELETE CASCADE,"
                       "  depth INTEGER NOT NULL,"
                       "  definition BLOB NOT NULL,"
                       "  UNIQUE (ns_id, folded));"
                       "CREATE INDEX classes_super ON classes(super_id);"
                       "CREATE TABLE instances ("
                       "  id INTEGER PRIMARY KEY,"
                       "  ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
                       "  class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,"
                       "  path_key TEXT NOT NULL,"
                       "  path TEXT NOT NULL,"
                       "  data BLOB NOT NULL,"
                       "  UNIQUE (ns_id, path_key));"
                       "CREATE INDEX instances_class ON instances(class_id);"
                       "CREATE TABLE qualifiers ("
                       "  ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
                       "  folded TEXT NOT NULL,"
                       "  name TEXT NOT NULL,"
                       "  type INTEGER NOT NULL,"
                       "  scopes INTEGER NOT NULL,"
                       "  flavor INTEGER NOT NULL,"
                       "  default_mof TEXT,"
                       "  PRIMARY KEY (ns_id, folded)) WITHOUT ROWID;"
                       "INSERT INTO meta(key, value) VALUES ('creator', 'lwmi');",
        },
};

_Static_assert(sizeof(repo_migrations) / sizeof(repo_migrations[0]) == REPO_SCHEMA_VERSION,
               "one migration step per schema version");

/**
 * repo_db_errno() - the negative errno for an SQLite result code.
 * @sqlite_rc: a (possibly extended) SQLite result code
 *
 * Return: -ENOMEM, -EBUSY (locked), -EBADMSG (corrupt or not a database),
 * -ENOSPC, -EACCES / -EROFS, -EIO.
 */
int repo_db_errno(int sqlite_rc) {
        switch (sqlite_rc & 0xff) {
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        default:
                return -EIO;
        }
}

/**
 * repo_fold() - a lower-case (ASCII) copy of a CIM name or path, the lookup key.
 * @s: the text
 *
 * Return: a new string, or NULL on allocation failure.
 */
char *repo_fold(const char *s) {
        char *f = strdup(s);

        if (!f)
                return NULL;
        for (char *p = f; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char) (*p - 'A' + 'a');
        return f;
}

/**
 * repo_set_message() - replace *@reterr_message with a formatted message.
 * @reterr_message: where to store it, or NULL (then nothing happens)
 * @fmt: printf format
 */
void repo_set_message(char **reterr_message, const char *fmt, ...) {
        va_list ap;

        if (!reterr_message)
                return;
        free(*reterr_message);
        *reterr_message = NULL;
        va_start(ap, fmt);
        if (vasprintf(reterr_message, fmt, ap) < 0)
                *reterr_message = NULL;
        va_end(ap);
}

static int exec_sql(Repo *r, const char *sql) {
        int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : repo_db_errno(rc);
}

static int query_int(Repo *r, const char *sql, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return repo_db_errno(rc);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return repo_db_errno(rc);
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

/**
 * repo_invalidate() - forget every cached class and namespace.
 * @r: the repository
 */
void repo_invalidate(Repo *r) {
        class_cache_clear(&r->classes);
        for (size_t i = 0; i < r->n_namespaces; i++) {
                free(r->namespaces[i]->name);
                free(r->namespaces[i]->folded);
                free(r->namespaces[i]);
        }
        free(r->namespaces);
        r->namespaces = NULL;
        r->n_namespaces = r->alloc_namespaces = 0;
}

/**
 * repo_sync() - drop the caches if another connection changed the file.
 * @r: the repository
 *
 * Compares the shared generation counter (or, without it, runs the prepared
 * "PRAGMA data_version") with the last value seen.
 *
 * Return: 0 or a negative errno.
 */
int repo_sync(Repo *r) {
        int64_t v;
        int rc;

        if (r->in_tx)
                return 0;
        if (r->generation) {
                /* Acquire: pairs with the release increment after a commit. */
                uint64_t g = __atomic_load_n(r->generation, __ATOMIC_ACQUIRE);

                if (g != r->last_generation) {
                        repo_invalidate(r);
                        r->last_generation = g;
                }
                return 0;
        }
        rc = sqlite3_step(r->data_version);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(r->data_version);
                return repo_db_errno(rc);
        }
        v = sqlite3_column_int64(r->data_version, 0);
        sqlite3_reset(r->data_version);
        if (v != r->last_data_version) {
                repo_invalidate(r);
                r->last_data_version = v;
        }
        return 0;
}

/**
 * repo_tx_begin() - start a write transaction (BEGIN IMMEDIATE).
 * @r: the repository, not already in a transaction
 *
 * Return: 0, -EBUSY (another writer held the lock past the busy timeout),
 * or another negative errno.
 */
int repo_tx_begin(Repo *r) {
        int q;

        assert_return(!r->in_tx, -EBUSY);
        q = repo_sync(r);
        if (q < 0)
                return q;
        q = exec_sql(r, "BEGIN IMMEDIATE");
        if (q < 0)
                return q;
        r->in_tx = true;
        return 0;
}

/**
 * repo_tx_end() - commit when @result is >= 0, else roll back.
 * @r: the repository, in a transaction
 * @result: the outcome of the work done in the transaction
 *
 * A rollback (or a failed commit) also drops the caches, which may hold
 * classes that were never committed.
 *
 * Return: @result, or the commit error.
 */
int repo_tx_end(Repo *r, int result) {
        int q;

        if (!r->in_tx)
                return result;
        r->in_tx = false;
        if (result >= 0) {
                q = exec_sql(r, "COMMIT");
                if (q >= 0) {
                        /*
                         * Release: the commit is visible before the new count. Our
                         * own next repo_sync() sees the change too and drops our
                         * cache once, which is what makes racing bumps safe.
                         */
                        if (r->generation)
                                __atomic_add_fetch(r->generation, 1, __ATOMIC_RELEASE);
                        return result;
                }
                result = q;
        }
        (void) exec_sql(r, "ROLLBACK");
        repo_invalidate(r);
        return result;
}

static int mkdir_parents_0700(const char *dir) {
        _cleanup_free_ char *p = strdup(dir);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool end = *s == '\0';

                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
                if (end)
                        break;
                *s = '/';
        }
        return 0;
}

/*
 * Looks at the first bytes before SQLite does: a non-empty file that does not
 * start with the SQLite magic is refused with a message that says so, rather
 * than SQLite's "file is not a database".
 */
static int check_magic(const char *path, char **reterr_message) {
        static const char magic[16] = "SQLite format 3";
        _cleanup_close_ int fd = -1;
        char buf[16];
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                repo_set_message(reterr_message, "%s: %s", path, strerror(errno));
                return -errno;
        }
        n = read(fd, buf, sizeof(buf));
        if (n < 0) {
                repo_set_message(reterr_message, "%s: %s", path, strerror(errno));
                return -errno;
        }
        if (n > 0 && (n < (ssize_t) sizeof(buf) || memcmp(buf, magic, sizeof(buf)) != 0)) {
                repo_set_message(reterr_message,
                                 "%s: not an lwmi repository (file is not an SQLite database); "
                                 "refusing to touch it",
                                 path);
                return -EBADMSG;
        }
        return 0;
}

/*
 * Classifies the opened file. Return: the schema version (0 for a file with
 * nothing in it yet) or a negative errno with a message.
 */
static int check_file(Repo *r, char **reterr_message) {
        int64_t app_id, version, n_tables;
        int q;

        q = query_int(r, "PRAGMA application_id", &app_id);
        if (q >= 0)
                q = query_int(r, "PRAGMA user_version", &version);
        if (q >= 0)
                q = query_int(r, "SELECT count(*) FROM sqlite_master", &n_tables);
        if (q == -EBADMSG) {
                if ((sqlite3_errcode(r->db) & 0xff) == SQLITE_CORRUPT)
                        repo_set_message(reterr_message,
                                         "%s: corrupt database (%s); refusing to touch it", r->path,
                                         sqlite3_errmsg(r->db));
                else
                        repo_set_message(reterr_message,
                                         "%s: not an lwmi repository (%s); refusing to touch it",
                                         r->path, sqlite3_errmsg(r->db));
                return q;
        }
        if (q < 0) {
                repo_set_message(reterr_message, "%s: cannot read: %s", r->path,
                                 sqlite3_errmsg(r->db));
                return q;
        }

        if (app_id == 0 && n_tables == 0 && version == 0)
                return 0; /* brand new (or a creation that was rolled back) */
        if ((uint32_t) app_id != REPO_APPLICATION_ID) {
                repo_set_message(reterr_message,
                                 "%s: not an lwmi repository (application_id 0x%08" PRIx32
                                 ", %" PRId64 " tables); refusing to touch it",
                                 r->path, (uint32_t) app_id, n_tables);
                return -EBADMSG;
        }
        if (version > REPO_SCHEMA_VERSION) {
                repo_set_message(reterr_message,
                                 "%s: repository schema version %" PRId64
                                 " is newer than this lwmi supports (%d); refusing to touch it",
                                 r->path, version, REPO_SCHEMA_VERSION);
                return -EPROTO;
        }
        if (version < 0) {
                repo_set_message(reterr_message, "%s: invalid repository schema version %" PRId64,
                                 r->path, version);
                return -EBADMSG;
        }
        if (version == REPO_SCHEMA_VERSION) {
                /* Cheap sanity check that the tables we rely on are there. */
                q = query_int(r,
                              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name "
                              "IN ('namespaces', 'classes', 'instances', 'qualifiers', 'meta')",
                              &n_tables);
                if (q < 0 || n_tables != 5) {
                        repo_set_message(
                                reterr_message,
                                "%s: damaged lwmi repository (tables missing); refusing to "
                                "touch it",
                                r->path);
                        return q < 0 ? q : -EBADMSG;
                }
        }
        return (int) version;
}

/*
 * Runs the migration steps from @from to REPO_SCHEMA_VERSION, and the
 * bootstrap of the system namespaces when the file was empty, in one
 * transaction.
 */
static int migrate(Repo *r, char **reterr_message) {
        int64_t version;
        int q;

        q = repo_tx_begin(r);
        if (q < 0) {
                repo_set_message(reterr_message, "%s: cannot lock for writing: %s", r->path,
                                 sqlite3_errmsg(r->db));
                return q;
        }
        /* Re-read under the write lock: another process may have done the work. */
        q = query_int(r, "PRAGMA user_version", &version);
        if (q < 0)
                goto fail;
        if (version >= REPO_SCHEMA_VERSION)
                return repo_tx_end(r, 0);

        for (size_t i = 0; i < ELEMENTSOF(repo_migrations); i++) {
                if (repo_migrations[i].version <= version)
                        continue;
                q = exec_sql(r, repo_migrations[i].sql);
                if (q < 0) {
                        repo_set_message(reterr_message,
                                         "%s: migrating to schema version %d failed: %s", r->path,
                                         repo_migrations[i].version, sqlite3_errmsg(r->db));
                        goto fail;
                }
        }
        if (version == 0) {
                q = repo_bootstrap(r, reterr_message);
                if (q < 0)
                        goto fail;
        }
        {
                char sql[64];

                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", REPO_SCHEMA_VERSION);
                q = exec_sql(r, sql);
                if (q < 0)
                        goto fail;
        }
        q = repo_tx_end(r, 0);
        if (q < 0)
                repo_set_message(reterr_message, "%s: commit failed: %s", r->path,
                                 sqlite3_errmsg(r->db));
        return q;
fail:
        if (reterr_message && !*reterr_message)
                repo_set_message(reterr_message, "%s: cannot create the schema: %s", r->path,
                                 strerror(-q));
        return repo_tx_end(r, q);
}

/* Maps the shared generation counter; failure only means the slower fallback. */
static void map_generation(Repo *r, const char *state_dir) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        void *p;

        if (asprintf(&path, "%s/%s", state_dir, REPO_GEN_FILE_NAME) < 0)
                return;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0 || fstat(fd, &st) < 0)
                return;
        if (st.st_size < (off_t) sizeof(uint64_t) && ftruncate(fd, sizeof(uint64_t)) < 0)
                return;
        p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return;
        r->generation = p;
        r->last_generation = __atomic_load_n(r->generation, __ATOMIC_ACQUIRE);
}

/* repo_open() is documented in repo.h. */
int repo_open(const char *state_dir, Repo **ret, char **reterr_message) {
        _cleanup_(repo_closep) Repo *r = NULL;
        _cleanup_close_ int fd = -1;
        int q, rc, version;

        assert_return(state_dir && *state_dir, -EINVAL);
        assert_return(ret, -EINVAL);

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        if (asprintf(&r->path, "%s/%s", state_dir, REPO_FILE_NAME) < 0) {
                r->path = NULL;
                return -ENOMEM;
        }

        q = mkdir_parents_0700(state_dir);
        if (q < 0) {
                repo_set_message(reterr_message, "%s: cannot create the state directory: %s",
                                 state_dir, strerror(-q));
                return q;
        }
        /* Create the file ourselves so that it is private (0600) from the start. */
        fd = open(r->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0) {
                q = -errno;
                repo_set_message(reterr_message, "%s: %s", r->path, strerror(errno));
                return q;
        }
        close(TAKE_FD(fd));

        q = check_magic(r->path, reterr_message);
        if (q < 0)
                return q;

        rc = sqlite3_open_v2(r->path, &r->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             NULL);
        if (rc != SQLITE_OK) {
                repo_set_message(reterr_message, "%s: %s", r->path,
                                 r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
                return repo_db_errno(rc);
        }
        sqlite3_busy_timeout(r->db, REPO_BUSY_TIMEOUT_MS);

        version = check_file(r, reterr_message);
        if (version < 0)
                return version;

        /* From here on the file is ours (or empty): writing to it is allowed. */
        q = exec_sql(r, "PRAGMA journal_mode = WAL");
        if (q >= 0)
                q = exec_sql(r, "PRAGMA synchronous = NORMAL");
        if (q >= 0)
                q = exec_sql(r, "PRAGMA foreign_keys = ON");
        if (q < 0) {
                repo_set_message(reterr_message, "%s: cannot configure: %s", r->path,
                                 sqlite3_errmsg(r->db));
                return q;
        }
        rc = sqlite3_prepare_v3(r->db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                                &r->data_version, NULL);
        if (rc != SQLITE_OK)
                return repo_db_errno(rc);
        map_generation(r, state_dir);
        q = repo_sync(r);
        if (q < 0)
                return q;

        if (version < REPO_SCHEMA_VERSION) {
                q = migrate(r, reterr_message);
                if (q < 0)
                        return q;
        }

        *ret = TAKE_PTR(r);
        return 0;
}

/* repo_close() is documented in repo.h. */
Repo *repo_close(Repo *r) {
        if (!r)
                return NULL;
        repo_invalidate(r);
        if (r->generation)
                munmap(r->generation, sizeof(uint64_t));
        sqlite3_finalize(r->data_version);
        if (r->db)
                sqlite3_close(r->db);
        free(r->path);
        free(r);
        return NULL;
}
