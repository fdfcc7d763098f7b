/* SPDX-License-Identifier: MIT */
/* Includes one public header (LWMI_HEADER) alone; compiled as C99 and C++11. */
#include LWMI_HEADER

int lwmi_api_check(void);
int lwmi_api_check(void) {
        return 0;
}
