/* SPDX-License-Identifier: MIT */
/* Tests for the WBEM status table: every row, errno and CIM mapping. */
#include <errno.h>
#include <string.h>

#include <lwmi/common.h>

#include "core/object.h"
#include "shared/test.h"

TEST(every_row) {
        size_t n = cim_status_table_size();

        ASSERT_TRUE(n >= 120);
        for (size_t i = 0; i < n; i++) {
                lwmi_status s = cim_status_table_get(i, NULL);
                const char *name = lwmi_status_name(s);
                bool failure = (s & 0x80000000u) != 0;
                int err = lwmi_status_to_errno(s);
                uint32_t cim = lwmi_status_to_cim(s);

                ASSERT_NOT_NULL(name);
                ASSERT_TRUE(strncmp(name, "WBEM", 4) == 0);
                ASSERT_TRUE(strcmp(name, "WBEM_E_UNKNOWN") != 0);
                ASSERT_TRUE(strlen(lwmi_status_message(s)) > 0);
                /* names are unique */
                for (size_t j = i + 1; j < n; j++) {
                        ASSERT_TRUE(strcmp(name, lwmi_status_name(cim_status_table_get(j, NULL))) !=
                                    0);
                        ASSERT_TRUE(s != cim_status_table_get(j, NULL));
                }
                if (failure) {
                        ASSERT_TRUE(err < 0);
                        ASSERT_TRUE(cim >= 1 && cim <= 17);
                        /* the errno maps back to a status with the same errno */
                        ASSERT_EQ(lwmi_status_to_errno(lwmi_status_from_errno(err)), err);
                        ASSERT_EQ(lwmi_status_to_errno(lwmi_status_from_errno(-err)), err);
                } else {
                        ASSERT_EQ(err, 0);
                        ASSERT_EQ(cim, 0);
                }
        }
}

TEST(primary_rows_unique) {
        size_t n = cim_status_table_size();

        for (size_t i = 0; i < n; i++) {
                bool pi, pj;
                lwmi_status s = cim_status_table_get(i, &pi);

                if (!pi)
                        continue;
                ASSERT_EQ(lwmi_status_from_errno(lwmi_status_to_errno(s)), s);
                for (size_t j = i + 1; j < n; j++) {
                        lwmi_status t = cim_status_table_get(j, &pj);
                        if (pj)
                                ASSERT_NE(lwmi_status_to_errno(s), lwmi_status_to_errno(t));
                }
        }
}

TEST(known_values) {
        ASSERT_STREQ(lwmi_status_name(LWMI_WBEM_E_NOT_FOUND), "WBEM_E_NOT_FOUND");
        ASSERT_STREQ(lwmi_status_name(LWMI_WBEMESS_E_AUTHZ_NOT_PRIVILEGED),
                     "WBEMESS_E_AUTHZ_NOT_PRIVILEGED");
        ASSERT_STREQ(lwmi_status_message(LWMI_WBEM_E_NOT_FOUND), "Object cannot be found.");
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_NOT_FOUND), ENOENT);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_ACCESS_DENIED), EACCES);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_INVALID_QUERY), EINVAL);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_PROVIDER_FAILURE), EIO);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_OUT_OF_MEMORY), ENOMEM);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_TIMED_OUT), ETIMEDOUT);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_ALREADY_EXISTS), EEXIST);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_NOT_SUPPORTED), EOPNOTSUPP);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_READ_ONLY), EROFS);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_CALL_CANCELLED), ECANCELED);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_SHUTTING_DOWN), ESHUTDOWN);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_BUFFER_TOO_SMALL), ENOBUFS);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_TRANSPORT_FAILURE), ECONNRESET);
        ASSERT_ERRNO(lwmi_status_to_errno(LWMI_WBEM_E_INVALID_NAMESPACE), ENXIO);
        ASSERT_EQ(lwmi_status_to_cim(LWMI_WBEM_E_NOT_FOUND), 6);
        ASSERT_EQ(lwmi_status_to_cim(LWMI_WBEM_E_INVALID_CLASS), 5);
        ASSERT_EQ(lwmi_status_to_cim(LWMI_WBEM_E_INVALID_METHOD), 17);
        ASSERT_EQ(lwmi_status_to_cim(LWMI_WBEM_S_NO_ERROR), 0);
        ASSERT_EQ(lwmi_status_to_errno(LWMI_WBEM_S_FALSE), 0);
}

TEST(from_errno) {
        ASSERT_UEQ(lwmi_status_from_errno(0), LWMI_WBEM_S_NO_ERROR);
        ASSERT_UEQ(lwmi_status_from_errno(-ENOENT), (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_UEQ(lwmi_status_from_errno(EINVAL), (lwmi_status) LWMI_WBEM_E_INVALID_PARAMETER);
        ASSERT_UEQ(lwmi_status_from_errno(-EIO), (lwmi_status) LWMI_WBEM_E_PROVIDER_FAILURE);
        ASSERT_UEQ(lwmi_status_from_errno(-ENOKEY), (lwmi_status) LWMI_WBEM_E_NO_KEY);
        ASSERT_UEQ(lwmi_status_from_errno(-EBADMSG), (lwmi_status) LWMI_WBEM_E_INVALID_STREAM);
        ASSERT_UEQ(lwmi_status_from_errno(-ENODATA), (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_UEQ(lwmi_status_from_errno(-EPERM), (lwmi_status) LWMI_WBEM_E_PRIVILEGE_NOT_HELD);
        ASSERT_UEQ(lwmi_status_from_errno(4242), (lwmi_status) LWMI_WBEM_E_FAILED);
}

TEST(unknown_status) {
        ASSERT_STREQ(lwmi_status_name(0x80049999u), "WBEM_E_UNKNOWN");
        ASSERT_TRUE(strlen(lwmi_status_message(0x80049999u)) > 0);
        ASSERT_TRUE(lwmi_status_to_errno(0x80049999u) < 0);
        ASSERT_EQ(lwmi_status_to_cim(0x80049999u), 1);
        ASSERT_EQ(lwmi_status_to_errno(0x12345u), 0);
}

TEST(error_set) {
        lwmi_error e;

        ASSERT_ERRNO(lwmi_error_set(NULL, LWMI_WBEM_E_NOT_FOUND, NULL), ENOENT);
        ASSERT_ERRNO(lwmi_error_set(&e, LWMI_WBEM_E_NOT_FOUND, "no class %s", "Foo"), ENOENT);
        ASSERT_UEQ(e.status, (lwmi_status) LWMI_WBEM_E_NOT_FOUND);
        ASSERT_EQ(e.cim_status, 6);
        ASSERT_STREQ(e.message, "no class Foo");
        ASSERT_ERRNO(lwmi_error_set(&e, LWMI_WBEM_E_ACCESS_DENIED, NULL), EACCES);
        ASSERT_STREQ(e.message, lwmi_status_message(LWMI_WBEM_E_ACCESS_DENIED));
        ASSERT_EQ(lwmi_error_set(&e, LWMI_WBEM_S_NO_ERROR, NULL), 0);
}

TEST_MAIN()
