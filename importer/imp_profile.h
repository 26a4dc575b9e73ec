/*
 * imp_profile.h — declarative mapping profiles: importer/profiles/<name>.json, one per source
 * format (see importer/README.md for the file format).
 *
 * A profile says how to open a file (GDAL driver, open options, layer), where the geometry
 * is (native, or two coordinate fields and their SRS), which source fields feed which
 * directory fields, which rows to keep (filter), how rows get a category, and the provenance
 * of the data (title, publisher, licence, URL). Loading validates everything that can be
 * checked without the data file: unknown keys, category codes, licences, targets allowed for
 * the record kind. Checking that the named fields exist in the file is imp_source_open's job.
 *
 * Every source field a profile reads gets a "slot": an index into imp_profile.slots, in the
 * order of first use. imp_source fills one value per slot for each feature.
 */
#ifndef IMP_PROFILE_H
#define IMP_PROFILE_H

#include <stddef.h>

#include "gdir_err.h"

/* What the records of a source become. */
enum imp_kind {
    IMP_KIND_COMMUNES,   /* rows of the communes table: INSEE code, name, postcodes, population */
    IMP_KIND_BOUNDARIES, /* commune (multi)polygons, stored in communes.geom */
    IMP_KIND_PLACES,     /* points of the directory (places table) */
    IMP_KIND_ADDRESSES,  /* address points (BAN, BANO) for geocoding (addresses table) */
};
#define IMP_KIND__COUNT 4

enum imp_geom_mode {
    IMP_GEOM_NONE,   /* no geometry (communes lists) */
    IMP_GEOM_NATIVE, /* the feature's own geometry, in the layer's SRS (or `srs` if it has none) */
    IMP_GEOM_LATLON, /* two fields in decimal degrees: latitude, longitude (in `srs`) */
    IMP_GEOM_XY,     /* two fields: easting/x, northing/y in `srs` (e.g. EPSG:2154) */
};

/* Directory fields a mapping can fill. The order is the order of imp_target_names. */
enum imp_target {
    IMP_T_SOURCE_ID,
    IMP_T_NAME,
    IMP_T_ADDRESS,
    IMP_T_POSTCODE,
    IMP_T_INSEE,
    IMP_T_PHONE,
    IMP_T_EMAIL,
    IMP_T_WEBSITE,
    IMP_T_OPENING_HOURS,
    IMP_T_DESCRIPTION,
    IMP_T_DATE,
    IMP_T_POSTCODES,
    IMP_T_POPULATION,
    IMP_T_HOUSENUMBER,   /* addresses: "12", "1BIS", "8 ter" (places: for geocoding) */
    IMP_T_STREET,        /* addresses: street name (places: for geocoding) */
    IMP_T_CITY,          /* commune name as written in the source */
    IMP_T_WHEELCHAIR,    /* places: yes / limited / no (OSM values; SP ACC/DEM/NAC mapped) */
    IMP_T_REFS,          /* places: external ids "scheme:value" separated by spaces
                            (finess:010780195 sp:mairie-55532-01 siret:... uai:... osm:node/1),
                            used to merge one place seen in several sources */
    IMP_T_GEO_QUALITY,   /* places: the source's own geolocation quality, kept as given */
    IMP_T__COUNT
};

/* "source_id", "name", ... as written in profiles. */
extern const char *const imp_target_names[IMP_T__COUNT];

enum imp_cond_op { IMP_OP_EQUALS, IMP_OP_IN, IMP_OP_PREFIX };

/* A test on one source field: equals / in / prefix, on the value with outer spaces trimmed. */
struct imp_cond {
    size_t slot;         /* the source field tested */
    enum imp_cond_op op;
    char **values;       /* owned; one value for equals and prefix */
    size_t n_values;
};

struct imp_rule {
    struct imp_cond cond;
    char *category;      /* taxonomy code given to rows that pass cond */
};

/* One piece of a field mapping: literal text (templates) or the value of a source field. */
struct imp_piece {
    char *literal;       /* owned, or NULL when this piece is a field */
    size_t slot;         /* the source field, when literal is NULL */
};

/* How one directory field is built. */
struct imp_fieldmap {
    struct imp_piece *pieces; /* owned; NULL when the target is not mapped */
    size_t n_pieces;
    int is_template;     /* 1: pieces concatenated as they are; 0: non-empty values joined
                            (by "\n" for address, a space otherwise) */
    char *split;         /* when not NULL, each field value is split on this string first
                            (address lines joined with " | " in one column) */
    char *strip_prefix;  /* when not NULL, removed (ASCII case-insensitive) from the result */
};

struct imp_profile {
    char *name;          /* file name without .json */
    char *description;   /* free text, may be NULL */
    enum imp_kind kind;
    char *driver;        /* GDAL driver short name: "CSV", "GeoJSON", ... */
    char **open_options; /* NULL-terminated "KEY=VALUE" list for GDALOpenEx, owned */
    char *layer;         /* layer name, or NULL for the first layer */
    char separator;      /* CSV field separator: ',' ';' or '\t' (CSV driver only) */
    enum imp_geom_mode geom;
    size_t geom_slot[2]; /* LATLON: latitude, longitude; XY: x, y */
    char *srs;           /* source SRS (user input for OSRSetFromUserInput), NULL = EPSG:4326
                            for LATLON, the layer's own SRS for NATIVE */
    int decimal_comma;   /* coordinates may use ',' as the decimal separator */
    int has_filter;
    struct imp_cond filter;  /* rows that fail it are counted as filtered, not rejected */
    struct imp_fieldmap fields[IMP_T__COUNT];
    struct imp_rule *rules;  /* first match wins */
    size_t n_rules;
    int has_category_field;
    size_t category_slot;    /* field holding a taxonomy code (validated), if has_category_field */
    char *default_category;  /* when no rule matches / the field is empty; NULL: reject the row */
    char *title, *publisher, *licence, *url; /* provenance; publisher and licence may be
                                                "@territory" (the territory's name / default
                                                licence); url may be NULL */
    char **slots;        /* owned: distinct source field names read, in first-use order */
    size_t n_slots;
};

/* Reads dir/<name>.json into p. name must match [a-z0-9_-]{1,64}. On failure p holds nothing
 * to free and err says "<file>: <json path>: what is wrong". Returns 0 or GDIR_ECONFIG,
 * GDIR_EIO, GDIR_ENOMEM. */
int imp_profile_load(struct imp_profile *p, const char *dir, const char *name, struct gdir_err *err);

/* Frees everything p owns and zeroes it. NULL-safe. */
void imp_profile_free(struct imp_profile *p);

/* "places", "communes" or "boundaries". */
const char *imp_kind_name(enum imp_kind kind);

#endif
