/*
 * imp_guard.h — the per-source guard of geodir-import (issue 10 D5): a run that would publish
 * a source cut in half, or read in the wrong encoding, fails instead of swapping it in.
 *
 * A re-read source is refused when
 *   - its reject share, rejected / (imported + rejected), is above max_rejected_percent
 *     (rows filtered out or outside the territory do not count), or
 *   - the served database holds more rows of it (sources.rows_imported) and the run imports
 *     more than max_shrink_percent fewer: (served - imported) / served.
 * Limits come from the configuration (gdir_guard_cfg). A first import (no served database)
 * or a source new to the served database has only the first check. Sources a refresh copies
 * are not judged (their rows are the served ones).
 */
#ifndef IMP_GUARD_H
#define IMP_GUARD_H

#include <stddef.h>

#include "gdir_config.h"
#include "gdir_err.h"

/* Judges one source (pure). served: rows the served database has imported of it, or -1 when
 * it has none (no database, or a new source). Returns 1 when refused, with why filled
 * ("24 of 49 rows rejected (49.0 %, more than guard.max_rejected_percent = 10 %)"), else 0. */
int imp_guard_judge(const struct gdir_guard_cfg *lim, long imported, long rejected, long served,
                    char *why, size_t cap);

/* The served database at db_path, opened read-only to read its sources' counts. */
struct imp_guard_served;

/* Opens db_path read-only if it exists (*out NULL when it does not: a first import). Returns
 * 0, or GDIR_EDB when the file is there but cannot be read as a geodir database. */
int imp_guard_served_open(struct imp_guard_served **out, const char *db_path,
                          struct gdir_err *err);

/* Rows the served database imported of source (sources.rows_imported), or -1 when it has no
 * such source or g is NULL. */
long imp_guard_served_rows(struct imp_guard_served *g, const char *source);

void imp_guard_served_close(struct imp_guard_served *g);   /* NULL-safe */

#endif
