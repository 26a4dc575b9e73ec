/*
 * gdir_taxonomy.h — the compiled-in category taxonomy (rows of taxonomy.def).
 */
#ifndef GDIR_TAXONOMY_H
#define GDIR_TAXONOMY_H

#include <stddef.h>

struct gdir_category {
    const char *code;     /* "pharmacy" */
    const char *parent;   /* "health", or NULL for a top-level category */
    const char *label;    /* "Pharmacie" (French, UTF-8) */
};

/* The whole table, in display order (parents before children); *n receives its length. */
const struct gdir_category *gdir_taxonomy(size_t *n);

/* The category with this code, or NULL. Borrowed, static. */
const struct gdir_category *gdir_category_find(const char *code);

#endif
