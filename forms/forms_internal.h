/*
 * forms_internal.h — the loaded form of a definition, shared by the loader (forms_load.c), the
 * JSON writer (forms_json.c) and the validator (forms_validate.c). Not installed: callers use
 * gdir_forms.h. Everything here is immutable once forms_load_* returned.
 */
#ifndef FORMS_INTERNAL_H
#define FORMS_INTERNAL_H

#include <cjson/cJSON.h>
#include <regex.h>
#include <stddef.h>

#include "gdir_forms.h"

enum forms_type {
    FT_TEXT, FT_TEXTAREA, FT_EMAIL, FT_PHONE, FT_DATE, FT_INTEGER, FT_CHOICE, FT_MULTICHOICE,
    FT_YESNO, FT_CHECKBOX, FT_ADDRESS, FT_PLACE, FT_REPEAT, FT_FILE, FT_SECTION, FT_INFO,
    FT_COUNT
};

/* The names of the types, indexed by enum forms_type ("text", …). */
extern const char *const forms_type_names[FT_COUNT];

/* The file types a file field may accept (bit i = forms_file_types[i]). */
#define FORMS_N_FILE_TYPES 3
extern const char *const forms_file_types[FORMS_N_FILE_TYPES];   /* pdf, jpeg, png */
extern const char *const forms_file_mimes[FORMS_N_FILE_TYPES];

#define FORMS_DEFAULT_FILE_SIZE (5u * 1024u * 1024u)
#define FORMS_MAX_ITEMS 100   /* largest max_items of a repeat or a multichoice */
#define FORMS_MAX_FILES 20    /* largest max_files of a file field */

struct forms_option {
    char *value, *label;
};

/* A date bound: absolute (y-m-d) or relative to today (n units of 'y', 'm' or 'd'). */
struct forms_bound {
    int set;
    int relative;     /* 1: today + n unit */
    int y, m, d;      /* absolute */
    long n;
    char unit;
    char *text;       /* as written: "2015-01-01", "today-3y" */
};

enum forms_cond_kind { COND_NONE, COND_EQUALS, COND_IN, COND_FILLED };

struct forms_cond {
    enum forms_cond_kind kind;
    char *field;      /* the id of an earlier field (sibling or enclosing level) */
    cJSON *value;     /* equals: the value; in: the array (owned) */
    int filled;       /* filled: true or false */
};

struct forms_field {
    char *id, *label, *help, *autocomplete;
    enum forms_type type;
    int required;
    struct forms_cond cond;
    long min_length, max_length;                 /* text, textarea */
    char *pattern, *pattern_message;             /* text */
    regex_t re;
    int has_re;
    struct forms_bound dmin, dmax;               /* date */
    int has_imin, has_imax;                      /* integer */
    long long imin, imax;
    struct forms_option *options;                /* choice, multichoice */
    size_t n_options;
    char *display;                               /* choice: radio or select */
    long min_items, max_items;                   /* multichoice, repeat */
    char *category, *commune_from;               /* place */
    struct forms_field *fields;                  /* repeat */
    size_t n_fields;
    char *item_label;                            /* repeat */
    unsigned accept;                             /* file: bits of forms_file_types */
    size_t max_size;
    long max_files;
};

struct forms_page {
    char *title;
    size_t first, n;    /* its fields in form_def.fields */
};

/* A status of the form's own (after set), or a common status given another label (after
 * NULL): docs/forms.md §1.4. */
struct forms_status {
    char *id, *label, *after;
    int final;                         /* a form's own status that ends the request (closes it) */
};

enum forms_handler { HANDLER_COMMUNE, HANDLER_SERVICE, HANDLER_CHOICE };

#define FORMS_N_NOTICE 7
#define FORMS_N_EVENTS 7    /* notification events, forms_notify_events */
extern const char *const forms_notify_events[FORMS_N_EVENTS + 1];   /* NULL-terminated */
extern const char *const forms_notice_keys[FORMS_N_NOTICE + 1];   /* NULL-terminated */

struct form_def {
    char *id, *title, *description, *category, *receipt;
    int version;
    char **keywords;
    size_t n_keywords;
    int all_communes;
    char **communes;            /* the form's communes; with all_communes, the territory's */
    size_t n_communes;
    enum forms_handler handler;
    char *handler_field;        /* commune, choice */
    char *service, *service_label;
    char *notice[FORMS_N_NOTICE];
    int retention_months;
    char *health_until;         /* "end_of_school_year" or NULL */
    char **health_fields;
    size_t n_health_fields;
    struct forms_status *statuses;
    size_t n_statuses;
    char *notify[FORMS_N_EVENTS][2];   /* `notifications`: subject, body; NULL: the default */
    struct forms_page *pages;
    size_t n_pages;
    struct forms_field *fields; /* every page's fields, in order */
    size_t n_fields;
    char *json, *summary_json;
};

