/* SPDX-License-Identifier: MIT */
/* Tests of the SQLite class and instance repository. */
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lwmi/common.h>

#include "mof/mof.h"
#include "repo/repo.h"
#include "shared/macro.h"
#include "shared/test.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------- */

static char *make_tmpdir(void) {
        const char *t = getenv("TMPDIR");
        char *d = NULL;

        ASSERT_TRUE(asprintf(&d, "%s/test-repo-XXXXXX", t && *t ? t : "/tmp") > 0);
        ASSERT_NOT_NULL(mkdtemp(d));
        return d;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void rm_tmpdir(char *d) {
        ASSERT_OK(nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS));
        free(d);
}

static char *db_path(const char *dir) {
        char *p = NULL;

        ASSERT_TRUE(asprintf(&p, "%s/repository.db", dir) > 0);
        return p;
}

static char *read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "rbe");
        char *buf;
        long n;

        ASSERT_NOT_NULL(f);
        ASSERT_OK(fseek(f, 0, SEEK_END));
        n = ftell(f);
        ASSERT_TRUE(n >= 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        ASSERT_NOT_NULL(buf);
        ASSERT_UEQ(fread(buf, 1, (size_t) n, f), (size_t) n);
        fclose(f);
        *ret_size = (size_t) n;
        return buf;
}

static void write_file(const char *path, const void *data, size_t n) {
        FILE *f = fopen(path, "wbe");

        ASSERT_NOT_NULL(f);
        ASSERT_UEQ(fwrite(data, 1, n, f), n);
        ASSERT_OK(fclose(f));
}

static void exec_raw(const char *path, const char *sql) {
        sqlite3 *db = NULL;

        ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                TEST_FAIL("%s: %s", sql, sqlite3_errmsg(db));
        ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
}

static Repo *open_ok(const char *dir) {
        _cleanup_free_ char *msg = NULL;
        Repo *r = NULL;
        int q;

        q = repo_open(dir, &r, &msg);
        if (q < 0)
                TEST_FAIL("repo_open(%s): %s (%s)", dir, strerror(-q), msg ? msg : "-");
        ASSERT_NOT_NULL(r);
        return r;
}

/* Opening must fail with @err, a message containing @needle, and the file untouched. */
static void assert_refused(const char *dir, int err, const char *needle) {
        _cleanup_free_ char *path = db_path(dir), *before = NULL, *after = NULL, *msg = NULL;
        _cleanup_free_ char *wal = NULL;
        size_t n_before, n_after;
        Repo *r = NULL;

        before = read_file(path, &n_before);
        ASSERT_EQ(repo_open(dir, &r, &msg), -err);
        ASSERT_NULL(r);
        ASSERT_NOT_NULL(msg);
        if (!strstr(msg, needle))
                TEST_FAIL("message \"%s\" lacks \"%s\"", msg, needle);
        ASSERT_NOT_NULL(strstr(msg, "repository.db"));
        after = read_file(path, &n_after);
        ASSERT_UEQ(n_before, n_after);
        ASSERT_TRUE(memcmp(before, after, n_before) == 0);
        ASSERT_TRUE(asprintf(&wal, "%s-wal", path) > 0);
        ASSERT_TRUE(access(wal, F_OK) < 0);
}

static lwmi_object *get_class(Repo *r, const char *ns, const char *name) {
        lwmi_object *c = NULL;
        int q = repo_get_class(r, ns, name, &c);

        if (q < 0)
                TEST_FAIL("repo_get_class(%s, %s): %s", ns, name, strerror(-q));
        return c;
}

static MofResult *compile(Repo *r, const char *text, bool with_lookup) {
        MofOptions opts = {
                .default_namespace = "root\\wmi",
                .lookup = with_lookup ? repo_mof_lookup : NULL,
                .userdata = with_lookup ? r : NULL,
        };
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        MofResult *res = NULL;
        int q;

        q = mof_compile_buffer("test.mof", text, strlen(text), &opts, &res, &diags);
        if (q < 0) {
                mof_diag_list_print(&diags, stderr);
                TEST_FAIL("mof_compile_buffer: %s", strerror(-q));
        }
        mof_diag_list_deinit(&diags);
        return res;
}

