/*
 * imp_run.c — the import pipeline (see imp_run.h): configuration and profiles, a check of
 * every source before anything is written, then each source streamed through
 * imp_source -> imp_normalize -> imp_writer, with every row counted and every reject
 * reported, and finally the atomic swap and the reports.
 */
#include "imp_run.h"
#include "imp_case.h"
#include "gdir_config.h"
#include "gdir_fs.h"
#include "gdir_log.h"
#include "imp_exports.h"
#include "imp_geocode.h"
#include "imp_guard.h"
#include "imp_hook.h"
#include "imp_lock.h"
#include "imp_merge.h"
#include "imp_outfiles.h"
#include "imp_overrides.h"
#include "imp_ovr_refresh.h"
#include "imp_profile.h"
#include "imp_progress.h"
#include "imp_record.h"
#include "imp_report.h"
#include "imp_source.h"
#include "imp_territory.h"
#include "imp_writer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef GDIR_VERSION
#define GDIR_VERSION "0.0.0"
#endif
#ifndef GDIR_PROFILES_NEAR_EXE
#define GDIR_PROFILES_NEAR_EXE "../share/geodir/profiles"
#endif
#ifndef GDIR_PROFILES_INSTALL_DIR
#define GDIR_PROFILES_INSTALL_DIR "/usr/local/share/geodir/profiles"
#endif

