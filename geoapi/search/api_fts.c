/*
 * api_fts.c — the geodir_bm25() FTS5 auxiliary function: the per-query statistics (rows,
 * average length, idf of each phrase, computed on the first row and kept as the query's
 * auxiliary data), the per-row phrase frequencies, and the row length from the place index;
 * the reading of the index's instances and totals for the in-memory index, and the parsing of
 * the MATCH expressions. See api_fts.h for the formula.
 */
#include "api_fts.h"
#include "api_pindex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What does not change from one row of a query to the next. */
struct bm25_query {
    int n_phrase;
    double avgdl;        /* average row length, tokens */
    double *idf;         /* per phrase */
    double *freq;        /* per phrase: scratch for the current row */
};

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *cls)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)cls)++;
    return SQLITE_OK;
}

static int query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, struct bm25_query **out)
{
    struct bm25_query *q = api->xGetAuxdata(fts, 0);
    sqlite3_int64 n_row = 0, n_token = 0;
    int rc;

    if (q) {
        *out = q;
        return SQLITE_OK;
    }
    int n = api->xPhraseCount(fts);
    q = calloc(1, sizeof *q + 2 * (size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!q)
        return SQLITE_NOMEM;
    q->n_phrase = n;
    q->idf = (double *)(q + 1);
    q->freq = q->idf + (n > 0 ? n : 1);
    rc = api->xRowCount(fts, &n_row);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &n_token);
    if (rc == SQLITE_OK)
        q->avgdl = (double)n_token / (double)n_row;
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 n_hit = 0;
        rc = api->xQueryPhrase(fts, i, &n_hit, count_row);
        if (rc == SQLITE_OK)
            q->idf[i] = api_fts_idf(n_row, n_hit);
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, q, free);   /* takes ownership, even on failure */
    else
        free(q);
    if (rc == SQLITE_OK)
        *out = q;
    return rc;
}

/* The row's length in tokens: from the place index when it knows the row, else from FTS5. */
static int row_tokens(const Fts5ExtensionApi *api, Fts5Context *fts, const struct api_db *db,
                      double *d)
{
    const struct api_pindex *ix = db->pindex;
    int n_tok = 0, rc;

    if (ix && ix->tokens) {
        long long fid = api->xRowid(fts);
        if (fid >= ix->min_fid && (unsigned long long)(fid - ix->min_fid) < ix->n_fid &&
            ix->tokens[fid - ix->min_fid] != UINT16_MAX) {
            *d = (double)ix->tokens[fid - ix->min_fid];
            return SQLITE_OK;
        }
    }
    rc = api->xColumnSize(fts, -1, &n_tok);
    *d = (double)n_tok;
    return rc;
}

static void geodir_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                        int n_val, sqlite3_value **val)
{
    const struct api_db *db = api->xUserData(fts);
    struct bm25_query *q = NULL;
    double d = 0, score = 0;
    int n_inst = 0, rc;

    (void)n_val;
    (void)val;
    rc = query_stats(api, fts, &q);
    if (rc == SQLITE_OK) {
        memset(q->freq, 0, (size_t)(q->n_phrase > 0 ? q->n_phrase : 1) * sizeof *q->freq);
        rc = api->xInstCount(fts, &n_inst);
    }
    for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < q->n_phrase)
            q->freq[phrase] += 1.0;
    }
    if (rc == SQLITE_OK)
        rc = row_tokens(api, fts, db, &d);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    for (int i = 0; i < q->n_phrase; i++)
        score += api_fts_bm25_part(q->idf[i], q->freq[i], d, q->avgdl);
    sqlite3_result_double(ctx, -1.0 * score);
}

int api_fts_add_bm25(fts5_api *fts, struct api_db *db)
{
    if (!fts || fts->iVersion < 2)
        return GDIR_EDB;
    return fts->xCreateFunction(fts, "geodir_bm25", db, geodir_bm25, NULL) == SQLITE_OK
               ? GDIR_OK
               : GDIR_EDB;
}

/* ---- the index's instances, for the in-memory index ---------------------------------------- */

/* fts5vocab "instance" rows: one per token of every name. A temporary table of this
 * connection (the file stays read-only), like the vocabulary's (api_queries.c). */
static const char SQL_CREATE_INSTANCES[] =
    "PRAGMA query_only=0;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.places_fts_instance"
    " USING fts5vocab(main, places_fts, instance);"
    "PRAGMA query_only=1;";
static const char SQL_INSTANCES[] = "SELECT term, doc, offset FROM temp.places_fts_instance";
/* The averages record of FTS5 (rowid 1 of the data table): the row count, then the token
 * total of each column, as varints. */
static const char SQL_AVERAGES[] = "SELECT block FROM places_fts_data WHERE id = 1";

/* An FTS5 varint (SQLite's: 7 bits a byte, high bit set when more follow, the ninth byte
 * whole) at *p, advancing it; -1 when the blob ends first. */
static long long get_varint(const unsigned char **p, const unsigned char *end)
{
    unsigned long long v = 0;
    for (int i = 0; *p < end && i < 9; i++) {
        unsigned char b = *(*p)++;
        if (i == 8)
            return (long long)((v << 8) | b);
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80))
            return (long long)v;
    }
    return -1;
}

int api_fts_instances(struct api_db *db, api_fts_instance_fn *fn, void *cls, long long *n_rows,
                      long long *n_tokens, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc, s;

    *n_rows = *n_tokens = -1;
    rc = gdir_db_prepare(&db->g, SQL_AVERAGES, &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        const unsigned char *end = p ? p + sqlite3_column_bytes(st, 0) : NULL;
        if (p) {
            *n_rows = get_varint(&p, end);
            *n_tokens = get_varint(&p, end);   /* places_fts has one column */
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (*n_rows < 0 || *n_tokens < 0)
        return gdir_err_set(err, GDIR_EDB, "full-text index: no totals");
    if (sqlite3_exec(db->g.db, SQL_CREATE_INSTANCES, NULL, NULL, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "full-text instances: %s", sqlite3_errmsg(db->g.db));
    rc = gdir_db_prepare(&db->g, SQL_INSTANCES, &st, err);
    if (rc)
        return rc;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *term = (const char *)sqlite3_column_text(st, 0);
        rc = fn(cls, term ? term : "", (size_t)sqlite3_column_bytes(st, 0),
                sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
        if (rc)
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "full-text instances: %s", sqlite3_errmsg(db->g.db));
    sqlite3_finalize(st);
    return rc;
}

/* ---- MATCH expressions ---------------------------------------------------------------------- */

static int skip(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0)
        return 0;
    *s += n;
    return 1;
}

int api_fts_expr_parse(const char *match, struct api_fts_expr *out)
{
    const char *s = match;

    out->n = out->n_groups = 0;
    for (;;) {
        if (!skip(&s, "("))
            return 0;
        for (;;) {
            struct api_fts_phrase *ph;
            const char *t;
            if (out->n == API_FTS_MAX_PHRASES || !skip(&s, "\""))
                return 0;
            for (t = s; (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9'); t++)
                ;
            if (t == s || *t != '"')
                return 0;
            ph = &out->ph[out->n++];
            ph->text = s;
            ph->len = (size_t)(t - s);
            ph->group = (unsigned)out->n_groups;
            s = t + 1;
            ph->prefix = skip(&s, "*");
            if (!skip(&s, " OR "))
                break;
        }
        if (!skip(&s, ")"))
            return 0;
        out->n_groups++;
        if (*s == '\0')
            return 1;
        if (!skip(&s, " AND "))
            return 0;
    }
}