static int store(Repo *r, const char *text, bool with_lookup, char **ret_first_diag) {
        _cleanup_(mof_result_freep) MofResult *res = compile(r, text, with_lookup);
        MofDiagList diags = MOF_DIAG_LIST_INIT;
        int q;

        q = repo_store_mof(r, res, &diags);
        if (ret_first_diag) {
                *ret_first_diag = NULL;
                if (diags.n > 0)
                        ASSERT_TRUE(asprintf(ret_first_diag, "%s:%u:%u: %s", diags.items[0].file,
                                             diags.items[0].line, diags.items[0].col,
                                             diags.items[0].message) > 0);
        } else if (q < 0)
                mof_diag_list_print(&diags, stderr);
        mof_diag_list_deinit(&diags);
        return q;
}

/* Lwmi_Base (key Id) and, when @child, Lwmi_Child : Lwmi_Base (Extra uint32). */
static void put_test_classes(Repo *r, const char *ns, bool child) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = NULL, *stored = NULL, *sub = NULL;
        lwmi_value t;
        size_t idx;

        ASSERT_OK(lwmi_class_new("Lwmi_Base", NULL, &base));
        ASSERT_OK(lwmi_class_add_property(base, "Id", LWMI_CIM_STRING, NULL, &idx));
        lwmi_value_set_bool(&t, true);
        ASSERT_OK(lwmi_object_set_qualifier(base, "Id", "key", &t, 0));
        ASSERT_OK(repo_put_class(r, ns, base, 0, NULL));
        if (!child)
                return;
        stored = get_class(r, ns, "Lwmi_Base");
        ASSERT_OK(lwmi_class_new("Lwmi_Child", stored, &sub));
        ASSERT_OK(lwmi_class_add_property(sub, "Extra", LWMI_CIM_UINT32, NULL, &idx));
        ASSERT_OK(repo_put_class(r, ns, sub, 0, NULL));
}

static void put_test_instance(Repo *r, const char *ns, const char *cls_name, const char *id,
                              uint64_t extra) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = get_class(r, ns, cls_name), *i = NULL;
        _cleanup_free_ char *msg = NULL;
        int q;

        ASSERT_OK(lwmi_class_spawn_instance(cls, &i));
        ASSERT_OK(lwmi_object_set_string(i, "Id", id));
        if (lwmi_object_find_property(i, "Extra") >= 0)
                ASSERT_OK(lwmi_object_set_uint64(i, "Extra", extra));
        q = repo_put_instance(r, ns, i, &msg);
        if (q < 0)
                TEST_FAIL("repo_put_instance: %s (%s)", strerror(-q), msg ? msg : "-");
}

static size_t count_classes(Repo *r, const char *ns, const char *super, bool deep) {
        lwmi_object **objs = NULL;
        size_t n = 0;

        ASSERT_OK(repo_enum_classes(r, ns, super, deep, &objs, &n));
        repo_free_objects(objs, n);
        return n;
}

