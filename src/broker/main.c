/* SPDX-License-Identifier: MIT */
/*
 * wmid: the lwmi broker daemon. Parses options, sets up the broker, runs it.
 */

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/broker.h"

static void usage(FILE *f) {
        fputs("Usage: wmid [OPTIONS]\n"
              "  --socket PATH            listen here (default $LWMI_SOCKET, then\n"
              "                           /run/lwmi/wmid.sock as root or\n"
              "                           $XDG_RUNTIME_DIR/lwmi/wmid.sock)\n"
              "  --state DIR              state directory holding the repository\n"
              "  --ready-fd N             write \"READY=1\\n\" to fd N once listening\n"
              "  --provider-timeout SEC   provider call timeout (default 10)\n"
              "  --admin-group NAME       members may write and call methods\n"
              "  --log-level LEVEL        err, warning, info (default) or debug\n"
              "  --event-queue-count N    unread events per subscription (default 10000;\n"
              "                           caps what a subscriber asks for)\n"
              "  --event-queue-bytes N    unread output bytes before events drop\n"
              "                           (default 1048576; caps what a subscriber asks for)\n"
              "  --slow-subscriber-timeout SEC\n"
              "                           disconnect a subscriber whose output makes no\n"
              "                           progress this long (default 10)\n"
              "  --collection-linger SEC  keep the collection of an Expensive block on this\n"
              "                           long after a query (default 2)\n"
              "  -h, --help               this text\n",
              f);
}

static int parse_level(const char *s) {
        if (strcmp(s, "err") == 0 || strcmp(s, "error") == 0)
                return LOG_LVL_ERR;
        if (strcmp(s, "warning") == 0 || strcmp(s, "warn") == 0)
                return LOG_LVL_WARNING;
        if (strcmp(s, "info") == 0)
                return LOG_LVL_INFO;
        if (strcmp(s, "debug") == 0)
                return LOG_LVL_DEBUG;
        return -EINVAL;
}

