/*
 * bo_notify.h — the notifications of the back office (docs/backoffice.md §6), written by the
 * outbox's part (bo-mail): queues the e-mails of an event of a request in the outbox, on the
 * caller's connection and inside its transaction, so that they are committed with the change
 * or not at all. Declared here first for its callers (geoapi/backoffice/bo_queue_db.c).
 */
#ifndef BO_NOTIFY_H
#define BO_NOTIFY_H

#include "gdir_err.h"

struct bo_db;

/* event: "status" (a status change), "complement_demande" (documents asked), "decision"
 * (a terminal status). 0, or a negative code with err (the caller rolls back). */
int bo_notify(struct bo_db *db, long long request_id, const char *event, struct gdir_err *err);

#endif
