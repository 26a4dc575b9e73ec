/*
 * fuzz_waste.c — libFuzzer target: the waste collection configuration loader
 * (life/life_waste.c, the server's waste_file; docs/vie-locale.md §5).
 *
 * Writes the input to a private temporary file and loads it with life_waste_load(). A refusal
 * follows the loader contract (GDIR_ECONFIG, GDIR_EIO or GDIR_ENOMEM, the file named). A loaded
 * configuration is then used as the server does: the zone of each commune it names (with and
 * without a street), and the collection days of that zone over 60 days across the new year,
 * which must be within the window, sorted, of a known stream, with valid UTF-8 reasons; the
 * streams' put-out sentences are valid UTF-8. Nothing leaks (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "gdir_text.h"
#include "life_waste.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_zone(const struct life_waste *w, const struct life_waste_zone *z)
{
    struct life_waste_date from = {2026, 12, 1};
    struct life_waste_pickup *v = NULL;
    struct gdir_err err;
    size_t n = 0;
    long first = life_waste_days(from), prev = first;

    gdir_err_clear(&err);
    FUZZ_CHECK(life_waste_next(w, z, from, 60, &v, &n, &err) == 0);
    for (size_t i = 0; i < n; i++) {
        long d = life_waste_days(v[i].date);
        FUZZ_CHECK(d >= first && d < first + 60 && d >= prev);
        FUZZ_CHECK(v[i].stream >= 0 && (size_t)v[i].stream < life_waste_n_streams(w));
        FUZZ_CHECK(gdir_utf8_valid(v[i].reason, strlen(v[i].reason)));
        FUZZ_CHECK(v[i].shifted == (d != life_waste_days(v[i].usual)));
        prev = d;
    }
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    struct life_waste *w = NULL;
    struct gdir_err err;
    int rc;

    fuzz_input_file(path, sizeof path, "collecte.json", data, size);
    gdir_err_clear(&err);
    rc = life_waste_load(path, &w, &err);
    if (rc) {
        FUZZ_CHECK(w == NULL);
        fuzz_check_load_refusal(rc, &err, "collecte.json");
        return 0;
    }
    FUZZ_CHECK(life_waste_n_streams(w) >= 1);
    for (size_t i = 0; i < life_waste_n_streams(w); i++) {
        const struct life_waste_stream *s = life_waste_stream_at(w, i);
        FUZZ_CHECK(s->put_out && gdir_utf8_valid(s->put_out, strlen(s->put_out)));
    }
    for (size_t i = 0; i < life_waste_n_communes(w) && i < 8; i++) {
        const char *insee = life_waste_commune_at(w, i);
        const struct life_waste_zone *z = life_waste_zone_for(w, insee, NULL, NULL);
        FUZZ_CHECK(z != NULL && life_waste_zone_id(z) && life_waste_zone_label(z));
        FUZZ_CHECK(life_waste_zone_in(w, insee, life_waste_zone_id(z)) == z);
        FUZZ_CHECK(life_waste_zone_for(w, insee, "Grande Rue", NULL) != NULL);
        check_zone(w, z);
    }
    life_waste_free(w);
    return 0;
}
