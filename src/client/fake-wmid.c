/* SPDX-License-Identifier: MIT */
/*
 * fake-wmid: the test-client fake broker as a program, for the wmic tests.
 * Prints the socket path once listening, then serves connections one after
 * the other until killed.
 */
#include <stdio.h>

#include "client/fake-broker.h"

int main(void) {
        Fake f;

        fake_listen(&f);
        printf("%s\n", f.path);
        fflush(stdout);
        for (;;)
                fake_serve_one(&f);
}
