/* SPDX-License-Identifier: MIT */
/*
 * Reply statuses: how the KMDF NTSTATUS of each request outcome is carried to
 * the broker as a WBEM status in REPLY (docs/protocol.md 4.4).
 */
#include <errno.h>

#include "provider/provider-internal.h"

/*
 * These agree with docs/protocol.md 4.6, which the broker follows.
 *
 *  outcome (spec item)                         KMDF NTSTATUS                   REPLY status
 *  ------------------------------------------  ------------------------------
 * --------------------------- success                                     STATUS_SUCCESS 0 buffer
 * too small (36, 37, 41, 56)           WNODE_TOO_SMALL                 WBEM_E_BUFFER_TOO_SMALL +
 * size unknown GUID (31)                           STATUS_WMI_GUID_NOT_FOUND       WBEM_E_NOT_FOUND
 *  unknown instance (28)                       STATUS_WMI_INSTANCE_NOT_FOUND   WBEM_E_NOT_FOUND
 *  no query support (35)                       STATUS_INVALID_DEVICE_REQUEST   WBEM_E_NOT_SUPPORTED
 *  no execute_method (53)                      STATUS_INVALID_DEVICE_REQUEST   WBEM_E_NOT_SUPPORTED
 *  no set_instance / UseContextForQuery (47)   STATUS_WMI_READ_ONLY            WBEM_E_READ_ONLY
 *  no set_item (50)                            STATUS_WMI_READ_ONLY            WBEM_E_READ_ONLY
 *  set input too small, -ENOBUFS (48, 49)      STATUS_WMI_SET_FAILURE WBEM_E_INVALID_PARAMETER
 *  method -EBADRQC (55)                        STATUS_WMI_ITEMID_NOT_FOUND WBEM_E_INVALID_METHOD
 *  lying callback, used > size (40)            STATUS_UNSUCCESSFUL WBEM_E_PROVIDER_FAILURE callback
 * -errno                             (driver's status)               lwmi_status_from_errno()
 */
uint32_t prov_status_from_callback(int error) {
        if (error >= 0)
                return LWMI_WBEM_S_NO_ERROR;
        if (error == -ENOBUFS)
                return (uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL;
        if (error == -EINPROGRESS)
                return (uint32_t) LWMI_WBEM_E_PROVIDER_FAILURE;
        return lwmi_status_from_errno(error);
}
