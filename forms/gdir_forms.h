/*
 * gdir_forms.h — the forms engine: loads a territory's form definitions (config/forms/<id>.json,
 * docs/forms.md §1) and validates a resident's submission against one of them.
 *
 * The same definition drives the page (served as JSON) and the server's checks: the browser's
 * checks are a convenience, these are the rule. Nothing here touches a socket or a database;
 * places are checked through a callback (the directory belongs to the caller). Thread-safety:
 * a loaded set is read-only and may be shared by all workers; forms_validate() touches only
 * its arguments.
 */
#ifndef GDIR_FORMS_H
#define GDIR_FORMS_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

struct form_def;    /* one definition (opaque) */
struct forms_set;   /* all the definitions of a territory (opaque) */

#define FORMS_MAX_FILE_SIZE (20u * 1024u * 1024u)  /* no field may allow more per file */
#define FORMS_PATH_MAX 128      /* longest field path, "enfants[12].vaccinations" */
#define FORMS_MESSAGE_MAX 256   /* longest French error message of one field */

/* Loads every *.json of dir (sorted by name). communes: the territory's member INSEE codes
 * (n of them), which `communes` and address values must belong to. On error returns a
 * negative GDIR_E* code with err->msg "FILE: path.to.member: reason" (GDIR_ECONFIG) and *out
 * NULL. An empty folder is a valid, empty set. */
int forms_load_dir(struct forms_set **out, const char *dir, const char *const *communes,
                   size_t n, struct gdir_err *err);

/* Loads one definition file (the same checks; the file name must be <id>.json). */
int forms_load_file(struct forms_set **out, const char *path, const char *const *communes,
                    size_t n, struct gdir_err *err);

void forms_set_free(struct forms_set *set);

size_t forms_count(const struct forms_set *set);
const struct form_def *forms_at(const struct forms_set *set, size_t i);
const struct form_def *forms_find(const struct forms_set *set, const char *id);

const char *form_id(const struct form_def *f);
const char *form_title(const struct form_def *f);
/* Its keywords (the search box offers the form for them: geoapi/search/h_autocomplete.c). */
const char *const *form_keywords(const struct form_def *f, size_t *n);
int form_version(const struct form_def *f);
int form_retention_months(const struct form_def *f);

/* 1 when the form is offered in commune insee ("all" forms everywhere), else 0. */
int form_offered_in(const struct form_def *f, const char *insee);

/* The definition as served by GET /api/forms/{id} (normalised JSON, NUL-terminated, owned by
 * the set), and the short entry of GET /api/forms (id, title, description, category,
 * keywords, communes). */
const char *form_json(const struct form_def *f);
const char *form_summary_json(const struct form_def *f);

/* Is status id s valid for this form (the common set of docs/forms.md §1.4 plus its own)? */
int form_has_status(const struct form_def *f, const char *s);

/* The form's own statuses (its `statuses` member, docs/forms.md §1.4), in definition order:
 * form_status_count() of them; form_status_at() gives the i-th one's id, French label and
 * `after` (each borrowed from the set; after may be NULL). */
size_t form_status_count(const struct form_def *f);
void form_status_at(const struct form_def *f, size_t i, const char **id, const char **label,
                    const char **after);
/* 1 when status is one of the form's own statuses declared "final": it ends the request like
 * the common decisions (closure date set, retention counted from it, reopen only). */
int form_status_final(const struct form_def *f, const char *status);

/* The French label of status s for this form: its own statuses' labels, then the common set's
 * ("en_instruction" -> "En cours d'instruction"); s itself when unknown. f may be NULL. */
const char *form_status_label(const struct form_def *f, const char *status);

/* ---- Notifications (docs/backoffice.md §6) --------------------------------------------- */