struct forms_set {
    struct form_def **v;
    size_t n, cap;
};

/* The common statuses of docs/forms.md §1.4, NULL-terminated. */
extern const char *const forms_common_statuses[];

/* ---- Loading (forms_load.c, forms_fields.c) ------------------------------------------- */

/* What every step of loading one file needs. */
struct forms_ld {
    const char *file;                 /* the file's path, first in every message */
    const char *const *terr;          /* the territory's communes */
    size_t n_terr;
    struct gdir_err *err;
};

/* The fields declared before the one being read, level by level (for show_if, commune_from
 * and the uniqueness of ids). */
struct forms_scope {
    const struct forms_field *v;
    size_t n;
    const struct forms_scope *up;
};

/* Sets err to GDIR_ECONFIG "file: where.key: reason" (where or key may be "" / NULL). */
int forms_ld_fail(const struct forms_ld *c, const char *where, const char *key,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A string member, non-empty when present; *out NULL when absent and not required. */
int forms_ld_str(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                 int required, char **out);
/* An integer member in [min, max]; *out = dflt when absent and not required. */
int forms_ld_int(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                 int required, long min, long max, long dflt, long *out);
/* The member key of obj must be an array (of at least min elements when present). */
int forms_ld_array(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                   int required, int min, const cJSON **out);
/* "where.key" or "key" into out. */
void forms_ld_path(char *out, size_t cap, const char *where, const char *key);

/* Loads the definition file at path (checks of docs/forms.md §1, the file name <id>.json). */
int forms_def_load(struct form_def **out, const char *path, const char *const *communes,
                   size_t n, struct gdir_err *err);

/* Reads the field array arr (at where) into *out / *n, appending to what is there. */
int forms_ld_fields(const struct forms_ld *c, const cJSON *arr, const char *where,
                    const struct forms_scope *up, struct forms_field **out, size_t *n,
                    size_t *cap, int depth);
/* The field named id in scope s or an enclosing one, or NULL. */
const struct forms_field *forms_scope_find(const struct forms_scope *s, const char *id);
void forms_fields_free(struct forms_field *v, size_t n);

/* ---- Dates (forms_date.c) ------------------------------------------------------------- */

/* Parses exactly "YYYY-MM-DD" (a real date, years 1900..2999). Returns 1 or 0. */
int forms_date_parse(const char *s, int *y, int *m, int *d);
/* Parses a bound: a date, "today", or "today" [+-] N [ymd] (N 1..200). Returns 1 or 0. */
int forms_bound_parse(const char *s, struct forms_bound *b);
/* The bound's date for today = ty-tm-td (days clamped to the month's end). */
void forms_bound_resolve(const struct forms_bound *b, int ty, int tm, int td, int *y, int *m,
                         int *d);
/* Days since 1970-01-01 of a proleptic Gregorian date (for comparisons). */
long forms_days(int y, int m, int d);

/* forms_notify.c: reads the optional `notifications` member; frees its templates. */
int forms_ld_notifications(const struct forms_ld *c, const cJSON *root, struct form_def *f);
void forms_notify_free(struct form_def *f);

/* forms_json.c: fills f->json and f->summary_json. Returns 0 or GDIR_ENOMEM. */
int forms_build_json(struct form_def *f, struct gdir_err *err);

/* forms_load.c: frees a definition and everything it owns. NULL-safe. */
void forms_def_free(struct form_def *f);

/* Whether a string is one of the form's communes (the territory's for "all"). */
int forms_def_has_commune(const struct form_def *f, const char *insee);

/* ---- Validation (forms_validate.c, forms_values.c) ----------------------------------- */

/* One validation's state. */
struct forms_fv {
    const struct form_def *f;
    const struct forms_env *env;
    const struct forms_file *files;
    size_t n_files;
    unsigned char *claimed;            /* per file: matched to a file field */
    int ty, tm, td;                    /* today in Europe/Paris */
    struct forms_errors *errs;
    struct forms_accepted_file *acc;   /* the files accepted so far */
    size_t n_acc, cap_acc;
    struct gdir_err *err;
    char place_commune[6];             /* the commune of the handler's place field, or "" */
};

/* Appends a field error (path "" for the whole form). Returns 0 or GDIR_ENOMEM (err set). */
int forms_fv_error(struct forms_fv *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when v holds no answer: absent, null, a blank string, an empty array. */
int forms_value_empty(const cJSON *v);

/* Checks the non-empty value v of a field d that has a value (not repeat, file, section,
 * info). Returns 0 with *norm the normalised value, or 0 with *norm NULL and an error
 * appended, or a negative code (err set) on a failure that is not the resident's. */
int forms_value_check(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                      const char *path, cJSON **norm);

#endif
