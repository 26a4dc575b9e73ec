/*
 * gdir_taxonomy.c — lookups over taxonomy.def.
 */
#include "gdir_taxonomy.h"

#include <string.h>

static const struct gdir_category categories[] = {
#define GDIR_CATEGORY(code, parent, label) {code, parent, label},
#include "taxonomy.def"
#undef GDIR_CATEGORY
};

const struct gdir_category *gdir_taxonomy(size_t *n)
{
    *n = sizeof categories / sizeof categories[0];
    return categories;
}

const struct gdir_category *gdir_category_find(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        if (strcmp(categories[i].code, code) == 0)
            return &categories[i];
    return NULL;
}
