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
 * order of first use. imp_source fills one value per slot for each feature: the reader fills
 * the source fields, then imp_source fills the computed ones ("@name", see struct
 * imp_computed), then imp_record judges the row with the profile's fields, filter and rules.
 *
 * Which code reads the file (enum imp_reader) is part of the profile: GDAL/OGR for the
 * formats GDAL knows (with OSM tags, several layers, headerless CSV and Windows-1252
 * conversion on top), and small readers of our own for FINESS (CSV stock and JSON flux) and
 * the service-public.fr XML folder.
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

/* How a condition tests one field's value (outer spaces trimmed, inner runs squashed):
 * EQUALS / IN / PREFIX compare text; ANY holds for any non-empty value, ABSENT for an empty
 * or missing one (these two only in "match" rules, evaluated by imp_source). */
enum imp_cond_op { IMP_OP_EQUALS, IMP_OP_IN, IMP_OP_PREFIX, IMP_OP_ANY, IMP_OP_ABSENT };

/* A test on one source field. */
struct imp_cond {
    size_t slot;         /* the source field tested */
    enum imp_cond_op op;
    char **values;       /* owned; one value for equals, one or more for in and prefix */
    size_t n_values;
};

struct imp_rule {
    struct imp_cond cond;
    char *category;      /* taxonomy code given to rows that pass cond */
};

/* A rule of several conditions that must all hold ("match" rules, OSM tags). */
struct imp_xrule {
    struct imp_cond *conds;  /* owned */
    size_t n_conds;
    char *category;          /* taxonomy code; NULL in a filter */
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
    size_t cap_pieces;   /* allocated elements of pieces */
    int is_template;     /* 1: pieces concatenated as they are; 0: non-empty values joined
                            (by "\n" for address, a space otherwise) */
    char *split;         /* when not NULL, each field value (or the template's result) is
                            split on this string first (address lines joined with " | " in
                            one column); empty parts are dropped */
    char *strip_prefix;  /* when not NULL, removed (ASCII case-insensitive) from the result */
};

/* Computed fields ("computed" in a profile): values derived from other fields by imp_source
 * before the record is judged, named "@something" and used like any source field. */
enum imp_comp_kind {
    IMP_COMP_FIRST,       /* the first non-empty of several fields */
    IMP_COMP_REFS,        /* "scheme:value" for each non-empty field, space-separated */
    IMP_COMP_MAP,         /* one field's value looked up in a table */
    IMP_COMP_FIRST_CHARS, /* the first N characters of a field */
    IMP_COMP_PROPER_CASE, /* a value in capitals in proper case (imp_case_proper): the
                             official commune name it folds to, else French title case */
    IMP_COMP_DIGITS,      /* a code exported as a number ("55250.0") as digits, padded */
    IMP_COMP_PHONE_FR,    /* a French phone number, its lost leading 0 given back */
    IMP_COMP_CATEGORY,    /* internal "@category": the first matching xrule's category */
    IMP_COMP_KEEP,        /* internal "@keep": "1" when the row passes the compiled filter */
};

struct imp_computed {
    char *name;          /* "@phone" (owned) */
    size_t slot;         /* the slot its value fills */
    enum imp_comp_kind kind;
    size_t *inputs;      /* owned: slots read (FIRST, REFS: in order; MAP, FIRST_CHARS: one) */
    size_t n_inputs;
    char **keys;         /* owned: REFS: one scheme per input; MAP: the source values */
    char **vals;         /* owned: MAP: the value for each key */
    size_t n_pairs;      /* MAP: entries of keys/vals */
    char *map_default;   /* MAP: value for a non-empty value missing from the table, or NULL */
    int map_keep_others; /* MAP: a value missing from the table is kept as it is */
    size_t first_chars;  /* FIRST_CHARS: how many characters (UTF-8 code points);
                            DIGITS: the least number of digits */
    int else_category_label; /* FIRST: when all are empty, the row's category label */
};

/* Which code reads the file. */
enum imp_reader {
    IMP_READER_OGR,         /* GDAL/OGR: CSV, GeoJSON, GPKG, Shapefile, OSM... */
    IMP_READER_FINESS_CSV,  /* FINESS legacy stock: structureet + geolocalisation rows */
    IMP_READER_FINESS_JSON, /* FINESS "flux structures" JSON (pmej -> ege) */
    IMP_READER_SP_XML,      /* service-public.fr per-office XML files in a folder */
    IMP_READER_SP_JSON,     /* service-public.fr API Annuaire JSON export */
};

