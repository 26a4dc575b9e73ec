-- geodir database schema. The single source of truth: compiled into libgdir_common by CMake
-- and applied by gdir_db_create_schema(). Version in PRAGMA user_version (see gdir_db.h).
-- Requires SpatiaLite metadata (InitSpatialMetadata) to exist before it runs.

-- Facts about the build: territory (the JSON configuration), build time, importer version.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per configured source. Every place names its source; licence travels with it.
CREATE TABLE sources (
    name          TEXT PRIMARY KEY,          -- configuration name, e.g. 'service-public'
    profile       TEXT NOT NULL,             -- mapping profile used, e.g. 'service-public-csv'
    title         TEXT NOT NULL,             -- human title of the dataset
    publisher     TEXT NOT NULL,             -- e.g. 'DILA', 'La Poste', 'OpenStreetMap'
    licence       TEXT NOT NULL,             -- SPDX-like id: 'etalab-2.0', 'ODbL-1.0'
    url           TEXT,                      -- where the data is published
    file          TEXT NOT NULL,             -- file read (as configured)
    data_date     TEXT,                      -- date of the source data (ISO 8601)
    imported_at   TEXT NOT NULL,             -- ISO 8601 UTC
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0
);

-- The two-level taxonomy (copied from common/taxonomy.def at each build).
CREATE TABLE categories (
    code     TEXT PRIMARY KEY,
    parent   TEXT REFERENCES categories(code),
    label    TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX categories_parent ON categories(parent);

-- Member communes of the territory.
CREATE TABLE communes (
    insee      TEXT PRIMARY KEY,             -- code INSEE (COG)
    name       TEXT NOT NULL,
    postcodes  TEXT,                         -- '55250' or '55250|55260'
    population INTEGER,                      -- population municipale, if known
    source     TEXT,                         -- source of the boundary
    licence    TEXT
);
SELECT AddGeometryColumn('communes', 'geom', 4326, 'MULTIPOLYGON', 'XY');
SELECT CreateSpatialIndex('communes', 'geom');

-- The directory itself.
CREATE TABLE places (
    fid          INTEGER PRIMARY KEY,        -- internal row id (R*Tree key); not stable
    id           TEXT NOT NULL,              -- stable public id: '<source>:<source_id>'
                                             -- (unique: index places_id)
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,              -- folded name (gdir_text_fold)
    category     TEXT NOT NULL REFERENCES categories(code),
    address      TEXT,                       -- address lines joined by '\n'
    postcode     TEXT,
    insee        TEXT,                       -- commune INSEE code
    phone        TEXT,
    email        TEXT,
    website      TEXT,
    opening_hours TEXT,                      -- raw OSM opening_hours syntax
    description  TEXT,
    source       TEXT NOT NULL REFERENCES sources(name),
    source_id    TEXT NOT NULL,              -- identifier in that source
    licence      TEXT NOT NULL,
    source_date  TEXT,                       -- date of the source record or file
    wheelchair   TEXT,                       -- yes / limited / no (OSM values), NULL if unknown
    refs         TEXT,                       -- external ids, "scheme:value" space-separated
    geo_quality  TEXT,                       -- the source's own geolocation quality, as given
    geocode_precision TEXT,                  -- NULL: position from the source; else how geodir
                                             -- geocoded it: housenumber / street / municipality
    geocode_score REAL,                      -- 0..1 when geocoded
    source_ids   TEXT,                       -- a merged place: the ids of all its records,
                                             -- space-separated, highest priority first; NULL
                                             -- for a place of one record (then it is `id`)
    field_sources TEXT,                      -- NULL: every field comes from `source`; else a
                                             -- JSON object {"field": "source name", ...} naming
                                             -- the source of each non-empty field (and "geom")
                                             -- of a merged or locally corrected place
    validated_by TEXT,                       -- a local correction from a resident's
                                             -- contribution (back office, docs/backoffice.md
                                             -- §7): the INSEE code of the commune whose agent
                                             -- validated it, or 'cc' (the territory); else NULL
    validated_on TEXT                        -- its date (YYYY-MM-DD), with validated_by
);
-- The two ids are unique through indexes rather than table constraints, so that the importer
-- can build them once, after its bulk load (importer/README.md, "Spatial order").
CREATE UNIQUE INDEX places_id ON places(id);
CREATE UNIQUE INDEX places_source_id ON places(source, source_id);
SELECT AddGeometryColumn('places', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('places', 'geom');
CREATE INDEX places_category ON places(category);
CREATE INDEX places_insee ON places(insee);

-- Address points (BAN, BANO) that geocoding uses. Not part of the directory's places.
CREATE TABLE addresses (
    fid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,              -- id in the source (BAN cle_interop, BANO id)
    housenumber  TEXT,                       -- as published: '12', '1BIS', '8 ter'; NULL for
                                             -- a street-level point (lieu-dit, toponym)
    street       TEXT NOT NULL,              -- street name as published
    postcode     TEXT,
    insee        TEXT NOT NULL,
    city         TEXT,
    source       TEXT NOT NULL REFERENCES sources(name),
    licence      TEXT NOT NULL
);
SELECT AddGeometryColumn('addresses', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('addresses', 'geom');
CREATE INDEX addresses_insee ON addresses(insee);
CREATE UNIQUE INDEX addresses_source_id ON addresses(source, id);

-- Provenance model (see importer/README.md, "Provenance"):
--   places         the published directory: one row per place. A place that no merging and
--                  no local correction touched IS its source record (source, source_id,
--                  licence, every field as read). A merged place keeps the id, source and
--                  source_id of its highest-priority record; its licence is ODbL-1.0 as soon
--                  as one of its fields comes from an ODbL source; field_sources names the
--                  source of each field.
--   place_sources  the original record (as read, before merging and corrections) of every
--                  record that merging or a local correction changed or hid, linked to its
--                  place (place_fid); the records of the other places are their places row.
--   place_records  (view) every record of every source as read, whichever table holds it:
--                  what a refresh copies and what an export by licence starts from.
--   place_merges   why records were merged; sources gives every source's licence.
-- A Licence Ouverte export keeps the non-ODbL records of place_records, and of places the
-- fields whose source (field_sources, else `source`) is not an ODbL source.
CREATE TABLE place_sources (
    fid          INTEGER PRIMARY KEY,
    place_fid    INTEGER,                    -- places.fid of the published place it belongs
                                             -- to; NULL when an override hides it
    id           TEXT NOT NULL UNIQUE,       -- '<source>:<source_id>'
    source       TEXT NOT NULL REFERENCES sources(name),
    source_id    TEXT NOT NULL,
    licence      TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    category     TEXT NOT NULL,
    address      TEXT,
    postcode     TEXT,
    insee        TEXT,
    phone        TEXT,
    email        TEXT,
    website      TEXT,
    opening_hours TEXT,
    description  TEXT,
    source_date  TEXT,
    wheelchair   TEXT,
    refs         TEXT,
    geo_quality  TEXT,
    geocode_precision TEXT,
    geocode_score REAL,
    lon          REAL NOT NULL,              -- WGS84 position of this record
    lat          REAL NOT NULL
);
CREATE INDEX place_sources_place ON place_sources(place_fid);

CREATE VIEW place_records AS
    SELECT place_fid, id, name, name_key, category, address, postcode, insee, phone, email,
           website, opening_hours, description, source, source_id, licence, source_date,
           wheelchair, refs, geo_quality, geocode_precision, geocode_score, lon, lat
      FROM place_sources
    UNION ALL
    SELECT p.fid, p.id, p.name, p.name_key, p.category, p.address, p.postcode, p.insee,
           p.phone, p.email, p.website, p.opening_hours, p.description, p.source, p.source_id,
           p.licence, p.source_date, p.wheelchair, p.refs, p.geo_quality, p.geocode_precision,
           p.geocode_score, ST_X(p.geom), ST_Y(p.geom)
      FROM places AS p
     WHERE NOT EXISTS (SELECT 1 FROM place_sources AS s WHERE s.place_fid = p.fid);

-- One row per record merged into another one's place (the merge report).
CREATE TABLE place_merges (
    place_fid    INTEGER NOT NULL,           -- places.fid of the merged place
    kept_id      TEXT NOT NULL,              -- its id (the highest-priority record's)
    merged_id    TEXT NOT NULL,              -- the record merged into it
    rule         TEXT NOT NULL,              -- 'ref' (shared external id) or 'name'
    distance_m   REAL NOT NULL,
    similarity   REAL NOT NULL               -- 0..1, token similarity of the folded names
);

-- A source value that a profile's clean-up rewrote (a name written in capitals put in proper
-- case, a code exported as a number, a phone number without its leading 0: importer
-- "computed" fields), as the source wrote it. One row per record and source field; copied
-- with its source on a refresh. Records whose values were not rewritten have no row.
CREATE TABLE place_raw_values (
    id           TEXT NOT NULL,              -- the record's '<source>:<source_id>'
    source       TEXT NOT NULL,
    field        TEXT NOT NULL,              -- the source's own field name ("Localité")
    value        TEXT NOT NULL,              -- as read
    PRIMARY KEY (id, field)
);

-- What the import noticed without rejecting the record (e.g. a point outside its declared
-- commune). Kept sources' warnings are copied on a refresh, so the list stays complete.
CREATE TABLE import_warnings (
    source       TEXT NOT NULL,
    id           TEXT NOT NULL,              -- the record's '<source>:<source_id>'
    kind         TEXT NOT NULL,              -- 'outside_commune', 'point_replaced'
    insee        TEXT,                       -- the declared commune
    distance_m   REAL,                       -- from the point to that commune
    lat          REAL,
    lon          REAL,
    file         TEXT,                       -- where the record was read
    line         TEXT,                       -- '12' or 'feature 3'
    message      TEXT NOT NULL               -- French, for people
);

-- Accent- and case-insensitive full-text index on names (external content, rebuilt at the end
-- of an import).
CREATE VIRTUAL TABLE places_fts USING fts5(
    name, content='places', content_rowid='fid', tokenize="unicode61 remove_diacritics 2"
);

-- Full exports built at import time, one row per file (issue 5). The files live in the folder
-- named by meta 'exports_dir' (relative to the database's folder: '<db file>.exports/<build id>'),
-- written before the database is swapped in; geodir-api serves each at the stable URL
-- /data/<name> from the database it has open, so files and database always match.
CREATE TABLE exports (
    name        TEXT PRIMARY KEY,            -- stable file name, e.g. 'places-etalab-2.0.gpkg'
    dataset     TEXT NOT NULL,               -- 'places', 'equipements' (scdl schema), ...
    format      TEXT NOT NULL,               -- export format name: 'geojson', 'csv', 'gpkg', ...
    licence     TEXT NOT NULL,               -- 'etalab-2.0' or 'ODbL-1.0'
    media_type  TEXT NOT NULL,               -- Content-Type it is served with
    size        INTEGER NOT NULL,            -- bytes
    sha256      TEXT NOT NULL,               -- lowercase hex of the file's bytes
    records     INTEGER NOT NULL,            -- features / rows written
    excluded    INTEGER NOT NULL DEFAULT 0,  -- places left out by the licence split
    created     TEXT NOT NULL                -- ISO 8601 UTC
);
