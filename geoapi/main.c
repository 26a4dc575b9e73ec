/*
 * main.c — geodir-api's entry point: configuration -> server start -> wait for SIGTERM/SIGINT
 * -> graceful stop. Exit status: 0 after a signal, 1 on a run-time failure (cannot listen),
 * 2 on a bad configuration (including a database that cannot be opened).
 *
 * Not here: anything HTTP (api_server.c) or option-specific (api_config.c).
 */
#include "api_config.h"
#include "api_server.h"
#include "gdir_log.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct api_config cfg;
    struct api_server *srv = NULL;
    struct gdir_err err;
    enum gdir_log_level level = GDIR_LOG_INFO;
    sigset_t stop_signals;
    int rc, sig = 0;

    rc = api_config_load(&cfg, argc, argv, &err);
    if (rc == API_CONFIG_DONE)
        return 0;
    if (rc) {
        fprintf(stderr, "geodir-api: %s\n", err.msg);
        return 2;
    }
    gdir_log_parse_level(cfg.log_level, &level);   /* validated by api_config */
    gdir_log_set_level(level);
    if (cfg.check_forms) {
        rc = api_server_check_forms(&cfg, stdout, &err);
        if (rc)
            fprintf(stderr, "geodir-api: %s\n", err.msg);
        api_config_free(&cfg);
        return rc ? 2 : 0;
    }

    /* Block the stop signals before any thread exists, so that every worker inherits the mask
     * and only sigwait() below receives them. A vanished client must not kill the process. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = api_server_start(&srv, &cfg, &err);
    if (rc) {
        fprintf(stderr, "geodir-api: %s\n", err.msg);
        api_config_free(&cfg);
        return rc == GDIR_ECONFIG ? 2 : 1;
    }

    /* Tests and scripts read this exact line to learn the port. */
    if (strchr(cfg.listen, ':'))
        printf("listening on http://[%s]:%u\n", cfg.listen, api_server_port(srv));
    else
        printf("listening on http://%s:%u\n", cfg.listen, api_server_port(srv));
    fflush(stdout);
    gdir_log(GDIR_LOG_INFO, "api", "msg=\"listening\" listen=%s port=%u threads=%ld", cfg.listen,
             api_server_port(srv), cfg.threads);

    while (sigwait(&stop_signals, &sig) != 0)
        ;
    gdir_log(GDIR_LOG_INFO, "api", "msg=\"stopping\" signal=%s", sig == SIGINT ? "INT" : "TERM");
    api_server_stop(srv);
    api_config_free(&cfg);
    gdir_log(GDIR_LOG_INFO, "api", "msg=\"stopped\"");
    return 0;
}
