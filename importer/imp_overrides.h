/*
 * imp_overrides.h — the territory's local corrections: one JSON file named by the
 * configuration's `overrides` key, applied to places after merging, at every import (full or
 * refresh), so that they survive every refresh of the sources.
 *
 *   {
 *     "description": "free text",
 *     "add":  [{"id": "salle-2", "name": "Salle polyvalente", "category": "culture-venue",
 *               "lat": 48.97, "lon": 5.22, "insee": "55040", "address": "…", "postcode": "…",
 *               "phone": "…", "email": "…", "website": "…", "opening_hours": "…",
 *               "description": "…", "wheelchair": "yes"}],
 *     "fix":  [{"id": "service-public:mairie-55532-01", "opening_hours": "Mo 09:00-12:00",
 *               "phone": null, "reason": "…"}],
 *     "hide": [{"id": "laposte:09953A", "reason": "fermé en 2025"}]
 *   }
 *
 * Any entry may carry "validated": {"by": "<agent login>", "commune": "<INSEE>" | "cc",
 * "at": "YYYY-MM-DDTHH:MM:SSZ", "request": <id>} when it comes from a resident's contribution
 * accepted in the back office (docs/backoffice.md §7): an added or fixed place then records
 * the commune and the date (places.validated_by, validated_on; never the agent).
 *
 * - add: a new place, id "overrides:<id>", source "overrides", the territory's licence; id,
 *   name, category, lat, lon and insee (a member commune) are required.
 * - fix: sets fields of a published place (null clears a field; lat and lon go together and
 *   move the point). The place is found by its id, or by the id of any record merged into it.
 *   field_sources records "overrides" for each field set.
 * - hide: removes a place from the directory (found the same way); its records stay in
 *   place_sources with place_fid NULL.
 * Applied in that order: adds, fixes, hides (a fix or a hide may aim at an added place).
 * Before a place is fixed or hidden, its record as read is kept in place_sources (merged
 * places' records are there already), so that place_records and refreshes see the sources'
 * values, never the corrected ones.
 * Every key is checked when the file is loaded (before anything is written); an id that no
 * longer exists is not an error: it is reported (warning "override_not_found").
 */
#ifndef IMP_OVERRIDES_H
#define IMP_OVERRIDES_H

#include <sqlite3.h>

#include "gdir_err.h"
#include "imp_record.h"

/* The source name of added places and of fixed fields (reserved: no configured source may
 * use it). */
#define IMP_OVERRIDES_SOURCE "overrides"

struct imp_overrides;

/* Reads and validates path; members are the territory's communes (for add.insee). Returns 0,
 * or GDIR_ECONFIG / GDIR_EIO / GDIR_ENOMEM with err naming the file and the JSON path. */
int imp_overrides_load(struct imp_overrides **out, const char *path,
                       const struct imp_members *members, struct gdir_err *err);

void imp_overrides_free(struct imp_overrides *o);

/* Number of entries (add + fix + hide). */
long imp_overrides_count(const struct imp_overrides *o);

struct imp_overrides_stats {
    long added, fixed, hidden;  /* entries applied */
    long not_found;             /* fix / hide entries whose id is not in the database */
};

/* What apply needs besides the database. */
struct imp_overrides_ctx {
    const char *licence;        /* the territory's default licence */
    const char *date;           /* source_date of added places */
    const char *file;           /* for warnings */
};

/* Applies o to places (see the banner), in one transaction. The "overrides" sources row must
 * exist. Ids not found are written to import_warnings. Returns 0 or a negative code. */
int imp_overrides_apply(const struct imp_overrides *o, sqlite3 *db,
                        const struct imp_overrides_ctx *ctx, struct imp_overrides_stats *stats,
                        struct gdir_err *err);

/* Records in the database's meta ('overrides_applied') the entries of o, as applied (call
 * after imp_overrides_apply, in the database being built). */
int imp_overrides_record(const struct imp_overrides *o, sqlite3 *db, struct gdir_err *err);

/* --refresh-overrides: when the entries of o are those recorded in applied (the meta text of
 * imp_overrides_record; NULL: none were applied) followed by new ones (appended at the end of
 * add, fix or hide, nothing else changed), returns 1 with *delta holding only the new
 * entries (possibly none); 0 when the file changed otherwise (an entry edited or removed: the
 * places must be built again from the records); or GDIR_ENOMEM. */
int imp_overrides_delta(const struct imp_overrides *o, const char *applied,
                        struct imp_overrides **delta, struct gdir_err *err);

#endif
