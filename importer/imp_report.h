/*
 * imp_report.h — what an import tells people: per-source counters, the rejects CSV
 * (source,file,line,field,reason,value; RFC 4180), one stderr line per rejected row
 * ("file:line: field: reason"), the summary table on stdout and the JSON report.
 *
 * Rejected rows are written as they come (memory stays flat). Messages on stderr never
 * carry cell values; the rejects CSV carries the raw cell, cut to 200 bytes.
 */
#ifndef IMP_REPORT_H
#define IMP_REPORT_H

#include <sqlite3.h>
#include <stdio.h>

#include "gdir_buf.h"
#include "gdir_err.h"
#include "imp_reject.h"

/* stderr lines per source before the rest goes to the rejects CSV only. */
#define IMP_REPORT_STDERR_MAX 1000

/* Items of the warnings and merges lists copied into the JSON report (the CSVs have all). */
#define IMP_REPORT_JSON_ITEMS_MAX 1000

/* Geocoding precisions, as stored in places.geocode_precision. */
enum imp_geo_precision { IMP_GEO_HOUSENUMBER, IMP_GEO_STREET, IMP_GEO_MUNICIPALITY };
#define IMP_GEO__COUNT 3
extern const char *const imp_geo_precision_names[IMP_GEO__COUNT];

struct imp_counts {
    long read;       /* features read from the file */
    long imported;   /* rows written */
    long outside;    /* rows of non-member communes (or located outside every member) */
    long filtered;   /* rows the profile's filter leaves out (e.g. COG TYPECOM != COM) */
    long rejected;   /* rows with a problem, each in the rejects CSV */
    long by_reason[IMP_R__COUNT];
    long geocoded[IMP_GEO__COUNT]; /* places placed by geocoding, by precision reached */
    long warnings;   /* records flagged in the warnings report (e.g. outside their commune) */
    double seconds;
};

/* The outcome of one configured source. */
struct imp_source_result {
    const char *name, *profile, *kind, *file; /* borrowed */
    int done;                   /* 1 when the source was imported */
    int kept;                   /* refresh: its records were copied from the current database
                                   (counts are those of the import that read it) */
    int failed;                 /* 1 when the source failed (error holds why) */
    char error[GDIR_ERR_MSG_MAX];
    char guard[256];            /* why the guard (imp_guard.h) objected, "" when it did not */
    int guard_accepted;         /* ... and --accept-shrink accepted it (else failed is set) */
    struct imp_counts c;
};

struct imp_report {
    FILE *rejects;      /* the rejects CSV, open during the import */
    const char *rejects_path; /* borrowed */
    int quiet;          /* no per-row stderr lines */
    long stderr_lines;  /* of the current source */
    long stderr_hidden; /* of the current source */
};

/* Creates (truncates) the rejects CSV and writes its header. */
int imp_report_open(struct imp_report *r, const char *rejects_path, int quiet,
                    struct gdir_err *err);

/* Resets the per-source stderr budget. */
void imp_report_source_begin(struct imp_report *r);

/* Says how many stderr lines were held back for the source just finished. */
void imp_report_source_end(struct imp_report *r, const char *file);

/* Records one rejected row: a CSV row and (budget permitting) a stderr line. loc is the
 * line number, or the feature number when by_feature is set (0: unknown). */
int imp_report_reject(struct imp_report *r, const char *source, const char *file, long loc,
                      int by_feature, const struct imp_reject *rej, struct gdir_err *err);

/* Flushes and closes the rejects CSV. */
int imp_report_close(struct imp_report *r, struct gdir_err *err);

/* What the run did after reading the sources: merging, warnings, overrides. Filled by
 * imp_report_tables (lists) and the caller (counts). */
struct imp_report_extra {
    const char *mode;            /* "full" or "refresh" */
    const char *const *refreshed; /* refresh: the sources re-read (NULL-terminated), or NULL */
    long places_before;          /* records of places sources */
    long places_after;           /* published places (after merging and overrides) */
    long merge_groups, merged;   /* places made of several records, records merged away */
    long merge_by_rule[2];       /* merged records by rule: [0] name, [1] ref */
    long warnings;               /* rows of import_warnings */
    long warnings_outside;       /* ... of kind outside_commune */
    long warnings_replaced;      /* ... of kind point_replaced */
    long warnings_overrides;     /* ... of kind override_not_found */
    const char *warnings_path, *merges_path; /* CSVs written, or NULL */
    const char *overrides;       /* the overrides file, or NULL */
    long ovr_added, ovr_fixed, ovr_hidden, ovr_not_found;
    struct gdir_buf warnings_json, merges_json; /* JSON arrays of the first items */
    int tables_done;             /* imp_report_tables ran */
};

void imp_report_extra_init(struct imp_report_extra *x);
void imp_report_extra_free(struct imp_report_extra *x);

/* Writes the warnings CSV and the merges CSV from the new database's import_warnings and
 * place_merges tables (RFC 4180, CRLF), and fills x's counts and JSON item lists. */
int imp_report_tables(sqlite3 *db, const char *warnings_path, const char *merges_path,
                      struct imp_report_extra *x, struct gdir_err *err);

/* The summary table (config order), total line, and the lines about geocoding, merging,
 * warnings and overrides (x may be NULL). */
void imp_report_print(FILE *out, const struct imp_source_result *res, size_t n,
                      const struct imp_report_extra *x, double total_seconds, const char *db,
                      int ok);

/* Everything the JSON report says besides the sources. */
struct imp_report_info {
    int ok;
    const char *error;      /* why the run failed, or NULL */
    const char *config, *db, *rejects;
    const char *started_at;
    double seconds;
    const struct imp_report_extra *extra; /* may be NULL */
};

/* Writes the JSON report to path. */
int imp_report_write_json(const char *path, const struct imp_report_info *info,
                          const struct imp_source_result *res, size_t n, struct gdir_err *err);

#endif
