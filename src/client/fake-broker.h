/* SPDX-License-Identifier: MIT */
/* A fake broker for the libwmi and wmic tests (canned answers, one class "Sample"). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwmi/common.h>

typedef struct Fake {
        char dir[64];
        char path[128];
        int listen_fd;
        int fd;
        pthread_t thread;
        lwmi_object *cls;
        uint32_t slow_ids[8]; /* requests left unanswered until cancelled */
        size_t n_slow;
        unsigned n_cancels;
        unsigned n_put_property;
        bool refuse_hello;
} Fake;

lwmi_object *sample_class(void);
lwmi_object *sample_instance(lwmi_object *cls, const char *name, uint64_t value);
void fake_listen(Fake *f);
void fake_serve_one(Fake *f);
void fake_start(Fake *f);
void fake_stop(Fake *f);
void fake_close(Fake *f);
