/*
 * imp_record.h — one feature in, one decision out: keep (with a normalised record), filtered,
 * outside the territory, or rejected (with a reason). No I/O: the only outside call is the
 * optional point-in-polygon lookup the caller provides.
 *
 * The checks, in order (a row is judged only as far as it matters):
 *   1. the record is well formed (CSV line, GDAL read)                 -> else rejected
 *   2. the profile's filter passes                                     -> else filtered
 *   3. its commune (INSEE field) is a member commune                   -> else outside
 *      (communes, boundaries and addresses must have an INSEE code)
 *   4. every field read is valid UTF-8                                 -> else rejected
 *   5. the geometry is present, parsable, of the right type, in France -> else rejected,
 *      except a place that has an address: it is kept without a point (has_point = 0) and
 *      the caller geocodes it
 *   6. a place with no INSEE code and a point lies in a member commune's boundary
 *                                                                      -> else outside
 *   7. required fields are present, values fit their limits, the category is known
 * Text is whitespace-squashed; the name gets its folded key (gdir_text_fold); `wheelchair`
 * keeps only yes / limited / no (any case), `refs` only well-formed "scheme:value" tokens
 * (scheme lower-cased, duplicates dropped).
 */
#ifndef IMP_RECORD_H
#define IMP_RECORD_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_config.h"
#include "imp_profile.h"
#include "imp_reject.h"
#include "imp_source.h"

/* The member communes, sorted for binary search. */
struct imp_members {
    const char **codes;  /* borrowed strings of the territory, sorted; array owned */
    size_t n;
};

/* Builds the index of t's communes (t must outlive it). Returns 0 or GDIR_ENOMEM. */
int imp_members_init(struct imp_members *m, const struct gdir_territory *t);
void imp_members_free(struct imp_members *m);

/* Position of insee in the sorted member list, or -1 when it is not a member. */
long imp_members_find(const struct imp_members *m, const char *insee);

/* Returns 1 when s holds only the characters of identifiers (source ids, place ids):
 * A-Z a-z 0-9 and . _ ~ : @ + - ("" passes; the caller checks the length). */
int imp_id_chars_ok(const char *s);

/* Point-in-polygon lookup against the imported boundaries: writes the INSEE code of the
 * commune containing (lon, lat) into insee and returns 1, returns 0 when none contains it,
 * or a negative code with err filled. */
typedef int imp_locate_fn(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err);

enum imp_outcome { IMP_KEEP, IMP_FILTERED, IMP_OUTSIDE, IMP_REJECT };

/* A normalised record. Pointers are borrowed from the normaliser until its next call. */
struct imp_record {
    const char *text[IMP_T__COUNT]; /* squashed values, NULL when not mapped or empty */
    const char *name_key;           /* gdir_text_fold(name) */
    const char *category;           /* places: a taxonomy code */
    long population;                /* communes, when has_population */
    int has_population;
    long member;                    /* index of the commune in imp_members, -1 when not
                                       known yet (a place to geocode without INSEE code) */
    int has_point;                  /* places, addresses: lon/lat hold the source's point */
    int located;                    /* places: the INSEE code comes from the boundaries */
    int has_point_problem;          /* places kept without a point: why the source's point was
                                       not usable (point_problem), when it had one */
    struct imp_reject point_problem;
    double lon, lat;                /* places, addresses */
    const unsigned char *wkb;       /* boundaries: MultiPolygon WKB */
    size_t wkb_len;
};

struct imp_normalizer {
    const struct imp_profile *p;      /* borrowed */
    const struct imp_members *members; /* borrowed */
    imp_locate_fn *locate;            /* NULL: places without INSEE code are rejected */
    void *locate_ctx;
    int have_boundaries;              /* boundaries were imported (else no_commune rejects) */
    char geom_label[IMP_REJECT_FIELD_MAX]; /* field named in geometry rejects */
    struct gdir_buf out[IMP_T__COUNT];
    struct gdir_buf key, tmp;
    char located[8];
    char coords[64];                  /* coordinates quoted in an outside-France reject */
};

/* Prepares n for profile p. Never fails; call imp_normalizer_free after use. */
void imp_normalizer_init(struct imp_normalizer *n, const struct imp_profile *p,
                         const struct imp_members *members);
void imp_normalizer_free(struct imp_normalizer *n);

/* Judges feature f. Returns an imp_outcome (r filled for IMP_KEEP, rej for IMP_REJECT), or a
 * negative code with err filled when the lookup failed (fatal). */
int imp_normalize(struct imp_normalizer *n, const struct imp_feature *f, struct imp_record *r,
                  struct imp_reject *rej, struct gdir_err *err);

#endif