static size_t count_instances(Repo *r, const char *ns, const char *cls, bool deep) {
        lwmi_object **objs = NULL;
        size_t n = 0;

        ASSERT_OK(repo_enum_instances(r, ns, cls, deep, &objs, &n));
        repo_free_objects(objs, n);
        return n;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                      */
/* ------------------------------------------------------------------------- */

TEST(fresh_open_creates_system_namespaces) {
        static const char *const nss[] = { "root", "root\\cimv2", "root\\default",
                                           "root\\subscription", "root\\wmi" };
        char *dir = make_tmpdir();
        _cleanup_free_ char *sub = NULL, *path = NULL;
        char **names = NULL;
        size_t n = 0;
        struct stat st;
        Repo *r;

        /* The state directory is created (0700), parents included. */
        ASSERT_TRUE(asprintf(&sub, "%s/state/lwmi", dir) > 0);
        r = open_ok(sub);
        ASSERT_OK(stat(sub, &st));
        ASSERT_UEQ(st.st_mode & 0777, 0700);
        path = db_path(sub);
        ASSERT_OK(stat(path, &st));
        ASSERT_UEQ(st.st_mode & 0077, 0);

        ASSERT_OK(repo_namespace_list(r, &names, &n));
        ASSERT_UEQ(n, ELEMENTSOF(nss));
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(names[i], nss[i]);
                free(names[i]);
        }
        free(names);

        for (size_t i = 0; i < ELEMENTSOF(nss); i++) {
                _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *ev = NULL, *mod = NULL;
                _cleanup_(lwmi_object_unrefp) lwmi_object *ovf = NULL, *agg = NULL;

                ASSERT_EQ(repo_namespace_exists(r, nss[i]), 1);
                c = get_class(r, nss[i], "__InstanceCreationEvent");
                ASSERT_STREQ(lwmi_object_get_superclass(c), "__InstanceOperationEvent");
                ASSERT_TRUE(lwmi_object_derives_from(c, "__Event"));
                ASSERT_TRUE(lwmi_object_derives_from(c, "__SystemClass"));
                ASSERT_TRUE(lwmi_object_find_property(c, "TargetInstance") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(c, "TIME_CREATED") >= 0);
                ASSERT_STREQ(lwmi_object_get_namespace(c), nss[i]);
                ev = get_class(r, nss[i], "__InstanceOperationEvent");
                ASSERT_STREQ(lwmi_object_get_superclass(ev), "__Event");
                mod = get_class(r, nss[i], "__InstanceModificationEvent");
                ASSERT_TRUE(lwmi_object_find_property(mod, "PreviousInstance") >= 0);
                ovf = get_class(r, nss[i], "__EventQueueOverflowEvent");
                ASSERT_TRUE(lwmi_object_derives_from(ovf, "__EventDroppedEvent"));
                ASSERT_TRUE(lwmi_object_find_property(ovf, "Event") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(ovf, "IntendedConsumer") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(ovf, "CurrentQueueSize") >= 0);
                agg = get_class(r, nss[i], "__AggregateEvent");
                ASSERT_TRUE(lwmi_object_find_property(agg, "NumberOfEvents") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(agg, "Representative") >= 0);
        }

        /* WMIEvent only in root\wmi; any spelling of the namespace works. */
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *w = get_class(r, "ROOT/WMI", "wmievent");
                lwmi_object *none = NULL;

                ASSERT_STREQ(lwmi_object_get_class_name(w), "WMIEvent");
                ASSERT_STREQ(lwmi_object_get_superclass(w), "__ExtrinsicEvent");
                ASSERT_NOT_NULL(lwmi_object_get_qualifier(w, NULL, "WMI"));
                ASSERT_ERRNO(repo_get_class(r, "root\\cimv2", "WMIEvent", &none), ENOENT);
                ASSERT_ERRNO(repo_get_class(r, "root\\nope", "WMIEvent", &none), ENXIO);
        }

        /* Each child namespace has its __NAMESPACE instance in root. */
        ASSERT_UEQ(count_instances(r, "root", "__NAMESPACE", false), 4);
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL;
                const char *s = NULL;

                ASSERT_OK(repo_get_instance(r, "root", "__NAMESPACE.Name=\"WMI\"", &i));
                ASSERT_OK(lwmi_object_get_string(i, "Name", &s));
                ASSERT_STREQ(s, "wmi");
        }
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(class_cache) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        lwmi_object *a, *b;

        /* The second lookup is served from the cache: the same object. */
        a = get_class(r, "root\\wmi", "WMIEvent");
        b = get_class(r, "root\\WMI", "WMIEVENT");
        ASSERT_TRUE(a == b);
        lwmi_object_unref(a);
        lwmi_object_unref(b);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(classes_put_get_enum_delete) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *orphan = NULL, *fake = NULL;
        _cleanup_free_ char *msg = NULL;

        put_test_classes(r, "root\\default", true);
        c = get_class(r, "root\\default", "LWMI_CHILD");
        ASSERT_STREQ(lwmi_object_get_class_name(c), "Lwmi_Child");
        ASSERT_STREQ(lwmi_object_get_superclass(c), "Lwmi_Base");
        ASSERT_TRUE(lwmi_object_find_property(c, "Id") >= 0);
        ASSERT_TRUE(lwmi_object_is_key(c, "Id"));
        ASSERT_TRUE(lwmi_object_find_property(c, "Extra") >= 0);

        ASSERT_UEQ(count_classes(r, "root\\default", "lwmi_base", false), 1);
        ASSERT_UEQ(count_classes(r, "root\\default", "Lwmi_Base", true), 1);
        ASSERT_UEQ(count_classes(r, "root\\default", "Lwmi_Child", true), 0);
        ASSERT_TRUE(count_classes(r, "root\\default", "__SystemClass", true) > 20);
        ASSERT_TRUE(count_classes(r, "root\\default", NULL, false) >=
                    2); /* __SystemClass, Lwmi_Base */
        ASSERT_UEQ(count_classes(r, "root\\default", NULL, true),
                   count_classes(r, "root\\default", "__SystemClass", true) + 1 + 2);

        /* createonly / updateonly */
        ASSERT_ERRNO(repo_put_class(r, "root\\default", c, MOF_CLASSFLAG_CREATEONLY, &msg), EEXIST);
        ASSERT_NOT_NULL(strstr(msg, "already exists"));
        ASSERT_OK(repo_put_class(r, "root\\default", c, MOF_CLASSFLAG_UPDATEONLY, NULL));
        ASSERT_OK(lwmi_class_new("Lwmi_Other", NULL, &orphan));
        ASSERT_ERRNO(repo_put_class(r, "root\\default", orphan, MOF_CLASSFLAG_UPDATEONLY, NULL),
                     ENOENT);

        /* A class whose superclass is not in the namespace is refused. */
        ASSERT_OK(lwmi_class_new("Lwmi_Fake", c, &fake));
        free(msg);
        msg = NULL;
        ASSERT_ERRNO(repo_put_class(r, "root\\cimv2", fake, 0, &msg), ENOENT);
        ASSERT_STREQ(msg, "superclass Lwmi_Child of class Lwmi_Fake not found in namespace "
                          "root\\cimv2");

        /* Deleting the base deletes the child too. */
        ASSERT_OK(repo_delete_class(r, "root\\default", "LWMI_base"));
        ASSERT_ERRNO(repo_delete_class(r, "root\\default", "Lwmi_Child"), ENOENT);
        {
                lwmi_object *none = NULL;

                ASSERT_ERRNO(repo_get_class(r, "root\\default", "Lwmi_Child", &none), ENOENT);
        }
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(instances_put_get_enum_delete) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL, *j = NULL, *k = NULL;
        _cleanup_(lwmi_object_unrefp) lwmi_object *base = NULL, *nullkey = NULL;
        _cleanup_free_ char *msg = NULL;
        uint64_t extra = 0;

        put_test_classes(r, "root\\cimv2", true);
        put_test_instance(r, "root\\cimv2", "Lwmi_Child", "Dev0", 5);
        put_test_instance(r, "root\\cimv2", "Lwmi_Child", "Dev1", 6);
        put_test_instance(r, "root\\cimv2", "Lwmi_Base", "B0", 0);

        ASSERT_OK(repo_get_instance(r, "root\\cimv2", "Lwmi_Child.Id=\"Dev0\"", &i));
        ASSERT_OK(lwmi_object_get_uint64(i, "Extra", &extra));
        ASSERT_UEQ(extra, 5);
        ASSERT_STREQ(lwmi_object_get_namespace(i), "root\\cimv2");
        /* Case-insensitive class, key name and key value; single-key shorthand. */
        ASSERT_OK(repo_get_instance(r, "ROOT\\CIMV2", "lwmi_child.ID=\"dev0\"", &j));
        ASSERT_OK(repo_get_instance(r, "root\\cimv2", "Lwmi_Child=\"DEV1\"", &k));
        /* A base class path finds the subclass instance. */
        ASSERT_OK(repo_get_instance(r, "root\\cimv2", "Lwmi_Base.Id=\"Dev1\"", &base));
        ASSERT_STREQ(lwmi_object_get_class_name(base), "Lwmi_Child");
        {
                lwmi_object *none = NULL;

                ASSERT_ERRNO(repo_get_instance(r, "root\\cimv2", "Lwmi_Child.Id=\"B0\"", &none),
                             ENOENT);
                ASSERT_ERRNO(repo_get_instance(r, "root\\cimv2", "Lwmi_Child.Id=\"Dev9\"", &none),
                             ENOENT);
        }

        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Base", true), 3);
        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Base", false), 1);
        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Child", true), 2);

        /* Replacing keeps one instance per path. */
        put_test_instance(r, "root\\cimv2", "Lwmi_Child", "DEV0", 7);
        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Child", false), 2);

        /* NULL keys and abstract classes are refused. */
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *cls =
                        get_class(r, "root\\cimv2", "Lwmi_Child");
                _cleanup_(lwmi_object_unrefp) lwmi_object *ev =
                        get_class(r, "root\\cimv2", "__Event");

                ASSERT_OK(lwmi_class_spawn_instance(cls, &nullkey));
                ASSERT_ERRNO(repo_put_instance(r, "root\\cimv2", nullkey, &msg), ENOKEY);
                ASSERT_NOT_NULL(msg);
                free(msg);
                msg = NULL;
                lwmi_object_unref(nullkey);
                nullkey = NULL;
                ASSERT_OK(lwmi_class_spawn_instance(ev, &nullkey));
                ASSERT_ERRNO(repo_put_instance(r, "root\\cimv2", nullkey, &msg), EINVAL);
                ASSERT_NOT_NULL(strstr(msg, "abstract"));
        }

        ASSERT_OK(repo_delete_instance(r, "root\\cimv2", "LWMI_CHILD.id=\"dev1\""));
        ASSERT_ERRNO(repo_delete_instance(r, "root\\cimv2", "Lwmi_Child.Id=\"Dev1\""), ENOENT);
        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Base", true), 2);

        /* Deleting a class deletes the instances of its subclasses. */
        ASSERT_OK(repo_delete_class(r, "root\\cimv2", "Lwmi_Base"));
        put_test_classes(r, "root\\cimv2", true);
        ASSERT_UEQ(count_instances(r, "root\\cimv2", "Lwmi_Base", true), 0);
        repo_close(r);
        rm_tmpdir(dir);
}

