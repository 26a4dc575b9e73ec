/*
 * fuzz_router.c — libFuzzer target: whole requests through geoapi's router and handlers.
 *
 * Feeds api_dispatch() (api_router.c) with a request written as text:
 *   "METHOD TARGET\n" then "Name: value\n" header lines (Accept, Accept-Encoding,
 *   If-None-Match, Origin, Access-Control-Request-Method/-Headers, Host, X-Forwarded-Proto,
 *   Content-Type, Cookie, X-CSRF-Token: api_headers_of picks them as the server does), an empty
 *   line, and the body (POST /api/search/csv/).
 * The context is the real one: the default configuration (api_config_load), the built-in
 * school-holiday calendar, map-ui/ as the static folder, and a database pool over a small
 * database built once (schema, 3 communes, 11 addresses: fuzz_util.c), so the handlers run.
 * Asserts beyond "no crash": the status is 1xx-5xx (never 0); every 4xx/5xx is JSON with a
 * "code" member; every JSON body in memory is valid UTF-8; a 405 has an Allow header; a
 * streamed body reads to its end without an error and is released.
 */
#define _XOPEN_SOURCE 700             /* realpath() */
#include "fuzz_util.h"

#include "api_config.h"
#include "api_dbpool.h"
#include "api_response.h"
#include "api_router.h"
#include "gdir_hours.h"
#include "gdir_text.h"
#include "http_parse.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct api_config cfg;
static struct api_dbpool pool;
static struct gdir_calendar *calendar;
static struct api_ctx ctx;
static char static_root[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char db[4200], prog[] = "geodir-api", opt_db[] = "--db", opt_static[] = "--static_dir";
    char map_ui[] = GDIR_SOURCE_DIR "/map-ui";
    char *args[] = {prog, opt_db, db, opt_static, map_ui, NULL};
    struct gdir_err err;

    (void)argc;
    (void)argv;
    gdir_err_clear(&err);
    fuzz_path(db, sizeof db, "router.sqlite");
    fuzz_make_db(db);
    if (api_config_load(&cfg, 5, args, &err) || api_dbpool_init(&pool, cfg.db, &err) ||
        gdir_calendar_builtin(&calendar, &err)) {
        fprintf(stderr, "fuzz_router: %s\n", err.msg);
        abort();
    }
    if (!realpath(map_ui, static_root)) {
        perror(map_ui);
        abort();
    }
    ctx.cfg = &cfg;
    ctx.pool = &pool;
    ctx.static_root = static_root;
    ctx.calendar = calendar;
    ctx.config_tag = 42;
    return 0;
}

/* Adds a header line "Name: value" to hd as the HTTP parser would (the value without its
 * leading spaces); a line without ':' or past HTTP_MAX_HEADERS fields is ignored. */
static void add_field(struct http_head *hd, char *line)
{
    char *colon = strchr(line, ':');
    if (!colon || hd->n_fields >= HTTP_MAX_HEADERS)
        return;
    *colon = '\0';
    const char *v = colon + 1;
    while (*v == ' ')
        v++;
    hd->fields[hd->n_fields++] = (struct http_field){line, v, strlen(line), strlen(v)};
}

static void check_response(struct api_response *res)
{
    const char *ct = res->content_type;

    FUZZ_CHECK(res->status >= 100 && res->status <= 599);
    if (res->status >= 400) {
        FUZZ_CHECK(ct && strcmp(ct, API_CT_JSON) == 0);
        FUZZ_CHECK(strstr(gdir_buf_str(&res->body), "\"code\":\"") != NULL);
    }
    if (res->status == 405)
        FUZZ_CHECK(res->allow[0] != '\0');
    if (ct && (strcmp(ct, API_CT_JSON) == 0 || strcmp(ct, API_CT_GEOJSON) == 0) && res->fd < 0)
        FUZZ_CHECK(gdir_utf8_valid(res->body.data ? res->body.data : "", res->body.len));
    if (res->stream.read) {
        char buf[16384];
        long got, total = 0;
        while ((got = res->stream.read(res->stream.cls, buf, sizeof buf)) > 0 && total < (1 << 24))
            total += got;
        FUZZ_CHECK(got >= 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *rest;
    size_t rest_n;
    char *line = fuzz_head(data, size, '\n', &rest, &rest_n);
    char *sp = strchr(line, ' ');
    char *hdr_lines[16];
    size_t n_hdr = 0;
    struct api_headers headers;
    struct api_response res;
    struct http_head hd;

    if (!sp) {
        free(line);
        return 0;
    }
    *sp = '\0';
    memset(&hd, 0, sizeof hd);
    /* Header lines up to an empty line (or the end); what follows is the body. */
    while (rest_n && n_hdr < sizeof hdr_lines / sizeof hdr_lines[0]) {
        const uint8_t *next;
        size_t next_n;
        char *h = fuzz_head(rest, rest_n, '\n', &next, &next_n);
        if (!h[0] && next != rest + rest_n) {
            free(h);
            rest = next;
            rest_n = next_n;
            break;
        }
        hdr_lines[n_hdr++] = h;
        add_field(&hd, h);
        rest = next;
        rest_n = next_n;
    }
    headers = api_headers_of(&hd);   /* the server's own choice of fields */
    headers.body = rest_n ? (const char *)rest : NULL;
    headers.body_len = rest_n;

    api_response_init(&res);
    api_dispatch(&ctx, line, sp + 1, &headers, &res);
    check_response(&res);
    api_response_free(&res);
    for (size_t i = 0; i < n_hdr; i++)
        free(hdr_lines[i]);
    free(line);
    return 0;
}
