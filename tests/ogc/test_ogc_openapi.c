/*
 * test_ogc_openapi.c — the OpenAPI document of /ogc/api without a server: the embedded
 * openapi.json parses, every null member of it is filled in and nothing else is left null, the
 * limits come from the configuration, the enums from the collections, the CRS, the taxonomy
 * and the place properties, and each collection gets its items and item paths (the places
 * collections with the search extension, the others without).
 */
#include "check.h"

#include "gdir_cjson.h"
#include "h_ogc.h"

#include <stdio.h>
#include <string.h>

/* The number of null members in the tree (the members openapi.json leaves to the server). */
static int count_nulls(const cJSON *node)
{
    int n = cJSON_IsNull(node);
    for (const cJSON *it = node->child; it; it = it->next)
        n += count_nulls(it);
    return n;
}

static const cJSON *get(const cJSON *node, const char *const *keys)
{
    for (; node && *keys; keys++)
        node = cJSON_GetObjectItemCaseSensitive(node, *keys);
    return node;
}

static double number(const cJSON *doc, const char *param, const char *key)
{
    const char *keys[] = {"components", "parameters", param, "schema", key, NULL};
    const cJSON *v = get(doc, keys);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void test_embedded_parses(void)
{
    struct gdir_err err = {0};
    cJSON *doc = gdir_cjson_parse(ogc_openapi_json, (size_t)-1, "openapi.json", GDIR_EINTERNAL,
                                  &err);
    const char *tmpl[] = {"paths", "x-geodir-collection-paths", NULL};

    CHECK(doc != NULL);
    if (!doc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "openapi")),
                 "3.0.3");
    CHECK(cJSON_IsObject(get(doc, tmpl)));
    CHECK(count_nulls(doc) > 0);
    cJSON_Delete(doc);
}

/* The items and item paths of collection c in doc; n_params: the parameters of its items. */
static void check_collection(const cJSON *doc, const struct ogc_collection *c, int n_params)
{
    char path[160], op[160], title[160], summary[224];
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    const cJSON *get_op;

    ogc_collection_title(c, title, sizeof title);
    snprintf(path, sizeof path, "/collections/%s/items", c->id);
    snprintf(op, sizeof op, "getFeatures_%s", c->id);
    snprintf(summary, sizeof summary, "%s : les éléments", title);
    get_op = get(paths, (const char *[]){path, "get", NULL});
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(get_op, "operationId")),
                 op);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(get_op, "summary")),
                 summary);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(get_op, "parameters")),
                 n_params);
    snprintf(path, sizeof path, "/collections/%s/items/{featureId}", c->id);
    snprintf(op, sizeof op, "getFeature_%s", c->id);
    get_op = get(paths, (const char *[]){path, "get", NULL});
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(get_op, "operationId")),
                 op);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(get_op, "parameters")), 3);
}

static void test_document(void)
{
    struct api_config cfg = {0};
    struct gdir_err err = {0};
    struct ogc_collection c;
    const char *crs[] = {"components", "parameters", "crs", "schema", NULL};
    const char *ids[] = {"components", "parameters", "collectionId", "schema", "enum", NULL};
    const char *cats[] = {"components", "parameters", "category", "schema", "items", "enum", NULL};
    const char *url[] = {"servers", NULL};
    cJSON *doc = NULL;
    size_t n_coll = 0, n_tax;

    cfg.default_limit = 17;
    cfg.max_limit = 333;
    cfg.default_radius = 1234;
    cfg.max_radius = 77777;
    cfg.max_q_len = 99;
    CHECK_INT_EQ(ogc_openapi_document(&cfg, "Titre", "http://h/ogc", &doc, &err), 0);
    if (!doc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(count_nulls(doc), 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "paths"),
                                           "x-geodir-collection-paths") == NULL);
    CHECK_STR_EQ(cJSON_GetStringValue(get(doc, (const char *[]){"info", "title", NULL})),
                 "Titre");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetArrayItem(get(doc, url), 0), "url")),
                 "http://h/ogc");
    CHECK_INT_EQ(number(doc, "limit", "maximum"), 333);
    CHECK_INT_EQ(number(doc, "limit", "default"), 17);
    CHECK_INT_EQ(number(doc, "radius", "maximum"), 77777);
    CHECK_INT_EQ(number(doc, "radius", "default"), 1234);
    CHECK_INT_EQ(number(doc, "k", "maximum"), 333);
    CHECK_INT_EQ(number(doc, "q", "maxLength"), 99);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(get(doc, crs), "enum")),
                 OGC_CRS_COUNT);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(get(doc, crs), "default")),
                 ogc_crs_uri(OGC_CRS84));
    gdir_taxonomy(&n_tax);
    CHECK_INT_EQ(cJSON_GetArraySize(get(doc, cats)), n_tax);
    for (; ogc_collection_at(n_coll, &c); n_coll++) {
        CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(get(doc, ids), (int)n_coll)), c.id);
        /* 7 parameters of every collection, 10 more of the search extension on places */
        check_collection(doc, &c, c.kind == OGC_KIND_PLACES ? 20 : 10);  /* 3: filter */
    }
    CHECK(n_coll >= 4);
    /* the 10 paths of the service and of any collection (queryables, schema and schema.xsd
     * among them), then 2 of each collection */
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "paths")),
                 10 + 2 * n_coll);
    cJSON_Delete(doc);
}

static const struct check_case cases[] = {
    {"embedded openapi.json parses", test_embedded_parses},
    {"the served document", test_document},
};

CHECK_MAIN(cases)