static const char wmi_event_mof[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
        "[WMI, Dynamic, Provider(\"WmiProv\"), guid(\"{7A1B0C4E-1B2C-4D3E-8F90-A1B2C3D4E5F6}\")]\n"
        "class Lwmi_SampleEvent : WMIEvent\n"
        "{\n"
        "        [key, read] string InstanceName;\n"
        "        [read] boolean Active;\n"
        "        [WmiDataId(1), read] uint32 Value;\n"
        "};\n"
        "[WMI, Dynamic, Provider(\"WmiProv\"), guid(\"{7A1B0C4E-1B2C-4D3E-8F90-A1B2C3D4E5F7}\")]\n"
        "class Lwmi_SampleEvent2 : Lwmi_SampleEvent\n"
        "{\n"
        "        [WmiDataId(2), read] uint32 More;\n"
        "};\n";

static void check_sample_event(Repo *r) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *c =
                get_class(r, "root\\wmi", "Lwmi_SampleEvent");
        _cleanup_(lwmi_object_unrefp) lwmi_object *c2 =
                get_class(r, "root\\wmi", "Lwmi_SampleEvent2");

        ASSERT_STREQ(lwmi_object_get_superclass(c), "WMIEvent");
        ASSERT_TRUE(lwmi_object_derives_from(c, "__ExtrinsicEvent"));
        ASSERT_TRUE(lwmi_object_derives_from(c2, "__Event"));
        ASSERT_TRUE(lwmi_object_find_property(c, "TIME_CREATED") >= 0);
        ASSERT_TRUE(lwmi_object_find_property(c, "InstanceName") >= 0);
        ASSERT_TRUE(lwmi_object_find_property(c2, "SECURITY_DESCRIPTOR") >= 0);
        ASSERT_TRUE(lwmi_object_find_property(c2, "Value") >= 0);
        ASSERT_TRUE(lwmi_object_find_property(c2, "More") >= 0);
        ASSERT_NOT_NULL(lwmi_object_get_qualifier(c, NULL, "guid"));
        ASSERT_UEQ(count_classes(r, "root\\wmi", "WMIEvent", true), 2);
}

