/*
 * api_mailer.h — geodir-api's e-mail sender (docs/backoffice.md §6): one thread that sends
 * the due rows of forms_db's outbox over SMTP (libcurl: smtp:// with STARTTLS, smtps://,
 * authentication) or through a sendmail-compatible command, marks them sent only after
 * success, and retries failures with backoff (bo_outbox_backoff). It sleeps until the next
 * due row, a wake-up (bo_outbox_wake, after a commit that queued rows) or a periodic look
 * (rows queued by another process, geodir-admin). Started when forms are on and a transport is
 * configured; stopped with the server.
 *
 * Delivery is at least once: a row is claimed (its next attempt pushed back) before it is
 * sent, and a crash after the server took the message but before sent_at was written sends
 * it once more at that next attempt (with the same Message-ID, so that mail software may
 * drop the copy). Never zero times, never twice otherwise.
 */
#ifndef API_MAILER_H
#define API_MAILER_H

#include "api_config.h"
#include "gdir_err.h"

struct api_mailer;

/* 1 when cfg names a transport (smtp_url or sendmail_command). */
int api_mailer_configured(const struct api_config *cfg);

/* Opens its own connection to cfg->forms_db (whose schema the forms store made), reads the
 * SMTP password file, starts the thread and registers bo_outbox_wake. 0 with *out, or
 * GDIR_ECONFIG / GDIR_EDB with err. */
int api_mailer_start(struct api_mailer **out, const struct api_config *cfg,
                     struct gdir_err *err);

/* Stops the thread (after the message being sent, if any) and frees everything. NULL-safe. */
void api_mailer_stop(struct api_mailer *m);

/* After a resident's write was committed (no transaction open): bo_notify of event for the
 * request id (or, when 0, of tracking code code) on the worker's back-office connection.
 * A failure is logged (the resident's write stands). */
struct api_ctx;
void api_notify(const struct api_ctx *ctx, long long id, const char *code, const char *event);

/* The forms store's writer hook (forms_store_on_filed; cls: a struct bo_db * slot owned by
 * the writer thread, NULL at first): the agents' "agent_new" e-mails of request_id written
 * into the outbox inside the submission's own transaction — committed with the request or
 * not at all, and no second writer competing for the database's lock. */
struct sqlite3;
int api_notify_filed(void *cls, struct sqlite3 *db, long long request_id, struct gdir_err *err);

#endif
