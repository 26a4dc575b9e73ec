/*
 * fuzz_life_item.c — libFuzzer target: an item of the daily life as the back office's JSON
 * body brings it (geoapi/life/api_life_input.c, api_life_parse) and its checks before the
 * store writes it (life/life_db_check.c, life_item_prepare): members read over a stored item,
 * the safe text, local times, RRULE, exdates, communes, alerts' validity, sizes.
 * Asserts beyond "no crash": errors follow the gdir contract and name a parameter; an accepted
 * item has a one-line title within LIFE_TITLE_MAX, UTF-8 texts, sorted distinct well-formed
 * communes xor territory, an http(s) url; an event has a category label, start_utc <= end_utc
 * and its canonical RRULE parses and formats to itself; an alert has a severity and an end
 * after its start; and preparing the accepted item again keeps it (a fixed point).
 */
#include "fuzz_util.h"

#include "api_life_input.h"
#include "gdir_text.h"
#include "life_db.h"
#include "life_rrule.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct life_item *it)
{
    struct life_rrule *r = NULL;
    struct gdir_err err;
    char buf[LIFE_RRULE_MAX + 1];

    FUZZ_CHECK(life_category_label(it->category) != NULL);
    FUZZ_CHECK(it->start[0] && it->start_utc <= it->end_utc);
    if (it->rrule) {
        FUZZ_CHECK(life_rrule_parse(it->rrule, &r, &err) == 0);
        FUZZ_CHECK(life_rrule_format(r, buf, sizeof buf) == 0 && !strcmp(buf, it->rrule));
        life_rrule_free(r);
    }
}

static void check_item(const struct life_item *it)
{
    FUZZ_CHECK(it->title && it->title[0] && strlen(it->title) <= LIFE_TITLE_MAX);
    FUZZ_CHECK(!strchr(it->title, '\n') && gdir_utf8_valid(it->title, strlen(it->title)));
    FUZZ_CHECK(it->text_html && gdir_utf8_valid(it->text_html, strlen(it->text_html)));
    FUZZ_CHECK(it->text_plain && gdir_utf8_valid(it->text_plain, strlen(it->text_plain)));
    FUZZ_CHECK(!it->territory != !it->n_communes);
    for (size_t i = 0; i < it->n_communes; i++) {
        FUZZ_CHECK(strlen(it->communes[i]) == 5);
        FUZZ_CHECK(!i || strcmp(it->communes[i - 1], it->communes[i]) < 0);
    }
    FUZZ_CHECK(!it->url || !strncmp(it->url, "http://", 7) || !strncmp(it->url, "https://", 8));
    if (it->kind == LIFE_EVENT)
        check_event(it);
    if (it->kind == LIFE_ALERT)
        FUZZ_CHECK(it->severity && it->valid_until &&
                   (!it->valid_from || it->valid_from < it->valid_until));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    cJSON *body = cJSON_Parse(text);
    struct life_item it = {0};
    struct gdir_err err;
    int rc;

    free(text);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return 0;
    }
    gdir_err_clear(&err);
    rc = api_life_parse(body, &it, &err);
    if (!rc)
        rc = life_item_prepare(&it, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EINVAL || rc == GDIR_ETOOBIG || rc == GDIR_EFORMAT ||
                   rc == GDIR_ENOMEM);
        FUZZ_CHECK(rc == GDIR_ENOMEM || err.param[0]);
    } else {
        char html[64] = "";
        check_item(&it);
        snprintf(html, sizeof html, "%.40s", it.text_html);
        /* prepared again (an update re-reads the stored item): accepted, the same text */
        rc = life_item_prepare(&it, &err);
        FUZZ_CHECK(rc == 0);
        check_item(&it);
        FUZZ_CHECK(!strncmp(html, it.text_html, strlen(html)));
    }
    life_item_free(&it);
    cJSON_Delete(body);
    return 0;
}