TEST(store_mof_wmi_event_resolved_from_repo) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);

        ASSERT_OK(store(r, wmi_event_mof, true, NULL));
        check_sample_event(r);
        /* Storing the same MOF again changes nothing and succeeds. */
        ASSERT_OK(store(r, wmi_event_mof, true, NULL));
        check_sample_event(r);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(store_mof_unresolved_superclass) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_free_ char *diag = NULL;
        lwmi_object *none = NULL;

        /* Compiled without the repository: the repository supplies WMIEvent. */
        ASSERT_OK(store(r, wmi_event_mof, false, NULL));
        check_sample_event(r);

        /* Methods survive the re-derivation; a local one overrides the inherited one. */
        ASSERT_OK(store(r,
                        "class Lwmi_MBase { [key] string K; uint32 Do([in] uint32 x); "
                        "uint32 Keep([in] uint32 a); };\n",
                        true, NULL));
        ASSERT_OK(
                store(r,
                      "class Lwmi_MChild : Lwmi_MBase { string Extra; "
                      "uint32 Do([in] uint32 x, [in] uint32 y); string Other([out] string s); };\n",
                      false, NULL));
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *c =
                        get_class(r, "root\\wmi", "Lwmi_MChild");
                _cleanup_(lwmi_object_unrefp) lwmi_object *in = NULL, *out = NULL;

                ASSERT_TRUE(lwmi_object_find_property(c, "K") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(c, "Extra") >= 0);
                ASSERT_TRUE(lwmi_object_find_method(c, "Keep") >= 0);
                ASSERT_TRUE(lwmi_object_find_method(c, "Other") >= 0);
                ASSERT_OK(lwmi_object_get_method_signature(c, "Do", &in, &out));
                ASSERT_NOT_NULL(in);
                ASSERT_TRUE(lwmi_object_find_property(in, "y") >= 0);
                ASSERT_UEQ(lwmi_object_get_method_count(c), 3);
        }

        /* A superclass that exists nowhere: an error at the class, nothing stored. */
        ASSERT_ERRNO(store(r,
                           "class Lwmi_First { [key] string K; };\n"
                           "class Lwmi_Orphan : Lwmi_NoSuchBase\n{\n};\n",
                           false, &diag),
                     ENOENT);
        ASSERT_NOT_NULL(diag);
        ASSERT_STREQ(diag, "test.mof:2:1: superclass Lwmi_NoSuchBase of class Lwmi_Orphan not "
                           "found in namespace root\\wmi");
        ASSERT_ERRNO(repo_get_class(r, "root\\wmi", "Lwmi_First", &none), ENOENT);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(store_mof_flags_instances_and_deletions) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_free_ char *diag = NULL;
        lwmi_object *none = NULL;

        ASSERT_OK(store(r,
                        "class Lwmi_Cfg { [key] string Name; uint32 Level = 1; };\n"
                        "class Lwmi_CfgEx : Lwmi_Cfg { string Note; };\n"
                        "instance of Lwmi_Cfg { Name = \"a\"; Level = 3; };\n"
                        "instance of Lwmi_CfgEx { Name = \"b\"; Note = \"x\"; };\n",
                        true, NULL));
        ASSERT_UEQ(count_instances(r, "root\\wmi", "Lwmi_Cfg", true), 2);

        /* createonly on an existing class fails and rolls back the whole MOF. */
        ASSERT_ERRNO(store(r,
                           "instance of Lwmi_Cfg { Name = \"c\"; };\n"
                           "#pragma classflags(\"createonly\")\n"
                           "class Lwmi_Cfg { [key] string Name; };\n",
                           true, &diag),
                     EEXIST);
        ASSERT_NOT_NULL(strstr(diag, "test.mof:3:"));
        ASSERT_UEQ(count_instances(r, "root\\wmi", "Lwmi_Cfg", true), 2);

        /* updateonly on a missing class fails. */
        ASSERT_ERRNO(store(r,
                           "#pragma classflags(\"updateonly\")\n"
                           "class Lwmi_Missing { [key] string Name; };\n",
                           true, NULL),
                     ENOENT);

        /* Changing a class with subclasses and instances needs forceupdate... */
        ASSERT_ERRNO(store(r,
                           "class Lwmi_Cfg { [key] string Name; uint32 Level; string Added; };\n",
                           true, NULL),
                     EBUSY);
        /* ...which keeps them and re-derives the subclass. */
        ASSERT_OK(store(r,
                        "#pragma classflags(\"forceupdate\")\n"
                        "class Lwmi_Cfg { [key] string Name; uint32 Level; string Added; };\n",
                        true, NULL));
        {
                _cleanup_(lwmi_object_unrefp) lwmi_object *ex =
                        get_class(r, "root\\wmi", "Lwmi_CfgEx");
                _cleanup_(lwmi_object_unrefp) lwmi_object *i = NULL;

                ASSERT_TRUE(lwmi_object_find_property(ex, "Added") >= 0);
                ASSERT_TRUE(lwmi_object_find_property(ex, "Note") >= 0);
                ASSERT_UEQ(count_instances(r, "root\\wmi", "Lwmi_Cfg", true), 2);
                uint64_t level = 0;

                ASSERT_OK(repo_get_instance(r, "root\\wmi", "Lwmi_Cfg.Name=\"a\"", &i));
                ASSERT_OK(lwmi_object_get_uint64(i, "Level", &level));
                ASSERT_UEQ(level, 3);
                ASSERT_TRUE(lwmi_object_find_property(i, "Added") >= 0);
        }

        /* Deletions: NOFAIL ignores a missing target, FAIL does not. */
        ASSERT_OK(store(r,
                        "#pragma deleteinstance(\"Lwmi_Cfg.Name=\\\"a\\\"\", FAIL)\n"
                        "#pragma deleteclass(\"Lwmi_Nothing\", NOFAIL)\n",
                        true, NULL));
        ASSERT_UEQ(count_instances(r, "root\\wmi", "Lwmi_Cfg", true), 1);
        ASSERT_ERRNO(store(r, "#pragma deleteclass(\"Lwmi_Nothing\", FAIL)\n", true, NULL), ENOENT);
        ASSERT_OK(store(r, "#pragma deleteclass(\"Lwmi_Cfg\", FAIL)\n", true, NULL));
        ASSERT_ERRNO(repo_get_class(r, "root\\wmi", "Lwmi_CfgEx", &none), ENOENT);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(permanent_subscription_instances) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL, *f = NULL, *back = NULL;
        const char *query = NULL;

        /* __EventFilter instances are plain static instances of a system class. */
        cls = get_class(r, "root\\subscription", "__EventFilter");
        ASSERT_OK(lwmi_class_spawn_instance(cls, &f));
        ASSERT_OK(lwmi_object_set_string(f, "Name", "Lwmi_Filter"));
        ASSERT_OK(lwmi_object_set_string(f, "Query", "SELECT * FROM Lwmi_SampleEvent"));
        ASSERT_OK(lwmi_object_set_string(f, "QueryLanguage", "WQL"));
        ASSERT_OK(repo_put_instance(r, "root\\subscription", f, NULL));
        ASSERT_OK(repo_get_instance(r, "root\\subscription", "__EventFilter.Name=\"lwmi_filter\"",
                                    &back));
        ASSERT_OK(lwmi_object_get_string(back, "Query", &query));
        ASSERT_STREQ(query, "SELECT * FROM Lwmi_SampleEvent");
        ASSERT_UEQ(count_instances(r, "root\\subscription", "__IndicationRelated", true), 1);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(namespaces_create) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *i = NULL;

        ASSERT_OK(repo_namespace_create(r, "root/wmi/Lwmi_Child"));
        ASSERT_ERRNO(repo_namespace_create(r, "ROOT\\WMI\\lwmi_child"), EEXIST);
        ASSERT_ERRNO(repo_namespace_create(r, "root\\nope\\x"), ENXIO);
        ASSERT_EQ(repo_namespace_exists(r, "root\\wmi\\lwmi_child"), 1);
        c = get_class(r, "root\\wmi\\Lwmi_Child", "__InstanceDeletionEvent");
        ASSERT_OK(repo_get_instance(r, "root\\wmi", "__NAMESPACE.Name=\"Lwmi_Child\"", &i));

        /* instance of __NAMESPACE creates the namespace, as in WMI. */
        ASSERT_OK(store(r, "instance of __NAMESPACE { Name = \"FromMof\"; };\n", true, NULL));
        ASSERT_EQ(repo_namespace_exists(r, "root\\wmi\\frommof"), 1);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(restart_persistence) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL, *i = NULL;
        uint64_t extra = 0;

        put_test_classes(r, "root\\default", true);
        put_test_instance(r, "root\\default", "Lwmi_Child", "persist", 42);
        ASSERT_OK(store(r, wmi_event_mof, true, NULL));
        repo_close(r);

        r = open_ok(dir);
        c = get_class(r, "root\\default", "Lwmi_Child");
        ASSERT_TRUE(lwmi_object_derives_from(c, "Lwmi_Base"));
        ASSERT_OK(repo_get_instance(r, "root\\default", "Lwmi_Child.Id=\"persist\"", &i));
        ASSERT_OK(lwmi_object_get_uint64(i, "Extra", &extra));
        ASSERT_UEQ(extra, 42);
        check_sample_event(r);
        repo_close(r);
        rm_tmpdir(dir);
}

