/*
 * fuzz_ogc_params.c — libFuzzer target: the parameters of OGC API - Features (/ogc).
 *
 * Feeds the input, as a query string, to api_parse_query() (api_router.c) against a route
 * allowing f, bbox, bbox-crs, crs and datetime, then to ogc_param_bbox(), ogc_param_crs() for
 * crs and bbox-crs, ogc_param_datetime() and ogc_date_interval() (h_ogc_crs.c; the datetime
 * value as a stored date), api_negotiate_html() (f) and, for an accepted box, ogc_bbox_wkt()
 * and ogc_bbox_contains().
 * Asserts beyond "no crash": errors follow the gdir contract and name a parameter; an
 * accepted CRS is one of the three; an accepted box has 4 finite numbers and a lon/lat
 * envelope with min <= max inside -180..180 / -90..90; an accepted interval has start <= end;
 * the box's WKT is written without error.
 */
#include "fuzz_util.h"

#include "api_router.h"
#include "h_ogc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const struct gdir_err *err)
{
    fuzz_check_err(rc, err);
    if (rc)
        FUZZ_CHECK(err->param[0] != '\0' || rc == GDIR_ENOTACCEPT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"f", "bbox", "bbox-crs", "crs", "datetime", NULL};
    static const struct api_route route = {"GET", "/ogc/fuzz", NULL, names, 0};
    struct api_config cfg;
    struct api_request req;
    struct gdir_err err;
    struct ogc_bbox box;
    struct ogc_interval iv;
    enum ogc_crs crs;
    enum api_format fmt;
    int rc, has;

    memset(&cfg, 0, sizeof cfg);
    api_request_init(&req, &cfg);
    gdir_err_clear(&err);
    if (api_parse_query(&route, (const char *)data, size, &req, &err) != 0)
        goto out;

    for (int i = 0; i < 2; i++) {
        rc = ogc_param_crs(&req, i ? "bbox-crs" : "crs", &crs, &err);
        check_err(rc, &err);
        if (!rc)
            FUZZ_CHECK(crs == OGC_CRS84 || crs == OGC_EPSG4326 || crs == OGC_EPSG2154);
    }
    memset(&box, 0, sizeof box);
    rc = ogc_param_bbox(&req, &box, &err);
    check_err(rc, &err);
    if (!rc && box.has) {
        struct gdir_buf wkt;
        for (int i = 0; i < 4; i++)
            FUZZ_CHECK(isfinite(box.v[i]));
        FUZZ_CHECK(box.envelope.minlon <= box.envelope.maxlon);
        FUZZ_CHECK(box.envelope.minlat <= box.envelope.maxlat);
        FUZZ_CHECK(box.envelope.minlon >= -180 && box.envelope.maxlon <= 180);
        FUZZ_CHECK(box.envelope.minlat >= -90 && box.envelope.maxlat <= 90);
        (void)ogc_bbox_contains(&box, 48.9, 5.3);
        gdir_buf_init(&wkt, 0);
        FUZZ_CHECK(ogc_bbox_wkt(&box, &wkt) == 0);
        gdir_buf_free(&wkt);
    }
    rc = ogc_param_datetime(&req, &has, &iv, &err);
    check_err(rc, &err);
    if (!rc && has)
        FUZZ_CHECK(iv.start <= iv.end);
    if (api_param(&req, "datetime") && ogc_date_interval(api_param(&req, "datetime"), &iv) == 0)
        FUZZ_CHECK(iv.start <= iv.end);
    for (int geo = 0; geo < 2; geo++) {
        rc = api_negotiate_html(&req, geo, &fmt, &err);
        check_err(rc, &err);
    }
out:
    api_request_free(&req);
    return 0;
}
