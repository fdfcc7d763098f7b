/* SPDX-License-Identifier: MIT */
/*
 * libwmiprov internals shared between its source files.
 */
#pragma once

#include <stdint.h>

#include <lwmi/common.h>

/* The reply status for a callback's result (table in provider-status.c). */
uint32_t prov_status_from_callback(int error);

#define PROV_STATUS_NOT_FOUND     ((uint32_t) LWMI_WBEM_E_NOT_FOUND)
#define PROV_STATUS_NOT_SUPPORTED ((uint32_t) LWMI_WBEM_E_NOT_SUPPORTED)
#define PROV_STATUS_READ_ONLY     ((uint32_t) LWMI_WBEM_E_READ_ONLY)
#define PROV_STATUS_SET_FAILURE   ((uint32_t) LWMI_WBEM_E_INVALID_PARAMETER)
#define PROV_STATUS_BAD_METHOD    ((uint32_t) LWMI_WBEM_E_INVALID_METHOD)
#define PROV_STATUS_UNSUCCESSFUL  ((uint32_t) LWMI_WBEM_E_PROVIDER_FAILURE)
#define PROV_STATUS_TOO_SMALL     ((uint32_t) LWMI_WBEM_E_BUFFER_TOO_SMALL)
#define PROV_STATUS_INVALID       ((uint32_t) LWMI_WBEM_E_INVALID_PARAMETER)

/* Default largest event payload: WMI's 1024 bytes minus the 64-byte WNODE header. */
#define PROV_EVENT_SIZE_MAX_DEFAULT  960u
/* Default event queue slots (a power of two): 1 MiB with 960-byte slots. */
#define PROV_EVENT_QUEUE_LEN_DEFAULT 1024u
/* Largest FIRE_EVENTS frame built from the queue (latency vs. system calls). */
#define PROV_EVENT_BATCH_MAX         ((size_t) 64 * 1024)
/* The queue is not drained while this much output waits for the socket. */
#define PROV_OUT_HIGH_WATER          ((size_t) 256 * 1024)
/* Default handshake timeout. */
#define PROV_HANDSHAKE_TIMEOUT_USEC  (UINT64_C(5) * 1000 * 1000)