TEST(concurrent_handles) {
        char *dir = make_tmpdir();
        _cleanup_free_ char *path = db_path(dir);
        Repo *a = open_ok(dir), *b = open_ok(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *cb = NULL;
        lwmi_object *none = NULL;
        sqlite3 *writer = NULL;

        /* b sees what a writes. */
        put_test_classes(a, "root\\default", true);
        cb = get_class(b, "root\\default", "Lwmi_Child");
        put_test_instance(a, "root\\default", "Lwmi_Child", "x", 1);
        ASSERT_UEQ(count_instances(b, "root\\default", "Lwmi_Base", true), 1);

        /* Readers are not blocked while another connection holds the write lock. */
        ASSERT_EQ(sqlite3_open(path, &writer), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(writer,
                               "BEGIN IMMEDIATE; INSERT INTO meta(key, value) "
                               "VALUES ('test', 'x');",
                               NULL, NULL, NULL),
                  SQLITE_OK);
        ASSERT_UEQ(count_classes(b, "root\\default", "Lwmi_Base", true), 1);
        ASSERT_UEQ(count_instances(a, "root\\default", "Lwmi_Child", false), 1);
        ASSERT_EQ(sqlite3_exec(writer, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        ASSERT_EQ(sqlite3_close(writer), SQLITE_OK);

        /* b's cache notices a's delete (through the shared generation counter). */
        ASSERT_OK(repo_delete_class(a, "root\\default", "Lwmi_Base"));
        ASSERT_ERRNO(repo_get_class(b, "root\\default", "Lwmi_Child", &none), ENOENT);
        /* and a sees b's writes */
        put_test_classes(b, "root\\default", false);
        lwmi_object_unref(cb);
        cb = get_class(a, "root\\default", "Lwmi_Base");
        repo_close(a);
        repo_close(b);
        rm_tmpdir(dir);
}

TEST(cache_coherence_without_generation_file) {
        char *dir = make_tmpdir();
        _cleanup_free_ char *gen = NULL;
        Repo *a, *b;
        lwmi_object *c = NULL;

        /* A generation file that cannot be mapped: PRAGMA data_version is used instead. */
        ASSERT_TRUE(asprintf(&gen, "%s/repository.db-gen", dir) > 0);
        ASSERT_OK(mkdir(gen, 0700));
        a = open_ok(dir);
        b = open_ok(dir);
        put_test_classes(a, "root\\default", false);
        c = get_class(b, "root\\default", "Lwmi_Base");
        lwmi_object_unref(c);
        ASSERT_OK(repo_delete_class(a, "root\\default", "Lwmi_Base"));
        ASSERT_ERRNO(repo_get_class(b, "root\\default", "Lwmi_Base", &c), ENOENT);
        repo_close(a);
        repo_close(b);
        rm_tmpdir(dir);
}

TEST(garbage_file_refused) {
        char *dir = make_tmpdir();
        _cleanup_free_ char *path = db_path(dir);
        char garbage[8192];

        for (size_t i = 0; i < sizeof(garbage); i++)
                garbage[i] = (char) (i * 7 + 3);
        write_file(path, garbage, sizeof(garbage));
        assert_refused(dir, EBADMSG, "not an lwmi repository");

        /* A real repository whose header page was overwritten. */
        {
                _cleanup_free_ char *data = NULL;
                size_t n;

                ASSERT_OK(unlink(path));
                repo_close(open_ok(dir));
                data = read_file(path, &n);
                ASSERT_TRUE(n > 200);
                memset(data + 100, 0xA5, 100);
                write_file(path, data, n);
                assert_refused(dir, EBADMSG, "corrupt database");
        }

        /* The SQLite magic followed by garbage. */
        memcpy(garbage, "SQLite format 3", 16);
        write_file(path, garbage, sizeof(garbage));
        assert_refused(dir, EBADMSG, "not an lwmi repository");
        rm_tmpdir(dir);
}

TEST(foreign_sqlite_refused) {
        char *dir = make_tmpdir();
        _cleanup_free_ char *path = db_path(dir);

        /* Someone else's database with tables. */
        exec_raw(path, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');");
        assert_refused(dir, EBADMSG, "application_id 0x00000000, 1 tables");
        ASSERT_OK(unlink(path));

        /* Another application's id, no tables. */
        exec_raw(path, "PRAGMA application_id = 1234; CREATE TABLE t (x); DROP TABLE t;");
        assert_refused(dir, EBADMSG, "application_id 0x000004d2");
        rm_tmpdir(dir);
}

TEST(schema_versions) {
        char *dir = make_tmpdir();
        _cleanup_free_ char *path = db_path(dir);
        _cleanup_(lwmi_object_unrefp) lwmi_object *c = NULL;
        Repo *r;

        /* Version 0 with our id (an interrupted creation): migrated and bootstrapped. */
        exec_raw(path, "PRAGMA application_id = 1280789833; CREATE TABLE t (x); DROP TABLE t;");
        r = open_ok(dir);
        c = get_class(r, "root\\wmi", "WMIEvent");
        repo_close(r);

        /* Version 1 reopens as is. */
        r = open_ok(dir);
        ASSERT_EQ(repo_namespace_exists(r, "root\\subscription"), 1);
        repo_close(r);

        /* A newer version is refused, untouched. */
        exec_raw(path, "PRAGMA user_version = 99;");
        assert_refused(dir, EPROTO, "newer");
        rm_tmpdir(dir);
}

TEST(mof_lookup) {
        char *dir = make_tmpdir();
        Repo *r = open_ok(dir);
        lwmi_object *c;

        c = repo_mof_lookup(r, "root\\wmi", "WMIEvent");
        ASSERT_NOT_NULL(c);
        lwmi_object_unref(c);
        ASSERT_NULL(repo_mof_lookup(r, "root\\wmi", "Lwmi_NotThere"));
        ASSERT_NULL(repo_mof_lookup(r, "root\\nowhere", "WMIEvent"));
        repo_close(r);
        rm_tmpdir(dir);
}

TEST_MAIN()