struct run {
    const struct imp_options *o;
    struct gdir_territory t;
    int t_loaded;
    struct imp_members members;
    const char *profiles_dir;
    struct imp_profile *profiles;   /* one per configured source */
    struct imp_source_result *res;  /* one per configured source, config order */
    unsigned char *keep;            /* refresh: 1 when source i is copied, not re-read */
    int refresh;                    /* --source or --refresh-overrides: sources are kept */
    struct imp_writer w;
    int w_open;
    struct imp_report rep;
    struct imp_report_extra extra;
    struct imp_progress progress;
    struct imp_overrides *overrides;
    struct imp_territory *territory; /* boundaries of the new database, for the check */
    struct imp_case_names *names;    /* the communes' official names ('proper_case') */
    struct imp_geocode geocode;
    struct imp_exports exports;     /* the full exports of this build */
    struct imp_lock lock;           /* "<db>.lock", unless the caller holds it */
    struct imp_outfiles out;        /* the reports: staged, then final or failed names */
    char started_at[32];
    char today[16];
    double t0;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *imp_profiles_dir(const char *option)
{
#ifdef GDIR_PROFILES_SRC_DIR
    const char *src = GDIR_PROFILES_SRC_DIR;
#else
    const char *src = NULL;
#endif
    static char near[PATH_MAX];   /* main thread only; every call writes the same path */
    if (option)
        return option;
    return gdir_locate("GEODIR_PROFILES", GDIR_PROFILES_NEAR_EXE, src, GDIR_PROFILES_INSTALL_DIR,
                       1, near, sizeof near);
}

/* The source's path relative to the data folder, as stored in the sources table. */
static const char *relative_file(const struct run *r, const char *path)
{
    size_t n = strlen(r->t.data_dir);
    if (strncmp(path, r->t.data_dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static const char *resolve(const struct run *r, const char *v, int licence)
{
    if (v && strcmp(v, "@territory") == 0)
        return licence ? r->t.default_licence : r->t.name;
    return v;
}

/* The provenance of source i: the configuration's override when given, else the profile's. */
static const char *source_licence(const struct run *r, size_t i)
{
    const char *v = r->t.sources[i].licence;
    return v ? v : resolve(r, r->profiles[i].licence, 1);
}

static const char *source_publisher(const struct run *r, size_t i)
{
    const char *v = r->t.sources[i].publisher;
    return v ? v : resolve(r, r->profiles[i].publisher, 0);
}

static void fatal(const char *msg)
{
    fprintf(stderr, "geodir-import: %s\n", msg);
}

/* Loads the profiles of all sources; exit status 2 on the first problem. */
static int load_profiles(struct run *r)
{
    struct gdir_err err;
    gdir_err_clear(&err);
    for (size_t i = 0; i < r->t.n_sources; i++) {
        const struct gdir_source_cfg *s = &r->t.sources[i];
        if (strcmp(s->name, IMP_OVERRIDES_SOURCE) == 0) {
            fatal("source name 'overrides' is reserved for the local corrections file");
            return IMP_EXIT_USAGE;
        }
        if (imp_profile_load(&r->profiles[i], r->profiles_dir, s->profile, &err)) {
            char msg[GDIR_ERR_MSG_MAX + 64];
            snprintf(msg, sizeof msg, "source %s: %s", s->name, err.msg);
            fatal(msg);
            return IMP_EXIT_USAGE;
        }
        r->res[i].kind = imp_kind_name(r->profiles[i].kind);
        const char *lic = source_licence(r, i);
        if (!gdir_licence_known(lic)) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "source %s: profile %s: unknown licence '%.60s' (known: etalab-2.0, "
                     "ODbL-1.0, CC-BY-4.0, CC0-1.0)", s->name, s->profile, lic);
            fatal(msg);
            return IMP_EXIT_USAGE;
        }
    }
    return IMP_EXIT_OK;
}

/* Opens every source once, before writing anything: a missing file or a mapping that names
 * an unknown field fails the run early, with every such problem listed. */
static int check_sources(struct run *r)
{
    int failed = 0;
    for (size_t i = 0; i < r->t.n_sources; i++) {
        struct imp_source *src = NULL;
        struct gdir_err err;
        if (r->keep[i])
            continue;
        gdir_err_clear(&err);
        if (imp_source_open(&src, r->t.sources[i].path, &r->profiles[i], &err)) {
            fatal(err.msg);
            r->res[i].failed = 1;
            snprintf(r->res[i].error, sizeof r->res[i].error, "%s", err.msg);
            failed = 1;
        }
        imp_source_close(src);
    }
    return failed ? IMP_EXIT_FAILED : IMP_EXIT_OK;
}

/* Handles one rejected row. */
static int reject(struct run *r, struct imp_source_result *res, const char *path,
                  const struct imp_feature *f, const struct imp_reject *rej, struct gdir_err *err)
{
    res->c.rejected++;
    res->c.by_reason[rej->reason]++;
    return imp_report_reject(&r->rep, res->name, path, f->line, f->by_feature, rej, err);
}

/* A place whose point lies outside its declared commune: flagged, not rejected. */
static int check_commune(struct run *r, size_t i, const struct imp_feature *f,
                         const struct imp_record *rec, const char *id, struct gdir_err *err)
{
    double dist = 0;
    char line[32], msg[160];
    const char *insee = rec->text[IMP_T_INSEE];
    if (rec->located || !insee ||
        imp_territory_check(r->territory, insee, rec->lon, rec->lat, &dist) != IMP_WHERE_OUTSIDE)
        return GDIR_OK;
    snprintf(line, sizeof line, f->by_feature ? "feature %ld" : "%ld", f->line);
    snprintf(msg, sizeof msg, "point hors de sa commune déclarée (%s), à %.0f m de celle-ci",
             insee, dist);
    struct imp_warning wr = {r->t.sources[i].name, id, "outside_commune", insee, 1, dist, 1,
                             rec->lat, rec->lon, r->t.sources[i].path, line, msg};
    r->res[i].c.warnings++;
    return imp_writer_warning(&r->w, &wr, err);
}

/* The point of a place without one: geocoded, or the row is rejected (returns IMP_REJECT with
 * rej filled) or outside the territory (IMP_OUTSIDE). insee receives the commune found for a
 * record that named none. */
static int place_by_address(struct run *r, size_t i, struct imp_record *rec,
                            struct imp_reject *rej, struct imp_geocoded *g, char insee[8],
                            struct gdir_err *err)
{
    const struct imp_profile *p = &r->profiles[i];
    struct imp_geocode_hit hit;
    int rc = imp_geocode_record(&r->geocode, rec, &hit, err);

    if (rc < 0)
        return rc;
    if (rc == 0) {
        enum imp_target t = rec->text[IMP_T_ADDRESS] ? IMP_T_ADDRESS : IMP_T_STREET;
        const struct imp_fieldmap *m = &p->fields[t];
        const char *field = imp_target_names[t];
        for (size_t k = 0; k < m->n_pieces; k++)
            if (!m->pieces[k].literal) {
                field = p->slots[m->pieces[k].slot];
                break;
            }
        imp_reject_set(rej, IMP_R_GEOCODE, field, rec->text[t],
                       "geocoding failed: no address or commune found for this record");
        return IMP_REJECT;
    }
    if (rec->member < 0) {
        rec->member = imp_members_find(&r->members, hit.citycode);
        if (rec->member < 0)
            return IMP_OUTSIDE;
        snprintf(insee, 8, "%s", hit.citycode);
        rec->text[IMP_T_INSEE] = insee;
    }
    rec->lon = hit.lon;
    rec->lat = hit.lat;
    g->precision = imp_geo_precision_names[hit.precision];
    g->score = hit.score;
    r->res[i].c.geocoded[hit.precision]++;
    return IMP_KEEP;
}

/* A geocoded place whose source point was there but unusable: say so. */
static int note_replaced_point(struct run *r, size_t i, const struct imp_feature *f,
                               const struct imp_record *rec, const struct imp_geocoded *g,
                               const char *id, struct gdir_err *err)
{
    char line[32], msg[IMP_REJECT_FIELD_MAX + IMP_REJECT_MSG_MAX + 96];
    if (!rec->has_point_problem || rec->point_problem.reason == IMP_R_MISSING_COORDS)
        return GDIR_OK;
    snprintf(line, sizeof line, f->by_feature ? "feature %ld" : "%ld", f->line);
    snprintf(msg, sizeof msg, "coordonnées inutilisables (%s : %s), point géocodé à la "
             "précision « %s »", rec->point_problem.field, rec->point_problem.msg, g->precision);
    struct imp_warning wr = {r->t.sources[i].name, id, "point_replaced", rec->text[IMP_T_INSEE],
                             0, 0, 1, rec->lat, rec->lon, r->t.sources[i].path, line, msg};
    r->res[i].c.warnings++;
    return imp_writer_warning(&r->w, &wr, err);
}

/* Writes one kept record of source i to the table of its kind. Returns what the imp_writer_*
 * function returns (IMP_WRITE_DUPLICATE included). */
static int write_record(struct run *r, size_t i, const struct imp_place_ctx *pctx,
                        const struct imp_record *rec, const struct imp_geocoded *geo,
                        struct gdir_err *err)
{
    const struct gdir_source_cfg *cfg = &r->t.sources[i];
    const struct imp_profile *p = &r->profiles[i];
    const char *licence = source_licence(r, i);

    if (p->kind == IMP_KIND_COMMUNES)
        return imp_writer_commune(&r->w, rec, err);
    if (p->kind == IMP_KIND_BOUNDARIES)
        return imp_writer_boundary(&r->w, cfg->name, licence, rec, err);
    if (p->kind == IMP_KIND_ADDRESSES)
        return imp_writer_address(&r->w, cfg->name, licence, rec, err);
    return imp_writer_place(&r->w, pctx, rec, geo, err);
}

/* The reject of a record whose id (or commune) an earlier row of the file had. */
static void duplicate_reject(const struct imp_profile *p, const struct imp_record *rec,
                             struct imp_reject *rej)
{
    enum imp_target t = p->kind == IMP_KIND_PLACES || p->kind == IMP_KIND_ADDRESSES
                            ? IMP_T_SOURCE_ID
                            : IMP_T_INSEE;
    const struct imp_fieldmap *m = &p->fields[t];
    imp_reject_set(rej, IMP_R_DUPLICATE, m->is_template ? imp_target_names[t]
                                                        : p->slots[m->pieces[0].slot],
                   rec->text[t], "duplicate id: an earlier row of this file has it");
}

/* After a place record of source i was written: the values its clean-ups rewrote, kept as
 * the source wrote them, and its point checked (or its geocoding noted). */
static int place_written(struct run *r, size_t i, const struct imp_feature *f,
                         const struct imp_record *rec, const struct imp_geocoded *geo,
                         struct gdir_err *err)
{
    const char *source = r->t.sources[i].name;
    char id[300];
    int rc;

    snprintf(id, sizeof id, "%s:%s", source, rec->text[IMP_T_SOURCE_ID]);
    for (size_t k = 0; k < f->n_raw; k++)
        if ((rc = imp_writer_raw(&r->w, id, source, f->raw_fields[k], f->raw_values[k], err)))
            return rc;
    return geo->precision ? note_replaced_point(r, i, f, rec, geo, id, err)
                          : check_commune(r, i, f, rec, id, err);
}

/* Imports source i. Returns 0 or a negative code with err filled (fatal for the run). */
static int import_source(struct run *r, size_t i, struct gdir_err *err)
{
    const struct gdir_source_cfg *cfg = &r->t.sources[i];
    const struct imp_profile *p = &r->profiles[i];
    struct imp_source_result *res = &r->res[i];
    const char *licence = source_licence(r, i);
    struct imp_source *src = NULL;
    struct imp_normalizer norm;
    struct imp_place_ctx pctx = {cfg->name, licence, cfg->data_date ? cfg->data_date : r->today};
    struct imp_source_meta meta = {cfg->name, p->name, cfg->title ? cfg->title : p->title,
                                   source_publisher(r, i), licence, cfg->url ? cfg->url : p->url,
                                   relative_file(r, cfg->path), cfg->data_date};
    unsigned char *seen = NULL;   /* communes and boundaries: member already written */
    double t0 = now_s();
    int rc;

    imp_normalizer_init(&norm, p, &r->members);
    norm.locate = imp_writer_locate;
    norm.locate_ctx = &r->w;
    if (imp_territory_size(r->territory)) {   /* boundaries in memory: no query per row */
        norm.locate = imp_territory_locate;
        norm.locate_ctx = r->territory;
    }
    norm.have_boundaries = r->w.boundaries > 0;
    imp_report_source_begin(&r->rep);
    imp_progress_begin(&r->progress, cfg->name, cfg->path);
    if ((rc = imp_source_open(&src, cfg->path, p, err)) ||
        (rc = imp_writer_source(&r->w, &meta, err)))
        goto out;
    imp_source_set_names(src, r->names);
    if (!(seen = calloc(r->members.n + 1, 1))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        struct imp_feature f;
        struct imp_record rec;
        struct imp_reject rej;
        struct imp_geocoded geo = {NULL, 0};
        char found_insee[8];

        if (r->o->stop && *r->o->stop) {
            rc = gdir_err_set(err, GDIR_EIO, "interrupted");
            goto out;
        }
        rc = imp_source_next(src, &f, err);
        if (rc <= 0)
            break;
        res->c.read++;
        imp_progress_row(&r->progress);
        rc = imp_normalize(&norm, &f, &rec, &rej, err);
        if (rc == IMP_KEEP && p->kind == IMP_KIND_PLACES && !rec.has_point)
            rc = place_by_address(r, i, &rec, &rej, &geo, found_insee, err);
        if (rc < 0)
            goto out;
        if (rc == IMP_FILTERED) {
            res->c.filtered++;
            continue;
        }
        if (rc == IMP_OUTSIDE) {
            res->c.outside++;
            continue;
        }
        if (rc == IMP_REJECT) {
            if ((rc = reject(r, res, cfg->path, &f, &rej, err)))
                goto out;
            continue;
        }
        if ((p->kind == IMP_KIND_COMMUNES || p->kind == IMP_KIND_BOUNDARIES) && seen[rec.member])
            rc = IMP_WRITE_DUPLICATE;
        else
            rc = write_record(r, i, &pctx, &rec, &geo, err);
        if (rc < 0)
            goto out;
        if (rc == IMP_WRITE_DUPLICATE) {
            duplicate_reject(p, &rec, &rej);
            if ((rc = reject(r, res, cfg->path, &f, &rej, err)))
                goto out;
            continue;
        }
        if (p->kind == IMP_KIND_PLACES && (rc = place_written(r, i, &f, &rec, &geo, err)))
            goto out;
        if (p->kind == IMP_KIND_COMMUNES || p->kind == IMP_KIND_BOUNDARIES)
            seen[rec.member] = 1;
        res->c.imported++;
    }
    if (rc < 0)
        goto out;
    rc = imp_writer_source_counts(&r->w, cfg->name, res->c.read, res->c.imported,
                                  res->c.rejected, err);
out:
    imp_progress_end(&r->progress);
    res->c.seconds = now_s() - t0;
    imp_report_source_end(&r->rep, cfg->path);
    if (rc < 0) {
        res->failed = 1;
        snprintf(res->error, sizeof res->error, "%s", err->msg);
    } else {
        res->done = 1;
        if (res->c.imported == 0)
            gdir_log(GDIR_LOG_WARN, "import", "source=%s msg=\"no row imported\" read=%ld",
                     cfg->name, res->c.read);
    }
    free(seen);
    imp_normalizer_free(&norm);
    imp_source_close(src);
    return rc < 0 ? rc : GDIR_OK;
}

/* Refresh: source i is not re-read; its sources row and records come from the current
 * database. */
static int keep_source(struct run *r, size_t i, struct gdir_err *err)
{
    struct imp_source_result *res = &r->res[i];
    long rows = 0;
    int rc = imp_writer_copy_source(&r->w, r->t.sources[i].name, &rows, err);
    if (rc == GDIR_OK)
        rc = imp_writer_source_row(&r->w, r->t.sources[i].name, &res->c.read, &res->c.imported,
                                   &res->c.rejected, &res->c.warnings, err);
    if (rc) {
        res->failed = 1;
        snprintf(res->error, sizeof res->error, "%s", err->msg);
        return rc;
    }
    res->done = res->kept = 1;
    gdir_log(GDIR_LOG_INFO, "import", "source=%s msg=\"kept from the current database\" rows=%ld",
             r->t.sources[i].name, rows);
    return GDIR_OK;
}

/* Warnings about what the territory still lacks after all sources. */
static int final_checks(struct run *r, long imported, struct gdir_err *err)
{
    long communes = 0, with_geom = 0, places = 0;
    int have_boundary_source = 0;
    if (imported == 0)
        return gdir_err_set(err, GDIR_EINVAL, "nothing usable was imported");
    if (imp_writer_stats(&r->w, &communes, &with_geom, &places, err))
        return GDIR_EDB;
    for (size_t i = 0; i < r->t.n_sources; i++)
        if (r->profiles[i].kind == IMP_KIND_BOUNDARIES)
            have_boundary_source = 1;
    if ((size_t)communes < r->t.n_communes)
        gdir_log(GDIR_LOG_WARN, "import",
                 "msg=\"member communes missing from the communes sources\" missing=%ld",
                 (long)r->t.n_communes - communes);
    if (have_boundary_source && (size_t)with_geom < r->t.n_communes)
        gdir_log(GDIR_LOG_WARN, "import", "msg=\"member communes without a boundary\" missing=%ld",
                 (long)r->t.n_communes - with_geom);
    return GDIR_OK;
}

/* The places sources in merge priority order: non-ODbL sources first, then ODbL ones, each
 * group in configuration order. */
static struct imp_merge_source *merge_order(struct run *r, size_t *n)
{
    struct imp_merge_source *m = calloc(r->t.n_sources + 1, sizeof *m);
    *n = 0;
    for (int pass = 0; m && pass < 2; pass++)
        for (size_t i = 0; i < r->t.n_sources; i++) {
            int odbl = strcmp(source_licence(r, i), "ODbL-1.0") == 0;
            if (r->profiles[i].kind == IMP_KIND_PLACES && odbl == pass) {
                m[*n].name = r->t.sources[i].name;
                m[*n].odbl = odbl;
                m[*n].has_rows = r->res[i].c.imported > 0;
                (*n)++;
            }
        }
    return m;
}

/* Does --accept-shrink accept a loss in source name? */
static int shrink_accepted(const struct run *r, const char *name)
{
    if (r->o->accept_shrink_all)
        return 1;
    for (size_t k = 0; k < r->o->n_accept_shrink; k++)
        if (strcmp(r->o->accept_shrink[k], name) == 0)
            return 1;
    return 0;
}

/* The per-source guard (imp_guard.h) over every source this run read: a source that lost too
 * many rows fails the run, unless --accept-shrink accepts it. Every refused source is named
 * on stderr with its figures; err names them all. */
static int guard_sources(struct run *r, struct gdir_err *err)
{
    struct imp_guard_served *served = NULL;
    char names[GDIR_ERR_MSG_MAX / 2] = "";
    int refused = 0, rc;

    if ((rc = imp_guard_served_open(&served, r->o->db, err)))
        return rc;
    for (size_t i = 0; i < r->t.n_sources; i++) {
        struct imp_source_result *res = &r->res[i];
        const char *name = r->t.sources[i].name;
        if (r->keep[i] || !res->done)
            continue;
        if (!imp_guard_judge(&r->t.sources[i].guard, res->c.imported, res->c.rejected,
                             imp_guard_served_rows(served, name), res->guard, sizeof res->guard))
            continue;
        if (shrink_accepted(r, name)) {
            res->guard_accepted = 1;
            gdir_log(GDIR_LOG_WARN, "import", "source=%s msg=\"published although the guard "
                     "objected (--accept-shrink)\" reason=\"%s\"", name, res->guard);
            continue;
        }
        fprintf(stderr, "geodir-import: source %s (%s): %s: not published; if this loss is "
                "expected, run again with --accept-shrink=%s\n", name, r->t.sources[i].path,
                res->guard, name);
        res->failed = 1;
        snprintf(res->error, sizeof res->error, "guard: %s", res->guard);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 refused ? ", " : "", name);
        refused++;
    }
    imp_guard_served_close(served);
    if (refused)
        return gdir_err_set(err, GDIR_EGUARD, "guard: %d source%s lost too many rows (%s): "
                            "the served database is kept (--accept-shrink[=SOURCE] publishes "
                            "anyway)", refused, refused > 1 ? "s" : "", names);
    return GDIR_OK;
}

/* After all sources: places from the records, merging, local corrections, report tables. */
static int build_directory(struct run *r, struct gdir_err *err)
{
    struct imp_merge_stats ms;
    struct imp_merge_source *order;
    size_t n_order;
    sqlite3 *db = imp_writer_sqlite(&r->w);
    int rc;

    imp_progress_step(&r->progress, "index spatiaux…");
    if ((rc = imp_writer_index(&r->w, &r->extra.places_before, err)))
        return rc;
    imp_progress_step(&r->progress, "fusion des lieux vus dans plusieurs sources…");
    if (!(order = merge_order(r, &n_order)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = imp_merge_run(db, order, n_order, &ms, err);
    free(order);
    if (rc)
        return rc;
    r->extra.merge_groups = ms.groups;
    r->extra.merged = ms.merged;
    if (ms.candidates)
        gdir_log(GDIR_LOG_INFO, "import", "msg=\"merging\" candidates=%ld accepted=%ld groups=%ld"
                 " merged=%ld", ms.candidates, ms.accepted, ms.groups, ms.merged);
    if (r->overrides) {
        struct imp_overrides_stats os;
        struct imp_overrides_ctx octx = {r->t.default_licence, r->today, r->t.overrides};
        struct imp_source_meta meta = {IMP_OVERRIDES_SOURCE, "overrides",
                                       "Corrections locales du territoire", r->t.name,
                                       r->t.default_licence, NULL,
                                       relative_file(r, r->t.overrides), NULL};
        imp_progress_step(&r->progress, "corrections locales…");
        if ((rc = imp_writer_source(&r->w, &meta, err)) || (rc = imp_writer_commit(&r->w, err)) ||
            (rc = imp_overrides_apply(r->overrides, db, &octx, &os, err)) ||
            (rc = imp_overrides_record(r->overrides, db, err)))
            return rc;
        long n = imp_overrides_count(r->overrides);
        if ((rc = imp_writer_source_counts(&r->w, IMP_OVERRIDES_SOURCE, n,
                                           os.added + os.fixed + os.hidden, 0, err)) ||
            (rc = imp_writer_commit(&r->w, err)))
            return rc;
        r->extra.overrides = r->t.overrides;
        r->extra.ovr_added = os.added;
        r->extra.ovr_fixed = os.fixed;
        r->extra.ovr_hidden = os.hidden;
        r->extra.ovr_not_found = os.not_found;
    }
    if ((rc = imp_writer_place_count(&r->w, &r->extra.places_after, err)))
        return rc;
    imp_progress_step(&r->progress, "rapports, index plein texte, vérification…");
    return imp_report_tables(db, r->out.staged[IMP_OUT_WARNINGS], r->out.staged[IMP_OUT_MERGES],
                             &r->extra, err);
}

/* Refresh: the current database is attached, and every source that is not re-read must be
 * in it. Communes lists and boundaries are copied as a whole (the communes table), unless one
 * of them is re-read: then all of them are (they complete each other). */
static int prepare_refresh(struct run *r, struct gdir_err *err)
{
    int rc = imp_writer_attach(&r->w, r->o->db, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->t.n_sources; i++) {
        if (!r->keep[i])
            continue;
        if ((rc = imp_writer_old_has_source(&r->w, r->t.sources[i].name, err)) < 0)
            return rc;
        if (rc == 0)
            return gdir_err_set(err, GDIR_EINVAL, "source %s is not in %s: add --source %s "
                                "(or run a full import)", r->t.sources[i].name, r->o->db,
                                r->t.sources[i].name);
    }
    return GDIR_OK;
}

static int import_all(struct run *r, struct gdir_err *err)
{
    static const enum imp_kind order[] = {IMP_KIND_COMMUNES, IMP_KIND_BOUNDARIES,
                                          IMP_KIND_ADDRESSES, IMP_KIND_PLACES};
    const char *base = strrchr(r->o->config, '/');
    struct imp_meta meta = {r->t.public_json, GDIR_VERSION, base ? base + 1 : r->o->config};
    long imported = 0;
    int rc, communes_copied = 0;

    if (r->refresh && (rc = prepare_refresh(r, err)))
        return rc;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        if (order[k] == IMP_KIND_ADDRESSES) {
            /* The boundaries are complete: load them for the territory check of places. */
            if ((rc = imp_writer_commit(&r->w, err)) ||
                (rc = imp_territory_load(&r->territory, imp_writer_sqlite(&r->w), err)) ||
                (rc = imp_writer_commune_names(&r->w, &r->names, err)))
                return rc;
        }
        for (size_t i = 0; i < r->t.n_sources; i++) {
            if (r->profiles[i].kind != order[k])
                continue;
            if (r->keep[i]) {
                if (order[k] <= IMP_KIND_BOUNDARIES && !communes_copied) {
                    long communes = 0, with_geom = 0, places = 0;
                    if ((rc = imp_writer_copy_communes(&r->w, err)) ||
                        (rc = imp_writer_stats(&r->w, &communes, &with_geom, &places, err)))
                        return rc;
                    r->w.boundaries = with_geom;
                    communes_copied = 1;
                }
                rc = keep_source(r, i, err);
            } else {
                rc = import_source(r, i, err);
            }
            if (rc)
                return rc;
            imported += r->res[i].c.imported;
        }
    }
    imp_hook_pause("sources-read");
    if ((rc = imp_writer_detach(&r->w, err)) || (rc = final_checks(r, imported, err)) ||
        (rc = guard_sources(r, err)) || (rc = build_directory(r, err)))
        return rc;
    /* The full exports, from the checked database, before the swap (imp_exports.h). */
    if (!r->o->no_exports &&
        (rc = imp_exports_build(&r->exports, imp_writer_sqlite(&r->w), &r->t, r->o->db, err)))
        return rc;
    imp_hook_pause("before-swap");
    r->w_open = 0;   /* finish closes the writer whatever happens */
    rc = imp_writer_finish(&r->w, &meta, err);
    if (rc)
        imp_exports_discard(&r->exports);
    else
        imp_exports_prune(&r->exports);
    imp_progress_end(&r->progress);
    return rc;
}

/* The index of the configured source that an option names (opt: "--source ",
 * "--accept-shrink="), or -1 when there is none (said, as a fatal error). */
static long named_source(const struct run *r, const char *opt, const char *name)
{
    char msg[256];
    for (size_t i = 0; i < r->t.n_sources; i++)
        if (strcmp(r->t.sources[i].name, name) == 0)
            return (long)i;
    snprintf(msg, sizeof msg, "%s%.64s: no such source in %.120s", opt, name, r->o->config);
    fatal(msg);
    return -1;
}

/* Which sources a refresh re-reads (keep[i] = 0) and copies (keep[i] = 1); exit status 2
 * when --source or --accept-shrink names no configured source. */
static int plan_refresh(struct run *r)
{
    int communes_read = 0;
    for (size_t i = 0; i < r->t.n_sources; i++)
        r->keep[i] = (unsigned char)r->refresh;
    for (size_t k = 0; k < r->o->n_sources; k++) {
        long i = named_source(r, "--source ", r->o->sources[k]);
        if (i < 0)
            return IMP_EXIT_USAGE;
        r->keep[i] = 0;
        if (r->profiles[i].kind == IMP_KIND_COMMUNES || r->profiles[i].kind == IMP_KIND_BOUNDARIES)
            communes_read = 1;
    }
    for (size_t k = 0; k < r->o->n_accept_shrink; k++)
        if (named_source(r, "--accept-shrink=", r->o->accept_shrink[k]) < 0)
            return IMP_EXIT_USAGE;
    for (size_t i = 0; communes_read && i < r->t.n_sources; i++)
        if (r->profiles[i].kind == IMP_KIND_COMMUNES || r->profiles[i].kind == IMP_KIND_BOUNDARIES)
            r->keep[i] = 0;
    return IMP_EXIT_OK;
}

/* --refresh-overrides, fast path (imp_ovr_refresh.h). Returns an exit status, or -1 when the
 * places must be rebuilt from the kept records (the refresh that re-reads no source). */
static int refresh_overrides_fast(struct run *r)
{
    struct imp_overrides_ctx octx = {r->t.default_licence, r->today, r->t.overrides};
    struct imp_ovr_refresh in = {r->o->db, r->overrides, &octx, &r->t, r->o->no_exports};
    struct imp_ovr_refresh_result res;
    struct gdir_err err;
    char msg[GDIR_ERR_MSG_MAX + 64];

    gdir_err_clear(&err);
    if (imp_ovr_refresh_run(&in, &res, &err)) {
        fatal(err.msg);
        snprintf(msg, sizeof msg, "refresh-overrides failed: %s left untouched", r->o->db);
        fatal(msg);
        return IMP_EXIT_FAILED;
    }
    if (!res.fast) {
        gdir_log(GDIR_LOG_INFO, "import", "msg=\"rebuilding the places from the kept records\""
                 " reason=\"%s\"", res.why);
        return -1;
    }
    if (!r->o->quiet)
        printf("refresh-overrides: %ld new entr%s applied to a copy of %s: %ld added, %ld fixed,"
               " %ld hidden, %ld not found; %ld places; %.2f s\n", res.entries,
               res.entries == 1 ? "y" : "ies", r->o->db, res.stats.added, res.stats.fixed,
               res.stats.hidden, res.stats.not_found, res.places, now_s() - r->t0);
    return IMP_EXIT_OK;
}

/* Writes the JSON report (staged), then moves every report of the run to its final name
 * (ok) or to its failed name. The reports name the files where they end up. */
static void write_report(struct run *r, int ok, const char *error)
{
    struct imp_report_info info = {ok,
                                   error,
                                   r->o->config,
                                   r->o->db,
                                   imp_outfiles_dest(&r->out, IMP_OUT_REJECTS, ok),
                                   r->started_at,
                                   now_s() - r->t0,
                                   &r->extra};
    struct gdir_err err;
    gdir_err_clear(&err);
    if (imp_report_write_json(r->out.staged[IMP_OUT_REPORT], &info, r->res, r->t.n_sources,
                              &err))
        gdir_log(GDIR_LOG_WARN, "import", "msg=\"report not written\" detail=\"%s\"", err.msg);
    imp_outfiles_publish(&r->out, ok);
}

/* The names the summary and the JSON report give for the warnings and merges CSVs. */
static void name_tables(struct run *r, int ok)
{
    if (!r->extra.tables_done)
        return;
    r->extra.warnings_path = imp_outfiles_dest(&r->out, IMP_OUT_WARNINGS, ok);
    r->extra.merges_path = imp_outfiles_dest(&r->out, IMP_OUT_MERGES, ok);
}

/* Everything a run holds, given back (an aborted writer leaves the served database as it
 * was); the lock last: every file of the run is in its place. */
static void run_free(struct run *r)
{
    imp_geocode_free(&r->geocode);
    imp_exports_free(&r->exports);
    if (r->w_open)
        imp_writer_abort(&r->w);
    imp_report_close(&r->rep, NULL);
    imp_report_extra_free(&r->extra);
    imp_overrides_free(r->overrides);
    imp_territory_free(r->territory);
    imp_case_names_free(r->names);
    free(r->keep);
    for (size_t i = 0; r->profiles && i < r->t.n_sources; i++)
        imp_profile_free(&r->profiles[i]);
    free(r->profiles);
    free(r->res);
    imp_outfiles_free(&r->out);
    imp_members_free(&r->members);
    if (r->t_loaded)
        gdir_territory_free(&r->t);
    imp_lock_release(&r->lock);
}

int imp_run(const struct imp_options *o)
{
    struct run r;
    struct gdir_err err;
    int status = IMP_EXIT_FAILED, rc;
    time_t now = time(NULL);
    struct tm tm;

    memset(&r, 0, sizeof r);
    r.lock.fd = -1;
    gdir_err_clear(&err);
    imp_report_extra_init(&r.extra);
    imp_progress_init(&r.progress, stderr, !o->quiet && isatty(STDERR_FILENO));
    r.o = o;
    r.t0 = now_s();
    gmtime_r(&now, &tm);
    strftime(r.started_at, sizeof r.started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(r.today, sizeof r.today, "%Y-%m-%d", &tm);

    if (gdir_territory_load(&r.t, o->config, o->data_dir, &err)) {
        fatal(err.msg);
        return IMP_EXIT_USAGE;
    }
    r.t_loaded = 1;
    const char *given[IMP_OUT__COUNT] = {o->rejects, o->report, o->warnings, o->merges};
    r.profiles = calloc(r.t.n_sources + 1, sizeof *r.profiles);
    r.res = calloc(r.t.n_sources + 1, sizeof *r.res);
    r.keep = calloc(r.t.n_sources + 1, 1);
    if (imp_outfiles_init(&r.out, o->db, given, &err) || !r.profiles || !r.res || !r.keep ||
        imp_members_init(&r.members, &r.t)) {
        fatal("out of memory");
        goto out;
    }
    for (size_t i = 0; i < r.t.n_sources; i++) {
        r.res[i].name = r.t.sources[i].name;
        r.res[i].profile = r.t.sources[i].profile;
        r.res[i].file = r.t.sources[i].path;
        r.res[i].kind = "?";
    }
    r.profiles_dir = imp_profiles_dir(o->profiles_dir);
    r.refresh = o->n_sources > 0 || o->refresh_overrides;
    if ((status = load_profiles(&r)) != IMP_EXIT_OK || (status = plan_refresh(&r)) != IMP_EXIT_OK)
        goto out;
    if (r.refresh) {
        r.extra.mode = o->refresh_overrides ? "refresh-overrides" : "refresh";
        r.extra.refreshed = o->sources;
    }
    if (o->refresh_overrides && !r.t.overrides) {
        fatal("--refresh-overrides: the configuration names no overrides file");
        status = IMP_EXIT_USAGE;
        goto out;
    }
    if (r.t.overrides && imp_overrides_load(&r.overrides, r.t.overrides, &r.members, &err)) {
        fatal(err.msg);
        status = IMP_EXIT_USAGE;
        goto out;
    }
    /* Configuration, profiles and overrides are valid: from here on this run may write, so it
     * must be the only one on this database (imp_lock.h). */
    if (!o->locked && imp_lock_take(&r.lock, o->db, &err)) {
        fatal(err.msg);
        status = IMP_EXIT_FAILED;
        goto out;
    }
    imp_hook_pause("locked");
    /* What killed runs left (temporary files, staged reports, export folders): no other run
     * of this database can be alive now. */
    imp_writer_remove_stale(o->db);
    imp_exports_remove_stale(o->db);
    if (o->refresh_overrides && (status = refresh_overrides_fast(&r)) >= 0)
        goto out;
    if ((status = check_sources(&r)) != IMP_EXIT_OK) {
        fatal("import failed: no database written");
        write_report(&r, 0, "a source cannot be read with its mapping");
        goto out;
    }
    status = IMP_EXIT_FAILED;
    /* The writer first: it creates the database's folder, where the reports go by default. */
    if (imp_writer_open(&r.w, o->db, &err)) {
        fatal(err.msg);
        goto out;
    }
    r.w_open = 1;
    imp_geocode_init(&r.geocode, imp_writer_sqlite(&r.w));
    if (imp_report_open(&r.rep, r.out.staged[IMP_OUT_REJECTS], o->quiet, &err)) {
        fatal(err.msg);
        goto out;
    }
    rc = import_all(&r, &err);
    if (imp_report_close(&r.rep, rc ? NULL : &err) && !rc)
        rc = GDIR_EIO;
    if (rc) {
        char msg[GDIR_ERR_MSG_MAX + 64];
        fatal(err.msg);
        snprintf(msg, sizeof msg, "import failed: %s left untouched", o->db);
        fatal(msg);
    }
    imp_progress_end(&r.progress);
    name_tables(&r, rc == 0);
    if (!o->quiet)
        imp_report_print(stdout, r.res, r.t.n_sources, &r.extra, now_s() - r.t0, o->db, rc == 0);
    write_report(&r, rc == 0, rc ? err.msg : NULL);
    status = rc ? IMP_EXIT_FAILED : IMP_EXIT_OK;
out:
    run_free(&r);
    return status;
}
