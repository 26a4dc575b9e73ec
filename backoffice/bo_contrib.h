/*
 * bo_contrib.h — the moderation of the residents' contributions (docs/backoffice.md §7), the
 * part that touches the forms database: a request read for its decision, the decision
 * (accepted or refused, with its history rows) and the forward to the Communauté de communes.
 * The overrides file and the directory's refresh are geoapi's (geoapi/backoffice/api_bo_mod.h).
 */
#ifndef BO_CONTRIB_H
#define BO_CONTRIB_H

#include <time.h>

#include "bo.h"

/* The forms whose requests are contributions to the directory. */
#define BO_FORM_REPORT "signaler-erreur"
#define BO_FORM_PROPOSE "proposer-lieu"
/* The form of the event proposals (docs/vie-locale.md §4), decided like a contribution. */
#define BO_FORM_EVENT "proposer-evenement"

/* A request as the moderation reads it. */
struct bo_request_row {
    long long id;
    char form_id[48];
    char status[48];
    char *commune, *service;   /* NULL when not routed */
    char *values_json;         /* the values as filed */
};

/* GDIR_ENOTFOUND when there is no request id. */
int bo_request_get(struct bo_db *db, long long id, struct bo_request_row *out,
                   struct gdir_err *err);
void bo_request_row_free(struct bo_request_row *r);

/* Decides an open request (deposee, en_instruction or complement_recu): to is "acceptee" or
 * "refusee"; a deposee request goes through en_instruction first (two history rows, the
 * workflow of §4). message: shown to the resident (the motivation of a refusal). One
 * transaction; GDIR_ECONFLICT when the request's status is no longer from. */
int bo_request_decide(struct bo_db *db, long long id, const char *from, const char *to,
                      const struct bo_agent *agent, const char *message, time_t now,
                      struct gdir_err *err);

/* Forwards the request to the Communauté de communes: its commune is cleared and its service
 * becomes "cc", so that only administrators (and the service agents of its form) see it; an
 * internal history row says so. Its status does not change. */
int bo_request_forward(struct bo_db *db, long long id, const struct bo_agent *agent,
                       const char *message, time_t now, struct gdir_err *err);

#endif
