/*
 * imp_merge.h — merging one place seen in several sources (OSM + FINESS + service-public…)
 * into one published record, conservatively.
 *
 * Runs on the new database after imp_writer_index: places holds one row per source record
 * and its R*Tree is built. Candidates come from that R*Tree, in SQL,
 * in batches of records (the text of all places is never in memory at once):
 *   - two records of DIFFERENT sources, at most IMP_MERGE_NEAR_M apart, that do not carry
 *     different ids of the same scheme in `refs` (finess:1 vs finess:2 never merge);
 *   - rule "ref": they share an external id (same "scheme:value" in refs);
 *   - rule "name": same top-level category and similar names: the Dice coefficient of their
 *     distinctive name tokens (folded name, articles dropped, st/ste → saint, words of the
 *     commune's name dropped) is at least IMP_MERGE_SIM_MIN. Equal token sets may be up to
 *     IMP_MERGE_NEAR_M apart, merely similar ones IMP_MERGE_CLOSE_M. A generic name (one
 *     distinctive token or none: "Pharmacie", "Mairie") counts as merely similar, except for
 *     town halls of the same commune (one per commune).
 * For each record only the best accepted pair towards each other source is kept (a place
 * holds one record per source), which bounds memory by records x sources whatever the
 * density. Accepted pairs are applied best first (ref before name, higher similarity, shorter
 * distance); a pair is skipped when it would put two records of one source in a group, two
 * different ids of one scheme, or two records more than IMP_MERGE_NEAR_M apart. So two
 * pharmacies of one source are never merged, whatever their names and distance.
 *
 * Each group becomes one place: the row of its highest-priority record (the "primary") stays,
 * with that record's id, source and source_id (source_ids lists every record's id); every field takes the first non-empty value in
 * source priority order; the position is the highest-priority source point (a geocoded
 * position only when no member has one, the most precise first). The licence is ODbL-1.0 when
 * any chosen field (or the position) comes from an ODbL source, else the primary's; the
 * `field_sources` column names each field's source. Every member's record is first kept in
 * place_sources (linked to the kept place), the other members' places rows are deleted, and
 * place_merges gets one row per merged record.
 *
 * Source priority: every non-ODbL source before every ODbL one, configuration order within
 * each group (see importer/README.md, "Merging").
 */
#ifndef IMP_MERGE_H
#define IMP_MERGE_H

#include <sqlite3.h>
#include <stddef.h>

#include "gdir_err.h"

#define IMP_MERGE_NEAR_M 150.0   /* farthest apart two records of one place may be */
#define IMP_MERGE_CLOSE_M 30.0   /* ... when their names are only similar */
#define IMP_MERGE_SIM_MIN 0.8    /* least name similarity (Dice on distinctive tokens) */

/* A places source, in priority order (index 0 = highest priority). */
struct imp_merge_source {
    const char *name;     /* borrowed */
    int odbl;             /* its licence is ODbL-1.0 */
    int has_rows;         /* it has records in places (merging needs two such sources) */
};

struct imp_merge_stats {
    long candidates;      /* pairs of records of different sources close enough */
    long accepted;        /* pairs that passed a rule */
    long groups;          /* places made of several records */
    long merged;          /* records merged into another one's place */
};

/* Merges the places of db (see the banner). src lists the places sources in priority order;
 * records of a source not listed rank last. Returns 0 or a negative code with err filled. */
int imp_merge_run(sqlite3 *db, const struct imp_merge_source *src, size_t n_src,
                  struct imp_merge_stats *stats, struct gdir_err *err);

/* Token similarity of two folded names (Dice coefficient of their distinctive tokens, see the
 * banner), with commune_key (a folded commune name, may be NULL) words dropped; *generic
 * receives 1 when either name has at most one distinctive token. Exposed for tests. */
double imp_merge_similarity(const char *a, const char *b, const char *commune_key, int *generic);

#endif