/* The values of a template's placeholders (NULL: empty). */
struct forms_notify_vars {
    const char *code;        /* {code}: the tracking code */
    const char *titre;       /* {titre}: the form's title */
    const char *statut;      /* {statut}: the status's French label */
    const char *motif;       /* {motif}: the motivation or the agent's message */
    const char *lien;        /* {lien}: the follow link (receipt), the follow page, or the back
                              * office for agents */
    const char *documents;   /* {documents}: the documents asked */
    const char *echeance;    /* {echeance}: the deadline, "15/09/2026" */
    const char *recepisse;   /* {recepisse}: the form's `receipt` text */
};

/* 0..6 for the events "deposee", "status", "complement_demande", "decision", "agent_new",
 * "agent_complement_recu", "message" (an agent's message to the resident); -1 for another
 * name. */
int forms_notify_event_index(const char *event);

/* Renders the form's template of event (its `notifications` member, or the French default;
 * f may be NULL for the defaults) into *subject (one line) and *body (text/plain, blank lines
 * left by empty placeholders squeezed), both malloc'd. GDIR_EINVAL for an unknown event. */
int forms_notify_render(const struct form_def *f, const char *event,
                        const struct forms_notify_vars *v, char **subject, char **body,
                        struct gdir_err *err);

/* ---- Validation of a submission -------------------------------------------------------- */

/* One uploaded file of a submission: the multipart part "file:<path>". */
struct forms_file {
    const char *path;         /* field path after "file:", e.g. "enfants[0].vaccinations" */
    const char *filename;     /* as sent by the browser (display only; never trusted) */
    const unsigned char *data;
    size_t len;
};

struct forms_field_error {
    char field[FORMS_PATH_MAX];        /* "enfants[1].date_naissance"; "" for the whole form */
    char message[FORMS_MESSAGE_MAX];   /* French, suggests a correction (RGAA 11.11) */
};

struct forms_errors {
    struct forms_field_error *v;
    size_t n, cap;
};

/* Checks a place value: returns 1 when place id exists in the directory and belongs to
 * category (or any category when NULL), copying its commune's INSEE code into insee[6];
 * 0 when not; a negative GDIR_E* code when the directory cannot be read. */
typedef int forms_place_fn(void *arg, const char *id, const char *category, char insee[6]);

struct forms_env {
    time_t now;               /* "today" of relative date bounds, in Europe/Paris */
    forms_place_fn *place;    /* NULL: place fields are refused (GDIR_EUNAVAIL) */
    void *place_arg;
};

/* What a valid submission becomes. */
struct forms_accepted_file {
    char path[FORMS_PATH_MAX];
    const char *type;         /* "pdf", "jpeg" or "png", from the content */
    const char *mime;         /* "application/pdf", "image/jpeg", "image/png" */
    size_t input;             /* index in the files array given to forms_validate() */
};

struct forms_submission {
    char *values_json;        /* normalised values: hidden fields dropped, phones formatted;
                               * malloc'd */
    char commune[6];          /* routing: the handling commune's INSEE code, or "" */
    const char *service;      /* routing: the handling service (owned by the set), or NULL */
    char *email;              /* the first e-mail field's value (receipt), malloc'd, or NULL */
    struct forms_accepted_file *files;   /* malloc'd, n_files of them */
    size_t n_files;
};

/* Validates data (the JSON of the "data" part) and files against f. Returns 0 with *out
 * filled (free with forms_submission_free); GDIR_EINVAL with every field error appended to
 * errs (at least one) and *out empty; another negative code on a failure that is not the
 * resident's (out of memory, directory unreadable), with err set. */
int forms_validate(const struct form_def *f, const char *data, size_t len,
                   const struct forms_file *files, size_t n_files, const struct forms_env *env,
                   struct forms_submission *out, struct forms_errors *errs, struct gdir_err *err);

void forms_submission_free(struct forms_submission *s);
void forms_errors_free(struct forms_errors *e);

/* The type of a file from its first bytes: "pdf", "jpeg", "png", or NULL. */
const char *forms_sniff(const unsigned char *data, size_t len);

#endif
