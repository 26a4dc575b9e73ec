/*
 * imp_reject.h — why a row was rejected: one table of reasons (X-macro) and the struct that
 * carries one rejected row's details from the reading and checking code to the report.
 *
 * Reason codes are stable machine names (they key the per-source counts of the JSON report);
 * the message says what is wrong in words. Messages never contain the cell's value: the value
 * travels separately and is written only to the rejects CSV (truncated), never to logs.
 */
#ifndef IMP_REJECT_H
#define IMP_REJECT_H

/*   X(ENUM, "code") */
#define IMP_REASONS(X)                                                                             \
    X(IMP_R_MALFORMED, "malformed_line")                                                           \
    X(IMP_R_READ, "read_error")                                                                    \
    X(IMP_R_UTF8, "invalid_utf8")                                                                  \
    X(IMP_R_TOO_LONG, "too_long")                                                                  \
    X(IMP_R_MISSING_VALUE, "missing_value")                                                        \
    X(IMP_R_INVALID_VALUE, "invalid_value")                                                        \
    X(IMP_R_MISSING_COORDS, "missing_coordinates")                                                 \
    X(IMP_R_INVALID_COORDS, "invalid_coordinates")                                                 \
    X(IMP_R_OUTSIDE_FRANCE, "outside_france")                                                      \
    X(IMP_R_INVALID_GEOMETRY, "invalid_geometry")                                                  \
    X(IMP_R_UNKNOWN_CATEGORY, "unknown_category")                                                  \
    X(IMP_R_NO_COMMUNE, "no_commune")                                                              \
    X(IMP_R_DUPLICATE, "duplicate_id")                                                             \
    X(IMP_R_GEOCODE, "geocoding_failed")

enum imp_reason {
#define IMP_REASON_ENUM(e, code) e,
    IMP_REASONS(IMP_REASON_ENUM)
#undef IMP_REASON_ENUM
    IMP_R__COUNT
};

#define IMP_REJECT_FIELD_MAX 128
#define IMP_REJECT_MSG_MAX 256

struct imp_reject {
    enum imp_reason reason;
    char field[IMP_REJECT_FIELD_MAX]; /* the source field at fault, or "line" / "geometry" */
    char msg[IMP_REJECT_MSG_MAX];     /* what is wrong, without the value */
    const char *value;                /* the raw cell (borrowed), or NULL */
};

/* The machine name of a reason ("duplicate_id"). */
const char *imp_reason_code(enum imp_reason reason);

/* Fills r. field and value are copied / borrowed respectively; value may be NULL. */
void imp_reject_set(struct imp_reject *r, enum imp_reason reason, const char *field,
                    const char *value, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
