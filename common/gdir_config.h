/*
 * gdir_config.h — the territory configuration: one JSON file per EPCI (see config/ and
 * docs/configuration.md). Another territory is another file, never new code.
 *
 * Relative paths inside the file are resolved against `data_dir`, itself relative to the
 * configuration file's folder unless absolute; the importer's --data-dir overrides it.
 */
#ifndef GDIR_CONFIG_H
#define GDIR_CONFIG_H

#include <stddef.h>

#include "gdir_err.h"

/* The importer's per-source guard (docs/configuration.md, "guard"): a source that loses
 * more than max_rejected_percent of its rows to rejects (rejected / (imported + rejected)), or
 * imports more than max_shrink_percent fewer rows than the served database holds of it, fails
 * the import unless geodir-import's --accept-shrink accepts it. 100 turns a check off. */
#define GDIR_GUARD_MAX_REJECTED_DEFAULT 10.0
#define GDIR_GUARD_MAX_SHRINK_DEFAULT 20.0
struct gdir_guard_cfg {
    double max_rejected_percent;   /* 0..100 */
    double max_shrink_percent;     /* 0..100 */
};

struct gdir_source_cfg {
    char *name;       /* unique source name, e.g. "service-public" (stable ids use it) */
    char *profile;    /* mapping profile name, e.g. "service-public-csv" */
    char *path;       /* file path, resolved (absolute or relative to the working dir) */
    char *data_date;  /* optional date of the data (ISO 8601), NULL if not given */
    /* Optional provenance overrides of the profile's defaults (NULL when not given): for a
     * file that has the format of a source but another origin, e.g. generated samples. */
    char *title, *publisher, *licence, *url;
    struct gdir_guard_cfg guard;   /* the source's "guard", else the territory's, else defaults */
};

/* The optional "open_data" object (docs/configuration.md): how the exports and the DCAT
 * catalogue describe the dataset. Every string is set (defaults filled) except
 * publisher_siret and public_url, which may be NULL. */
struct gdir_open_data_cfg {
    char **exports;          /* format names to build at import time (gdir_export.h names);
                                default: every format */
    size_t n_exports;
    char *publisher_siret;   /* 14 digits starting with epci_siren, or NULL (then the
                                scdl-equipements full export is skipped) */
    char *update_frequency;  /* daily, weekly, monthly, quarterly, annual or irregular */
    char **keywords;         /* catalogue keywords (may be empty) */
    size_t n_keywords;
    char *public_url;        /* absolute http(s) base URL of the service, no trailing '/', or
                                NULL */
    char *title;             /* dataset title (French) */
    char *description;       /* dataset description (French) */
};

struct gdir_territory {
    char *name;              /* "Communauté de communes de l'Aire à l'Argonne" */
    char *short_name;        /* "CC de l'Aire à l'Argonne" */
    char *epci_siren;        /* "200066140" (9 digits) */
    char *seat_insee;        /* INSEE code of the seat commune, or NULL */
    char **communes;         /* member communes' INSEE codes (5 characters each) */
    size_t n_communes;
    double center_lat, center_lon;
    int zoom;                /* initial map zoom, 1..19 */
    char *tiles_url;         /* basemap tile URL template, "" for no basemap */
    char *tiles_attribution; /* basemap attribution (HTML allowed by Leaflet) */
    char *contact_email, *contact_phone, *contact_website;  /* may be NULL */
    char *default_licence;   /* licence of records whose source says none, e.g. "etalab-2.0" */
    char *data_dir;          /* resolved folder that source paths are relative to */
    char *overrides;         /* local corrections file (`overrides`, relative to the
                                configuration file's folder), resolved, or NULL */
    struct gdir_source_cfg *sources;
    size_t n_sources;
    struct gdir_guard_cfg guard;   /* top-level "guard", defaults filled */
    struct gdir_open_data_cfg open_data;  /* "open_data", defaults filled */
    char *public_json;       /* the public part (no paths) as compact JSON, for /api/territory;
                                includes "open_data" */
};

/* Loads and validates path. data_dir_override, when not NULL, replaces the file's
 * data_dir. Every problem is reported as "path: field: what is wrong". On failure nothing
 * needs freeing; on success call gdir_territory_free. */
int gdir_territory_load(struct gdir_territory *t, const char *path, const char *data_dir_override,
                        struct gdir_err *err);

void gdir_territory_free(struct gdir_territory *t);

/* Returns 1 when id is a licence geodir knows how to label and split exports by:
 * "etalab-2.0" (Licence Ouverte 2.0), "ODbL-1.0", "CC-BY-4.0", "CC0-1.0". */
int gdir_licence_known(const char *id);

/* Returns 1 when insee is one of the member communes. */
int gdir_territory_has_commune(const struct gdir_territory *t, const char *insee);

#endif
