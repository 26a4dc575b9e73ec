/*
 * bo_notify.h — the back office's notifications (docs/backoffice.md §6): an event of a
 * request becomes e-mails in forms_db's outbox, rendered from the form's French templates
 * (its `notifications` member, or the defaults: forms_notify_render), for the resident's
 * address and for the handling agents (those whose scope covers the request: bo_can).
 *
 * Events: "deposee" (receipt; geoapi's submission queues its own, with the secret follow
 * link, inside the store's transaction), "status" (any change: the new status and the
 * motivation or message), "complement_demande" (documents and deadline), "decision",
 * "agent_new" (to the agents), "agent_complement_recu" (to the agents), "message" (an agent's
 * message to the resident: info->motif).
 *
 * Call it on the connection and inside the transaction of the change (the rows commit or roll
 * back with it), after the change's event row is written; then, after COMMIT, call
 * bo_outbox_wake() (bo_mail.h) so that the sender takes them at once. Outside a transaction
 * bo_notify wakes the sender itself.
 */
#ifndef BO_NOTIFY_H
#define BO_NOTIFY_H

#include "bo.h"
#include "gdir_err.h"

struct forms_set;

/* The SQLite connection under db (the outbox's and RGPD's functions, bo_mail.h and bo_purge.h,
 * run on the same connection): bo_db_sqlite() of bo.h. */

/* The definitions (templates, titles, status labels) and public_url (the links: the follow
 * page "<public_url>/suivi.html", the back office "<public_url>/bo/"; relative when "" or
 * NULL), set once at start before any bo_notify (geoapi, geodir-admin); both borrowed for the
 * process's life. Without it, the default templates and the request's form id as title. */
void bo_notify_setup(const struct forms_set *set, const char *public_url);

/* What the caller knows of the event better than the request's last event row (NULL members:
 * from that row: {statut} its to_status, {motif} its message). */
struct bo_notify_info {
    const char *status;      /* the new status id */
    const char *motif;       /* motivation or message to the resident */
    const char *documents;   /* complement_demande: the documents asked, one per line */
    const char *deadline;    /* complement_demande: "2026-09-15" (shown 15/09/2026) */
};

/* Queues the e-mails of event for request request_id. 0 (also when nobody is to be told: no
 * address, no agent), GDIR_ENOTFOUND for an unknown request, GDIR_EINVAL for an unknown event,
 * or GDIR_EDB with err. */
int bo_notify(struct bo_db *db, long long request_id, const char *event, struct gdir_err *err);
int bo_notify_ex(struct bo_db *db, long long request_id, const char *event,
                 const struct bo_notify_info *info, struct gdir_err *err);
/* The same for the request of tracking code code (geoapi's submission knows only the code). */
int bo_notify_code(struct bo_db *db, const char *code, const char *event, struct gdir_err *err);

#endif
