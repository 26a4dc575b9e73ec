/*
 * imp_run.c — the import pipeline (see imp_run.h): configuration and profiles, a check of
 * every source before anything is written, then each source streamed through
 * imp_source -> imp_normalize -> imp_writer, with every row counted and every reject
 * reported, and finally the atomic swap and the reports.
 */
#include "imp_run.h"
#include "gdir_config.h"
#include "gdir_log.h"
#include "imp_profile.h"
#include "imp_record.h"
#include "imp_report.h"
#include "imp_source.h"
#include "imp_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef GDIR_VERSION
#define GDIR_VERSION "0.0.0"
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
    struct imp_writer w;
    int w_open;
    struct imp_report rep;
    char *rejects_path, *report_path;
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

static char *with_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", path, suffix);
    return s;
}

static int is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --profiles, else $GEODIR_PROFILES, else the source tree's, else the installed folder. */
static const char *profiles_dir(const struct imp_options *o)
{
    const char *env = getenv("GEODIR_PROFILES");
    if (o->profiles_dir)
        return o->profiles_dir;
    if (env && *env)
        return env;
#ifdef GDIR_PROFILES_SRC_DIR
    if (is_dir(GDIR_PROFILES_SRC_DIR))
        return GDIR_PROFILES_SRC_DIR;
#endif
    return GDIR_PROFILES_INSTALL_DIR;
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
    norm.have_boundaries = r->w.boundaries > 0;
    imp_report_source_begin(&r->rep);
    if ((rc = imp_source_open(&src, cfg->path, p, err)) ||
        (rc = imp_writer_source(&r->w, &meta, err)))
        goto out;
    if (!(seen = calloc(r->members.n + 1, 1))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        struct imp_feature f;
        struct imp_record rec;
        struct imp_reject rej;

        if (r->o->stop && *r->o->stop) {
            rc = gdir_err_set(err, GDIR_EIO, "interrupted");
            goto out;
        }
        rc = imp_source_next(src, &f, err);
        if (rc <= 0)
            break;
        res->c.read++;
        rc = imp_normalize(&norm, &f, &rec, &rej, err);
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
        if (p->kind != IMP_KIND_PLACES && seen[rec.member]) {
            rc = IMP_WRITE_DUPLICATE;
        } else if (p->kind == IMP_KIND_COMMUNES) {
            rc = imp_writer_commune(&r->w, &rec, err);
        } else if (p->kind == IMP_KIND_BOUNDARIES) {
            rc = imp_writer_boundary(&r->w, cfg->name, licence, &rec, err);
        } else {
            rc = imp_writer_place(&r->w, &pctx, &rec, err);
        }
        if (rc < 0)
            goto out;
        if (rc == IMP_WRITE_DUPLICATE) {
            enum imp_target t = p->kind == IMP_KIND_PLACES ? IMP_T_SOURCE_ID : IMP_T_INSEE;
            const struct imp_fieldmap *m = &p->fields[t];
            imp_reject_set(&rej, IMP_R_DUPLICATE, m->is_template ? imp_target_names[t]
                                                                 : p->slots[m->pieces[0].slot],
                           rec.text[t], "duplicate id: an earlier row of this file has it");
            if ((rc = reject(r, res, cfg->path, &f, &rej, err)))
                goto out;
            continue;
        }
        if (p->kind != IMP_KIND_PLACES)
            seen[rec.member] = 1;
        res->c.imported++;
    }
    if (rc < 0)
        goto out;
    rc = imp_writer_source_counts(&r->w, cfg->name, res->c.read, res->c.imported,
                                  res->c.rejected, err);
out:
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

static int import_all(struct run *r, struct gdir_err *err)
{
    static const enum imp_kind order[] = {IMP_KIND_COMMUNES, IMP_KIND_BOUNDARIES,
                                          IMP_KIND_PLACES};
    const char *base = strrchr(r->o->config, '/');
    struct imp_meta meta = {r->t.public_json, GDIR_VERSION, base ? base + 1 : r->o->config};
    long imported = 0;
    int rc;

    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (size_t i = 0; i < r->t.n_sources; i++) {
            if (r->profiles[i].kind != order[k])
                continue;
            if ((rc = import_source(r, i, err)))
                return rc;
            imported += r->res[i].c.imported;
        }
    if ((rc = final_checks(r, imported, err)))
        return rc;
    r->w_open = 0;   /* finish closes the writer whatever happens */
    return imp_writer_finish(&r->w, &meta, err);
}

static void write_report(struct run *r, int ok, const char *error)
{
    struct imp_report_info info = {ok,     error,         r->o->config,
                                   r->o->db, r->rejects_path, r->started_at,
                                   now_s() - r->t0};
    struct gdir_err err;
    gdir_err_clear(&err);
    if (imp_report_write_json(r->report_path, &info, r->res, r->t.n_sources, &err))
        gdir_log(GDIR_LOG_WARN, "import", "msg=\"report not written\" detail=\"%s\"", err.msg);
}

int imp_run(const struct imp_options *o)
{
    struct run r;
    struct gdir_err err;
    int status = IMP_EXIT_FAILED, rc;
    time_t now = time(NULL);
    struct tm tm;

    memset(&r, 0, sizeof r);
    gdir_err_clear(&err);
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
    r.rejects_path = o->rejects ? with_suffix(o->rejects, "") : with_suffix(o->db, ".rejects.csv");
    r.report_path = o->report ? with_suffix(o->report, "") : with_suffix(o->db, ".report.json");
    r.profiles = calloc(r.t.n_sources + 1, sizeof *r.profiles);
    r.res = calloc(r.t.n_sources + 1, sizeof *r.res);
    if (!r.rejects_path || !r.report_path || !r.profiles || !r.res ||
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
    r.profiles_dir = profiles_dir(o);
    if ((status = load_profiles(&r)) != IMP_EXIT_OK)
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
    if (imp_report_open(&r.rep, r.rejects_path, o->quiet, &err)) {
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
    if (!o->quiet)
        imp_report_print(stdout, r.res, r.t.n_sources, now_s() - r.t0, o->db, rc == 0);
    write_report(&r, rc == 0, rc ? err.msg : NULL);
    status = rc ? IMP_EXIT_FAILED : IMP_EXIT_OK;
out:
    if (r.w_open)
        imp_writer_abort(&r.w);
    imp_report_close(&r.rep, NULL);
    for (size_t i = 0; r.profiles && i < r.t.n_sources; i++)
        imp_profile_free(&r.profiles[i]);
    free(r.profiles);
    free(r.res);
    free(r.rejects_path);
    free(r.report_path);
    imp_members_free(&r.members);
    if (r.t_loaded)
        gdir_territory_free(&r.t);
    return status;
}