/* Text encoding of a CSV file (GDAL's CSV driver reads bytes as UTF-8). */
enum imp_encoding {
    IMP_ENC_UTF8,   /* as is; invalid bytes are rejected row by row (invalid_utf8) */
    IMP_ENC_CP1252, /* Windows-1252 (a superset of Latin-1's printable range), converted */
    IMP_ENC_AUTO,   /* UTF-8 when the file starts with a UTF-8 BOM or is valid UTF-8
                       throughout, else Windows-1252 (imp_file_encoding_auto) */
};

/* What to do with polygons and lines when places need a point. */
enum imp_areas { IMP_AREAS_REJECT, IMP_AREAS_POINT_ON_SURFACE, IMP_AREAS_CENTROID };

/* What to do with projected coordinates whose x holds the northing (x/y swapped). */
enum imp_swapped { IMP_SWAPPED_IGNORE, IMP_SWAPPED_FIX, IMP_SWAPPED_REJECT };

struct imp_profile {
    char *name;          /* file name without .json */
    char *description;   /* free text, may be NULL */
    enum imp_kind kind;
    enum imp_reader reader;
    char *driver;        /* GDAL driver short name: "CSV", "GeoJSON", "OSM"... (OGR reader) */
    char **open_options; /* NULL-terminated "KEY=VALUE" list for GDALOpenEx, owned */
    char *layer;         /* layer name, or NULL for the first layer */
    char **layers;       /* owned: several layers read one after the other ("layers"), or NULL */
    size_t n_layers;
    char separator;      /* CSV field separator: ',' ';' or '\t' (CSV driver only) */
    int no_header;       /* CSV without a header line: columns are named by `columns` */
    char **columns;      /* owned: names of the columns of a headerless CSV, in order */
    size_t n_columns;
    enum imp_encoding encoding;
    size_t max_bytes;    /* FINESS JSON / XML readers: largest file accepted */
    enum imp_geom_mode geom;
    size_t geom_slot[2]; /* LATLON: latitude, longitude; XY: x, y */
    char *srs;           /* source SRS (user input for OSRSetFromUserInput), NULL = EPSG:4326
                            for LATLON, the layer's own SRS for NATIVE */
    int has_srs_field;
    size_t srs_slot;     /* XY: field naming each row's SRS ("EPSG:5490 ...", "LAMBERT_93") */
    int has_srs_insee;
    size_t srs_insee_slot; /* XY: the row's INSEE commune code; when the row names no SRS, an
                              overseas code selects its territory's (imp_source.c) */
    int decimal_comma;   /* coordinates may use ',' as the decimal separator */
    enum imp_areas areas;      /* NATIVE places: polygons / lines to a point, or rejected */
    enum imp_swapped swapped;  /* XY: detection of swapped coordinates */
    int has_filter;
    struct imp_cond filter;  /* rows that fail it are counted as filtered, not rejected */
    struct imp_fieldmap fields[IMP_T__COUNT];
    struct imp_rule *rules;  /* first match wins */
    size_t n_rules;
    int has_category_field;
    size_t category_slot;    /* field holding a taxonomy code (validated), if has_category_field */
    char *default_category;  /* when no rule matches / the field is empty; NULL: reject the row */
    /* Rules evaluated by imp_source ("match" rules, "unmatched": "filter", a "match" filter):
     * the result is the computed field "@category" (category_slot) and the filter becomes
     * "@keep" equals "1"; rules and filter above are then not used. */
    int eval_rules;
    struct imp_xrule *xrules;   /* owned, first match wins */
    size_t n_xrules;
    struct imp_xrule xfilter;   /* every condition must hold (n_conds 0: none) */
    int unmatched_filter;       /* a row no rule matches is filtered (not given the default) */
    struct imp_computed *computed; /* owned, in evaluation order */
    size_t n_computed;
    char *title, *publisher, *licence, *url; /* provenance; publisher and licence may be
                                                "@territory" (the territory's name / default
                                                licence); url may be NULL */
    char **slots;        /* owned: distinct source field names read, in first-use order */
    size_t n_slots;
    unsigned char *slot_computed; /* owned: per slot, 1 when the value is computed */
};

/* Reads dir/<name>.json into p. name must match [a-z0-9_-]{1,64}. On failure p holds nothing
 * to free and err says "<file>: <json path>: what is wrong". Returns 0 or GDIR_ECONFIG,
 * GDIR_EIO, GDIR_ENOMEM. */
int imp_profile_load(struct imp_profile *p, const char *dir, const char *name, struct gdir_err *err);

/* Frees everything p owns and zeroes it. NULL-safe. */
void imp_profile_free(struct imp_profile *p);

/* "places", "communes", "boundaries" or "addresses". */
const char *imp_kind_name(enum imp_kind kind);

#endif
