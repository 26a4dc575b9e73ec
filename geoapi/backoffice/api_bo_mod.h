/*
 * api_bo_mod.h — moderation of contributions, the directory side (docs/backoffice.md §7): the
 * territory's overrides file, where an accepted contribution becomes an entry (written whole
 * to a temporary file and renamed over it), and the refresh of the served directory by the
 * importer (importer_command --config importer_config --db db --refresh-overrides --quiet),
 * run as a child process by one thread of its own, never by an HTTP worker. Accepts that
 * arrive while a refresh runs are covered by one more run after it; a failed run is retried
 * (30 s, 1, 2, 4, 8 min, then the next accept), and every outcome is an audit row
 * ("directory_refresh", actor "system", to_status "ok" or "failed", motivation the exit
 * status) of the request that asked for it.
 */
#ifndef API_BO_MOD_H
#define API_BO_MOD_H

#include "api_config.h"
#include "gdir_err.h"

struct api_mod;
struct cJSON;

/* Reads importer_config (its overrides file and member communes) and starts the refresh
 * thread. GDIR_ECONFIG when the configuration cannot be read or names no overrides file. */
int api_mod_open(struct api_mod **out, const struct api_config *cfg, struct gdir_err *err);
/* Stops the thread (after the refresh running, if any). NULL-safe. */
void api_mod_close(struct api_mod *m);

/* 1 when insee is a member commune of the territory. */
int api_mod_member(const struct api_mod *m, const char *insee);

/* Appends entry (copied) to the array kind ("add", "fix", "hide") of the overrides file,
 * unless an entry validated for the same request is there already (a retried decision), then
 * asks for a refresh on behalf of request_id. Thread-safe. GDIR_EIO / GDIR_ECONFIG (the file
 * cannot be read, parsed or written: nothing changed) or GDIR_ENOMEM. */
int api_mod_append(struct api_mod *m, const char *kind, const struct cJSON *entry,
                   long long request_id, struct gdir_err *err);

#endif
