/*
 * api_purge.h — geodir-api's daily RGPD purge (docs/backoffice.md §8): one thread that runs
 * bo_purge_run over forms_db and the attachments' folder at start and then every 24 hours,
 * logging counts only. Started when forms are on; stopped with the server. `geodir-admin
 * purge` does the same from a systemd timer.
 */
#ifndef API_PURGE_H
#define API_PURGE_H

#include "api_config.h"
#include "gdir_err.h"

struct api_purge;
struct forms_set;

/* Starts the thread over cfg->forms_db and cfg->forms_files_dir for the forms of set
 * (borrowed: outlives the purge). 0 with *out, or a negative code with err. */
int api_purge_start(struct api_purge **out, const struct api_config *cfg,
                    const struct forms_set *set, struct gdir_err *err);

/* Stops the thread (after a purge under way) and frees it. NULL-safe. */
void api_purge_stop(struct api_purge *p);

#endif
