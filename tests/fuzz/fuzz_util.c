/*
 * fuzz_util.c — the helpers shared by the libFuzzer targets (see fuzz_util.h): invariant
 * failures, the error-return contract, inputs as strings, a private temporary folder, and the
 * small database built once by the router and geocoder targets.
 */
#include "fuzz_util.h"
#include "gdir_db.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_dir[4096];

_Noreturn void fuzz_fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, cond);
    abort();
}

void fuzz_check_err(int rc, const struct gdir_err *err)
{
    FUZZ_CHECK(rc <= 0);
    if (rc == 0)
        return;
    FUZZ_CHECK(err->code == rc);
    FUZZ_CHECK(err->msg[0] != '\0');
    FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
    FUZZ_CHECK(memchr(err->param, '\0', sizeof err->param) != NULL);
}

char *fuzz_str(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

char *fuzz_head(const uint8_t *data, size_t n, char sep, const uint8_t **rest, size_t *rest_n)
{
    const uint8_t *p = n ? memchr(data, sep, n) : NULL;
    size_t head = p ? (size_t)(p - data) : n;

    *rest = p ? p + 1 : data + n;
    *rest_n = p ? n - head - 1 : 0;
    return fuzz_str(data, head);
}

static void remove_tmp(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char path[4400];

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmp_dir);
}

const char *fuzz_tmpdir(void)
{
    if (!tmp_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmp_dir, sizeof tmp_dir, "%s/geodir-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmp_dir)) {
            perror(tmp_dir);
            abort();
        }
        atexit(remove_tmp);
    }
    return tmp_dir;
}

void fuzz_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", fuzz_tmpdir(), name);
}

void fuzz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

void fuzz_input_file(char *path, size_t cap, const char *name, const uint8_t *data, size_t n)
{
    fuzz_path(path, cap, name);
    fuzz_write(path, data, n);
}

const char *fuzz_load_input(const char *name, const uint8_t *data, size_t n,
                            struct gdir_err *err)
{
    static char path[4400];
    fuzz_input_file(path, sizeof path, name, data, n);
    gdir_err_clear(err);
    return path;
}

void fuzz_check_load_refusal(int rc, const struct gdir_err *err, const char *name)
{
    fuzz_check_err(rc, err);
    FUZZ_CHECK(rc == GDIR_ECONFIG || rc == GDIR_EIO || rc == GDIR_ENOMEM);
    FUZZ_CHECK(strstr(err->msg, name) != NULL);
}

/* Two communes of the Meuse and their streets, as in tests/unit/test_geocoder.c. */
static const char SQL_FIXTURE[] =
    "INSERT INTO sources(name, profile, title, publisher, licence, file, imported_at) "
    "VALUES ('ban', 'ban', 'BAN fuzz', 'test', 'etalab-2.0', 'fuzz.csv', "
    "'2026-01-01T00:00:00Z');"
    "INSERT INTO communes(insee, name, postcodes, geom) VALUES "
    "('55386', 'Pierrefitte-sur-Aire', '55260', "
    " CastToMultiPolygon(BuildMbr(5.32, 48.89, 5.34, 48.91, 4326))),"
    "('55490', 'Seuil-d''Argonne', '55250', "
    " CastToMultiPolygon(BuildMbr(5.04, 48.94, 5.06, 48.96, 4326))),"
    "('55777', 'Sansgeo', '55777', NULL);"
    "INSERT INTO addresses(id, housenumber, street, postcode, insee, city, source, licence, "
    "geom) VALUES "
    "('55386_0010_00002', '2', 'Rue de l''Église', '55260', '55386', 'Pierrefitte-sur-Aire', "
    " 'ban', 'etalab-2.0', MakePoint(5.33, 48.9001, 4326)),"
    "('55386_0010_00004', '4', 'Rue de l''Église', '55260', '55386', 'Pierrefitte-sur-Aire', "
    " 'ban', 'etalab-2.0', MakePoint(5.33, 48.9002, 4326)),"
    "('55386_0010_00010_bis', '10BIS', 'Rue de l''Église', '55260', '55386', "
    " 'Pierrefitte-sur-Aire', 'ban', 'etalab-2.0', MakePoint(5.33, 48.90055, 4326)),"
    "('55386_0010_00001', '1', 'Rue de l''Église', '55260', '55386', 'Pierrefitte-sur-Aire', "
    " 'ban', 'etalab-2.0', MakePoint(5.3302, 48.9001, 4326)),"
    "('55386_0020_00002', '2', 'Boulevard Saint-Michel', '55260', '55386', "
    " 'Pierrefitte-sur-Aire', 'ban', 'etalab-2.0', MakePoint(5.333, 48.90, 4326)),"
    "('55386_0030_00001', '1', 'GRANDE RUE', '55260', '55386', 'Pierrefitte-sur-Aire', "
    " 'ban', 'etalab-2.0', MakePoint(5.33, 48.898, 4326)),"
    "('55386_b001', NULL, 'Le Moulin Brûlé', '55260', '55386', 'Pierrefitte-sur-Aire', "
    " 'ban', 'etalab-2.0', MakePoint(5.326, 48.904, 4326)),"
    "('55386_b002_99999', '99999', 'Les Grands Prés', '55260', '55386', "
    " 'Pierrefitte-sur-Aire', 'ban', 'etalab-2.0', MakePoint(5.335, 48.905, 4326)),"
    "('55490_0030_00001', '1', 'Rue de Stenay', '55250', '55490', 'Seuil-d''Argonne', "
    " 'ban', 'etalab-2.0', MakePoint(5.05, 48.952, 4326)),"
    "('55777_0010_00001', '1', 'Rue Haute', '55777', '55777', 'Sansgeo', "
    " 'ban', 'etalab-2.0', MakePoint(5.20, 48.80, 4326)),"
    "('55123_0010_00007', '7', 'Rue du Four', '55250', '55123', 'Villotte-devant-Louppy', "
    " 'ban', 'etalab-2.0', MakePoint(5.10, 48.85, 4326));";

void fuzz_make_db(const char *path)
{
    struct gdir_db d;
    struct gdir_err err;

    gdir_err_clear(&err);
    if (gdir_db_open(&d, path, GDIR_DB_CREATE, &err) || gdir_db_create_schema(&d, &err) ||
        gdir_db_exec(&d, SQL_FIXTURE, &err)) {
        fprintf(stderr, "fuzz database %s: %s\n", path, err.msg);
        abort();
    }
    gdir_db_close(&d);
}
