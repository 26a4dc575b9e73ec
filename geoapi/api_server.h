/*
 * api_server.h — the HTTP server: geodir's own connection layer (http_server.h) with `threads`
 * event-loop workers, whose requests go through api_dispatch().
 */
#ifndef API_SERVER_H
#define API_SERVER_H

#include <stdio.h>

#include "api_config.h"
#include "gdir_err.h"

struct api_server;

/* Checks that the database opens read-only with geodir's schema, resolves the static folders,
 * binds cfg->listen:cfg->port and starts cfg->threads workers. cfg is borrowed and must
 * outlive the server. Returns 0 with *out owned by the caller (api_server_stop), or
 * GDIR_ECONFIG (bad database or folder) / GDIR_EIO (cannot listen) with err filled. Call with
 * SIGTERM/SIGINT blocked so that the workers inherit the mask. */
int api_server_start(struct api_server **out, const struct api_config *cfg, struct gdir_err *err);

/* The port actually bound (useful with port 0). */
unsigned api_server_port(const struct api_server *srv);

/* Stops accepting, lets the workers finish the requests in progress, joins them (which closes
 * their database connections) and frees everything. NULL-safe. */
void api_server_stop(struct api_server *srv);

/* geodir-api --check-forms: loads the definitions of cfg->forms_dir against the member
 * communes of cfg->db and lists them on out. Returns 0, or GDIR_ECONFIG (GDIR_ENOMEM) with err
 * "FILE: path.to.member: reason". Serves nothing. */
int api_server_check_forms(const struct api_config *cfg, FILE *out, struct gdir_err *err);

#endif