int main(int argc, char **argv) {
        enum {
                OPT_SOCKET = 256,
                OPT_STATE,
                OPT_READY,
                OPT_TIMEOUT,
                OPT_ADMIN,
                OPT_LOG,
                OPT_QUEUE_COUNT,
                OPT_QUEUE_BYTES,
                OPT_SLOW,
                OPT_LINGER,
        };
        static const struct option opts[] = {
                { "socket", required_argument, NULL, OPT_SOCKET },
                { "state", required_argument, NULL, OPT_STATE },
                { "ready-fd", required_argument, NULL, OPT_READY },
                { "provider-timeout", required_argument, NULL, OPT_TIMEOUT },
                { "admin-group", required_argument, NULL, OPT_ADMIN },
                { "log-level", required_argument, NULL, OPT_LOG },
                { "event-queue-count", required_argument, NULL, OPT_QUEUE_COUNT },
                { "event-queue-bytes", required_argument, NULL, OPT_QUEUE_BYTES },
                { "slow-subscriber-timeout", required_argument, NULL, OPT_SLOW },
                { "collection-linger", required_argument, NULL, OPT_LINGER },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        /*
         * Keep freed heap memory instead of trimming it after every large
         * query: a query's objects come and go at once, and handing the pages
         * back makes the next query fault every one of them in again (a page
         * fault costs several microseconds on virtual machines: measured in
         * bench-query, docs/performance.md). Bounded: what stays is the
         * largest burst seen, at most the output limits of the connections.
         */
        (void) mallopt(M_TRIM_THRESHOLD, 64 << 20);
        (void) mallopt(M_TOP_PAD, 4 << 20);
        /* output buffers of a few MiB come from the heap too, not from fresh mappings */
        (void) mallopt(M_MMAP_THRESHOLD, 16 << 20);

        BrokerConfig config = { .ready_fd = -1,
                                .provider_timeout_usec = BROKER_TIMEOUT_USEC_DEFAULT,
                                .collection_linger_usec = BROKER_LINGER_USEC_DEFAULT,
                                .log_level = LOG_LVL_INFO };
        _cleanup_(broker_freep) Broker *b = NULL;
        _cleanup_free_ char *socket_default = NULL, *state_default = NULL;
        const char *env;
        char *end;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_SOCKET:
                        config.socket_path = optarg;
                        break;
                case OPT_STATE:
                        config.state_dir = optarg;
                        break;
                case OPT_READY: {
                        long v;

                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || *end || v < 0 || v > INT_MAX) {
                                fprintf(stderr, "wmid: bad --ready-fd: %s\n", optarg);
                                return EXIT_FAILURE;
                        }
                        config.ready_fd = (int) v;
                        break;
                }
                case OPT_TIMEOUT: {
                        double v;

                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || *end || !(v > 0) || v > 3600) {
                                fprintf(stderr, "wmid: bad --provider-timeout: %s\n", optarg);
                                return EXIT_FAILURE;
                        }
                        config.provider_timeout_usec = (uint64_t) (v * 1e6);
                        break;
                }
                case OPT_ADMIN: {
                        struct group *g = getgrnam(optarg);

                        if (!g) {
                                fprintf(stderr, "wmid: unknown group: %s\n", optarg);
                                return EXIT_FAILURE;
                        }
                        config.have_admin_gid = true;
                        config.admin_gid = g->gr_gid;
                        break;
                }
                case OPT_LOG:
                        r = parse_level(optarg);
                        if (r < 0) {
                                fprintf(stderr, "wmid: bad --log-level: %s\n", optarg);
                                return EXIT_FAILURE;
                        }
                        config.log_level = r;
                        break;
                case OPT_QUEUE_COUNT:
                case OPT_QUEUE_BYTES: {
                        unsigned long long v;
                        bool count = c == OPT_QUEUE_COUNT;

                        errno = 0;
                        v = strtoull(optarg, &end, 10);
                        if (errno || *end || *optarg == '-' || v == 0 ||
                            v > (count ? BROKER_EVENT_COUNT_MAX : BROKER_OUTPUT_MAX / 2)) {
                                fprintf(stderr, "wmid: bad --%s: %s\n",
                                        count ? "event-queue-count" : "event-queue-bytes", optarg);
                                return EXIT_FAILURE;
                        }
                        if (count)
                                config.event_queue_count = (uint32_t) v;
                        else
                                config.event_queue_bytes = (uint32_t) v;
                        break;
                }
                case OPT_SLOW: {
                        double v;

                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || *end || !(v > 0) || v > 86400) {
                                fprintf(stderr, "wmid: bad --slow-subscriber-timeout: %s\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        config.slow_subscriber_usec = (uint64_t) (v * 1e6);
                        break;
                }
                case OPT_LINGER: {
                        double v;

                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || *end || !(v >= 0) || v > 3600) {
                                fprintf(stderr, "wmid: bad --collection-linger: %s\n", optarg);
                                return EXIT_FAILURE;
                        }
                        config.collection_linger_usec = (uint64_t) (v * 1e6);
                        break;
                }
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_FAILURE;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return EXIT_FAILURE;
        }
        broker_log_level = config.log_level;

        if (!config.socket_path) {
                env = getenv("LWMI_SOCKET");
                if (env && *env) {
                        config.socket_path = env;
                } else if (geteuid() == 0) {
                        config.socket_path = "/run/lwmi/wmid.sock";
                } else {
                        env = getenv("XDG_RUNTIME_DIR");
                        if (!env || !*env) {
                                fprintf(stderr, "wmid: no --socket, $LWMI_SOCKET or "
                                                "$XDG_RUNTIME_DIR\n");
                                return EXIT_FAILURE;
                        }
                        if (asprintf(&socket_default, "%s/lwmi/wmid.sock", env) < 0)
                                return EXIT_FAILURE;
                        config.socket_path = socket_default;
                }
        }
        if (!config.state_dir) {
                if (geteuid() == 0) {
                        config.state_dir = "/var/lib/lwmi";
                } else {
                        env = getenv("XDG_STATE_HOME");
                        if (env && *env)
                                r = asprintf(&state_default, "%s/lwmi", env);
                        else if ((env = getenv("HOME")) && *env)
                                r = asprintf(&state_default, "%s/.local/state/lwmi", env);
                        else
                                r = -1;
                        if (r < 0) {
                                fprintf(stderr, "wmid: no --state directory\n");
                                return EXIT_FAILURE;
                        }
                        config.state_dir = state_default;
                }
        }

        /* Every send() uses MSG_NOSIGNAL; this covers the ready fd, a pipe. */
        signal(SIGPIPE, SIG_IGN);

        r = broker_new(&config, &b);
        if (r < 0)
                return EXIT_FAILURE;
        r = broker_run(b);
        if (r < 0) {
                log_err("event loop failed: %s", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
